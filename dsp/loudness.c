/* gst-mastering: BS.1770 / EBU R128 loudness measurement. See loudness.h. */
#include "loudness.h"
#include "simd.h"
#include "kweight.h"
#include "nonfinite.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* true peak: frames interpolated per pass (bounds the per-channel buffer) */
#define TP_BLOCK 256
#define TP_HIST 32
/* libebur128's interpolator: 49 taps, Hann-windowed sinc */
#define TP_TAPS_TOTAL 49

/* block energies below this are not gating blocks (-70 LUFS) */
#define HIST_LO_LUFS (-70.0)
#define HIST_BIN_DB 0.01

typedef double v2d __attribute__ ((vector_size (16)));
typedef double v4d __attribute__ ((vector_size (32)));
typedef double v2du __attribute__ ((vector_size (16), aligned (8)));
typedef long long v2l __attribute__ ((vector_size (16)));
typedef long long v4l __attribute__ ((vector_size (32)));
typedef double v4du __attribute__ ((vector_size (32), aligned (8)));

/* branch-free |x| and max on vectors (andpd / cmppd + blend) */
#define V4_ABS_MASK ((v4l) { INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX })
#define V4_ABS(x) ((v4d) ((v4l) (x) & V4_ABS_MASK))
#define V4_MAX(a, b) \
  ((v4d) ((((v4l) ((a) > (b))) & (v4l) (a)) | (~((v4l) ((a) > (b))) & (v4l) (b))))

static inline v2d
v2_abs (v2d x)
{
  const v2l mask = { INT64_MAX, INT64_MAX };
  return (v2d) ((v2l) x & mask);
}

static inline v2d
v2_max (v2d a, v2d b)
{
  v2l gt = a > b;
  return (v2d) ((gt & (v2l) a) | (~gt & (v2l) b));
}

static double
position_weight (MasterLoudnessPosition pos)
{
  switch (pos) {
    case MASTER_LOUDNESS_POS_LFE:
      return 0.0;
    case MASTER_LOUDNESS_POS_DUAL_MONO:
      return 2.0;
    case MASTER_LOUDNESS_POS_SURROUND_LEFT:
    case MASTER_LOUDNESS_POS_SURROUND_RIGHT:
    case MASTER_LOUDNESS_POS_SIDE_LEFT:
    case MASTER_LOUDNESS_POS_SIDE_RIGHT:
      return 1.41;              /* BS.1770 G for +-60..120 degrees */
    default:
      return 1.0;
  }
}

static void
default_weights (double *w, unsigned int channels)
{
  static const double w5[5] = { 1.0, 1.0, 1.0, 1.41, 1.41 };
  static const double w6[6] = { 1.0, 1.0, 1.0, 0.0, 1.41, 1.41 };
  unsigned int c;

  for (c = 0; c < channels; c++) {
    if (channels == 5)
      w[c] = w5[c];
    else if (channels == 6)
      w[c] = w6[c];
    else
      w[c] = 1.0;
  }
}

static inline double
energy_threshold_abs (void)
{
  /* libebur128's histogram_energy_boundaries[0] */
  return pow (10.0, (HIST_LO_LUFS + 0.691) / 10.0);
}

static inline double
lufs_from_energy (double energy)
{
  if (!(energy > 0.0))
    return -HUGE_VAL;
  return 10.0 * log10 (energy) - 0.691;
}

/* ---- block-energy histogram ---- */

static int
hist_index (double e)
{
  double l = (lufs_from_energy (e) - HIST_LO_LUFS) / HIST_BIN_DB;
  if (!(l > 0.0))
    return 0;
  if (l >= MASTER_LOUDNESS_HIST_BINS - 1)
    return MASTER_LOUDNESS_HIST_BINS - 1;
  return (int) l;
}

static void
hist_clear (MasterLoudnessHist * h)
{
  if (h->bin)
    memset (h->bin, 0, MASTER_LOUDNESS_HIST_BINS * sizeof (h->bin[0]));
  memset (h->group_sum, 0, sizeof (h->group_sum));
  memset (h->group_count, 0, sizeof (h->group_count));
  h->ring_head = h->ring_len = 0;
  h->generation++;
}

static void
hist_add (MasterLoudnessHist * h, double e)
{
  int i = hist_index (e), g = i / MASTER_LOUDNESS_HIST_GROUP;
  MasterLoudnessBin *b = &h->bin[i];

  if (b->count == 0) {
    b->sum = b->lo = b->hi = e;
    b->stale = 0;
  } else {
    b->sum += e;
    if (e < b->lo)
      b->lo = e;
    if (e > b->hi)
      b->hi = e;
  }
  b->count++;
  h->group_sum[g] += e;
  h->group_count[g]++;
  h->generation++;
}

static void
hist_remove (MasterLoudnessHist * h, double e)
{
  int i = hist_index (e), g = i / MASTER_LOUDNESS_HIST_GROUP;
  MasterLoudnessBin *b = &h->bin[i];

  if (b->count == 0)
    return;
  b->count--;
  if (b->count == 0) {
    b->sum = b->lo = b->hi = 0.0;
    b->stale = 0;
  } else if (b->count == 1) {
    b->sum -= e;
    b->lo = b->hi = b->sum;
    b->stale = 0;
  } else {
    b->sum -= e;
    b->stale = 1;
  }
  if (--h->group_count[g] == 0)
    h->group_sum[g] = 0.0;
  else
    h->group_sum[g] -= e;
  h->generation++;
}

/* Add a block, dropping the oldest one when a history is full. */
static void
hist_push (MasterLoudnessHist * h, double e)
{
  if (!(e <= 1e30))
    e = 1e30;                   /* +300 LUFS: keeps sums finite (absurd input) */
  if (h->ring_cap > 0) {
    if (h->ring_len == h->ring_cap) {
      hist_remove (h, h->ring[h->ring_head]);
      h->ring[h->ring_head] = e;
      h->ring_head = (h->ring_head + 1) % h->ring_cap;
    } else {
      h->ring[(h->ring_head + h->ring_len) % h->ring_cap] = e;
      h->ring_len++;
    }
  }
  hist_add (h, e);
}

static void
hist_totals (const MasterLoudnessHist * h, double *sum,
    unsigned long long *count)
{
  double s = 0.0;
  unsigned long long c = 0;
  int g;

  for (g = 0; g < MASTER_LOUDNESS_HIST_GROUPS; g++) {
    s += h->group_sum[g];
    c += h->group_count[g];
  }
  *sum = s;
  *count = c;
}

/* How many blocks of bin @b have energy >= @thr (exact whenever the bin's
 * bounds decide, else estimated uniformly between the bounds). */
static unsigned int
bin_count_above (const MasterLoudnessBin * b, double thr)
{
  double f;

  if (b->count == 0 || thr > b->hi)
    return 0;
  if (thr <= b->lo)
    return b->count;
  if (b->count == 2 && !b->stale)
    return 1;                   /* lo < thr <= hi: exactly the larger one */
  f = (b->hi - thr) / (b->hi - b->lo);
  return (unsigned int) lround (f * b->count);
}

/* Energy of the @k largest blocks of bin @b (k <= count). */
static double
bin_sum_top (const MasterLoudnessBin * b, unsigned int k)
{
  if (k == b->count)
    return b->sum;
  if (k == 0)
    return 0.0;
  if (b->count == 2 && !b->stale)
    return b->hi;
  /* estimate: the top k spread evenly over the top of [lo, hi] */
  {
    double mean = b->sum / b->count;
    double top_mean = b->hi - (b->hi - b->lo) * (k - 1) / (2.0 * (b->count - 1));
    /* stay consistent with the bin's mean */
    if (top_mean < mean)
      top_mean = mean;
    return top_mean * k;
  }
}

/* Sum and count of the blocks with energy >= @thr. */
static void
hist_above (const MasterLoudnessHist * h, double thr, double *sum,
    unsigned long long *count)
{
  double s = 0.0;
  unsigned long long c = 0;
  int i, g, j;
  unsigned int k;

  if (!(thr >= energy_threshold_abs ())) {
    hist_totals (h, sum, count);
    return;
  }
  i = hist_index (thr);
  g = i / MASTER_LOUDNESS_HIST_GROUP;
  for (j = MASTER_LOUDNESS_HIST_GROUPS - 1; j > g; j--) {
    s += h->group_sum[j];
    c += h->group_count[j];
  }
  for (j = (g + 1) * MASTER_LOUDNESS_HIST_GROUP - 1; j > i; j--) {
    s += h->bin[j].sum;
    c += h->bin[j].count;
  }
  k = bin_count_above (&h->bin[i], thr);
  s += bin_sum_top (&h->bin[i], k);
  c += k;
  *sum = s;
  *count = c;
}

/* Energy of the block of rank @r (0 = smallest) among those >= @thr, whose
 * count is @n (from hist_above). */
static double
hist_rank (const MasterLoudnessHist * h, double thr, unsigned long long r)
{
  int i = 0, g, j;
  unsigned long long seen = 0;
  unsigned int k0 = 0;
  const MasterLoudnessBin *b;

  if (thr >= energy_threshold_abs ())
    i = hist_index (thr);
  /* the cut bin: its top k0 blocks count */
  b = &h->bin[i];
  k0 = thr >= energy_threshold_abs ()? bin_count_above (b, thr) : b->count;
  if (r < k0) {
    j = i;
    r += b->count - k0;         /* position within the whole bin */
    goto in_bin;
  }
  seen = k0;
  /* rest of the cut bin's group */
  g = i / MASTER_LOUDNESS_HIST_GROUP;
  for (j = i + 1; j < (g + 1) * MASTER_LOUDNESS_HIST_GROUP; j++) {
    if (r < seen + h->bin[j].count) {
      r -= seen;
      b = &h->bin[j];
      goto in_bin;
    }
    seen += h->bin[j].count;
  }
  for (g = g + 1; g < MASTER_LOUDNESS_HIST_GROUPS; g++) {
    if (r < seen + h->group_count[g])
      break;
    seen += h->group_count[g];
  }
  if (g >= MASTER_LOUDNESS_HIST_GROUPS)
    return 0.0;                 /* not reached with a consistent r */
  for (j = g * MASTER_LOUDNESS_HIST_GROUP;; j++) {
    if (r < seen + h->bin[j].count) {
      r -= seen;
      b = &h->bin[j];
      break;
    }
    seen += h->bin[j].count;
  }
in_bin:
  if (b->count == 1)
    return b->sum;
  if (r == 0 && !b->stale)
    return b->lo;
  if (r == b->count - 1 && !b->stale)
    return b->hi;
  return b->lo + (b->hi - b->lo) * (double) r / (double) (b->count - 1);
}

static int
hist_alloc (MasterLoudnessHist * h)
{
  h->bin = calloc (MASTER_LOUDNESS_HIST_BINS, sizeof (h->bin[0]));
  return h->bin ? 0 : -1;
}

static void
hist_free (MasterLoudnessHist * h)
{
  free (h->bin);
  free (h->ring);
  memset (h, 0, sizeof (*h));
}

/* Resize the history ring to @cap blocks (0 = unlimited), keeping the newest
 * blocks. Returns 0 or -1 (no memory: unchanged). */
static int
hist_set_cap (MasterLoudnessHist * h, size_t cap)
{
  double *ring = NULL;
  size_t i, keep;

  if (cap == h->ring_cap)
    return 0;
  if (cap == 0) {
    free (h->ring);
    h->ring = NULL;
    h->ring_cap = h->ring_head = h->ring_len = 0;
    return 0;
  }
  ring = malloc (cap * sizeof (double));
  if (ring == NULL)
    return -1;
  if (h->ring_cap == 0) {
    /* unlimited so far: the order of the blocks is unknown, start over */
    hist_clear (h);
    keep = 0;
  } else {
    keep = h->ring_len < cap ? h->ring_len : cap;
    /* drop the oldest */
    while (h->ring_len > keep) {
      hist_remove (h, h->ring[h->ring_head]);
      h->ring_head = (h->ring_head + 1) % h->ring_cap;
      h->ring_len--;
    }
    for (i = 0; i < keep; i++)
      ring[i] = h->ring[(h->ring_head + i) % h->ring_cap];
  }
  free (h->ring);
  h->ring = ring;
  h->ring_cap = cap;
  h->ring_head = 0;
  h->ring_len = keep;
  return 0;
}

/* ---- true-peak interpolator (libebur128's design) ---- */

static void
tp_design (MasterLoudness * m)
{
  unsigned int F, delay, j, p, t, phases = 0, taps = 0;
  double coef[4][32];

  m->tp_factor = 0;
  m->tp_phases = 0;
  m->tp_taps = 0;
  if (!(m->flags & MASTER_LOUDNESS_TRUE_PEAK))
    return;
  if (m->rate < 96000)
    F = 4;
  else if (m->rate < 192000)
    F = 2;
  else
    return;                     /* the sample peak is the true peak */
  delay = (TP_TAPS_TOTAL + F - 1) / F;
  memset (coef, 0, sizeof (coef));
  for (j = 0; j < TP_TAPS_TOTAL; j++) {
    double x = (double) j - (double) (TP_TAPS_TOTAL - 1) / 2.0, c = 1.0;
    if (fabs (x) > 0.000001)
      c = sin (x * M_PI / F) / (x * M_PI / F);
    c *= 0.5 * (1 - cos (2 * M_PI * j / (TP_TAPS_TOTAL - 1)));
    if (fabs (c) > 0.000001)
      coef[j % F][j / F] = c;
  }
  /* keep the phases that are not the input sample itself (a single unit
   * coefficient): the sample peak covers those */
  for (p = 0; p < F; p++) {
    unsigned int nz = 0, last = 0, unit = 0;
    for (t = 0; t < delay; t++) {
      if (coef[p][t] != 0.0) {
        nz++;
        last = t;
        unit = coef[p][t] == 1.0;
      }
    }
    if (nz == 0 || (nz == 1 && unit))
      continue;
    memcpy (m->tp_coef[phases], coef[p], sizeof (coef[p]));
    if (last + 1 > taps)
      taps = last + 1;
    phases++;
  }
  m->tp_factor = F;
  m->tp_phases = phases;
  m->tp_taps = taps;
}

/* max |interpolated| of @n frames of one channel; x points at the first new
 * sample, with tp_taps - 1 samples of history before it. P phases of T taps:
 * literals at each call so the loops unroll. */
static inline __attribute__ ((always_inline)) double
tp_scan (const double (*coef)[32], const double *x, size_t n, const int P,
    const int T)
{
  v4d m4 = { 0.0, 0.0, 0.0, 0.0 };
  double mx = 0.0;
  size_t i = 0;
  int p, t;

  for (; i + 4 <= n; i += 4) {
    v4d a0 = { 0 }, a1 = { 0 }, a2 = { 0 };
#pragma GCC unroll 32
    for (t = 0; t < T; t++) {
      v4d xv = *(const v4du *) (x + i - t);
      a0 += coef[0][t] * xv;
      if (P > 1) {
        a1 += coef[1][t] * xv;
        a2 += coef[2][t] * xv;
      }
    }
    a0 = V4_ABS (a0);
    m4 = V4_MAX (m4, a0);
    if (P > 1) {
      a1 = V4_ABS (a1);
      a2 = V4_ABS (a2);
      a1 = V4_MAX (a1, a2);
      m4 = V4_MAX (m4, a1);
    }
  }
  for (; i < n; i++) {
    for (p = 0; p < P; p++) {
      double a = 0.0;
      for (t = 0; t < T; t++)
        a += coef[p][t] * x[i - t];
      a = fabs (a);
      if (a > mx)
        mx = a;
    }
  }
  for (p = 0; p < 4; p++)
    if (m4[p] > mx)
      mx = m4[p];
  return mx;
}

MASTER_CLONES_V3 static double
tp_scan_4x (const double (*coef)[32], const double *x, size_t n)
{
  return tp_scan (coef, x, n, 3, 12);
}

MASTER_CLONES_V3 static double
tp_scan_2x (const double (*coef)[32], const double *x, size_t n)
{
  return tp_scan (coef, x, n, 1, 24);
}

static double
tp_scan_any (const MasterLoudness * m, const double *x, size_t n)
{
  const double (*coef)[32] = (const double (*)[32]) m->tp_coef;
  double mx = 0.0;
  size_t i;
  unsigned int p, t;

  if (m->tp_phases == 3 && m->tp_taps == 12)
    return tp_scan_4x (coef, x, n);
  if (m->tp_phases == 1 && m->tp_taps == 24)
    return tp_scan_2x (coef, x, n);
  for (i = 0; i < n; i++) {
    for (p = 0; p < m->tp_phases; p++) {
      double a = 0.0;
      for (t = 0; t < m->tp_taps; t++)
        a += coef[p][t] * x[i - t];
      a = fabs (a);
      if (a > mx)
        mx = a;
    }
  }
  return mx;
}

#define DEFINE_TP(sfx, T)                                                     \
static void                                                                   \
tp_process_##sfx (MasterLoudness * m, const T * src, size_t n)                \
{                                                                             \
  const unsigned int ch = m->channels, H = m->tp_taps - 1;                    \
  const size_t stride = TP_HIST + TP_BLOCK;                                   \
  unsigned int c;                                                             \
                                                                              \
  while (n > 0) {                                                             \
    size_t k = n < TP_BLOCK ? n : TP_BLOCK, i;                                \
    for (c = 0; c < ch; c++) {                                                \
      double *b = m->tp_buf + c * stride + TP_HIST;                           \
      const T *s = src + c;                                                   \
      double v;                                                               \
      for (i = 0; i < k; i++)                                                 \
        b[i] = (double) s[i * ch];                                            \
      v = tp_scan_any (m, b, k);                                              \
      if (v > m->true_peak[c])                                                \
        m->true_peak[c] = v;                                                  \
      if (v > m->interval_true_peak[c])                                       \
        m->interval_true_peak[c] = v;                                         \
      /* keep the last H samples as history */                                \
      memmove (b - H, b + k - H, H * sizeof (double));                        \
    }                                                                         \
    src += k * ch;                                                            \
    n -= k;                                                                   \
  }                                                                           \
}

/* ---- K-weighting ---- */

static double
sum_energy (const double *e, size_t n)
{
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += e[i];
    s1 += e[i + 1];
    s2 += e[i + 2];
    s3 += e[i + 3];
  }
  for (; i < n; i++)
    s0 += e[i];
  return (s0 + s1) + (s2 + s3);
}

/* e[i] = w0 zL^2 + w1 zR^2 of interleaved pairs @z; returns the sum */
static inline __attribute__ ((always_inline)) double
energy_stereo (double *restrict e, const double *restrict z, size_t n,
    double w0, double w1)
{
  const v4d w = { w0, w1, w0, w1 };
  v4d acc = { 0 };
  double s = 0.0;
  size_t i = 0;

  for (; i + 4 <= n; i += 4) {
    v4d za = *(const v4du *) (z + 2 * i), zc = *(const v4du *) (z + 2 * i + 4);
    v4d pa = w * za * za, pc = w * zc * zc;
    v4d lo = __builtin_shuffle (pa, pc, (v4l) { 0, 2, 4, 6 });
    v4d hi = __builtin_shuffle (pa, pc, (v4l) { 1, 3, 5, 7 });
    v4d ev = lo + hi;
    *(v4du *) (e + i) = ev;
    acc += ev;
  }
  for (; i < n; i++) {
    e[i] = w0 * z[2 * i] * z[2 * i] + w1 * z[2 * i + 1] * z[2 * i + 1];
    s += e[i];
  }
  return (acc[0] + acc[1]) + (acc[2] + acc[3]) + s;
}

/* One channel pair (c, c + 1) through the K-weighting, frame stride CH:
 * u = shelf, z = high pass, both direct form I (the only loop-carried
 * dependency is one multiply-add per filter). OP: = or += into e[i]. */
#define KW_PAIR(T, CH, OP) KW_PAIR_STMT (T, CH, e[i] OP ez[0] + ez[1])

/* the same, storing the high-pass outputs of the pair (for energy_stereo) */
#define KW_PAIR_Z(T) KW_PAIR_STMT (T, 2, *(v2du *) (zb + 2 * i) = z)

#define KW_PAIR_STMT(T, CH, STMT)                                             \
  do {                                                                        \
    double *s0 = m->kstate[c], *s1 = m->kstate[c + 1];                        \
    v2d x1 = { s0[0], s1[0] }, x2 = { s0[1], s1[1] };                         \
    v2d u1 = { s0[2], s1[2] }, u2 = { s0[3], s1[3] };                         \
    v2d z1 = { s0[4], s1[4] }, z2 = { s0[5], s1[5] };                         \
    const v2d w = { m->weight[c], m->weight[c + 1] };                         \
    const T *s = src + c;                                                     \
    for (size_t i = 0; i < n; i++) {                                          \
      v2d x = { (double) s[i * (CH)], (double) s[i * (CH) + 1] };             \
      v2d u = b0 * x + b1 * x1 + b2 * x2 - a2 * u2 - a1 * u1;                 \
      v2d z = u - 2.0 * u1 + u2 - r2 * z2 - r1 * z1;                          \
      v2d ez = w * z * z;                                                     \
      x2 = x1;                                                                \
      x1 = x;                                                                 \
      u2 = u1;                                                                \
      u1 = u;                                                                 \
      z2 = z1;                                                                \
      z1 = z;                                                                 \
      (void) ez;                                                              \
      STMT;                                                                   \
    }                                                                         \
    s0[0] = x1[0]; s1[0] = x1[1];                                             \
    s0[1] = x2[0]; s1[1] = x2[1];                                             \
    s0[2] = u1[0]; s1[2] = u1[1];                                             \
    s0[3] = u2[0]; s1[3] = u2[1];                                             \
    s0[4] = z1[0]; s1[4] = z1[1];                                             \
    s0[5] = z2[0]; s1[5] = z2[1];                                             \
  } while (0)

#define KW_ONE(T, CH, OP)                                                     \
  do {                                                                        \
    double *st = m->kstate[c];                                                \
    double x1 = st[0], x2 = st[1], u1 = st[2], u2 = st[3], z1 = st[4],        \
        z2 = st[5];                                                           \
    const double w = m->weight[c];                                            \
    const T *s = src + c;                                                     \
    for (size_t i = 0; i < n; i++) {                                          \
      double x = (double) s[i * (CH)];                                        \
      double u = b0 * x + b1 * x1 + b2 * x2 - a2 * u2 - a1 * u1;              \
      double z = u - 2.0 * u1 + u2 - r2 * z2 - r1 * z1;                       \
      x2 = x1;                                                                \
      x1 = x;                                                                 \
      u2 = u1;                                                                \
      u1 = u;                                                                 \
      z2 = z1;                                                                \
      z1 = z;                                                                 \
      e[i] OP w * z * z;                                                      \
    }                                                                         \
    st[0] = x1; st[1] = x2; st[2] = u1; st[3] = u2; st[4] = z1; st[5] = z2;   \
  } while (0)

/* Filter @n frames of @src through the K-weighting of each channel and
 * write the weighted energy of every frame to @e. */
#define DEFINE_KW(sfx, T)                                                     \
MASTER_CLONES_V3 static double                                                   \
kw_process_##sfx (MasterLoudness * m, const T * src, size_t n, double *e)     \
{                                                                             \
  const unsigned int ch = m->channels;                                        \
  const double b0 = m->kw[0], b1 = m->kw[1], b2 = m->kw[2], a1 = m->kw[3],    \
      a2 = m->kw[4], r1 = m->kw[5], r2 = m->kw[6];                            \
  unsigned int c = 0;                                                         \
                                                                              \
  if (ch == 2) {                                                              \
    /* the filters alone in the recursive loop; energies in 256-bit lanes */  \
    double *zb = m->zbuf;                                                     \
    KW_PAIR_Z (T);                                                            \
    return energy_stereo (e, zb, n, m->weight[0], m->weight[1]);              \
  }                                                                           \
  if (ch == 1) {                                                              \
    KW_ONE (T, 1, =);                                                         \
  } else {                                                                    \
    KW_PAIR (T, ch, =);                                                       \
    for (c = 2; c + 2 <= ch; c += 2)                                          \
      KW_PAIR (T, ch, +=);                                                    \
    if (c < ch)                                                               \
      KW_ONE (T, ch, +=);                                                     \
  }                                                                           \
  return sum_energy (e, n);                                                   \
}

/* max of two vectors of non-NaN values */
#if defined(__SSE2__)
#define VMAX_32(a, b) __builtin_ia32_maxps ((a), (b))
#define VMAX_64(a, b) __builtin_ia32_maxpd ((a), (b))
#else
#define VMAX_32(a, b) \
  ((__typeof__ (a)) ((((a) > (b)) & (vI) (a)) | (~((a) > (b)) & (vI) (b))))
#define VMAX_64(a, b) VMAX_32 (a, b)
#endif

/* Per-channel sample peaks of @n frames (in 16-byte vectors when the
 * channel count divides the lanes: 1, 2, 4 channels of float, 1, 2 of
 * double). */
#define DEFINE_PEAKS(sfx, T)                                                  \
static void                                                                   \
peaks_f##sfx (MasterLoudness * m, const T * s, size_t n)                       \
{                                                                             \
  const unsigned int ch = m->channels;                                        \
  double pk[MASTER_LOUDNESS_MAX_CHANNELS];                                    \
  unsigned int c;                                                             \
                                                                              \
  if ((16 / sizeof (T)) % ch == 0) {                                          \
    /* 16-byte vectors of |x| (sign bit cleared), max by compare + mask */    \
    typedef T vT __attribute__ ((vector_size (16)));                          \
    typedef T vTu __attribute__ ((vector_size (16), aligned (sizeof (T))));   \
    typedef int##sfx##_t vI __attribute__ ((vector_size (16)));               \
    enum { L = 16 / sizeof (T) };                                             \
    const vI mask = (vI) { 0 } + (int##sfx##_t) (~((uint##sfx##_t) 1 << (sizeof (T) * 8 - 1))); \
    vT acc = { 0 }, acc1 = { 0 }, acc2 = { 0 }, acc3 = { 0 };                 \
    size_t i = 0, N = n * ch;                                                 \
    for (; i + 4 * L <= N; i += 4 * L) {                                      \
      vT v0 = (vT) ((vI) * (const vTu *) (s + i) & mask);                     \
      vT v1 = (vT) ((vI) * (const vTu *) (s + i + L) & mask);                 \
      vT v2 = (vT) ((vI) * (const vTu *) (s + i + 2 * L) & mask);             \
      vT v3 = (vT) ((vI) * (const vTu *) (s + i + 3 * L) & mask);             \
      acc = VMAX_##sfx (acc, v0);                                             \
      acc1 = VMAX_##sfx (acc1, v1);                                           \
      acc2 = VMAX_##sfx (acc2, v2);                                           \
      acc3 = VMAX_##sfx (acc3, v3);                                           \
    }                                                                         \
    acc = VMAX_##sfx (acc, acc1);                                             \
    acc2 = VMAX_##sfx (acc2, acc3);                                           \
    acc = VMAX_##sfx (acc, acc2);                                             \
    for (c = 0; c < ch; c++)                                                  \
      pk[c] = 0.0;                                                            \
    for (unsigned int l = 0; l < L; l++)                                      \
      if (acc[l] > pk[l % ch])                                                \
        pk[l % ch] = acc[l];                                                  \
    for (; i < N; i++) {                                                      \
      T v = s[i] < 0 ? -s[i] : s[i];                                          \
      if (v > pk[i % ch])                                                     \
        pk[i % ch] = v;                                                       \
    }                                                                         \
  } else {                                                                    \
    for (c = 0; c < ch; c++) {                                                \
      T p = 0;                                                                \
      for (size_t i = 0; i < n; i++) {                                        \
        T v = s[i * ch + c] < 0 ? -s[i * ch + c] : s[i * ch + c];             \
        p = v > p ? v : p;                                                    \
      }                                                                       \
      pk[c] = p;                                                              \
    }                                                                         \
  }                                                                           \
  for (c = 0; c < ch; c++) {                                                  \
    if (pk[c] > m->sample_peak[c])                                            \
      m->sample_peak[c] = pk[c];                                              \
    if (pk[c] > m->interval_sample_peak[c])                                   \
      m->interval_sample_peak[c] = pk[c];                                     \
  }                                                                           \
}

DEFINE_KW (f32, float)
DEFINE_KW (f64, double)
DEFINE_PEAKS (32, float)
DEFINE_PEAKS (64, double)
DEFINE_TP (f32, float)
DEFINE_TP (f64, double)

/* Decayed state is set to exactly 0 well before it could become denormal
 * (a piece is at most 10 ms: the filters decay far less than 1e-270 in it);
 * state overflowed by absurd f64 input (beyond 1e150) restarts from 0. */
static void
kw_flush (MasterLoudness * m)
{
  unsigned int c, j;
  for (c = 0; c < m->channels; c++)
    for (j = 0; j < 6; j++)
      if (!(fabs (m->kstate[c][j]) >= 1e-30 && fabs (m->kstate[c][j]) < 1e300))
        m->kstate[c][j] = 0.0;  /* decayed, or overflowed by absurd input */
}

/* ---- windows ---- */

/* sum of frame energies [from, to), both within the frame ring */
static double
frame_sum (const MasterLoudness * m, unsigned long long from,
    unsigned long long to)
{
  double s = 0.0;
  size_t i = from % m->frame_ring, n = to - from;
  while (n > 0) {
    size_t k = m->frame_ring - i;
    if (k > n)
      k = n;
    for (size_t j = 0; j < k; j++)
      s += m->frame_energy[i + j];
    n -= k;
    i = 0;
  }
  return s;
}

/* Weighted energy sum of the last @N frames (frames before the start count
 * as silence, like libebur128's zeroed buffer). */
static double
window_sum (const MasterLoudness * m, unsigned long long N)
{
  const unsigned long long F = m->n_frames, st = m->step_frames;
  unsigned long long a = F > N ? F - N : 0, B = F - m->step_fill, A, k, n;
  double s;

  A = (a + st - 1) / st * st;
  if (A >= B)
    return frame_sum (m, a, F);
  s = frame_sum (m, a, A);
  k = (A / st) % m->step_ring;
  for (n = (B - A) / st; n > 0; n--) {
    s += m->step_energy[k];
    if (++k == m->step_ring)
      k = 0;
  }
  return s + m->step_acc;
}

/* ---- setup ---- */

static void
reset_state (MasterLoudness * m)
{
  memset (m->kstate, 0, sizeof (m->kstate));
  m->n_frames = 0;
  m->step_fill = m->block_fill = 0;
  m->step_acc = 0.0;
  memset (m->frame_energy, 0, m->frame_ring * sizeof (double));
  memset (m->step_energy, 0, m->step_ring * sizeof (double));
  m->momentary_max_energy = 0.0;
  m->short_term_max_energy = 0.0;
  m->m_run = m->s_run = 0.0;
  hist_clear (&m->gate);
  hist_clear (&m->st);
  memset (m->sample_peak, 0, sizeof (m->sample_peak));
  memset (m->true_peak, 0, sizeof (m->true_peak));
  memset (m->interval_sample_peak, 0, sizeof (m->interval_sample_peak));
  memset (m->interval_true_peak, 0, sizeof (m->interval_true_peak));
  if (m->tp_buf)
    memset (m->tp_buf, 0,
        (size_t) m->channels * (TP_HIST + TP_BLOCK) * sizeof (double));
  m->n_nonfinite = 0;
  m->integrated_key = m->range_key = ~0ull;
}

int
master_loudness_init (MasterLoudness * m, unsigned int rate,
    unsigned int channels, const MasterLoudnessPosition * positions,
    unsigned int flags)
{
  unsigned int c;
  MasterKWeight k;

  master_loudness_clear (m);
  if (channels < 1 || channels > MASTER_LOUDNESS_MAX_CHANNELS || rate < 100)
    return -1;

  m->rate = rate;
  m->channels = channels;
  if (flags & MASTER_LOUDNESS_MOMENTARY_ONLY)
    flags = MASTER_LOUDNESS_MOMENTARY_ONLY;
  m->flags = flags;
  if (positions) {
    for (c = 0; c < channels; c++) {
      /* as libebur128: dual mono only on a single channel */
      if (positions[c] == MASTER_LOUDNESS_POS_DUAL_MONO && channels != 1)
        return -1;
      m->weight[c] = position_weight (positions[c]);
    }
  } else {
    default_weights (m->weight, channels);
  }

  master_kweight_design (&k, rate);
  m->kw[0] = k.b0;
  m->kw[1] = k.b1;
  m->kw[2] = k.b2;
  m->kw[3] = k.a1;
  m->kw[4] = k.a2;
  m->kw[5] = k.r1;
  m->kw[6] = k.r2;

  m->step_frames = (size_t) rate / 100;
  m->frames_per_block = (rate + 5) / 10;        /* as libebur128 rounds */
  m->m_frames = 4 * m->frames_per_block;
  m->s_frames = 30 * m->frames_per_block;
  m->frame_ring = m->s_frames + m->step_frames;
  m->step_ring = m->s_frames / m->step_frames + 3;
  m->grid_exact = m->m_frames % m->step_frames == 0 &&
      m->s_frames % m->step_frames == 0;
  m->live_refresh_div = MASTER_LOUDNESS_LIVE_REFRESH_DIV;
  tp_design (m);

  m->frame_energy = calloc (m->frame_ring, sizeof (double));
  m->step_energy = calloc (m->step_ring, sizeof (double));
  m->scratch = malloc (m->step_frames * channels * sizeof (double));
  m->zbuf = malloc (m->step_frames * 2 * sizeof (double));
  if (m->tp_factor)
    m->tp_buf = calloc ((size_t) channels * (TP_HIST + TP_BLOCK),
        sizeof (double));
  if (!m->frame_energy || !m->step_energy || !m->scratch || !m->zbuf
      || (m->tp_factor && !m->tp_buf)
      || (!(flags & MASTER_LOUDNESS_MOMENTARY_ONLY) && hist_alloc (&m->gate) < 0)
      || ((flags & MASTER_LOUDNESS_RANGE) && hist_alloc (&m->st) < 0)) {
    master_loudness_clear (m);
    return -1;
  }
  reset_state (m);
  m->ready = 1;
  return 0;
}

void
master_loudness_clear (MasterLoudness * m)
{
  free (m->frame_energy);
  free (m->step_energy);
  free (m->scratch);
  free (m->zbuf);
  free (m->tp_buf);
  hist_free (&m->gate);
  hist_free (&m->st);
  memset (m, 0, sizeof (*m));
}

int
master_loudness_set_position (MasterLoudness * m, unsigned int channel,
    MasterLoudnessPosition position)
{
  if (!m->ready || channel >= m->channels ||
      (position == MASTER_LOUDNESS_POS_DUAL_MONO && m->channels != 1))
    return -1;
  m->weight[channel] = position_weight (position);
  return 0;
}

void
master_loudness_set_history (MasterLoudness * m, unsigned long history_ms)
{
  unsigned long h = history_ms;

  if (history_ms == m->history_ms)
    return;
  m->history_ms = history_ms;
  if (!m->ready)
    return;
  if (h > 0) {
    /* libebur128's minimum histories */
    if ((m->flags & MASTER_LOUDNESS_RANGE) && h < 3000)
      h = 3000;
    else if (h < 400)
      h = 400;
  }
  hist_set_cap (&m->gate, h / 100);
  hist_set_cap (&m->st, h / 3000);
  m->integrated_key = m->range_key = ~0ull;
}

int
master_loudness_reset (MasterLoudness * m)
{
  if (!m->ready)
    return -1;
  reset_state (m);
  return 0;
}

/* ---- measuring ---- */

/* A 10 ms step is complete: record its energy and update the maxima. */
static void
finish_step (MasterLoudness * m)
{
  unsigned long long k = m->n_frames / m->step_frames - 1;
  size_t idx = k % m->step_ring;
  double e, em, es;

  m->step_energy[idx] = m->step_acc;
  m->step_acc = 0.0;
  m->step_fill = 0;
  if (m->flags & MASTER_LOUDNESS_MOMENTARY_ONLY)
    return;
  if (m->grid_exact) {
    /* windows of whole steps: running sums, re-summed exactly once per
     * ring turn so rounding never accumulates */
    const size_t ring = m->step_ring, ms = m->m_frames / m->step_frames,
        ss = m->s_frames / m->step_frames;
    if (idx == 0) {
      m->m_run = window_sum (m, m->m_frames);
      m->s_run = window_sum (m, m->s_frames);
    } else {
      m->m_run += m->step_energy[idx] - m->step_energy[(idx + ring - ms) % ring];
      m->s_run += m->step_energy[idx] - m->step_energy[(idx + ring - ss) % ring];
    }
    em = m->m_run;
    es = m->s_run;
  } else {
    em = window_sum (m, m->m_frames);
    es = window_sum (m, m->s_frames);
  }
  e = em / (double) m->m_frames;
  if (e > m->momentary_max_energy)
    m->momentary_max_energy = e;
  e = es / (double) m->s_frames;
  if (e > m->short_term_max_energy)
    m->short_term_max_energy = e;
}

/* A libebur128 "100 ms" is complete: gating block, short-term block. */
static void
finish_block (MasterLoudness * m)
{
  const unsigned long long F = m->n_frames;
  double e;

  m->block_fill = 0;
  if (m->flags & MASTER_LOUDNESS_MOMENTARY_ONLY)
    return;
  if (F >= m->m_frames) {
    e = window_sum (m, m->m_frames) / (double) m->m_frames;
    if (e >= energy_threshold_abs ())
      hist_push (&m->gate, e);
  }
  if ((m->flags & MASTER_LOUDNESS_RANGE) && F >= m->s_frames &&
      (F - m->s_frames) % (10 * m->frames_per_block) == 0) {
    e = window_sum (m, m->s_frames) / (double) m->s_frames;
    if (e >= energy_threshold_abs ())
      hist_push (&m->st, e);
  }
}

#define DEFINE_ADD(sfx, type)                                                 \
static inline __attribute__ ((always_inline)) void                            \
add_##sfx (MasterLoudness * m, const type * src, size_t n_frames,             \
    const int check)                                                          \
{                                                                             \
  const size_t ch = m->channels;                                              \
                                                                              \
  if (!m->ready)                                                              \
    return;                                                                   \
  while (n_frames > 0) {                                                      \
    size_t piece = m->step_frames - m->step_fill, k;                          \
    size_t pos = m->n_frames % m->frame_ring;                                 \
    const type *in = src;                                                     \
                                                                              \
    k = m->frames_per_block - m->block_fill;                                  \
    if (piece > k)                                                            \
      piece = k;                                                              \
    k = m->frame_ring - pos;                                                  \
    if (piece > k)                                                            \
      piece = k;                                                              \
    if (piece > n_frames)                                                     \
      piece = n_frames;                                                       \
    if (check && master_nonfinite_any_##sfx (src, piece * ch)) {              \
      m->n_nonfinite += master_nonfinite_zero_##sfx ((type *) m->scratch,     \
          src, piece * ch);                                                   \
      in = (const type *) m->scratch;                                         \
    }                                                                         \
    m->step_acc += kw_process_##sfx (m, in, piece, m->frame_energy + pos);    \
    kw_flush (m);                                                             \
    if (!(m->flags & MASTER_LOUDNESS_MOMENTARY_ONLY))                         \
      peaks_##sfx (m, in, piece);                                             \
    if (m->tp_factor)                                                         \
      tp_process_##sfx (m, in, piece);                                        \
    m->n_frames += piece;                                                     \
    m->step_fill += piece;                                                    \
    m->block_fill += piece;                                                   \
    if (m->step_fill == m->step_frames)                                       \
      finish_step (m);                                                        \
    if (m->block_fill == m->frames_per_block)                                 \
      finish_block (m);                                                       \
    src += piece * ch;                                                        \
    n_frames -= piece;                                                        \
  }                                                                           \
}                                                                             \
                                                                              \
void                                                                          \
master_loudness_add_##sfx (MasterLoudness * m, const type * src,              \
    size_t n_frames)                                                          \
{                                                                             \
  add_##sfx (m, src, n_frames, 1);                                            \
}                                                                             \
                                                                              \
void                                                                          \
master_loudness_add_finite_##sfx (MasterLoudness * m, const type * src,       \
    size_t n_frames)                                                          \
{                                                                             \
  add_##sfx (m, src, n_frames, 0);                                            \
}

DEFINE_ADD (f32, float)
DEFINE_ADD (f64, double)

/* ---- readings ---- */

double
master_loudness_momentary (const MasterLoudness * m)
{
  if (!m->ready)
    return -HUGE_VAL;
  return lufs_from_energy (window_sum (m, m->m_frames) / (double) m->m_frames);
}

double
master_loudness_short_term (const MasterLoudness * m)
{
  if (!m->ready)
    return -HUGE_VAL;
  return lufs_from_energy (window_sum (m, m->s_frames) / (double) m->s_frames);
}

static const double relative_gate_factor = 0.1;  /* -10 LU */
static const double lra_gate_factor = 0.01;      /* -20 LU */

double
master_loudness_integrated (MasterLoudness * m)
{
  double sum, thr;
  unsigned long long count;

  if (!m->ready)
    return -HUGE_VAL;
  if (m->integrated_key != ~0ull && m->integrated_gen == m->gate.generation)
    return m->integrated_cache;
  m->integrated_gen = m->gate.generation;
  m->integrated_key = m->n_frames / m->frames_per_block;
  hist_totals (&m->gate, &sum, &count);
  if (count == 0) {
    m->integrated_cache = -HUGE_VAL;
    return m->integrated_cache;
  }
  thr = sum / (double) count * relative_gate_factor;
  hist_above (&m->gate, thr, &sum, &count);
  m->integrated_cache = count ? lufs_from_energy (sum / (double) count) :
      -HUGE_VAL;
  return m->integrated_cache;
}

/* blocks held for integrated loudness (bounded by the history) */
static unsigned long long
held_blocks (const MasterLoudness * m, unsigned long long blocks)
{
  if (m->history_ms > 0 && blocks > m->history_ms / 100)
    return m->history_ms / 100;
  return blocks;
}

double
master_loudness_integrated_live (MasterLoudness * m)
{
  unsigned long long key;

  if (!m->ready)
    return -HUGE_VAL;
  key = m->n_frames / m->frames_per_block;
  if (m->integrated_key != ~0ull && key >= m->integrated_key &&
      key - m->integrated_key < held_blocks (m, key) /
      (m->live_refresh_div ? m->live_refresh_div : 1))
    return m->integrated_cache;
  return master_loudness_integrated (m);
}

double
master_loudness_range_live (MasterLoudness * m)
{
  unsigned long long key;

  if (!m->ready || !(m->flags & MASTER_LOUDNESS_RANGE))
    return NAN;
  key = m->n_frames / (10 * m->frames_per_block);
  if (m->range_key != ~0ull && key >= m->range_key &&
      key - m->range_key < held_blocks (m, key * 10) / 10 /
      (m->live_refresh_div ? m->live_refresh_div : 1))
    return m->range_cache;
  return master_loudness_range (m);
}

double
master_loudness_momentary_max (const MasterLoudness * m)
{
  return lufs_from_energy (m->momentary_max_energy);
}

double
master_loudness_short_term_max (const MasterLoudness * m)
{
  return lufs_from_energy (m->short_term_max_energy);
}

double
master_loudness_range (MasterLoudness * m)
{
  double sum, gate, lo, hi;
  unsigned long long count;

  if (!m->ready || !(m->flags & MASTER_LOUDNESS_RANGE))
    return NAN;
  if (m->range_key != ~0ull && m->range_gen == m->st.generation)
    return m->range_cache;
  m->range_gen = m->st.generation;
  m->range_key = m->n_frames / (10 * m->frames_per_block);
  hist_totals (&m->st, &sum, &count);
  m->range_cache = 0.0;
  if (count == 0)
    return m->range_cache;
  gate = sum / (double) count * lra_gate_factor;
  hist_above (&m->st, gate, &sum, &count);
  if (count == 0)
    return m->range_cache;
  /* EBU Tech 3342: 10th and 95th percentiles, indices as libebur128 */
  lo = hist_rank (&m->st, gate, (unsigned long long) ((count - 1) * 0.1 + 0.5));
  hi = hist_rank (&m->st, gate,
      (unsigned long long) ((count - 1) * 0.95 + 0.5));
  m->range_cache = lufs_from_energy (hi) - lufs_from_energy (lo);
  return m->range_cache;
}

double
master_loudness_sample_peak (const MasterLoudness * m, int channel)
{
  double max = 0.0;
  unsigned int c;

  if (!m->ready)
    return 0.0;
  for (c = 0; c < m->channels; c++) {
    if (channel >= 0 && (unsigned int) channel != c)
      continue;
    if (m->sample_peak[c] > max)
      max = m->sample_peak[c];
  }
  return max;
}

double
master_loudness_true_peak (const MasterLoudness * m, int channel)
{
  double max = 0.0;
  unsigned int c;

  if (!m->ready || !(m->flags & MASTER_LOUDNESS_TRUE_PEAK))
    return NAN;
  for (c = 0; c < m->channels; c++) {
    if (channel >= 0 && (unsigned int) channel != c)
      continue;
    /* never below the sample peak (the interpolator skips that phase) */
    if (m->true_peak[c] > max)
      max = m->true_peak[c];
    if (m->sample_peak[c] > max)
      max = m->sample_peak[c];
  }
  return max;
}

void
master_loudness_take_interval_peaks (MasterLoudness * m,
    double *sample_peak, double *true_peak)
{
  unsigned int c;

  for (c = 0; c < m->channels; c++) {
    if (sample_peak)
      sample_peak[c] = m->interval_sample_peak[c];
    if (true_peak) {
      double tp = m->interval_true_peak[c];
      if (!(m->flags & MASTER_LOUDNESS_TRUE_PEAK))
        tp = NAN;
      else if (m->interval_sample_peak[c] > tp)
        tp = m->interval_sample_peak[c];
      true_peak[c] = tp;
    }
    m->interval_sample_peak[c] = 0.0;
    m->interval_true_peak[c] = 0.0;
  }
}

double
master_loudness_lin_to_db (double lin)
{
  if (!(lin > 0.0))
    return isnan (lin) ? lin : -HUGE_VAL;
  return 20.0 * log10 (lin);
}
