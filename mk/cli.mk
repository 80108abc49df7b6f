# acme2-cli (examples/acme2-cli.c + cli_*.c over the example transports and
# responders) and `make demo`: a certificate from a local Pebble in one
# command.

# CLI_CURL selects how --transport curl reaches libcurl:
#   dlopen (default)  loaded by the first use (dlopen of libcurl.so.4), so
#                     the default run (BearSSL transport) does not map
#                     libcurl and the 30-odd libraries it pulls in; a
#                     missing libcurl is an error only for --transport curl
#   link              linked (-lcurl), as before
#   no                no curl transport: --transport curl is an error, and
#                     neither libcurl nor its headers are needed
# Changing it rebuilds the binary (the value is kept in a stamp file).
CLI_CURL ?= dlopen
CLI_CURL_STAMP := $(BUILD)/acme2-cli.curl
$(shell mkdir -p $(BUILD) && [ "$$(cat $(CLI_CURL_STAMP) 2>/dev/null)" = "$(CLI_CURL)" ] || echo "$(CLI_CURL)" > $(CLI_CURL_STAMP))
CLI_BIN  := $(BUILD)/acme2-cli
CLI_SRCS := examples/acme2-cli.c $(wildcard examples/cli_*.c) \
            examples/http1.c examples/transport_bearssl.c examples/responder.c
CLI_HDRS := acme2.h examples/cli.h examples/http1.h examples/transport_bearssl.h examples/responder.h
ifeq ($(CLI_CURL),no)
CLI_CURL_LIBS :=
CLI_CURL_FLAGS := -DCLI_NO_CURL
else
CLI_SRCS += examples/transport_curl.c
CLI_HDRS += examples/transport_curl.h
ifeq ($(CLI_CURL),link)
CLI_CURL_FLAGS :=
CLI_CURL_LIBS := -lcurl
else ifeq ($(CLI_CURL),dlopen)
CLI_CURL_FLAGS := -DACME2_CURL_DLOPEN
CLI_CURL_LIBS := -ldl
else
$(error CLI_CURL must be dlopen, link or no (got "$(CLI_CURL)"))
endif
endif
# Orders of up to ACME2_MAX_AUTHZ (100) names: room for their URLs, their
# challenges (name, token, URL: up to ~320 bytes each for 253-character
# names), and a built-in responder entry each. Every file
# is compiled with the same values, so the structs agree.
CLI_DEFS := -DACME2_ORDER_STRINGS=16384 -DACME2_ISSUE_CLEANUP_BYTES=32768 \
            -DACME2_RESPONDER_MAX_ENTRIES=100
CLI_CFLAGS ?= -O2 -g
CLI_DEPS := gcc make libbearssl-dev libcurl4-openssl-dev openssl curl pebble
TEST_DEPS += $(filter-out $(TEST_DEPS),libcurl4-openssl-dev curl pebble)

# tests/cli_curl.sh: libcurl is mapped only for --transport curl (the
# default CLI_CURL=dlopen build; the script is a source, building it builds
# the CLI it checks).
ifeq ($(CLI_CURL),dlopen)
EXTRA_TEST_BINS += tests/cli_curl.sh
endif
tests/cli_curl.sh: $(CLI_BIN) ;

.PHONY: cli demo

cli: $(CLI_BIN)

$(CLI_BIN): $(CLI_SRCS) $(CLI_HDRS) mk/cli.mk $(CLI_CURL_STAMP)
	@mkdir -p $(@D)
	gcc -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) $(CLI_CFLAGS) $(CLI_DEFS) $(CLI_CURL_FLAGS) -I. -Iexamples \
	    $(CLI_SRCS) -o $@ -lbearssl $(CLI_CURL_LIBS) -pthread

# Installs what is missing (as root), builds, runs tests/demo.sh.
demo:
	@tests/deps.sh $(CLI_DEPS)
	@echo "==> Building $(CLI_BIN)"
	@$(MAKE) --no-print-directory -s $(CLI_BIN)
	@tests/demo.sh
