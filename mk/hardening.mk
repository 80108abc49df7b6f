# Hardening: crash and fault tests against Pebble (tests/crash.sh), secrets
# and file modes of the CLI (tests/secrets.sh), valgrind memcheck over the
# unit and protocol tests (tests/valgrind.sh). tests/test_security.c and
# tests/test_badinput.c are unit tests: the main Makefile's pattern rule
# builds and runs them (gcc and clang, ASan + UBSan). `make test` runs it
# all; `make hardening` runs only these.

# A fragment is read before the main Makefile's first rule: keep `all` the
# default goal when this fragment's rules come first.
.DEFAULT_GOAL ?= all

HARDENING_DEPS := valgrind pebble curl openssl libcurl4-openssl-dev
TEST_DEPS += $(filter-out $(TEST_DEPS),$(HARDENING_DEPS))
EXTRA_TEST_BINS += tests/crash.sh tests/secrets.sh $(BUILD)/valgrind/run

HARDENING_UNITS := $(foreach cc,gcc clang,$(addprefix $(BUILD)/$(cc)/test_,security badinput))
# Every unit test but those that link the examples, built without sanitizers.
VALGRIND_BINS := $(addprefix $(BUILD)/valgrind/test_,$(filter-out transport responder,$(UNITS)))

# The scripted server the C tests include.
$(HARDENING_UNITS): tests/script.h

# Scripts are sources: "building" one builds what it runs.
tests/crash.sh tests/secrets.sh: $(BUILD)/acme2-cli tests/pebble.sh tests/integration/hook.sh ;

# The memcheck step: a script that runs tests/valgrind.sh from the
# repository root over the binaries built here in parallel (tests/run.sh
# executes it like a test binary).
$(BUILD)/valgrind/run: tests/valgrind.sh $(VALGRIND_BINS)
	@mkdir -p $(@D)
	@printf '#!/bin/sh\ncd "$$(dirname "$$0")/../.." && exec tests/valgrind.sh\n' > $@
	@chmod +x $@

$(BUILD)/valgrind/test_%: tests/test_%.c acme2.h tests/harness.h tests/script.h tests/valgrind.sh
	@tests/valgrind.sh --build $* > /dev/null

$(BUILD)/valgrind/test_fuzz_regress: $(wildcard fuzz/*.c fuzz/*.h)

.PHONY: hardening
hardening:
	@tests/deps.sh gcc clang libclang-rt-14-dev make libbearssl-dev $(HARDENING_DEPS)
	@$(MAKE) --no-print-directory -j$$(nproc) $(HARDENING_UNITS) $(BUILD)/acme2-cli $(BUILD)/valgrind/run
	@tests/run.sh $(HARDENING_UNITS) tests/crash.sh tests/secrets.sh $(BUILD)/valgrind/run
