/* dsp/loudnorm: static gain exactness, smooth ramps, live AGC settling,
 * silence/gap hold, NaN safety, channel layouts. Loudness of the results is
 * measured with an independent libebur128 instance (tests/common/measure.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "loudnorm.h"
#include "measure.h"

#define RATE 48000

static double
max_abs_ratio_err (const float *out, const float *in, size_t n, double g)
{
  double worst = 0.0;
  for (size_t i = 0; i < n; i++) {
    double e = fabs ((double) out[i] - (double) in[i] * g);
    if (e > worst)
      worst = e;
  }
  return worst;
}

static void
test_static_exact (void)
{
  const int ch = 2;
  const size_t n = RATE * 5;
  float *in = malloc (n * ch * sizeof (float));
  float *out = malloc (n * ch * sizeof (float));
  gen_programme (in, n, ch, RATE, PROGRAMME_MUSIC, 1);
  double measured = measure_integrated (in, n, ch, RATE);

  const double targets[] = { -23.0, -16.0, -14.0, -9.0 };
  for (size_t t = 0; t < 4; t++) {
    MasterLoudnorm *s = master_loudnorm_new (ch, RATE);
    MasterLoudnormParams p;
    master_loudnorm_params_init (&p);
    p.target_lufs = targets[t];
    p.measured_lufs = measured;
    master_loudnorm_set_params (s, &p);
    master_loudnorm_reset (s);
    /* odd block sizes */
    size_t done = 0;
    while (done < n) {
      size_t b = 777 + (done % 5);
      if (b > n - done)
        b = n - done;
      master_loudnorm_process_f32 (s, out + done * ch, in + done * ch, (int) b);
      done += b;
    }
    double got = measure_integrated (out, n, ch, RATE);
    double g = pow (10.0, (targets[t] - measured) / 20.0);
    double err = max_abs_ratio_err (out, in, n * ch, g);
    NOTE ("static: input %.3f LUFS, target %.1f -> output %.4f LUFS (err %.4f LU), "
        "sample err %.2e, reported gain %.4f dB", measured, targets[t], got,
        got - targets[t], err, master_loudnorm_get_gain_db (s));
    CHECK (fabs (got - targets[t]) < 0.01, "static integrated %.4f vs %.1f",
        got, targets[t]);
    CHECK (err < 1e-5, "static gain not exact: %.3e", err);
    master_loudnorm_free (s);
  }
  free (in);
  free (out);
}

/* A target change while running ramps: no step bigger than the ramp slope. */
static void
test_static_ramp (void)
{
  const int ch = 1;
  const size_t n = RATE;
  float *in = malloc (n * sizeof (float));
  float *out = malloc (n * sizeof (float));
  for (size_t i = 0; i < n; i++)
    in[i] = 0.5f;
  MasterLoudnorm *s = master_loudnorm_new (ch, RATE);
  MasterLoudnormParams p;
  master_loudnorm_params_init (&p);
  p.target_lufs = -20.0;
  p.measured_lufs = -20.0;
  master_loudnorm_set_params (s, &p);
  master_loudnorm_reset (s);
  master_loudnorm_process_f32 (s, out, in, RATE / 10);
  p.target_lufs = -14.0;        /* +6 dB */
  master_loudnorm_set_params (s, &p);
  master_loudnorm_process_f32 (s, out + RATE / 10, in + RATE / 10,
      (int) n - RATE / 10);
  double max_step = 0.0;
  for (size_t i = 1; i < n; i++) {
    double d = fabs (out[i] - out[i - 1]);
    if (d > max_step)
      max_step = d;
  }
  double ramp_frames = p.ramp_s * RATE;
  double expect_step = 0.5 * (pow (10, 6 / 20.0) - 1.0) / ramp_frames;
  double final_g = out[n - 1] / 0.5;
  NOTE ("ramp: largest step %.2e (linear ramp step %.2e), final gain %.4f dB",
      max_step, expect_step, 20 * log10 (final_g));
  CHECK (max_step < expect_step * 1.01, "step %.3e", max_step);
  CHECK (fabs (20 * log10 (final_g) - 6.0) < 1e-4, "final gain %.5f",
      20 * log10 (final_g));
  CHECK (out[RATE / 10 - 1] == 0.5f, "gain before change not unity");
  master_loudnorm_free (s);
  free (in);
  free (out);
}

/* Live: alternating quiet and loud programme settles within 1 LU of target
 * (short-term, independent meter) before each change; gain frozen over a
 * 10 s silence; no pumping across a 2 s silence between two equal tracks. */
static void
test_live (int f64)
{
  const int ch = 2;
  const double seg_s = 30.0;
  const double levels[] = { -30.0, -12.0, -28.0, -16.0 };     /* scale dB */
  const int n_seg = 4;
  const size_t seg = (size_t) (seg_s * RATE);
  const size_t sil = 10 * RATE;
  const size_t n = seg * n_seg + sil + seg;
  float *in = calloc (n * ch, sizeof (float));
  float *out = calloc (n * ch, sizeof (float));
  float *tmp = malloc (seg * ch * sizeof (float));
  for (int k = 0; k < n_seg; k++) {
    gen_programme (tmp, seg, ch, RATE, PROGRAMME_DENSE, 10 + k);
    double l = measure_integrated (tmp, seg, ch, RATE);
    gen_scale_db (tmp, seg * ch, levels[k] - l);
    memcpy (in + k * seg * ch, tmp, seg * ch * sizeof (float));
  }
  /* silence, then the last segment's material again (same loudness) */
  memcpy (in + (n_seg * seg + sil) * ch, in + (n_seg - 1) * seg * ch,
      seg * ch * sizeof (float));

  MasterLoudnorm *s = master_loudnorm_new (ch, RATE);
  MasterLoudnormParams p;
  master_loudnorm_params_init (&p);
  p.mode = MASTER_LOUDNORM_MODE_LIVE;
  p.target_lufs = -18.0;
  p.max_rate_db_s = 3.0;
  master_loudnorm_set_params (s, &p);
  master_loudnorm_reset (s);

  const size_t block = 1024;
  double *dbuf = f64 ? malloc (block * ch * sizeof (double)) : NULL;
  double gain_at_sil_start = 0, gain_min_sil = 1e9, gain_max_sil = -1e9;
  double max_gain_jump = 0.0, prev_gain = 0.0;
  int nonfinite = 0;
  for (size_t done = 0; done < n; done += block) {
    size_t b = block < n - done ? block : n - done;
    if (f64) {
      for (size_t i = 0; i < b * ch; i++)
        dbuf[i] = in[done * ch + i];
      nonfinite |= master_loudnorm_process_f64 (s, dbuf, dbuf, (int) b);
      for (size_t i = 0; i < b * ch; i++)
        out[done * ch + i] = (float) dbuf[i];
    } else {
      nonfinite |= master_loudnorm_process_f32 (s, out + done * ch,
          in + done * ch, (int) b);
    }
    double gdb = master_loudnorm_get_gain_db (s);
    if (done > 0 && fabs (gdb - prev_gain) > max_gain_jump)
      max_gain_jump = fabs (gdb - prev_gain);
    prev_gain = gdb;
    size_t end = done + b;
    if (end > n_seg * seg && end <= n_seg * seg + sil) {
      if (gain_min_sil > 1e8)
        gain_at_sil_start = gdb;
      if (gdb < gain_min_sil)
        gain_min_sil = gdb;
      if (gdb > gain_max_sil)
        gain_max_sil = gdb;
    }
  }
  CHECK (nonfinite == 0, "unexpected non-finite flag");

  for (int k = 0; k < n_seg; k++) {
    /* short-term at 20, 25 and 30 s into each segment */
    double worst = 0.0;
    for (int j = 0; j < 3; j++) {
      size_t end = k * seg + (size_t) ((20.0 + 5.0 * j) * RATE);
      double st = measure_short_term_at (out, end, ch, RATE);
      if (fabs (st - p.target_lufs) > fabs (worst))
        worst = st - p.target_lufs;
    }
    NOTE ("live %s: segment %d input %.1f LUFS: worst short-term error in the "
        "last 10 s %+.2f LU", f64 ? "f64" : "f32", k, levels[k], worst);
    CHECK (fabs (worst) <= 1.0, "segment %d not settled: %+.2f LU", k, worst);
  }
  NOTE ("live: gain over 10 s silence %.3f..%.3f dB (at start %.3f)",
      gain_min_sil, gain_max_sil, gain_at_sil_start);
  CHECK (gain_max_sil - gain_min_sil < 0.05, "gain moved in silence: %.3f dB",
      gain_max_sil - gain_min_sil);
  /* after the silence the same material: no pump, gain stays put */
  double gmin = 1e9, gmax = -1e9;
  {
    /* re-run the tail to record the gain trajectory */
    MasterLoudnorm *s2 = master_loudnorm_new (ch, RATE);
    master_loudnorm_set_params (s2, &p);
    master_loudnorm_reset (s2);
    for (size_t done = 0; done < n; done += block) {
      size_t b = block < n - done ? block : n - done;
      master_loudnorm_process_f32 (s2, out + done * ch, in + done * ch,
          (int) b);
      if (done >= (n_seg - 1) * seg + 20 * RATE) {
        double gdb = master_loudnorm_get_gain_db (s2);
        if (gdb < gmin)
          gmin = gdb;
        if (gdb > gmax)
          gmax = gdb;
      }
    }
    master_loudnorm_free (s2);
  }
  NOTE ("live: gain range from 10 s before the silence to the end of the "
      "next track %.2f dB; largest gain change per 1024 frames %.3f dB",
      gmax - gmin, max_gain_jump);
  CHECK (gmax - gmin < 1.0, "pumped across track boundary: %.2f dB",
      gmax - gmin);
  CHECK (max_gain_jump <= p.max_rate_db_s * 1024.0 / RATE * 1.05,
      "gain rate exceeded: %.3f dB per block", max_gain_jump);
  free (dbuf);
  free (in);
  free (out);
  free (tmp);
  master_loudnorm_free (s);
}

static void
test_nonfinite (void)
{
  const int ch = 2;
  const size_t n = RATE * 2;
  float *in = malloc (n * ch * sizeof (float));
  float *out = malloc (n * ch * sizeof (float));
  gen_programme (in, n, ch, RATE, PROGRAMME_MUSIC, 3);
  in[1000] = NAN;
  in[5001] = INFINITY;
  in[RATE * 2 + 7] = -INFINITY;
  for (int mode = 0; mode < 2; mode++) {
    MasterLoudnorm *s = master_loudnorm_new (ch, RATE);
    MasterLoudnormParams p;
    master_loudnorm_params_init (&p);
    p.mode = mode;
    p.measured_lufs = -20.0;
    master_loudnorm_set_params (s, &p);
    master_loudnorm_reset (s);
    int flags = master_loudnorm_process_f32 (s, out, in, (int) n);
    int finite = 1;
    for (size_t i = 0; i < n * ch; i++)
      finite &= isfinite (out[i]) != 0;
    double g = master_loudnorm_get_gain_db (s);
    NOTE ("nonfinite %s: flags %d, output finite %d, gain %.2f dB, "
        "estimate %.2f LUFS", mode ? "live" : "static", flags, finite, g,
        master_loudnorm_get_loudness (s));
    CHECK (flags & MASTER_LOUDNORM_NONFINITE_INPUT, "flag not set");
    CHECK (finite, "non-finite output");
    CHECK (isfinite (g), "gain poisoned");
    CHECK (mode == 0 || isfinite (master_loudnorm_get_loudness (s)),
        "estimate poisoned");
    master_loudnorm_free (s);
  }
  free (in);
  free (out);
}

/* Channel counts 1..8 and f32 vs f64 agree on a static gain and a ramp. */
static void
test_layouts (void)
{
  for (int ch = 1; ch <= 8; ch++) {
    const size_t n = 5000;
    float *in = malloc (n * ch * sizeof (float));
    float *out = malloc (n * ch * sizeof (float));
    double *d = malloc (n * ch * sizeof (double));
    gen_programme (in, n, ch, RATE, PROGRAMME_MUSIC, 5);
    for (size_t i = 0; i < n * ch; i++)
      d[i] = in[i];
    MasterLoudnorm *a = master_loudnorm_new (ch, RATE);
    MasterLoudnorm *b = master_loudnorm_new (ch, RATE);
    MasterLoudnormParams p;
    master_loudnorm_params_init (&p);
    p.measured_lufs = -20.0;
    master_loudnorm_set_params (a, &p);
    master_loudnorm_set_params (b, &p);
    master_loudnorm_reset (a);
    master_loudnorm_reset (b);
    master_loudnorm_process_f32 (a, out, in, 1000);
    master_loudnorm_process_f64 (b, d, d, 1000);
    p.target_lufs = -10.0;
    master_loudnorm_set_params (a, &p);
    master_loudnorm_set_params (b, &p);
    master_loudnorm_process_f32 (a, out + 1000 * ch, in + 1000 * ch, 4000);
    master_loudnorm_process_f64 (b, d + 1000 * ch, d + 1000 * ch, 4000);
    double worst = 0.0;
    for (size_t i = 0; i < n * ch; i++) {
      double e = fabs (out[i] - d[i]);
      if (e > worst)
        worst = e;
    }
    /* last frame: +10 dB on every channel */
    double g_end = pow (10, 10 / 20.0);
    double worst_end = max_abs_ratio_err (out + (n - 1) * ch,
        in + (n - 1) * ch, ch, g_end);
    CHECK (worst < 1e-5, "%d ch: f32/f64 differ by %.2e", ch, worst);
    CHECK (worst_end < 1e-5, "%d ch: final gain wrong (%.2e)", ch, worst_end);
    if (ch == 1 || ch == 2 || ch == 6)
      NOTE ("layout %d ch: f32 vs f64 max diff %.2e, final gain err %.2e", ch,
          worst, worst_end);
    master_loudnorm_free (a);
    master_loudnorm_free (b);
    free (in);
    free (out);
    free (d);
  }
  CHECK (master_loudnorm_new (0, RATE) == NULL, "accepted 0 channels");
  CHECK (master_loudnorm_new (2, 100) == NULL, "accepted 100 Hz");
}

int
main (void)
{
  test_static_exact ();
  test_static_ramp ();
  test_live (0);
  test_live (1);
  test_nonfinite ();
  test_layouts ();
  return check_finish ();
}
