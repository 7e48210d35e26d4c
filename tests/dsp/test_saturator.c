/* Saturator: aliasing of driven sines (every model and oversampling
 * factor), harmonic signatures, shaper accuracy, bit-exact null, latency,
 * NaN handling, click-free parameter moves, auto gain. */
#include "saturator.h"
#include "check.h"
#include "measure.h"
#include "spectrum.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RATE 48000
/* analysis length: 9600 samples = 5 Hz bins, so 5 kHz, 9 kHz, 1 kHz and
 * all their harmonics and aliases sit exactly on bins */
#define NA 9600

static const char *model_names[] = { "soft-clip", "tube", "tape", "hard-clip" };

static double
alias_db (const double *x, double f0)
{
  return spectrum_alias_db (x, NA, RATE, f0);
}

static double
harmonic_db (const double *x, double f0, int h)
{
  return spectrum_harmonic_db (x, NA, RATE, f0, h);
}

/* Drives a mono sine through a fresh saturator and keeps the last NA
 * output samples (after 1 s of settling). */
static void
run_sine (MasterSaturatorModel model, int factor, double f0, double amp,
    double drive_db, double bias, double *out)
{
  const int n = RATE + NA;
  MasterSaturatorParams p;
  MasterSaturator *s;
  float *buf = malloc (sizeof (float) * n);
  int i;

  master_saturator_params_init (&p);
  p.model = model;
  p.drive_db = drive_db;
  p.bias = bias;
  p.auto_gain = 0;
  s = master_saturator_new (RATE, 1, factor, &p);
  for (i = 0; i < n; i++)
    buf[i] = (float) (amp * sin (2 * M_PI * f0 * i / RATE));
  for (i = 0; i < n; i += 480)
    master_saturator_process_f32 (s, buf + i, buf + i, n - i < 480 ? n - i : 480);
  for (i = 0; i < NA; i++)
    out[i] = buf[RATE + i];
  master_saturator_destroy (&s);
  free (buf);
}

static void
test_aliasing (void)
{
  static const int factors[] = { 1, 2, 4, 8 };
  static const double freqs[] = { 5000.0, 9000.0 };
  static double y[NA];
  int m, fi, k;

  NOTE ("aliased energy relative to output, sine at -6 dBFS driven +12 dB, 48 kHz:");
  for (m = 0; m < 4; m++) {
    for (k = 0; k < 2; k++) {
      char line[256];
      int len = snprintf (line, sizeof (line), "%-9s %4.0f Hz:", model_names[m], freqs[k]);
      for (fi = 0; fi < 4; fi++) {
        double a;
        run_sine (m, factors[fi], freqs[k], 0.5, 12.0, 0.2, y);
        a = alias_db (y, freqs[k]);
        len += snprintf (line + len, sizeof (line) - len, "  %dx %7.1f dB", factors[fi], a);
        if (factors[fi] == 4 && (m == MASTER_SATURATOR_SOFT_CLIP || m == MASTER_SATURATOR_TUBE
                || m == MASTER_SATURATOR_TAPE))
          CHECK (a < -90.0, "%s %.0f Hz at 4x: aliasing %.1f dB", model_names[m], freqs[k], a);
        if (factors[fi] == 8)
          CHECK (a < -90.0, "%s %.0f Hz at 8x: aliasing %.1f dB", model_names[m], freqs[k], a);
        if (factors[fi] == 1 && m == MASTER_SATURATOR_SOFT_CLIP)
          CHECK (a > -60.0, "1x must alias (measurement sanity): %.1f dB", a);
      }
      NOTE ("%s", line);
    }
  }
}

static void
test_harmonics (void)
{
  static double y[NA];
  double h2, h3, h4, h6, worst_even = -400;
  int h;

  /* tube, positive bias: 2nd above 3rd */
  run_sine (MASTER_SATURATOR_TUBE, 4, 1000.0, 0.5, 6.0, 0.3, y);
  h2 = harmonic_db (y, 1000.0, 2);
  h3 = harmonic_db (y, 1000.0, 3);
  NOTE ("tube bias 0.3, 1 kHz -6 dBFS, drive +6 dB: H2 %.1f dB, H3 %.1f dB (re fundamental)", h2, h3);
  CHECK (h2 > h3, "tube H2 %.1f <= H3 %.1f", h2, h3);
  CHECK (h2 > -40.0, "tube H2 %.1f too weak", h2);

  /* soft clip: odd harmonics only */
  run_sine (MASTER_SATURATOR_SOFT_CLIP, 4, 1000.0, 0.5, 12.0, 0.3, y);
  h3 = harmonic_db (y, 1000.0, 3);
  for (h = 2; h <= 20; h += 2) {
    double e = harmonic_db (y, 1000.0, h);
    if (e > worst_even)
      worst_even = e;
  }
  h2 = harmonic_db (y, 1000.0, 2);
  h4 = harmonic_db (y, 1000.0, 4);
  h6 = harmonic_db (y, 1000.0, 6);
  NOTE ("soft-clip 1 kHz -6 dBFS drive +12 dB: H3 %.1f dB, H2 %.1f, H4 %.1f, H6 %.1f, worst even (2..20) %.1f dB",
      h3, h2, h4, h6, worst_even);
  CHECK (worst_even < -100.0, "soft clip even harmonic %.1f dB", worst_even);
  CHECK (h3 > -30.0, "soft clip H3 %.1f dB too weak", h3);

  /* hard clip is odd too */
  run_sine (MASTER_SATURATOR_HARD_CLIP, 4, 1000.0, 0.5, 12.0, 0.3, y);
  worst_even = -400;
  for (h = 2; h <= 20; h += 2) {
    double e = harmonic_db (y, 1000.0, h);
    if (e > worst_even)
      worst_even = e;
  }
  NOTE ("hard-clip: H3 %.1f dB, worst even %.1f dB", harmonic_db (y, 1000.0, 3), worst_even);
  CHECK (worst_even < -100.0, "hard clip even harmonic %.1f dB", worst_even);
}

/* The vectorised shapers against libm: factor 1, no drive, mix 1. */
static void
test_shaper_accuracy (void)
{
  static const MasterSaturatorModel models[] = { MASTER_SATURATOR_SOFT_CLIP, MASTER_SATURATOR_HARD_CLIP };
  int m;
  for (m = 0; m < 2; m++) {
    const int n = 40001;
    MasterSaturatorParams p;
    MasterSaturator *s;
    double *x = malloc (sizeof (double) * n), *y = malloc (sizeof (double) * n);
    double err = 0;
    int i;
    master_saturator_params_init (&p);
    p.model = models[m];
    p.auto_gain = 0;
    s = master_saturator_new (RATE, 1, 1, &p);
    for (i = 0; i < n; i++)
      x[i] = (i - n / 2) * (12.0 / (n / 2));   /* -12 .. 12 */
    master_saturator_process_f64 (s, y, x, n);
    for (i = 0; i < n; i++) {
      double e = fabs (y[i] - master_saturator_curve (models[m], 0, x[i]));
      if (e > err)
        err = e;
    }
    NOTE ("%s shaper: max |error| vs libm over -12..12: %.3g", model_names[models[m]], err);
    CHECK (err < 4e-7, "%s shaper error %.3g", model_names[models[m]], err);
    master_saturator_destroy (&s);
    free (x);
    free (y);
  }
}

static void
test_null_and_latency (void)
{
  static const int factors[] = { 1, 2, 4, 8 };
  int fi;
  for (fi = 0; fi < 4; fi++) {
    const int n = 5000, C = 2;
    MasterSaturatorParams p;
    MasterSaturator *s;
    float *xf = malloc (sizeof (float) * n * C), *yf = malloc (sizeof (float) * n * C);
    double *xd = malloc (sizeof (double) * n * C), *yd = malloc (sizeof (double) * n * C);
    uint32_t seed = 1234;
    int i, L, diff = 0, peak = 0, m;

    master_saturator_params_init (&p);
    p.model = MASTER_SATURATOR_TUBE;
    p.drive_db = 18.0;
    p.mix = 0.0;
    s = master_saturator_new (RATE, C, factors[fi], &p);
    L = master_saturator_latency (s);
    for (i = 0; i < n * C; i++) {
      xf[i] = gen_noise (&seed);
      xd[i] = xf[i] * (1.0 + 1e-9 * i);
    }
    master_saturator_process_f32 (s, yf, xf, n * C > 0 ? 1000 : 0);
    master_saturator_process_f32 (s, yf + 1000 * C, xf + 1000 * C, n - 1000);
    for (i = L * C; i < n * C; i++)
      if (memcmp (&yf[i], &xf[i - L * C], sizeof (float)) != 0)
        diff++;
    master_saturator_reset (s);
    master_saturator_process_f64 (s, yd, xd, n);
    for (i = L * C; i < n * C; i++)
      if (memcmp (&yd[i], &xd[i - L * C], sizeof (double)) != 0)
        diff++;
    NOTE ("factor %d: latency %d; mix 0, output 0 dB: %d samples differ from delayed input (f32 + f64)",
        factors[fi], L, diff);
    CHECK (diff == 0, "null at factor %d: %d differ", factors[fi], diff);

    /* latency: small impulse through the wet path (soft clip, ~linear) */
    p.model = MASTER_SATURATOR_SOFT_CLIP;
    p.drive_db = 0;
    p.mix = 1.0;
    master_saturator_set_params (s, &p);
    master_saturator_reset (s);
    memset (xd, 0, sizeof (double) * n * C);
    xd[100 * C] = 1e-3;
    xd[100 * C + 1] = -1e-3;
    master_saturator_process_f64 (s, yd, xd, n);
    for (m = 0; m < n; m++)
      if (fabs (yd[m * C]) > fabs (yd[peak * C]))
        peak = m;
    CHECK (peak - 100 == L, "factor %d: impulse delay %d != latency %d", factors[fi], peak - 100, L);
    CHECK (yd[peak * C + 1] < 0, "channel 1 kept its own signal");
    master_saturator_destroy (&s);
    free (xf);
    free (yf);
    free (xd);
    free (yd);
  }
}

static void
test_nan (void)
{
  const int n = 4800;
  MasterSaturatorParams p;
  MasterSaturator *s;
  float *x = malloc (sizeof (float) * n * 2);
  int i, bad, nonfinite = 0;
  double tail = 0;

  master_saturator_params_init (&p);
  p.model = MASTER_SATURATOR_TAPE;
  p.drive_db = 12.0;
  s = master_saturator_new (RATE, 2, 4, &p);
  for (i = 0; i < n * 2; i++)
    x[i] = (float) (0.5 * sin (2 * M_PI * 1000.0 * (i / 2) / RATE));
  x[200] = NAN;
  x[201] = INFINITY;
  x[1001] = -INFINITY;
  x[3000] = 3e38f;
  bad = master_saturator_process_f32 (s, x, x, n);
  for (i = 0; i < n * 2; i++)
    if (!isfinite (x[i]))
      nonfinite++;
  for (i = n; i < n * 2; i++)
    tail = fmax (tail, fabs (x[i]));
  NOTE ("NaN/Inf input: %d replaced, %d non-finite outputs, output peak after %.3f", bad, nonfinite, tail);
  CHECK (bad == 3, "replaced %d", bad);
  CHECK (nonfinite == 0, "non-finite outputs %d", nonfinite);
  CHECK (tail > 0.1 && tail < 4.0, "recovers: peak %.3f", tail);
  master_saturator_destroy (&s);
  free (x);
}

/* Parameter jumps must ramp: the largest second difference of the output
 * while drive, bias, mix and gain move is no larger than in the steady
 * states around the move. */
static void
test_smoothing (void)
{
  static const MasterSaturatorModel models[] = { MASTER_SATURATOR_SOFT_CLIP, MASTER_SATURATOR_TUBE };
  int m;
  for (m = 0; m < 2; m++) {
    const int n = RATE;
    MasterSaturatorParams p;
    MasterSaturator *s;
    float *x = malloc (sizeof (float) * n);
    double before = 0, during = 0, after = 0;
    int i;

    master_saturator_params_init (&p);
    p.model = models[m];
    p.drive_db = 0.0;
    p.bias = 0.0;
    p.mix = 0.5;
    s = master_saturator_new (RATE, 1, 4, &p);
    for (i = 0; i < n; i++)
      x[i] = (float) (0.3 * sin (2 * M_PI * 200.0 * i / RATE));
    master_saturator_process_f32 (s, x, x, n / 2);
    p.drive_db = 24.0;
    p.bias = 0.8;
    p.mix = 1.0;
    p.output_gain_db = -6.0;
    master_saturator_set_params (s, &p);
    master_saturator_process_f32 (s, x + n / 2, x + n / 2, n / 2);
    for (i = 2; i < n; i++) {
      double d2 = fabs (x[i] - 2.0 * x[i - 1] + x[i - 2]);
      if (i > 4000 && i < n / 2)
        before = fmax (before, d2);
      else if (i >= n / 2 && i < n / 2 + 2000)
        during = fmax (during, d2);
      else if (i >= n / 2 + 4000)
        after = fmax (after, d2);
    }
    NOTE ("%s: max 2nd difference before %.5f, during the 20 ms move %.5f, after %.5f",
        model_names[models[m]], before, during, after);
    CHECK (during <= 1.2 * fmax (before, after), "%s click: %.5f vs %.5f/%.5f",
        model_names[models[m]], during, before, after);
    master_saturator_destroy (&s);
    free (x);
  }
}

/* Zipper/click detector with a constant input: the output must follow
 * the parameter moves smoothly. A smoothstep of height A over N frames has
 * a second difference of at most 6 A / N^2 (~1e-5 here); any step (zipper
 * noise, a click) would show up at its own size. */
static void
test_zipper (void)
{
  const int n = RATE;
  MasterSaturatorParams p;
  MasterSaturator *s;
  float *x = malloc (sizeof (float) * n);
  double worst = 0, before = 0;
  int i, at = 0;

  master_saturator_params_init (&p);
  p.drive_db = 0.0;
  p.mix = 0.2;
  s = master_saturator_new (RATE, 1, 4, &p);
  for (i = 0; i < n; i++)
    x[i] = 0.25f;
  /* jumps every 50 ms, several in a row and some mid-ramp (25 ms apart) */
  for (i = 0; i < n; i += 480) {
    int k = i / 480;
    if (k == 20) { p.drive_db = 12.0; master_saturator_set_params (s, &p); }
    if (k == 25) { p.mix = 1.0; p.output_gain_db = -6.0; master_saturator_set_params (s, &p); }
    if (k == 30) { p.drive_db = -6.0; master_saturator_set_params (s, &p); }
    if (k == 31) { p.mix = 0.0; master_saturator_set_params (s, &p); }
    if (k == 33) { p.auto_gain = 0; p.mix = 0.7; master_saturator_set_params (s, &p); }
    master_saturator_process_f32 (s, x + i, x + i, 480);
  }
  for (i = 2; i < n; i++) {
    double d2 = fabs (x[i] - 2.0 * x[i - 1] + x[i - 2]);
    if (i < 9000) {
      if (i > 2000)
        before = fmax (before, d2);
      continue;
    }
    if (d2 > worst) {
      worst = d2;
      at = i;
    }
  }
  NOTE ("constant input, drive/mix/gain/auto-gain jumps: max 2nd difference %.2e (at %d), steady %.2e",
      worst, at, before);
  CHECK (worst < 1e-4, "zipper/click: second difference %.2e", worst);
  master_saturator_destroy (&s);
  free (x);
}

/* Model changes while running: the wet fades out and back in around the
 * switch, so no sample step appears (mix 1 and mix 0.5). */
static void
test_model_switch (void)
{
  static const double mixes[] = { 1.0, 0.5 };
  int mi;
  for (mi = 0; mi < 2; mi++) {
    const int n = RATE * 2, seg = RATE / 2;
    static const MasterSaturatorModel order[] = { MASTER_SATURATOR_SOFT_CLIP,
      MASTER_SATURATOR_HARD_CLIP, MASTER_SATURATOR_TUBE, MASTER_SATURATOR_TAPE };
    MasterSaturatorParams p;
    MasterSaturator *s;
    float *x = malloc (sizeof (float) * n);
    double steady = 0, around = 0;
    int i, k;

    master_saturator_params_init (&p);
    p.drive_db = 12.0;
    p.mix = mixes[mi];
    p.bias = 0.5;
    s = master_saturator_new (RATE, 1, 4, &p);
    for (i = 0; i < n; i++)
      x[i] = (float) (0.3 * sin (2 * M_PI * 200.0 * i / RATE));
    for (k = 0; k < 4; k++) {
      p.model = order[k];
      master_saturator_set_params (s, &p);
      for (i = 0; i < seg; i += 256)
        master_saturator_process_f32 (s, x + k * seg + i, x + k * seg + i, seg - i < 256 ? seg - i : 256);
    }
    for (i = 2; i < n; i++) {
      double d2 = fabs (x[i] - 2.0 * x[i - 1] + x[i - 2]);
      if (i < RATE / 10)
        continue;               /* stream onset (latency, then the sine) */
      if (i % seg < RATE / 10)
        around = fmax (around, d2);
      else
        steady = fmax (steady, d2);
    }
    NOTE ("model switches soft->hard->tube->tape at mix %.1f: max 2nd difference around switches %.5f, steady %.5f",
        mixes[mi], around, steady);
    CHECK (around <= 1.2 * steady, "model switch click: %.5f vs %.5f", around, steady);
    master_saturator_destroy (&s);
    free (x);
  }
}

/* Auto gain: integrated loudness of programme material stays about equal
 * as drive goes from 0 to +24 dB. */
static void
test_auto_gain (void)
{
  const int n = RATE * 6, C = 2;
  float *x = malloc (sizeof (float) * n * C), *y = malloc (sizeof (float) * n * C);
  double lin = measure_integrated ((gen_programme (x, n, C, RATE, PROGRAMME_MUSIC, 7), x), n, C, RATE);
  int m;

  gen_scale_db (x, (size_t) n * C, -14.0 - lin);        /* a -14 LUFS master */
  lin = measure_integrated (x, n, C, RATE);
  for (m = 0; m < 4; m++) {
    double lo = 1e9, hi = -1e9, off_hi = -1e9, off_lo = 1e9;
    double d;
    char line[256];
    int len = snprintf (line, sizeof (line), "%-9s input %.1f LUFS, auto-gain on:", model_names[m], lin);
    for (d = 0; d <= 24; d += 6) {
      MasterSaturatorParams p;
      MasterSaturator *s;
      double l, l_off;
      master_saturator_params_init (&p);
      p.model = m;
      p.drive_db = d;
      s = master_saturator_new (RATE, C, 4, &p);
      master_saturator_process_f32 (s, y, x, n);
      l = measure_integrated (y, n, C, RATE);
      p.auto_gain = 0;
      master_saturator_set_params (s, &p);
      master_saturator_reset (s);
      master_saturator_process_f32 (s, y, x, n);
      l_off = measure_integrated (y, n, C, RATE);
      master_saturator_destroy (&s);
      lo = fmin (lo, l);
      hi = fmax (hi, l);
      off_lo = fmin (off_lo, l_off);
      off_hi = fmax (off_hi, l_off);
      len += snprintf (line + len, sizeof (line) - len, " %+.0f dB: %.1f", d, l);
    }
    NOTE ("%s; spread %.1f LU (without auto-gain %.1f LU)", line, hi - lo, off_hi - off_lo);
    CHECK (hi - lo < 3.0, "%s auto-gain spread %.1f LU", model_names[m], hi - lo);
    CHECK (hi - lo < off_hi - off_lo, "auto gain must help");
  }
  free (x);
  free (y);
}

static void
bench (void)
{
  const int n = RATE * 10, C = 2;
  float *x = malloc (sizeof (float) * n * C);
  int fi, i;
  uint32_t seed = 99;
  for (i = 0; i < n * C; i++)
    x[i] = 0.3f * gen_noise (&seed);
  for (fi = 1; fi <= 8; fi *= 2) {
    MasterSaturator *s = master_saturator_new (RATE, C, fi, NULL);
    struct timespec t0, t1;
    double sec;
    clock_gettime (CLOCK_MONOTONIC, &t0);
    for (i = 0; i < n; i += 1024)
      master_saturator_process_f32 (s, x + (size_t) i * C, x + (size_t) i * C, n - i < 1024 ? n - i : 1024);
    clock_gettime (CLOCK_MONOTONIC, &t1);
    sec = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    NOTE ("speed, soft-clip stereo 48 kHz, %dx: %.1f ns/frame, realtime x%.0f (not asserted)",
        fi, 1e9 * sec / n, 10.0 / sec);
    master_saturator_destroy (&s);
  }
  free (x);
}

/* Channels are processed two per vector: every channel of a 3-channel
 * instance (a full pair and a half one) must equal a mono instance fed that
 * channel alone, bit for bit, through parameter ramps and a model switch;
 * and is_neutral() reports a settled mix-0 state only. */
static void
test_channels_and_neutral (void)
{
  static const int factors[] = { 1, 2 };
  int fi;
  for (fi = 0; fi < 2; fi++) {
    const int n = 9000, C = 3;
    MasterSaturatorParams p;
    MasterSaturator *multi, *mono[3];
    float *x = malloc (sizeof (float) * n * C), *y = malloc (sizeof (float) * n * C);
    float *xm = malloc (sizeof (float) * n), *ym = malloc (sizeof (float) * n);
    uint32_t seed = 77;
    int i, c, diff = 0, done, neutral_early, neutral_late, neutral_after;

    master_saturator_params_init (&p);
    p.model = MASTER_SATURATOR_TAPE;
    p.drive_db = 9.0;
    multi = master_saturator_new (RATE, C, factors[fi], &p);
    for (c = 0; c < C; c++)
      mono[c] = master_saturator_new (RATE, 1, factors[fi], &p);
    for (i = 0; i < n * C; i++)
      x[i] = 0.7f * gen_noise (&seed);
    /* same schedule for all: blocks of 300, changes at 3000 and 6000 */
    for (done = 0; done < n; done += 300) {
      if (done == 3000 || done == 6000) {
        p.model = done == 3000 ? MASTER_SATURATOR_TUBE : MASTER_SATURATOR_HARD_CLIP;
        p.drive_db = done == 3000 ? 3.0 : 15.0;
        p.mix = done == 3000 ? 0.4 : 1.0;
        master_saturator_set_params (multi, &p);
      }
      master_saturator_process_f32 (multi, y + done * C, x + done * C, 300);
    }
    for (c = 0; c < C; c++) {
      master_saturator_params_init (&p);
      p.model = MASTER_SATURATOR_TAPE;
      p.drive_db = 9.0;
      for (i = 0; i < n; i++)
        xm[i] = x[i * C + c];
      for (done = 0; done < n; done += 300) {
        if (done == 3000 || done == 6000) {
          p.model = done == 3000 ? MASTER_SATURATOR_TUBE : MASTER_SATURATOR_HARD_CLIP;
          p.drive_db = done == 3000 ? 3.0 : 15.0;
          p.mix = done == 3000 ? 0.4 : 1.0;
          master_saturator_set_params (mono[c], &p);
        }
        master_saturator_process_f32 (mono[c], ym + done, xm + done, 300);
      }
      for (i = 0; i < n; i++)
        if (memcmp (&ym[i], &y[i * C + c], sizeof (float)) != 0)
          diff++;
    }

    /* neutral: only once mix 0 and output 0 dB have settled */
    p.mix = 0.0;
    p.output_gain_db = 0.0;
    master_saturator_set_params (multi, &p);
    neutral_early = master_saturator_is_neutral (multi);
    master_saturator_process_f32 (multi, y, x, RATE / 50 + 10);
    neutral_late = master_saturator_is_neutral (multi);
    p.output_gain_db = -1.0;
    master_saturator_set_params (multi, &p);
    neutral_after = master_saturator_is_neutral (multi);
    NOTE ("factor %d, 3 channels vs 3 mono instances: %d samples differ; is_neutral while "
        "ramping %d, settled %d, after a gain change %d", factors[fi], diff, neutral_early,
        neutral_late, neutral_after);
    CHECK (diff == 0, "factor %d: channel pairs differ from mono in %d samples",
        factors[fi], diff);
    CHECK (!neutral_early && neutral_late && !neutral_after, "is_neutral %d %d %d",
        neutral_early, neutral_late, neutral_after);
    master_saturator_destroy (&multi);
    for (c = 0; c < C; c++)
      master_saturator_destroy (&mono[c]);
    free (x);
    free (y);
    free (xm);
    free (ym);
  }
}

int
main (void)
{
  test_shaper_accuracy ();
  test_channels_and_neutral ();
  test_null_and_latency ();
  test_nan ();
  test_smoothing ();
  test_model_switch ();
  test_zipper ();
  test_harmonics ();
  test_aliasing ();
  test_auto_gain ();
  bench ();
  return check_finish ();
}
