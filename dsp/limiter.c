/* Lookahead true-peak limiter; see limiter.h for the design. */
#include "limiter.h"
#include "truepeak.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Frames per inner chunk (scratch buffers are sized for it). */
#define LIM_CHUNK 256
/* Half width, in frames, of the constant-gain plateau centred on each peak. */
#define LIM_PLATEAU 3
/* Time constant of the ceiling / input-gain smoothing, seconds. */
#define LIM_PARAM_TAU 0.010
/* Time constant of the programme's average gain (auto release), seconds. */
#define LIM_AVG_TAU 1.0

typedef struct
{
  /* required gains of the sliding minimum (see sliding_min): two blocks
   * of W frames, the current one filled up to lim->mpos, and the suffix
   * minima of each completed block; pre = minimum of the current block's
   * values so far */
  double *ra;
  double *rs;
  double pre;
  double env;                   /* released gain (linear, <= 1) */
  double avg;                   /* slow average of env (auto release) */
  double avg_prev;              /* avg one frame earlier */
  double *box;                  /* last L released gains */
  double box_sum;               /* sum of box[] */
} LimChannel;

struct MasterLimiter
{
  int channels, rate;
  int L;                        /* box (ramp) length, frames */
  int W;                        /* minimum window, frames: L + 2P */
  int D;                        /* total delay, frames */
  int Dc;                       /* delay from detection to output, frames */
  double margin;                /* detector error bound (linear >= 1) */
  MasterTruePeak *tp;

  /* parameters */
  double ceiling_target, ceiling;       /* linear; smoothed value */
  double in_gain_target, in_gain;       /* linear; smoothed value */
  double a_param;               /* one-pole coefficient of the smoothing */
  double a_rel, a_fast, a_slow; /* release coefficients */
  double a_avg;
  int auto_release;
  double link;
  int params_set;               /* 0 until the first set_params after reset */
  int linked;                   /* the last chunk ran fully linked */

  /* state */
  LimChannel *ch;
  int box_pos;
  double *xline;                /* D frames x channels, input delay line */
  int xpos;
  double *cline;                /* Dc ceilings, aligned with xline output */
  int cpos;
  double min_gain;

  /* scratch */
  double *xin;                  /* LIM_CHUNK x channels */
  float *pk;                    /* LIM_CHUNK x channels */
  double *gain;                 /* LIM_CHUNK x channels */
  double *target;               /* LIM_CHUNK: ceiling / margin per frame */
  double *ceil_k;               /* LIM_CHUNK: smoothed ceiling per frame */
  double *hmin;                 /* LIM_CHUNK: sliding minimum of one channel */
  double *rq;                   /* LIM_CHUNK x channels, planar: required gains */
  int mpos;                     /* next position in every channel's ra, 0..2W-1 */
  int mpos_next;                /* mpos after the chunk (sliding_min) */
};

void
master_limiter_params_init (MasterLimiterParams * p)
{
  p->ceiling_db = -1.0;
  p->input_gain_db = 0.0;
  p->release_ms = 100.0;
  p->auto_release = 1;
  p->link = 1.0;
}

static double
onepole_coef (double tau_s, int rate)
{
  if (tau_s <= 0.0)
    return 1.0;
  return 1.0 - exp (-1.0 / (tau_s * rate));
}

MasterLimiter *
master_limiter_new (int channels, int rate, double lookahead_ms, int oversampling)
{
  if (channels < 1 || channels > 64 || rate < 1000 || rate > 1000000 ||
      !(lookahead_ms >= 0.0) || lookahead_ms > 1000.0)
    return NULL;
  MasterLimiter *lim = calloc (1, sizeof (*lim));
  if (!lim)
    return NULL;
  lim->channels = channels;
  lim->rate = rate;
  lim->tp = master_truepeak_new (channels, oversampling);
  if (!lim->tp) {
    free (lim);
    return NULL;
  }
  lim->margin = master_truepeak_get_margin (lim->tp);
  lim->L = (int) lround (lookahead_ms * 1e-3 * rate);
  if (lim->L < 1)
    lim->L = 1;
  lim->W = lim->L + 2 * LIM_PLATEAU;
  lim->Dc = lim->L - 1 + LIM_PLATEAU;
  lim->D = master_truepeak_get_delay (lim->tp) + lim->Dc;

  lim->ch = calloc ((size_t) channels, sizeof (LimChannel));
  lim->xline = calloc ((size_t) lim->D * channels, sizeof (double));
  lim->cline = calloc ((size_t) lim->Dc, sizeof (double));
  lim->xin = calloc ((size_t) LIM_CHUNK * channels, sizeof (double));
  lim->pk = calloc ((size_t) LIM_CHUNK * channels, sizeof (float));
  lim->gain = calloc ((size_t) LIM_CHUNK * channels, sizeof (double));
  lim->target = calloc (LIM_CHUNK, sizeof (double));
  lim->ceil_k = calloc (LIM_CHUNK, sizeof (double));
  lim->hmin = calloc (LIM_CHUNK, sizeof (double));
  lim->rq = calloc ((size_t) LIM_CHUNK * channels, sizeof (double));
  if (!lim->ch || !lim->xline || !lim->cline || !lim->xin || !lim->pk || !lim->gain
      || !lim->target || !lim->ceil_k || !lim->hmin || !lim->rq) {
    master_limiter_free (lim);
    return NULL;
  }
  for (int c = 0; c < channels; c++) {
    LimChannel *ch = &lim->ch[c];
    ch->ra = calloc ((size_t) 2 * lim->W, sizeof (double));
    ch->rs = calloc ((size_t) 2 * lim->W, sizeof (double));
    ch->box = calloc ((size_t) lim->L, sizeof (double));
    if (!ch->ra || !ch->rs || !ch->box) {
      master_limiter_free (lim);
      return NULL;
    }
  }
  lim->a_param = onepole_coef (LIM_PARAM_TAU, rate);
  lim->a_avg = onepole_coef (LIM_AVG_TAU, rate);
  MasterLimiterParams p;
  master_limiter_params_init (&p);
  master_limiter_set_params (lim, &p);
  master_limiter_reset (lim);
  return lim;
}

void
master_limiter_free (MasterLimiter * lim)
{
  if (!lim)
    return;
  if (lim->ch) {
    for (int c = 0; c < lim->channels; c++) {
      free (lim->ch[c].ra);
      free (lim->ch[c].rs);
      free (lim->ch[c].box);
    }
  }
  free (lim->ch);
  free (lim->xline);
  free (lim->cline);
  free (lim->xin);
  free (lim->pk);
  free (lim->gain);
  free (lim->target);
  free (lim->ceil_k);
  free (lim->hmin);
  free (lim->rq);
  master_truepeak_free (lim->tp);
  free (lim);
}

void
master_limiter_reset (MasterLimiter * lim)
{
  master_truepeak_reset (lim->tp);
  for (int c = 0; c < lim->channels; c++) {
    LimChannel *ch = &lim->ch[c];
    /* no reduction required before the start (r <= 1 always): W - 1
     * values of 1 fill block 0 up to its last position */
    for (int i = 0; i < lim->W - 1; i++)
      ch->ra[i] = 1.0;
    ch->pre = 1.0;
    ch->env = 1.0;
    ch->avg = 1.0;
    ch->avg_prev = 1.0;
    for (int i = 0; i < lim->L; i++)
      ch->box[i] = 1.0;
    ch->box_sum = lim->L;
  }
  memset (lim->xline, 0, (size_t) lim->D * lim->channels * sizeof (double));
  for (int i = 0; i < lim->Dc; i++)
    lim->cline[i] = lim->ceiling_target;
  lim->box_pos = 0;
  lim->mpos = lim->W - 1;
  lim->xpos = 0;
  lim->cpos = 0;
  lim->min_gain = 1.0;
  lim->params_set = 0;
  lim->linked = 0;
}

int
master_limiter_get_latency (const MasterLimiter * lim)
{
  return lim->D;
}

double
master_limiter_get_margin (const MasterLimiter * lim)
{
  return lim->margin;
}

void
master_limiter_set_params (MasterLimiter * lim, const MasterLimiterParams * p)
{
  double ceil_db = p->ceiling_db;
  if (!(ceil_db <= 0.0))        /* also catches NaN */
    ceil_db = 0.0;
  if (ceil_db < -60.0)
    ceil_db = -60.0;
  double gain_db = p->input_gain_db;
  if (!(gain_db >= -60.0))
    gain_db = -60.0;
  if (gain_db > 60.0)
    gain_db = 60.0;
  lim->ceiling_target = pow (10.0, ceil_db / 20.0);
  lim->in_gain_target = pow (10.0, gain_db / 20.0);
  if (!lim->params_set) {
    lim->ceiling = lim->ceiling_target;
    lim->in_gain = lim->in_gain_target;
    for (int i = 0; i < lim->Dc; i++)
      lim->cline[i] = lim->ceiling;
    lim->params_set = 1;
  }
  double rel_s = p->release_ms * 1e-3;
  if (!(rel_s >= 1e-4))
    rel_s = 1e-4;
  lim->a_rel = onepole_coef (rel_s, lim->rate);
  lim->a_fast = onepole_coef (rel_s * 0.25, lim->rate);
  lim->a_slow = onepole_coef (rel_s * 2.0, lim->rate);
  lim->auto_release = p->auto_release != 0;
  double link = p->link;
  if (!(link >= 0.0))
    link = 0.0;
  if (link > 1.0)
    link = 1.0;
  lim->link = link;
}

double
master_limiter_take_min_gain (MasterLimiter * lim)
{
  double g = lim->min_gain;
  lim->min_gain = 1.0;
  return g;
}

/* 1 - 10^(-3/20): a dip 3 dB under the average releases at the fast rate */
#define AUTO_DIP_RANGE 0.29205

/* h[k] = min of the W required gains ending with r[k], for k in [0, n),
 * streaming across calls: van Herk / Gil-Werman with the blocks of W values
 * fixed in time (ch->ra holds two of them, used in turn). The window ending
 * at offset o of the current block is the suffix of the previous block from
 * o + 1 and the current block's prefix up to o: one running prefix minimum,
 * and the suffix minima of a block computed once when it is complete. About
 * 3 comparisons per value whatever the call size, no data-dependent
 * branches, no history moved; min is exact, so h does not depend on how
 * the input is cut. */
static void
sliding_min (MasterLimiter * lim, LimChannel * ch, double *restrict h,
    const double *restrict r, int n)
{
  const int W = lim->W;
  double *restrict ra = ch->ra, *restrict rs = ch->rs;
  double pre = ch->pre;
  int p = lim->mpos;
  int k = 0;
  while (k < n) {
    const int b0 = p < W ? 0 : W, end = b0 + W;
    /* rs[so + p] = rs[(W - b0) + o + 1], o = p - b0: the previous block's
     * suffix minimum from offset o + 1 */
    const int so = (W - b0) + 1 - b0;
    int m = end - 1 - p;
    m = m < n - k ? m : n - k;
    for (int i = 0; i < m; i++) {
      const double v = r[k + i];
      ra[p + i] = v;
      pre = v < pre ? v : pre;
      const double s = rs[so + p + i];
      h[k + i] = s < pre ? s : pre;
    }
    k += m;
    p += m;
    if (k == n)
      break;
    /* the block's last value: its window is the block itself */
    {
      const double v = r[k];
      ra[p] = v;
      pre = v < pre ? v : pre;
      h[k] = pre;
      k++;
      double mm = ra[end - 1];
      rs[end - 1] = mm;
      for (int i = end - 2; i >= b0; i--) {
        mm = ra[i] < mm ? ra[i] : mm;
        rs[i] = mm;
      }
      pre = INFINITY;
      p = end == 2 * W ? 0 : end;
    }
  }
  ch->pre = pre;
  /* every channel moves on together: the caller stores p (lim->mpos) */
  lim->mpos_next = p;
}

/* Release and box average of one channel over a chunk: h[k] = windowed
 * minimum of the required gain; writes the gain of frame k to
 * gain[k * stride + 0 .. copies - 1]. */
static void
release_box (MasterLimiter * lim, LimChannel * ch, const double *h, int n,
    double *gain, int stride, int copies)
{
  const int L = lim->L;
  const double invL = 1.0 / L;
  const double a_rel = lim->a_rel, a_fast = lim->a_fast, a_slow = lim->a_slow;
  const double a_avg = lim->a_avg;
  const int autorel = lim->auto_release;
  double e = ch->env, avg = ch->avg, sum = ch->box_sum;
  double *box = ch->box;
  int bp = lim->box_pos;
  /* Auto release: dip = (avg - e) / (avg R) with avg and e of the frame
   * before. avg - e = (1 - a_avg) (avg' - e), avg' the average one frame
   * earlier, and dividing by avg' R instead of avg R (a relative change of
   * at most a_avg, 2e-5 at 48 kHz, on the release coefficient) takes the
   * division off the frame-to-frame recursion: its reciprocal is ready a
   * frame ahead. */
  double avg_prev = ch->avg_prev;
  const double dd = a_fast - a_slow;
  for (int k = 0; k < n; k++) {
    const double hk = h[k];
    /* release: attack is immediate (the ramp comes from the box average).
     * Both outcomes are computed and one is selected: which one changes
     * from frame to frame on programme, a branch would mispredict. */
    const double u = hk - e;
    double er;
    if (autorel) {
      /* e + (a_slow + dip dd) u, as e + a_slow u + dip (dd u): the terms
       * that do not need dip are ready before it */
      const double scale = (1.0 - a_avg) / (avg_prev * AUTO_DIP_RANGE);
      double dip = (avg_prev - e) * scale;
      dip = dip > 0.0 ? dip : 0.0;      /* max, min: no branches */
      dip = dip < 1.0 ? dip : 1.0;
      er = (e + a_slow * u) + dip * (dd * u);
    } else {
      er = e + a_rel * u;
    }
    er = er > hk ? hk : er;
    e = hk <= e ? hk : er;
    avg_prev = avg;
    if (autorel)
      avg += a_avg * (e - avg);
    /* box average over L frames */
    sum += e - box[bp];
    box[bp] = e;
    double g = sum * invL;
    g = g > 1.0 ? 1.0 : g;
    for (int c = 0; c < copies; c++)
      gain[(size_t) k * stride + c] = g;
    if (++bp == L) {
      bp = 0;
      /* resynchronise the running sum: no drift over hours */
      double s = 0.0;
      for (int i = 0; i < L; i++)
        s += box[i];
      sum = s;
    }
  }
  ch->env = e;
  ch->avg = avg;
  ch->avg_prev = avg_prev;
  ch->box_sum = sum;
}

/* Detection and gain for one chunk of sanitised, gained input in lim->xin.
 * Writes per-channel gains to lim->gain and the clamp ceilings. Stage by
 * stage over the chunk: ceiling smoothing, required gain per frame, its
 * sliding minimum over W frames, then release and box average. */
static void
compute_gains (MasterLimiter * lim, int n, double *clamp)
{
  const int C = lim->channels, L = lim->L, W = lim->W;
  const double link = lim->link;
  const float *pk = lim->pk;
  double *target = lim->target, *ceil_k = lim->ceil_k;

  /* leaving the fully linked mode: channels 1.. continue from channel 0 */
  if (link < 1.0 && lim->linked) {
    const LimChannel *c0 = &lim->ch[0];
    for (int c = 1; c < C; c++) {
      LimChannel *ch = &lim->ch[c];
      memcpy (ch->ra, c0->ra, (size_t) 2 * W * sizeof (double));
      memcpy (ch->rs, c0->rs, (size_t) 2 * W * sizeof (double));
      ch->pre = c0->pre;
      memcpy (ch->box, c0->box, (size_t) L * sizeof (double));
      ch->env = c0->env;
      ch->avg = c0->avg;
      ch->avg_prev = c0->avg_prev;
      ch->box_sum = c0->box_sum;
    }
  }
  lim->linked = link >= 1.0;

  /* readings under the target give r = 1 whatever their exact value */
  master_truepeak_set_floor (lim->tp,
      (float) (fmin (lim->ceiling, lim->ceiling_target) / lim->margin * 0.9));
  master_truepeak_process_f64 (lim->tp, lim->pk, lim->xin, (size_t) n);

  /* the smoothed ceiling; once a step no longer moves it, it stays */
  {
    double cl = lim->ceiling;
    const double ct = lim->ceiling_target, ap = lim->a_param;
    if (cl + ap * (ct - cl) == cl) {
      const double t = cl / lim->margin;
      for (int k = 0; k < n; k++) {
        ceil_k[k] = cl;
        target[k] = t;
      }
    } else {
      for (int k = 0; k < n; k++) {
        cl += ap * (ct - cl);
        ceil_k[k] = cl;
        target[k] = cl / lim->margin;
      }
    }
    lim->ceiling = cl;
  }

  /* required gains, after the W - 1 of history */
  if (link >= 1.0) {
    /* fully linked: one envelope (channel 0's) for every channel */
    double *r = lim->rq;
    for (int k = 0; k < n; k++) {
      float pmax = 0.0f;
      for (int c = 0; c < C; c++)
        pmax = pk[k * C + c] > pmax ? pk[k * C + c] : pmax;
      r[k] = pmax > target[k] ? target[k] / pmax : 1.0;
    }
    sliding_min (lim, &lim->ch[0], lim->hmin, r, n);
    release_box (lim, &lim->ch[0], lim->hmin, n, lim->gain, C, C);
  } else {
    for (int k = 0; k < n; k++) {
      float pmax = 0.0f;
      for (int c = 0; c < C; c++)
        pmax = pk[k * C + c] > pmax ? pk[k * C + c] : pmax;
      for (int c = 0; c < C; c++) {
        double p = link * pmax + (1.0 - link) * pk[k * C + c];
        lim->rq[(size_t) c * LIM_CHUNK + k] = p > target[k] ? target[k] / p : 1.0;
      }
    }
    for (int c = 0; c < C; c++) {
      LimChannel *ch = &lim->ch[c];
      sliding_min (lim, ch, lim->hmin, lim->rq + (size_t) c * LIM_CHUNK, n);
      release_box (lim, ch, lim->hmin, n, lim->gain + c, C, 1);
    }
  }
  lim->mpos = lim->mpos_next;
  lim->box_pos = (int) ((lim->box_pos + (long) n) % L);

  /* ceiling in force for each detection, handed to the output Dc later:
   * the ring is read and refilled in contiguous segments */
  for (int k = 0; k < n;) {
    const int seg = n - k < lim->Dc - lim->cpos ? n - k : lim->Dc - lim->cpos;
    memcpy (clamp + k, lim->cline + lim->cpos, (size_t) seg * sizeof (double));
    memcpy (lim->cline + lim->cpos, ceil_k + k, (size_t) seg * sizeof (double));
    k += seg;
    lim->cpos += seg;
    if (lim->cpos == lim->Dc)
      lim->cpos = 0;
  }
}

/* Two doubles: the baseline's SSE2 register (GCC/Clang vector extensions) */
typedef double v2d __attribute__ ((vector_size (16)));
typedef long long v2l __attribute__ ((vector_size (16)));

static inline v2d
v2sel (v2l m, v2d a, v2d b)
{
  return (v2d) ((m & (v2l) a) | (~m & (v2l) b));
}

static inline v2d
v2abs (v2d a)
{
  return (v2d) ((v2l) a & 0x7fffffffffffffffLL);
}

/* Sanitise and apply the smoothed input gain (see limiter.h, point 4): n
 * frames into lim->xin. Once a smoothing step no longer moves the gain it
 * stays, and the loop runs without the per-frame recursion. */
#define DEFINE_INPUT(sfx, type)                                              \
static size_t                                                                \
input_##sfx (MasterLimiter * lim, const type * src, int n)                   \
{                                                                            \
  const int C = lim->channels;                                               \
  const size_t ns = (size_t) n * C;                                          \
  double *xin = lim->xin;                                                    \
  size_t bad = 0;                                                            \
  double g = lim->in_gain;                                                   \
  const double gt = lim->in_gain_target, ap = lim->a_param;                  \
  if (!src) {                                                                \
    memset (xin, 0, ns * sizeof (double));                                   \
    if (g + ap * (gt - g) != g)                                              \
      for (int k = 0; k < n; k++)                                            \
        g += ap * (gt - g);                                                  \
  } else if (g + ap * (gt - g) == g) {                                       \
    /* constant gain: two samples at a time, then the odd one */            \
    const v2d vg = { g, g }, hi = { 1e6, 1e6 }, nhi = -hi;                   \
    const v2d big = { DBL_MAX, DBL_MAX }, zero = { 0.0, 0.0 };               \
    v2l vbad = { 0, 0 };                                                     \
    size_t i = 0;                                                            \
    for (; i + 2 <= ns; i += 2) {                                            \
      v2d x = { (double) src[i], (double) src[i + 1] };                      \
      const v2l ok = v2abs (x) <= big;  /* false for NaN, +-Inf */           \
      vbad += ok + 1;                   /* ok lanes are -1 */                \
      x = v2sel (ok, x * vg, zero);                                          \
      x = v2sel (x > hi, hi, x);                                             \
      x = v2sel (x < nhi, nhi, x);                                           \
      memcpy (xin + i, &x, sizeof x);                                        \
    }                                                                        \
    bad += (size_t) (vbad[0] + vbad[1]);                                     \
    for (; i < ns; i++) {                                                    \
      double x = (double) src[i];                                            \
      int ok = isfinite (x);                                                 \
      bad += !ok;                                                            \
      x = ok ? x * g : 0.0;                                                  \
      /* beyond +120 dBFS: clip there, so gains stay >= ~1e-6 and the       \
       * running box sums keep full relative precision (one min and one     \
       * max: no branches) */                                               \
      x = x > 1e6 ? 1e6 : x;                                                 \
      x = x < -1e6 ? -1e6 : x;                                               \
      xin[i] = x;                                                            \
    }                                                                        \
  } else {                                                                   \
    for (int k = 0; k < n; k++) {                                            \
      g += ap * (gt - g);                                                    \
      for (int c = 0; c < C; c++) {                                          \
        double x = (double) src[(size_t) k * C + c];                         \
        if (!isfinite (x)) {                                                 \
          x = 0.0;                                                           \
          bad++;                                                             \
        }                                                                    \
        x *= g;                                                              \
        x = x > 1e6 ? 1e6 : x;                                               \
        x = x < -1e6 ? -1e6 : x;                                             \
        xin[(size_t) k * C + c] = x;                                         \
      }                                                                      \
    }                                                                        \
  }                                                                          \
  lim->in_gain = g;                                                          \
  return bad;                                                                \
}

/* Delay line and gain: n frames out (dst may be NULL), lim->xin in. The
 * ring of D frames is walked in contiguous segments. */
#define DEFINE_OUTPUT(sfx, type)                                             \
static void                                                                  \
output_##sfx (MasterLimiter * lim, type * dst, const double *clamp, int n)   \
{                                                                            \
  const int C = lim->channels, D = lim->D;                                   \
  const double *xin = lim->xin, *gain = lim->gain;                           \
  double mg = lim->min_gain;                                                 \
  double cl = -1.0;                                                          \
  type lo = 0;                                                               \
  int same = 1;                                                              \
  for (int f = 1; f < n; f++)                                                \
    same &= clamp[f] == clamp[0];                                            \
  int k = 0;                                                                 \
  while (k < n) {                                                            \
    const int seg = n - k < D - lim->xpos ? n - k : D - lim->xpos;           \
    double *restrict xl = lim->xline + (size_t) lim->xpos * C;               \
    if (same) {                                                              \
      /* one clamp level for the chunk: the segment's samples in a row,     \
       * two at a time */                                                   \
      if (clamp[0] != cl) {                                                  \
        cl = clamp[0];                                                       \
        lo = (type) cl;                                                      \
        if ((double) lo > cl)                                                \
          lo = (type) (lo * (1.0 - 1.2e-7));                                 \
      }                                                                      \
      const size_t m = (size_t) seg * C;                                     \
      const double *g = gain + (size_t) k * C, *xi = xin + (size_t) k * C;   \
      type *d = dst ? dst + (size_t) k * C : NULL;                           \
      const v2d vlo = { (double) lo, (double) lo }, vnlo = -vlo;             \
      v2d vmg = { mg, mg };                                                  \
      size_t i = 0;                                                          \
      for (; i + 2 <= m; i += 2) {                                           \
        v2d x, gg, in;                                                       \
        memcpy (&x, xl + i, sizeof x);                                       \
        memcpy (&gg, g + i, sizeof gg);                                      \
        memcpy (&in, xi + i, sizeof in);                                     \
        v2d y = x * gg;                                                      \
        memcpy (xl + i, &in, sizeof in);                                     \
        y = v2sel (y > vlo, vlo, y);                                         \
        y = v2sel (y < vnlo, vnlo, y);                                       \
        vmg = v2sel (gg < vmg, gg, vmg);                                     \
        if (d) {                                                             \
          d[i] = (type) y[0];                                                \
          d[i + 1] = (type) y[1];                                            \
        }                                                                    \
      }                                                                      \
      mg = vmg[0] < mg ? vmg[0] : mg;                                        \
      mg = vmg[1] < mg ? vmg[1] : mg;                                        \
      for (; i < m; i++) {                                                   \
        double y = xl[i] * g[i];                                             \
        xl[i] = xi[i];                                                       \
        y = y > lo ? lo : y;                                                 \
        y = y < -lo ? -lo : y;                                               \
        if (d)                                                               \
          d[i] = (type) y;                                                   \
        mg = g[i] < mg ? g[i] : mg;                                          \
      }                                                                      \
    } else {                                                                 \
      for (int f = k; f < k + seg; f++) {                                    \
        /* the clamp level, rounded down into the output format            \
         * (recomputed only when the ceiling moved) */                      \
        if (clamp[f] != cl) {                                                \
          cl = clamp[f];                                                     \
          lo = (type) cl;                                                    \
          if ((double) lo > cl)                                              \
            lo = (type) (lo * (1.0 - 1.2e-7));                               \
        }                                                                    \
        const double *g = gain + (size_t) f * C;                             \
        const double *xi = xin + (size_t) f * C;                             \
        for (int c = 0; c < C; c++) {                                        \
          double y = xl[c] * g[c];                                           \
          xl[c] = xi[c];                                                     \
          y = y > lo ? lo : y;                                               \
          y = y < -lo ? -lo : y;                                             \
          if (dst)                                                           \
            dst[(size_t) f * C + c] = (type) y;                              \
          mg = g[c] < mg ? g[c] : mg;                                        \
        }                                                                    \
        xl += C;                                                             \
      }                                                                      \
    }                                                                        \
    k += seg;                                                                \
    lim->xpos += seg;                                                        \
    if (lim->xpos == D)                                                      \
      lim->xpos = 0;                                                         \
  }                                                                          \
  lim->min_gain = mg;                                                        \
}

#define DEFINE_PROCESS(sfx, type)                                            \
DEFINE_INPUT (sfx, type)                                                     \
DEFINE_OUTPUT (sfx, type)                                                    \
size_t                                                                       \
master_limiter_process_##sfx (MasterLimiter * lim, type * dst,               \
    const type * src, size_t n_frames)                                       \
{                                                                            \
  const int C = lim->channels;                                               \
  size_t bad = 0;                                                            \
  double clamp[LIM_CHUNK];                                                   \
  while (n_frames > 0) {                                                     \
    int n = n_frames > LIM_CHUNK ? LIM_CHUNK : (int) n_frames;               \
    bad += input_##sfx (lim, src, n);                                        \
    compute_gains (lim, n, clamp);                                           \
    output_##sfx (lim, dst, clamp, n);                                       \
    if (src)                                                                 \
      src += (size_t) n * C;                                                 \
    if (dst)                                                                 \
      dst += (size_t) n * C;                                                 \
    n_frames -= n;                                                           \
  }                                                                          \
  return bad;                                                                \
}

DEFINE_PROCESS (f32, float)
DEFINE_PROCESS (f64, double)
