/* See meter-signals.h. */
#include "meter-signals.h"
#include "measure.h"

#include <math.h>
#include <stdlib.h>

float *
tone_segments (const ToneSegment * seg, int n_seg, int channels, int rate,
    size_t * n_frames)
{
  size_t total = 0, pos = 0;
  float *x;
  int i;

  for (i = 0; i < n_seg; i++)
    total += (size_t) llround (seg[i].seconds * rate);
  x = calloc (total * (size_t) channels + 1, sizeof (float));
  for (i = 0; i < n_seg; i++) {
    size_t n = (size_t) llround (seg[i].seconds * rate);
    if (seg[i].dbfs > -200.0)
      gen_sine (x + pos * (size_t) channels, n, channels, rate, 1000.0,
          pow (10.0, seg[i].dbfs / 20.0), 0.0);
    pos += n;
  }
  *n_frames = total;
  return x;
}
