# tests/integration/orders.c: the account's orders list against Pebble, for
# tests/integration.sh (its orders-list-pages case).

ORDERS_BIN  := $(BUILD)/integration-orders
ORDERS_SRCS := tests/integration/orders.c examples/http1.c examples/transport_bearssl.c

tests/integration.sh: $(ORDERS_BIN)

$(ORDERS_BIN): $(ORDERS_SRCS) acme2.h examples/http1.h examples/transport_bearssl.h mk/rows.mk
	@mkdir -p $(@D)
	gcc -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) -O1 -g -I. -Iexamples $(ORDERS_SRCS) -o $@ -lbearssl
