# Integration suite (tests/integration.sh): build/acme2-cli against real
# Pebble servers on loopback. `make test` runs it with the unit tests (it
# prints a RESULT line like them); `make integration` runs it alone.

# A fragment is read before the main Makefile's first rule: keep `all` the
# default goal when this fragment's rules come first.
.DEFAULT_GOAL ?= all

INTEGRATION_DEPS := pebble curl openssl libcurl4-openssl-dev
TEST_DEPS += $(filter-out $(TEST_DEPS),$(INTEGRATION_DEPS))
EXTRA_TEST_BINS += tests/integration.sh

# The script is a source file: "building" it means building the CLI it
# drives (the empty recipe keeps make from looking for a rule to remake it).
tests/integration.sh: $(BUILD)/acme2-cli tests/integration/hook.sh tests/pebble.sh ;

.PHONY: integration
integration:
	@tests/deps.sh gcc make libbearssl-dev $(INTEGRATION_DEPS)
	@$(MAKE) --no-print-directory -s $(BUILD)/acme2-cli
	@tests/integration.sh
