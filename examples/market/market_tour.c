/* A tour of the market C API: an order book with an event callback. */
#include <stdio.h>
#include <string.h>

#include "joule.h"

static void on_event(void* ctx, const joule_book_event* e) {
  (void)ctx;
  if (e->kind == JOULE_EVENT_FILL)
    printf("fill %lld @ %lld (taker %llu, maker %llu)\n", (long long)e->qty, (long long)e->price,
           (unsigned long long)e->id, (unsigned long long)e->other_id);
}

int main(void) {
  joule_order_book* book = NULL;
  joule_order o;
  int64_t filled = 0;
  if (joule_order_book_create(-1000, 1000, JOULE_STP_CANCEL_NEWEST, &book) != JOULE_OK) {
    puts(joule_last_error());
    return 1;
  }
  joule_order_book_set_callback(book, on_event, NULL);
  memset(&o, 0, sizeof o);
  o.id = 1;
  o.side = JOULE_MARKET_SELL;
  o.type = JOULE_ORDER_LIMIT;
  o.price = -20;
  o.qty = 10;
  joule_order_book_submit(book, &o, &filled);
  o.id = 2;
  o.side = JOULE_MARKET_BUY;
  o.type = JOULE_ORDER_IOC;
  o.price = -10;
  o.qty = 4;
  joule_order_book_submit(book, &o, &filled);
  printf("filled %lld lots\n", (long long)filled);
  joule_order_book_destroy(book);
  return filled == 4 ? 0 : 1;
}
