/* limiter-truepeak-wav FILE.wav: sample peak and strict 16x true peak
 * (tests/common/strict-truepeak.h) of a 32-bit float WAV, in dB, and its
 * length in frames. Used by bench-limiter.sh to measure overshoot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <math.h>

#include "strict-truepeak.h"

int
main (int argc, char **argv)
{
  if (argc < 2) {
    fprintf (stderr, "usage: %s FILE.wav (32-bit float)\n", argv[0]);
    return 2;
  }
  FILE *f = fopen (argv[1], "rb");
  if (!f) {
    perror (argv[1]);
    return 1;
  }
  fseek (f, 0, SEEK_END);
  long len = ftell (f);
  fseek (f, 0, SEEK_SET);
  unsigned char *b = malloc (len);
  if (fread (b, 1, len, f) != (size_t) len) {
    fclose (f);
    return 1;
  }
  fclose (f);
  int C = 0, bits = 0;
  long pos = 12;
  while (pos + 8 <= len) {
    uint32_t sz = b[pos + 4] | b[pos + 5] << 8 | b[pos + 6] << 16 | (uint32_t) b[pos + 7] << 24;
    if (!memcmp (b + pos, "fmt ", 4)) {
      C = b[pos + 10] | b[pos + 11] << 8;
      bits = b[pos + 22] | b[pos + 23] << 8;
    } else if (!memcmp (b + pos, "data", 4)) {
      if (pos + 8 + (long) sz > len)
        sz = len - pos - 8;
      if (C < 1 || bits != 32) {
        fprintf (stderr, "%s: need 32-bit float WAV\n", argv[1]);
        return 1;
      }
      float *x = malloc (sz);
      memcpy (x, b + pos + 8, sz);
      size_t n = sz / (4 * C);
      double sp = 0;
      for (size_t i = 0; i < n * C; i++)
        sp = fabs (x[i]) > sp ? fabs (x[i]) : sp;
      printf ("frames %zu sample-peak %.4f true-peak %.4f\n", n,
          sp > 0 ? 20 * log10 (sp) : -1000.0, strict_true_peak_db (x, n, C));
      return 0;
    }
    pos += 8 + sz + (sz & 1);
  }
  fprintf (stderr, "%s: no data chunk\n", argv[1]);
  return 1;
}
