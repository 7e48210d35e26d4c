/* gst-mastering: Linkwitz-Riley band splitter. See crossover.h. */
#include "crossover.h"
#include "simd.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define XO_MAX_SPLITS (MASTER_CROSSOVER_MAX_BANDS - 1)
#define XO_MAX_SEC 2            /* 2nd-order sections per Butterworth (LR8) */
#define XO_SUBBLOCK 32          /* frames between coefficient updates */
#define XO_GLIDE_S 0.020        /* frequency glide time constant, s */
#define XO_TINY 1e-30

/* second-order section, transposed direct form II */
typedef struct
{
  double b0, b1, b2, a1, a2;
} XoSos;

/* Filter state, [slot][channel]: every slot is one state variable (z1 or z2)
 * of one section for all channels side by side, so that a channel pair is
 * one 2-lane vector (see tree_kernel). */
#define XO_ST_LP(j, p, z) ((((j) * 2 * XO_MAX_SEC) + (p)) * 2 + (z))
#define XO_ST_AP(j, k, z) (XO_MAX_SPLITS * 2 * XO_MAX_SEC * 2 + \
    (((j) * XO_MAX_SEC) + (k)) * 2 + (z))
#define XO_ST_COMP(b, j, k, z) (XO_MAX_SPLITS * 3 * XO_MAX_SEC * 2 + \
    ((((b) * XO_MAX_SPLITS + (j)) * XO_MAX_SEC) + (k)) * 2 + (z))
#define XO_N_SLOTS (XO_MAX_SPLITS * 3 * XO_MAX_SEC * 2 + \
    MASTER_CROSSOVER_MAX_BANDS * XO_MAX_SPLITS * XO_MAX_SEC * 2)

typedef struct
{
  double fc_cur, fc_target;
  XoSos lp[XO_MAX_SEC];         /* Butterworth low-pass sections */
  XoSos ap[XO_MAX_SEC];         /* matching allpass sections */
} XoSplit;

struct MasterCrossover
{
  int channels;
  double rate;
  int n_bands;
  int n_sec;                    /* 1 (LR4) or 2 (LR8) */
  double a_glide;               /* per sub-block glide coefficient */
  XoSplit split[XO_MAX_SPLITS];
  /* low-pass passes (each section runs twice: Linkwitz-Riley = BW
   * squared), allpasses, and the compensation allpasses of band b through
   * split j (j > b) */
  double st[XO_N_SLOTS][MASTER_CROSSOVER_MAX_CHANNELS];
};

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
  memset (x->st, 0, sizeof (x->st));
}

/* returns 1 when a split's frequency moved (coefficients redesigned) */
static int
glide (MasterCrossover * x)
{
  int j, moved = 0;
  for (j = 0; j < x->n_bands - 1; j++) {
    XoSplit *s = &x->split[j];
    if (s->fc_cur != s->fc_target) {
      double r = s->fc_target / s->fc_cur;
      if (fabs (r - 1.0) < 1e-6)
        s->fc_cur = s->fc_target;
      else
        s->fc_cur *= pow (r, 1.0 - x->a_glide);
      design_split (x, s);
      moved = 1;
    }
  }
  return moved;
}

static int
gliding (const MasterCrossover * x)
{
  int j;
  for (j = 0; j < x->n_bands - 1; j++)
    if (x->split[j].fc_cur != x->split[j].fc_target)
      return 1;
  return 0;
}

/* ---- the band-splitting tree, one frame at a time ----
 *
 * Every frame runs through the whole tree (all splits, all compensation
 * allpasses) before the next: the recursions of the ~12 (LR4, 4 bands)
 * sections are independent from one frame to the next, so the core overlaps
 * them instead of waiting on one section's feedback at a time.  A channel
 * pair is one 2-lane vector; an odd last channel uses lane 0.  The band and
 * section counts are constants in each instance, so the loops unroll and the
 * state stays in registers. */

/* the vector helpers are inline: no 32-byte vector crosses an ABI boundary */
#pragma GCC diagnostic ignored "-Wpsabi"

typedef double XoV2 __attribute__ ((vector_size (16)));

/* low-pass section (b0 = b2 = g, b1 = 2 g), TDF-II; the feed-forward terms
 * are added before the feedback so the loop-carried chain is short */
#define LP_TICK(g, a1, a2, z1, z2, x, y)                                     \
  do {                                                                       \
    XoV2 gx_ = (g) * (x);                                                    \
    y = gx_ + z1;                                                            \
    z1 = (2.0 * gx_ + z2) - (a1) * y;                                        \
    z2 = gx_ - (a2) * y;                                                     \
  } while (0)

/* allpass section (b0 = a2, b1 = a1, b2 = 1), TDF-II */
#define AP_TICK(a1, a2, z1, z2, x, y)                                        \
  do {                                                                       \
    XoV2 x_ = (x);                                                           \
    y = (a2) * x_ + z1;                                                      \
    z1 = ((a1) * x_ + z2) - (a1) * y;                                        \
    z2 = x_ - (a2) * y;                                                      \
  } while (0)

typedef int64_t XoV2l __attribute__ ((vector_size (16)));

/* stores one state variable (2 lanes), flushing values below XO_TINY to 0
 * (denormal protection) and accumulating 0 * v into *chk (NaN if v is not
 * finite) */
static inline __attribute__ ((always_inline)) void
put_state (double *dst, XoV2 v, XoV2 * chk)
{
  const XoV2 tiny = { XO_TINY, XO_TINY };
  XoV2l small = (XoV2) ((XoV2l) v & 0x7FFFFFFFFFFFFFFFLL) < tiny;
  v = (XoV2) ((XoV2l) v & ~small);
  *chk += v * 0.0;
  memcpy (dst, &v, sizeof v);
}

/* Two sections side by side for one channel pair: lanes 0-1 one section,
 * lanes 2-3 another (one AVX register, two SSE2 registers in the default
 * build), general TDF-II with per-lane coefficients. */
typedef double XoV4 __attribute__ ((vector_size (32)));

typedef struct
{
  XoV4 b0, b1, b2, a1, a2;
} XoSos4;

#define SEC4_TICK(c, z1, z2, x, y)                                           \
  do {                                                                       \
    XoV4 x4_ = (x);                                                          \
    y = (c).b0 * x4_ + z1;                                                   \
    z1 = ((c).b1 * x4_ + z2) - (c).a1 * y;                                   \
    z2 = (c).b2 * x4_ - (c).a2 * y;                                          \
  } while (0)

static inline __attribute__ ((always_inline)) XoV4
v4_join (XoV2 lo, XoV2 hi)
{
  return (XoV4) { lo[0], lo[1], hi[0], hi[1] };
}

static inline __attribute__ ((always_inline)) XoV2
v4_lo (XoV4 v)
{
  return (XoV2) { v[0], v[1] };
}

static inline __attribute__ ((always_inline)) XoV2
v4_hi (XoV4 v)
{
  return (XoV2) { v[2], v[3] };
}

static inline __attribute__ ((always_inline)) XoV4
get_state4 (const double *lo, const double *hi)
{
  XoV2 l, h;
  memcpy (&l, lo, sizeof l);
  memcpy (&h, hi, sizeof h);
  return v4_join (l, h);
}

static inline __attribute__ ((always_inline)) void
put_state4 (double *lo, double *hi, XoV4 v, XoV2 * chk)
{
  put_state (lo, v4_lo (v), chk);
  put_state (hi, v4_hi (v), chk);
}

/* lanes 0-1 section `lo`, lanes 2-3 section `hi` */
static inline __attribute__ ((always_inline)) XoSos4
sos4 (const XoSos * lo, const XoSos * hi)
{
  XoSos4 c;
  c.b0 = (XoV4) { lo->b0, lo->b0, hi->b0, hi->b0 };
  c.b1 = (XoV4) { lo->b1, lo->b1, hi->b1, hi->b1 };
  c.b2 = (XoV4) { lo->b2, lo->b2, hi->b2, hi->b2 };
  c.a1 = (XoV4) { lo->a1, lo->a1, hi->a1, hi->a1 };
  c.a2 = (XoV4) { lo->a2, lo->a2, hi->a2, hi->a2 };
  return c;
}

/* Runs n frames of channels c0 (and c0 + 1 if PAIR) through the tree;
 * returns 1 if the state went non-finite (the caller resets it).
 *
 * Per split j, sections that do not depend on each other run side by side
 * in one 4-lane vector:
 *   stage A (NS steps): low-pass passes 0..NS-1 | the split's allpass
 *     (same denominators; both take the split's input, then their own
 *     previous step);
 *   stage B (NS steps): low-pass passes NS..2NS-1 | band 0's compensation
 *     allpass (a 2-lane section for split 0, which has no band below);
 *   stage C: bands 1..j-1's compensation allpasses two by two (an odd one
 *     alone in 2 lanes). */
static inline __attribute__ ((always_inline)) int
tree_kernel (MasterCrossover * x, double *const *bands, const double *src,
    int n, size_t off, int c0, const int NB, const int NS, const int PAIR)
{
  const int C = x->channels;
  /* coefficients: LP|AP and AP|AP per split and section */
  XoSos4 cla[XO_MAX_SPLITS][XO_MAX_SEC], caa[XO_MAX_SPLITS][XO_MAX_SEC];
  XoV2 g[XO_MAX_SEC], a1[XO_MAX_SPLITS][XO_MAX_SEC],
      a2[XO_MAX_SPLITS][XO_MAX_SEC];
  /* 4-lane state of stages A, B, C (pair starting at band b) */
  XoV4 za[XO_MAX_SPLITS][XO_MAX_SEC][2] = { 0 };
  XoV4 zb[XO_MAX_SPLITS][XO_MAX_SEC][2] = { 0 };
  XoV4 zc[XO_MAX_SPLITS][MASTER_CROSSOVER_MAX_BANDS][XO_MAX_SEC][2] = { 0 };
  /* 2-lane state: split 0's last low-pass passes; odd compensation */
  XoV2 z0[XO_MAX_SEC][2] = { 0 };
  XoV2 zo[XO_MAX_SPLITS][XO_MAX_SEC][2] = { 0 };
  double *out[MASTER_CROSSOVER_MAX_BANDS];
  XoV2 chk = { 0.0, 0.0 };
  int i, j, k, b;

#define ST(slot) (&x->st[slot][c0])
  for (b = 0; b < NB; b++)
    out[b] = bands[b] + off + c0;
  for (j = 0; j < NB - 1; j++) {
    const XoSplit *s = &x->split[j];
    for (k = 0; k < NS; k++) {
      cla[j][k] = sos4 (&s->lp[k], &s->ap[k]);
      caa[j][k] = sos4 (&s->ap[k], &s->ap[k]);
      a1[j][k] = (XoV2) { s->ap[k].a1, s->ap[k].a1 };
      a2[j][k] = (XoV2) { s->ap[k].a2, s->ap[k].a2 };
      if (j == 0)
        g[k] = (XoV2) { s->lp[k].b0, s->lp[k].b0 };
      za[j][k][0] = get_state4 (ST (XO_ST_LP (j, k, 0)), ST (XO_ST_AP (j, k,
                  0)));
      za[j][k][1] = get_state4 (ST (XO_ST_LP (j, k, 1)), ST (XO_ST_AP (j, k,
                  1)));
      if (j == 0) {
        memcpy (&z0[k][0], ST (XO_ST_LP (0, NS + k, 0)), sizeof (XoV2));
        memcpy (&z0[k][1], ST (XO_ST_LP (0, NS + k, 1)), sizeof (XoV2));
      } else {
        zb[j][k][0] = get_state4 (ST (XO_ST_LP (j, NS + k, 0)),
            ST (XO_ST_COMP (0, j, k, 0)));
        zb[j][k][1] = get_state4 (ST (XO_ST_LP (j, NS + k, 1)),
            ST (XO_ST_COMP (0, j, k, 1)));
      }
      for (b = 1; b + 1 < j; b += 2) {
        zc[j][b][k][0] = get_state4 (ST (XO_ST_COMP (b, j, k, 0)),
            ST (XO_ST_COMP (b + 1, j, k, 0)));
        zc[j][b][k][1] = get_state4 (ST (XO_ST_COMP (b, j, k, 1)),
            ST (XO_ST_COMP (b + 1, j, k, 1)));
      }
      if (b < j) {
        memcpy (&zo[j][k][0], ST (XO_ST_COMP (b, j, k, 0)), sizeof (XoV2));
        memcpy (&zo[j][k][1], ST (XO_ST_COMP (b, j, k, 1)), sizeof (XoV2));
      }
    }
  }

  for (i = 0; i < n; i++) {
    const size_t o = (size_t) i * C;
    XoV2 v, y[MASTER_CROSSOVER_MAX_BANDS];
    if (PAIR)
      memcpy (&v, src + o + c0, sizeof (XoV2));
    else
      v = (XoV2) { src[o + c0], 0.0 };
    #pragma GCC unroll 8
    for (j = 0; j < NB - 1; j++) {
      XoV4 q = v4_join (v, v), r;
      XoV2 l, a, t;
      /* A: low-pass first passes | allpass, both from v */
      #pragma GCC unroll 8
      for (k = 0; k < NS; k++) {
        SEC4_TICK (cla[j][k], za[j][k][0], za[j][k][1], q, r);
        q = r;
      }
      l = v4_lo (q);
      a = v4_hi (q);
      /* B: low-pass second passes (Linkwitz-Riley = Butterworth squared) |
       * band 0 compensation */
      if (j == 0) {
        #pragma GCC unroll 8
        for (k = 0; k < NS; k++) {
          LP_TICK (g[k], a1[0][k], a2[0][k], z0[k][0], z0[k][1], l, t);
          l = t;
        }
      } else {
        q = v4_join (l, y[0]);
        #pragma GCC unroll 8
        for (k = 0; k < NS; k++) {
          SEC4_TICK (cla[j][k], zb[j][k][0], zb[j][k][1], q, r);
          q = r;
        }
        l = v4_lo (q);
        y[0] = v4_hi (q);
      }
      /* C: the other bands below get this split's allpass too */
      #pragma GCC unroll 8
      for (b = 1; b + 1 < j; b += 2) {
        q = v4_join (y[b], y[b + 1]);
        #pragma GCC unroll 8
        for (k = 0; k < NS; k++) {
          SEC4_TICK (caa[j][k], zc[j][b][k][0], zc[j][b][k][1], q, r);
          q = r;
        }
        y[b] = v4_lo (q);
        y[b + 1] = v4_hi (q);
      }
      if (b < j)
        #pragma GCC unroll 8
        for (k = 0; k < NS; k++) {
          AP_TICK (a1[j][k], a2[j][k], zo[j][k][0], zo[j][k][1], y[b], t);
          y[b] = t;
        }
      y[j] = l;
      v = a - l;
    }
    y[NB - 1] = v;
    #pragma GCC unroll 8
    for (b = 0; b < NB; b++) {
      if (PAIR)
        memcpy (out[b] + o, &y[b], sizeof (XoV2));
      else
        out[b][o] = y[b][0];
    }
  }

  for (j = 0; j < NB - 1; j++) {
    for (k = 0; k < NS; k++) {
      put_state4 (ST (XO_ST_LP (j, k, 0)), ST (XO_ST_AP (j, k, 0)),
          za[j][k][0], &chk);
      put_state4 (ST (XO_ST_LP (j, k, 1)), ST (XO_ST_AP (j, k, 1)),
          za[j][k][1], &chk);
      if (j == 0) {
        put_state (ST (XO_ST_LP (0, NS + k, 0)), z0[k][0], &chk);
        put_state (ST (XO_ST_LP (0, NS + k, 1)), z0[k][1], &chk);
      } else {
        put_state4 (ST (XO_ST_LP (j, NS + k, 0)), ST (XO_ST_COMP (0, j, k,
                    0)), zb[j][k][0], &chk);
        put_state4 (ST (XO_ST_LP (j, NS + k, 1)), ST (XO_ST_COMP (0, j, k,
                    1)), zb[j][k][1], &chk);
      }
      for (b = 1; b + 1 < j; b += 2) {
        put_state4 (ST (XO_ST_COMP (b, j, k, 0)), ST (XO_ST_COMP (b + 1, j, k,
                    0)), zc[j][b][k][0], &chk);
        put_state4 (ST (XO_ST_COMP (b, j, k, 1)), ST (XO_ST_COMP (b + 1, j, k,
                    1)), zc[j][b][k][1], &chk);
      }
      if (b < j) {
        put_state (ST (XO_ST_COMP (b, j, k, 0)), zo[j][k][0], &chk);
        put_state (ST (XO_ST_COMP (b, j, k, 1)), zo[j][k][1], &chk);
      }
    }
  }
#undef ST
  /* 0 * finite = 0, 0 * NaN/Inf = NaN */
  return !(chk[0] == 0.0 && chk[1] == 0.0);
}


typedef int (*XoKernel) (MasterCrossover *, double *const *, const double *,
    int, size_t, int);

#define DEFINE_KERNEL(NB, NS, PAIR)                                          \
MASTER_CLONES_V3 static int                                                         \
tree_##NB##_##NS##_##PAIR (MasterCrossover * x, double *const *bands,        \
    const double *src, int n, size_t off, int c0)                            \
{                                                                            \
  return tree_kernel (x, bands, src, n, off, c0, NB, NS, PAIR);              \
}
#define DEFINE_KERNELS(NB) \
  DEFINE_KERNEL (NB, 1, 0) DEFINE_KERNEL (NB, 1, 1) \
  DEFINE_KERNEL (NB, 2, 0) DEFINE_KERNEL (NB, 2, 1)
DEFINE_KERNELS (2)
DEFINE_KERNELS (3)
DEFINE_KERNELS (4)
DEFINE_KERNELS (5)
DEFINE_KERNELS (6)

/* [n_bands - 2][n_sec - 1][pair] */
static const XoKernel kernels[MASTER_CROSSOVER_MAX_BANDS - 1][2][2] = {
  {{tree_2_1_0, tree_2_1_1}, {tree_2_2_0, tree_2_2_1}},
  {{tree_3_1_0, tree_3_1_1}, {tree_3_2_0, tree_3_2_1}},
  {{tree_4_1_0, tree_4_1_1}, {tree_4_2_0, tree_4_2_1}},
  {{tree_5_1_0, tree_5_1_1}, {tree_5_2_0, tree_5_2_1}},
  {{tree_6_1_0, tree_6_1_1}, {tree_6_2_0, tree_6_2_1}},
};

/* returns 1 if the state went non-finite */
static int
process_sub (MasterCrossover * x, double *const *bands, const double *src,
    int n, size_t off)
{
  const int C = x->channels, nb = x->n_bands;
  int c0, bad = 0;

  if (nb == 1) {
    memcpy (bands[0] + off, src, sizeof (double) * n * C);
    return 0;
  }
  for (c0 = 0; c0 + 1 < C; c0 += 2)
    bad |= kernels[nb - 2][x->n_sec - 1][1] (x, bands, src, n, off, c0);
  if (c0 < C)
    bad |= kernels[nb - 2][x->n_sec - 1][0] (x, bands, src, n, off, c0);
  return bad;
}

void
master_crossover_process (MasterCrossover * x, double *const *bands,
    const double *src, int n_frames)
{
  const int C = x->channels;
  int done = 0, bad = 0;

  while (done < n_frames) {
    int n = n_frames - done;
    /* coefficients move every XO_SUBBLOCK frames while a split glides */
    if (gliding (x)) {
      if (n > XO_SUBBLOCK)
        n = XO_SUBBLOCK;
      glide (x);
    }
    bad |= process_sub (x, bands, src + (size_t) done * C, n,
        (size_t) done * C);
    done += n;
  }
  /* a NaN that reached the state (input must be finite; overflow) clears
   * it: the next block is finite again */
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
