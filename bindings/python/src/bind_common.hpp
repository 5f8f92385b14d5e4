// Shared helpers of the Python binding: error mapping (one place) and
// zero-copy numpy views.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "joule/core/error.hpp"
#include "joule/core/result.hpp"

namespace joule::py {

namespace pyb = pybind11;

/// Raises the joule.errors exception class for this error (never returns).
[[noreturn]] void raise_error(const Error& e);

/// The value of a Result, or the mapped Python exception.
template <class T>
T unwrap(Result<T>&& r) {
  if (!r) raise_error(r.error());
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}
inline void unwrap(Result<void>&& r) {
  if (!r) raise_error(r.error());
}

/// A read-only 1-D float64 view of `data` that keeps `owner` alive.
inline pyb::array_t<double> readonly_view(const double* data, std::size_t n, pyb::handle owner) {
  pyb::array_t<double> a({static_cast<pyb::ssize_t>(n)}, {static_cast<pyb::ssize_t>(sizeof(double))}, data, owner);
  pyb::detail::array_proxy(a.ptr())->flags &= ~pyb::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

/// Module initialisers, one per source file (bind_<module>.cpp).
void init_core(pyb::module_& m);

}  // namespace joule::py
