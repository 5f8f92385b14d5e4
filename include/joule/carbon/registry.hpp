// joule/carbon/registry.hpp: a tamper-evident granular certificate registry.
//
// Issuance of energy attribute certificates from metered generation (whole Wh,
// intervals of at most one hour: EnergyTag Granular Certificate Scheme
// Standard), transfer, split, retirement (cancellation) for a named
// beneficiary and period, expiry (EU RED II Art. 19(3): 12 months after the end
// of the production period by default, configurable), storage charge
// (certificates cancelled into a storage lot) and storage-discharge
// certificates drawn first-in-first-out with round-trip losses.
// Every double-counting attempt is rejected with a named code (RegistryCode);
// a rejected operation leaves the state unchanged (METHODS.md section D).
//
// Every accepted operation is appended to a log, one JSON object per line:
//   {"hash":"<64 hex>","prev":"<64 hex>","entry":{...}}
// with hash = SHA-256(prev hash bytes || entry text bytes); the first prev is
// 64 zeros. `verify_log` recomputes the chain, so any edit of history is
// detected; `Registry::replay` rebuilds the state from a verified log.
// Anchor the last hash elsewhere to also detect truncation.
//
// Example:
//   joule::carbon::Registry reg;
//   auto gc = reg.issue({"WIND-1", "DK1", "wind", t0, t0 + 3600, 50000, "PROD", 52000});
//   reg.transfer(gc->id, "PROD", "ACME");
//   reg.retire({gc->id, "ACME", "ACME", "SITE-1", "DK1", joule::carbon::Claim::hourly(t0, t0 + 3600)});
//   auto ok = joule::carbon::verify_log(reg.log_text());
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "joule/core/result.hpp"

namespace joule::carbon {

/// The named rejection codes (METHODS.md D.2, README "certificates"; EXPIRED added for expiry).
enum class RegistryCode : std::uint8_t {
  ok = 0,
  not_found,                  ///< NOT_FOUND
  not_owner,                  ///< NOT_OWNER
  not_active,                 ///< NOT_ACTIVE: split, retired or cancelled
  invalid_interval,           ///< INVALID_INTERVAL: length <= 0 or > 1 h
  invalid_volume,             ///< INVALID_VOLUME
  exceeds_metered,            ///< EXCEEDS_METERED
  duplicate_issuance,         ///< DUPLICATE_ISSUANCE: same device, overlapping interval
  split_sum_mismatch,         ///< SPLIT_SUM_MISMATCH
  market_boundary,            ///< MARKET_BOUNDARY
  time_mismatch,              ///< TIME_MISMATCH
  claim_exceeds_consumption,  ///< CLAIM_EXCEEDS_CONSUMPTION
  vintage_mismatch,           ///< VINTAGE_MISMATCH
  storage_overissue,          ///< STORAGE_OVERISSUE
  expired,                    ///< EXPIRED: past its expiry
};
/// "NOT_FOUND", ... ("OK" for ok).
const char* registry_code_name(RegistryCode c) noexcept;

enum class CertStatus : std::uint8_t { active, split, retired, cancelled_for_storage, expired };
/// "active", "split", "retired", "cancelled_for_storage", "expired".
const char* cert_status_name(CertStatus s) noexcept;

struct Certificate {
  std::string id, device, market, technology, owner;
  std::int64_t start_s = 0, end_s = 0;  ///< production interval (UTC, [start, end))
  int vintage_year = 0;
  std::int64_t volume_wh = 0;
  CertStatus status = CertStatus::active;
  std::string parent;        ///< "" for issued certificates
  std::string from_storage;  ///< storage id for SD-GCs
  std::optional<std::pair<std::int64_t, std::int64_t>> source_interval;  ///< SD-GC: source production interval
  std::string beneficiary;   ///< after retirement
};

/// A retirement claim: hourly (the certificate's hour must match) or annual (vintage == year).
struct Claim {
  bool hourly_claim = true;
  std::int64_t start_s = 0, end_s = 0;
  int year = 0;
  static Claim hourly(std::int64_t s, std::int64_t e) { return {true, s, e, 0}; }
  static Claim annual(int y) { return {false, 0, 0, y}; }
};

struct IssueRequest {
  std::string device, market, technology;
  std::int64_t start_s = 0, end_s = 0;
  std::int64_t volume_wh = 0;
  std::string owner;
  std::int64_t metered_wh = -1;  ///< -1 = not given
};
struct RetireRequest {
  std::string cid, owner, beneficiary, site, consumption_market;
  Claim claim;
};
struct SdGcIssued {
  std::string id;
  std::int64_t volume_wh = 0;
  std::string source_cert;
  std::int64_t source_start_s = 0, source_end_s = 0;
};

/// Registry configuration (metered consumption for hourly claims, storage assets, market boundaries).
struct RegistrySetup {
  struct Consumption {
    std::string site;
    std::int64_t start_s = 0;
    std::int64_t wh = 0;
  };
  struct Storage {
    std::string id, market;
    double roundtrip_eff = 1.0;
  };
  std::vector<std::pair<std::string, std::vector<std::string>>> accepted_markets;  ///< consumption -> certificate markets
  std::vector<Consumption> consumption_wh;
  std::vector<Storage> storage;
  std::int64_t lifetime_s = 0;  ///< expiry after the end of production; 0 = never
};

/// An operation outcome: Errc::rejected with the code for a business-rule rejection.
template <class T>
struct Outcome {
  RegistryCode code = RegistryCode::ok;
  T value{};
  bool ok() const noexcept { return code == RegistryCode::ok; }
};

class Registry {
 public:
  Registry();
  Registry(Registry&&) noexcept;
  Registry& operator=(Registry&&) noexcept;
  ~Registry();
  /// Errors: invalid_argument (storage eff outside (0,1], duplicate ids, negative consumption).
  static Result<Registry> make(const RegistrySetup& setup);

  Outcome<std::string> issue(const IssueRequest& r);
  Outcome<std::string> transfer(std::string_view cid, std::string_view owner, std::string_view to);
  Outcome<std::vector<std::string>> split(std::string_view cid, std::string_view owner,
                                          const std::vector<std::int64_t>& parts);
  Outcome<std::string> retire(const RetireRequest& r);
  Outcome<std::string> storage_charge(std::string_view cid, std::string_view owner, std::string_view storage_id,
                                      std::int64_t charge_start_s, std::int64_t charge_end_s);
  Outcome<std::vector<SdGcIssued>> storage_discharge_issue(std::string_view storage_id, std::int64_t start_s,
                                                           std::int64_t end_s, std::int64_t volume_wh,
                                                           std::string_view owner, std::int64_t metered_discharge_wh);
  /// Capacity hint: room for about `operations` logged operations and as many certificates
  /// (avoids re-growing the log and the id index during bulk loads).
  void reserve(std::size_t operations);
  /// Marks every active certificate whose end + lifetime <= now_s as expired; returns how many.
  std::size_t expire(std::int64_t now_s);

  /// Certificates in id order.
  std::vector<Certificate> certificates() const;
  /// nullptr if unknown.
  const Certificate* find(std::string_view cid) const;
  /// Claimed Wh per (site, hour start).
  std::vector<std::pair<std::pair<std::string, std::int64_t>, std::int64_t>> claims() const;
  struct StorageState {
    std::string id;
    std::int64_t charged_wh = 0, released_wh = 0;
    double remaining_charged_wh = 0;
  };
  std::vector<StorageState> storage_state() const;
  /// Issued production GC Wh and SD-GC Wh (conservation: leaf volumes == their sum).
  std::int64_t issued_wh() const noexcept;
  std::int64_t sd_issued_wh() const noexcept;
  std::size_t operation_count() const noexcept;

  /// The append-only log (JSON lines, hash chained) and the current head hash (hex).
  const std::string& log_text() const noexcept;
  std::string head_hash() const;
  /// Writes the log to a file. Errors: io_error.
  Result<void> save(const std::string& path) const;
  /// Verifies a log and replays it into a fresh registry with `setup`.
  /// Errors: checksum_mismatch (chain broken: Where::at_index(line)), malformed, invalid_argument.
  static Result<Registry> replay(const RegistrySetup& setup, std::string_view log);
  static Result<Registry> load(const RegistrySetup& setup, const std::string& path);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Verifies the hash chain of a log: returns the number of entries.
/// Errors: checksum_mismatch (a hash or prev link does not match; Where::at_index(line)),
/// malformed (a line does not have the log layout; Where::byte(offset)).
Result<std::size_t> verify_log(std::string_view log) noexcept;

/// SHA-256 (FIPS 180-4) of bytes, via the system's libcrypto.
std::array<std::uint8_t, 32> sha256(std::string_view bytes) noexcept;

}  // namespace joule::carbon
