// Wireless M-Bus link (EN 13757-4), ELL/AFL/TPL (EN 13757-7, OMS 4) and security modes 5 and 7.
#include "joule/meter/wmbus.hpp"

#include <algorithm>
#include <array>

#include "joule/core/aes.hpp"
#include "joule/core/crc.hpp"

namespace joule::meter::wmbus {
namespace {

std::uint32_t le32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

bool crc_ok(std::span<const std::uint8_t> block, const std::uint8_t* crc) noexcept {
  // EN 13757-4 §12.5.2: CRC-16 (0x3D65), complemented, sent most significant byte first.
  const std::uint16_t c = crc16_en13757(block);
  return crc[0] == (c >> 8) && crc[1] == (c & 0xFF);
}

void secure_zero(std::span<std::uint8_t> s) noexcept {
  for (auto& b : s) *static_cast<volatile std::uint8_t*>(&b) = 0;
}

}  // namespace

Result<void> aes_cmac(std::span<const std::uint8_t> key, std::span<const std::uint8_t> message,
                      std::span<std::uint8_t, 16> mac) noexcept {
  JOULE_TRY(const Aes128 aes, Aes128::from_key(key));
  // SP 800-38B §6.1: subkeys K1, K2 from L = E_K(0^128).
  std::array<std::uint8_t, 16> l{}, k1{}, k2{};
  aes.encrypt_block(l.data(), l.data());
  auto dbl = [](const std::array<std::uint8_t, 16>& in, std::array<std::uint8_t, 16>& out) {
    const std::uint8_t carry = in[0] >> 7;
    for (std::size_t i = 0; i < 15; ++i) out[i] = static_cast<std::uint8_t>(in[i] << 1 | in[i + 1] >> 7);
    out[15] = static_cast<std::uint8_t>(in[15] << 1);
    if (carry) out[15] ^= 0x87;
  };
  dbl(l, k1);
  dbl(k1, k2);
  // SP 800-38B §6.2.
  const std::size_t n = message.empty() ? 1 : (message.size() + 15) / 16;
  const bool complete = !message.empty() && message.size() % 16 == 0;
  std::array<std::uint8_t, 16> x{}, block{};
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t off = i * 16;
    const std::size_t len = std::min<std::size_t>(16, message.size() - std::min(off, message.size()));
    block.fill(0);
    std::copy_n(message.begin() + static_cast<std::ptrdiff_t>(off), len, block.begin());
    if (i == n - 1) {
      if (complete) {
        for (std::size_t k = 0; k < 16; ++k) block[k] ^= k1[k];
      } else {
        block[len] = 0x80;
        for (std::size_t k = 0; k < 16; ++k) block[k] ^= k2[k];
      }
    }
    for (std::size_t k = 0; k < 16; ++k) x[k] ^= block[k];
    aes.encrypt_block(x.data(), x.data());
  }
  std::copy(x.begin(), x.end(), mac.begin());
  secure_zero(l);
  secure_zero(k1);
  secure_zero(k2);
  return {};
}

Result<std::size_t> remove_crcs(std::span<const std::uint8_t> in, FrameFormat format,
                                std::span<std::uint8_t> out) noexcept {
  if (in.empty()) return fail(Errc::incomplete, "empty wM-Bus frame");
  if (format == FrameFormat::no_crc) {
    if (out.size() < in.size()) return fail(Errc::buffer_too_small, "wM-Bus output buffer");
    std::copy(in.begin(), in.end(), out.begin());
    return in.size();
  }
  const std::size_t l = in[0];
  std::size_t w = 0;
  auto put = [&](std::span<const std::uint8_t> s) -> bool {
    if (w + s.size() > out.size()) return false;
    std::copy(s.begin(), s.end(), out.begin() + static_cast<std::ptrdiff_t>(w));
    w += s.size();
    return true;
  };
  if (format == FrameFormat::a) {
    // Format A (EN 13757-4 §12.5.2): L counts data bytes without CRCs.
    if (l < 9) return fail(Errc::malformed, "wM-Bus L field below 9", Where::byte(0));
    std::size_t pos = 0, remaining = l + 1;
    std::size_t block = 10;
    while (remaining > 0) {
      const std::size_t take = std::min(block, remaining);
      if (pos + take + 2 > in.size()) return fail(Errc::incomplete, "wM-Bus format A block cut short", Where::byte(in.size()));
      if (!crc_ok(in.subspan(pos, take), in.data() + pos + take))
        return fail(Errc::checksum_mismatch, "wM-Bus format A block CRC", Where::byte(pos + take));
      if (!put(in.subspan(pos, take))) return fail(Errc::buffer_too_small, "wM-Bus output buffer");
      pos += take + 2;
      remaining -= take;
      block = 16;
    }
    return w;
  }
  // Format B (EN 13757-4 §12.5.3): L counts everything after L including CRCs;
  // block 2 (up to 126 bytes incl. block 1) ends with a CRC over blocks 1 and 2.
  const std::size_t total = l + 1;
  if (total < 12) return fail(Errc::malformed, "wM-Bus format B L field too small", Where::byte(0));
  if (in.size() < total) return fail(Errc::incomplete, "wM-Bus format B frame cut short", Where::byte(in.size()));
  const std::size_t first = std::min<std::size_t>(total, 128);
  if (!crc_ok(in.first(first - 2), in.data() + first - 2))
    return fail(Errc::checksum_mismatch, "wM-Bus format B block 2 CRC", Where::byte(first - 2));
  if (!put(in.first(first - 2))) return fail(Errc::buffer_too_small, "wM-Bus output buffer");
  if (total > 128) {
    if (total - 128 < 3) return fail(Errc::malformed, "wM-Bus format B block 3 too short", Where::byte(128));
    if (!crc_ok(in.subspan(128, total - 130), in.data() + total - 2))
      return fail(Errc::checksum_mismatch, "wM-Bus format B block 3 CRC", Where::byte(total - 2));
    if (!put(in.subspan(128, total - 130))) return fail(Errc::buffer_too_small, "wM-Bus output buffer");
  }
  out[0] = static_cast<std::uint8_t>(w - 1);  // L as if sent without CRCs
  return w;
}

Result<Telegram> decode(std::span<const std::uint8_t> in, std::span<const std::uint8_t> key,
                        std::span<std::uint8_t> scratch, FrameFormat format) noexcept {
  if (!key.empty() && key.size() != 16) return fail(Errc::invalid_argument, "wM-Bus AES key must be 16 bytes", Where::at_field("key"));
  Telegram t;
  std::span<const std::uint8_t> b = in;
  if (format != FrameFormat::no_crc) {
    JOULE_TRY(const std::size_t n, remove_crcs(in, format, scratch));
    b = std::span<const std::uint8_t>(scratch.data(), n);
  }
  if (b.empty()) return fail(Errc::incomplete, "empty wM-Bus telegram");
  if (b[0] == 0x68) {
    // A wired long frame forwarded by a collector: EN 13757-2 framing.
    JOULE_TRY(const mbus::Frame f, mbus::parse_frame(b));
    t.wired = true;
    t.control = f.control;
    t.ci = f.ci;
    JOULE_TRY(const mbus::VariableData vd, mbus::parse_user_data(f.ci, f.user_data));
    if (vd.fixed) return fail(Errc::unsupported, "fixed data structure inside a wM-Bus capture");
    t.tpl = vd.header;
    t.manufacturer = vd.header.manufacturer;
    t.id = vd.header.id;
    t.version = vd.header.version;
    t.device_type = vd.header.medium;
    t.application_data = vd.records;
    return t;
  }
  // Data link layer (EN 13757-4 §12.5): L C M(2) A(ID 4, version, type).
  if (b.size() < 11) return fail(Errc::incomplete, "wM-Bus telegram shorter than its link header", Where::byte(b.size()));
  const std::size_t total = std::size_t{b[0]} + 1;
  if (total > b.size()) return fail(Errc::incomplete, "wM-Bus telegram shorter than its L field", Where::byte(b.size()));
  b = b.first(total);  // bytes after L+1 (RSSI, padding) are not part of the telegram
  t.control = b[1];
  t.manufacturer = static_cast<std::uint16_t>(b[2] | b[3] << 8);
  t.id = le32(b.data() + 4);
  t.version = b[8];
  t.device_type = b[9];
  std::size_t pos = 10;
  const std::uint8_t* link_m = b.data() + 2;  // M and A as sent (IVs)
  const std::uint8_t* iv_ma = link_m;
  const std::uint8_t* id_bytes = b.data() + 4;

  // The working copy of the data: decryption writes into scratch.
  if (scratch.size() < b.size()) return fail(Errc::buffer_too_small, "wM-Bus scratch buffer shorter than the telegram");
  std::span<std::uint8_t> work = scratch.first(b.size());
  if (work.data() != b.data()) std::copy(b.begin(), b.end(), work.begin());
  std::span<const std::uint8_t> w(work.data(), work.size());

  for (int layer = 0; layer < 4; ++layer) {
    if (pos >= w.size()) return fail(Errc::incomplete, "wM-Bus telegram ends before its CI field", Where::byte(pos));
    const std::uint8_t ci = w[pos];
    if (ci == 0x8C || ci == 0x8D) {
      // Extended link layer (EN 13757-4 §13.2.4): CC, ACC [, SN(4), payload CRC(2)].
      t.has_ell = true;
      if (pos + 3 > w.size()) return fail(Errc::incomplete, "wM-Bus ELL cut short", Where::byte(pos));
      t.ell_cc = w[pos + 1];
      t.ell_access = w[pos + 2];
      pos += 3;
      if (ci == 0x8D) {
        if (pos + 6 > w.size()) return fail(Errc::incomplete, "wM-Bus ELL session number cut short", Where::byte(pos));
        t.ell_session = le32(w.data() + pos);
        const unsigned enc = (t.ell_session >> 29) & 0x07;
        const std::size_t crc_at = pos + 4;
        pos += 4;
        auto payload_crc_ok = [&]() {
          const std::uint16_t want = static_cast<std::uint16_t>(w[crc_at] | w[crc_at + 1] << 8);
          return crc16_en13757(w.subspan(crc_at + 2)) == want;
        };
        if (enc == 1 && !payload_crc_ok()) {
          // AES-128-CTR over payload CRC + payload (EN 13757-4 §13.2.12.4): IV = M A CC SN FN BC.
          if (key.empty()) return fail(Errc::rejected, "wM-Bus ELL payload is encrypted and no key was given");
          JOULE_TRY(const Aes128 aes, Aes128::from_key(key));
          std::array<std::uint8_t, 16> iv{}, ks{};
          std::copy_n(link_m, 8, iv.begin());
          iv[8] = t.ell_cc;
          std::copy_n(w.data() + crc_at - 4, 4, iv.begin() + 9);
          iv[13] = 0;
          iv[14] = 0;
          for (std::size_t off = crc_at, bc = 0; off < work.size(); off += 16, ++bc) {
            iv[15] = static_cast<std::uint8_t>(bc);
            aes.encrypt_block(iv.data(), ks.data());
            for (std::size_t k = 0; k < 16 && off + k < work.size(); ++k) work[off + k] ^= ks[k];
          }
          secure_zero(ks);
          if (!payload_crc_ok()) return fail(Errc::authentication_failed, "wM-Bus ELL payload CRC wrong after decryption (wrong key?)");
          t.decrypted = true;
        } else if (enc == 1) {
          t.was_plaintext = true;
        } else if (enc != 0) {
          return fail(Errc::unsupported, "wM-Bus ELL encryption method not AES-CTR", Where::byte(crc_at - 1));
        }
        pos = crc_at + 2;
      }
      continue;
    }
    if (ci == 0x90) {
      // Authentication and fragmentation layer (EN 13757-7 §6, OMS 4): AFLL then fields.
      t.has_afl = true;
      if (pos + 2 > w.size()) return fail(Errc::incomplete, "wM-Bus AFL cut short", Where::byte(pos));
      const std::size_t afll = w[pos + 1];
      const std::size_t start = pos + 2;
      if (start + afll > w.size() || afll < 2) return fail(Errc::incomplete, "wM-Bus AFL longer than the telegram", Where::byte(pos + 1));
      const std::uint16_t fcl = static_cast<std::uint16_t>(w[start] | w[start + 1] << 8);
      if (fcl & 0x4000) return fail(Errc::unsupported, "wM-Bus fragmented message (AFL more-fragments)", Where::byte(start));
      std::size_t p = start + 2;
      if (fcl & 0x2000) p += 1;  // MCL
      if (fcl & 0x0200) p += 2;  // KI
      if (fcl & 0x0800) {        // MCR
        if (p + 4 > start + afll) return fail(Errc::malformed, "wM-Bus AFL message counter outside the AFL", Where::byte(p));
        t.afl_counter = le32(w.data() + p);
      }
      pos = start + afll;
      continue;
    }
    break;
  }
  if (pos >= w.size()) return fail(Errc::incomplete, "wM-Bus telegram ends before its transport CI", Where::byte(pos));
  t.ci = w[pos++];
  std::uint16_t cfg = 0;
  bool has_cfg = false;
  switch (t.ci) {
    case 0x72: {
      // Long TPL header: ID M ver type ACC ST CFG (EN 13757-7 §7.5.3).
      if (pos + 12 > w.size()) return fail(Errc::incomplete, "wM-Bus long TPL header cut short", Where::byte(pos));
      t.tpl.has_address = true;
      t.tpl.id = le32(w.data() + pos);
      t.tpl.manufacturer = static_cast<std::uint16_t>(w[pos + 4] | w[pos + 5] << 8);
      t.tpl.version = w[pos + 6];
      t.tpl.medium = w[pos + 7];
      t.tpl.access_number = w[pos + 8];
      t.tpl.status = w[pos + 9];
      cfg = static_cast<std::uint16_t>(w[pos + 10] | w[pos + 11] << 8);
      has_cfg = true;
      // IV for mode 5 uses the TPL address: M(2) then ID, version, type.
      static_assert(sizeof(std::uint8_t) == 1);
      iv_ma = nullptr;
      id_bytes = w.data() + pos;
      pos += 12;
      break;
    }
    case 0x7A:
      if (pos + 4 > w.size()) return fail(Errc::incomplete, "wM-Bus short TPL header cut short", Where::byte(pos));
      t.tpl.access_number = w[pos];
      t.tpl.status = w[pos + 1];
      cfg = static_cast<std::uint16_t>(w[pos + 2] | w[pos + 3] << 8);
      has_cfg = true;
      pos += 4;
      break;
    case 0x78:
      break;
    case 0x79:
      // Compact frame (OMS 4 §7.2.4): format signature and full-frame CRC, then data values only.
      if (pos + 4 > w.size()) return fail(Errc::incomplete, "wM-Bus compact frame header cut short", Where::byte(pos));
      t.compact = true;
      t.format_signature = static_cast<std::uint16_t>(w[pos] | w[pos + 1] << 8);
      t.full_frame_crc = static_cast<std::uint16_t>(w[pos + 2] | w[pos + 3] << 8);
      pos += 4;
      break;
    default:
      // EN 13757-7 Table 2: CI 0xA0-0xB7 are manufacturer specific; the rest of the telegram is
      // the manufacturer's layout (no TPL, no EN 13757-3 records), returned as it is.
      if (t.ci >= 0xA0 && t.ci <= 0xB7) {
        t.manufacturer_ci = true;
        break;
      }
      return fail(Errc::unsupported, "wM-Bus CI field not handled (reserved)", Where::byte(pos - 1));
  }
  t.tpl.signature = cfg;
  if (has_cfg) {
    const unsigned mode = (cfg >> 8) & 0x1F;  // EN 13757-7 Table 18: configuration field bits 8-12
    if (mode == 0) t.security = Security::none;
    else if (mode == 5) t.security = Security::mode5;
    else if (mode == 7) t.security = Security::mode7;
    else t.security = Security::other;
    if (mode == 7) {
      if (pos >= w.size()) return fail(Errc::incomplete, "wM-Bus mode 7 configuration extension missing", Where::byte(pos));
      ++pos;  // configuration field extension (KDF selection)
    }
    if (mode != 0) {
      const std::size_t remaining = w.size() - pos;
      std::size_t enc_len = std::size_t{(cfg >> 4) & 0x0FU} * 16;
      if (enc_len == 0) enc_len = remaining - remaining % 16;
      if (enc_len > remaining) return fail(Errc::incomplete, "wM-Bus encrypted blocks beyond the telegram", Where::byte(w.size()));
      const bool plain = remaining >= 2 && w[pos] == 0x2F && w[pos + 1] == 0x2F;
      if (t.security == Security::other) {
        if (!plain) return fail(Errc::unsupported, "wM-Bus security mode not 5 or 7", Where::byte(pos));
        t.was_plaintext = true;
      } else if (key.empty() || (plain && enc_len == 0)) {
        if (!plain) return fail(Errc::rejected, "wM-Bus payload is encrypted and no key was given");
        t.was_plaintext = true;  // captured after decryption
      } else {
        std::array<std::uint8_t, 16> iv{};
        Aes128 aes;
        if (t.security == Security::mode5) {
          // Mode 5 (EN 13757-7 §9.4.3): IV = M(2) A(6) and 8 times the access number.
          if (iv_ma != nullptr) {
            std::copy_n(iv_ma, 8, iv.begin());
          } else {
            std::copy_n(id_bytes + 4, 2, iv.begin());  // TPL M
            std::copy_n(id_bytes, 4, iv.begin() + 2);  // TPL ID
            iv[6] = id_bytes[6];
            iv[7] = id_bytes[7];
          }
          for (std::size_t k = 8; k < 16; ++k) iv[k] = t.tpl.access_number;
          JOULE_TRY(aes, Aes128::from_key(key));
        } else {
          // Mode 7 (OMS 4 §9.2.4, EN 13757-7 §9.6.2): Kenc = CMAC(K, 00 || MCR || ID || 07*7), IV = 0.
          std::array<std::uint8_t, 16> msg{}, kenc{};
          msg[0] = 0x00;
          for (int k = 0; k < 4; ++k) msg[1 + k] = static_cast<std::uint8_t>(t.afl_counter >> (8 * k));
          std::copy_n(id_bytes, 4, msg.begin() + 5);
          for (std::size_t k = 9; k < 16; ++k) msg[k] = 0x07;
          JOULE_RETURN_IF_ERROR(aes_cmac(key, msg, kenc));
          aes = Aes128(std::span<const std::uint8_t, 16>(kenc));
          secure_zero(kenc);
        }
        std::array<std::uint8_t, 16> saved{};
        std::copy_n(w.begin() + static_cast<std::ptrdiff_t>(pos), std::min<std::size_t>(16, enc_len), saved.begin());
        auto seg = work.subspan(pos, enc_len);
        JOULE_RETURN_IF_ERROR(cbc_decrypt(AesEncryptor(aes), iv, seg, seg));
        if (enc_len < 2 || seg[0] != 0x2F || seg[1] != 0x2F) {
          if (plain) {
            // The capture was already decrypted: restore it and read it as plaintext.
            JOULE_RETURN_IF_ERROR(cbc_encrypt(AesEncryptor(aes), iv, seg, seg));
            t.was_plaintext = true;
          } else {
            secure_zero(seg);
            return fail(Errc::authentication_failed, "wM-Bus decryption check 0x2F2F failed (wrong key?)", Where::byte(pos));
          }
        } else {
          t.decrypted = true;
        }
        (void)saved;
      }
    }
  }
  t.application_data = w.subspan(pos);
  return t;
}

}  // namespace joule::meter::wmbus
