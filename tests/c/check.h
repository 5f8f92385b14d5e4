/* The assertion harness of the C API tests (tests/c/test_c_*.c): CHECK counts and
 * reports failures without stopping, check_report prints the "<name>: N passed, N failed"
 * line that CI reads and gives the exit status. C99, header-only: each test is one
 * translation unit. */
#ifndef JOULE_TESTS_C_CHECK_H
#define JOULE_TESTS_C_CHECK_H

#include <stdio.h>

static int check_passed_ = 0;
static int check_failed_ = 0;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (cond) {                                                                  \
      ++check_passed_;                                                           \
    } else {                                                                     \
      ++check_failed_;                                                           \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);   \
    }                                                                            \
  } while (0)

/* Prints the summary line and returns the process exit status (0 when all passed). */
static int check_report(const char* name) {
  printf("%s: %d passed, %d failed\n", name, check_passed_, check_failed_);
  return check_failed_ == 0 ? 0 : 1;
}

#endif
