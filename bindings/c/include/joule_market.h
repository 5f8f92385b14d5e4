/* joule_market.h: the C API of joule's market module (included by joule.h).
 *
 * Call auctions (uniform price, rules of docs/market.md), a continuous limit
 * order book with an event callback, and the order-book workload replay.
 * Prices are integer ticks, quantities integer lots.
 *
 * Example:
 *   joule_auction_order o[2] = {{"b1", JOULE_MARKET_BUY, 6, 50, 0}, {"s1", JOULE_MARKET_SELL, 4, 0, 1}};
 *   int64_t fills[2]; joule_auction_result r;
 *   if (joule_call_auction_clear(o, 2, -500, 4000, fills, NULL, &r) == JOULE_OK) printf("%lld\n", (long long)r.price);
 */
#ifndef JOULE_MARKET_H
#define JOULE_MARKET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum joule_market_side {
  JOULE_MARKET_BUY = 0,
  JOULE_MARKET_SELL = 1,
  JOULE_MARKET_SIDE_FORCE_INT32_ = 0x7FFFFFFF
} joule_market_side;

/* ---- Call auction ---- */

/* One order: id (NUL-terminated, unique), side, qty [lots] > 0, limit price [ticks]
 * unless is_market != 0 (then price is ignored). */
typedef struct joule_auction_order {
  const char* id;
  joule_market_side side;
  int64_t qty;
  int64_t price;
  int32_t is_market;
} joule_auction_order;

/* Result summary. rationed_side: -1 none, 0 buy, 1 sell. has_price = 0 when nothing trades. */
typedef struct joule_auction_result {
  int32_t cleared;
  int32_t has_price;
  int64_t price;
  int64_t interval_lo;
  int64_t interval_hi;
  int64_t volume;
  int32_t rationed_side;
  int32_t n_rejected;
} joule_auction_result;

/* Clears one period. fills[n] receives each order's lots (0 when rejected);
 * valid[n] (may be NULL) 1 for valid orders, 0 for rejected ones. */
JOULE_API joule_status joule_call_auction_clear(const joule_auction_order* orders, size_t n, int64_t price_min,
                                                int64_t price_max, int64_t* fills, uint8_t* valid,
                                                joule_auction_result* out);

/* One call for a case file's text (schema joule.call_auction.case/v1): writes the
 * result JSON (the layout of the case's "expected" block) into buf and, when
 * matches_expected is not NULL, 1 there if the case has an expected block equal
 * to the result, else 0. */
JOULE_API joule_status joule_call_auction_clear_json(const char* case_json, size_t len, char* buf, size_t cap,
                                                     size_t* out_len, int32_t* matches_expected);

/* ---- Continuous order book ---- */

typedef struct joule_order_book joule_order_book;

typedef enum joule_order_type {
  JOULE_ORDER_LIMIT = 0,
  JOULE_ORDER_MARKET = 1,
  JOULE_ORDER_IOC = 2,
  JOULE_ORDER_FOK = 3,
  JOULE_ORDER_ALL_OR_NONE = 4,
  JOULE_ORDER_ICEBERG = 5,
  JOULE_ORDER_TYPE_FORCE_INT32_ = 0x7FFFFFFF
} joule_order_type;

typedef enum joule_stp_mode {
  JOULE_STP_NONE = 0,
  JOULE_STP_CANCEL_NEWEST = 1,
  JOULE_STP_CANCEL_OLDEST = 2,
  JOULE_STP_CANCEL_BOTH = 3,
  JOULE_STP_MODE_FORCE_INT32_ = 0x7FFFFFFF
} joule_stp_mode;

/* Event kinds: the values of joule::market::EventKind. */
typedef enum joule_book_event_kind {
  JOULE_EVENT_ACCEPTED = 0,
  JOULE_EVENT_REJECTED = 1,
  JOULE_EVENT_FILL = 2,
  JOULE_EVENT_RESTED = 3,
  JOULE_EVENT_CANCELLED = 4,
  JOULE_EVENT_EXPIRED = 5,
  JOULE_EVENT_REDUCED = 6,
  JOULE_EVENT_REPLACED = 7,
  JOULE_EVENT_HALTED = 8,
  JOULE_EVENT_RESUMED = 9,
  JOULE_BOOK_EVENT_KIND_FORCE_INT32_ = 0x7FFFFFFF
} joule_book_event_kind;

/* An order. peak: iceberg visible lots; owner: participant (0 = anonymous);
 * expire_s: good-till time [UTC s], 0 = good till cancelled. */
typedef struct joule_order {
  uint64_t id;
  joule_market_side side;
  joule_order_type type;
  int64_t price;
  int64_t qty;
  int64_t peak;
  uint32_t owner;
  int64_t time_s;
  int64_t expire_s;
} joule_order;

/* An event; reason is joule::market::Reason (0 none, see docs/market.md). For
 * fills: id = taker, other_id = maker, price = maker's price, qty = lots. */
typedef struct joule_book_event {
  joule_book_event_kind kind;
  int32_t reason;
  joule_market_side side;
  uint64_t id;
  uint64_t other_id;
  int64_t price;
  int64_t qty;
  int64_t remaining;
  int64_t other_remaining;
  uint32_t owner;
  uint32_t other_owner;
} joule_book_event;

typedef void (*joule_book_event_fn)(void* ctx, const joule_book_event* event);

/* One price level of the book. */
typedef struct joule_book_level {
  int64_t price;
  int64_t qty;
  uint32_t orders;
} joule_book_level;

/* A book for prices price_min..price_max [ticks] with a self-trade prevention mode. */
JOULE_API joule_status joule_order_book_create(int64_t price_min, int64_t price_max, joule_stp_mode stp,
                                               joule_order_book** out);
JOULE_API void joule_order_book_destroy(joule_order_book* book);
/* Events go to fn(ctx, event) synchronously (fn NULL: none). */
JOULE_API joule_status joule_order_book_set_callback(joule_order_book* book, joule_book_event_fn fn, void* ctx);
/* Enters an order; *filled (may be NULL) receives the lots traded at once. A
 * rejection returns JOULE_REJECTED (or another status) and a rejected event. */
JOULE_API joule_status joule_order_book_submit(joule_order_book* book, const joule_order* order, int64_t* filled);
JOULE_API joule_status joule_order_book_cancel(joule_order_book* book, uint64_t id);
JOULE_API joule_status joule_order_book_reduce(joule_order_book* book, uint64_t id, int64_t by_lots);
JOULE_API joule_status joule_order_book_replace(joule_order_book* book, uint64_t id, int64_t new_price,
                                                int64_t new_qty, int64_t* filled);
/* Best level of a side; *found = 0 when the side is empty. */
JOULE_API joule_status joule_order_book_best(const joule_order_book* book, joule_market_side side,
                                             joule_book_level* level, int32_t* found);
/* Up to cap levels from the best price outward; *n receives the count written. */
JOULE_API joule_status joule_order_book_depth(const joule_order_book* book, joule_market_side side,
                                              joule_book_level* levels, size_t cap, size_t* n);
/* Resting orders, last trade price (0 before any) and traded volume. */
JOULE_API joule_status joule_order_book_stats(const joule_order_book* book, size_t* live_orders,
                                              int64_t* last_price, int64_t* volume);

/* ---- Workload replay ---- */

/* Replays a joule-lob-std-v1 stream file and writes the outcome JSON (as the CLI
 * `joule market replay`; with_latency 0 skips the latency pass). */
JOULE_API joule_status joule_market_replay_file(const char* path, int32_t with_latency, char* buf, size_t cap,
                                                size_t* out_len);

#ifdef __cplusplus
}
#endif

#endif /* JOULE_MARKET_H */
