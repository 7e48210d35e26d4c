/* Minimal assertions for plain C (dsp/) tests.
 *
 * CHECK(cond, fmt, ...) records a failure with the message when cond is
 * false and goes on, so one run reports every failing case; main() ends with
 * `return check_finish ();`, which prints the tally and returns non-zero when
 * anything failed. Print measured figures with NOTE() so reports can quote
 * them. */
#ifndef MASTER_TEST_CHECK_H
#define MASTER_TEST_CHECK_H

#include <stdio.h>

static int check_count_ = 0;
static int check_failures_ = 0;

#define CHECK(cond, ...)                                                     \
  do {                                                                       \
    check_count_++;                                                          \
    if (!(cond)) {                                                           \
      check_failures_++;                                                     \
      fprintf (stderr, "FAIL %s:%d: (%s) ", __FILE__, __LINE__, #cond);      \
      fprintf (stderr, __VA_ARGS__);                                         \
      fputc ('\n', stderr);                                                  \
    }                                                                        \
  } while (0)

#define NOTE(...)                                                            \
  do {                                                                       \
    printf ("  ");                                                           \
    printf (__VA_ARGS__);                                                    \
    putchar ('\n');                                                          \
    fflush (stdout);                                                         \
  } while (0)

static inline int
check_finish (void)
{
  printf ("%d checks, %d failed\n", check_count_, check_failures_);
  return check_failures_ ? 1 : 0;
}

#endif
