/* dsp/loudness against an independent libebur128 instance.
 *
 * Generated programmes (music, dense, dynamic, speech, quiet, with inserted
 * silences and a level change) at 44.1, 48, 96 kHz and 11025 Hz, 1, 2 and 6
 * channels: integrated within 0.001 LU, LRA within 0.01 LU, maximum
 * momentary / short-term (sampled every 10 ms on both sides) within
 * 0.001 LU, momentary / short-term at an instant off the 10 ms grid within
 * 0.001 LU, sample peak equal, true peak at least libebur128's (same
 * interpolator, evaluated in double: within 0.001 dB). Then bounded
 * histories (ebur128_set_max_history), and a 1 h stream at 8 kHz whose
 * 36000 gating blocks crowd the 0.01 dB histogram bins, fed in small chunks
 * with the heap checked for growth. */
#include "check.h"
#include "loudness.h"
#include "measure.h"

#include <ebur128.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double worst_i, worst_lra, worst_mmax, worst_smax, worst_m, worst_s,
    worst_tp, worst_tp_low;

static void
set_map (ebur128_state * st, int channels)
{
  int c;

  if (channels == 1)
    ebur128_set_channel (st, 0, EBUR128_CENTER);
  /* 2: L R, 6: L R C LFE Ls Rs are libebur128's defaults, as ours.
   * Ours without positions: 5 = L R C Ls Rs; any other count weighs every
   * channel 1.0, each with its own filter state (libebur128's default map
   * would leave channels 3 and 6.. unused: map them as front channels) */
  if (channels == 5) {
    ebur128_set_channel (st, 3, EBUR128_LEFT_SURROUND);
    ebur128_set_channel (st, 4, EBUR128_RIGHT_SURROUND);
  } else if (channels != 2 && channels != 6) {
    for (c = 0; c < channels; c++)
      ebur128_set_channel (st, (unsigned) c, EBUR128_LEFT);
  }
}

/* feed @m in chunks of varying odd sizes (not aligned to anything) */
static void
feed_odd (MasterLoudness * m, const float *x, size_t n, int channels)
{
  size_t pos = 0, piece = 7;
  while (pos < n) {
    size_t k = piece < n - pos ? piece : n - pos;
    master_loudness_add_f32 (m, x + pos * channels, k);
    pos += k;
    piece = piece * 5 % 3001 + 1;
  }
}

static double
fdiff (double a, double b)
{
  if (isinf (a) && isinf (b) && a == b)
    return 0.0;
  return fabs (a - b);
}

static void
compare (const char *what, int rate, int channels, const float *x, size_t n)
{
  MasterLoudness m = { 0 };
  ebur128_state *st;
  size_t step = (size_t) rate / 100, pos;
  double mmax = -HUGE_VAL, smax = -HUGE_VAL, v, li, ll, lm, ls, ltp = 0.0,
      lsp = 0.0, d;
  int c;

  st = ebur128_init ((unsigned) channels, (unsigned long) rate,
      EBUR128_MODE_M | EBUR128_MODE_S | EBUR128_MODE_I | EBUR128_MODE_LRA |
      EBUR128_MODE_SAMPLE_PEAK | EBUR128_MODE_TRUE_PEAK);
  set_map (st, channels);
  /* reference maxima sampled every 10 ms, as ours */
  for (pos = 0; pos < n; pos += step) {
    size_t k = step < n - pos ? step : n - pos;
    ebur128_add_frames_float (st, x + pos * channels, k);
    if (k == step) {
      ebur128_loudness_momentary (st, &v);
      if (v > mmax)
        mmax = v;
      ebur128_loudness_shortterm (st, &v);
      if (v > smax)
        smax = v;
    }
  }
  ebur128_loudness_global (st, &li);
  ebur128_loudness_range (st, &ll);
  ebur128_loudness_momentary (st, &lm);
  ebur128_loudness_shortterm (st, &ls);
  for (c = 0; c < channels; c++) {
    ebur128_true_peak (st, (unsigned) c, &v);
    if (v > ltp)
      ltp = v;
    ebur128_sample_peak (st, (unsigned) c, &v);
    if (v > lsp)
      lsp = v;
  }
  ebur128_destroy (&st);

  CHECK (master_loudness_init (&m, (unsigned) rate, (unsigned) channels, NULL,
          MASTER_LOUDNESS_TRUE_PEAK | MASTER_LOUDNESS_RANGE) == 0, "init");
  feed_odd (&m, x, n, channels);

  {
    double oi = master_loudness_integrated (&m), ol = master_loudness_range (&m),
        om = master_loudness_momentary (&m), os = master_loudness_short_term (&m),
        omx = master_loudness_momentary_max (&m),
        osx = master_loudness_short_term_max (&m),
        otp = master_loudness_true_peak (&m, -1),
        osp = master_loudness_sample_peak (&m, -1);
    double dtp = 20.0 * log10 (otp / ltp);

    printf ("%-22s %6d Hz %d ch: I %.4f (lib %.4f) LRA %.4f (%.4f) "
        "Mmax %.4f (%.4f) Smax %.4f (%.4f) M %.4f (%.4f) S %.4f (%.4f) "
        "TP %+.6f dB vs lib\n", what, rate, channels, oi, li, ol, ll, omx,
        mmax, osx, smax, om, lm, os, ls, dtp);
    d = fdiff (oi, li);
    worst_i = fmax (worst_i, d);
    CHECK (d < 0.001, "%s %d/%d integrated %f vs %f", what, rate, channels,
        oi, li);
    d = fdiff (ol, ll);
    worst_lra = fmax (worst_lra, d);
    CHECK (d < 0.01, "%s %d/%d LRA %f vs %f", what, rate, channels, ol, ll);
    d = fdiff (omx, mmax);
    worst_mmax = fmax (worst_mmax, d);
    CHECK (d < 0.001, "%s %d/%d Mmax %f vs %f", what, rate, channels, omx,
        mmax);
    d = fdiff (osx, smax);
    worst_smax = fmax (worst_smax, d);
    CHECK (d < 0.001, "%s %d/%d Smax %f vs %f", what, rate, channels, osx,
        smax);
    d = fdiff (om, lm);
    worst_m = fmax (worst_m, d);
    CHECK (d < 0.001, "%s %d/%d M %f vs %f", what, rate, channels, om, lm);
    d = fdiff (os, ls);
    worst_s = fmax (worst_s, d);
    CHECK (d < 0.001, "%s %d/%d S %f vs %f", what, rate, channels, os, ls);
    CHECK (osp == lsp, "%s sample peak %.9g vs %.9g", what, osp, lsp);
    worst_tp = fmax (worst_tp, fabs (dtp));
    worst_tp_low = fmin (worst_tp_low, dtp);
    /* libebur128 rounds each interpolated point to float: ours may differ
     * by that rounding (6e-8 relative, 5e-7 dB), never lower beyond it */
    CHECK (dtp > -1e-6 && dtp < 0.001, "%s true peak %+.7f dB vs lib", what,
        dtp);
  }
  master_loudness_clear (&m);
}

/* programme with two silences and a level change */
static float *
make_programme (int rate, int channels, double seconds, MeasureProgramme kind,
    uint32_t seed, size_t *n_out)
{
  size_t n = (size_t) (seconds * rate) + 37;    /* ends off the 10 ms grid */
  float *x = malloc (n * channels * sizeof (float));
  size_t a, b;

  gen_programme (x, n, channels, rate, kind, seed);
  a = (size_t) (0.3 * n);
  b = a + (size_t) 3 * rate;
  memset (x + a * channels, 0, (b - a) * channels * sizeof (float));
  a = (size_t) (0.55 * n);
  b = a + (size_t) (1.5 * rate);
  memset (x + a * channels, 0, (b - a) * channels * sizeof (float));
  gen_scale_db (x + (size_t) (0.7 * n) * channels,
      (n - (size_t) (0.7 * n)) * channels, -8.0);
  *n_out = n;
  return x;
}

static void
test_programmes (void)
{
  static const char *names[] = { "music", "dense", "dynamic", "speech",
    "quiet"
  };
  static const int rates[] = { 44100, 48000, 96000, 11025 };
  static const int chans[] = { 1, 2, 6 };
  int r, c, k = 0;

  for (r = 0; r < 4; r++) {
    for (c = 0; c < 3; c++) {
      int kind = k++ % 5;
      size_t n;
      double secs = rates[r] >= 96000 && chans[c] == 6 ? 20.0 : 30.0;
      float *x = make_programme (rates[r], chans[c], secs,
          (MeasureProgramme) kind, 1000 + k, &n);
      compare (names[kind], rates[r], chans[c], x, n);
      free (x);
    }
  }
  /* channel counts without a standard layout (and 5.0), positions NULL:
   * every channel weighed and filtered on its own */
  {
    static const int odd_chans[] = { 3, 4, 5, 7, 8 };
    for (c = 0; c < 5; c++) {
      int kind = k++ % 5;
      size_t n;
      float *x = make_programme (48000, odd_chans[c], 20.0,
          (MeasureProgramme) kind, 2000 + k, &n);
      /* channels unequal: the last one 6 dB down, so a channel dropped or
       * counted twice shows */
      for (size_t i = 0; i < n; i++)
        x[i * odd_chans[c] + odd_chans[c] - 1] *= 0.5f;
      compare (names[kind], 48000, odd_chans[c], x, n);
      free (x);
    }
  }
  /* every kind at 48 kHz stereo */
  for (k = 0; k < 5; k++) {
    size_t n;
    float *x = make_programme (48000, 2, 45.0, (MeasureProgramme) k, 77 + k,
        &n);
    compare (names[k], 48000, 2, x, n);
    free (x);
  }
}

/* bounded histories against ebur128_set_max_history(), including a change
 * of the history while measuring */
static void
test_history (void)
{
  const int rate = 48000, ch = 2;
  size_t n, half;
  float *x = make_programme (rate, ch, 180.0, PROGRAMME_DYNAMIC, 5, &n);
  MasterLoudness m = { 0 };
  ebur128_state *st = ebur128_init (ch, rate, EBUR128_MODE_M |
      EBUR128_MODE_S | EBUR128_MODE_I | EBUR128_MODE_LRA);
  double li, ll, oi, ol;

  master_loudness_init (&m, rate, ch, NULL, MASTER_LOUDNESS_RANGE);
  master_loudness_set_history (&m, 90000);
  ebur128_set_max_history (st, 90000);
  half = n / 2;
  ebur128_add_frames_float (st, x, half);
  feed_odd (&m, x, half, ch);
  ebur128_set_max_history (st, 60000);
  master_loudness_set_history (&m, 60000);
  ebur128_add_frames_float (st, x + half * ch, n - half);
  feed_odd (&m, x + half * ch, n - half, ch);
  ebur128_loudness_global (st, &li);
  ebur128_loudness_range (st, &ll);
  oi = master_loudness_integrated (&m);
  ol = master_loudness_range (&m);
  printf ("history 90 s then 60 s over 180 s: I %.4f (lib %.4f) LRA %.4f "
      "(lib %.4f)\n", oi, li, ol, ll);
  worst_i = fmax (worst_i, fdiff (oi, li));
  worst_lra = fmax (worst_lra, fdiff (ol, ll));
  CHECK (fdiff (oi, li) < 0.001, "history integrated %f vs %f", oi, li);
  CHECK (fdiff (ol, ll) < 0.01, "history LRA %f vs %f", ol, ll);
  ebur128_destroy (&st);
  master_loudness_clear (&m);
  free (x);
}

/* 1 h of noise at 8 kHz mono, level changing every 0.37 s, mostly within
 * 10 dB, every 4th segment near the relative gate: 36000 gating blocks
 * crowd the 0.01 dB bins where the gate and the LRA percentiles cut; fed
 * in 1000-frame chunks */
static void
test_long_stream (void)
{
  const int rate = 8000;
  const size_t chunk = 1000, total = (size_t) 3600 * rate;
  float *buf = malloc (chunk * sizeof (float));
  MasterLoudness m = { 0 };
  ebur128_state *st = ebur128_init (1, rate, EBUR128_MODE_M | EBUR128_MODE_S
      | EBUR128_MODE_I | EBUR128_MODE_LRA);
  uint32_t seed = 12345, lev = 999;
  double gain = 0.1, li, ll, oi, ol;
  size_t pos, seg = (size_t) (0.37 * rate), i;
  struct mallinfo2 before, after;
  long long grew = 0;

  ebur128_set_channel (st, 0, EBUR128_CENTER);
  master_loudness_init (&m, rate, 1, NULL, MASTER_LOUDNESS_RANGE);
  for (pos = 0; pos < total; pos += chunk) {
    for (i = 0; i < chunk; i++) {
      if ((pos + i) % seg == 0) {
        /* 3 in 4 segments within 10 dB, the others around the relative
         * gate (about 10 LU under the programme) */
        double u = (gen_noise (&lev) + 1.0) / 2.0;
        double db = (pos + i) / seg % 4 ? -30.0 + 10.0 * u : -44.0 + 8.0 * u;
        gain = pow (10.0, db / 20.0);
      }
      buf[i] = (float) (gain * gen_noise (&seed));
    }
    ebur128_add_frames_float (st, buf, chunk);
    /* libebur128 allocates a list node per block: check only our calls */
    before = mallinfo2 ();
    master_loudness_add_f32 (&m, buf, chunk);
    after = mallinfo2 ();
    grew += (long long) after.uordblks - (long long) before.uordblks;
  }
  ebur128_loudness_global (st, &li);
  ebur128_loudness_range (st, &ll);
  oi = master_loudness_integrated (&m);
  ol = master_loudness_range (&m);
  printf ("1 h stream, 8 kHz: I %.5f (lib %.5f, diff %.2e) LRA %.5f (lib "
      "%.5f, diff %.2e); heap growth inside add: %lld bytes\n", oi,
      li, fabs (oi - li), ol, ll, fabs (ol - ll), grew);
  worst_i = fmax (worst_i, fdiff (oi, li));
  worst_lra = fmax (worst_lra, fdiff (ol, ll));
  CHECK (fdiff (oi, li) < 0.001, "long integrated %f vs %f", oi, li);
  CHECK (fdiff (ol, ll) < 0.01, "long LRA %f vs %f", ol, ll);
  CHECK (grew == 0, "heap grew by %lld bytes", grew);
  ebur128_destroy (&st);
  master_loudness_clear (&m);
  free (buf);
}

/* absurd f64 input (1e200) must not leave the state or readings broken */
static void
test_absurd_input (void)
{
  MasterLoudness m = { 0 };
  const int rate = 48000;
  size_t n = 5 * rate, i;
  double *x = malloc (n * 2 * sizeof (double)), v;

  master_loudness_init (&m, rate, 2, NULL, MASTER_LOUDNESS_RANGE |
      MASTER_LOUDNESS_TRUE_PEAK);
  master_loudness_set_history (&m, 3000);
  for (i = 0; i < n * 2; i++)
    x[i] = 1e200 * sin (i * 0.01);
  master_loudness_add_f64 (&m, x, n);
  for (i = 0; i < 60; i++) {
    size_t j;
    for (j = 0; j < n * 2; j++)
      x[j] = 0.1 * sin (j * 0.05);
    master_loudness_add_f64 (&m, x, n);
  }
  v = master_loudness_integrated (&m);
  printf ("after 5 s at 1e200 and 300 s of a -20 dBFS tone, 3 s history: "
      "I %.3f M %.3f S %.3f LRA %.3f\n", v, master_loudness_momentary (&m),
      master_loudness_short_term (&m), master_loudness_range (&m));
  CHECK (isfinite (v) && v < 0.0, "integrated %f", v);
  CHECK (isfinite (master_loudness_momentary (&m)), "momentary");
  CHECK (isfinite (master_loudness_short_term (&m)), "short-term");
  CHECK (isfinite (master_loudness_range (&m)), "range");
  master_loudness_clear (&m);
  free (x);
}

int
main (void)
{
  worst_tp_low = HUGE_VAL;
  test_programmes ();
  test_history ();
  test_long_stream ();
  test_absurd_input ();
  printf ("worst differences from libebur128: integrated %.2e LU, LRA %.2e "
      "LU, max momentary %.2e LU, max short-term %.2e LU, momentary %.2e "
      "LU, short-term %.2e LU, true peak %.2e dB (lowest %+.2e dB)\n",
      worst_i, worst_lra, worst_mmax, worst_smax, worst_m, worst_s, worst_tp,
      worst_tp_low);
  return check_finish ();
}
