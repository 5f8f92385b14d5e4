// Host stream decoders of SML and DLMS/COSEM for decode() and StreamDecoder.
#include <memory>
#include <optional>
#include <vector>

#include "decode_internal.hpp"
#include "joule/core/aes.hpp"
#include "joule/meter/dlms.hpp"
#include "joule/meter/sml.hpp"

namespace joule::meter::detail {
namespace {

constexpr std::size_t kHostFrameBytes = 64 * 1024;
constexpr std::size_t kDlmsScratch = 16 * 1024;

// Keys of DecodeOptions for the DLMS core (the Aes128 must outlive the Keys).
struct HostKeys {
  std::optional<Aes128> aes;
  std::optional<AesEncryptor> enc;
  dlms::Keys keys;
  explicit HostKeys(const DecodeOptions& o) {
    if (o.key.size() == 16) {
      aes.emplace(std::span<const std::uint8_t, 16>(o.key.data(), 16));
      enc.emplace(*aes);
      keys.encryption = &*enc;
    }
    keys.authentication_key = o.auth_key;
  }
  HostKeys(const HostKeys&) = delete;
};

Result<void> sml_frame(std::span<const std::uint8_t> frame, std::size_t offset, const DecodeOptions& o, DecodeOutput& out) {
  return decode_one_frame(frame, offset, frame.size() + 128, o, out,
                          [](auto f, auto scratch, Telegram& t) { return sml::decode(f, t, scratch); });
}

// HDLC frames of one stream: segments and blocks joined, then the APDU decoded.
class DlmsHdlcState {
 public:
  explicit DlmsHdlcState(const DecodeOptions& o) : keys_(o), apdu_buf_(kHostFrameBytes), asm_(apdu_buf_) {}
  Result<void> frame(std::span<const std::uint8_t> frame, std::size_t offset, const DecodeOptions& o, DecodeOutput& out) {
    auto h = dlms::parse_hdlc(frame);
    if (!h) {
      if (!o.keep_going) return fail(h.error());
      out.errors.push_back({offset, h.error()});
      return {};
    }
    if (!in_apdu_) start_ = offset;
    auto done = asm_.add(h->info, h->segmented);
    in_apdu_ = done && !*done;
    if (!done) {
      if (!o.keep_going) return fail(done.error());
      out.errors.push_back({offset, done.error()});
      return {};
    }
    if (!*done) return {};
    const dlms::Keys& k = keys_.keys;
    return decode_one_frame(asm_.apdu(), start_, kDlmsScratch, o, out, [&k](auto apdu, auto scratch, Telegram& t) {
      t.protocol = Protocol::dlms_hdlc;
      return dlms::decode_apdu(apdu, t, scratch, k);
    });
  }

 private:
  HostKeys keys_;
  std::vector<std::uint8_t> apdu_buf_;
  dlms::ApduAssembler asm_;
  bool in_apdu_ = false;
  std::size_t start_ = 0;
};

}  // namespace

Result<void> decode_stream_sml(std::span<const std::uint8_t> bytes, const DecodeOptions& o, DecodeOutput& out) {
  std::vector<std::uint8_t> buf(kHostFrameBytes);
  sml::Splitter split{buf};
  std::size_t offset = 0;
  std::size_t frames = 0;
  while (offset < bytes.size()) {
    const FeedResult r = split.feed(bytes.subspan(offset));
    offset += r.consumed;
    if (r.status == FeedStatus::dropped) {
      if (!o.keep_going) return fail(r.error);
      out.errors.push_back({offset, r.error});
    } else if (r.status == FeedStatus::frame) {
      ++frames;
      JOULE_RETURN_IF_ERROR(sml_frame(r.frame, offset - r.frame.size(), o, out));
    }
    if (r.consumed == 0) break;
  }
  // A capture that ends inside a frame is normal for a stream; when no frame came out at all,
  // the input was one damaged frame (e.g. misaligned end escape): say so instead of "incomplete".
  if (split.in_frame() && frames == 0) {
    const Error e(Errc::malformed, "SML frame without its end escape on the 4-byte grid (torn or misaligned)",
                  Where::byte(bytes.size()));
    if (!o.keep_going) return fail(e);
    out.errors.push_back({bytes.size(), e});
  }
  return {};
}

Result<void> decode_stream_dlms(Protocol p, std::span<const std::uint8_t> bytes, const DecodeOptions& o,
                                DecodeOutput& out) {
  if (p == Protocol::dlms_hdlc) {
    DlmsHdlcState state(o);
    std::vector<std::uint8_t> buf(kHostFrameBytes);
    dlms::HdlcSplitter split{buf};
    std::size_t offset = 0;
    while (offset < bytes.size()) {
      const FeedResult r = split.feed(bytes.subspan(offset));
      offset += r.consumed;
      if (r.status == FeedStatus::dropped) {
        if (!o.keep_going) return fail(r.error);
        out.errors.push_back({offset, r.error});
      } else if (r.status == FeedStatus::frame) {
        JOULE_RETURN_IF_ERROR(state.frame(r.frame, offset - r.frame.size(), o, out));
      }
      if (r.consumed == 0) break;
    }
    return {};
  }
  HostKeys keys(o);
  if (p == Protocol::dlms_gcm && keys.keys.encryption != nullptr) {
    // Encrypted DSMR P1 (Luxembourg, Austria) carries a text telegram inside the same APDU.
    auto c = dlms::parse_ciphered(bytes);
    if (c) {
      std::vector<std::uint8_t> plain(c->ciphertext.size() + 32);
      auto pt = dlms::decipher(*c, keys.keys, plain);
      if (pt && !pt->empty() && (*pt)[0] == '/') return decode_stream_dsmr(bytes, o, out);
    }
  }
  // M-Bus wrapped, wrapper, LLC + APDU or bare APDU: the input is one unit.
  const dlms::Keys& k = keys.keys;
  return decode_one_frame(bytes, 0, kDlmsScratch, o, out, [&k, p](auto frame, auto scratch, Telegram& t) {
    t.protocol = p;
    return dlms::decode(frame, t, scratch, k);
  });
}

std::unique_ptr<StreamImpl> make_sml_stream(const DecodeOptions& options) {
  DecodeOptions o = options;
  o.keep_going = true;
  return std::make_unique<SplitterStream<sml::Splitter, decltype(&sml_frame)>>(o, kHostFrameBytes, &sml_frame);
}

std::unique_ptr<StreamImpl> make_dlms_stream(const DecodeOptions& options) {
  DecodeOptions o = options;
  o.keep_going = true;
  auto state = std::make_shared<DlmsHdlcState>(o);
  auto fn = [state](std::span<const std::uint8_t> frame, std::size_t offset, const DecodeOptions& opt,
                    DecodeOutput& out) { return state->frame(frame, offset, opt, out); };
  return std::make_unique<SplitterStream<dlms::HdlcSplitter, decltype(fn)>>(o, kHostFrameBytes, fn);
}

}  // namespace joule::meter::detail
