// DLMS/COSEM push telegrams: HDLC, M-Bus wrapping, APDUs, A-XDR, ciphering, list formats.
#include "joule/meter/dlms.hpp"

#include <bit>
#include <limits>
#include <string_view>

#include "joule/core/crc.hpp"

namespace joule::meter::dlms {
namespace {

std::uint16_t le16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }

// A-XDR length (Green Book §9.5 / ISO 8825 BER definite form): < 0x80, or 0x8N + N bytes.
// A-XDR length (Green Book §9.5 / X.690 definite form, at most 3 length bytes) at `pos`, or
// SIZE_MAX when it is missing, truncated or longer. One plain function: the callers' bounds
// checks reject SIZE_MAX, which keeps the flash small.
std::size_t length_at(std::span<const std::uint8_t> b, std::size_t& pos) noexcept {
  if (pos >= b.size()) return SIZE_MAX;
  std::size_t v = b[pos++];
  if (v < 0x80) return v;
  std::size_t n = v & 0x7F;
  if (n == 0 || n > 3 || b.size() - pos < n) return SIZE_MAX;
  for (v = 0; n > 0; --n) v = (v << 8) | b[pos++];
  return v;
}

Result<std::size_t> read_length(std::span<const std::uint8_t> b, std::size_t& pos) noexcept {
  const std::size_t v = length_at(b, pos);
  if (v == SIZE_MAX) return fail(Errc::malformed, "A-XDR length missing, truncated or longer than 3 bytes", Where::byte(pos));
  return v;
}

}  // namespace

// ------------------------------------------------------------------ HDLC

Result<HdlcFrame> parse_hdlc(std::span<const std::uint8_t> frame) noexcept {
  std::size_t base = 0;
  if (!frame.empty() && frame.front() == 0x7E) {
    frame = frame.subspan(1);
    base = 1;
  }
  // A closing flag is stripped only where the length field ends the frame (an FCS byte may be 0x7E).
  if (frame.size() >= 2 && frame.back() == 0x7E &&
      static_cast<std::size_t>(((frame[0] & 0x07) << 8) | frame[1]) + 1 == frame.size())
    frame = frame.first(frame.size() - 1);
  if (frame.size() < 7) return fail(Errc::incomplete, "HDLC frame shorter than its header", Where::byte(base + frame.size()));
  // Frame format field (IEC 62056-46 §6.4.1): 1010 S LLL LLLLLLLL, type 3.
  if ((frame[0] & 0xF0) != 0xA0) return fail(Errc::malformed, "HDLC frame format is not type 3 (0xA)", Where::byte(base));
  const std::size_t len = static_cast<std::size_t>(((frame[0] & 0x07) << 8) | frame[1]);
  if (len != frame.size())
    return fail(len > frame.size() ? Errc::incomplete : Errc::malformed, "HDLC length field does not match the frame",
                Where::byte(base));
  HdlcFrame h;
  h.segmented = (frame[0] & 0x08) != 0;
  std::size_t pos = 2;
  // Addresses (§6.4.2): bytes until one with bit 0 set; 1, 2 or 4 bytes.
  for (std::uint32_t* addr : {&h.destination, &h.source}) {
    std::size_t n = 0;
    for (;;) {
      if (pos >= frame.size() - 2) return fail(Errc::malformed, "HDLC address runs into the FCS", Where::byte(base + pos));
      const std::uint8_t b = frame[pos++];
      *addr = (*addr << 8) | b;
      ++n;
      if (b & 1U) break;
      if (n == 4) return fail(Errc::malformed, "HDLC address longer than 4 bytes", Where::byte(base + pos));
    }
    if (n == 3) return fail(Errc::malformed, "HDLC address of 3 bytes", Where::byte(base + pos));
  }
  if (pos >= frame.size() - 2) return fail(Errc::malformed, "HDLC control field missing", Where::byte(base + pos));
  h.control = frame[pos++];
  const std::size_t fcs_at = frame.size() - 2;
  if (crc16_x25(frame.first(fcs_at)) != le16(&frame[fcs_at]))
    return fail(Errc::checksum_mismatch, "HDLC FCS does not match", Where::byte(base + fcs_at));
  if (pos == fcs_at) return h;  // no information field, no HCS
  if (fcs_at - pos < 2) return fail(Errc::malformed, "HDLC HCS truncated", Where::byte(base + pos));
  if (crc16_x25(frame.first(pos)) != le16(&frame[pos]))
    return fail(Errc::checksum_mismatch, "HDLC HCS does not match", Where::byte(base + pos));
  pos += 2;
  h.info = frame.subspan(pos, fcs_at - pos);
  return h;
}

void HdlcSplitter::reset() noexcept {
  buf_.clear();
  need_ = 0;
  in_frame_ = false;
  pending_flag_ = false;
}

FeedResult HdlcSplitter::feed(std::span<const std::uint8_t> input) noexcept {
  FeedResult r;
  if (pending_flag_) {
    pending_flag_ = false;
    buf_.clear();
    (void)buf_.push(0x7E);
    in_frame_ = true;
    need_ = 0;
  }
  for (std::size_t i = 0; i < input.size(); ++i) {
    const std::uint8_t b = input[i];
    if (!in_frame_) {
      if (b == 0x7E) {
        buf_.clear();
        (void)buf_.push(0x7E);
        in_frame_ = true;
        need_ = 0;
      } else {
        ++r.skipped;
      }
      continue;
    }
    if (buf_.size() == 1 && b == 0x7E) continue;  // repeated flags between frames
    if (buf_.size() == 1 && (b & 0xF0) != 0xA0) {  // not a type-3 format byte: garbage after a flag
      in_frame_ = false;
      r.skipped += 2;
      continue;
    }
    if (!buf_.push(b)) {
      reset();
      r.consumed = i + 1;
      r.status = FeedStatus::dropped;
      r.error = Error(Errc::buffer_too_small, "HDLC frame longer than the splitter buffer", Where::byte(i));
      return r;
    }
    if (buf_.size() == 3) {
      need_ = static_cast<std::size_t>(((buf_[1] & 0x07) << 8) | buf_[2]) + 2;
      if (need_ < 9) {
        in_frame_ = false;
        r.skipped += 3;
        continue;
      }
      if (need_ > buf_.capacity()) {
        reset();
        r.consumed = i + 1;
        r.status = FeedStatus::dropped;
        r.error = Error(Errc::buffer_too_small, "HDLC frame longer than the splitter buffer", Where::byte(i));
        return r;
      }
    }
    if (need_ == 0 || buf_.size() < need_) continue;
    r.consumed = i + 1;
    if (b != 0x7E) {
      // No closing flag where the length says: a torn frame. Resynchronise on the next flag.
      in_frame_ = false;
      r.status = FeedStatus::dropped;
      r.error = Error(Errc::malformed, "HDLC frame not closed by a flag at its length", Where::byte(i));
      return r;
    }
    // The closing flag may open the next frame (§6.3: one flag between frames suffices).
    auto h = parse_hdlc(buf_.bytes());
    if (h) {
      r.status = FeedStatus::frame;
      r.frame = buf_.bytes();
    } else {
      r.status = FeedStatus::dropped;
      r.error = h.error();
    }
    // Next call starts a new frame with this flag; the buffer stays intact until then.
    in_frame_ = false;
    pending_flag_ = true;
    return r;
  }
  r.consumed = input.size();
  return r;
}

// ------------------------------------------------------------------ ciphering

Result<CipheredApdu> parse_ciphered(std::span<const std::uint8_t> a) noexcept {
  if (a.size() < 2 || (a[0] != 0xDB && a[0] != 0xDC))
    return fail(Errc::malformed, "not a general-glo/ded-ciphering APDU", Where::byte(0));
  CipheredApdu c;
  c.tag = a[0];
  std::size_t pos = 1;
  JOULE_TRY(const std::size_t tlen, read_length(a, pos));
  if (tlen != 8 || a.size() - pos < 8) return fail(Errc::malformed, "system title is not 8 bytes", Where::byte(1));
  c.system_title = a.subspan(pos, 8);
  pos += 8;
  JOULE_TRY(const std::size_t len, read_length(a, pos));
  if (len < 5 || a.size() - pos < len) return fail(Errc::malformed, "ciphered content length beyond the APDU", Where::byte(pos));
  c.security_control = a[pos];
  if (c.security_control & 0x80) return fail(Errc::unsupported, "compressed ciphered APDUs are not supported", Where::byte(pos));
  if ((c.security_control & 0x0F) != 0)
    return fail(Errc::unsupported, "security suite other than 0 (AES-GCM-128)", Where::byte(pos));
  c.invocation_counter = (static_cast<std::uint32_t>(a[pos + 1]) << 24) | (static_cast<std::uint32_t>(a[pos + 2]) << 16) |
                         (static_cast<std::uint32_t>(a[pos + 3]) << 8) | a[pos + 4];
  auto body = a.subspan(pos + 5, len - 5);
  if (c.security_control & 0x10) {
    if (body.size() < 12) return fail(Errc::malformed, "ciphered APDU shorter than its tag", Where::byte(pos + 5));
    c.auth_tag = body.last(12);
    body = body.first(body.size() - 12);
  }
  c.ciphertext = body;
  return c;
}

Result<std::span<const std::uint8_t>> decipher(const CipheredApdu& c, const Keys& keys,
                                               std::span<std::uint8_t> out) noexcept {
  if (keys.encryption == nullptr)
    return fail(Errc::unsupported, "ciphered DLMS APDU and no key given", Where::at_field("key"));
  if (!keys.authentication_key.empty() && keys.authentication_key.size() != 16)
    return fail(Errc::invalid_argument, "authentication key must be 16 bytes", Where::at_field("authentication_key"));
  std::uint8_t iv[12];
  for (int i = 0; i < 8; ++i) iv[i] = c.system_title[static_cast<std::size_t>(i)];
  for (int i = 0; i < 4; ++i) iv[8 + i] = static_cast<std::uint8_t>(c.invocation_counter >> (24 - 8 * i));
  // Additional authenticated data: SC || AK (Green Book §9.2.7.2.4, Table 39).
  std::uint8_t aad[17];
  aad[0] = c.security_control;
  std::size_t aad_len = 1;
  for (auto b : keys.authentication_key) aad[aad_len++] = b;
  const bool enc = (c.security_control & 0x20) != 0;
  const bool auth = (c.security_control & 0x10) != 0;
  if (out.size() < c.ciphertext.size()) return fail(Errc::buffer_too_small, "scratch too small for the plaintext", Where::at_field("scratch"));
  auto dst = out.first(c.ciphertext.size());
  if (enc && auth) {
    JOULE_RETURN_IF_ERROR(gcm_decrypt(*keys.encryption, iv, std::span<const std::uint8_t>(aad, aad_len), c.ciphertext,
                                      c.auth_tag, dst));
  } else if (enc) {
    JOULE_RETURN_IF_ERROR(gcm_ctr_crypt(*keys.encryption, iv, c.ciphertext, dst));
  } else if (auth) {
    // Authentication only: the APDU is plaintext inside the AAD (SC || AK || APDU).
    if (out.size() < aad_len + c.ciphertext.size())
      return fail(Errc::buffer_too_small, "scratch too small for the authenticated data", Where::at_field("scratch"));
    for (std::size_t i = 0; i < aad_len; ++i) out[i] = aad[i];
    for (std::size_t i = 0; i < c.ciphertext.size(); ++i) out[aad_len + i] = c.ciphertext[i];
    JOULE_RETURN_IF_ERROR(gcm_decrypt(*keys.encryption, iv, out.first(aad_len + c.ciphertext.size()), {}, c.auth_tag, {}));
    return c.ciphertext;
  } else {
    return c.ciphertext;
  }
  return std::span<const std::uint8_t>(dst);
}

// ------------------------------------------------------------------ assembly

void ApduAssembler::reset() noexcept {
  len_ = 0;
  unit_start_ = 0;
  in_segments_ = false;
  in_blocks_ = false;
  complete_ = false;
  next_block_ = 1;
}

Result<bool> ApduAssembler::add(std::span<const std::uint8_t> info, bool segmented) noexcept {
  if (complete_) reset();
  if (!in_segments_ && info.size() >= 3 && info[0] == 0xE6 && (info[1] == 0xE6 || info[1] == 0xE7) && info[2] == 0x00)
    info = info.subspan(3);  // LLC (IEC 62056-46 §8.3) only in front of the first segment
  if (buf_.size() - len_ < info.size()) {
    reset();
    return fail(Errc::buffer_too_small, "DLMS APDU larger than the assembly buffer", Where::at_field("buffer"));
  }
  for (auto b : info) buf_[len_++] = b;
  if (segmented) {
    in_segments_ = true;
    return false;
  }
  in_segments_ = false;
  // A whole HDLC-level unit is at [unit_start_, len_). General-block-transfer (Green Book §9.3.10)?
  auto unit = std::span<const std::uint8_t>(buf_.data() + unit_start_, len_ - unit_start_);
  if (unit.empty() || unit[0] != 0xE0) {
    if (in_blocks_) {
      reset();
      return fail(Errc::malformed, "general-block-transfer interrupted by another APDU", Where::byte(0));
    }
    complete_ = true;
    return true;
  }
  if (unit.size() < 6) {
    reset();
    return fail(Errc::malformed, "general-block-transfer header truncated", Where::byte(0));
  }
  const bool last = (unit[1] & 0x80) != 0;
  const std::uint16_t number = static_cast<std::uint16_t>((unit[2] << 8) | unit[3]);
  if (number != next_block_) {
    reset();
    return fail(Errc::malformed, "general-block-transfer block out of sequence", Where::byte(2));
  }
  std::size_t pos = 6;
  auto len = read_length(unit, pos);
  if (!len || *len != unit.size() - pos) {
    reset();
    return fail(Errc::malformed, "general-block-transfer block length does not match", Where::byte(6));
  }
  // Move the block data down over its header, directly after the data joined so far.
  const std::size_t n = *len;
  for (std::size_t i = 0; i < n; ++i) buf_[unit_start_ + i] = buf_[unit_start_ + pos + i];
  len_ = unit_start_ + n;
  unit_start_ = len_;
  in_blocks_ = !last;
  ++next_block_;
  if (last) complete_ = true;
  return last;
}

// ------------------------------------------------------------------ A-XDR data

namespace {

enum Tag : std::uint8_t {
  kNull = 0, kArray = 1, kStructure = 2, kBoolean = 3, kBitString = 4, kDoubleLong = 5, kDoubleLongUnsigned = 6,
  kOctetString = 9, kVisibleString = 10, kUtf8String = 12, kBcd = 13, kInteger = 15, kLong = 16, kUnsigned = 17,
  kLongUnsigned = 18, kCompactArray = 19, kLong64 = 20, kLong64Unsigned = 21, kEnum = 22, kFloat32 = 23,
  kFloat64 = 24, kDateTime = 25, kDate = 26, kTime = 27,
};

struct Node {
  std::uint8_t tag = 0;
  std::uint16_t count = 0;  // children (array/structure)
  std::uint16_t end = 0;    // index after this node's subtree
  std::uint32_t off = 0;    // value bytes
  std::uint32_t len = 0;
};

constexpr std::size_t kMaxNodes = 320;
constexpr int kMaxDataDepth = 10;

struct Tree {
  Node nodes[kMaxNodes];
  std::size_t size = 0;
};

std::size_t fixed_size(std::uint8_t tag) noexcept {
  switch (tag) {
    case kBoolean: case kBcd: case kInteger: case kUnsigned: case kEnum: return 1;
    case kLong: case kLongUnsigned: return 2;
    case kDoubleLong: case kDoubleLongUnsigned: case kFloat32: case kTime: return 4;
    case kDate: return 5;
    case kLong64: case kLong64Unsigned: case kFloat64: return 8;
    case kDateTime: return 12;
    default: return 0;
  }
}

// One value of a compact-array (IEC 62056-6-2:2017 §4.1.6 / Green Book Ed. 10 §9.5, Data CHOICE
// compact-array [19]: contents-description TypeDescription, array-contents OCTET STRING). The
// TypeDescription at `d` is null-data 0, array 1 {number-of-elements Unsigned16 (2 bytes),
// TypeDescription}, structure 2 {A-XDR count, TypeDescription...}, or a simple type's tag; the
// value at `pos` (before `cend`) is encoded without tags, strings and bit-strings keeping their
// length. The value becomes ordinary tree nodes, so the list mapping sees the array it encodes.
// `t` null: only steps `d` over the description. Returns 0, 1 (malformed) or 2 (too many nodes):
// one error site in the caller keeps this small on the microcontroller.
struct Compact {
  const std::uint8_t* b;
  std::size_t size;  // description and contents lie before this
  std::size_t cend;  // contents end
  Tree* t;
  std::size_t d;     // description position
  std::size_t pos;   // contents position
};

int parse_typed(Compact& c, bool nodes, int depth) noexcept {
  if (depth > kMaxDataDepth || c.d >= c.size) return 1;
  const std::uint8_t tag = c.b[c.d++];
  Node* n = nullptr;
  if (nodes) {
    if (c.t->size >= kMaxNodes) return 2;
    n = &c.t->nodes[c.t->size++];
    *n = Node{};
    n->tag = tag;
  }
  std::size_t count = 0, len = fixed_size(tag);
  if (tag == kArray) {
    if (c.size - c.d < 2) return 1;
    count = static_cast<std::size_t>((c.b[c.d] << 8) | c.b[c.d + 1]);
    c.d += 2;
    const std::size_t first = c.d;
    std::size_t i = 0;
    do {  // the element description once per element (once without nodes when there are none)
      c.d = first;
      if (const int e = parse_typed(c, nodes && i < count, depth + 1)) return e;
    } while (++i < count && nodes);
  } else if (tag == kStructure) {
    count = length_at({c.b, c.size}, c.d);
    if (count > c.size - c.d) return 1;
    for (std::size_t i = 0; i < count; ++i)
      if (const int e = parse_typed(c, nodes, depth + 1)) return e;
  } else if (tag == kOctetString || tag == kVisibleString || tag == kUtf8String || tag == kBitString) {
    if (nodes) {
      len = length_at({c.b, c.cend}, c.pos);
      if (len != SIZE_MAX && tag == kBitString) len = (len + 7) / 8;
    }
  } else if (len == 0 && tag != kNull) {
    return 1;  // dont-care, compact-array or an unknown tag is no element type
  }
  if (nodes) {
    if (len > c.cend - c.pos) return 1;
    n->off = static_cast<std::uint32_t>(c.pos);
    n->len = static_cast<std::uint32_t>(len);
    c.pos += len;
    n->count = static_cast<std::uint16_t>(count);
    n->end = static_cast<std::uint16_t>(c.t->size);
  }
  return 0;
}

// compact-array after its tag: seen as the array it encodes, one element per description-shaped
// value until the contents end (their count is implied by the contents' length, §4.1.6).
// The array's node is t.nodes[t.size - 1]; its count is set here. 0, 1 or 2 as parse_typed.
int parse_compact(std::span<const std::uint8_t> b, std::size_t& pos, Tree& t, int depth) noexcept {
  const std::size_t me = t.size - 1;
  Compact c{b.data(), b.size(), 0, &t, pos, 0};
  int e = parse_typed(c, false, depth + 1);
  const std::size_t len = length_at(b, c.d);
  if (e || len > b.size() - c.d) return 1;
  c.cend = c.d + len;
  std::size_t count = 0;
  for (c.pos = c.d; c.pos < c.cend; ++count) {
    const std::size_t at = c.pos;
    c.d = pos;
    if ((e = parse_typed(c, true, depth + 1)) != 0) return e;
    if (c.pos == at) return 1;  // an element of no bytes would never end
  }
  pos = c.pos;
  t.nodes[me].count = static_cast<std::uint16_t>(count);
  return 0;
}

Result<void> parse_data(std::span<const std::uint8_t> b, std::size_t& pos, Tree& t, int depth) noexcept {
  if (depth > kMaxDataDepth) return fail(Errc::malformed, "A-XDR data nested too deeply", Where::byte(pos));
  if (pos >= b.size()) return fail(Errc::malformed, "A-XDR data truncated", Where::byte(pos));
  if (t.size >= kMaxNodes) return fail(Errc::limit_exceeded, "A-XDR data has too many elements", Where::byte(pos));
  const std::size_t me = t.size++;
  Node& n = t.nodes[me];
  n = Node{};
  n.tag = b[pos++];
  switch (n.tag) {
    case kNull: break;
    case kArray:
    case kStructure: {
      const std::size_t count = length_at(b, pos);  // SIZE_MAX (bad length) fails the check too
      if (count > b.size() - pos) return fail(Errc::malformed, "A-XDR element count beyond the data", Where::byte(pos));
      t.nodes[me].count = static_cast<std::uint16_t>(count);
      for (std::size_t i = 0; i < count; ++i) JOULE_RETURN_IF_ERROR(parse_data(b, pos, t, depth + 1));
      break;
    }
    case kBitString: {
      const std::size_t bits = length_at(b, pos);
      const std::size_t bytes = bits == SIZE_MAX ? bits : (bits + 7) / 8;
      if (bytes > b.size() - pos) return fail(Errc::malformed, "A-XDR bit-string beyond the data", Where::byte(pos));
      t.nodes[me].off = static_cast<std::uint32_t>(pos);
      t.nodes[me].len = static_cast<std::uint32_t>(bytes);
      pos += bytes;
      break;
    }
    case kOctetString:
    case kVisibleString:
    case kUtf8String: {
      const std::size_t len = length_at(b, pos);
      if (len > b.size() - pos) return fail(Errc::malformed, "A-XDR string beyond the data", Where::byte(pos));
      t.nodes[me].off = static_cast<std::uint32_t>(pos);
      t.nodes[me].len = static_cast<std::uint32_t>(len);
      pos += len;
      break;
    }
    case kCompactArray: {
      const int e = parse_compact(b, pos, t, depth);
      if (e) return fail(e == 2 ? Errc::limit_exceeded : Errc::malformed,
                         e == 2 ? "A-XDR data has too many elements" : "A-XDR compact-array: bad description, contents or element",
                         Where::byte(pos));
      t.nodes[me].tag = kArray;
      break;
    }
    default: {
      const std::size_t len = fixed_size(n.tag);
      if (len == 0) return fail(Errc::malformed, "unknown A-XDR data tag", Where::byte(pos - 1));
      if (len > b.size() - pos) return fail(Errc::malformed, "A-XDR value beyond the data", Where::byte(pos));
      t.nodes[me].off = static_cast<std::uint32_t>(pos);
      t.nodes[me].len = static_cast<std::uint32_t>(len);
      pos += len;
    }
  }
  t.nodes[me].end = static_cast<std::uint16_t>(t.size);
  return {};
}

bool is_integer_tag(std::uint8_t tag) noexcept {
  switch (tag) {
    case kBoolean: case kDoubleLong: case kDoubleLongUnsigned: case kInteger: case kLong: case kUnsigned:
    case kLongUnsigned: case kLong64: case kLong64Unsigned: case kEnum: case kBcd: return true;
    default: return false;
  }
}
bool is_signed_tag(std::uint8_t tag) noexcept {
  return tag == kDoubleLong || tag == kInteger || tag == kLong || tag == kLong64;
}

struct Ctx {
  std::span<const std::uint8_t> apdu;
  const Tree& tree;
  Telegram& out;
};

Result<std::int64_t> integer_value(const Ctx& c, const Node& n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n.len; ++i) v = (v << 8) | c.apdu[n.off + i];
  if (is_signed_tag(n.tag) && n.len < 8 && (c.apdu[n.off] & 0x80)) v |= ~std::uint64_t{0} << (8 * n.len);
  if (n.tag == kLong64Unsigned && v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return fail(Errc::out_of_range, "long64-unsigned value beyond the int64 range", Where::byte(n.off));
  return static_cast<std::int64_t>(v);
}

std::span<const std::uint8_t> bytes_of(const Ctx& c, const Node& n) noexcept { return c.apdu.subspan(n.off, n.len); }

bool printable(std::span<const std::uint8_t> s) noexcept {
  if (s.empty()) return false;
  for (auto b : s)
    if (b < 0x20 || b > 0x7E) return false;
  return true;
}

bool is_obis_node(const Ctx& c, const Node& n) noexcept {
  if (n.tag != kOctetString || n.len != 6) return false;
  // An OBIS code's A group is 0..15 in practice (IEC 62056-6-1 §5.2: 0 abstract, 1 electricity,
  // 4..9 heat/gas/water...); this keeps 6-byte serial numbers from being read as codes.
  return c.apdu[n.off] <= 15;
}

// Default unit of an electricity quantity by OBIS C.D (IEC 62056-6-1 §7.5.1/§7.5.2), used when a
// list sends no scaler_unit.
Unit default_unit(const ObisCode& o) noexcept {
  if (o.a() != 1) return Unit::none;
  const int c = o.c(), d = o.d();
  const int q = c % 20;  // 21..40 are L1 of 1..20, 41..60 L2, 61..80 L3
  if (c == 32 || c == 52 || c == 72 || c == 12) return d == 7 || d == 24 || d == 25 ? Unit::volt : Unit::none;
  if (c == 31 || c == 51 || c == 71 || c == 11 || c == 91) return d == 7 ? Unit::ampere : Unit::none;
  if (c == 14) return Unit::hertz;
  if (c == 13 || c == 33 || c == 53 || c == 73) return Unit::none;  // power factor
  if (q >= 1 && q <= 10 && c <= 80) {
    const bool active = q == 1 || q == 2 || q == 15 || q == 16;
    const bool reactive = q >= 3 && q <= 8;
    const bool apparent = q == 9 || q == 10;
    if (d == 7 || d == 4 || d == 5 || d == 6 || d == 24 || d == 25)
      return active ? Unit::watt : reactive ? Unit::var : apparent ? Unit::volt_ampere : Unit::none;
    if (d == 8 || d == 9 || d == 29)
      return active ? Unit::watt_hour : reactive ? Unit::var_hour : apparent ? Unit::volt_ampere_hour : Unit::none;
  }
  return Unit::none;
}

// The manufacturer scalers of lists that send none (the HAN port specifications of the meters).
enum class ListFamily : std::uint8_t { generic, kamstrup, kaifa, iskraemeco, capture_objects };

int implicit_scaler(ListFamily f, const ObisCode& o) noexcept {
  const Unit u = default_unit(o);
  switch (f) {
    case ListFamily::kamstrup:  // Kamstrup HAN: A in 0.01, kWh in 0.01 (= 10 Wh), V and W in units
      if (u == Unit::ampere) return -2;
      if (u == Unit::watt_hour || u == Unit::var_hour || u == Unit::volt_ampere_hour) return 1;
      return 0;
    case ListFamily::kaifa:  // Kaifa NVE lists: A in mA, V in 0.1 V, W and Wh in units
      if (u == Unit::ampere) return -3;
      if (u == Unit::volt) return -1;
      return 0;
    case ListFamily::iskraemeco:  // Iskraemeco AM550 push: A in 0.01, V in 0.1, W and Wh in units
      if (u == Unit::ampere) return -2;
      if (u == Unit::volt) return -1;
      return 0;
    case ListFamily::capture_objects:  // Landis+Gyr push with its capture-object list: A in 0.01
      return u == Unit::ampere ? -2 : 0;
    case ListFamily::generic: return 0;
  }
  return 0;
}

// A-XDR float32/float64 (tags 23/24, IEEE 754, big-endian) as the shortest decimal that reads
// back as the same binary value: a meter's float register holds the binary nearest to the
// decimal it measured or was set to, and that decimal is the shortest one that rounds to it.
// Tried with 1..9 (float32) or 1..15 (float64) significant digits in double arithmetic,
// exact for these digit counts (the mantissa stays below 2^53 and 10^k is exact for k <= 22);
// a float64 that needs 16 or 17 digits gets 17, rounded in double. NaN, infinities and
// magnitudes outside 1e-22..1e22 are not mapped (out_of_range).
Result<Decimal> float_decimal(double v, bool single) noexcept {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (v != v) return fail(Errc::out_of_range, "DLMS float is NaN");
  if (v == 0) return Decimal(0, 0);
  const bool neg = v < 0;
  const double a = neg ? -v : v;
  if (!(a >= 1e-22 && a < 1e22)) return fail(Errc::out_of_range, "DLMS float beyond 1e-22..1e22");
  int e = 0;  // 10^e <= a < 10^(e+1)
  while (e < 22 && a >= kPow10[e + 1]) ++e;
  while (e > -22 && a < (e >= 0 ? kPow10[e] : 1.0 / kPow10[-e])) --e;
  const int max_digits = single ? 9 : 17;
  for (int p = 1; p <= max_digits; ++p) {
    if (!single && p > 15 && p < 17) continue;
    const int sc = p - 1 - e;  // value = m * 10^-sc
    if (sc > 22 || sc < -22) continue;
    const double x = sc >= 0 ? a * kPow10[sc] : a / kPow10[-sc];
    if (x >= 9.2e18) continue;
    const auto m = static_cast<std::int64_t>(x + 0.5);
    const double back = sc >= 0 ? static_cast<double>(m) / kPow10[sc] : static_cast<double>(m) * kPow10[-sc];
    const bool same = single ? static_cast<float>(back) == static_cast<float>(a) : back == a;
    if ((same || p == max_digits) && -sc >= -Decimal::kMaxExponent && -sc <= Decimal::kMaxExponent)
      return Decimal(neg ? -m : m, -sc);
  }
  return fail(Errc::out_of_range, "DLMS float has no decimal form within 17 digits");
}

Result<void> emit(Ctx& c, const ObisCode& obis, const Node& v, bool has_su, int scaler, Unit unit) noexcept {
  Reading r;
  r.id_kind = IdKind::obis;
  r.obis = obis;
  if (is_integer_tag(v.tag)) {
    JOULE_TRY(const std::int64_t raw, integer_value(c, v));
    if (scaler < -Decimal::kMaxExponent || scaler > Decimal::kMaxExponent)
      return fail(Errc::out_of_range, "DLMS scaler beyond +-40", Where::byte(v.off));
    r.kind = ValueKind::number;
    r.has_raw_integer = true;
    r.raw_integer = raw;
    r.scaler = static_cast<std::int8_t>(scaler);
    r.number = Decimal(raw, scaler);
    r.unit = unit;
    r.unit_text = unit_symbol(unit);
    (void)has_su;
  } else if (v.tag == kOctetString || v.tag == kVisibleString || v.tag == kUtf8String || v.tag == kDateTime ||
             v.tag == kBitString) {
    const auto s = bytes_of(c, v);
    auto ts = s.size() == 12 && (v.tag == kDateTime || v.tag == kOctetString) ? parse_date_time(s)
                                                                             : Result<Timestamp>(fail(Errc::malformed, ""));
    if (ts && (v.tag == kDateTime || !printable(s))) {
      r.kind = ValueKind::time;
      r.time = *ts;
    } else {
      r.kind = v.tag == kVisibleString || v.tag == kUtf8String || printable(s) ? ValueKind::text : ValueKind::octets;
      r.text = std::string_view(reinterpret_cast<const char*>(s.data()), s.size());
    }
  } else if (v.tag == kFloat32 || v.tag == kFloat64) {
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < v.len; ++i) bits = (bits << 8) | c.apdu[v.off + i];
    const double x = v.tag == kFloat32 ? static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(bits)))
                                       : std::bit_cast<double>(bits);
    auto d = float_decimal(x, v.tag == kFloat32);
    if (!d) return {};  // NaN, infinite or extreme: not mapped
    const int exponent = d->exponent() + scaler;
    if (exponent < -Decimal::kMaxExponent || exponent > Decimal::kMaxExponent)
      return fail(Errc::out_of_range, "DLMS scaler beyond +-40", Where::byte(v.off));
    r.kind = ValueKind::number;
    r.scaler = static_cast<std::int8_t>(scaler);
    r.number = Decimal(d->mantissa(), exponent);
    r.unit = unit;
    r.unit_text = unit_symbol(unit);
  } else if (v.tag == kNull) {
    r.kind = ValueKind::none;
  } else {
    return {};  // dates, times, nested data: not mapped to a reading
  }
  if (r.kind == ValueKind::text && obis == ObisCode(0, 0, 96, 1, 0) && c.out.identifier.empty()) c.out.identifier = r.text;
  if (r.kind == ValueKind::time && obis == ObisCode(0, 0, 1, 0, 0) && !c.out.has_timestamp) {
    c.out.has_timestamp = true;
    c.out.timestamp = r.time;
  }
  return c.out.readings.push_back(r);
}

// scaler_unit structure {integer scaler, enum unit} (Blue Book §4.3.2).
bool scaler_unit(const Ctx& c, std::size_t i, int* scaler, Unit* unit) noexcept {
  const Node& n = c.tree.nodes[i];
  if (n.tag != kStructure || n.count != 2) return false;
  const Node& s = c.tree.nodes[i + 1];
  const Node& u = c.tree.nodes[s.end];
  if (s.tag != kInteger || u.tag != kEnum) return false;
  *scaler = static_cast<std::int8_t>(c.apdu[s.off]);
  *unit = static_cast<Unit>(c.apdu[u.off]);
  return true;
}

struct Positional {
  const char* prefix;              // list id prefix of the first element
  std::uint16_t count;             // elements in the list
  bool second_is_string;           // element 1 is a string (meter number) rather than a value
  const std::uint8_t (*codes)[5];  // A B C D E per position (A = 0xFF: position not mapped)
};

constexpr std::uint8_t kSkip[5] = {0xFF, 0, 0, 0, 0};
#define JOULE_E(c, d) {1, 0, c, d, 0}
// Norwegian HAN (NVE) lists as sent by Kaifa MA105/MA304 (positional; the OBIS list is in the meter's HAN spec).
constexpr std::uint8_t kKaifa9[][5] = {{1, 1, 0, 2, 129}, {0, 0, 96, 1, 0}, {0, 0, 96, 1, 7}, JOULE_E(1, 7), JOULE_E(2, 7),
                                       JOULE_E(3, 7), JOULE_E(4, 7), JOULE_E(31, 7), JOULE_E(32, 7)};
constexpr std::uint8_t kKaifa13[][5] = {{1, 1, 0, 2, 129}, {0, 0, 96, 1, 0}, {0, 0, 96, 1, 7}, JOULE_E(1, 7), JOULE_E(2, 7),
                                        JOULE_E(3, 7), JOULE_E(4, 7), JOULE_E(31, 7), JOULE_E(51, 7), JOULE_E(71, 7),
                                        JOULE_E(32, 7), JOULE_E(52, 7), JOULE_E(72, 7)};
constexpr std::uint8_t kKaifa14[][5] = {{1, 1, 0, 2, 129}, {0, 0, 96, 1, 0}, {0, 0, 96, 1, 7}, JOULE_E(1, 7), JOULE_E(2, 7),
                                        JOULE_E(3, 7), JOULE_E(4, 7), JOULE_E(31, 7), JOULE_E(32, 7), {0, 0, 1, 0, 0},
                                        JOULE_E(1, 8), JOULE_E(2, 8), JOULE_E(3, 8), JOULE_E(4, 8)};
constexpr std::uint8_t kKaifa18[][5] = {{1, 1, 0, 2, 129}, {0, 0, 96, 1, 0}, {0, 0, 96, 1, 7}, JOULE_E(1, 7), JOULE_E(2, 7),
                                        JOULE_E(3, 7), JOULE_E(4, 7), JOULE_E(31, 7), JOULE_E(51, 7), JOULE_E(71, 7),
                                        JOULE_E(32, 7), JOULE_E(52, 7), JOULE_E(72, 7), {0, 0, 1, 0, 0},
                                        JOULE_E(1, 8), JOULE_E(2, 8), JOULE_E(3, 8), JOULE_E(4, 8)};
// Iskraemeco AM550 push lists (logical device name first).
constexpr std::uint8_t kIskra18[][5] = {{0, 0, 42, 0, 0}, {0, 0, 96, 1, 0}, JOULE_E(1, 7), JOULE_E(2, 7), JOULE_E(3, 7),
                                        JOULE_E(4, 7), JOULE_E(32, 7), JOULE_E(52, 7), JOULE_E(72, 7), JOULE_E(31, 7),
                                        JOULE_E(51, 7), JOULE_E(71, 7), JOULE_E(21, 7), JOULE_E(41, 7), JOULE_E(61, 7),
                                        JOULE_E(22, 7), JOULE_E(42, 7), JOULE_E(62, 7)};
constexpr std::uint8_t kIskra9[][5] = {{0, 0, 42, 0, 0}, JOULE_E(1, 7), JOULE_E(2, 7), JOULE_E(1, 8), {1, 0, 1, 8, 1},
                                       {1, 0, 1, 8, 2}, {0xFF, 0, 0, 0, 0}, {0xFF, 0, 0, 0, 0}, {0xFF, 0, 0, 0, 0}};
// Single-phase variants with the meter number second (U1 and, in the 10-element list, I1).
constexpr std::uint8_t kIskra9s[][5] = {{0, 0, 42, 0, 0}, {0, 0, 96, 1, 0}, JOULE_E(1, 7), JOULE_E(2, 7), JOULE_E(3, 7),
                                        JOULE_E(4, 7), JOULE_E(32, 7), {0xFF, 0, 0, 0, 0}, {0xFF, 0, 0, 0, 0}};
constexpr std::uint8_t kIskra10s[][5] = {{0, 0, 42, 0, 0}, {0, 0, 96, 1, 0}, JOULE_E(1, 7), JOULE_E(2, 7), JOULE_E(3, 7),
                                         JOULE_E(4, 7), JOULE_E(32, 7), JOULE_E(31, 7), {0xFF, 0, 0, 0, 0},
                                         {0xFF, 0, 0, 0, 0}};
// Three-phase "UP" list: voltages and currents first, then powers.
constexpr std::uint8_t kIskra12s[][5] = {{0, 0, 42, 0, 0}, {0, 0, 96, 1, 0}, JOULE_E(32, 7), JOULE_E(52, 7),
                                         JOULE_E(72, 7), JOULE_E(31, 7), JOULE_E(51, 7), JOULE_E(71, 7),
                                         JOULE_E(1, 7), JOULE_E(2, 7), JOULE_E(3, 7), JOULE_E(4, 7)};
#undef JOULE_E

constexpr Positional kPositional[] = {
    {"KFM_", 9, true, kKaifa9},    {"KFM_", 13, true, kKaifa13},   {"KFM_", 14, true, kKaifa14},
    {"KFM_", 18, true, kKaifa18},  {"ISK", 18, true, kIskra18},    {"ISK", 9, false, kIskra9},
    {"ISK", 9, true, kIskra9s},    {"ISK", 10, true, kIskra10s},   {"ISK", 12, true, kIskra12s},
};

bool starts_with(std::span<const std::uint8_t> s, const char* p) noexcept {
  std::size_t i = 0;
  for (; p[i] != 0; ++i)
    if (i >= s.size() || s[i] != static_cast<std::uint8_t>(p[i])) return false;
  return true;
}

ListFamily family_of(std::span<const std::uint8_t> list_id) noexcept {
  if (starts_with(list_id, "Kamstrup")) return ListFamily::kamstrup;
  if (starts_with(list_id, "KFM_")) return ListFamily::kaifa;
  if (starts_with(list_id, "ISK")) return ListFamily::iskraemeco;
  return ListFamily::generic;
}

// Maps a notification body to readings (the list formats of the header comment).
Result<void> map_body(Ctx& c, std::size_t root) noexcept {
  const Tree& t = c.tree;
  const Node& r = t.nodes[root];
  if (r.tag != kStructure && r.tag != kArray) {
    // A list of one value: NVE list 1 sends only the active import power.
    if (is_integer_tag(r.tag)) return emit(c, ObisCode(1, 0, 1, 7, 0), r, false, 0, Unit::watt);
    if (r.tag == kOctetString)
      return fail(Errc::unsupported, "DLMS notification body is an octet string (manufacturer-specific payload)",
                  Where::byte(r.off));
    return fail(Errc::unsupported, "DLMS notification body is neither a structure nor a value", Where::byte(r.off));
  }
  // Children of the root.
  std::uint16_t idx[kMaxNodes];
  std::size_t n = 0;
  for (std::size_t i = root + 1; i < r.end; i = t.nodes[i].end) idx[n++] = static_cast<std::uint16_t>(i);
  // The list id (first printable string) selects manufacturer conventions.
  std::span<const std::uint8_t> list_id;
  for (std::size_t k = 0; k < n && list_id.empty(); ++k) {
    const Node& e = t.nodes[idx[k]];
    if ((e.tag == kOctetString || e.tag == kVisibleString) && printable(bytes_of(c, e)) && !is_obis_node(c, e))
      list_id = bytes_of(c, e);
    if (e.tag == kStructure && e.count >= 2 && t.nodes[idx[k] + 1].tag == kOctetString) {
      const Node& v = t.nodes[t.nodes[idx[k] + 1].end];
      if ((v.tag == kOctetString || v.tag == kVisibleString) && printable(bytes_of(c, v))) list_id = bytes_of(c, v);
    }
  }
  // Push with its capture-object list first (Landis+Gyr): array of {class_id, logical_name,
  // attribute, data_index} (Blue Book §4.4.8 push setup, push_object_list), then one value per
  // object; object 0 is the push setup itself, whose value is that array.
  if (n >= 2 && t.nodes[idx[0]].tag == kArray) {
    const Node& arr = t.nodes[idx[0]];
    bool capture = arr.count >= 2;
    std::uint16_t objs[kMaxNodes];
    std::size_t m = 0;
    for (std::size_t i = idx[0] + 1; capture && i < arr.end; i = t.nodes[i].end) {
      const Node& e = t.nodes[i];
      capture = e.tag == kStructure && e.count == 4 && t.nodes[i + 1].tag == kLongUnsigned &&
                is_obis_node(c, t.nodes[t.nodes[i + 1].end]);
      if (capture) objs[m++] = static_cast<std::uint16_t>(t.nodes[i + 1].end);
    }
    if (capture) {
      for (std::size_t k = 1; k < m && k < n; ++k) {
        JOULE_TRY(const ObisCode obis, ObisCode::from_bytes(bytes_of(c, t.nodes[objs[k]])));
        JOULE_RETURN_IF_ERROR(emit(c, obis, t.nodes[idx[k]], false, implicit_scaler(ListFamily::capture_objects, obis),
                                   default_unit(obis)));
      }
      return {};
    }
  }
  const ListFamily fam = family_of(list_id);
  bool any_obis = false;
  for (std::size_t k = 0; k < n;) {
    const std::size_t i = idx[k];
    const Node& e = t.nodes[i];
    if (e.tag == kStructure && e.count >= 2 && is_obis_node(c, t.nodes[i + 1])) {
      // {OBIS, value[, scaler_unit]} (Aidon, Kaifa AT, Landis+Gyr).
      any_obis = true;
      JOULE_TRY(const ObisCode obis, ObisCode::from_bytes(bytes_of(c, t.nodes[i + 1])));
      const std::size_t v = t.nodes[i + 1].end;
      int scaler = 0;
      Unit unit = default_unit(obis);
      bool su = e.count >= 3 && scaler_unit(c, t.nodes[v].end, &scaler, &unit);
      if (!su) scaler = implicit_scaler(fam, obis);
      JOULE_RETURN_IF_ERROR(emit(c, obis, t.nodes[v], su, scaler, unit));
      ++k;
      continue;
    }
    if (is_obis_node(c, e) && k + 1 < n) {
      // OBIS, value[, scaler_unit] flat (Kamstrup, Kaifa NO, Sagemcom).
      any_obis = true;
      JOULE_TRY(const ObisCode obis, ObisCode::from_bytes(bytes_of(c, e)));
      const Node& v = t.nodes[idx[k + 1]];
      int scaler = 0;
      Unit unit = default_unit(obis);
      bool su = k + 2 < n && scaler_unit(c, idx[k + 2], &scaler, &unit);
      if (!su) scaler = implicit_scaler(fam, obis);
      JOULE_RETURN_IF_ERROR(emit(c, obis, v, su, scaler, unit));
      k += su ? 3 : 2;
      continue;
    }
    ++k;
  }
  if (any_obis) return {};
  const bool second_string = n > 1 && (t.nodes[idx[1]].tag == kOctetString || t.nodes[idx[1]].tag == kVisibleString);
  for (const auto& p : kPositional) {
    if (p.count != n || !starts_with(list_id, p.prefix) || p.second_is_string != second_string) continue;
    for (std::size_t k = 0; k < n; ++k) {
      const auto* g = p.codes[k];
      if (g[0] == 0xFF) continue;
      const ObisCode obis(g[0], g[1], g[2], g[3], g[4]);
      const Unit unit = default_unit(obis);
      JOULE_RETURN_IF_ERROR(emit(c, obis, t.nodes[idx[k]], false, implicit_scaler(fam, obis), unit));
    }
    return {};
  }
  return fail(Errc::unsupported, "DLMS push list without OBIS codes of an unknown layout", Where::byte(r.off));
}

// data-notification (Green Book §9.3.5 / IEC 62056-5-3 §6.8): invoke id, date-time, body.
Result<void> decode_notification(std::span<const std::uint8_t> a, Telegram& out) noexcept {
  if (a.size() < 6) return fail(Errc::malformed, "data-notification truncated", Where::byte(a.size()));
  std::size_t pos = 5;
  // date-time is an OCTET STRING (length 0 or 12); some meters send it as tagged Data (09 0C ...).
  if (a[pos] == kOctetString && pos + 1 < a.size() && a[pos + 1] == 12) ++pos;
  JOULE_TRY(const std::size_t dlen, read_length(a, pos));
  if (dlen > a.size() - pos) return fail(Errc::malformed, "data-notification date-time beyond the APDU", Where::byte(pos));
  if (dlen == 12) {
    auto ts = parse_date_time(a.subspan(pos, 12));
    if (ts) {
      out.has_timestamp = true;
      out.timestamp = *ts;
    }
  }
  pos += dlen;
  Tree tree;
  const std::size_t root = 0;
  const std::size_t body_at = pos;
  JOULE_RETURN_IF_ERROR(parse_data(a, pos, tree, 0));
  // Some meters wrap the body in an octet string: when its content is itself one complete
  // A-XDR array or structure, that is the body.
  if (tree.nodes[root].tag == kOctetString && tree.nodes[root].len >= 2) {
    const std::size_t inner = tree.nodes[root].off;
    const std::size_t inner_end = inner + tree.nodes[root].len;
    if (a[inner] == kStructure || a[inner] == kArray) {
      tree.size = 0;  // the tree is reused (it is large for a microcontroller's stack)
      std::size_t ipos = inner;
      auto ok = parse_data(a.first(inner_end), ipos, tree, 0);
      if (ok && ipos == inner_end) {
        Ctx c{a, tree, out};
        return map_body(c, root);
      }
      // Not A-XDR after all: the octet string is the body (parsed again, it parsed before).
      tree.size = 0;
      std::size_t again = body_at;
      JOULE_RETURN_IF_ERROR(parse_data(a, again, tree, 0));
    }
  }
  Ctx c{a, tree, out};
  return map_body(c, root);
}

}  // namespace

Result<Timestamp> parse_date_time(std::span<const std::uint8_t> b) noexcept {
  if (b.size() != 12) return fail(Errc::malformed, "COSEM date-time is not 12 bytes", Where::byte(0));
  const unsigned year = static_cast<unsigned>((b[0] << 8) | b[1]);
  if (year == 0xFFFF || b[2] == 0xFF || b[3] == 0xFF || b[5] == 0xFF || b[6] == 0xFF)
    return fail(Errc::unsupported, "COSEM date-time with unspecified fields", Where::byte(0));
  if (b[2] > 12 || b[3] > 31) return fail(Errc::out_of_range, "COSEM date-time: month or day out of range", Where::byte(2));
  Timestamp t;
  t.civil.year = static_cast<std::int32_t>(year);
  t.civil.month = b[2];
  t.civil.day = b[3];
  t.civil.hour = b[5];
  t.civil.minute = b[6];
  t.civil.second = b[7] == 0xFF ? 0 : b[7];
  JOULE_RETURN_IF_ERROR(validate(t.civil));
  const std::int16_t dev = static_cast<std::int16_t>((b[9] << 8) | b[10]);
  t.clock_status = b[11];
  if (static_cast<std::uint16_t>(dev) != 0x8000) {
    if (dev < -840 || dev > 840) return fail(Errc::out_of_range, "COSEM deviation beyond +-14 h", Where::byte(9));
    // Blue Book §4.1.6.1: deviation = minutes from local time to UTC (CET sends -60): local = UTC - deviation.
    t.has_offset = true;
    t.offset_min = static_cast<std::int16_t>(-dev);
    auto utc = to_unix_seconds(t.civil, t.offset_min * 60);
    if (utc) {
      t.has_utc = true;
      t.utc_s = *utc;
    }
  }
  if (t.clock_status != 0xFF && (t.clock_status & 0x80)) t.dst = Timestamp::Dst::summer;
  return t;
}

Result<void> decode_apdu(std::span<const std::uint8_t> apdu, Telegram& out, std::span<std::uint8_t> scratch,
                         const Keys& keys) noexcept {
  if (out.protocol == Protocol::unknown) out.protocol = Protocol::dlms_apdu;
  // Wrapper (IEC 62056-47 §5.1): version 0x0001, source wPort, destination wPort, length.
  if (apdu.size() >= 8 && apdu[0] == 0x00 && apdu[1] == 0x01) {
    const std::size_t len = static_cast<std::size_t>((apdu[6] << 8) | apdu[7]);
    if (len != apdu.size() - 8) return fail(Errc::malformed, "DLMS wrapper length does not match", Where::byte(6));
    apdu = apdu.subspan(8);
  }
  if (apdu.size() >= 3 && apdu[0] == 0xE6 && (apdu[1] == 0xE7 || apdu[1] == 0xE6) && apdu[2] == 0x00) apdu = apdu.subspan(3);
  if (apdu.empty()) return fail(Errc::malformed, "empty DLMS APDU", Where::byte(0));
  switch (apdu[0]) {
    case 0x0F: return decode_notification(apdu, out);
    case 0xDB:
    case 0xDC: {
      JOULE_TRY(const CipheredApdu c, parse_ciphered(apdu));
      out.manufacturer = std::string_view(reinterpret_cast<const char*>(c.system_title.data()), 3);
      if (!printable(c.system_title.first(3))) out.manufacturer = {};
      JOULE_TRY(auto plain, decipher(c, keys, scratch));
      if (!plain.empty() && (plain[0] == 0xDB || plain[0] == 0xDC))
        return fail(Errc::malformed, "ciphered APDU inside a ciphered APDU", Where::byte(0));
      out.protocol = Protocol::dlms_gcm;
      return decode_apdu(plain, out, scratch.subspan(plain.size()), keys);
    }
    default: return fail(Errc::unsupported, "DLMS APDU other than data-notification or ciphering", Where::byte(0));
  }
}

namespace {

// DLMS over wired M-Bus (IEC 62056-7-3 / EN 13757-2 long frames): 68 L L 68 C A CI STSAP DTSAP data CS 16.
Result<void> decode_mbus(std::span<const std::uint8_t> bytes, Telegram& out, std::span<std::uint8_t> scratch,
                         const Keys& keys) noexcept {
  std::size_t pos = 0;
  std::size_t joined = 0;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 6 || bytes[pos] != 0x68 || bytes[pos + 3] != 0x68 || bytes[pos + 1] != bytes[pos + 2])
      return fail(Errc::malformed, "not an M-Bus long frame", Where::byte(pos));
    const std::size_t l = bytes[pos + 1];
    if (l < 5 || bytes.size() - pos < l + 6) return fail(Errc::incomplete, "M-Bus frame truncated", Where::byte(pos));
    const auto user = bytes.subspan(pos + 4, l);
    if (mbus_checksum(user) != bytes[pos + 4 + l]) return fail(Errc::checksum_mismatch, "M-Bus checksum does not match", Where::byte(pos + 4 + l));
    if (bytes[pos + 5 + l] != 0x16) return fail(Errc::malformed, "M-Bus frame without stop byte", Where::byte(pos + 5 + l));
    const auto data = user.subspan(5);  // after C, A, CI, STSAP, DTSAP
    if (scratch.size() - joined < data.size()) return fail(Errc::buffer_too_small, "scratch too small for M-Bus segments", Where::at_field("scratch"));
    for (auto b : data) scratch[joined++] = b;
    const bool last = (user[2] & 0x10) != 0 || pos + l + 6 >= bytes.size();  // CI bit 4: last segment
    pos += l + 6;
    if (last) break;
  }
  out.protocol = Protocol::dlms_mbus;
  return decode_apdu(std::span<const std::uint8_t>(scratch.data(), joined), out, scratch.subspan(joined), keys);
}

}  // namespace

Result<void> decode(std::span<const std::uint8_t> bytes, Telegram& out, std::span<std::uint8_t> scratch,
                    const Keys& keys) noexcept {
  if (bytes.empty()) return fail(Errc::incomplete, "no DLMS bytes", Where::byte(0));
  if (bytes[0] == 0x68) return decode_mbus(bytes, out, scratch, keys);
  if (bytes[0] != 0x7E) return decode_apdu(bytes, out, scratch, keys);
  // One or more HDLC frames: join segments and blocks into scratch.
  out.protocol = Protocol::dlms_hdlc;
  std::size_t pos = 0;
  std::size_t half = scratch.size() / 2;
  ApduAssembler asm_(scratch.first(half));
  while (pos < bytes.size()) {
    while (pos < bytes.size() && bytes[pos] == 0x7E) ++pos;
    if (pos >= bytes.size()) break;
    if (bytes.size() - pos < 2) return fail(Errc::malformed, "HDLC frame expected", Where::byte(pos));
    const std::size_t len = static_cast<std::size_t>(((bytes[pos] & 0x07) << 8) | bytes[pos + 1]);
    if (bytes.size() - pos < len) return fail(Errc::incomplete, "HDLC frame truncated", Where::byte(pos));
    JOULE_TRY(const HdlcFrame h, parse_hdlc(bytes.subspan(pos, len)));
    pos += len;
    JOULE_TRY(const bool done, asm_.add(h.info, h.segmented));
    if (done) return decode_apdu(asm_.apdu(), out, scratch.subspan(half), keys);
  }
  return fail(Errc::incomplete, "HDLC segments or blocks end before the APDU is complete", Where::byte(bytes.size()));
}

}  // namespace joule::meter::dlms
