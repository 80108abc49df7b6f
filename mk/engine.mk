# The issuance engine's example programs (examples/issue_many.c: many
# certificates from one thread; examples/firmware_loop.c: one issuance from
# a main loop), both over examples/multi_curl.c, and tests/engine.sh, which
# runs them and acme2-cli's 100-name orders against Pebble in `make test`.

.DEFAULT_GOAL ?= all

ENGINE_EX_CFLAGS := -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) -O2 -g -I. -Iexamples
ENGINE_EX_DEPS := acme2.h examples/multi_curl.h examples/multi_curl.c mk/engine.mk

$(BUILD)/issue_many: examples/issue_many.c $(ENGINE_EX_DEPS)
	@mkdir -p $(@D)
	gcc $(ENGINE_EX_CFLAGS) examples/issue_many.c examples/multi_curl.c -o $@ -lbearssl -lcurl

$(BUILD)/firmware_loop: examples/firmware_loop.c $(ENGINE_EX_DEPS)
	@mkdir -p $(@D)
	gcc $(ENGINE_EX_CFLAGS) examples/firmware_loop.c examples/multi_curl.c -o $@ -lbearssl -lcurl

TEST_DEPS += $(filter-out $(TEST_DEPS),libcurl4-openssl-dev pebble curl openssl)
EXTRA_TEST_BINS += tests/engine.sh

tests/engine.sh: $(BUILD)/issue_many $(BUILD)/firmware_loop $(BUILD)/acme2-cli tests/pebble.sh ;
