// joule/core/error.hpp: the one error vocabulary of joule.
//
// Every fallible call in joule, freestanding or host, returns
// `joule::Result<T>` (see result.hpp) whose error is a `joule::Error`: a code
// from `joule::Errc`, a static message and where it happened. Building an
// Error never touches the heap, so the same type serves firmware and servers.
//
// The numeric values of `Errc` are the C API's `joule_status` values; they are
// append-only (a test pins them).
//
// Example:
//   return joule::fail(joule::Errc::checksum_mismatch, "CRC16 of P1 telegram",
//                      joule::Where::byte(offset));
#pragma once

#include <cstddef>
#include <cstdint>

namespace joule {

/// Error codes shared by C++, C (`joule_status`) and Python (exception classes).
enum class Errc : std::int32_t {
  ok = 0,
  invalid_argument = 1,       ///< a parameter or field is out of its domain
  out_of_range = 2,           ///< a value does not fit the target type or range
  malformed = 3,              ///< input bytes/text do not follow the format
  checksum_mismatch = 4,      ///< CRC, BCC or checksum does not match
  authentication_failed = 5,  ///< wrong key or tampered frame (AES-GCM tag, 0x2F2F check)
  buffer_too_small = 6,       ///< the caller's buffer cannot hold the output
  incomplete = 7,             ///< more input is needed (streaming), or input ended early
  unsupported = 8,            ///< valid input that joule does not handle (yet)
  infeasible = 9,             ///< an optimisation problem has no feasible solution
  not_found = 10,             ///< a named item does not exist
  conflict = 11,              ///< the operation contradicts existing state (double counting, duplicate id)
  limit_exceeded = 12,        ///< a capacity, risk or rate limit would be exceeded
  io_error = 13,              ///< reading or writing a file or socket failed
  internal = 14,              ///< a bug in joule: please report it
  rejected = 15,              ///< a business rule refused the request (order, certificate)
  numerical = 16,             ///< a numerical method failed (singular matrix, no convergence)
};

/// Number of Errc values (for tables).
inline constexpr int kErrcCount = 17;

/// Stable lower-case name of an error code ("checksum_mismatch").
constexpr const char* errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::out_of_range: return "out_of_range";
    case Errc::malformed: return "malformed";
    case Errc::checksum_mismatch: return "checksum_mismatch";
    case Errc::authentication_failed: return "authentication_failed";
    case Errc::buffer_too_small: return "buffer_too_small";
    case Errc::incomplete: return "incomplete";
    case Errc::unsupported: return "unsupported";
    case Errc::infeasible: return "infeasible";
    case Errc::not_found: return "not_found";
    case Errc::conflict: return "conflict";
    case Errc::limit_exceeded: return "limit_exceeded";
    case Errc::io_error: return "io_error";
    case Errc::internal: return "internal";
    case Errc::rejected: return "rejected";
    case Errc::numerical: return "numerical";
  }
  return "unknown";
}

/// Where an error happened: nothing, a byte offset into the input, a named
/// field (static string), or an index (time step, order number, row).
struct Where {
  enum class Kind : std::uint8_t { none, byte, field, index };
  Kind kind = Kind::none;
  std::uint64_t position = 0;   ///< byte offset or index
  const char* field = nullptr;  ///< static field name (Kind::field), may also name the array of an index

  static constexpr Where nowhere() noexcept { return {}; }
  static constexpr Where byte(std::size_t offset) noexcept {
    return {Kind::byte, static_cast<std::uint64_t>(offset), nullptr};
  }
  static constexpr Where at_field(const char* name) noexcept { return {Kind::field, 0, name}; }
  static constexpr Where at_index(std::size_t i, const char* array = nullptr) noexcept {
    return {Kind::index, static_cast<std::uint64_t>(i), array};
  }
};

/// An error: code + static message + location. Trivially copyable, no heap.
/// The message must have static storage duration (a string literal).
struct Error {
  Errc code = Errc::internal;
  const char* message = "";
  Where where{};

  constexpr Error() noexcept = default;
  constexpr Error(Errc c, const char* m, Where w = {}) noexcept : code(c), message(m), where(w) {}
};

}  // namespace joule
