/* limiter-truepeak-wav FILE.wav [INPUT.wav]: sample peak and strict 16x true
 * peak (measure_true_peak_db in tests/common/measure.h) of a 32-bit float WAV, in dB, and
 * its length in frames; with INPUT.wav also the lag of FILE against INPUT
 * (cross-correlation peak of the first channel over +-4096 frames; positive:
 * FILE is late). Used by bench-limiter.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <math.h>

#include "measure.h"

/* Reads a 32-bit float WAV; returns samples, sets frames and channels. */
static float *
read_wav (const char *path, size_t *n_frames, int *channels)
{
  FILE *f = fopen (path, "rb");
  if (!f) {
    perror (path);
    return NULL;
  }
  fseek (f, 0, SEEK_END);
  long len = ftell (f);
  fseek (f, 0, SEEK_SET);
  unsigned char *b = malloc (len);
  if (fread (b, 1, len, f) != (size_t) len) {
    fclose (f);
    free (b);
    return NULL;
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
        fprintf (stderr, "%s: need 32-bit float WAV\n", path);
        free (b);
        return NULL;
      }
      float *x = malloc (sz + 4);
      memcpy (x, b + pos + 8, sz);
      *n_frames = sz / (4 * C);
      *channels = C;
      free (b);
      return x;
    }
    pos += 8 + sz + (sz & 1);
  }
  fprintf (stderr, "%s: no data chunk\n", path);
  free (b);
  return NULL;
}

int
main (int argc, char **argv)
{
  if (argc < 2) {
    fprintf (stderr, "usage: %s FILE.wav [INPUT.wav] (32-bit float)\n", argv[0]);
    return 2;
  }
  size_t n;
  int C;
  float *x = read_wav (argv[1], &n, &C);
  if (!x)
    return 1;
  double sp = 0;
  for (size_t i = 0; i < n * C; i++)
    sp = fabs (x[i]) > sp ? fabs (x[i]) : sp;
  printf ("frames %zu sample-peak %.4f true-peak %.4f", n,
      sp > 0 ? 20 * log10 (sp) : -1000.0, measure_true_peak_db (x, n, C, 16));
  if (argc > 2) {
    size_t ni;
    int Ci;
    float *in = read_wav (argv[2], &ni, &Ci);
    if (!in)
      return 1;
    /* correlate over up to 20 s from 1 s in, every 2nd frame */
    size_t start = 48000, len = n < ni ? n : ni;
    size_t stop = len > 4096 + start + 960000 ? start + 960000 : (len > 8192 + start ? len - 4096 : start);
    int best_lag = 0;
    double best = -1e300;
    for (int lag = -4096; lag <= 4096; lag++) {
      double acc = 0;
      for (size_t k = start; k < stop; k += 2)
        acc += (double) in[k * Ci] * x[(size_t) ((long) k + lag) * C];
      if (acc > best) {
        best = acc;
        best_lag = lag;
      }
    }
    printf (" lag %d input-frames %zu", best_lag, ni);
    free (in);
  }
  printf ("\n");
  free (x);
  return 0;
}
