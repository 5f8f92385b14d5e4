// joule/core/fixed_vector.hpp: bounded vectors that never allocate.
//
// `VectorRef<T>` is a capacity-erased view of storage the caller owns: a
// pointer, a size and a capacity. Functions take `VectorRef<T>&` so they need
// no template parameter for the capacity. `FixedVector<T, N>` is a
// VectorRef<T> with inline storage for N elements (the ETL pattern).
// push_back on a full vector returns Errc::buffer_too_small; nothing is ever
// reallocated.
//
// Example:
//   joule::FixedVector<joule::meter::Reading, 64> out;
//   decoder.decode(frame, out);        // takes VectorRef<Reading>&
//   for (const auto& r : out) ...
#pragma once

#include <cstddef>
#include <span>
#include <type_traits>

#include "joule/core/result.hpp"

namespace joule {

/// A vector over caller-provided storage of fixed capacity. T must be
/// trivially destructible (the core keeps plain data in these).
template <class T>
class VectorRef {
  static_assert(std::is_trivially_destructible_v<T>, "VectorRef holds trivially destructible types");

 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  /// Uses `storage` as the backing array; starts empty.
  constexpr explicit VectorRef(std::span<T> storage) noexcept : data_(storage.data()), capacity_(storage.size()) {}
  VectorRef(const VectorRef&) = delete;
  VectorRef& operator=(const VectorRef&) = delete;

  constexpr std::size_t size() const noexcept { return size_; }
  constexpr std::size_t capacity() const noexcept { return capacity_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr bool full() const noexcept { return size_ == capacity_; }

  constexpr T* data() noexcept { return data_; }
  constexpr const T* data() const noexcept { return data_; }
  constexpr T& operator[](std::size_t i) noexcept { return data_[i]; }
  constexpr const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  constexpr T& back() noexcept { return data_[size_ - 1]; }
  constexpr const T& back() const noexcept { return data_[size_ - 1]; }
  constexpr iterator begin() noexcept { return data_; }
  constexpr iterator end() noexcept { return data_ + size_; }
  constexpr const_iterator begin() const noexcept { return data_; }
  constexpr const_iterator end() const noexcept { return data_ + size_; }
  constexpr std::span<T> span() noexcept { return {data_, size_}; }
  constexpr std::span<const T> span() const noexcept { return {data_, size_}; }

  /// Appends a copy; buffer_too_small when full (the vector is unchanged).
  constexpr Result<void> push_back(const T& v) noexcept {
    if (size_ == capacity_) return fail(Errc::buffer_too_small, "fixed-capacity vector is full", Where::at_index(size_));
    data_[size_++] = v;
    return {};
  }
  constexpr void pop_back() noexcept {
    if (size_ > 0) --size_;
  }
  constexpr void clear() noexcept { size_ = 0; }
  /// Shrinks to n elements (n <= size()).
  constexpr void truncate(std::size_t n) noexcept {
    if (n < size_) size_ = n;
  }

 protected:
  // For FixedVector, whose storage is a member initialised after this base.
  constexpr VectorRef(T* data, std::size_t capacity) noexcept : data_(data), capacity_(capacity) {}

 private:
  T* data_;
  std::size_t capacity_;
  std::size_t size_ = 0;
};

namespace detail {
template <class T, std::size_t N>
struct FixedStorage {
  T storage_[N > 0 ? N : 1]{};
};
}  // namespace detail

/// A VectorRef with inline storage for N elements.
template <class T, std::size_t N>
class FixedVector : private detail::FixedStorage<T, N>, public VectorRef<T> {
 public:
  constexpr FixedVector() noexcept : detail::FixedStorage<T, N>(), VectorRef<T>(this->storage_, N) {}
  FixedVector(const FixedVector&) = delete;
  FixedVector& operator=(const FixedVector&) = delete;
};

}  // namespace joule
