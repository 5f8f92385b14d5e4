// joule/market/single_item.hpp: single-item auctions of energy blocks.
//
// An English (ascending, open-outcry) auction with a reserve price, a minimum
// bid increment and a closing time, and sealed-bid auctions with first-price
// or second-price (Vickrey) payment. Amounts are integer ticks (the whole
// block's price, or a price per MWh of the block: the caller decides);
// ties go to the earlier bid.
//
// Example:
//   using namespace joule::market;
//   auto a = EnglishAuction::create({.reserve_price = 1000, .increment = 50, .close_s = 1'700'003'600});
//   a->bid("alice", 1000, 1'700'000'000);     // ok: meets the reserve
//   a->bid("bob", 1020, 1'700'000'100);       // rejected: below 1000 + 50
//   a->bid("bob", 1050, 1'700'000'200);       // ok
//   auto r = a->close(1'700'003'600);          // bob wins at 1050
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "joule/core/result.hpp"
#include "joule/market/instrument.hpp"

namespace joule::market {

/// One bid.
struct ItemBid {
  std::string bidder;
  Ticks amount = 0;        ///< [ticks]
  std::int64_t time_s = 0; ///< submission time [UTC s]
};

/// Outcome of a single-item auction.
struct ItemAuctionResult {
  bool sold = false;
  std::string winner;
  Ticks price = 0;                 ///< what the winner pays [ticks]
  std::optional<std::size_t> winning_bid;  ///< index into the bids (sealed) or the history (English)
};

/// English auction settings.
struct EnglishAuctionOptions {
  Ticks reserve_price = 0;   ///< lowest acceptable first bid [ticks]
  Ticks increment = 1;       ///< each new leading bid exceeds the last by at least this [ticks], > 0
  std::int64_t close_s = 0;  ///< bids at or after this time are refused [UTC s]

  Result<void> validate() const noexcept;
};

/// An ascending open auction. Thread-compatible.
class EnglishAuction {
 public:
  static Result<EnglishAuction> create(const EnglishAuctionOptions& options);

  /// Places a bid: rejected (Errc::rejected) at or after the closing time, below
  /// the reserve (first bid) or below leader + increment; invalid_argument for an
  /// empty bidder or a time earlier than the last accepted bid.
  Result<void> bid(std::string_view bidder, Ticks amount, std::int64_t time_s);
  /// The least amount the next bid must reach.
  Ticks minimum_next_bid() const noexcept;
  /// The leading bid, if any.
  std::optional<ItemBid> leader() const;
  /// Accepted bids in order.
  const std::vector<ItemBid>& history() const noexcept { return history_; }
  /// Closes the auction (incomplete before the closing time): the leader wins at its bid.
  Result<ItemAuctionResult> close(std::int64_t now_s) const;

 private:
  EnglishAuctionOptions opt_{};
  std::vector<ItemBid> history_;
};

/// Payment rule of a sealed-bid auction.
enum class SealedBidRule : std::uint8_t {
  first_price = 0,   ///< the winner pays its own bid
  second_price = 1,  ///< the winner pays the best losing valid bid, at least the reserve (Vickrey)
};

/// Clears a sealed-bid auction: bids below `reserve_price` are ignored; the
/// highest bid wins, ties to the earlier time, then the earlier index. One bid
/// per bidder (invalid_argument otherwise).
Result<ItemAuctionResult> sealed_bid_auction(std::span<const ItemBid> bids, Ticks reserve_price, SealedBidRule rule);

}  // namespace joule::market
