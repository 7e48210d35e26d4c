/* Unit tests of dsp/loudness: the wrapper's own additions (10 ms maxima,
 * channel weights, interval peaks, NaN protection, reset). The EBU Tech
 * 3341/3342 cases are run through the element in tests/conformance/. */
#include "check.h"
#include "loudness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATE 48000

/* sine at @dbfs peak on every channel, frames [0, n) written from offset @start */
static void
tone (float *buf, unsigned int ch, size_t start, size_t n, double dbfs,
    double freq, size_t phase0)
{
  double a = pow (10.0, dbfs / 20.0);
  size_t i;
  unsigned int c;

  for (i = 0; i < n; i++) {
    double v = a * sin (2.0 * M_PI * freq * (double) (i + phase0) / RATE);
    for (c = 0; c < ch; c++)
      buf[(start + i) * ch + c] = (float) v;
  }
}

static void
feed_in_odd_pieces (MasterLoudness * m, const float *buf, size_t n)
{
  /* deliberately not aligned to 10 ms: exercise the step splitting */
  size_t pos = 0, piece = 1;
  while (pos < n) {
    size_t k = piece < n - pos ? piece : n - pos;
    master_loudness_add_f32 (m, buf + pos * m->channels, k);
    pos += k;
    piece = piece * 3 % 1777 + 1;
  }
}

static void
test_tone_and_maxima (void)
{
  MasterLoudness m = { 0 };
  size_t n = 20 * RATE;
  float *buf = calloc (n * 2, sizeof (float));
  double v;

  CHECK (master_loudness_init (&m, RATE, 2, NULL,
          MASTER_LOUDNESS_TRUE_PEAK | MASTER_LOUDNESS_RANGE) == 0, "init");
  tone (buf, 2, 0, n, -23.0, 1000.0, 0);
  feed_in_odd_pieces (&m, buf, n);
  v = master_loudness_integrated (&m);
  printf ("tone -23 dBFS: I %.3f M %.3f S %.3f Mmax %.3f Smax %.3f LRA %.3f"
      " SP %.3f dB TP %.3f dB\n", v, master_loudness_momentary (&m),
      master_loudness_short_term (&m), master_loudness_momentary_max (&m),
      master_loudness_short_term_max (&m), master_loudness_range (&m),
      master_loudness_lin_to_db (master_loudness_sample_peak (&m, -1)),
      master_loudness_lin_to_db (master_loudness_true_peak (&m, -1)));
  CHECK (fabs (v + 23.0) < 0.1, "integrated %f", v);
  CHECK (fabs (master_loudness_momentary_max (&m) + 23.0) < 0.1, "Mmax");
  CHECK (fabs (master_loudness_short_term_max (&m) + 23.0) < 0.1, "Smax");
  /* the 10 ms maxima agree with libebur128's own window at the same instant */
  CHECK (fabs (master_loudness_momentary_max (&m) -
          master_loudness_momentary (&m)) < 0.01, "Mmax vs M");
  CHECK (fabs (master_loudness_lin_to_db (master_loudness_sample_peak (&m,
                  -1)) + 23.0) < 0.01, "sample peak");
  master_loudness_clear (&m);
  free (buf);
}

/* a 400 ms burst starting at 20 ms offsets: the 10 ms grid catches it whole */
static void
test_burst_resolution (void)
{
  int i;
  for (i = 1; i < 20; i += 3) {
    MasterLoudness m = { 0 };
    size_t sil = (size_t) i * RATE / 50, n = sil + RATE * 4 / 10 + RATE;
    float *buf = calloc (n * 2, sizeof (float));
    double mm;
    master_loudness_init (&m, RATE, 2, NULL, 0);
    tone (buf, 2, sil, RATE * 4 / 10, -23.0, 1000.0, 0);
    feed_in_odd_pieces (&m, buf, n);
    mm = master_loudness_momentary_max (&m);
    printf ("burst after %d ms: max momentary %.3f LUFS\n", i * 20, mm);
    CHECK (fabs (mm + 23.0) < 0.1, "max momentary %f", mm);
    master_loudness_clear (&m);
    free (buf);
  }
}

/* 5.1: LFE excluded, surrounds +1.5 dB (x1.41) */
static void
test_surround_weights (void)
{
  const MasterLoudnessPosition pos[6] = { MASTER_LOUDNESS_POS_FRONT_LEFT,
    MASTER_LOUDNESS_POS_FRONT_RIGHT, MASTER_LOUDNESS_POS_FRONT_CENTER,
    MASTER_LOUDNESS_POS_LFE, MASTER_LOUDNESS_POS_SURROUND_LEFT,
    MASTER_LOUDNESS_POS_SURROUND_RIGHT
  };
  size_t n = 5 * RATE, i;
  float *buf = calloc (n * 6, sizeof (float));
  double ref = 0.0, lfe = 0.0, sur = 0.0;
  int c;

  /* same tone on one channel at a time */
  for (c = 0; c < 6; c++) {
    MasterLoudness m = { 0 };
    double a = pow (10.0, -20.0 / 20.0);
    memset (buf, 0, n * 6 * sizeof (float));
    for (i = 0; i < n; i++)
      buf[i * 6 + c] = (float) (a * sin (2.0 * M_PI * 1000.0 * i / RATE));
    master_loudness_init (&m, RATE, 6, pos, MASTER_LOUDNESS_TRUE_PEAK);
    master_loudness_add_f32 (&m, buf, n);
    if (c == 0)
      ref = master_loudness_integrated (&m);
    if (c == 3)
      lfe = master_loudness_integrated (&m);
    if (c == 4)
      sur = master_loudness_integrated (&m);
    CHECK (fabs (master_loudness_lin_to_db (master_loudness_sample_peak (&m,
                    c)) + 20.0) < 0.01, "peak of channel %d", c);
    master_loudness_clear (&m);
  }
  printf ("5.1 single channel tone -20 dBFS: L %.3f LFE %g Ls %.3f (Ls-L %.3f dB)\n",
      ref, lfe, sur, sur - ref);
  CHECK (isinf (lfe) && lfe < 0, "LFE must be excluded: %f", lfe);
  CHECK (fabs (sur - ref - 10.0 * log10 (1.41)) < 0.01, "surround weight");
  free (buf);
}

static void
test_nonfinite_and_reset (void)
{
  MasterLoudness m = { 0 };
  size_t n = 10 * RATE;
  double *buf = calloc (n * 2, sizeof (double));
  double sp[2], tp[2], v;
  size_t i;

  for (i = 0; i < n; i++)
    buf[2 * i] = buf[2 * i + 1] = 0.1 * sin (2.0 * M_PI * 1000.0 * i / RATE);
  buf[1000] = NAN;
  buf[5001] = INFINITY;
  buf[9000] = -INFINITY;
  master_loudness_init (&m, RATE, 2, NULL, MASTER_LOUDNESS_TRUE_PEAK |
      MASTER_LOUDNESS_RANGE);
  master_loudness_add_f64 (&m, buf, n);
  v = master_loudness_integrated (&m);
  printf ("tone with NaN/Inf: I %.3f, %llu non-finite replaced\n", v,
      m.n_nonfinite);
  CHECK (isfinite (v) && fabs (v - (-20.0 + 3.01 - 3.01)) < 0.2, "I %f", v);
  CHECK (m.n_nonfinite == 3, "counted %llu", m.n_nonfinite);
  master_loudness_take_interval_peaks (&m, sp, tp);
  CHECK (fabs (sp[0] - 0.1) < 1e-3 && tp[1] >= sp[1], "interval peaks %f %f",
      sp[0], tp[1]);
  master_loudness_take_interval_peaks (&m, sp, tp);
  CHECK (sp[0] == 0.0 && tp[0] == 0.0, "interval restarted");
  CHECK (master_loudness_reset (&m) == 0, "reset");
  v = master_loudness_integrated (&m);
  CHECK (isinf (v) && v < 0, "after reset %f", v);
  CHECK (isinf (master_loudness_momentary_max (&m)), "max after reset");
  CHECK (master_loudness_sample_peak (&m, -1) == 0.0, "peak after reset");
  master_loudness_clear (&m);
  free (buf);
}

/* the _live readings refresh once blocks/live_refresh_div new blocks came */
static void
test_live_refresh (void)
{
  MasterLoudness m = { 0 };
  size_t n = 60 * RATE;
  float *buf = calloc (n * 2, sizeof (float));
  double live0, live1, live2, exact2, lra_live, lra;

  master_loudness_init (&m, RATE, 2, NULL, MASTER_LOUDNESS_RANGE);
  m.live_refresh_div = 10;      /* refresh every 60 blocks after 60 s
                                 * (LRA: every 6 s) */
  tone (buf, 2, 0, n, -30.0, 1000.0, 0);
  master_loudness_add_f32 (&m, buf, n);
  live0 = master_loudness_integrated_live (&m);
  tone (buf, 2, 0, RATE, -10.0, 1000.0, 0);
  master_loudness_add_f32 (&m, buf, RATE);      /* 10 new blocks: stale */
  live1 = master_loudness_integrated_live (&m);
  tone (buf, 2, 0, 6 * RATE, -10.0, 1000.0, 0);
  master_loudness_add_f32 (&m, buf, 6 * RATE);  /* 70 new blocks: refresh */
  live2 = master_loudness_integrated_live (&m);
  exact2 = master_loudness_integrated (&m);
  lra_live = master_loudness_range_live (&m);
  lra = master_loudness_range (&m);
  printf ("live integrated: %.3f, +1 s loud: live %.3f, +7 s: live "
      "%.3f exact %.3f; LRA live %.3f exact %.3f\n", live0, live1,
      live2, exact2, lra_live, lra);
  CHECK (fabs (live0 + 30.0) < 0.1, "live0 %f", live0);
  CHECK (live1 == live0, "stale %f %f", live1, live0);
  CHECK (live2 == exact2 && live2 > live0 + 5.0, "refreshed %f %f", live2,
      exact2);
  CHECK (fabs (lra_live - lra) < 1e-9, "LRA %f %f", lra_live, lra);
  master_loudness_clear (&m);
  free (buf);
}

int
main (void)
{
  test_tone_and_maxima ();
  test_burst_resolution ();
  test_surround_weights ();
  test_nonfinite_and_reset ();
  test_live_refresh ();
  return check_finish ();
}
