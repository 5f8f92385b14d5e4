// Test macros for tests that also run on the emulated Cortex-M4.
//
// On the host this is doctest. In the firmware build (JOULE_TEST_TARGET) it is
// a tiny self-registering harness with the same spelling (TEST_CASE, CHECK,
// CHECK_FALSE, CHECK_EQ/NE/LT/LE/GT/GE, REQUIRE, REQUIRE_FALSE, REQUIRE_EQ/NE) that prints through
// semihosting and needs no heap. Core tests use only these macros (no
// SUBCASE, no string building), so one source serves both.
#pragma once

#ifndef JOULE_TEST_TARGET
#include <doctest/doctest.h>
#else
#include <cstdio>

namespace joule::test {
using TestFn = void (*)();
struct Registry {
  static constexpr int kMax = 512;
  const char* names[kMax];
  TestFn fns[kMax];
  int count = 0;
  int failures = 0;
  int checks = 0;
};
Registry& registry();
struct Registrar {
  Registrar(const char* name, TestFn fn) {
    auto& r = registry();
    if (r.count < Registry::kMax) {
      r.names[r.count] = name;
      r.fns[r.count] = fn;
      ++r.count;
    }
  }
};
inline bool check(bool ok, const char* expr, const char* file, int line) {
  auto& r = registry();
  ++r.checks;
  if (!ok) {
    ++r.failures;
    std::printf("%s:%d: CHECK FAILED: %s\n", file, line, expr);
  }
  return ok;
}
}  // namespace joule::test

#define JOULE_TEST_CONCAT2_(a, b) a##b
#define JOULE_TEST_CONCAT_(a, b) JOULE_TEST_CONCAT2_(a, b)
#define JOULE_TEST_CASE_IMPL_(fn, name)                                              \
  static void fn();                                                                  \
  static ::joule::test::Registrar JOULE_TEST_CONCAT_(fn, _reg)(name, &fn);           \
  static void fn()
#define TEST_CASE(name) JOULE_TEST_CASE_IMPL_(JOULE_TEST_CONCAT_(joule_test_fn_, __LINE__), name)
#define CHECK(...) ::joule::test::check(static_cast<bool>(__VA_ARGS__), #__VA_ARGS__, __FILE__, __LINE__)
#define CHECK_FALSE(...) ::joule::test::check(!static_cast<bool>(__VA_ARGS__), "!(" #__VA_ARGS__ ")", __FILE__, __LINE__)
#define CHECK_EQ(a, b) ::joule::test::check((a) == (b), #a " == " #b, __FILE__, __LINE__)
#define CHECK_NE(a, b) ::joule::test::check((a) != (b), #a " != " #b, __FILE__, __LINE__)
#define CHECK_LT(a, b) ::joule::test::check((a) < (b), #a " < " #b, __FILE__, __LINE__)
#define CHECK_LE(a, b) ::joule::test::check((a) <= (b), #a " <= " #b, __FILE__, __LINE__)
#define CHECK_GT(a, b) ::joule::test::check((a) > (b), #a " > " #b, __FILE__, __LINE__)
#define CHECK_GE(a, b) ::joule::test::check((a) >= (b), #a " >= " #b, __FILE__, __LINE__)
#define CHECK_UNARY(...) CHECK(__VA_ARGS__)
#define REQUIRE_EQ(a, b) \
  if (!CHECK_EQ(a, b)) return
#define REQUIRE_NE(a, b) \
  if (!CHECK_NE(a, b)) return
#define REQUIRE(...) \
  if (!CHECK(__VA_ARGS__)) return
#define REQUIRE_FALSE(...) \
  if (!CHECK_FALSE(__VA_ARGS__)) return
#endif
