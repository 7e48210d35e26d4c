/* dsp/eqdesign: designs against their analog prototypes.
 *
 * - bells and shelves: magnitude of the designed section vs the analog
 *   prototype (QUALITY.md) on a dense 20 Hz..20 kHz grid, at 44.1, 48 and
 *   96 kHz, over a table of f0 (20 Hz..16 kHz), gain (+-1, 6, 12 dB) and Q
 *   (0.3..4); a subset also by sine probes through master_biquad (sine in,
 *   RMS out), so the test does not only trust the analytic response;
 * - the bilinear (RBJ cookbook) bell as a negative reference;
 * - low/high-pass: corner gain, slope one octave past the corner;
 * - Linkwitz-Riley low + high sums to the allpass design (flat magnitude);
 * - tilt: -gain/2 at 20 Hz, 0 dB at f0, +gain/2 at 20 kHz (within 0.5 dB);
 * - design time.
 */
#include "check.h"
#include "eqdesign.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const double rates[] = { 44100, 48000, 96000 };
static const double freqs[] = { 20, 50, 100, 300, 1000, 3000, 6000, 8000,
  10000, 12000, 14000, 16000
};
static const double gains[] = { -12, -6, -1, 1, 6, 12 };
static const double qs[] = { 0.3, 0.5, 0.707, 1, 1.5, 2, 3, 4 };

#define N_FREQS (sizeof (freqs) / sizeof (freqs[0]))
#define N_GAINS (sizeof (gains) / sizeof (gains[0]))
#define N_QS (sizeof (qs) / sizeof (qs[0]))

static double
max_error_db (const MasterBiquadCoeffs * c, int n, const MasterEqBand * b,
    double rate, double *at)
{
  double m = 0.0;
  int i;
  for (i = 0; i <= 1000; i++) {
    double f = 20.0 * pow (1000.0, i / 1000.0);
    double e = fabs (master_biquad_coeffs_response_db (c, n, f, rate) -
        master_eqdesign_analog_db (b, f));
    if (e > m) {
      m = e;
      if (at)
        *at = f;
    }
  }
  return m;
}

/* gain in dB of the cascade for a sine at freq, measured on the output */
static double
probe_db (const MasterBiquadCoeffs * c, int n, double freq, double rate)
{
  MasterBiquad bq;
  int settle = (int) (rate * 0.4), i, s;
  int periods = (int) ceil (0.2 * freq) + 1;
  int len = (int) lrint (periods * rate / freq);
  double *x = malloc (sizeof (double) * (settle + len));
  double in2 = 0.0, out2 = 0.0;

  master_biquad_init (&bq, n, 1);
  for (s = 0; s < n; s++)
    master_biquad_set (&bq, s, -1, &c[s]);
  for (i = 0; i < settle + len; i++)
    x[i] = sin (2.0 * M_PI * freq * i / rate);
  for (i = settle; i < settle + len; i++)
    in2 += x[i] * x[i];
  master_biquad_process_f64 (&bq, x, x, settle + len);
  for (i = settle; i < settle + len; i++)
    out2 += x[i] * x[i];
  master_biquad_clear (&bq);
  free (x);
  return 10.0 * log10 (out2 / in2);
}

static const char *type_names[] = { "bell", "low-shelf", "high-shelf" };

static void
test_bells_shelves (void)
{
  int t, r;
  size_t fi, gi, qi;

  for (t = 0; t < 3; t++) {
    for (r = 0; r < 3; r++) {
      double worst = 0.0, worst_q2 = 0.0, worst_q4 = 0.0, at = 0.0;
      MasterEqBand wb = { 0 };
      for (fi = 0; fi < N_FREQS; fi++)
        for (gi = 0; gi < N_GAINS; gi++)
          for (qi = 0; qi < N_QS; qi++) {
            MasterEqBand b = { (MasterEqType) t, freqs[fi], gains[gi], qs[qi],
              12, MASTER_EQ_BUTTERWORTH
            };
            MasterBiquadCoeffs c[MASTER_EQDESIGN_MAX_SECTIONS];
            int n = master_eqdesign_band (c, MASTER_EQDESIGN_MAX_SECTIONS, &b,
                rates[r]);
            double f = 0.0, e;
            int si;
            CHECK (n == master_eqdesign_n_sections (&b), "%s design failed",
                type_names[t]);
            if (n < 1)
              continue;
            for (si = 0; si < n; si++)
              CHECK (master_biquad_coeffs_is_stable (&c[si]), "unstable");
            e = max_error_db (c, n, &b, rates[r], &f);
            if (e > worst) {
              worst = e;
              wb = b;
              at = f;
            }
            if (qs[qi] <= 2.0 && e > worst_q2)
              worst_q2 = e;
            if (qs[qi] > 2.0 && e > worst_q4)
              worst_q4 = e;
            /* the requirement (issue 3): 0.25 dB at 44.1 and 48 kHz; we
             * hold it at 96 kHz too */
            CHECK (e <= 0.25, "%s f0 %g gain %g q %g at %g: error %.3f dB",
                type_names[t], b.freq, b.gain_db, b.q, rates[r], e);
          }
      NOTE ("%-10s @ %6.0f Hz: max |error| 20 Hz..20 kHz = %.3f dB over "
          "Q 0.3..4 (worst f0 %g Hz, %+g dB, Q %g, at %.0f Hz); Q <= 2: %.3f "
          "dB, Q 3..4: %.3f dB", type_names[t], rates[r], worst, wb.freq,
          wb.gain_db, wb.q, at, worst_q2, worst_q4);
    }
  }
}

/* sine probes through the filter for a subset of the table */
static void
test_probes (void)
{
  static const double pf[] = { 20, 40, 80, 160, 315, 630, 1250, 2500, 5000,
    8000, 10000, 12500, 14000, 16000, 18000, 20000
  };
  static const struct
  {
    MasterEqType type;
    double f0, gain, q;
  } table[] = {
    {MASTER_EQ_BELL, 16000, 12, 1}, {MASTER_EQ_BELL, 16000, -12, 4},
    {MASTER_EQ_BELL, 10000, 6, 0.3}, {MASTER_EQ_BELL, 1000, -6, 2},
    {MASTER_EQ_BELL, 40, 12, 0.707}, {MASTER_EQ_LOW_SHELF, 100, 6, 0.707},
    {MASTER_EQ_LOW_SHELF, 8000, -12, 0.5}, {MASTER_EQ_HIGH_SHELF, 12000, 6,
        0.707}, {MASTER_EQ_HIGH_SHELF, 16000, -12, 1},
    {MASTER_EQ_HIGH_SHELF, 3000, 12, 2},
    {MASTER_EQ_LOW_SHELF, 12000, 12, 4}, {MASTER_EQ_HIGH_SHELF, 10000, -12, 3},
  };
  size_t i, j;
  int r;

  for (r = 0; r < 3; r++) {
    double worst = 0.0;
    for (i = 0; i < sizeof (table) / sizeof (table[0]); i++) {
      MasterEqBand b = { table[i].type, table[i].f0, table[i].gain,
        table[i].q, 12, MASTER_EQ_BUTTERWORTH
      };
      MasterBiquadCoeffs c[4];
      int n = master_eqdesign_band (c, 4, &b, rates[r]);
      for (j = 0; j < sizeof (pf) / sizeof (pf[0]); j++) {
        double m = probe_db (c, n, pf[j], rates[r]);
        double e = fabs (m - master_eqdesign_analog_db (&b, pf[j]));
        CHECK (e <= 0.25, "probe %s f0 %g %+g dB q %g @ %g: %.0f Hz measured "
            "%.3f dB, analog %.3f dB", type_names[b.type], b.freq, b.gain_db,
            b.q, rates[r], pf[j], m, master_eqdesign_analog_db (&b, pf[j]));
        if (e > worst)
          worst = e;
      }
    }
    NOTE ("sine probes (12 settings x 16 frequencies) @ %.0f Hz: max |measured"
        " - analog| = %.3f dB", rates[r], worst);
  }
}

/* RBJ cookbook bell (bilinear): the cramping the fit avoids */
static void
test_bilinear_reference (void)
{
  MasterEqBand b = { MASTER_EQ_BELL, 16000, 12, 1, 12, 0 };
  double rate = 48000, w0 = 2 * M_PI * b.freq / rate;
  double A = pow (10, b.gain_db / 40), alpha = sin (w0) / (2 * b.q);
  double a0 = 1 + alpha / A;
  MasterBiquadCoeffs c = { (1 + alpha * A) / a0, -2 * cos (w0) / a0,
    (1 - alpha * A) / a0, -2 * cos (w0) / a0, (1 - alpha / A) / a0
  }, ours;
  double e_bil = max_error_db (&c, 1, &b, rate, NULL), e_ours;

  master_eqdesign_band (&ours, 1, &b, rate);
  e_ours = max_error_db (&ours, 1, &b, rate, NULL);
  NOTE ("bell 16 kHz +12 dB Q 1 @ 48 kHz: bilinear (cookbook) error %.2f dB, "
      "ours %.3f dB", e_bil, e_ours);
  CHECK (e_bil > 1.0, "the reference should show cramping (%.2f)", e_bil);
  CHECK (e_ours < e_bil / 5, "fit should beat bilinear");
}

static void
test_pass (void)
{
  static const int slopes[] = { 6, 12, 18, 24, 36, 48 };
  double rate = 48000;
  int st, hp;
  size_t si;

  for (st = 0; st < 2; st++)
    for (hp = 0; hp < 2; hp++)
      for (si = 0; si < sizeof (slopes) / sizeof (slopes[0]); si++) {
        int slope = slopes[si], lr = st == 1 && slope % 12 == 0;
        /* corner chosen so that the measured octaves stay far from Nyquist
         * (bilinear warping steepens a low-pass near Nyquist) */
        double fc = hp ? 2000 : 250, k1, k2, g1, g2, gc, s_meas, nominal =
            slope, corner_expect = lr ? -6.02 : -3.01;
        MasterEqBand b = { hp ? MASTER_EQ_HIGH_PASS : MASTER_EQ_LOW_PASS, fc,
          0, 0.707, slope, st ? MASTER_EQ_LINKWITZ_RILEY : MASTER_EQ_BUTTERWORTH
        };
        MasterBiquadCoeffs c[4];
        int n = master_eqdesign_band (c, 4, &b, rate), oct;
        if (st == 1 && !lr)
          continue;
        CHECK (n == master_eqdesign_n_sections (&b), "sections");
        /* first-order based slopes (6, LR 12) reach their nominal slope
         * only further out: measure between octaves 2 and 3 past the
         * corner, the others between 1 and 2 */
        oct = (slope == 6 || (lr && slope == 12)) ? 2 : 1;
        k1 = pow (2.0, oct);
        k2 = pow (2.0, oct + 1);
        gc = probe_db (c, n, fc, rate);
        g1 = probe_db (c, n, hp ? fc / k1 : fc * k1, rate);
        g2 = probe_db (c, n, hp ? fc / k2 : fc * k2, rate);
        s_meas = g1 - g2;
        NOTE ("%s %s %2d dB/oct fc %g: corner %.2f dB, slope octave %d->%d "
            "past corner %.2f dB/oct (nominal %g)", lr ? "Linkwitz-Riley" :
            "Butterworth   ", hp ? "HP" : "LP", slope, fc, gc, oct, oct + 1,
            s_meas, nominal);
        CHECK (fabs (s_meas - nominal) <= 0.5, "slope %.2f vs %g", s_meas,
            nominal);
        CHECK (fabs (gc - corner_expect) <= 0.1, "corner %.2f", gc);
        CHECK (fabs (g1 - master_eqdesign_analog_db (&b, hp ? fc / k1 : fc *
                    k1)) <= 0.5, "vs analog at octave %d", oct);
      }
}

static void
test_linkwitz_riley_sum (void)
{
  static const int orders[] = { 2, 4, 6, 8 };
  size_t oi;
  for (oi = 0; oi < 4; oi++) {
    int order = orders[oi], i;
    MasterBiquadCoeffs lp[4], hp[4], ap[4];
    int nl = master_eqdesign_linkwitz_riley (lp, 4, 0, order, 1000, 48000);
    int nh = master_eqdesign_linkwitz_riley (hp, 4, 1, order, 1000, 48000);
    int na = master_eqdesign_linkwitz_riley_allpass (ap, 4, order, 1000,
        48000);
    MasterBiquad bl, bh, ba;
    double x[4800 * 3], dev = 0.0, sign = (order % 4 == 0) ? 1.0 : -1.0;
    CHECK (nl > 0 && nh > 0 && na > 0, "LR%d design", order);
    master_biquad_init (&bl, nl, 1);
    master_biquad_init (&bh, nh, 1);
    master_biquad_init (&ba, na, 1);
    for (i = 0; i < nl; i++)
      master_biquad_set (&bl, i, -1, &lp[i]);
    for (i = 0; i < nh; i++)
      master_biquad_set (&bh, i, -1, &hp[i]);
    for (i = 0; i < na; i++)
      master_biquad_set (&ba, i, -1, &ap[i]);
    /* impulse: LP + sign * HP must equal the allpass, sample by sample */
    memset (x, 0, sizeof (x));
    x[0] = 1.0;
    {
      double yl[4800], yh[4800], ya[4800];
      master_biquad_process_f64 (&bl, yl, x, 4800);
      master_biquad_process_f64 (&bh, yh, x, 4800);
      master_biquad_process_f64 (&ba, ya, x, 4800);
      for (i = 0; i < 4800; i++)
        dev = fmax (dev, fabs (yl[i] + sign * yh[i] - ya[i]));
    }
    NOTE ("Linkwitz-Riley %d: max |LP %c HP - allpass| impulse response = "
        "%.2e", order, sign > 0 ? '+' : '-', dev);
    CHECK (dev < 1e-9, "LR%d sum", order);
    master_biquad_clear (&bl);
    master_biquad_clear (&bh);
    master_biquad_clear (&ba);
  }
}

static void
test_tilt_notch_bp (void)
{
  MasterEqBand t = { MASTER_EQ_TILT, 1000, 6, 0.707, 12, 0 };
  MasterBiquadCoeffs c;
  int r;
  for (r = 0; r < 3; r++) {
    double e;
    master_eqdesign_band (&c, 1, &t, rates[r]);
    e = max_error_db (&c, 1, &t, rates[r], NULL);
    NOTE ("tilt +6 dB @ 1 kHz, rate %.0f: 20 Hz %.2f dB, 1 kHz %.2f dB, "
        "20 kHz %.2f dB; max error vs prototype %.3f dB", rates[r],
        master_biquad_coeffs_response_db (&c, 1, 20, rates[r]),
        master_biquad_coeffs_response_db (&c, 1, 1000, rates[r]),
        master_biquad_coeffs_response_db (&c, 1, 20000, rates[r]), e);
    CHECK (e < 0.25, "tilt error %.3f", e);
    CHECK (fabs (master_biquad_coeffs_response_db (&c, 1, 1000,
                rates[r])) < 0.05, "tilt centre");
  }
  {
    MasterEqBand n = { MASTER_EQ_NOTCH, 1000, 0, 2, 12, 0 };
    MasterEqBand bp = { MASTER_EQ_BAND_PASS, 1000, 0, 2, 12, 0 };
    double g_n, g_bp, g_bp_lo;
    CHECK (master_eqdesign_band (&c, 1, &n, 48000) == 1, "notch");
    g_n = probe_db (&c, 1, 1000, 48000);
    CHECK (master_eqdesign_band (&c, 1, &bp, 48000) == 1, "band-pass");
    g_bp = probe_db (&c, 1, 1000, 48000);
    g_bp_lo = probe_db (&c, 1, 100, 48000);
    NOTE ("notch 1 kHz Q 2: %.1f dB at 1 kHz; band-pass: %.2f dB at 1 kHz, "
        "%.1f dB at 100 Hz (analog %.1f)", g_n, g_bp, g_bp_lo,
        master_eqdesign_analog_db (&bp, 100));
    CHECK (g_n < -60, "notch depth");
    CHECK (fabs (g_bp) < 0.1, "band-pass peak");
    CHECK (fabs (g_bp_lo - master_eqdesign_analog_db (&bp, 100)) < 0.5,
        "band-pass skirt");
  }
}

/* A band-pass peaks at about 0 dB and a notch never boosts, wherever the centre
 * is: also above Nyquist (clamped to 0.49 fs), where the band-pass was
 * matched to a prototype centred at the unclamped frequency and boosted by
 * up to 16 dB (91.6 kHz, Q 0.1 at 48 kHz: +16.4 dB at 50 Hz). */
static void
test_bp_notch_never_boost (void)
{
  static const double rr[] = { 8000, 44100, 48000, 96000, 192000 };
  /* centres in Hz, then as fractions of the rate */
  static const double ff[] = { 0.5, 20, 1000, 15000, 91605.77, 400000 };
  static const double fr[] = { 0.45, 0.49, 0.5, 0.7, 1.9 };
  static const double qq[] = { 0.1, 0.3, 0.707, 2, 10 };
  double worst_bp = -HUGE_VAL, worst_n = -HUGE_VAL;
  int ri, fi, qi, t, k;

  for (ri = 0; ri < 5; ri++)
    for (fi = 0; fi < 11; fi++)
      for (qi = 0; qi < 5; qi++)
        for (t = 0; t < 2; t++) {
          double f0 = fi < 6 ? ff[fi] : fr[fi - 6] * rr[ri];
          MasterEqBand b = { t ? MASTER_EQ_NOTCH : MASTER_EQ_BAND_PASS,
            f0, 0, qq[qi], 12, 0
          };
          MasterBiquadCoeffs c[4];
          int n = master_eqdesign_band (c, 4, &b, rr[ri]);
          double m = -HUGE_VAL;
          CHECK (n >= 1, "design f0 %g q %g rate %g", f0, qq[qi], rr[ri]);
          if (n < 1)
            continue;
          for (k = 0; k <= 400; k++) {
            double f = 10.0 * pow (0.4999 * rr[ri] / 10.0, k / 400.0);
            m = fmax (m, master_biquad_coeffs_response_db (c, n, f, rr[ri]));
          }
          if (t)
            worst_n = fmax (worst_n, m);
          else
            worst_bp = fmax (worst_bp, m);
          /* the matched band-pass peaks slightly above 0 dB for centres
           * near Nyquist (+0.46 dB at most on this grid) */
          CHECK (m <= (t ? 0.01 : 0.5), "%s f0 %g Hz q %g at %g Hz: peak %+.3f dB",
              t ? "notch" : "band-pass", f0, qq[qi], rr[ri], m);
        }
  NOTE ("band-pass/notch, centres 0.5 Hz..400 kHz (above Nyquist too), Q "
      "0.1..10, 8..192 kHz: highest gain band-pass %+.4f dB, notch %+.4f dB",
      worst_bp, worst_n);
}

/* Every design over a wide grid (rates 8..384 kHz, f0 10 Hz..0.45 fs, Q
 * 0.1..20, gain +-24 dB) is finite and stable; inside the specified range
 * (Q 0.3..4, |gain| <= 12, f0 <= 16 kHz and <= 0.35 fs) at rates >= 44.1
 * kHz the error stays within 0.25 dB up to min(20 kHz, 0.45 fs). */
static void
test_robustness (void)
{
  static const double rr[] = { 8000, 22050, 44100, 88200, 192000, 384000 };
  static const double qq[] = { 0.1, 0.3, 0.9, 2.5, 4, 20 };
  static const double gg[] = { -24, -12, -3, 5, 12, 24 };
  int ri, fi, qi, gi, t, designs = 0, unstable = 0;
  double worst = 0.0;

  for (ri = 0; ri < 6; ri++)
    for (t = 0; t < 4; t++)
      for (fi = 0; fi < 24; fi++)
        for (qi = 0; qi < 6; qi++)
          for (gi = 0; gi < 6; gi++) {
            MasterEqBand b = { t == 3 ? MASTER_EQ_TILT : (MasterEqType) t,
              10.0 * pow (0.045 * rr[ri], fi / 23.0), gg[gi], qq[qi], 12, 0
            };
            MasterBiquadCoeffs c[4];
            int n = master_eqdesign_band (c, 4, &b, rr[ri]), s, ok = n > 0;
            designs++;
            for (s = 0; s < n; s++)
              ok &= master_biquad_coeffs_is_stable (&c[s])
                  && isfinite (c[s].b0) && isfinite (c[s].b1)
                  && isfinite (c[s].b2);
            if (!ok) {
              unstable++;
              CHECK (ok, "type %d f0 %g gain %g q %g rate %g: bad design",
                  t, b.freq, b.gain_db, b.q, rr[ri]);
              continue;
            }
            if (rr[ri] >= 44100 && b.q >= 0.3 && b.q <= 4
                && fabs (b.gain_db) <= 12 && b.freq <= 16000
                && b.freq <= 0.35 * rr[ri]) {
              double m = 0.0, top = fmin (20000, 0.45 * rr[ri]);
              int k;
              for (k = 0; k <= 300; k++) {
                double f = 20.0 * pow (top / 20.0, k / 300.0);
                m = fmax (m, fabs (master_biquad_coeffs_response_db (c, n, f,
                            rr[ri]) - master_eqdesign_analog_db (&b, f)));
              }
              worst = fmax (worst, m);
              CHECK (m <= 0.25, "type %d f0 %g gain %g q %g rate %g: %.3f dB",
                  t, b.freq, b.gain_db, b.q, rr[ri], m);
            }
          }
  NOTE ("robustness: %d designs (8..384 kHz, Q 0.1..20, +-24 dB), %d bad; "
      "in-spec max error at 44.1..384 kHz %.3f dB", designs, unstable, worst);
}

static void
test_identity_and_speed (void)
{
  MasterEqBand b = { MASTER_EQ_BELL, 1000, 0, 1, 12, 0 };
  MasterBiquadCoeffs c;
  clock_t t0;
  int i, n = 2000;

  master_eqdesign_band (&c, 1, &b, 48000);
  CHECK (master_biquad_coeffs_is_identity (&c), "0 dB bell is identity");
  b.type = MASTER_EQ_HIGH_SHELF;
  master_eqdesign_band (&c, 1, &b, 48000);
  CHECK (master_biquad_coeffs_is_identity (&c), "0 dB shelf is identity");

  b.type = MASTER_EQ_BELL;
  t0 = clock ();
  for (i = 0; i < n; i++) {
    b.freq = 20.0 * pow (800.0, (double) i / n);
    b.gain_db = 12.0 * sin (i * 0.01);
    b.q = 0.5 + (i % 7) * 0.5;
    master_eqdesign_band (&c, 1, &b, 48000);
  }
  NOTE ("design time: %.1f us per bell (mean of %d varied designs)",
      (double) (clock () - t0) * 1e6 / CLOCKS_PER_SEC / n, n);
  {
    MasterBiquadCoeffs c2[2];
    b.type = MASTER_EQ_HIGH_SHELF;
    b.q = 3.0;
    t0 = clock ();
    for (i = 0; i < n / 4; i++) {
      b.freq = 2000.0 * pow (8.0, (double) i / (n / 4));
      b.gain_db = 12.0 * sin (i * 0.01);
      master_eqdesign_band (c2, 2, &b, 48000);
    }
    NOTE ("design time: %.1f us per resonant shelf (Q 3, two sections)",
        (double) (clock () - t0) * 1e6 / CLOCKS_PER_SEC / (n / 4));
  }
}

int
main (void)
{
  test_bells_shelves ();
  test_probes ();
  test_bilinear_reference ();
  test_pass ();
  test_linkwitz_riley_sum ();
  test_tilt_notch_bp ();
  test_bp_notch_never_boost ();
  test_robustness ();
  test_identity_and_speed ();
  return check_finish ();
}
