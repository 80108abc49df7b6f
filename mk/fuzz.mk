# Fuzzing (libFuzzer, clang 14; runtime from libclang-rt-14-dev).
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="fuzz_json ..."]   fuzz every target
#   make fuzz-seeds                                            regenerate seeds (Pebble, openssl)
# `make test` runs tests/test_fuzz_regress.c (every committed seed and
# crash reproducer replayed without libFuzzer, ASan+UBSan; it is a unit
# test like the others, so the main Makefile builds it for gcc and clang)
# and build/fuzz/smoke (each target for a few seconds).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= fuzz_json fuzz_headers fuzz_responses fuzz_keys fuzz_cert fuzz_flow
FUZZ_CFLAGS  := -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) -g -O1 \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -I.
FUZZ_DEPS    := acme2.h fuzz/fuzz_common.h $(wildcard parts/*)

TEST_DEPS += clang libclang-rt-14-dev
EXTRA_TEST_BINS += $(BUILD)/fuzz/smoke

.PHONY: fuzz fuzz-bins fuzz-seeds

fuzz-bins: $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))

fuzz: fuzz-bins
	fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $< -o $@ $(LIBS)

# The seed capture tool talks to Pebble through curl; no sanitizers needed.
$(BUILD)/fuzz/capture: fuzz/capture.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	gcc -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) -g -O1 -I. $< -o $@ $(LIBS)

fuzz-seeds:
	fuzz/make-seeds.sh --commit

# The smoke step of `make test`: a script that runs fuzz/run.sh --smoke
# from the repository root (tests/run.sh executes it like a test binary).
$(BUILD)/fuzz/smoke: fuzz/run.sh $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))
	@mkdir -p $(@D)
	@printf '#!/bin/sh\ncd "$$(dirname "$$0")/../.." && exec fuzz/run.sh --smoke\n' > $@
	@chmod +x $@

# The regression replay includes the targets' sources.
$(BUILD)/gcc/test_fuzz_regress $(BUILD)/clang/test_fuzz_regress: $(wildcard fuzz/*.c fuzz/*.h)
