/* dsp/truepeak + dsp/limiter: ceiling held in 16x true peak on programme
 * material driven +12 dB (44.1/48/96 kHz, 1/2/6 channels), BS.1770 true
 * peak signals and near-Nyquist sines at +20 dB, transparency under the
 * ceiling, latency = impulse delay, release, link, NaN/Inf input; the
 * output does not depend on how the input is cut (random chunks of 1..300
 * frames against one block, bit for bit, across parameter changes).
 * All levels are measured with tests/common/measure.h (independent 16x
 * windowed-sinc meter). */
#include "limiter.h"
#include "truepeak.h"
#include "check.h"
#include "measure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


#define TP_TOL_DB 0.05

static double worst_over_db = -100.0;   /* max over all cases of tp16 - ceiling */

static float *
falloc (size_t n)
{
  float *p = calloc (n, sizeof (float));
  if (!p)
    abort ();
  return p;
}

/* Runs x (n frames) through a limiter in blocks of `block` frames and writes
 * the time-aligned output (latency removed, tail drained) to y. */
static void
run_aligned (MasterLimiter * lim, float *y, const float *x, size_t n, int C,
    size_t block)
{
  const size_t lat = (size_t) master_limiter_get_latency (lim);
  size_t done = 0, out = 0;
  float *tmp = falloc ((block > lat ? block : lat) * C);
  while (done < n) {
    size_t m = n - done < block ? n - done : block;
    master_limiter_process_f32 (lim, tmp, x + done * C, m);
    /* output frame k of the stream is input frame k - lat */
    for (size_t k = 0; k < m; k++) {
      size_t idx = done + k;
      if (idx >= lat) {
        memcpy (y + out * C, tmp + k * C, C * sizeof (float));
        out++;
      }
    }
    done += m;
  }
  size_t rest = n - out;
  master_limiter_process_f32 (lim, tmp, NULL, rest);
  memcpy (y + out * C, tmp, rest * C * sizeof (float));
  free (tmp);
}

/* The ceiling is judged by measure.h's 16x meter, whose 256-tap half-band
 * first stage is flat to 0.485 fs with images 120 dB down (a short 16x
 * filter misreads content near Nyquist by up to 0.15 dB). */
static void
check_ceiling (const char *what, const float *y, size_t n, int C, double ceiling_db)
{
  double sp = measure_sample_peak_db (y, n, C);
  double tp16 = measure_true_peak_db (y, n, C, 16);
  double tp = measure_true_peak_db (y, n, C, 16);
  int finite = 1;
  for (size_t i = 0; i < n * C; i++)
    if (!isfinite (y[i]))
      finite = 0;
  NOTE ("%-40s sample peak %+8.4f dBFS, true peak %+8.4f dBTP (%+.4f dB vs ceiling; "
      "measure.h 16x %+.4f)", what, sp, tp, tp - ceiling_db, tp16);
  if (tp - ceiling_db > worst_over_db)
    worst_over_db = tp - ceiling_db;
  CHECK (finite, "%s: non-finite output", what);
  CHECK (sp <= ceiling_db + 1e-6, "%s: sample peak %.6f over ceiling %.2f", what, sp, ceiling_db);
  CHECK (tp <= ceiling_db + TP_TOL_DB, "%s: strict 16x true peak %.4f over ceiling %.2f + %.2f",
      what, tp, ceiling_db, TP_TOL_DB);
}

static void
normalise_peak (float *x, size_t n, int C, double peak_db)
{
  double sp = measure_sample_peak_db (x, n, C);
  gen_scale_db (x, n * C, peak_db - sp);
}

/* ---- true-peak detector ---- */

static double
detector_read_db (int factor, const float *x, size_t n, int C)
{
  MasterTruePeak *tp = master_truepeak_new (C, factor);
  const int D = master_truepeak_get_delay (tp);
  float *pk = falloc ((n + D) * C);
  float *xx = falloc ((n + D) * C);
  memcpy (xx, x, n * C * sizeof (float));
  master_truepeak_process_f32 (tp, pk, xx, n + D);
  double m = 0;
  for (size_t i = 0; i < (n + D) * C; i++)
    m = pk[i] > m ? pk[i] : m;
  master_truepeak_free (tp);
  free (pk);
  free (xx);
  return measure_db (m);
}

static void
test_truepeak (void)
{
  const int rate = 48000;
  const size_t n = rate;        /* 1 s */
  float *x = falloc (n * 2);
  static const struct { double div, amp, phase, expect; } cases[] = {
    {4, 0.50, 0, -6.0}, {4, 0.50, 45, -6.0}, {6, 0.50, 60, -6.0},
    {8, 0.50, 67.5, -6.0}, {4, 1.41, 45, 3.0},
  };
  printf ("true-peak detector, BS.1770 cases 15-19 (48 kHz stereo):\n");
  for (int i = 0; i < 5; i++) {
    gen_sine (x, n, 2, rate, rate / cases[i].div, cases[i].amp, cases[i].phase);
    gen_fade_edges (x, n, 2, rate, 1.0);
    double r4 = detector_read_db (4, x, n, 2);
    double r8 = detector_read_db (8, x, n, 2);
    double r16 = measure_true_peak_db (x, n, 2, 16);
    NOTE ("case %d: 4x %+.3f  8x %+.3f  (meter 16x %+.3f, expected %+.1f dBTP)",
        15 + i, r4, r8, r16, cases[i].expect);
    CHECK (r4 >= cases[i].expect - 0.4 && r4 <= cases[i].expect + 0.2, "case %d 4x %.3f", 15 + i, r4);
    CHECK (r8 >= cases[i].expect - 0.4 && r8 <= cases[i].expect + 0.2, "case %d 8x %.3f", 15 + i, r8);
    /* stricter than the standard: within 0.05 dB of the 16x meter */
    CHECK (fabs (r4 - r16) < 0.05, "case %d 4x %.3f vs 16x %.3f", 15 + i, r4, r16);
    CHECK (fabs (r8 - r16) < 0.05, "case %d 8x %.3f vs 16x %.3f", 15 + i, r8, r16);
  }
  /* worst-case sinusoid under-read: the annex interpolator reads -0.55 dB
   * near 0.45 fs; ours within its margin, and the margin is small */
  for (int factor = 4; factor <= 8; factor *= 2) {
    MasterTruePeak *tp = master_truepeak_new (1, factor);
    double mdb = measure_db (master_truepeak_get_margin (tp));
    master_truepeak_free (tp);
    double worst = 0;
    for (double f = 0.40; f <= 0.4601; f += 0.005) {
      for (int ph = 0; ph < 6; ph++) {
        /* short bursts: one crest matters, not the best of many */
        size_t m = 64;
        float b[64];
        for (size_t k = 0; k < m; k++)
          b[k] = (float) (cos (2 * M_PI * f * (k - 32.0) + ph * 0.5) *
              exp (-pow ((k - 32.0) / 10.0, 2)));
        double r = detector_read_db (factor, b, m, 1);
        double ref = measure_true_peak_db (b, m, 1, 32);
        if (r - ref < worst)
          worst = r - ref;
      }
    }
    NOTE ("%dx detector: init margin %.4f dB, worst burst under-read 0.40-0.46 fs %.4f dB "
        "(vs 32x meter)", factor, mdb, worst);
    CHECK (mdb < 0.08, "margin %.4f", mdb);
    CHECK (worst > -(mdb + 0.02), "under-read %.4f beyond margin %.4f", worst, mdb);
  }
  free (x);
}

/* ---- limiter ---- */

static MasterLimiter *
make_limiter (int C, int rate, int ovs, double ceiling, double gain_db)
{
  MasterLimiter *lim = master_limiter_new (C, rate, 5.0, ovs);
  MasterLimiterParams p;
  master_limiter_params_init (&p);
  p.ceiling_db = ceiling;
  p.input_gain_db = gain_db;
  master_limiter_set_params (lim, &p);
  return lim;
}

static void
test_programme (void)
{
  static const int rates[] = { 44100, 48000, 96000 };
  static const int chans[] = { 1, 2, 6 };
  static const MeasureProgramme kinds[] = { PROGRAMME_MUSIC, PROGRAMME_DENSE };
  static const char *kind_names[] = { "music", "dense" };
  printf ("programme normalised to 0 dBFS peak, driven +12 dB into -1 dBTP:\n");
  for (int ri = 0; ri < 3; ri++)
    for (int ci = 0; ci < 3; ci++)
      for (int ki = 0; ki < 2; ki++) {
        const int rate = rates[ri], C = chans[ci];
        const size_t n = (size_t) (rate * 1.5);
        int ovs = (ri + ci + ki) % 2 ? 8 : 4;
        float *x = falloc (n * C), *y = falloc (n * C);
        gen_programme (x, n, C, rate, kinds[ki], 1234 + ri * 7 + ci);
        normalise_peak (x, n, C, 0.0);
        MasterLimiter *lim = make_limiter (C, rate, ovs, -1.0, 12.0);
        run_aligned (lim, y, x, n, C, 1024);
        char what[128];
        snprintf (what, sizeof what, "%s %d Hz %d ch %dx", kind_names[ki], rate, C, ovs);
        check_ceiling (what, y, n, C, -1.0);
        /* the limiter works: loud output, not silence */
        double sp = measure_sample_peak_db (y, n, C);
        CHECK (sp > -1.5, "%s: output too low %.2f", what, sp);
        master_limiter_free (lim);
        free (x);
        free (y);
      }
}

/* Linear-phase windowed-sinc lowpass at `fc` (fraction of fs), in place:
 * what converters and resamplers leave of real recordings near Nyquist. */
static void
lowpass_inplace (float *x, size_t n, int C, double fc)
{
  enum { LP_HALF = 63 };
  double h[2 * LP_HALF + 1], sum = 0;
  for (int k = -LP_HALF; k <= LP_HALF; k++) {
    double t = 2 * fc * k;
    double s = k == 0 ? 1.0 : sin (M_PI * t) / (M_PI * t);
    double w = 0.42 + 0.5 * cos (M_PI * k / (LP_HALF + 1)) + 0.08 * cos (2 * M_PI * k / (LP_HALF + 1));
    h[k + LP_HALF] = s * w;
    sum += s * w;
  }
  float *y = falloc (n * C);
  for (int c = 0; c < C; c++)
    for (size_t i = 0; i < n; i++) {
      double a = 0;
      for (int k = -LP_HALF; k <= LP_HALF; k++) {
        long j = (long) i + k;
        if (j >= 0 && j < (long) n)
          a += h[k + LP_HALF] / sum * x[j * C + c];
      }
      y[i * C + c] = (float) a;
    }
  memcpy (x, y, n * C * sizeof (float));
  free (y);
}

/* Full-band generator material and the same lowpassed at 0.45 fs (what
 * converters leave of real recordings), both held. */
static void
test_strict_reference (void)
{
  const int rate = 48000, C = 2;
  const size_t n = (size_t) rate * 2;
  static const struct { MeasureProgramme kind; int lp; const char *name; } cases[] = {
    {PROGRAMME_MUSIC, 1, "music lowpassed 0.45 fs"}, {PROGRAMME_DENSE, 1, "dense lowpassed 0.45 fs"},
    {PROGRAMME_MUSIC, 0, "music full band"}, {PROGRAMME_DENSE, 0, "dense full band"},
  };
  printf ("16x meter (measure.h: 256-tap half-band stage, flat to 0.485 fs), 48 kHz stereo +12 dB into -1 dBTP:\n");
  for (int i = 0; i < 4; i++)
    for (int ovs = 4; ovs <= 8; ovs *= 2) {
      float *x = falloc (n * C), *y = falloc (n * C);
      gen_programme (x, n, C, rate, cases[i].kind, 77);
      if (cases[i].lp)
        lowpass_inplace (x, n, C, 0.45);
      normalise_peak (x, n, C, 0.0);
      MasterLimiter *lim = make_limiter (C, rate, ovs, -1.0, 12.0);
      run_aligned (lim, y, x, n, C, 1024);
      double strict = measure_true_peak_db (y, n, C, 16);
      NOTE ("%-26s %dx: 16x %+.4f dBTP (%+.4f vs ceiling)", cases[i].name,
          ovs, strict, strict + 1.0);
      CHECK (strict <= -1.0 + TP_TOL_DB, "%s %dx: strict %.4f", cases[i].name, ovs, strict);
      master_limiter_free (lim);
      free (x);
      free (y);
    }
}

static void
test_hard_signals (void)
{
  const int rate = 48000, C = 2;
  const size_t n = rate;
  float *x = falloc (n * C), *y = falloc (n * C);
  static const struct { double div, amp, phase; const char *name; } cases[] = {
    {4, 0.50, 0, "BS.1770 case 15 +20 dB"}, {4, 0.50, 45, "BS.1770 case 16 +20 dB"},
    {6, 0.50, 60, "BS.1770 case 17 +20 dB"}, {8, 0.50, 67.5, "BS.1770 case 18 +20 dB"},
    {4, 1.41, 45, "BS.1770 case 19 +20 dB"}, {4, 1.0, 45, "fs/4 full scale 45 deg +20 dB"},
    {1 / 0.45, 1.0, 10, "0.45 fs full scale +20 dB"}, {1 / 0.48, 1.0, 30, "0.48 fs full scale +20 dB"},
    {1 / 0.499, 1.0, 30, "0.499 fs full scale +20 dB"},
  };
  printf ("hard signals (48 kHz stereo, ceiling -1 dBTP):\n");
  for (int i = 0; i < 9; i++) {
    for (int ovs = 4; ovs <= 8; ovs *= 2) {
      gen_sine (x, n, C, rate, rate / cases[i].div, cases[i].amp, cases[i].phase);
      gen_fade_edges (x, n, C, rate, 1.0);
      MasterLimiter *lim = make_limiter (C, rate, ovs, -1.0, 20.0);
      run_aligned (lim, y, x, n, C, 480);
      char what[128];
      snprintf (what, sizeof what, "%s %dx", cases[i].name, ovs);
      check_ceiling (what, y, n, C, -1.0);
      master_limiter_free (lim);
    }
  }
  /* pathological: +-1 sequences built for large inter-sample overs, and a
   * full-scale square wave at fs/6, and white noise, at +20 dB */
  for (size_t k = 0; k < n; k++) {
    float v;
    size_t ph = k % 4096;
    if (ph < 1024)
      v = ((k / 3) % 2) ? 1.0f : -1.0f;   /* fs/6 square */
    else if (ph < 2048)
      v = ((k % 7) < 3) ? 1.0f : -1.0f;   /* asymmetric pulse train */
    else {
      static uint32_t s = 99;
      v = gen_noise (&s);
    }
    x[k * C] = v;
    x[k * C + 1] = -v;
  }
  /* these put full-scale energy at fs/2 itself (the fs/6 square's third
   * harmonic, white noise 20 dB over the ceiling), beyond the detector's
   * 0.485 fs: a looser bound, printed */
  for (int ovs = 4; ovs <= 8; ovs *= 2) {
    MasterLimiter *lim = make_limiter (C, rate, ovs, -1.0, 20.0);
    run_aligned (lim, y, x, n, C, 333);
    double sp = measure_sample_peak_db (y, n, C);
    double tp = measure_true_peak_db (y, n, C, 16);
    NOTE ("square/pulse/noise +20 dB %dx: sample peak %+.4f dBFS, true peak %+.4f dBTP "
        "(%+.4f dB vs ceiling; content at fs/2)", ovs, sp, tp, tp + 1.0);
    CHECK (sp <= -1.0 + 1e-6, "sample peak %.6f", sp);
    CHECK (tp <= -1.0 + 0.25, "square/pulse/noise %dx: %.4f", ovs, tp);
    master_limiter_free (lim);
  }
  free (x);
  free (y);
}

static void
test_transparent (void)
{
  const int rate = 48000, C = 2;
  const size_t n = rate * 2;
  float *x = falloc (n * C), *y = falloc (n * C);
  double *xd = calloc (n * C, sizeof (double)), *yd = calloc (n * C, sizeof (double));
  gen_sine (x, n, C, rate, 1000.0, pow (10.0, -4.0 / 20.0), 0);       /* -4 dBFS: 3 dB under -1 */
  for (int ovs = 1; ovs <= 8; ovs *= 2) {
    if (ovs == 2)
      continue;
    MasterLimiter *lim = make_limiter (C, rate, ovs, -1.0, 0.0);
    run_aligned (lim, y, x, n, C, 1000);
    double res = 0;
    for (size_t i = 0; i < n * C; i++)
      res = fmax (res, fabs ((double) y[i] - x[i]));
    double mg = master_limiter_take_min_gain (lim);
    NOTE ("1 kHz at ceiling-3 dB, %dx, f32: max |out - in| = %.3g (%.1f dBFS), min gain %.6f",
        ovs, res, measure_db (res), mg);
    CHECK (measure_db (res) < -140.0, "residual %.1f dBFS", measure_db (res));
    CHECK (mg == 1.0, "gain moved: %.9f", mg);
    master_limiter_free (lim);
    /* f64 path: same check with the delay handled by hand */
    lim = make_limiter (C, rate, ovs, -1.0, 0.0);
    for (size_t i = 0; i < n * C; i++)
      xd[i] = x[i];
    master_limiter_process_f64 (lim, yd, xd, n);
    size_t lat = master_limiter_get_latency (lim);
    res = 0;
    for (size_t i = lat * C; i < n * C; i++)
      res = fmax (res, fabs (yd[i] - xd[i - lat * C]));
    NOTE ("1 kHz at ceiling-3 dB, %dx, f64: residual %.1f dBFS", ovs, measure_db (res));
    CHECK (measure_db (res) < -140.0, "f64 residual %.1f dBFS", measure_db (res));
    master_limiter_free (lim);
  }
  free (x);
  free (y);
  free (xd);
  free (yd);
}

static void
test_latency (void)
{
  static const int rates[] = { 44100, 48000, 96000 };
  for (int ri = 0; ri < 3; ri++)
    for (int ovs = 1; ovs <= 8; ovs *= 2) {
      if (ovs == 2)
        continue;
      const int rate = rates[ri];
      const size_t n = 4096;
      float *x = falloc (n), *y = falloc (n);
      x[100] = 0.5f;
      MasterLimiter *lim = make_limiter (1, rate, ovs, -1.0, 0.0);
      master_limiter_process_f32 (lim, y, x, n);
      size_t arg = 0;
      for (size_t i = 0; i < n; i++)
        if (fabsf (y[i]) > fabsf (y[arg]))
          arg = i;
      int lat = master_limiter_get_latency (lim);
      NOTE ("%d Hz %dx: reported latency %d frames (%.3f ms), impulse delay %d frames",
          rate, ovs, lat, lat * 1000.0 / rate, (int) arg - 100);
      CHECK ((int) arg - 100 == lat, "impulse delay %d != latency %d", (int) arg - 100, lat);
      CHECK (y[arg] == 0.5f, "impulse changed: %g", y[arg]);
      master_limiter_free (lim);
      free (x);
      free (y);
    }
}

static void
test_release_link (void)
{
  const int rate = 48000, C = 2;
  const size_t n = rate * 2;
  float *x = falloc (n * C), *y = falloc (n * C);
  /* 0.2 s loud 1 kHz (+6 dB over the ceiling) then quiet: the gain
   * recovers; with a 50 ms release, after 0.5 s it is within 0.1 dB */
  for (int autorel = 0; autorel <= 1; autorel++) {
    gen_sine (x, n, C, rate, 1000.0, 0.5, 0);
    for (size_t k = 0; k < (size_t) (0.2 * rate) * C; k++)
      x[k] *= 4.0f;
    MasterLimiter *lim = master_limiter_new (C, rate, 5.0, 4);
    MasterLimiterParams p;
    master_limiter_params_init (&p);
    p.release_ms = 50;
    p.auto_release = autorel;
    master_limiter_set_params (lim, &p);
    run_aligned (lim, y, x, n, C, 512);
    double g_loud = measure_db (measure_tone_amplitude (y + (size_t) (0.1 * rate) * C,
            rate / 10, C, 0, 1000.0, rate) / 2.0);
    double t_rec = -1;
    for (double t = 0.2; t < 2.0; t += 0.01) {
      double a = measure_tone_amplitude (y + (size_t) (t * rate) * C, rate / 100, C, 0,
          1000.0, rate);
      if (measure_db (a / 0.5) > -0.1) {
        t_rec = t - 0.2;
        break;
      }
    }
    NOTE ("release 50 ms, auto %d: gain during burst %.2f dB, back within 0.1 dB after %.0f ms",
        autorel, g_loud, t_rec * 1000);
    CHECK (g_loud < -6.5 && g_loud > -7.5, "burst gain %.2f", g_loud);
    CHECK (t_rec > 0.02 && t_rec < 0.6, "recovery %.3f s", t_rec);
    master_limiter_free (lim);
  }
  /* link: loud left, quiet right */
  for (int li = 0; li <= 1; li++) {
    for (size_t k = 0; k < n; k++) {
      double s = sin (2 * M_PI * 1000.0 * k / rate);
      x[k * C] = (float) (2.0 * s);
      x[k * C + 1] = (float) (0.1 * s);
    }
    MasterLimiter *lim = master_limiter_new (C, rate, 5.0, 4);
    MasterLimiterParams p;
    master_limiter_params_init (&p);
    p.link = li;
    master_limiter_set_params (lim, &p);
    run_aligned (lim, y, x, n, C, 512);
    double gr = measure_db (measure_tone_amplitude (y + rate * C, rate / 2, C, 1, 1000, rate) / 0.1);
    double gl = measure_db (measure_tone_amplitude (y + rate * C, rate / 2, C, 0, 1000, rate) / 2.0);
    NOTE ("link %d: left gain %.2f dB, right gain %.2f dB", li, gl, gr);
    if (li)
      CHECK (fabs (gr - gl) < 0.05, "linked gains differ %.2f %.2f", gl, gr);
    else
      CHECK (fabs (gr) < 0.01 && gl < -6.0, "unlinked: right moved %.2f", gr);
    master_limiter_free (lim);
  }
  free (x);
  free (y);
}

static void
test_nonfinite (void)
{
  const int rate = 48000, C = 2;
  const size_t n = rate;
  float *x = falloc (n * C), *y = falloc (n * C);
  gen_programme (x, n, C, rate, PROGRAMME_MUSIC, 5);
  normalise_peak (x, n, C, 6.0);
  x[1000] = NAN;
  x[5001] = INFINITY;
  x[20000] = -INFINITY;
  for (size_t k = 30000; k < 30100; k++)
    x[k] = NAN;
  x[40000] = 1e38f;
  MasterLimiter *lim = make_limiter (C, rate, 4, -1.0, 0.0);
  size_t lat = master_limiter_get_latency (lim);
  size_t bad = master_limiter_process_f32 (lim, y, x, n);
  NOTE ("NaN/Inf input: %zu non-finite samples replaced", bad);
  CHECK (bad == 103, "bad count %zu", bad);
  check_ceiling ("programme with NaN/Inf/1e38", y + lat * C, n - lat, C, -1.0);
  /* after it (and 1 s to release from the +120 dB sample), the limiter is
   * transparent again on a quiet tone */
  gen_sine (x, n, C, rate, 1000, 0.25, 0);
  master_limiter_process_f32 (lim, y, x, n);
  master_limiter_process_f32 (lim, y, x, n);
  double a = measure_tone_amplitude (y + n / 2 * C, n / 2, C, 0, 1000, rate);
  NOTE ("quiet tone after bad input: gain %.4f dB", measure_db (a / 0.25));
  CHECK (fabs (measure_db (a / 0.25)) < 0.01, "state poisoned: %.4f", measure_db (a / 0.25));
  master_limiter_free (lim);
  free (x);
  free (y);
}
/* The same programme (driven +12 dB, with a NaN) through two limiters: one
 * block per parameter span against random chunks of 1..300 frames (and
 * runs of single frames). Parameters change at the same frames in both:
 * linked -> link 0.5 -> linked (the per-channel state taken over from
 * channel 0), ceiling and input gain moves, auto release on and off. The
 * outputs must be identical bit for bit: small buffers take their own code
 * paths (streaming sliding minimum, no rounding in the detector). */
static void
test_chunking (void)
{
  static const int chans[] = { 1, 2, 3 };
  const int rate = 48000;
  const size_t n = 2 * rate;
  /* parameter spans: start frame, ceiling, input gain, link, auto release */
  static const struct { size_t at; double ceil, gain, link; int autorel; } span[] = {
    {0, -1.0, 12.0, 1.0, 1}, {20000, -1.0, 12.0, 0.5, 1}, {41000, -3.0, 9.0, 0.5, 0},
    {60011, -3.0, 9.0, 1.0, 0}, {75000, -0.5, 14.0, 0.0, 1},
  };
  const int n_span = (int) (sizeof span / sizeof span[0]);
  uint32_t seed = 99u;
  long calls = 0;
  for (int ci = 0; ci < 3; ci++) {
    const int C = chans[ci];
    for (int ovs = 1; ovs <= 8; ovs *= 2) {
      if (ovs == 2)
        continue;
      float *x = falloc (n * C), *ya = falloc (n * C), *yb = falloc (n * C);
      gen_programme (x, n, C, rate, PROGRAMME_DENSE, 7);
      normalise_peak (x, n, C, 0.0);
      x[33333 * C] = NAN;
      MasterLimiter *a = master_limiter_new (C, rate, 5.0, ovs);
      MasterLimiter *b = master_limiter_new (C, rate, 5.0, ovs);
      for (int si = 0; si < n_span; si++) {
        const size_t from = span[si].at, to = si + 1 < n_span ? span[si + 1].at : n;
        MasterLimiterParams p;
        master_limiter_params_init (&p);
        p.ceiling_db = span[si].ceil;
        p.input_gain_db = span[si].gain;
        p.link = span[si].link;
        p.auto_release = span[si].autorel;
        master_limiter_set_params (a, &p);
        master_limiter_set_params (b, &p);
        master_limiter_process_f32 (a, ya + from * C, x + from * C, to - from);
        for (size_t done = from; done < to;) {
          size_t m = gen_noise (&seed) > 0.9f ? 1 : 1 + (size_t) ((gen_noise (&seed) + 1.0f) * 150.0f);
          m = m > 300 ? 300 : m;
          m = m > to - done ? to - done : m;
          master_limiter_process_f32 (b, yb + done * C, x + done * C, m);
          done += m;
          calls++;
        }
      }
      size_t diff = 0, first = 0;
      for (size_t i = 0; i < n * C; i++)
        if (memcmp (&ya[i], &yb[i], sizeof (float)) != 0 && diff++ == 0)
          first = i;
      CHECK (diff == 0, "C=%d %dx: %zu output samples differ between random chunks and "
          "one block (first at frame %zu)", C, ovs, diff, first / C);
      master_limiter_free (a);
      master_limiter_free (b);
      free (x);
      free (ya);
      free (yb);
    }
  }
  NOTE ("chunking: 1/2/3 channels x 1x/4x/8x, %ld calls of 1..300 frames: output identical "
      "to one block per parameter span", calls);
}

int
main (void)
{
  test_truepeak ();
  test_latency ();
  test_transparent ();
  test_release_link ();
  test_hard_signals ();
  test_nonfinite ();
  test_programme ();
  test_strict_reference ();
  test_chunking ();
  printf ("worst strict 16x true peak relative to the ceiling over all cases: %+.4f dB\n",
      worst_over_db);
  return check_finish ();
}
