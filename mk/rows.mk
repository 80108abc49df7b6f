# tests/integration/orders.c: the account's orders list against Pebble, for
# tests/integration.sh (its orders-list-pages case).

ORDERS_BIN := $(BUILD)/integration-orders

tests/integration.sh: $(ORDERS_BIN)

$(ORDERS_BIN): tests/integration/orders.c acme2.h examples/transport_bearssl.c examples/transport_bearssl.h mk/rows.mk
	@mkdir -p $(@D)
	gcc -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) -O1 -g -I. -Iexamples \
	    tests/integration/orders.c examples/transport_bearssl.c -o $@ -lbearssl
