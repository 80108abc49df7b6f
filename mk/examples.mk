# Example transports and challenge responders (examples/*.c), and the test
# that drives them against Pebble (tests/test_transport.c). Included by the
# main Makefile; also usable as `make -f Makefile -f mk/examples.mk ...`.
#
#   $(BUILD)/examples/NAME.o          -O2, no sanitizers: for acme2-cli
#   $(BUILD)/examples/CC/NAME.o       TFLAGS (sanitizers) per compiler: tests
#   $(BUILD)/gcc/test_transport, $(BUILD)/clang/test_transport
#                                     the unit-test pattern rule, plus the
#                                     objects and libraries below
#   $(BUILD)/test_transport           the gcc one, copied
#
# A program using them links $(EX_OBJS) (or one of them) and $(EX_LIBS),
# and compiles one file with ACME2_IMPLEMENTATION.

ifndef EXAMPLES_MK_INCLUDED
EXAMPLES_MK_INCLUDED := 1

EX_NAMES  := http1 transport_bearssl transport_mbedtls transport_curl responder
EX_LIBS   := -lbearssl -lmbedtls -lmbedx509 -lmbedcrypto -lcurl -lpthread
EX_CFLAGS := -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) -O2 -g -I.
EX_DEPS   := acme2.h $(wildcard examples/*.h)
EX_OBJS       := $(EX_NAMES:%=$(BUILD)/examples/%.o)
EX_OBJS_gcc   := $(EX_NAMES:%=$(BUILD)/examples/gcc/%.o)
EX_OBJS_clang := $(EX_NAMES:%=$(BUILD)/examples/clang/%.o)

# libmbedtls-dev: Debian 12 ships mbedTLS 2.28 (transport_mbedtls.c also
# builds against 3.x).
TEST_DEPS += $(filter-out $(TEST_DEPS),libcurl4-openssl-dev pebble curl libmbedtls-dev)

.PHONY: examples-objs
examples-objs: $(EX_OBJS)

$(BUILD)/examples/%.o: examples/%.c $(EX_DEPS)
	@mkdir -p $(@D)
	gcc $(EX_CFLAGS) -c $< -o $@

$(BUILD)/examples/gcc/%.o: examples/%.c $(EX_DEPS)
	@mkdir -p $(@D)
	gcc $(TFLAGS) -c $< -o $@

$(BUILD)/examples/clang/%.o: examples/%.c $(EX_DEPS)
	@mkdir -p $(@D)
	clang $(TFLAGS) -c $< -o $@

# tests/test_transport.c is picked up as a unit test by the main Makefile;
# these lines give its two binaries the example objects and libraries.
$(BUILD)/gcc/test_transport: $(EX_OBJS_gcc) tests/pebble.sh
$(BUILD)/gcc/test_transport: LIBS = $(EX_OBJS_gcc) $(EX_LIBS)
$(BUILD)/clang/test_transport: $(EX_OBJS_clang) tests/pebble.sh
$(BUILD)/clang/test_transport: LIBS = $(EX_OBJS_clang) $(EX_LIBS)

# tests/test_responder.c (the responders' "validation seen" notification)
# needs only the responder and the BearSSL transport it seeds from (with
# the HTTP/1.1 client that transport is built on).
EX_RESP_gcc   := $(addprefix $(BUILD)/examples/gcc/,responder.o transport_bearssl.o http1.o)
EX_RESP_clang := $(addprefix $(BUILD)/examples/clang/,responder.o transport_bearssl.o http1.o)
$(BUILD)/gcc/test_responder: $(EX_RESP_gcc)
$(BUILD)/gcc/test_responder: LIBS = $(EX_RESP_gcc) -lbearssl -lpthread
$(BUILD)/clang/test_responder: $(EX_RESP_clang)
$(BUILD)/clang/test_responder: LIBS = $(EX_RESP_clang) -lbearssl -lpthread

$(BUILD)/test_transport: $(BUILD)/gcc/test_transport
	cp $< $@

endif
