# Benchmarks (bench/): `make bench` (end-to-end issuance against a local
# Pebble beside uacme, lego and certbot; JSON tokenizer vs jsmn; library work
# per issuance under callgrind; JWS overhead; writes bench/RESULTS.md),
# `make size` (code size, struct sizes, stack; fails only if acme2 uses the
# heap), `make bench-data` (recapture bench/data from a local Pebble; the
# captured files are committed, so size and the replays need no server).
# BENCH_SECONDS sets the length of one measurement (default 0.5 s),
# BENCH_RUNS the issuances per tool and mode (default 5), BENCH_ISSUANCE=0
# skips the issuance part (which installs its own tools when root, else
# skips what is missing). BENCH_MODES picks Pebble's validation modes
# (default "nosleep va2 va3": no sleep, about 1 s, about 2 s; see
# bench/issuance.sh), BENCH_TOOLS the tools (default "acme2-cli
# acme2-cli-curl uacme lego certbot"), BENCH_PROFILE=0 skips acme2-cli's
# strace/callgrind/smaps runs.

# A fragment is read before the main Makefile's first rule: keep `all` the
# default goal when this fragment's rules come first.
ifeq ($(.DEFAULT_GOAL),)
.DEFAULT_GOAL := all
endif

BENCH_DEPS := gcc make libbearssl-dev libjsmn-dev gcc-arm-none-eabi libnewlib-arm-none-eabi dpkg-dev
BENCH_DATA_DEPS := pebble curl openssl libcurl4-openssl-dev
BENCH_RUN_DEPS := valgrind binutils strace

BENCH_SECONDS ?= 0.5
BENCH_RUNS ?= 5
BENCH_ISSUANCE ?= 1
BENCH_MODES ?= nosleep va2 va3
BENCH_TOOLS ?= acme2-cli acme2-cli-curl uacme lego certbot
BENCH_PROFILE ?= 1

.PHONY: bench size bench-data

bench:
	@tests/deps.sh $(BENCH_DEPS) $(BENCH_RUN_DEPS)
	@BENCH_SECONDS=$(BENCH_SECONDS) BENCH_RUNS=$(BENCH_RUNS) BENCH_ISSUANCE=$(BENCH_ISSUANCE) \
	    BENCH_MODES="$(BENCH_MODES)" BENCH_TOOLS="$(BENCH_TOOLS)" BENCH_PROFILE=$(BENCH_PROFILE) bench/bench.sh

size:
	@tests/deps.sh $(BENCH_DEPS)
	@bench/size.sh

bench-data:
	@tests/deps.sh $(BENCH_DEPS) $(BENCH_DATA_DEPS)
	@bench/capture.sh
