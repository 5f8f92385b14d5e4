// Counts global heap allocations so a test can prove a code path allocates
// nothing. The counter lives in alloc_counter.cpp, which replaces the global
// operator new/delete of the test executable.
//
//   joule::test::AllocationScope scope;
//   decode(...);
//   CHECK(scope.allocations() == 0);
#pragma once

#include <cstddef>

namespace joule::test {

/// Allocations made through operator new on this thread since program start.
std::size_t allocation_count() noexcept;

/// Counts allocations between its construction and allocations().
class AllocationScope {
 public:
  AllocationScope() noexcept : start_(allocation_count()) {}
  std::size_t allocations() const noexcept { return allocation_count() - start_; }

 private:
  std::size_t start_;
};

}  // namespace joule::test
