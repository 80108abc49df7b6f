# Cross targets (tests/cross/):
# - compile checks: with no macro defined, acme2.h builds warning-free for
#   bare metal (arm-none-eabi-gcc/g++ with newlib, clang/clang++
#   --target=thumbv7em-none-eabi, Cortex-M4, -Os) and the object needs
#   nothing from an OS: only BearSSL, mem*/str* and the compiler's helpers;
# - the unit tests and a whole scripted issuance (tests/cross/issue.c) on an
#   emulated Cortex-M4 (qemu-system-arm, mps2-an386, newlib semihosting,
#   tests/cross/m4_rt.c), on i386 (gcc -m32, ASan + UBSan) and on big-endian
#   s390x (qemu-user, UBSan). BearSSL is built for each from Debian's source
#   package (bench/bearssl-m4.sh, tests/cross/bearssl.sh), once, under build/.
# `make test` runs the three build/cross/*/run scripts (one RESULT line per
# target); `make cross` runs only them.

# A fragment is read before the main Makefile's first rule: keep `all` the
# default goal when this fragment's rules come first.
ifeq ($(.DEFAULT_GOAL),)
.DEFAULT_GOAL := all
endif

# gcc-12-multilib without the gcc-multilib package, which conflicts with
# every cross compiler (tests/cross/bearssl.sh supplies the asm/ link).
CROSS_DEPS := gcc-arm-none-eabi libnewlib-arm-none-eabi clang qemu-system-arm qemu-user \
              gcc-12-multilib gcc-s390x-linux-gnu libc6-dev-s390x-cross dpkg-dev openssl
TEST_DEPS += $(filter-out $(TEST_DEPS),$(CROSS_DEPS))

CROSS_BSRC := $(BUILD)/bearssl-src
# Unit tests that cannot run on a target: test_transport needs sockets and
# libcurl; test_der (inet_pton/inet_ntop) and test_fuzz_regress (dirent)
# need POSIX headers newlib lacks.
CROSS_SKIP_m4    := transport responder der fuzz_regress
CROSS_SKIP_LINUX := transport responder
CROSS_UNITS_m4    := $(filter-out $(CROSS_SKIP_m4),$(UNITS)) cross_issue cross_issue_small
CROSS_UNITS_LINUX := $(filter-out $(CROSS_SKIP_LINUX),$(UNITS)) cross_issue
CROSS_BINS_m4    := $(CROSS_UNITS_m4:%=$(BUILD)/cross/m4/test_%.elf)
CROSS_BINS_i386  := $(CROSS_UNITS_LINUX:%=$(BUILD)/cross/i386/test_%)
CROSS_BINS_s390x := $(CROSS_UNITS_LINUX:%=$(BUILD)/cross/s390x/test_%)
CROSS_RUNS := $(BUILD)/cross/m4/run $(BUILD)/cross/i386/run $(BUILD)/cross/s390x/run
EXTRA_TEST_BINS += $(CROSS_RUNS)
CROSS_HDRS := acme2.h $(wildcard tests/*.h)

# Cortex-M4: the flags of bench/size.sh and bench/bearssl-m4.sh; target.h
# declares the runtime's entropy and stack painting. At -Os gcc sees
# uninitialized variables in tests that -O1 does not (test_engine's pem
# after a loop): a warning there, not an error (the header's own -Os build
# is checked with -Werror below).
CROSS_M4_CFLAGS := -mcpu=cortex-m4 -mthumb -Os -g -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) -Wno-error=maybe-uninitialized \
                   -ffunction-sections -fdata-sections -I. -Itests -I$(CROSS_BSRC)/inc -include tests/cross/target.h
CROSS_M4_LDFLAGS := -T tests/cross/m4.ld -nostartfiles --specs=rdimon.specs -Wl,--gc-sections
CROSS_i386_CC := gcc -m32 -isystem $(BUILD)/cross/i386-inc
CROSS_i386_CFLAGS := $(TFLAGS) -Itests -I$(CROSS_BSRC)/inc
# ASan does not run under qemu-user; UBSan does (alignment, overflow, shifts).
CROSS_s390x_CFLAGS := -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) -g -O1 -fsanitize=undefined \
                      -fno-sanitize-recover=all -static-libubsan -I. -Itests -I$(CROSS_BSRC)/inc

.PHONY: cross cross-bins

cross-bins: $(CROSS_RUNS)

cross:
	@tests/deps.sh gcc make $(CROSS_DEPS)
	@$(MAKE) --no-print-directory -j$$(nproc) cross-bins
	@tests/run.sh $(CROSS_RUNS)

# ---- BearSSL for each target (the source comes with the M4 build) ----
$(BUILD)/bearssl-m4/libbearssl.a: bench/bearssl-m4.sh
	@bench/bearssl-m4.sh > /dev/null

$(BUILD)/bearssl-i386/libbearssl.a $(BUILD)/bearssl-s390x/libbearssl.a: \
    $(BUILD)/bearssl-%/libbearssl.a: tests/cross/bearssl.sh $(BUILD)/bearssl-m4/libbearssl.a
	@tests/cross/bearssl.sh $* > /dev/null

# gcc -m32 needs the kernel's asm/ headers in its path: Debian's
# gcc-multilib links them into /usr/include (the x86-64 ones serve both).
$(BUILD)/cross/i386-inc/asm:
	@mkdir -p $(@D)
	@ln -sfn /usr/include/x86_64-linux-gnu/asm $@

# ---- test binaries ----
$(BUILD)/cross/m4/test_%.elf: tests/test_%.c $(CROSS_HDRS) tests/cross/target.h tests/cross/m4_rt.c tests/cross/m4.ld \
    $(BUILD)/bearssl-m4/libbearssl.a
	@mkdir -p $(@D)
	arm-none-eabi-gcc $(CROSS_M4_CFLAGS) $< tests/cross/m4_rt.c $(CROSS_M4_LDFLAGS) $(BUILD)/bearssl-m4/libbearssl.a -o $@

$(BUILD)/cross/m4/test_cross_issue.elf: tests/cross/issue.c $(CROSS_HDRS) tests/cross/target.h tests/cross/m4_rt.c \
    tests/cross/m4.ld $(BUILD)/bearssl-m4/libbearssl.a
	@mkdir -p $(@D)
	arm-none-eabi-gcc $(CROSS_M4_CFLAGS) $< tests/cross/m4_rt.c $(CROSS_M4_LDFLAGS) $(BUILD)/bearssl-m4/libbearssl.a -o $@

# The issuance again in the smallest configuration (EC only, no strings;
# bare metal adds no hosted defaults by itself), for `make size`.
$(BUILD)/cross/m4/test_cross_issue_small.elf: tests/cross/issue.c $(CROSS_HDRS) tests/cross/target.h tests/cross/m4_rt.c \
    tests/cross/m4.ld $(BUILD)/bearssl-m4/libbearssl.a
	@mkdir -p $(@D)
	arm-none-eabi-gcc $(CROSS_M4_CFLAGS) -DACME2_MINIMAL -DACME2_NO_RSA -DACME2_NO_STRERROR $< tests/cross/m4_rt.c $(CROSS_M4_LDFLAGS) \
	    $(BUILD)/bearssl-m4/libbearssl.a -o $@

$(BUILD)/cross/i386/test_%: tests/test_%.c $(CROSS_HDRS) $(BUILD)/bearssl-i386/libbearssl.a $(BUILD)/cross/i386-inc/asm
	@mkdir -p $(@D)
	$(CROSS_i386_CC) $(CROSS_i386_CFLAGS) $< -o $@ $(BUILD)/bearssl-i386/libbearssl.a

$(BUILD)/cross/i386/test_cross_issue: tests/cross/issue.c $(CROSS_HDRS) $(BUILD)/bearssl-i386/libbearssl.a \
    $(BUILD)/cross/i386-inc/asm
	@mkdir -p $(@D)
	$(CROSS_i386_CC) $(CROSS_i386_CFLAGS) $< -o $@ $(BUILD)/bearssl-i386/libbearssl.a

$(BUILD)/cross/s390x/test_%: tests/test_%.c $(CROSS_HDRS) $(BUILD)/bearssl-s390x/libbearssl.a
	@mkdir -p $(@D)
	s390x-linux-gnu-gcc $(CROSS_s390x_CFLAGS) $< -o $@ $(BUILD)/bearssl-s390x/libbearssl.a

$(BUILD)/cross/s390x/test_cross_issue: tests/cross/issue.c $(CROSS_HDRS) $(BUILD)/bearssl-s390x/libbearssl.a
	@mkdir -p $(@D)
	s390x-linux-gnu-gcc $(CROSS_s390x_CFLAGS) $< -o $@ $(BUILD)/bearssl-s390x/libbearssl.a

# The fuzz replay includes the targets' sources.
$(BUILD)/cross/i386/test_fuzz_regress $(BUILD)/cross/s390x/test_fuzz_regress: $(wildcard fuzz/*.c fuzz/*.h)

# ---- one runner per target (tests/run.sh executes it like a test) ----
$(BUILD)/cross/%/run: tests/cross/run.sh
	@mkdir -p $(@D)
	@printf '#!/bin/sh\ncd "$$(dirname "$$0")/../../.." && exec tests/cross/run.sh %s %s\n' \
	    "$*" "$(CROSS_BINS_$*)" > $@
	@chmod +x $@
$(BUILD)/cross/m4/run: $(CROSS_BINS_m4)
$(BUILD)/cross/i386/run: $(CROSS_BINS_i386)
$(BUILD)/cross/s390x/run: $(CROSS_BINS_s390x)

# ---- compile checks for bare metal ----
compile-checks: $(BUILD)/compile/bare-ok

CROSS_BARE_WARN := -Wall -Wextra -Wpedantic -Werror
CROSS_BARE_M4 := -mcpu=cortex-m4 -mthumb -Os
CROSS_CLANG_M4 := --target=thumbv7em-none-eabi -mcpu=cortex-m4 -mthumb -mfloat-abi=soft -Os \
                  -isystem /usr/lib/arm-none-eabi/include
# What a bare-metal object of acme2.h may leave undefined.
CROSS_BARE_ALLOWED := ^(br_[a-z0-9_]+|__aeabi_[a-z0-9_]+|mem(cpy|set|cmp|move|chr)|str(len|cmp|ncmp|chr))$$

$(BUILD)/compile/bare-ok: acme2.h tests/compile/impl.c tests/compile/use.c mk/cross.mk
	@mkdir -p $(@D)
	arm-none-eabi-gcc -std=c99 $(CROSS_BARE_WARN) $(CROSS_BARE_M4) -I. -I/usr/include/bearssl -c tests/compile/impl.c -o $(@D)/bare_gcc.o
	arm-none-eabi-gcc -std=c99 $(CROSS_BARE_WARN) $(CROSS_BARE_M4) -I. -I/usr/include/bearssl -c tests/compile/use.c -o $(@D)/bare_use.o
	arm-none-eabi-g++ -std=c++11 $(CROSS_BARE_WARN) $(CROSS_BARE_M4) -I. -I/usr/include/bearssl -x c++ -c tests/compile/impl.c -o $(@D)/bare_gxx.o
	clang -std=c99 $(CROSS_BARE_WARN) $(CROSS_CLANG_M4) -I. -I/usr/include/bearssl -c tests/compile/impl.c -o $(@D)/bare_clang.o
	clang++ -std=c++11 $(CROSS_BARE_WARN) $(CROSS_CLANG_M4) -I. -I/usr/include/bearssl -x c++ -c tests/compile/impl.c -o $(@D)/bare_clangxx.o
	@for o in bare_gcc bare_gxx bare_clang bare_clangxx; do \
	    u=$$(arm-none-eabi-nm -u $(@D)/$$o.o | awk 'NF == 2 {print $$2}' | grep -vE '$(CROSS_BARE_ALLOWED)' | sort -u | paste -sd' '); \
	    if [ -n "$$u" ]; then echo "bare-metal acme2.h ($$o.o) needs what bare metal lacks: $$u"; exit 1; fi; \
	done
	@touch $@
