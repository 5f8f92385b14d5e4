// Single-item auctions: English ascending, sealed-bid first and second price.
#include "joule/market/single_item.hpp"

#include <absl/container/flat_hash_set.h>

namespace joule::market {

Result<void> EnglishAuctionOptions::validate() const noexcept {
  if (increment <= 0) return fail(Errc::invalid_argument, "increment must be > 0", Where::at_field("increment"));
  return {};
}

Result<EnglishAuction> EnglishAuction::create(const EnglishAuctionOptions& options) {
  JOULE_RETURN_IF_ERROR(options.validate());
  EnglishAuction a;
  a.opt_ = options;
  return a;
}

Ticks EnglishAuction::minimum_next_bid() const noexcept {
  return history_.empty() ? opt_.reserve_price : history_.back().amount + opt_.increment;
}

Result<void> EnglishAuction::bid(std::string_view bidder, Ticks amount, std::int64_t time_s) {
  if (bidder.empty()) return fail(Errc::invalid_argument, "bidder must not be empty", Where::at_field("bidder"));
  if (!history_.empty() && time_s < history_.back().time_s)
    return fail(Errc::invalid_argument, "bid time earlier than the last accepted bid", Where::at_field("time_s"));
  if (time_s >= opt_.close_s) return fail(Errc::rejected, "the auction is closed", Where::at_field("time_s"));
  if (amount < minimum_next_bid())
    return fail(Errc::rejected,
                history_.empty() ? "bid below the reserve price" : "bid below the leading bid plus the increment",
                Where::at_field("amount"));
  history_.push_back(ItemBid{std::string(bidder), amount, time_s});
  return {};
}

std::optional<ItemBid> EnglishAuction::leader() const {
  if (history_.empty()) return std::nullopt;
  return history_.back();
}

Result<ItemAuctionResult> EnglishAuction::close(std::int64_t now_s) const {
  if (now_s < opt_.close_s) return fail(Errc::incomplete, "the auction closes later", Where::at_field("now_s"));
  ItemAuctionResult r;
  if (history_.empty()) return r;
  r.sold = true;
  r.winner = history_.back().bidder;
  r.price = history_.back().amount;
  r.winning_bid = history_.size() - 1;
  return r;
}

Result<ItemAuctionResult> sealed_bid_auction(std::span<const ItemBid> bids, Ticks reserve_price, SealedBidRule rule) {
  if (static_cast<std::uint8_t>(rule) > 1) return fail(Errc::invalid_argument, "unknown sealed-bid rule");
  absl::flat_hash_set<std::string_view> seen;
  for (std::size_t i = 0; i < bids.size(); ++i) {
    if (bids[i].bidder.empty()) return fail(Errc::invalid_argument, "bidder must not be empty", Where::at_index(i, "bids"));
    if (!seen.insert(bids[i].bidder).second)
      return fail(Errc::invalid_argument, "a bidder submitted two sealed bids", Where::at_index(i, "bids"));
  }
  // Rank: amount desc, then time asc, then index asc.
  auto better = [&](std::size_t a, std::size_t b) {
    if (bids[a].amount != bids[b].amount) return bids[a].amount > bids[b].amount;
    if (bids[a].time_s != bids[b].time_s) return bids[a].time_s < bids[b].time_s;
    return a < b;
  };
  std::optional<std::size_t> best, second;
  for (std::size_t i = 0; i < bids.size(); ++i) {
    if (bids[i].amount < reserve_price) continue;
    if (!best || better(i, *best)) {
      second = best;
      best = i;
    } else if (!second || better(i, *second)) {
      second = i;
    }
  }
  ItemAuctionResult r;
  if (!best) return r;
  r.sold = true;
  r.winner = bids[*best].bidder;
  r.winning_bid = best;
  r.price = rule == SealedBidRule::first_price ? bids[*best].amount
                                               : (second ? bids[*second].amount : reserve_price);
  return r;
}

}  // namespace joule::market
