// Fuzzes call-auction case parsing and clearing: never crash; whatever parses
// clears, and the result balances (buy fills = sell fills = volume, fills within
// quantities, the price inside its interval).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "joule/market/call_auction.hpp"

using namespace joule::market;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto c = parse_auction_case(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!c) return 0;
  auto r = clear_call_auction(c->orders, c->options);
  if (!r) return 0;  // e.g. a price range the options refuse
  Lots b = 0, s = 0;
  for (std::size_t i = 0; i < c->orders.size(); ++i) {
    if (r->fills[i] < 0 || (r->fills[i] > 0 && r->fills[i] > c->orders[i].qty)) std::abort();
    (c->orders[i].side == Side::buy ? b : s) += r->fills[i];
  }
  if (b != r->volume || s != r->volume) std::abort();
  if (r->price && (*r->price < r->interval_lo || *r->price > r->interval_hi)) std::abort();
  (void)auction_result_json(*c, *r);
  return 0;
}
