/* tests for dsp/crossover: band sum flat and equal to the allpass, band
 * slopes outside their range, gliding frequencies without clicks, NaN state. */
#include "check.h"
#include "crossover.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RATE 48000.0
#define IR_LEN 65536

static const double freqs5[] = { 120.0, 500.0, 2000.0, 6000.0, 12000.0 };

/* complex DFT of h at f Hz */
static void
dft (const double *h, int n, double f, double *re, double *im)
{
  double w = 2.0 * M_PI * f / RATE, r = 0.0, i = 0.0;
  /* rotate with a recurrence, re-seeded every 1024 samples for accuracy */
  int k;
  for (k = 0; k < n; k++) {
    r += h[k] * cos (w * k);
    i -= h[k] * sin (w * k);
  }
  *re = r;
  *im = i;
}

/* impulse responses of every band (mono); returns the crossover */
static MasterCrossover *
band_irs (int nb, int slope, double **irs)
{
  MasterCrossover *x = master_crossover_new (1, RATE);
  double *src = calloc (IR_LEN, sizeof (double));
  int b;
  CHECK (master_crossover_configure (x, nb, slope, freqs5) == 0, "configure");
  for (b = 0; b < nb; b++)
    irs[b] = calloc (IR_LEN, sizeof (double));
  src[0] = 1.0;
  /* odd block sizes */
  {
    int done = 0, chunk = 1;
    while (done < IR_LEN) {
      int n = IR_LEN - done < chunk ? IR_LEN - done : chunk;
      double *bp[MASTER_CROSSOVER_MAX_BANDS];
      for (b = 0; b < nb; b++)
        bp[b] = irs[b] + done;
      master_crossover_process (x, bp, src + done, n);
      done += n;
      chunk = chunk * 3 % 1021 + 1;
    }
  }
  free (src);
  return x;
}

static void
test_flat_sum (void)
{
  int nb, si;
  for (si = 0; si < 2; si++) {
    int slope = si ? 48 : 24;
    for (nb = 1; nb <= 6; nb++) {
      double *irs[6], *sum = calloc (IR_LEN, sizeof (double));
      MasterCrossover *x = band_irs (nb, slope, irs);
      double worst_db = 0.0, worst_ph = 0.0, f;
      int b, k;
      for (b = 0; b < nb; b++)
        for (k = 0; k < IR_LEN; k++)
          sum[k] += irs[b][k];
      for (f = 20.0; f <= 20000.0; f *= pow (2.0, 1.0 / 12.0)) {
        double r, i, ar, ai, mag, dph;
        dft (sum, IR_LEN, f, &r, &i);
        master_crossover_allpass_response (x, f, &ar, &ai);
        mag = 10.0 * log10 (r * r + i * i);
        /* phase difference to the allpass */
        dph = atan2 (i * ar - r * ai, r * ar + i * ai);
        if (fabs (mag) > worst_db)
          worst_db = fabs (mag);
        if (fabs (dph) > worst_ph)
          worst_ph = fabs (dph);
      }
      printf ("LR%d %d bands: band sum magnitude max |dev| %.2e dB, phase vs "
          "allpass max |dev| %.2e rad (20 Hz - 20 kHz)\n", slope / 6, nb,
          worst_db, worst_ph);
      CHECK (worst_db < 0.01, "not flat: %g dB", worst_db);
      CHECK (worst_ph < 1e-4, "phase not the allpass's: %g rad", worst_ph);
      for (b = 0; b < nb; b++)
        free (irs[b]);
      free (sum);
      master_crossover_free (&x);
    }
  }
}

static double
band_db (const double *ir, double f)
{
  double r, i;
  dft (ir, IR_LEN, f, &r, &i);
  return 10.0 * log10 (r * r + i * i + 1e-300);
}

static void
test_band_slopes (void)
{
  int si;
  for (si = 0; si < 2; si++) {
    int slope = si ? 48 : 24, nb = 4, b;
    double *irs[6];
    MasterCrossover *x = band_irs (nb, slope, irs);
    for (b = 0; b < nb; b++) {
      double lo = b > 0 ? freqs5[b - 1] : 0.0;
      double hi = b < nb - 1 ? freqs5[b] : 0.0;
      double mid = lo > 0 && hi > 0 ? sqrt (lo * hi) : (lo > 0 ? 2.0 * lo :
          hi / 2.0);
      double in = band_db (irs[b], mid);
      double below = lo > 0 ? band_db (irs[b], lo / 2.0) : -999.0;
      double above = hi > 0 ? band_db (irs[b], hi * 2.0) : -999.0;
      double below2 = lo > 0 ? band_db (irs[b], lo / 4.0) : -999.0;
      double above2 = hi > 0 ? band_db (irs[b], hi * 4.0) : -999.0;
      printf ("LR%d band %d (%g..%g Hz): %.2f dB at %.0f Hz; octave outside: "
          "%.1f / %.1f dB, two octaves: %.1f / %.1f dB\n", slope / 6, b, lo,
          hi, in, mid, below, above, below2, above2);
      CHECK (in > -1.5, "band %d passband %g dB", b, in);
      CHECK (below <= -slope + 0.5 && above <= -slope + 0.5,
          "band %d one octave outside: %g / %g dB", b, below, above);
      CHECK (below2 <= -2 * slope + 1.0 && above2 <= -2 * slope + 1.0,
          "band %d two octaves outside: %g / %g dB", b, below2, above2);
    }
    for (b = 0; b < nb; b++)
      free (irs[b]);
    master_crossover_free (&x);
  }
}

/* 1 kHz sine through the band sum while a crossover sweeps across it:
 * the envelope must stay smooth (no clicks) */
static void
test_glide (void)
{
  const int n = (int) (2.0 * RATE), C = 2, nb = 4;
  MasterCrossover *x = master_crossover_new (C, RATE);
  double *src = malloc (sizeof (double) * n * C), *bands[4], *y =
      calloc ((size_t) n * C, sizeof (double));
  double f[3] = { 200.0, 800.0, 5000.0 }, maxdev = 0.0, maxjump = 0.0;
  int i, b, done = 0, blk = 256;
  for (b = 0; b < nb; b++)
    bands[b] = malloc (sizeof (double) * blk * C);
  master_crossover_configure (x, nb, 24, f);
  for (i = 0; i < n; i++)
    src[2 * i] = src[2 * i + 1] = 0.5 * sin (2.0 * M_PI * 1000.0 * i / RATE);
  while (done < n) {
    int m = n - done < blk ? n - done : blk, k;
    if (done >= (int) (0.5 * RATE) && done < (int) (1.5 * RATE)) {
      /* sweep split 1 from 800 Hz to 1250 Hz and back, jumping targets */
      f[1] = (done / blk) % 20 < 10 ? 1250.0 : 800.0;
      f[0] = (done / blk) % 7 < 3 ? 200.0 : 900.0;
      master_crossover_set_frequencies (x, f);
    }
    master_crossover_process (x, bands, src + (size_t) done * C, m);
    for (k = 0; k < m * C; k++)
      for (b = 0; b < nb; b++)
        y[(size_t) done * C + k] += bands[b][k];
    done += m;
  }
  /* envelope: peak per 1 kHz period, after the start-up */
  for (i = 4800; i + 48 <= n; i += 48) {
    double pk = 0.0;
    int k;
    for (k = i; k < i + 48; k++)
      pk = fmax (pk, fabs (y[2 * k]));
    maxdev = fmax (maxdev, fabs (20.0 * log10 (pk / 0.5)));
  }
  /* largest second difference of the output vs the sine's own */
  for (i = 4800; i < n; i++) {
    double d2 = fabs (y[2 * i] - 2 * y[2 * i - 2] + y[2 * i - 4]);
    if (d2 > maxjump) { maxjump = d2; if (getenv("DBG")) printf("jump %g at %d\n", d2, i); }
  }
  printf ("crossovers gliding over a 1 kHz tone: envelope max |dev| %.3f dB, "
      "max 2nd difference %.4f (tone alone %.4f)\n", maxdev, maxjump,
      0.5 * pow (2.0 * M_PI * 1000.0 / RATE, 2));
  CHECK (maxdev < 1.0, "envelope deviation %g dB", maxdev);
  CHECK (maxjump < 1.5 * 0.5 * pow (2.0 * M_PI * 1000.0 / RATE, 2),
      "click: second difference %g", maxjump);
  CHECK (fabs (master_crossover_get_frequency (x, 1) - f[1]) < 1e-3 * f[1],
      "glide did not converge: %g", master_crossover_get_frequency (x, 1));

  /* a NaN that reached the state is cleared */
  src[10] = NAN;
  master_crossover_process (x, bands, src, blk);
  src[10] = 0.0;
  master_crossover_process (x, bands, src, blk);
  {
    int ok = 1;
    for (b = 0; b < nb; b++)
      for (i = 0; i < blk * C; i++)
        ok &= isfinite (bands[b][i]);
    printf ("NaN into the state: finite again on the next block: %s\n",
        ok ? "yes" : "NO");
    CHECK (ok, "state stays non-finite");
  }
  for (b = 0; b < nb; b++)
    free (bands[b]);
  free (src);
  free (y);
  master_crossover_free (&x);
}

/* channels are processed in pairs (2-lane vectors) plus an odd last one:
 * every channel of a 1..8 channel run must equal a mono run of that channel
 * exactly, for both slopes and 2..6 bands, over odd block sizes */
static void
test_channels_independent (void)
{
  const int len = 3000;
  int C, nb, slope, worst_ok = 1;
  for (slope = 24; slope <= 48; slope += 24)
    for (nb = 2; nb <= MASTER_CROSSOVER_MAX_BANDS; nb++)
      for (C = 1; C <= MASTER_CROSSOVER_MAX_CHANNELS; C++) {
        MasterCrossover *x = master_crossover_new (C, RATE);
        MasterCrossover *m = master_crossover_new (1, RATE);
        double *src = malloc (sizeof (double) * len * C);
        double *mono = malloc (sizeof (double) * len);
        double *bands[MASTER_CROSSOVER_MAX_BANDS], *mb[MASTER_CROSSOVER_MAX_BANDS];
        int b, c, i, ok = 1;
        master_crossover_configure (x, nb, slope, freqs5);
        for (b = 0; b < nb; b++) {
          bands[b] = malloc (sizeof (double) * len * C);
          mb[b] = malloc (sizeof (double) * len);
        }
        for (i = 0; i < len * C; i++)
          src[i] = sin (0.001 * i * i + 0.37 * (i % C)) * (1.0 + (i % C));
        {
          int done = 0, chunk = 7;
          while (done < len) {
            int n = len - done < chunk ? len - done : chunk;
            double *bp[MASTER_CROSSOVER_MAX_BANDS];
            for (b = 0; b < nb; b++)
              bp[b] = bands[b] + (size_t) done * C;
            master_crossover_process (x, bp, src + (size_t) done * C, n);
            done += n;
            chunk = chunk * 5 % 301 + 1;
          }
        }
        for (c = 0; c < C; c++) {
          master_crossover_configure (m, nb, slope, freqs5);
          for (i = 0; i < len; i++)
            mono[i] = src[i * C + c];
          master_crossover_process (m, mb, mono, len);
          for (b = 0; b < nb; b++)
            for (i = 0; i < len; i++)
              ok &= mb[b][i] == bands[b][i * C + c];
        }
        CHECK (ok, "LR%d %d bands %d channels: a channel differs from its "
            "mono run", slope / 6, nb, C);
        worst_ok &= ok;
        for (b = 0; b < nb; b++) {
          free (bands[b]);
          free (mb[b]);
        }
        free (src);
        free (mono);
        master_crossover_free (&x);
        master_crossover_free (&m);
      }
  printf ("1..8 channels x 2..6 bands x LR4/LR8: every channel equals its "
      "mono run exactly: %s\n", worst_ok ? "yes" : "NO");
}

int
main (void)
{
  test_channels_independent ();
  test_flat_sum ();
  test_band_slopes ();
  test_glide ();
  return check_finish ();
}
