// Granular certificate registry with a SHA-256 hash-chained append-only log (METHODS.md D).
#include "joule/carbon/registry.hpp"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <new>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#if defined(__linux__)
#include <sys/mman.h>
#endif

// SHA-256 comes from the system's libcrypto (OpenSSL 3, Debian libssl-dev): a vetted
// implementation with SHA-NI/AVX2 paths. The one-shot low-level API is deprecated in
// OpenSSL 3 in favour of EVP, whose per-call context setup costs more than the hash of a
// 200-byte log entry; the low-level functions remain supported throughout 3.x.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace joule::carbon {

const char* registry_code_name(RegistryCode c) noexcept {
  switch (c) {
    case RegistryCode::ok: return "OK";
    case RegistryCode::not_found: return "NOT_FOUND";
    case RegistryCode::not_owner: return "NOT_OWNER";
    case RegistryCode::not_active: return "NOT_ACTIVE";
    case RegistryCode::invalid_interval: return "INVALID_INTERVAL";
    case RegistryCode::invalid_volume: return "INVALID_VOLUME";
    case RegistryCode::exceeds_metered: return "EXCEEDS_METERED";
    case RegistryCode::duplicate_issuance: return "DUPLICATE_ISSUANCE";
    case RegistryCode::split_sum_mismatch: return "SPLIT_SUM_MISMATCH";
    case RegistryCode::market_boundary: return "MARKET_BOUNDARY";
    case RegistryCode::time_mismatch: return "TIME_MISMATCH";
    case RegistryCode::claim_exceeds_consumption: return "CLAIM_EXCEEDS_CONSUMPTION";
    case RegistryCode::vintage_mismatch: return "VINTAGE_MISMATCH";
    case RegistryCode::storage_overissue: return "STORAGE_OVERISSUE";
    case RegistryCode::expired: return "EXPIRED";
  }
  return "UNKNOWN";
}

const char* cert_status_name(CertStatus s) noexcept {
  switch (s) {
    case CertStatus::active: return "active";
    case CertStatus::split: return "split";
    case CertStatus::retired: return "retired";
    case CertStatus::cancelled_for_storage: return "cancelled_for_storage";
    case CertStatus::expired: return "expired";
  }
  return "unknown";
}

std::array<std::uint8_t, 32> sha256(std::string_view bytes) noexcept {
  std::array<std::uint8_t, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out.data());
  return out;
}

namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kPrefix = "{\"hash\":\"";
constexpr std::string_view kMid = "\",\"prev\":\"";
constexpr std::string_view kEntry = "\",\"entry\":";

using Digest = std::array<std::uint8_t, 32>;

Digest chain_hash(const Digest& prev, std::string_view entry) noexcept {
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, prev.data(), prev.size());
  SHA256_Update(&c, entry.data(), entry.size());
  Digest d;
  SHA256_Final(d.data(), &c);
  return d;
}

// Two lower-case hex characters per byte value.
struct HexPairs {
  char c[256][2];
  constexpr HexPairs() : c{} {
    for (int b = 0; b < 256; ++b) {
      c[b][0] = kHex[b >> 4];
      c[b][1] = kHex[b & 15];
    }
  }
};
constexpr HexPairs kPairs{};

void hex_into(char* out, const Digest& d) noexcept {
  for (std::size_t i = 0; i < 32; ++i) {
    out[2 * i] = kPairs.c[d[i]][0];
    out[2 * i + 1] = kPairs.c[d[i]][1];
  }
}

void append_hex(std::string& s, const Digest& d) {
  char buf[64];
  hex_into(buf, d);
  s.append(buf, 64);
}

bool needs_escape(std::string_view v) noexcept {
  for (char c : v)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
  return false;
}

void json_str(std::string& s, std::string_view v) {
  if (!needs_escape(v)) {  // the common case: one append
    const std::size_t n = s.size();
    s.resize(n + v.size() + 2);
    char* out = s.data() + n;
    out[0] = '"';
    std::memcpy(out + 1, v.data(), v.size());
    out[v.size() + 1] = '"';
    return;
  }
  s.push_back('"');
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      s.push_back('\\');
      s.push_back(c);
    } else if (u < 0x20) {
      s += "\\u00";
      s.push_back(kHex[u >> 4]);
      s.push_back(kHex[u & 15]);
    } else {
      s.push_back(c);
    }
  }
  s.push_back('"');
}

void json_int(std::string& s, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

int utc_year(std::int64_t t) {
  std::int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
}

}  // namespace

Result<std::size_t> verify_log(std::string_view log) noexcept {
  // The stored hashes are compared as text with the lower-case rendering of the recomputed
  // digest, so any altered hex character (including case) is a mismatch.
  Digest prev{};
  char prev_hex[64];
  hex_into(prev_hex, prev);
  char hex[64];
  std::size_t pos = 0, line = 0;
  const std::size_t fixed = kPrefix.size() + 64 + kMid.size() + 64 + kEntry.size();
  while (pos < log.size()) {
    const void* found = std::memchr(log.data() + pos, '\n', log.size() - pos);
    if (found == nullptr) return fail(Errc::malformed, "log does not end with a newline", Where::byte(pos));
    const std::size_t nl = static_cast<std::size_t>(static_cast<const char*>(found) - log.data());
    const std::string_view l = log.substr(pos, nl - pos);
    if (l.size() < fixed + 3 || l.substr(0, kPrefix.size()) != kPrefix ||
        l.substr(kPrefix.size() + 64, kMid.size()) != kMid || l.substr(kPrefix.size() + 128 + kMid.size(), kEntry.size()) != kEntry ||
        l[fixed] != '{' || l[l.size() - 2] != '}' || l.back() != '}')
      return fail(Errc::malformed, "log line does not have the hash-chain layout", Where::byte(pos));
    if (std::memcmp(l.data() + kPrefix.size() + 64 + kMid.size(), prev_hex, 64) != 0)
      return fail(Errc::checksum_mismatch, "prev does not link to the previous entry", Where::at_index(line, "log"));
    const std::string_view entry = l.substr(fixed, l.size() - fixed - 1);
    prev = chain_hash(prev, entry);
    hex_into(hex, prev);
    if (std::memcmp(l.data() + kPrefix.size(), hex, 64) != 0)
      return fail(Errc::checksum_mismatch, "entry hash does not match", Where::at_index(line, "log"));
    std::memcpy(prev_hex, hex, 64);
    pos = nl + 1;
    ++line;
  }
  return line;
}

namespace {

// Certificates in fixed-size chunks: stable addresses (the storage lots and the id index
// hold indices, callers hold `find` pointers) without a heap node per certificate, which is
// what std::deque does for records larger than its 512-byte node. A chunk is one 2 MiB
// aligned block that asks for a transparent huge page (one page fault instead of 512), and
// records are constructed in place as they are added (no default construction up front).
class CertStore {
 public:
  static constexpr std::size_t kBytes = std::size_t{2} << 20;
  static constexpr std::size_t kChunk = kBytes / sizeof(Certificate);
  CertStore() = default;
  CertStore(const CertStore&) = delete;
  CertStore& operator=(const CertStore&) = delete;
  ~CertStore() {
    for (std::size_t i = 0; i < size_; ++i) (*this)[i].~Certificate();
    for (Certificate* c : chunks_) std::free(c);
  }
  std::size_t size() const noexcept { return size_; }
  Certificate& operator[](std::size_t i) noexcept { return chunks_[i / kChunk][i % kChunk]; }
  const Certificate& operator[](std::size_t i) const noexcept { return chunks_[i / kChunk][i % kChunk]; }
  void push_back(Certificate&& c) {
    if (size_ % kChunk == 0) {
      chunks_.reserve(chunks_.size() + 1);
      void* p = std::aligned_alloc(kBytes, kBytes);
      if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
      madvise(p, kBytes, MADV_HUGEPAGE);  // a hint only
#endif
      chunks_.push_back(static_cast<Certificate*>(p));
    }
    ::new (static_cast<void*>(&(*this)[size_])) Certificate(std::move(c));
    ++size_;
  }
  template <class F>
  void for_each(F&& f) {
    for (std::size_t i = 0; i < size_; ++i) f((*this)[i]);
  }
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < size_; ++i) f((*this)[i]);
  }

 private:
  std::vector<Certificate*> chunks_;
  std::size_t size_ = 0;
};

// The sequence number of a top-level id "GC-<n>" / "SDGC-<n>" (n without leading zeros), 0 otherwise.
std::uint64_t top_level_seq(std::string_view id) noexcept {
  std::size_t p = 0;
  if (id.size() > 3 && id[0] == 'G' && id[1] == 'C' && id[2] == '-') p = 3;
  else if (id.size() > 5 && id[0] == 'S' && id[1] == 'D' && id[2] == 'G' && id[3] == 'C' && id[4] == '-') p = 5;
  else return 0;
  if (id[p] == '0' || id.size() - p > 19) return 0;
  std::uint64_t n = 0;
  for (; p < id.size(); ++p) {
    const unsigned d = static_cast<unsigned char>(id[p]) - '0';
    if (d > 9) return 0;
    n = n * 10 + d;
  }
  return n;
}

}  // namespace

struct Registry::Impl {
  struct Storage {
    std::string id, market;
    double eff = 1.0;
    std::deque<std::pair<std::uint32_t, double>> lots;  // (cert index, remaining charged Wh)
    std::int64_t charged = 0, released = 0;
  };
  CertStore certs;
  // Issued and storage-discharge certificates are found by their sequence number (a direct
  // index: no hashing, no cache miss into a million-entry table); split parts by id.
  std::vector<std::uint32_t> by_seq{0};
  absl::flat_hash_map<std::string, std::uint32_t> by_id;
  // device -> issued [start, end) intervals sorted by start (issuance is mostly chronological: append)
  absl::flat_hash_map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>> issued;
  absl::flat_hash_map<std::string, std::int64_t> metered;  // site@start -> Wh
  absl::flat_hash_map<std::string, std::int64_t> claimed;
  absl::flat_hash_map<std::string, std::vector<std::string>> accepted;
  std::vector<Storage> storage;
  std::int64_t lifetime_s = 0;
  std::uint64_t seq = 0;
  std::int64_t issued_wh = 0, sd_wh = 0;
  std::size_t ops = 0;
  std::string log;
  Digest head{};
  std::string entry;  // scratch

  static std::string key(std::string_view site, std::int64_t start) {
    std::string k(site);
    k.push_back('@');
    json_int(k, start);
    return k;
  }
  Storage* find_storage(std::string_view id) {
    for (auto& s : storage)
      if (s.id == id) return &s;
    return nullptr;
  }
  // Index of the certificate `cid`, or -1.
  std::int64_t lookup(std::string_view cid) const {
    if (const std::uint64_t n = top_level_seq(cid); n != 0) {
      if (n >= by_seq.size()) return -1;
      const std::uint32_t i = by_seq[n];
      return certs[i].id == cid ? static_cast<std::int64_t>(i) : -1;  // "GC-n" vs "SDGC-n"
    }
    auto it = by_id.find(absl::string_view(cid.data(), cid.size()));
    return it == by_id.end() ? -1 : static_cast<std::int64_t>(it->second);
  }
  RegistryCode active_owned(std::string_view cid, std::string_view owner, std::uint32_t& idx) const {
    const std::int64_t at = lookup(cid);
    if (at < 0) return RegistryCode::not_found;
    const Certificate& c = certs[static_cast<std::size_t>(at)];
    if (c.status == CertStatus::expired) return RegistryCode::expired;
    if (c.status != CertStatus::active) return RegistryCode::not_active;
    if (c.owner != owner) return RegistryCode::not_owner;
    idx = static_cast<std::uint32_t>(at);
    return RegistryCode::ok;
  }
  void commit() {
    // entry holds the JSON object of the accepted operation.
    const Digest h = chain_hash(head, entry);
    // One resize, then the line is written in place: {"hash":"<h>","prev":"<head>","entry":<entry>}\n
    const std::size_t n = log.size();
    log.resize(n + kPrefix.size() + 64 + kMid.size() + 64 + kEntry.size() + entry.size() + 2);
    char* out = log.data() + n;
    auto put = [&out](std::string_view v) {
      std::memcpy(out, v.data(), v.size());
      out += v.size();
    };
    put(kPrefix);
    hex_into(out, h);
    out += 64;
    put(kMid);
    hex_into(out, head);
    out += 64;
    put(kEntry);
    put(entry);
    put("}\n");
    head = h;
    ++ops;
  }
  std::uint32_t add(Certificate c) {
    const auto i = static_cast<std::uint32_t>(certs.size());
    if (const std::uint64_t n = top_level_seq(c.id); n != 0) {
      if (by_seq.size() <= n) by_seq.resize(n + 1, 0);
      by_seq[n] = i;
    } else {
      by_id.emplace(c.id, i);
    }
    certs.push_back(std::move(c));
    return i;
  }
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;
Registry::~Registry() = default;

Result<Registry> Registry::make(const RegistrySetup& s) {
  Registry r;
  Impl& m = *r.impl_;
  for (const auto& [cm, list] : s.accepted_markets) m.accepted[cm] = list;
  for (std::size_t i = 0; i < s.consumption_wh.size(); ++i) {
    const auto& c = s.consumption_wh[i];
    if (c.wh < 0) return fail(Errc::invalid_argument, "metered consumption must be >= 0", Where::at_index(i, "consumption_wh"));
    if (!m.metered.emplace(Impl::key(c.site, c.start_s), c.wh).second)
      return fail(Errc::invalid_argument, "duplicate metered site-hour", Where::at_index(i, "consumption_wh"));
  }
  for (std::size_t i = 0; i < s.storage.size(); ++i) {
    const auto& st = s.storage[i];
    if (!(st.roundtrip_eff > 0.0 && st.roundtrip_eff <= 1.0))
      return fail(Errc::invalid_argument, "storage efficiency must be in (0, 1]", Where::at_index(i, "storage"));
    if (m.find_storage(st.id)) return fail(Errc::invalid_argument, "duplicate storage id", Where::at_index(i, "storage"));
    m.storage.push_back({st.id, st.market, st.roundtrip_eff, {}, 0, 0});
  }
  if (s.lifetime_s < 0) return fail(Errc::invalid_argument, "lifetime must be >= 0", Where::at_field("lifetime_s"));
  m.lifetime_s = s.lifetime_s;
  return r;
}

Outcome<std::string> Registry::issue(const IssueRequest& q) {
  Impl& m = *impl_;
  std::int64_t len = 0;
  if (__builtin_sub_overflow(q.end_s, q.start_s, &len) || len <= 0 || len > 3600) return {RegistryCode::invalid_interval, {}};
  if (q.volume_wh <= 0) return {RegistryCode::invalid_volume, {}};
  if (q.metered_wh >= 0 && q.volume_wh > q.metered_wh) return {RegistryCode::exceeds_metered, {}};
  std::int64_t total = 0;  // the registry's totals stay exact int64 (beyond that no volume is plausible)
  if (__builtin_add_overflow(m.issued_wh, q.volume_wh, &total)) return {RegistryCode::invalid_volume, {}};
  auto& iv = m.issued[q.device];  // device -> issued intervals
  // Intervals of a device never overlap, so the only overlap candidate is the last one starting before end.
  auto it = std::lower_bound(iv.begin(), iv.end(), q.end_s,
                             [](const std::pair<std::int64_t, std::int64_t>& x, std::int64_t e) { return x.first < e; });
  if (it != iv.begin() && std::prev(it)->second > q.start_s) return {RegistryCode::duplicate_issuance, {}};
  iv.insert(it, {q.start_s, q.end_s});
  ++m.seq;
  Certificate c;
  c.id = "GC-";
  json_int(c.id, static_cast<std::int64_t>(m.seq));
  c.device = q.device;
  c.market = q.market;
  c.technology = q.technology;
  c.owner = q.owner;
  c.start_s = q.start_s;
  c.end_s = q.end_s;
  c.vintage_year = utc_year(q.start_s);
  c.volume_wh = q.volume_wh;
  m.issued_wh += q.volume_wh;
  auto& e = m.entry;
  e.assign("{\"op\":\"issue\",\"device\":");
  json_str(e, q.device);
  e += ",\"market\":";
  json_str(e, q.market);
  e += ",\"technology\":";
  json_str(e, q.technology);
  e += ",\"start\":";
  json_int(e, q.start_s);
  e += ",\"end\":";
  json_int(e, q.end_s);
  e += ",\"volume_wh\":";
  json_int(e, q.volume_wh);
  e += ",\"owner\":";
  json_str(e, q.owner);
  e += ",\"metered_wh\":";
  json_int(e, q.metered_wh);
  e += ",\"id\":";
  json_str(e, c.id);
  e += "}";
  std::string id = c.id;
  m.add(std::move(c));
  m.commit();
  return {RegistryCode::ok, std::move(id)};
}

Outcome<std::string> Registry::transfer(std::string_view cid, std::string_view owner, std::string_view to) {
  Impl& m = *impl_;
  std::uint32_t i = 0;
  if (auto code = m.active_owned(cid, owner, i); code != RegistryCode::ok) return {code, {}};
  m.certs[i].owner = std::string(to);
  auto& e = m.entry;
  e.assign("{\"op\":\"transfer\",\"cid\":");
  json_str(e, cid);
  e += ",\"owner\":";
  json_str(e, owner);
  e += ",\"to\":";
  json_str(e, to);
  e += "}";
  m.commit();
  return {RegistryCode::ok, std::string(cid)};
}

Outcome<std::vector<std::string>> Registry::split(std::string_view cid, std::string_view owner,
                                                  const std::vector<std::int64_t>& parts) {
  Impl& m = *impl_;
  std::uint32_t i = 0;
  if (auto code = m.active_owned(cid, owner, i); code != RegistryCode::ok) return {code, {}};
  if (parts.size() < 2) return {RegistryCode::invalid_volume, {}};
  std::int64_t sum = 0;
  for (auto p : parts) {
    if (p <= 0) return {RegistryCode::invalid_volume, {}};
    if (__builtin_add_overflow(sum, p, &sum)) return {RegistryCode::split_sum_mismatch, {}};
  }
  if (sum != m.certs[i].volume_wh) return {RegistryCode::split_sum_mismatch, {}};
  std::vector<std::string> kids;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    Certificate c = m.certs[i];
    c.id = std::string(cid) + "." + std::to_string(k + 1);
    c.volume_wh = parts[k];
    c.parent = std::string(cid);
    c.status = CertStatus::active;
    kids.push_back(c.id);
    m.add(std::move(c));
  }
  m.certs[i].status = CertStatus::split;
  auto& e = m.entry;
  e.assign("{\"op\":\"split\",\"cid\":");
  json_str(e, cid);
  e += ",\"owner\":";
  json_str(e, owner);
  e += ",\"parts\":[";
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k) e.push_back(',');
    json_int(e, parts[k]);
  }
  e += "]}";
  m.commit();
  return {RegistryCode::ok, std::move(kids)};
}

Outcome<std::string> Registry::retire(const RetireRequest& q) {
  Impl& m = *impl_;
  std::uint32_t i = 0;
  if (auto code = m.active_owned(q.cid, q.owner, i); code != RegistryCode::ok) return {code, {}};
  Certificate& c = m.certs[i];
  auto acc = m.accepted.find(q.consumption_market);
  if (acc == m.accepted.end() || std::find(acc->second.begin(), acc->second.end(), c.market) == acc->second.end())
    return {RegistryCode::market_boundary, {}};
  std::string k;
  if (q.claim.hourly_claim) {
    if (c.start_s != q.claim.start_s || c.end_s != q.claim.end_s) return {RegistryCode::time_mismatch, {}};
    k = Impl::key(q.site, q.claim.start_s);
    auto mt = m.metered.find(k);
    const std::int64_t metered = mt == m.metered.end() ? 0 : mt->second;
    auto cl = m.claimed.find(k);
    const std::int64_t already = cl == m.claimed.end() ? 0 : cl->second;
    if (c.volume_wh > metered - already) return {RegistryCode::claim_exceeds_consumption, {}};  // 0 <= already <= metered
    m.claimed[k] = already + c.volume_wh;
  } else if (c.vintage_year != q.claim.year) {
    return {RegistryCode::vintage_mismatch, {}};
  }
  c.status = CertStatus::retired;
  c.beneficiary = q.beneficiary;
  auto& e = m.entry;
  e.assign("{\"op\":\"retire\",\"cid\":");
  json_str(e, q.cid);
  e += ",\"owner\":";
  json_str(e, q.owner);
  e += ",\"beneficiary\":";
  json_str(e, q.beneficiary);
  e += ",\"site\":";
  json_str(e, q.site);
  e += ",\"consumption_market\":";
  json_str(e, q.consumption_market);
  if (q.claim.hourly_claim) {
    e += ",\"claim\":{\"type\":\"hourly\",\"start\":";
    json_int(e, q.claim.start_s);
    e += ",\"end\":";
    json_int(e, q.claim.end_s);
  } else {
    e += ",\"claim\":{\"type\":\"annual\",\"year\":";
    json_int(e, q.claim.year);
  }
  e += "}}";
  m.commit();
  return {RegistryCode::ok, q.cid};
}

Outcome<std::string> Registry::storage_charge(std::string_view cid, std::string_view owner, std::string_view sid,
                                              std::int64_t cs, std::int64_t ce) {
  Impl& m = *impl_;
  Impl::Storage* st = m.find_storage(sid);
  if (!st) return {RegistryCode::not_found, {}};
  std::uint32_t i = 0;
  if (auto code = m.active_owned(cid, owner, i); code != RegistryCode::ok) return {code, {}};
  Certificate& c = m.certs[i];
  if (c.market != st->market) return {RegistryCode::market_boundary, {}};
  if (c.start_s != cs || c.end_s != ce) return {RegistryCode::time_mismatch, {}};
  if (std::int64_t total = 0; __builtin_add_overflow(st->charged, c.volume_wh, &total)) return {RegistryCode::invalid_volume, {}};
  c.status = CertStatus::cancelled_for_storage;
  st->lots.emplace_back(i, static_cast<double>(c.volume_wh));
  st->charged += c.volume_wh;
  auto& e = m.entry;
  e.assign("{\"op\":\"storage_charge\",\"cid\":");
  json_str(e, cid);
  e += ",\"owner\":";
  json_str(e, owner);
  e += ",\"sid\":";
  json_str(e, sid);
  e += ",\"charge_start\":";
  json_int(e, cs);
  e += ",\"charge_end\":";
  json_int(e, ce);
  e += "}";
  m.commit();
  return {RegistryCode::ok, std::string(cid)};
}

Outcome<std::vector<SdGcIssued>> Registry::storage_discharge_issue(std::string_view sid, std::int64_t start_s,
                                                                   std::int64_t end_s, std::int64_t volume_wh,
                                                                   std::string_view owner, std::int64_t metered) {
  Impl& m = *impl_;
  Impl::Storage* st = m.find_storage(sid);
  if (!st) return {RegistryCode::not_found, {}};
  std::int64_t len = 0;
  if (__builtin_sub_overflow(end_s, start_s, &len) || len <= 0 || len > 3600) return {RegistryCode::invalid_interval, {}};
  if (volume_wh <= 0) return {RegistryCode::invalid_volume, {}};
  if (volume_wh > metered) return {RegistryCode::exceeds_metered, {}};
  if (std::int64_t t1 = 0, t2 = 0; __builtin_add_overflow(st->released, volume_wh, &t1) || __builtin_add_overflow(m.sd_wh, volume_wh, &t2))
    return {RegistryCode::invalid_volume, {}};
  double remaining = 0.0;
  for (const auto& l : st->lots) remaining += l.second;
  // Deliverable Wh = floor(eff x charged Wh not yet drawn) (EnergyTag storage rule, losses at discharge).
  if (static_cast<double>(volume_wh) > std::floor(st->eff * remaining + 1e-9)) return {RegistryCode::storage_overissue, {}};
  double need = static_cast<double>(volume_wh) / st->eff;
  std::vector<std::pair<std::uint32_t, double>> drawn;
  while (need > 1e-9 && !st->lots.empty()) {
    auto& lot = st->lots.front();
    const double take = std::min(lot.second, need);
    drawn.emplace_back(lot.first, take * st->eff);
    lot.second -= take;
    need -= take;
    if (lot.second <= 1e-9) st->lots.pop_front();
  }
  std::vector<std::int64_t> vols;
  std::int64_t sum = 0;
  for (const auto& d : drawn) {
    vols.push_back(static_cast<std::int64_t>(std::floor(d.second + 1e-9)));
    sum += vols.back();
  }
  vols.back() += volume_wh - sum;  // rounding remainder to the last slice
  std::vector<SdGcIssued> out;
  for (std::size_t k = 0; k < drawn.size(); ++k) {
    const Certificate& src = m.certs[drawn[k].first];
    ++m.seq;
    Certificate c;
    c.id = "SDGC-";
    json_int(c.id, static_cast<std::int64_t>(m.seq));
    c.device = std::string(sid);
    c.market = st->market;
    c.technology = src.technology;
    c.owner = std::string(owner);
    c.start_s = start_s;
    c.end_s = end_s;
    c.vintage_year = utc_year(start_s);
    c.volume_wh = vols[k];
    c.from_storage = std::string(sid);
    c.source_interval = std::make_pair(src.start_s, src.end_s);
    out.push_back({c.id, c.volume_wh, src.id, src.start_s, src.end_s});
    m.add(std::move(c));
  }
  st->released += volume_wh;
  m.sd_wh += volume_wh;
  auto& e = m.entry;
  e.assign("{\"op\":\"storage_discharge_issue\",\"sid\":");
  json_str(e, sid);
  e += ",\"start\":";
  json_int(e, start_s);
  e += ",\"end\":";
  json_int(e, end_s);
  e += ",\"volume_wh\":";
  json_int(e, volume_wh);
  e += ",\"owner\":";
  json_str(e, owner);
  e += ",\"metered_discharge_wh\":";
  json_int(e, metered);
  e += ",\"issued\":[";
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (k) e.push_back(',');
    json_str(e, out[k].id);
  }
  e += "]}";
  m.commit();
  return {RegistryCode::ok, std::move(out)};
}

void Registry::reserve(std::size_t operations) {
  Impl& m = *impl_;
  m.log.reserve(operations * 300);
  m.by_seq.reserve(operations + 1);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // The log is one large append-only buffer: ask for transparent huge pages so filling it
  // costs one page fault per 2 MiB instead of per 4 KiB. Only a hint; ignored where unsupported.
  constexpr std::uintptr_t kHuge = 2u << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(m.log.data());
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t last = (begin + m.log.capacity()) & ~(kHuge - 1);
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#endif
}

std::size_t Registry::expire(std::int64_t now_s) {
  Impl& m = *impl_;
  if (m.lifetime_s <= 0) return 0;
  std::size_t n = 0;
  m.certs.for_each([&](Certificate& c) {
    // end + lifetime <= now, without overflow at the extremes of the time range.
    if (c.status == CertStatus::active && c.end_s <= now_s && now_s - c.end_s >= m.lifetime_s) {
      c.status = CertStatus::expired;
      ++n;
    }
  });
  if (n == 0) return 0;
  auto& e = m.entry;
  e.assign("{\"op\":\"expire\",\"now\":");
  json_int(e, now_s);
  e += ",\"count\":";
  json_int(e, static_cast<std::int64_t>(n));
  e += "}";
  m.commit();
  return n;
}

std::vector<Certificate> Registry::certificates() const {
  std::vector<Certificate> v;
  v.reserve(impl_->certs.size());
  impl_->certs.for_each([&](const Certificate& c) { v.push_back(c); });
  std::sort(v.begin(), v.end(), [](const Certificate& a, const Certificate& b) { return a.id < b.id; });
  return v;
}

const Certificate* Registry::find(std::string_view cid) const {
  const std::int64_t at = impl_->lookup(cid);
  return at < 0 ? nullptr : &impl_->certs[static_cast<std::size_t>(at)];
}

std::vector<std::pair<std::pair<std::string, std::int64_t>, std::int64_t>> Registry::claims() const {
  std::vector<std::pair<std::pair<std::string, std::int64_t>, std::int64_t>> out;
  for (const auto& [k, v] : impl_->claimed) {
    const auto at = k.rfind('@');
    std::int64_t t = 0;
    std::from_chars(k.data() + at + 1, k.data() + k.size(), t);
    out.push_back({{k.substr(0, at), t}, v});
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Registry::StorageState> Registry::storage_state() const {
  std::vector<StorageState> out;
  for (const auto& s : impl_->storage) {
    double rem = 0.0;
    for (const auto& l : s.lots) rem += l.second;
    out.push_back({s.id, s.charged, s.released, rem});
  }
  return out;
}

std::int64_t Registry::issued_wh() const noexcept { return impl_->issued_wh; }
std::int64_t Registry::sd_issued_wh() const noexcept { return impl_->sd_wh; }
std::size_t Registry::operation_count() const noexcept { return impl_->ops; }
const std::string& Registry::log_text() const noexcept { return impl_->log; }
std::string Registry::head_hash() const {
  std::string s;
  append_hex(s, impl_->head);
  return s;
}

Result<void> Registry::save(const std::string& path) const {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return fail(Errc::io_error, "cannot open the log file for writing");
  f.write(impl_->log.data(), static_cast<std::streamsize>(impl_->log.size()));
  if (!f) return fail(Errc::io_error, "cannot write the log file");
  return {};
}

Result<Registry> Registry::replay(const RegistrySetup& setup, std::string_view log) {
  auto v = verify_log(log);
  if (!v) return fail(v.error());
  auto reg = make(setup);
  if (!reg) return reg;
  const std::size_t fixed = kPrefix.size() + 64 + kMid.size() + 64 + kEntry.size();
  std::size_t pos = 0, line = 0;
  while (pos < log.size()) {
    const std::size_t nl = log.find('\n', pos);
    const std::string_view entry = log.substr(pos + fixed, nl - pos - fixed - 1);
    auto j = nlohmann::json::parse(entry, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("op"))
      return fail(Errc::malformed, "log entry is not a JSON operation", Where::at_index(line, "log"));
    bool ok = false;
    // Integer fields must be JSON integers (a float such as 1e300 is not converted).
    const auto i64 = [](const nlohmann::json& n) -> std::int64_t {
      if (!n.is_number_integer() || (n.is_number_unsigned() && n.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)))
        throw std::invalid_argument("not an int64");
      return n.get<std::int64_t>();
    };
    try {
      const std::string op = j.at("op").get<std::string>();
      if (op == "issue") {
        IssueRequest q{j.at("device").get<std::string>(), j.at("market").get<std::string>(), j.at("technology").get<std::string>(),
                       i64(j.at("start")), i64(j.at("end")), i64(j.at("volume_wh")),
                       j.at("owner").get<std::string>(), i64(j.at("metered_wh"))};
        auto r = reg->issue(q);
        ok = r.ok() && r.value == j.at("id").get<std::string>();
      } else if (op == "transfer") {
        ok = reg->transfer(j.at("cid").get<std::string>(), j.at("owner").get<std::string>(), j.at("to").get<std::string>()).ok();
      } else if (op == "split") {
        ok = reg->split(j.at("cid").get<std::string>(), j.at("owner").get<std::string>(),
                        [&] {
                          std::vector<std::int64_t> parts;
                          for (const auto& x : j.at("parts")) parts.push_back(i64(x));
                          return parts;
                        }()).ok();
      } else if (op == "retire") {
        const auto& c = j.at("claim");
        RetireRequest q{j.at("cid").get<std::string>(), j.at("owner").get<std::string>(), j.at("beneficiary").get<std::string>(),
                        j.at("site").get<std::string>(), j.at("consumption_market").get<std::string>(),
                        c.at("type").get<std::string>() == "hourly"
                            ? Claim::hourly(i64(c.at("start")), i64(c.at("end")))
                            : Claim::annual(static_cast<int>(std::clamp<std::int64_t>(i64(c.at("year")), -1000000, 1000000)))};
        ok = reg->retire(q).ok();
      } else if (op == "storage_charge") {
        ok = reg->storage_charge(j.at("cid").get<std::string>(), j.at("owner").get<std::string>(), j.at("sid").get<std::string>(),
                                 i64(j.at("charge_start")), i64(j.at("charge_end"))).ok();
      } else if (op == "storage_discharge_issue") {
        auto r = reg->storage_discharge_issue(j.at("sid").get<std::string>(), i64(j.at("start")),
                                              i64(j.at("end")), i64(j.at("volume_wh")),
                                              j.at("owner").get<std::string>(), i64(j.at("metered_discharge_wh")));
        ok = r.ok() && r.value.size() == j.at("issued").size();
      } else if (op == "expire") {
        ok = reg->expire(i64(j.at("now"))) == static_cast<std::size_t>(std::max<std::int64_t>(i64(j.at("count")), -1));
      }
    } catch (const nlohmann::json::exception&) {
      return fail(Errc::malformed, "log entry lacks a field of its operation", Where::at_index(line, "log"));
    } catch (const std::invalid_argument&) {
      return fail(Errc::malformed, "log entry has a non-integer time or volume", Where::at_index(line, "log"));
    }
    if (!ok) return fail(Errc::conflict, "log entry does not replay (setup differs from the one that wrote the log?)",
                         Where::at_index(line, "log"));
    pos = nl + 1;
    ++line;
  }
  if (reg->log_text() != log) return fail(Errc::conflict, "replayed log differs from the input");
  return reg;
}

Result<Registry> Registry::load(const RegistrySetup& setup, const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail(Errc::io_error, "cannot open the log file");
  std::stringstream ss;
  ss << f.rdbuf();
  return replay(setup, ss.str());
}

}  // namespace joule::carbon
