/* EBU Tech 3341 ("EBU mode" loudness meter) conformance of `mastermeter`,
 * run through the element: cases 1-6, 9, 10, 12, 13, the -18 dBFS
 * calibration, and true-peak cases 15-19 (BS.1770 annex 2), plus the
 * negative check that a sample-peak meter fails cases 16-19. Signals are
 * synthesised from the case descriptions (QUALITY.md), 48 kHz; tolerances:
 * +-0.1 LU, true peak +0.2/-0.4 dB. */
#include <gst/gst.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "master-test.h"
#include "meter-run.h"
#include "meter-signals.h"
#include "measure.h"

#define RATE 48000
#define TOL 0.1

static gboolean
near (double v, double want, double tol)
{
  return isfinite (v) && fabs (v - want) <= tol;
}

/* Cases whose check is the integrated loudness (and M, S at the end for 1, 2) */
static void
integrated_case (const char *name, const ToneSegment * seg, int n_seg,
    int channels, const char *caps, double want, gboolean check_ms)
{
  MeterRunOptions opt = { .interval = 0, .caps = caps, .buffer_frames = 1000 };
  MeterRun r;
  size_t n;
  float *x = tone_segments (seg, n_seg, channels, RATE, &n);
  double m, s, i;

  CHECK (meter_run (x, n, channels, RATE, &opt, &r), "%s: run", name);
  i = meter_field (r.final, "integrated");
  m = meter_field (r.final, "momentary");
  s = meter_field (r.final, "short-term");
  NOTE ("case %-4s I %.3f LUFS (property %.3f), M %.3f, S %.3f; expected %.1f",
      name, i, r.integrated, m, s, want);
  CHECK (near (i, want, TOL), "case %s: I %.3f, expected %.1f", name, i, want);
  CHECK (i == r.integrated, "case %s: message and property differ", name);
  if (check_ms) {
    CHECK (near (m, want, TOL), "case %s: M %.3f", name, m);
    CHECK (near (s, want, TOL), "case %s: S %.3f", name, s);
  }
  meter_run_clear (&r);
  free (x);
}

static void
test_integrated_cases_rate (int rate)
{
  /* the same tone cases at another rate: loudness does not depend on it */
  const ToneSegment c1[] = { {20, -23} };
  const ToneSegment c3[] = { {10, -36}, {60, -23}, {10, -36} };
  MeterRunOptions opt = { .interval = 0, .format = "F64LE" };
  MeterRun r;
  size_t n;
  float *x = tone_segments (c1, 1, 2, rate, &n);
  double i, m;

  CHECK (meter_run (x, n, 2, rate, &opt, &r), "run");
  i = meter_field (r.final, "integrated");
  m = meter_field (r.final, "max-momentary");
  NOTE ("case 1 at %d Hz, F64: I %.3f LUFS, max M %.3f; expected -23.0", rate,
      i, m);
  CHECK (near (i, -23.0, TOL) && near (m, -23.0, TOL), "case 1 at %d Hz",
      rate);
  meter_run_clear (&r);
  free (x);
  x = tone_segments (c3, 3, 2, rate, &n);
  CHECK (meter_run (x, n, 2, rate, &opt, &r), "run");
  i = meter_field (r.final, "integrated");
  NOTE ("case 3 at %d Hz, F64: I %.3f LUFS; expected -23.0", rate, i);
  CHECK (near (i, -23.0, TOL), "case 3 at %d Hz", rate);
  meter_run_clear (&r);
  free (x);
}

static void
test_integrated_cases (void)
{
  const ToneSegment c1[] = { {20, -23} };
  const ToneSegment c2[] = { {20, -33} };
  const ToneSegment c3[] = { {10, -36}, {60, -23}, {10, -36} };
  const ToneSegment c4[] = { {10, -72}, {10, -36}, {60, -23}, {10, -36},
  {10, -72}
  };
  const ToneSegment c5[] = { {20, -26}, {20.1, -20}, {20, -26} };
  const ToneSegment cal[] = { {20, -18} };

  integrated_case ("1", c1, 1, 2, NULL, -23.0, TRUE);
  integrated_case ("2", c2, 1, 2, NULL, -33.0, TRUE);
  integrated_case ("3", c3, 3, 2, NULL, -23.0, FALSE);
  integrated_case ("4", c4, 5, 2, NULL, -23.0, FALSE);
  integrated_case ("5", c5, 3, 2, NULL, -23.0, FALSE);
  integrated_case ("cal", cal, 1, 2, NULL, -18.0, TRUE);
  test_integrated_cases_rate (44100);
  test_integrated_cases_rate (96000);
}

/* Case 6: 5.0 channels L, R -28; C -24; Ls, Rs -30 dBFS. GStreamer's 5.0
 * positions (FL FR FC RL RR): the rear pair are the surrounds (+1.5 dB). */
static void
test_case6_surround (void)
{
  const double level[5] = { -28, -28, -24, -30, -30 };
  const char *caps = "audio/x-raw,format=F32LE,layout=interleaved,rate=48000,"
      "channels=5,channel-mask=(bitmask)0x37";
  size_t n = 20 * RATE, i;
  float *x = malloc (n * 5 * sizeof (float));
  float *mono = malloc (n * sizeof (float));
  MeterRunOptions opt = { .interval = 0, .caps = caps };
  MeterRun r;
  double v;
  int c;

  for (c = 0; c < 5; c++) {
    gen_sine (mono, n, 1, RATE, 1000.0, pow (10.0, level[c] / 20.0), 0.0);
    for (i = 0; i < n; i++)
      x[i * 5 + c] = mono[i];
  }
  CHECK (meter_run (x, n, 5, RATE, &opt, &r), "case 6: run");
  v = meter_field (r.final, "integrated");
  NOTE ("case 6    I %.3f LUFS (5.0: L R -28, C -24, Ls Rs -30); expected -23.0",
      v);
  CHECK (near (v, -23.0, TOL), "case 6: I %.3f", v);
  meter_run_clear (&r);
  free (mono);
  free (x);
}

/* Cases 9 and 12: a level alternating with the window's period reads
 * steadily once the window is full. Checked on every message (10 ms apart). */
static void
steady_case (const char *name, const ToneSegment * seg, int n_seg, int reps,
    const char *field, double settle_s, double want)
{
  ToneSegment *all = g_new (ToneSegment, n_seg * reps);
  MeterRunOptions opt = { .interval = 10 * GST_MSECOND };
  MeterRun r;
  size_t n;
  float *x;
  guint k, checked = 0, bad = 0;
  double lo = INFINITY, hi = -INFINITY;
  int i;

  for (i = 0; i < n_seg * reps; i++)
    all[i] = seg[i % n_seg];
  x = tone_segments (all, n_seg * reps, 2, RATE, &n);
  CHECK (meter_run (x, n, 2, RATE, &opt, &r), "case %s: run", name);
  for (k = 0; k < r.messages->len; k++) {
    const GstStructure *s = g_ptr_array_index (r.messages, k);
    double v = meter_field (s, field);
    if (meter_end_s (s) < settle_s - 1e-6)
      continue;
    checked++;
    lo = MIN (lo, v);
    hi = MAX (hi, v);
    if (!near (v, want, TOL))
      bad++;
  }
  NOTE ("case %-4s %s after %.0f s: %u readings in [%.3f, %.3f] LUFS; "
      "expected %.1f", name, field, settle_s, checked, lo, hi, want);
  CHECK (checked > 100, "case %s: only %u readings", name, checked);
  CHECK (bad == 0, "case %s: %u %s readings off by more than %.1f LU", name,
      bad, field, TOL);
  meter_run_clear (&r);
  free (x);
  g_free (all);
}

static void
test_steady_cases (void)
{
  const ToneSegment c9[] = { {1.34, -20}, {1.66, -30} };
  const ToneSegment c12[] = { {0.18, -20}, {0.22, -30} };

  steady_case ("9", c9, 2, 5, "short-term", 3.0, -23.0);
  steady_case ("12", c12, 2, 25, "momentary", 1.0, -23.0);
}

/* Cases 10 and 13: 20 signals each; the maximum (short-term, momentary)
 * must catch the whole tone although it starts on a 150 ms / 20 ms grid. */
static void
max_case (const char *name, double step_s, double tone_s, const char *field,
    gboolean short_term)
{
  double lo = INFINITY, hi = -INFINITY;
  int i, bad = 0;

  for (i = 0; i < 20; i++) {
    const ToneSegment seg[] = { {i * step_s, SILENCE}, {tone_s, -23},
    {1.0, SILENCE}
    };
    MeterRunOptions opt = { .interval = 0, .buffer_frames = 777 };
    MeterRun r;
    size_t n;
    float *x = tone_segments (seg, 3, 2, RATE, &n);
    double v, prop;

    CHECK (meter_run (x, n, 2, RATE, &opt, &r), "case %s/%d: run", name, i);
    v = meter_field (r.final, field);
    prop = short_term ? r.short_term_max : r.momentary_max;
    CHECK (v == prop, "case %s/%d: message %f != property %f", name, i, v,
        prop);
    lo = MIN (lo, v);
    hi = MAX (hi, v);
    if (!near (v, -23.0, TOL)) {
      bad++;
      CHECK (FALSE, "case %s signal %d: %s %.3f, expected -23.0", name, i,
          field, v);
    }
    meter_run_clear (&r);
    free (x);
  }
  NOTE ("case %-4s %s over 20 signals in [%.3f, %.3f] LUFS; expected -23.0",
      name, field, lo, hi);
}

static void
test_max_cases (void)
{
  max_case ("10", 0.15, 3.0, "max-short-term", TRUE);
  max_case ("13", 0.02, 0.4, "max-momentary", FALSE);
}

/* True peak, cases 15-19: stereo sines with 10 ms fades. */
static void
test_true_peak_cases (void)
{
  static const struct
  {
    int id;
    double freq_div, amp, phase, want;
  } cases[] = {
    {15, 4, 0.50, 0.0, -6.0},
    {16, 4, 0.50, 45.0, -6.0},
    {17, 6, 0.50, 60.0, -6.0},
    {18, 8, 0.50, 67.5, -6.0},
    {19, 4, 1.41, 45.0, 3.0},
  };
  size_t n = RATE;              /* 1 s */
  float *x = malloc (n * 2 * sizeof (float));
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    MeterRunOptions opt = { .interval = 0 };
    MeterRun r;
    double tp, sp, sp_ok;

    gen_sine (x, n, 2, RATE, RATE / cases[i].freq_div, cases[i].amp,
        cases[i].phase);
    gen_fade_edges (x, n, 2, RATE, 0.010);
    CHECK (meter_run (x, n, 2, RATE, &opt, &r), "case %d: run", cases[i].id);
    tp = meter_field (r.final, "true-peak-max");
    sp = meter_field (r.final, "sample-peak-max");
    NOTE ("case %d: true peak %.3f dBTP (property %.3f), sample peak %.3f dBFS;"
        " expected %.1f (+0.2/-0.4)", cases[i].id, tp, r.true_peak_max, sp,
        cases[i].want);
    CHECK (isfinite (tp) && tp <= cases[i].want + 0.2 &&
        tp >= cases[i].want - 0.4, "case %d: true peak %.3f", cases[i].id, tp);
    CHECK (tp == r.true_peak_max, "case %d: message/property", cases[i].id);
    /* negative check: the sample peak alone fails 16-19 */
    sp_ok = sp <= cases[i].want + 0.2 && sp >= cases[i].want - 0.4;
    if (cases[i].id >= 16)
      CHECK (!sp_ok, "case %d: sample peak %.3f would pass: the test signal "
          "does not exercise true peak", cases[i].id, sp);
    meter_run_clear (&r);
  }
  free (x);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  master_test_register ();
  test_integrated_cases ();
  test_case6_surround ();
  test_steady_cases ();
  test_max_cases ();
  test_true_peak_cases ();
  return check_finish ();
}
