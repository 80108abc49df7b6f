# Benchmarks (bench/): `make bench` (JSON tokenizer vs jsmn, JWS overhead),
# `make size` (code size, struct sizes, stack; fails only if acme2 uses the
# heap), `make bench-data` (recapture bench/data from a local Pebble; the
# captured files are committed, so the other two need no server).
# BENCH_SECONDS sets the length of one measurement (default 0.5 s).

# A fragment is read before the main Makefile's first rule: keep `all` the
# default goal when this fragment's rules come first.
ifeq ($(.DEFAULT_GOAL),)
.DEFAULT_GOAL := all
endif

BENCH_DEPS := gcc make libbearssl-dev libjsmn-dev gcc-arm-none-eabi libnewlib-arm-none-eabi dpkg-dev
BENCH_DATA_DEPS := pebble curl openssl libcurl4-openssl-dev

BENCH_SECONDS ?= 0.5

.PHONY: bench size bench-data

bench:
	@tests/deps.sh $(BENCH_DEPS)
	@BENCH_SECONDS=$(BENCH_SECONDS) bench/bench.sh

size:
	@tests/deps.sh $(BENCH_DEPS)
	@bench/size.sh

bench-data:
	@tests/deps.sh $(BENCH_DEPS) $(BENCH_DATA_DEPS)
	@bench/capture.sh
