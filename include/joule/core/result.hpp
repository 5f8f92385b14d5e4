// joule/core/result.hpp: `joule::Result<T>`, a value or a `joule::Error`.
//
// Result has the member names of C++23 `std::expected<T, joule::Error>`
// (has_value, value, error, value_or, operator*, operator->, and_then,
// transform), so it can become an alias once every toolchain joule targets has
// std::expected. It is freestanding: no heap, no exceptions. Calling value()
// on an error is a contract violation and traps.
//
// Example:
//   joule::Result<int> parse_digit(char c) {
//     if (c < '0' || c > '9') return joule::fail(joule::Errc::malformed, "not a digit");
//     return c - '0';
//   }
//   auto r = parse_digit('7');
//   if (!r) { report(r.error()); } else { use(*r); }
#pragma once

#include <new>
#include <type_traits>
#include <utility>

#include "joule/core/error.hpp"

namespace joule {

/// Wraps an error for returning from a function that returns Result<T>
/// (the counterpart of std::unexpected).
template <class E = Error>
class unexpected {
 public:
  constexpr explicit unexpected(E e) noexcept : error_(e) {}
  constexpr const E& error() const noexcept { return error_; }

 private:
  E error_;
};

/// Shorthand: `return joule::fail(Errc::malformed, "bad OBIS group", Where::byte(3));`
constexpr unexpected<Error> fail(Errc code, const char* message, Where where = {}) noexcept {
  return unexpected<Error>(Error(code, message, where));
}
constexpr unexpected<Error> fail(const Error& e) noexcept { return unexpected<Error>(e); }

namespace detail {
[[noreturn]] inline void bad_result_access() noexcept { __builtin_trap(); }
}  // namespace detail

/// A value of type T or an Error. [[nodiscard]]: ignoring it is a bug.
template <class T>
class [[nodiscard]] Result {
  static_assert(!std::is_reference_v<T>, "Result<T&> is not supported");

 public:
  using value_type = T;
  using error_type = Error;

  constexpr Result() noexcept(std::is_nothrow_default_constructible_v<T>)
    requires std::is_default_constructible_v<T>
      : has_(true) {
    ::new (static_cast<void*>(&value_)) T();
  }
  template <class U = T>
    requires std::is_constructible_v<T, U&&> && (!std::is_same_v<std::remove_cvref_t<U>, Result>) &&
             (!std::is_same_v<std::remove_cvref_t<U>, unexpected<Error>>)
  constexpr Result(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) : has_(true) {  // NOLINT implicit like expected
    ::new (static_cast<void*>(&value_)) T(std::forward<U>(v));
  }
  constexpr Result(const unexpected<Error>& u) noexcept : has_(false) {  // NOLINT implicit like expected
    ::new (static_cast<void*>(&error_)) Error(u.error());
  }
  constexpr Result(const Result& o) : has_(o.has_) {
    if (has_) ::new (static_cast<void*>(&value_)) T(o.value_);
    else ::new (static_cast<void*>(&error_)) Error(o.error_);
  }
  constexpr Result(Result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) : has_(o.has_) {
    if (has_) ::new (static_cast<void*>(&value_)) T(std::move(o.value_));
    else ::new (static_cast<void*>(&error_)) Error(o.error_);
  }
  constexpr Result& operator=(const Result& o) {
    if (this != &o) {
      destroy();
      has_ = o.has_;
      if (has_) ::new (static_cast<void*>(&value_)) T(o.value_);
      else ::new (static_cast<void*>(&error_)) Error(o.error_);
    }
    return *this;
  }
  constexpr Result& operator=(Result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) {
    if (this != &o) {
      destroy();
      has_ = o.has_;
      if (has_) ::new (static_cast<void*>(&value_)) T(std::move(o.value_));
      else ::new (static_cast<void*>(&error_)) Error(o.error_);
    }
    return *this;
  }
  constexpr ~Result() { destroy(); }

  constexpr bool has_value() const noexcept { return has_; }
  constexpr explicit operator bool() const noexcept { return has_; }

  constexpr T& value() & noexcept {
    if (!has_) detail::bad_result_access();
    return value_;
  }
  constexpr const T& value() const& noexcept {
    if (!has_) detail::bad_result_access();
    return value_;
  }
  constexpr T&& value() && noexcept {
    if (!has_) detail::bad_result_access();
    return std::move(value_);
  }
  constexpr T& operator*() & noexcept { return value(); }
  constexpr const T& operator*() const& noexcept { return value(); }
  constexpr T&& operator*() && noexcept { return std::move(*this).value(); }
  constexpr T* operator->() noexcept { return &value(); }
  constexpr const T* operator->() const noexcept { return &value(); }

  /// The error; only meaningful when !has_value().
  constexpr const Error& error() const noexcept {
    if (has_) detail::bad_result_access();
    return error_;
  }

  template <class U>
  constexpr T value_or(U&& fallback) const& {
    return has_ ? value_ : static_cast<T>(std::forward<U>(fallback));
  }

  /// f(T) -> Result<U>; errors pass through.
  template <class F>
  constexpr auto and_then(F&& f) const& {
    using R = std::remove_cvref_t<decltype(f(value_))>;
    if (!has_) return R(unexpected<Error>(error_));
    return f(value_);
  }
  /// f(T) -> U, giving Result<U>; errors pass through.
  template <class F>
  constexpr auto transform(F&& f) const& {
    using U = std::remove_cvref_t<decltype(f(value_))>;
    if (!has_) return Result<U>(unexpected<Error>(error_));
    return Result<U>(f(value_));
  }

 private:
  constexpr void destroy() noexcept {
    if (has_) value_.~T();
  }
  union {
    T value_;
    Error error_;
  };
  bool has_;
};

/// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;
  using error_type = Error;

  constexpr Result() noexcept = default;
  constexpr Result(const unexpected<Error>& u) noexcept : error_(u.error()), has_(false) {}  // NOLINT

  constexpr bool has_value() const noexcept { return has_; }
  constexpr explicit operator bool() const noexcept { return has_; }
  constexpr void value() const noexcept {
    if (!has_) detail::bad_result_access();
  }
  constexpr void operator*() const noexcept {}
  constexpr const Error& error() const noexcept {
    if (has_) detail::bad_result_access();
    return error_;
  }

 private:
  Error error_{Errc::ok, ""};
  bool has_ = true;
};

/// Convenience alias for "success or error".
using Status = Result<void>;

}  // namespace joule

/// Evaluates `expr` (a Result); on error returns that error from the
/// enclosing function (which must return a Result).
#define JOULE_RETURN_IF_ERROR(expr)                                   \
  do {                                                                \
    auto&& joule_status_ = (expr);                                    \
    if (!joule_status_) return ::joule::fail(joule_status_.error()); \
  } while (false)

#define JOULE_CONCAT_INNER_(a, b) a##b
#define JOULE_CONCAT_(a, b) JOULE_CONCAT_INNER_(a, b)

/// `JOULE_TRY(auto x, parse(...));` declares x from the value of a Result or
/// returns its error from the enclosing function.
#define JOULE_TRY(decl, expr) JOULE_TRY_IMPL_(JOULE_CONCAT_(joule_try_, __LINE__), decl, expr)
#define JOULE_TRY_IMPL_(tmp, decl, expr)                \
  auto tmp = (expr);                                    \
  if (!tmp) return ::joule::fail(tmp.error());          \
  decl = std::move(*tmp)
