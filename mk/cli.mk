# acme2-cli (examples/acme2-cli.c + cli_*.c over the example transports and
# responders) and `make demo`: a certificate from a local Pebble in one
# command.

CLI_BIN  := $(BUILD)/acme2-cli
CLI_SRCS := examples/acme2-cli.c $(wildcard examples/cli_*.c) \
            examples/http1.c examples/transport_bearssl.c examples/transport_curl.c examples/responder.c
CLI_HDRS := acme2.h examples/cli.h examples/http1.h examples/transport_bearssl.h \
            examples/transport_curl.h examples/responder.h
# Orders of up to ACME2_MAX_AUTHZ (100) names: room for their URLs, their
# challenges (name, token, URL: up to ~320 bytes each for 253-character
# names), and a built-in responder entry each. Every file
# is compiled with the same values, so the structs agree.
CLI_DEFS := -DACME2_ORDER_STRINGS=16384 -DACME2_ISSUE_CLEANUP_BYTES=32768 \
            -DACME2_RESPONDER_MAX_ENTRIES=100
CLI_CFLAGS ?= -O2 -g
CLI_DEPS := gcc make libbearssl-dev libcurl4-openssl-dev openssl curl pebble
TEST_DEPS += $(filter-out $(TEST_DEPS),libcurl4-openssl-dev curl pebble)

.PHONY: cli demo

cli: $(CLI_BIN)

$(CLI_BIN): $(CLI_SRCS) $(CLI_HDRS) mk/cli.mk
	@mkdir -p $(@D)
	gcc -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) $(CLI_CFLAGS) $(CLI_DEFS) -I. -Iexamples \
	    $(CLI_SRCS) -o $@ -lbearssl -lcurl -pthread

# Installs what is missing (as root), builds, runs tests/demo.sh.
demo:
	@tests/deps.sh $(CLI_DEPS)
	@echo "==> Building $(CLI_BIN)"
	@$(MAKE) --no-print-directory -s $(CLI_BIN)
	@tests/demo.sh
