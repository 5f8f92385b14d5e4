// Firmware entry of the market module: a gateway-sized order book on static
// storage, fed from the receive buffer, so the no-heap check covers the engine.
#include <cstdint>

#include "joule/market/book_core.hpp"

namespace {
using namespace joule::market;
OrderNode g_nodes[65];
PriceLevel g_bids[256], g_asks[256];
std::uint64_t g_bits[2 * BookStorage::bitmap_words(256)];
IndexSlot g_index[128];
BookEngine g_book;
bool g_ready = false;
}  // namespace

extern "C" int joule_fw_market(volatile const std::uint8_t* input, std::uint32_t n) {
  if (!g_ready) {
    Instrument inst;
    inst.price_min = -128;
    inst.price_max = 127;
    if (!g_book.init(inst, BookOptions{}, BookStorage{g_nodes, g_bids, g_asks, g_bits, g_index})) return -1;
    g_ready = true;
  }
  // Each 4-byte record: side, price (int8), qty, id.
  std::int64_t filled = 0;
  for (std::uint32_t i = 0; i + 4 <= n; i += 4) {
    OrderRequest r;
    r.side = (input[i] & 1) ? Side::sell : Side::buy;
    r.price = static_cast<std::int8_t>(input[i + 1]);
    r.qty = 1 + input[i + 2];
    r.id = 1 + input[i + 3];
    if (input[i] & 2) {
      (void)g_book.cancel(r.id);
    } else {
      auto f = g_book.submit(r);
      if (f) filled += *f;
    }
  }
  LevelInfo best;
  return static_cast<int>(filled) + (g_book.best_bid(best) ? static_cast<int>(best.price) : 0);
}
