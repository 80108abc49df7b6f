# acme2.h — build and test. `make test` is what CI runs.
BUILD   := build
LIBS    := -lbearssl
WARN    := -Wall -Wextra -Wpedantic -Werror
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TFLAGS  := -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) -g -O1 $(SAN) -I.
UNITS   := $(patsubst tests/test_%.c,%,$(wildcard tests/test_*.c))
TEST_DEPS := gcc g++ clang libclang-rt-14-dev libbearssl-dev openssl make cmake pkgconf

UNIT_BINS := $(foreach cc,gcc clang,$(addprefix $(BUILD)/$(cc)/test_,$(UNITS)))
# Fragments in mk/ add test binaries (each prints a RESULT line, see
# tests/harness.h) to EXTRA_TEST_BINS and packages to TEST_DEPS, and
# define their own targets (fuzz, bench, size, demo, ...).
# tests/consumer.sh builds a program through CMake (add_subdirectory,
# FetchContent, find_package) and pkg-config; tests/readme.sh compiles the
# README's example.
EXTRA_TEST_BINS := tests/consumer.sh tests/readme.sh
.DEFAULT_GOAL := all
include $(wildcard mk/*.mk)

.PHONY: all test deps test-bins compile-checks install clean

all: compile-checks

deps:
	@tests/deps.sh $(TEST_DEPS)

test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) compile-checks test-bins
	@tests/run.sh $(UNIT_BINS) $(EXTRA_TEST_BINS)

test-bins: $(UNIT_BINS) $(EXTRA_TEST_BINS)

$(BUILD)/gcc/test_%: tests/test_%.c acme2.h tests/harness.h tests/script.h tests/proto_fixtures.h
	@mkdir -p $(@D)
	gcc $(TFLAGS) $< -o $@ $(LIBS)

$(BUILD)/clang/test_%: tests/test_%.c acme2.h tests/harness.h tests/script.h tests/proto_fixtures.h
	@mkdir -p $(@D)
	clang $(TFLAGS) $< -o $@ $(LIBS)

# The header must compile warning-free in every way people include it.
# Each feature macro of the CONFIGURATION comment alone, and all of them
# (ACME2_MINIMAL) in C and C++: a dropped feature never breaks the build;
# the smallest client still links an issuance (bench/m4_issue.c).
FEATURE_MACROS := ACME2_NO_RSA ACME2_NO_STRERROR ACME2_NO_KEYGEN ACME2_NO_KEY_PEM ACME2_NO_KEY_SAVE \
                  ACME2_NO_EAB ACME2_NO_ARI ACME2_NO_TLS_ALPN ACME2_NO_KEY_CHANGE ACME2_NO_REVOKE ACME2_NO_IP \
                  ACME2_NO_ACCOUNT_ADMIN ACME2_NO_AUTHZ_ADMIN ACME2_NO_DNS_ACCOUNT ACME2_NO_DNS_PERSIST \
                  ACME2_NO_CHAIN_LINKS ACME2_NO_ORDERS_LIST ACME2_NO_PROFILES ACME2_NO_SUBDOMAINS \
                  ACME2_NO_ORDER_TIMES ACME2_NO_HTTP_DATE ACME2_NO_SUBPROBLEMS ACME2_NO_LOG \
                  ACME2_NO_PROBLEM_TYPES
compile-checks: $(BUILD)/compile/ok

$(BUILD)/compile/ok: acme2.h tests/compile/use.c tests/compile/impl.c bench/m4_issue.c
	@mkdir -p $(@D)
	gcc   -std=c99 $(WARN) -I. -c tests/compile/impl.c -o $(@D)/impl_gcc.o
	clang -std=c99 $(WARN) -I. -c tests/compile/impl.c -o $(@D)/impl_clang.o
	g++   -std=c++11 $(WARN) -I. -x c++ -c tests/compile/impl.c -o $(@D)/impl_gxx.o
	clang++ -std=c++11 $(WARN) -I. -x c++ -c tests/compile/impl.c -o $(@D)/impl_clangxx.o
	gcc   -std=c99 $(WARN) -I. -DACME2_STATIC -DACME2_STATIC_TEST -c tests/compile/impl.c -o $(@D)/static.o
	gcc   -std=c99 $(WARN) -I. -DACME2_NO_RSA -DACME2_NO_STRERROR -DACME2_NO_SYSTEM_RNG -DACME2_NO_HOSTED -c tests/compile/impl.c -o $(@D)/small.o
	for m in $(FEATURE_MACROS); do gcc -std=c99 $(WARN) -I. -D$$m -c tests/compile/impl.c -o $(@D)/feature.o || exit 1; done
	gcc   -std=c99 $(WARN) -I. -DACME2_MINIMAL -c tests/compile/impl.c -o $(@D)/minimal_gcc.o
	clang -std=c99 $(WARN) -I. -DACME2_MINIMAL -DACME2_NO_SYSTEM_RNG -DACME2_NO_HOSTED -c tests/compile/impl.c -o $(@D)/minimal_clang.o
	g++   -std=c++11 $(WARN) -I. -DACME2_MINIMAL -x c++ -c tests/compile/impl.c -o $(@D)/minimal_gxx.o
	gcc   -std=c99 $(WARN) -I. -DACME2_MINIMAL bench/m4_issue.c $(@D)/minimal_gcc.o -o $(@D)/minimal_issue $(LIBS)
	gcc   -std=c99 $(WARN) -O3 -I. -c tests/compile/impl.c -o $(@D)/o3_gcc.o
	clang -std=c99 $(WARN) -O2 -I. -c tests/compile/impl.c -o $(@D)/o2_clang.o
	gcc   -std=c99 $(WARN) -I. tests/compile/use.c $(@D)/impl_gcc.o -o $(@D)/split $(LIBS)
	g++   -std=c++11 $(WARN) -I. -x c++ tests/compile/use.c -x none $(@D)/impl_gxx.o -o $(@D)/split_cxx $(LIBS)
	$(@D)/split
	$(@D)/split_cxx
	@touch $@

# Installs the header, a pkg-config file and a CMake package config.
PREFIX  ?= /usr/local
VERSION := $(shell sed -n 's/^\#define ACME2_VERSION_STRING "\(.*\)"/\1/p' acme2.h)
install:
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/lib/cmake/acme2
	install -m 644 acme2.h $(DESTDIR)$(PREFIX)/include/acme2.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' acme2.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/acme2.pc
	sed -e 's|@VERSION@|$(VERSION)|' acme2-config.cmake.in > $(DESTDIR)$(PREFIX)/lib/cmake/acme2/acme2-config.cmake

clean:
	rm -rf $(BUILD)
