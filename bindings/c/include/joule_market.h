/* joule_market.h: the C API of joule's market module (included by joule.h).
 *
 * Call auctions (uniform price, rules of docs/market.md), bid curves and block
 * orders (single-period, and multi-period / linked / exclusive), a continuous
 * limit order book with an event callback and pre-trade risk limits, VaR and
 * expected shortfall, single-item auctions (English, sealed first / second
 * price), the community market with settlement, and the workload replay.
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

/* ---- Curves and block orders (extensions, docs/market.md) ---- */

/* A point of a bid curve: cumulative quantity [lots] at a price [ticks]. */
typedef struct joule_curve_point {
  int64_t price;
  int64_t qty;
} joule_curve_point;

/* Expands a bid curve (buy: prices strictly descending, sell: ascending;
 * quantities non-decreasing; linear != 0: piecewise linear, else steps) into
 * step orders: prices[i], qty[i] for i < *n. When cap < the number of steps,
 * returns JOULE_BUFFER_TOO_SMALL with *n = the number needed. */
JOULE_API joule_status joule_orders_from_curve(joule_market_side side, const joule_curve_point* points,
                                               size_t n_points, int32_t linear, int64_t* prices, int64_t* qty,
                                               size_t cap, size_t* n);

/* A single-period all-or-nothing block: all of qty [lots] at price [ticks] or better, or nothing. */
typedef struct joule_block_order {
  const char* id;
  joule_market_side side;
  int64_t qty;
  int64_t price;
} joule_block_order;

/* Clears ordinary orders with single-period blocks (greedy from the most
 * aggressive block; no block is paradoxically accepted). fills[n] for the
 * orders, block_accepted[n_blocks] 1/0; out summarises the clearing
 * (volume includes the accepted blocks). */
JOULE_API joule_status joule_call_auction_clear_blocks(const joule_auction_order* orders, size_t n,
                                                       const joule_block_order* blocks, size_t n_blocks,
                                                       int64_t price_min, int64_t price_max, int64_t* fills,
                                                       uint8_t* block_accepted, joule_auction_result* out);

/* A block over several periods (EUPHEMIA-style): qty points to n_periods lots;
 * price is the limit on the block's average price; min_acceptance_ratio in
 * (0, 1] (1 = all or none); parent: index of the parent block or -1;
 * has_group != 0 puts it in exclusive group `exclusive_group`. */
typedef struct joule_period_block {
  const char* id;
  joule_market_side side;
  int64_t price;
  const int64_t* qty;
  double min_acceptance_ratio;
  int32_t parent;
  int32_t has_group;
  int64_t exclusive_group;
} joule_period_block;

/* What happened to a block: ratio = accepted_steps / ratio_steps; surplus
 * [ticks*lots] at the final prices; paradoxically_rejected: rejected although
 * in the money at the final prices. */
typedef struct joule_block_acceptance {
  int32_t accepted_steps;
  int32_t paradoxically_rejected;
  double ratio;
  double surplus;
} joule_block_acceptance;

/* Clears n_periods call auctions with multi-period, curtailable, linked and
 * exclusive blocks (exact search over ratios in steps of 1/ratio_steps; up to
 * 65536 block states, else JOULE_LIMIT_EXCEEDED). orders[i] belongs to period
 * order_period[i]; fills[n] in input order; period_results[n_periods];
 * acceptance[n_blocks]; block_lots (may be NULL) n_blocks x n_periods, row per
 * block; *welfare [ticks*lots] (may be NULL). */
JOULE_API joule_status joule_clear_multi_period(const joule_auction_order* orders, const size_t* order_period, size_t n,
                                                size_t n_periods, const joule_period_block* blocks, size_t n_blocks,
                                                int64_t price_min, int64_t price_max, int32_t ratio_steps,
                                                int64_t* fills, joule_auction_result* period_results,
                                                joule_block_acceptance* acceptance, int64_t* block_lots,
                                                double* welfare);

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

/* ---- Risk ---- */

/* Pre-trade limits of a participant: INT64_MAX / INFINITY for no limit.
 * Values are |price| * lots [ticks*lots]. */
typedef struct joule_risk_limits {
  int64_t max_position_lots;
  double max_order_value;
  double credit_line;
} joule_risk_limits;

/* A participant's position; cash and values [ticks*lots]. */
typedef struct joule_position {
  int64_t net_lots;
  int64_t open_buy_lots;
  int64_t open_sell_lots;
  int64_t bought_lots;
  int64_t sold_lots;
  double open_buy_value;
  double open_sell_value;
  double cash;
} joule_position;

/* Sets a participant's limits; from then on the book checks every order of
 * every participant with limits before accepting it (rejected events with
 * reason risk_position, risk_order_value or risk_credit) and tracks positions. */
JOULE_API joule_status joule_order_book_set_limits(joule_order_book* book, uint32_t owner,
                                                   const joule_risk_limits* limits);
/* A participant's position and its P&L marked at mark_price [ticks] (pnl may be NULL). */
JOULE_API joule_status joule_order_book_position(const joule_order_book* book, uint32_t owner, int64_t mark_price,
                                                 joule_position* out, double* pnl);

/* VaR and expected shortfall as positive losses. */
typedef struct joule_risk_measures {
  double confidence;
  double var;
  double expected_shortfall;
  double mean_pnl;
} joule_risk_measures;

/* Historical VaR/ES of n P&L scenarios (weights: n values or NULL for equal). */
JOULE_API joule_status joule_value_at_risk(const double* pnl, size_t n, const double* weights, double confidence,
                                           joule_risk_measures* out);
/* VaR/ES of position_mwh bought at entry_price when the price goes to each of n scenario prices. */
JOULE_API joule_status joule_position_risk(double position_mwh, double entry_price, const double* prices, size_t n,
                                           const double* weights, double confidence, joule_risk_measures* out);
/* VaR/ES of a schedule (energy_mwh per period, + sold, - bought) against its
 * mean revenue; prices: n_scenarios rows of n_periods; weights: n_scenarios or NULL. */
JOULE_API joule_status joule_schedule_risk(const double* energy_mwh, size_t n_periods, const double* prices,
                                           size_t n_scenarios, const double* weights, double confidence,
                                           joule_risk_measures* out);
/* Scenario weights of n quantile paths (levels strictly increasing in (0, 1)): weights[n]. */
JOULE_API joule_status joule_quantile_path_weights(const double* levels, size_t n, double* weights);

/* ---- Single-item auctions ---- */

typedef struct joule_item_bid {
  const char* bidder;
  int64_t amount;
  int64_t time_s;
} joule_item_bid;

/* sold = 0: no valid bid. winning_bid: index of the winning bid (sealed) or of
 * the accepted bid in the auction's history (English), -1 when unsold. */
typedef struct joule_item_result {
  int32_t sold;
  int64_t price;
  int64_t winning_bid;
} joule_item_result;

typedef enum joule_sealed_bid_rule {
  JOULE_SEALED_FIRST_PRICE = 0,
  JOULE_SEALED_SECOND_PRICE = 1,
  JOULE_SEALED_BID_RULE_FORCE_INT32_ = 0x7FFFFFFF
} joule_sealed_bid_rule;

/* Sealed-bid auction: bids below reserve ignored, highest wins (ties: earlier
 * time, then earlier index); first price pays its bid, second price the best
 * losing valid bid, at least the reserve. One bid per bidder. */
JOULE_API joule_status joule_sealed_bid_auction(const joule_item_bid* bids, size_t n, int64_t reserve,
                                                joule_sealed_bid_rule rule, joule_item_result* out);

typedef struct joule_english_auction joule_english_auction;
/* English auction: reserve [ticks], increment [ticks] > 0, closing time [UTC s]. */
JOULE_API joule_status joule_english_auction_create(int64_t reserve, int64_t increment, int64_t close_s,
                                                    joule_english_auction** out);
JOULE_API void joule_english_auction_destroy(joule_english_auction* auction);
/* JOULE_REJECTED below the reserve / leader + increment or at or after the closing time. */
JOULE_API joule_status joule_english_auction_bid(joule_english_auction* auction, const char* bidder, int64_t amount,
                                                 int64_t time_s);
JOULE_API joule_status joule_english_auction_minimum_next_bid(const joule_english_auction* auction, int64_t* out);
/* Closes at now_s (JOULE_INCOMPLETE before the closing time); the winner's
 * name goes to (winner, cap) with *len its length (winner may be NULL). */
JOULE_API joule_status joule_english_auction_close(const joule_english_auction* auction, int64_t now_s,
                                                   joule_item_result* out, char* winner, size_t cap, size_t* len);

/* ---- Community market ---- */

typedef struct joule_community_member {
  const char* id;
  double reputation; /* 0..1 */
} joule_community_member;

/* An offer (sell) or bid (buy) of a member for the interval starting at
 * start_s; consecutive orders with the same start_s form one interval. */
typedef struct joule_community_order {
  int64_t start_s;
  size_t member;
  joule_market_side side;
  int64_t energy_wh;
  int64_t price; /* ticks per kWh */
} joule_community_order;

/* Tariffs and rules (joule_community_options_default fills the defaults). */
typedef struct joule_community_options {
  double money_per_tick;
  int64_t grid_import_price;
  int64_t grid_export_price;
  int64_t grid_fee;
  double community_discount;
  double min_reputation;
} joule_community_options;

/* A member's settlement; energy [Wh], money [tick*Wh] except *_currency. */
typedef struct joule_member_statement {
  int64_t consumed_wh, produced_wh, local_bought_wh, local_sold_wh, grid_import_wh, grid_export_wh;
  int64_t paid_local_energy, paid_local_fee, paid_grid, received_local, received_grid;
  int64_t net_energy_wh, net_money;
  double net_money_currency;
  double grid_only_cost_currency;
} joule_member_statement;

typedef struct joule_community_interval {
  int64_t start_s;
  int32_t has_price;
  int64_t local_price;
  int64_t local_wh;
} joule_community_interval;

/* The grid's side: energy [Wh], money [tick*Wh]. */
typedef struct joule_grid_account {
  int64_t import_wh, export_wh, supplier_revenue, export_payments, network_fees;
} joule_grid_account;

typedef struct joule_community_settlement joule_community_settlement;

JOULE_API void joule_community_options_default(joule_community_options* out);
/* Matches (local call auction per interval) and settles. */
JOULE_API joule_status joule_community_settle(const joule_community_member* members, size_t n_members,
                                              const joule_community_order* orders, size_t n_orders,
                                              const joule_community_options* options,
                                              joule_community_settlement** out);
JOULE_API void joule_community_settlement_destroy(joule_community_settlement* s);
/* Conservation flags, interval count and the grid account (any may be NULL). */
JOULE_API joule_status joule_community_settlement_summary(const joule_community_settlement* s,
                                                          int32_t* energy_conserved, int32_t* money_conserved,
                                                          size_t* n_intervals, joule_grid_account* grid);
JOULE_API joule_status joule_community_settlement_interval(const joule_community_settlement* s, size_t i,
                                                           joule_community_interval* out);
JOULE_API joule_status joule_community_settlement_member(const joule_community_settlement* s, size_t i,
                                                         joule_member_statement* out);
/* The member's text statement into (buf, cap); *len its length. */
JOULE_API joule_status joule_community_settlement_statement(const joule_community_settlement* s, size_t i, char* buf,
                                                            size_t cap, size_t* len);

/* ---- Workload replay ---- */

/* Replays a joule-lob-std-v1 stream file and writes the outcome JSON (as the CLI
 * `joule market replay`; with_latency 0 skips the latency pass). */
JOULE_API joule_status joule_market_replay_file(const char* path, int32_t with_latency, char* buf, size_t cap,
                                                size_t* out_len);

#ifdef __cplusplus
}
#endif

#endif /* JOULE_MARKET_H */
