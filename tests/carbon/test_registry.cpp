// Certificate registry: hash chain, tamper detection, persistence, conservation, expiry.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "joule/carbon/registry.hpp"

using namespace joule::carbon;

namespace {
constexpr std::int64_t kT0 = 1717236000;  // 2024-06-01T10:00:00Z

RegistrySetup setup() {
  RegistrySetup s;
  s.accepted_markets = {{"DK1", {"DK1"}}, {"DK2", {"DK2"}}};
  s.consumption_wh = {{"SITE-1", kT0, 40000}, {"SITE-1", kT0 + 3600, 40000}, {"SITE-1", kT0 + 9 * 3600, 30000}};
  s.storage = {{"BESS-1", "DK1", 0.8}};
  s.lifetime_s = 365LL * 86400;
  return s;
}

std::string hex(const std::array<std::uint8_t, 32>& d) {
  static const char* h = "0123456789abcdef";
  std::string s;
  for (auto b : d) {
    s.push_back(h[b >> 4]);
    s.push_back(h[b & 15]);
  }
  return s;
}

Registry busy_registry() {
  auto reg = Registry::make(setup());
  REQUIRE(reg);
  auto a = reg->issue({"WIND-1", "DK1", "wind", kT0, kT0 + 3600, 50000, "PROD", 52000});
  auto b = reg->issue({"WIND-1", "DK1", "wind", kT0 + 3600, kT0 + 7200, 50000, "PROD", 55000});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(reg->transfer(a.value, "PROD", "ACME").ok());
  auto kids = reg->split(a.value, "ACME", {30000, 20000});
  REQUIRE(kids.ok());
  REQUIRE(reg->retire({kids.value[0], "ACME", "ACME", "SITE-1", "DK1", Claim::hourly(kT0, kT0 + 3600)}).ok());
  REQUIRE(reg->storage_charge(kids.value[1], "ACME", "BESS-1", kT0, kT0 + 3600).ok());
  REQUIRE(reg->transfer(b.value, "PROD", "ACME").ok());
  REQUIRE(reg->storage_charge(b.value, "ACME", "BESS-1", kT0 + 3600, kT0 + 7200).ok());
  auto sd = reg->storage_discharge_issue("BESS-1", kT0 + 9 * 3600, kT0 + 10 * 3600, 30000, "ACME", 30000);
  REQUIRE(sd.ok());
  REQUIRE_EQ(sd.value.size(), 2u);
  return std::move(*reg);
}
}  // namespace

TEST_CASE("carbon: SHA-256 matches the NIST FIPS 180-4 example vectors") {
  CHECK_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK_EQ(hex(sha256(std::string(1000000, 'a'))), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("carbon: registry log verifies, replays and conserves volume") {
  Registry reg = busy_registry();
  auto n = verify_log(reg.log_text());
  REQUIRE(n);
  CHECK_EQ(*n, reg.operation_count());
  // Conservation: leaf volumes = issued production GCs + SD-GCs.
  std::int64_t leaves = 0;
  for (const auto& c : reg.certificates())
    if (c.status != CertStatus::split) leaves += c.volume_wh;
  CHECK_EQ(leaves, reg.issued_wh() + reg.sd_issued_wh());
  CHECK_EQ(reg.issued_wh(), 100000);
  CHECK_EQ(reg.sd_issued_wh(), 30000);
  // Persist, reload, same state and head.
  const std::string path = (std::filesystem::temp_directory_path() / "joule_carbon_registry_test.jsonl").string();
  REQUIRE(reg.save(path));
  auto back = Registry::load(setup(), path);
  REQUIRE(back);
  CHECK_EQ(back->head_hash(), reg.head_hash());
  CHECK_EQ(back->certificates().size(), reg.certificates().size());
  CHECK_EQ(back->find("GC-1.1")->status, CertStatus::retired);
  // Continuing on the reloaded registry extends the same chain.
  CHECK_EQ(back->retire({"SDGC-3", "ACME", "ACME", "SITE-1", "DK1", Claim::hourly(kT0 + 9 * 3600, kT0 + 10 * 3600)}).code,
           RegistryCode::ok);
  CHECK(verify_log(back->log_text()));
  std::remove(path.c_str());
}

TEST_CASE("carbon: flipping any byte of a persisted log is detected") {
  Registry reg = busy_registry();
  const std::string log = reg.log_text();
  std::mt19937_64 rng(20240601);
  std::uniform_int_distribution<std::size_t> pos(0, log.size() - 1);
  std::uniform_int_distribution<int> bit(1, 255);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string t = log;
    const std::size_t p = pos(rng);
    t[p] = static_cast<char>(t[p] ^ bit(rng));
    CAPTURE(p);
    CHECK_FALSE(verify_log(t));
    CHECK_FALSE(Registry::replay(setup(), t));
  }
  // Every position at least once with one flip pattern.
  for (std::size_t p = 0; p < log.size(); ++p) {
    std::string t = log;
    t[p] = static_cast<char>(t[p] ^ 0x01);
    if (verify_log(t)) FAIL("undetected flip at byte " << p);
  }
  // Dropping or reordering an entry breaks the chain too.
  const auto nl = log.find('\n');
  CHECK_FALSE(verify_log(log.substr(nl + 1)));
}

TEST_CASE("carbon: double counting is rejected with its code and leaves state unchanged") {
  Registry reg = busy_registry();
  const std::string head = reg.head_hash();
  CHECK_EQ(reg.retire({"GC-1.1", "ACME", "ACME", "SITE-1", "DK1", Claim::hourly(kT0, kT0 + 3600)}).code, RegistryCode::not_active);
  CHECK_EQ(reg.transfer("GC-1.1", "ACME", "X").code, RegistryCode::not_active);
  CHECK_EQ(reg.transfer("GC-1", "ACME", "X").code, RegistryCode::not_active);
  CHECK_EQ(reg.transfer("GC-77", "ACME", "X").code, RegistryCode::not_found);
  CHECK_EQ(reg.transfer("SDGC-3", "PROD", "X").code, RegistryCode::not_owner);
  CHECK_EQ(reg.issue({"WIND-1", "DK1", "wind", kT0 + 1800, kT0 + 3600, 10, "PROD", -1}).code, RegistryCode::duplicate_issuance);
  CHECK_EQ(reg.issue({"WIND-1", "DK1", "wind", kT0, kT0 + 7201, 10, "PROD", -1}).code, RegistryCode::invalid_interval);
  CHECK_EQ(reg.issue({"WIND-2", "DK1", "wind", kT0, kT0 + 3600, 0, "PROD", -1}).code, RegistryCode::invalid_volume);
  CHECK_EQ(reg.issue({"WIND-2", "DK1", "wind", kT0, kT0 + 3600, 11, "PROD", 10}).code, RegistryCode::exceeds_metered);
  CHECK_EQ(reg.split("SDGC-3", "ACME", {1, 1}).code, RegistryCode::split_sum_mismatch);
  CHECK_EQ(reg.split("SDGC-3", "ACME", {8000}).code, RegistryCode::invalid_volume);
  CHECK_EQ(reg.storage_discharge_issue("BESS-1", kT0 + 10 * 3600, kT0 + 11 * 3600, 26001, "ACME", 90000).code,  // floor(0.8 x 32500) = 26000
           RegistryCode::storage_overissue);
  CHECK_EQ(reg.retire({"SDGC-3", "ACME", "ACME", "SITE-1", "DK1", Claim::annual(2023)}).code, RegistryCode::vintage_mismatch);
  CHECK_EQ(reg.head_hash(), head);  // rejections are not logged and change nothing
  // Expiry: one year after the end of production.
  CHECK_EQ(reg.expire(kT0 + 10 * 3600 + 365LL * 86400), 2u);  // SDGC-3 and SDGC-4
  CHECK_EQ(reg.transfer("SDGC-3", "ACME", "X").code, RegistryCode::expired);
  CHECK(verify_log(reg.log_text()));
}

TEST_CASE("carbon: certificate ids are found exactly (sequence index and split parts)") {
  Registry reg = busy_registry();
  // busy_registry issues GC-1, GC-2, splits GC-1 into GC-1.1/GC-1.2 and draws SDGC-3, SDGC-4.
  REQUIRE(reg.find("GC-1") != nullptr);
  CHECK_EQ(reg.find("GC-1")->status, CertStatus::split);
  REQUIRE(reg.find("GC-1.2") != nullptr);
  CHECK_EQ(reg.find("GC-1.2")->volume_wh, 20000);
  REQUIRE(reg.find("SDGC-3") != nullptr);
  CHECK_EQ(reg.find("SDGC-3")->from_storage, "BESS-1");
  // Same sequence number, other kind; leading zeros; out of range; overflow; junk.
  CHECK(reg.find("SDGC-1") == nullptr);
  CHECK(reg.find("GC-3") == nullptr);
  CHECK(reg.find("GC-01") == nullptr);
  CHECK(reg.find("GC-0") == nullptr);
  CHECK(reg.find("GC-5") == nullptr);
  CHECK(reg.find("GC-99999999999999999999") == nullptr);
  CHECK(reg.find("GC-") == nullptr);
  CHECK(reg.find("GC-1x") == nullptr);
  CHECK(reg.find("GC-1.3") == nullptr);
  CHECK_EQ(reg.transfer("GC-01", "PROD", "X").code, RegistryCode::not_found);
}

TEST_CASE("carbon: extreme times and volumes are rejected, never overflow (fuzzer findings)") {
  auto reg = Registry::make(setup());
  REQUIRE(reg);
  constexpr std::int64_t kMin = INT64_MIN, kMax = INT64_MAX;
  CHECK_EQ(reg->issue({"W", "DK1", "wind", kMin, kT0, 1, "P", -1}).code, RegistryCode::invalid_interval);
  CHECK_EQ(reg->issue({"W", "DK1", "wind", kMax - 10, kMin, 1, "P", -1}).code, RegistryCode::invalid_interval);
  CHECK_EQ(reg->storage_discharge_issue("BESS-1", kMin, kMax, 1, "P", 1).code, RegistryCode::invalid_interval);
  auto a = reg->issue({"W", "DK1", "wind", kT0, kT0 + 3600, kMax - 5, "P", -1});
  REQUIRE(a.ok());
  // The registry's issued total would pass INT64_MAX.
  CHECK_EQ(reg->issue({"W", "DK1", "wind", kT0 + 3600, kT0 + 7200, 10, "P", -1}).code, RegistryCode::invalid_volume);
  CHECK_EQ(reg->issued_wh(), kMax - 5);
  // Expiry at the far end of time does not overflow end + lifetime.
  CHECK_EQ(reg->expire(kMax), 1u);
  CHECK_EQ(reg->expire(kMin), 0u);
}

TEST_CASE("carbon: a chained log with a non-integer time is malformed, not converted") {
  // Entries whose hash chain is correct but whose "start" is a float far outside int64.
  const std::string entry =
      R"({"op":"issue","device":"W","market":"DK1","technology":"wind","start":1.8e132,"end":1717239600,)"
      R"("volume_wh":1,"owner":"P","metered_wh":-1,"id":"GC-1"})";
  std::string prev_bytes(32, '\0');
  const auto h = sha256(prev_bytes + entry);
  const std::string log = "{\"hash\":\"" + hex(h) + "\",\"prev\":\"" + std::string(64, '0') + "\",\"entry\":" + entry + "}\n";
  REQUIRE(verify_log(log));
  auto back = Registry::replay(setup(), log);
  REQUIRE_FALSE(back);
  CHECK_EQ(back.error().code, joule::Errc::malformed);
}

TEST_CASE("carbon: certificates spanning several storage chunks keep their addresses and values") {
  auto reg = Registry::make(setup());
  REQUIRE(reg);
  constexpr int kN = 15000;  // more than two 2 MiB chunks of certificate records
  for (int i = 0; i < kN; ++i) {
    const std::int64_t t = kT0 + static_cast<std::int64_t>(i / 10) * 3600;
    auto r = reg->issue({"DEV-" + std::to_string(i % 10), "DK1", "wind", t, t + 3600, 1000 + i, "P", -1});
    REQUIRE(r.ok());
  }
  const Certificate* first = reg->find("GC-1");
  REQUIRE(first != nullptr);
  for (int i = 1; i <= kN; i += 997) {
    const Certificate* c = reg->find("GC-" + std::to_string(i));
    REQUIRE(c != nullptr);
    CHECK_EQ(c->volume_wh, 1000 + i - 1);
  }
  CHECK_EQ(reg->find("GC-1"), first);  // stable address after growth
  CHECK_EQ(reg->certificates().size(), static_cast<std::size_t>(kN));
  auto back = Registry::replay(setup(), reg->log_text());
  REQUIRE(back);
  CHECK_EQ(back->head_hash(), reg->head_hash());
}
