/* gst-mastering: Linkwitz-Riley band splitter. See crossover.h. */
#include "crossover.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define XO_MAX_SPLITS (MASTER_CROSSOVER_MAX_BANDS - 1)
#define XO_MAX_SEC 2            /* 2nd-order sections per Butterworth (LR8) */
#define XO_SUBBLOCK 32          /* frames between coefficient updates */
#define XO_GLIDE_S 0.020        /* frequency glide time constant, s */
#define XO_TINY 1e-30

/* second-order section, transposed direct form II; local to this module
 * (the EQ's biquad module may replace it later) */
typedef struct
{
  double b0, b1, b2, a1, a2;
} XoSos;

typedef struct
{
  double z1, z2;
} XoZ;

typedef struct
{
  double fc_cur, fc_target;
  XoSos lp[XO_MAX_SEC];         /* Butterworth low-pass sections */
  XoSos ap[XO_MAX_SEC];         /* matching allpass sections */
  /* state: each low-pass section runs twice (Linkwitz-Riley = BW squared) */
  XoZ lpz[MASTER_CROSSOVER_MAX_CHANNELS][2 * XO_MAX_SEC];
  XoZ apz[MASTER_CROSSOVER_MAX_CHANNELS][XO_MAX_SEC];
} XoSplit;

struct MasterCrossover
{
  int channels;
  double rate;
  int n_bands;
  int n_sec;                    /* 1 (LR4) or 2 (LR8) */
  double a_glide;               /* per sub-block glide coefficient */
  XoSplit split[XO_MAX_SPLITS];
  /* compensation allpass state: band b through split j (j > b) */
  XoZ compz[MASTER_CROSSOVER_MAX_BANDS][XO_MAX_SPLITS]
      [MASTER_CROSSOVER_MAX_CHANNELS][XO_MAX_SEC];
};

static inline double
sos_tick (const XoSos * s, XoZ * z, double x)
{
  double y = s->b0 * x + z->z1;
  z->z1 = s->b1 * x - s->a1 * y + z->z2;
  z->z2 = s->b2 * x - s->a2 * y;
  return y;
}

/* Butterworth section Q values: order 2 -> 1/sqrt2; order 4 -> 0.5412, 1.3066 */
static double
bw_q (int n_sec, int k)
{
  if (n_sec == 1)
    return M_SQRT1_2;
  return 1.0 / (2.0 * cos (M_PI * (2 * k + 1) / 8.0));
}

static void
design_split (MasterCrossover * x, XoSplit * s)
{
  double k = tan (M_PI * s->fc_cur / x->rate);
  int i;
  for (i = 0; i < x->n_sec; i++) {
    double q = bw_q (x->n_sec, i);
    double norm = 1.0 / (1.0 + k / q + k * k);
    double a1 = 2.0 * (k * k - 1.0) * norm;
    double a2 = (1.0 - k / q + k * k) * norm;
    s->lp[i].b0 = k * k * norm;
    s->lp[i].b1 = 2.0 * k * k * norm;
    s->lp[i].b2 = k * k * norm;
    s->lp[i].a1 = a1;
    s->lp[i].a2 = a2;
    s->ap[i].b0 = a2;
    s->ap[i].b1 = a1;
    s->ap[i].b2 = 1.0;
    s->ap[i].a1 = a1;
    s->ap[i].a2 = a2;
  }
}

static double
clamp_freq (const MasterCrossover * x, double f)
{
  if (!(f >= 10.0))
    f = 10.0;
  if (f > 0.45 * x->rate)
    f = 0.45 * x->rate;
  return f;
}

MasterCrossover *
master_crossover_new (int channels, double rate)
{
  MasterCrossover *x;
  if (channels < 1 || channels > MASTER_CROSSOVER_MAX_CHANNELS ||
      !(rate >= 1000.0 && rate <= 1e6))
    return NULL;
  x = calloc (1, sizeof (*x));
  if (!x)
    return NULL;
  x->channels = channels;
  x->rate = rate;
  x->a_glide = exp (-XO_SUBBLOCK / (XO_GLIDE_S * rate));
  master_crossover_configure (x, 1, 24, NULL);
  return x;
}

void
master_crossover_free (MasterCrossover ** px)
{
  if (px && *px) {
    free (*px);
    *px = NULL;
  }
}

static void
sanitize_targets (MasterCrossover * x, const double *freqs)
{
  int j;
  double prev = 0.0;
  for (j = 0; j < x->n_bands - 1; j++) {
    double f = clamp_freq (x, freqs ? freqs[j] : 1000.0);
    if (f < prev)
      f = prev;
    x->split[j].fc_target = f;
    prev = f;
  }
}

int
master_crossover_configure (MasterCrossover * x, int n_bands, int slope_db,
    const double *freqs)
{
  int j;
  if (n_bands < 1 || n_bands > MASTER_CROSSOVER_MAX_BANDS ||
      (slope_db != 24 && slope_db != 48))
    return -1;
  x->n_bands = n_bands;
  x->n_sec = slope_db == 48 ? 2 : 1;
  sanitize_targets (x, freqs);
  for (j = 0; j < n_bands - 1; j++) {
    x->split[j].fc_cur = x->split[j].fc_target;
    design_split (x, &x->split[j]);
  }
  master_crossover_reset (x);
  return 0;
}

void
master_crossover_set_frequencies (MasterCrossover * x, const double *freqs)
{
  sanitize_targets (x, freqs);
}

double
master_crossover_get_frequency (const MasterCrossover * x, int i)
{
  if (i < 0 || i >= x->n_bands - 1)
    return 0.0;
  return x->split[i].fc_cur;
}

int
master_crossover_get_n_bands (const MasterCrossover * x)
{
  return x->n_bands;
}

void
master_crossover_reset (MasterCrossover * x)
{
  int j;
  for (j = 0; j < XO_MAX_SPLITS; j++) {
    memset (x->split[j].lpz, 0, sizeof (x->split[j].lpz));
    memset (x->split[j].apz, 0, sizeof (x->split[j].apz));
  }
  memset (x->compz, 0, sizeof (x->compz));
}

static void
glide (MasterCrossover * x)
{
  int j;
  for (j = 0; j < x->n_bands - 1; j++) {
    XoSplit *s = &x->split[j];
    if (s->fc_cur != s->fc_target) {
      double r = s->fc_target / s->fc_cur;
      if (fabs (r - 1.0) < 1e-6)
        s->fc_cur = s->fc_target;
      else
        s->fc_cur *= pow (r, 1.0 - x->a_glide);
      design_split (x, s);
    }
  }
}

/* keep state finite and out of denormals */
static void
check_state (XoZ * z, int n, int *bad)
{
  int i;
  for (i = 0; i < n; i++) {
    if (!isfinite (z[i].z1) || !isfinite (z[i].z2))
      *bad = 1;
    if (fabs (z[i].z1) < XO_TINY)
      z[i].z1 = 0.0;
    if (fabs (z[i].z2) < XO_TINY)
      z[i].z2 = 0.0;
  }
}

static void
process_sub (MasterCrossover * x, double *const *bands, const double *src,
    int n, size_t off)
{
  const int C = x->channels, nb = x->n_bands, ns = x->n_sec;
  double *rest = bands[nb - 1] + off;
  int i, j, b, c, k;

  if (nb == 1) {
    memcpy (rest, src, sizeof (double) * n * C);
    return;
  }
  /* the rest (everything above the splits done so far) lives in the last
   * band's buffer and is split in place */
  for (i = 0; i < n * C; i++)
    rest[i] = src[i];
  for (j = 0; j < nb - 1; j++) {
    XoSplit *s = &x->split[j];
    double *low = bands[j] + off;
    for (c = 0; c < C; c++) {
      XoZ lz[2 * XO_MAX_SEC], az[XO_MAX_SEC];
      memcpy (lz, s->lpz[c], sizeof (lz));
      memcpy (az, s->apz[c], sizeof (az));
      if (ns == 1) {
        for (i = 0; i < n; i++) {
          double v = rest[i * C + c];
          double l = sos_tick (&s->lp[0], &lz[1], sos_tick (&s->lp[0], &lz[0],
                  v));
          double a = sos_tick (&s->ap[0], &az[0], v);
          low[i * C + c] = l;
          rest[i * C + c] = a - l;
        }
      } else {
        for (i = 0; i < n; i++) {
          double v = rest[i * C + c];
          double l = sos_tick (&s->lp[0], &lz[0], v);
          double a;
          l = sos_tick (&s->lp[1], &lz[1], l);
          l = sos_tick (&s->lp[0], &lz[2], l);
          l = sos_tick (&s->lp[1], &lz[3], l);
          a = sos_tick (&s->ap[0], &az[0], v);
          a = sos_tick (&s->ap[1], &az[1], a);
          low[i * C + c] = l;
          rest[i * C + c] = a - l;
        }
      }
      memcpy (s->lpz[c], lz, sizeof (lz));
      memcpy (s->apz[c], az, sizeof (az));
    }
  }
  /* allpass compensation: band b gets the allpass of every split above it */
  for (b = 0; b < nb - 2; b++) {
    double *y = bands[b] + off;
    for (j = b + 1; j < nb - 1; j++) {
      const XoSplit *s = &x->split[j];
      for (c = 0; c < C; c++) {
        XoZ *z = x->compz[b][j][c];
        for (k = 0; k < ns; k++) {
          XoZ zz = z[k];
          const XoSos *q = &s->ap[k];
          for (i = 0; i < n; i++)
            y[i * C + c] = sos_tick (q, &zz, y[i * C + c]);
          z[k] = zz;
        }
      }
    }
  }
}

void
master_crossover_process (MasterCrossover * x, double *const *bands,
    const double *src, int n_frames)
{
  const int C = x->channels;
  int done = 0, j, bad = 0;

  while (done < n_frames) {
    int n = n_frames - done;
    if (n > XO_SUBBLOCK)
      n = XO_SUBBLOCK;
    glide (x);
    process_sub (x, bands, src + (size_t) done * C, n, (size_t) done * C);
    done += n;
  }
  for (j = 0; j < x->n_bands - 1; j++) {
    check_state (&x->split[j].lpz[0][0],
        MASTER_CROSSOVER_MAX_CHANNELS * 2 * XO_MAX_SEC, &bad);
    check_state (&x->split[j].apz[0][0],
        MASTER_CROSSOVER_MAX_CHANNELS * XO_MAX_SEC, &bad);
  }
  check_state (&x->compz[0][0][0][0], sizeof (x->compz) / sizeof (XoZ), &bad);
  if (bad)
    master_crossover_reset (x);
}

static void
sos_response (const XoSos * s, double w, double *re, double *im)
{
  /* H(e^jw) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2) */
  double c1 = cos (w), s1 = -sin (w), c2 = cos (2 * w), s2 = -sin (2 * w);
  double nr = s->b0 + s->b1 * c1 + s->b2 * c2, ni = s->b1 * s1 + s->b2 * s2;
  double dr = 1.0 + s->a1 * c1 + s->a2 * c2, di = s->a1 * s1 + s->a2 * s2;
  double den = dr * dr + di * di;
  *re = (nr * dr + ni * di) / den;
  *im = (ni * dr - nr * di) / den;
}

void
master_crossover_allpass_response (const MasterCrossover * x, double f,
    double *re, double *im)
{
  double w = 2.0 * M_PI * f / x->rate, hr = 1.0, hi = 0.0;
  int j, k;
  for (j = 0; j < x->n_bands - 1; j++) {
    for (k = 0; k < x->n_sec; k++) {
      double r, i, t;
      sos_response (&x->split[j].ap[k], w, &r, &i);
      t = hr * r - hi * i;
      hi = hr * i + hi * r;
      hr = t;
    }
  }
  *re = hr;
  *im = hi;
}
