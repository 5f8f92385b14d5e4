// p1_reader: reads DSMR P1 telegrams from a serial port (115200 8N1, DSMR 5.0.2 P1 §5.1)
// with joule's freestanding splitter and decoder, exactly as a microcontroller would:
// one fixed buffer, bytes in whatever chunks the UART delivers, no allocation per telegram.
//
//   p1_reader /dev/ttyUSB0            print every telegram (timestamp, import, power)
//   p1_reader --count 3 --json PORT   stop after 3 telegrams, print JSON lines
//   p1_reader --key HEX PORT          encrypted P1 (Luxembourg Smarty): AES-128-GCM
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "joule/core/aes.hpp"
#include "joule/meter/dsmr.hpp"

using namespace joule;
using namespace joule::meter;

namespace {

bool open_serial(const char* path, int& fd) {
  fd = ::open(path, O_RDONLY | O_NOCTTY);
  if (fd < 0) return false;
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) return true;  // not a tty (a file or pipe): read as is
  ::cfmakeraw(&tio);
  ::cfsetispeed(&tio, B115200);
  ::cfsetospeed(&tio, B115200);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  ::tcsetattr(fd, TCSANOW, &tio);
  return true;
}

void print_number(const Telegram& t, ObisCode code, const char* label) {
  if (const Reading* r = t.find(code); r != nullptr && r->is_number()) {
    char buf[Decimal::kMaxChars];
    auto n = r->number.to_chars(buf);
    std::printf(" %s=%.*s%.*s", label, n ? static_cast<int>(*n) : 0, buf, static_cast<int>(r->unit_text.size()),
                r->unit_text.data());
  }
}

void print_json(const Telegram& t) {
  std::printf("{\"identifier\":\"%.*s\",\"crc\":%s,\"values\":[", static_cast<int>(t.identifier.size()),
              t.identifier.data(), t.has_crc ? "true" : "false");
  bool first = true;
  for (const Reading& r : t.readings) {
    if (!r.is_number()) continue;
    char id[ObisCode::kMaxChars], num[Decimal::kMaxChars];
    auto il = r.obis.to_chars(id);
    auto nl = r.number.to_chars(num);
    if (!il || !nl) continue;
    std::printf("%s{\"id\":\"%.*s\",\"value\":%.*s,\"unit\":\"%.*s\"}", first ? "" : ",", static_cast<int>(*il), id,
                static_cast<int>(*nl), num, static_cast<int>(r.unit_text.size()), r.unit_text.data());
    first = false;
  }
  std::printf("]}\n");
}

}  // namespace

int main(int argc, char** argv) {
  long count = -1;
  bool json = false;
  int timeout_ms = 10000;
  const char* path = nullptr;
  std::string key_hex;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--count" && i + 1 < argc) count = std::strtol(argv[++i], nullptr, 10);
    else if (a == "--json") json = true;
    else if (a == "--timeout-ms" && i + 1 < argc) timeout_ms = std::atoi(argv[++i]);
    else if (a == "--key" && i + 1 < argc) key_hex = argv[++i];
    else path = argv[i];
  }
  if (path == nullptr) {
    std::fprintf(stderr, "usage: p1_reader [--count N] [--json] [--timeout-ms MS] [--key HEX] SERIAL_DEVICE\n");
    return 2;
  }
  int fd = -1;
  if (!open_serial(path, fd)) {
    std::perror(path);
    return 3;
  }
  std::uint8_t key[16] = {};
  const bool encrypted = !key_hex.empty();
  if (encrypted) {
    if (key_hex.size() != 32) return std::fprintf(stderr, "--key needs 32 hex digits\n"), 2;
    for (int k = 0; k < 16; ++k) key[k] = static_cast<std::uint8_t>(std::strtoul(key_hex.substr(2 * k, 2).c_str(), nullptr, 16));
  }
  const Aes128 aes{std::span<const std::uint8_t, 16>(key, 16)};

  // All the memory the reader uses: a frame buffer, a plaintext buffer and 128 readings.
  static std::uint8_t frame_buf[4096], plain_buf[4096];
  static FixedVector<Reading, 128> readings;
  dsmr::Splitter split{frame_buf};
  dsmr::EncryptedSplitter esplit{frame_buf};
  long telegrams = 0, dropped = 0;

  auto on_frame = [&](std::span<const std::uint8_t> frame) {
    std::span<const std::uint8_t> text = frame;
    if (encrypted) {
      auto p = dsmr::decrypt(frame, AesEncryptor(aes), {}, plain_buf);
      if (!p) {
        std::fprintf(stderr, "p1_reader: %s: %s\n", errc_name(p.error().code), p.error().message);
        ++dropped;
        return;
      }
      text = *p;
    }
    readings.clear();
    Telegram t{readings};
    auto st = dsmr::decode(text, t);
    if (!st) {
      std::fprintf(stderr, "p1_reader: %s: %s\n", errc_name(st.error().code), st.error().message);
      ++dropped;
      return;
    }
    ++telegrams;
    if (json) {
      print_json(t);
    } else {
      std::printf("telegram %ld: %.*s", telegrams, static_cast<int>(t.identifier.size()), t.identifier.data());
      if (t.has_timestamp && t.timestamp.has_utc) std::printf(" utc=%lld", static_cast<long long>(t.timestamp.utc_s));
      print_number(t, ObisCode(1, 0, 1, 8, 1), "import_t1");
      print_number(t, ObisCode(1, 0, 1, 8, 2), "import_t2");
      print_number(t, ObisCode(1, 0, 1, 7, 0), "power");
      std::printf(" readings=%zu\n", readings.size());
    }
    std::fflush(stdout);
  };
  auto on_drop = [&](const Error& e) {
    std::fprintf(stderr, "p1_reader: dropped: %s: %s\n", errc_name(e.code), e.message);
    ++dropped;
  };

  std::uint8_t chunk[256];
  while (count < 0 || telegrams < count) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, timeout_ms);
    if (ready == 0) {
      std::fprintf(stderr, "p1_reader: no data for %d ms\n", timeout_ms);
      break;
    }
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    const std::span<const std::uint8_t> in(chunk, static_cast<std::size_t>(n));
    if (encrypted) feed_all(esplit, in, on_frame, on_drop);
    else feed_all(split, in, on_frame, on_drop);
  }
  ::close(fd);
  std::fprintf(stderr, "p1_reader: %ld telegrams, %ld dropped\n", telegrams, dropped);
  return count < 0 || telegrams >= count ? 0 : 1;
}
