// Host stream decoders of DSMR P1 (plain and encrypted) and IEC 62056-21 for decode().
#include <vector>

#include "decode_internal.hpp"
#include "joule/core/aes.hpp"
#include "joule/meter/dsmr.hpp"
#include "joule/meter/iec62056_21.hpp"

namespace joule::meter::detail {
namespace {

// A splitter buffer for whole files: any telegram up to 64 KiB.
constexpr std::size_t kHostFrameBytes = 64 * 1024;

Result<void> decode_encrypted_p1(std::span<const std::uint8_t> bytes, const DecodeOptions& o, DecodeOutput& out) {
  JOULE_TRY(const Aes128 aes, Aes128::from_key(o.key));
  std::vector<std::uint8_t> buf(kHostFrameBytes);
  dsmr::EncryptedSplitter split{buf};
  std::size_t offset = 0;
  Result<void> status;
  while (offset < bytes.size()) {
    const FeedResult r = split.feed(bytes.subspan(offset));
    const std::size_t start = offset + r.consumed - r.frame.size();
    offset += r.consumed;
    if (r.status == FeedStatus::dropped) {
      if (!o.keep_going) return fail(r.error);
      out.errors.push_back({offset, r.error});
      continue;
    }
    if (r.status != FeedStatus::frame) continue;
    std::vector<std::uint8_t> plain(r.frame.size());
    auto p = dsmr::decrypt(r.frame, AesEncryptor(aes), o.auth_key, plain);
    if (!p) {
      if (!o.keep_going) return fail(p.error());
      out.errors.push_back({start, p.error()});
      continue;
    }
    JOULE_RETURN_IF_ERROR(decode_one_frame(*p, start, 0, o, out, [](auto frame, auto, Telegram& t) {
      return dsmr::decode(frame, t);
    }));
  }
  return status;
}

}  // namespace

Result<void> decode_stream_dsmr(std::span<const std::uint8_t> bytes, const DecodeOptions& o, DecodeOutput& out) {
  // Encrypted P1 starts with a general-glo-ciphering APDU (DB 08 ...), plaintext with "/".
  const auto head = detect(bytes.first(std::min<std::size_t>(bytes.size(), 64)));
  if (head.protocol == Protocol::dlms_gcm) {
    if (o.key.empty()) return fail(Errc::invalid_argument, "encrypted P1 telegram: a key is required", Where::at_field("key"));
    return decode_encrypted_p1(bytes, o, out);
  }
  std::vector<std::uint8_t> buf(kHostFrameBytes);
  dsmr::Splitter split{buf, o.verify_checksum};
  std::size_t offset = 0;
  while (offset < bytes.size()) {
    const FeedResult r = split.feed(bytes.subspan(offset));
    const std::size_t start = offset + r.consumed - r.frame.size();
    offset += r.consumed;
    if (r.status == FeedStatus::dropped) {
      if (!o.keep_going) return fail(r.error);
      out.errors.push_back({offset, r.error});
    } else if (r.status == FeedStatus::frame) {
      JOULE_RETURN_IF_ERROR(decode_one_frame(r.frame, start, 0, o, out, [&](auto frame, auto, Telegram& t) {
        return dsmr::decode(frame, t, {.verify_crc = o.verify_checksum});
      }));
    }
    if (r.consumed == 0) break;
  }
  return {};
}

Result<void> decode_stream_iec62056_21(std::span<const std::uint8_t> bytes, const DecodeOptions& o, DecodeOutput& out) {
  std::vector<std::uint8_t> buf(kHostFrameBytes);
  iec62056_21::Splitter split{buf, o.verify_checksum};
  std::size_t offset = 0;
  auto handle = [&](const FeedResult& r, std::size_t start) -> Result<void> {
    if (r.status == FeedStatus::dropped) {
      if (!o.keep_going) return fail(r.error);
      out.errors.push_back({start, r.error});
    } else if (r.status == FeedStatus::frame) {
      return decode_one_frame(r.frame, start, 0, o, out, [&](auto frame, auto, Telegram& t) {
        return iec62056_21::decode(frame, t, {.verify_bcc = o.verify_checksum});
      });
    }
    return {};
  };
  while (offset < bytes.size()) {
    const FeedResult r = split.feed(bytes.subspan(offset));
    const std::size_t start = offset + r.consumed - r.frame.size();
    offset += r.consumed;
    JOULE_RETURN_IF_ERROR(handle(r, start));
    if (r.consumed == 0 && r.status == FeedStatus::need_more) break;
  }
  const FeedResult r = split.flush();
  return handle(r, bytes.size() - r.frame.size());
}

namespace {
// Encrypted P1 stream: split, decrypt, decode.
class EncryptedP1Stream final : public StreamImpl {
 public:
  EncryptedP1Stream(const DecodeOptions& o, const Aes128& aes) : o_(o), aes_(aes), buf_(kHostFrameBytes), split_(buf_) {}
  Result<void> feed(std::span<const std::uint8_t> in, DecodeOutput& out) override {
    while (!in.empty()) {
      const FeedResult r = split_.feed(in);
      in = in.subspan(r.consumed);
      offset_ += r.consumed;
      if (r.status == FeedStatus::dropped) out.errors.push_back({offset_, r.error});
      if (r.status != FeedStatus::frame) continue;
      std::vector<std::uint8_t> plain(r.frame.size());
      auto p = dsmr::decrypt(r.frame, AesEncryptor(aes_), o_.auth_key, plain);
      if (!p) {
        out.errors.push_back({offset_ - r.frame.size(), p.error()});
        continue;
      }
      JOULE_RETURN_IF_ERROR(decode_one_frame(*p, offset_ - r.frame.size(), 0, o_, out, [](auto frame, auto, Telegram& t) {
        return dsmr::decode(frame, t);
      }));
    }
    return {};
  }
  Result<void> finish(DecodeOutput&) override { return {}; }

 private:
  DecodeOptions o_;
  Aes128 aes_;
  std::vector<std::uint8_t> buf_;
  dsmr::EncryptedSplitter split_;
  std::size_t offset_ = 0;
};
}  // namespace

std::unique_ptr<StreamImpl> make_dsmr_stream(const DecodeOptions& options) {
  DecodeOptions o = options;
  o.keep_going = true;
  if (!o.key.empty()) {
    // With a key the stream is encrypted P1 (Luxembourg Smarty, Austria).
    auto aes = Aes128::from_key(o.key);
    if (!aes) return nullptr;
    return std::make_unique<EncryptedP1Stream>(o, *aes);
  }
  auto fn = [](std::span<const std::uint8_t> frame, std::size_t offset, const DecodeOptions& opt, DecodeOutput& out) {
    return decode_one_frame(frame, offset, 0, opt, out, [&](auto f, auto, Telegram& t) {
      return dsmr::decode(f, t, {.verify_crc = opt.verify_checksum});
    });
  };
  return std::make_unique<SplitterStream<dsmr::Splitter, decltype(fn)>>(o, kHostFrameBytes, fn);
}

std::unique_ptr<StreamImpl> make_iec62056_21_stream(const DecodeOptions& options) {
  DecodeOptions o = options;
  o.keep_going = true;
  auto fn = [](std::span<const std::uint8_t> frame, std::size_t offset, const DecodeOptions& opt, DecodeOutput& out) {
    return decode_one_frame(frame, offset, 0, opt, out, [&](auto f, auto, Telegram& t) {
      return iec62056_21::decode(f, t, {.verify_bcc = opt.verify_checksum});
    });
  };
  return std::make_unique<SplitterStream<iec62056_21::Splitter, decltype(fn)>>(o, kHostFrameBytes, fn);
}

}  // namespace joule::meter::detail
