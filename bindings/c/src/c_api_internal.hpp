// Shared plumbing of the C API: the exception barrier, the thread-local last
// error, and caller-buffer string output. Every module's C functions use it.
#pragma once

#include <cstddef>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <string_view>

#include "joule.h"
#include "joule/core/error.hpp"

namespace joule::capi {

/// Sets this thread's last-error message.
void set_last_error(std::string message) noexcept;
/// Formats an Error (code, message, location) into the last-error message; returns its status.
joule_status report(const Error& e) noexcept;
/// Status for a plain code with a message.
joule_status report(joule_status s, const char* message) noexcept;
/// Clears the last error; returns JOULE_OK.
joule_status ok() noexcept;

/// Runs `body` (returning joule_status) so that no exception crosses into C.
template <class F>
joule_status guard(F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return report(JOULE_LIMIT_EXCEEDED, "out of memory");
  } catch (const std::exception& e) {
    set_last_error(std::string("internal error: ") + e.what());
    return JOULE_INTERNAL;
  } catch (...) {
    set_last_error("internal error: unknown exception");
    return JOULE_INTERNAL;
  }
}

/// Writes text into (buf, cap) with a NUL, storing the needed length in *len.
inline joule_status write_string(std::string_view text, char* buf, std::size_t cap, std::size_t* len) noexcept {
  if (len) *len = text.size();
  if (buf == nullptr || cap < text.size() + 1) {
    if (buf && cap > 0) buf[0] = '\0';
    return report(JOULE_BUFFER_TOO_SMALL, "output buffer too small; *len holds the needed length");
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  return ok();
}

#define JOULE_C_REQUIRE(cond, msg)                                              \
  do {                                                                          \
    if (!(cond)) return ::joule::capi::report(JOULE_INVALID_ARGUMENT, (msg));  \
  } while (false)

}  // namespace joule::capi
