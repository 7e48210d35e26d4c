/* Lookahead true-peak limiter; see limiter.h for the design. */
#include "limiter.h"
#include "truepeak.h"

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
  /* monotonic deque of (frame index, required gain), values increasing
   * from front to back: the front is the minimum of the window */
  double *dq_val;
  long long *dq_idx;
  int dq_head, dq_count;
  double env;                   /* released gain (linear, <= 1) */
  double avg;                   /* slow average of env (auto release) */
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
  long long frame;              /* detection-domain frame counter */
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
  if (!lim->ch || !lim->xline || !lim->cline || !lim->xin || !lim->pk || !lim->gain) {
    master_limiter_free (lim);
    return NULL;
  }
  for (int c = 0; c < channels; c++) {
    LimChannel *ch = &lim->ch[c];
    ch->dq_val = calloc ((size_t) lim->W, sizeof (double));
    ch->dq_idx = calloc ((size_t) lim->W, sizeof (long long));
    ch->box = calloc ((size_t) lim->L, sizeof (double));
    if (!ch->dq_val || !ch->dq_idx || !ch->box) {
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
      free (lim->ch[c].dq_val);
      free (lim->ch[c].dq_idx);
      free (lim->ch[c].box);
    }
  }
  free (lim->ch);
  free (lim->xline);
  free (lim->cline);
  free (lim->xin);
  free (lim->pk);
  free (lim->gain);
  master_truepeak_free (lim->tp);
  free (lim);
}

void
master_limiter_reset (MasterLimiter * lim)
{
  master_truepeak_reset (lim->tp);
  for (int c = 0; c < lim->channels; c++) {
    LimChannel *ch = &lim->ch[c];
    ch->dq_head = 0;
    ch->dq_count = 0;
    ch->env = 1.0;
    ch->avg = 1.0;
    for (int i = 0; i < lim->L; i++)
      ch->box[i] = 1.0;
    ch->box_sum = lim->L;
  }
  memset (lim->xline, 0, (size_t) lim->D * lim->channels * sizeof (double));
  for (int i = 0; i < lim->Dc; i++)
    lim->cline[i] = lim->ceiling_target;
  lim->frame = 0;
  lim->box_pos = 0;
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

/* Gain for one channel at detection frame `j` from its required gain r. */
static inline double
channel_gain (MasterLimiter * lim, LimChannel * ch, double r, long long j, int box_pos)
{
  const int W = lim->W;
  /* drop the front when it left the window (before pushing: the ring holds
   * at most W entries) */
  if (ch->dq_count > 0 && ch->dq_idx[ch->dq_head] <= j - W) {
    ch->dq_head++;
    if (ch->dq_head >= W)
      ch->dq_head = 0;
    ch->dq_count--;
  }
  /* sliding minimum: drop larger-or-equal values from the back, push */
  while (ch->dq_count > 0) {
    int back = ch->dq_head + ch->dq_count - 1;
    if (back >= W)
      back -= W;
    if (ch->dq_val[back] < r)
      break;
    ch->dq_count--;
  }
  {
    int pos = ch->dq_head + ch->dq_count;
    if (pos >= W)
      pos -= W;
    ch->dq_val[pos] = r;
    ch->dq_idx[pos] = j;
    ch->dq_count++;
  }
  double h = ch->dq_val[ch->dq_head];

  /* release: attack is immediate (the ramp comes from the box average) */
  double e = ch->env;
  if (h <= e) {
    e = h;
  } else {
    double a = lim->a_rel;
    if (lim->auto_release) {
      double dip = (ch->avg - e) / (ch->avg * AUTO_DIP_RANGE);
      dip = dip < 0.0 ? 0.0 : (dip > 1.0 ? 1.0 : dip);
      a = lim->a_slow + dip * (lim->a_fast - lim->a_slow);
    }
    e += a * (h - e);
    if (e > h)
      e = h;
  }
  ch->env = e;
  if (lim->auto_release)
    ch->avg += lim->a_avg * (e - ch->avg);

  /* box average over L frames */
  ch->box_sum += e - ch->box[box_pos];
  ch->box[box_pos] = e;
  return ch->box_sum;
}

/* Detection and gain for one chunk of sanitised, gained input in lim->xin.
 * Writes per-channel gains to lim->gain and the clamp ceilings. */
static void
compute_gains (MasterLimiter * lim, int n, double *clamp)
{
  const int C = lim->channels, L = lim->L;
  const double invL = 1.0 / L, link = lim->link;
  const float *pk = lim->pk;

  /* leaving the fully linked mode: channels 1.. continue from channel 0 */
  if (link < 1.0 && lim->linked) {
    const LimChannel *c0 = &lim->ch[0];
    for (int c = 1; c < C; c++) {
      LimChannel *ch = &lim->ch[c];
      memcpy (ch->dq_val, c0->dq_val, (size_t) lim->W * sizeof (double));
      memcpy (ch->dq_idx, c0->dq_idx, (size_t) lim->W * sizeof (long long));
      memcpy (ch->box, c0->box, (size_t) L * sizeof (double));
      ch->dq_head = c0->dq_head;
      ch->dq_count = c0->dq_count;
      ch->env = c0->env;
      ch->avg = c0->avg;
      ch->box_sum = c0->box_sum;
    }
  }
  lim->linked = link >= 1.0;

  /* readings under the target give r = 1 whatever their exact value */
  master_truepeak_set_floor (lim->tp,
      (float) (fmin (lim->ceiling, lim->ceiling_target) / lim->margin * 0.9));
  master_truepeak_process_f64 (lim->tp, lim->pk, lim->xin, (size_t) n);

  for (int k = 0; k < n; k++) {
    lim->ceiling += lim->a_param * (lim->ceiling_target - lim->ceiling);
    const double target = lim->ceiling / lim->margin;
    float pmax = 0.0f;
    for (int c = 0; c < C; c++)
      pmax = pk[k * C + c] > pmax ? pk[k * C + c] : pmax;
    const long long j = lim->frame++;
    const int bp = lim->box_pos;
    if (link >= 1.0) {
      /* fully linked: one envelope (channel 0's) for every channel */
      double r = pmax > target ? target / pmax : 1.0;
      double g = channel_gain (lim, &lim->ch[0], r, j, bp) * invL;
      g = g > 1.0 ? 1.0 : g;
      for (int c = 0; c < C; c++)
        lim->gain[k * C + c] = g;
    } else {
      for (int c = 0; c < C; c++) {
        double p = link * pmax + (1.0 - link) * pk[k * C + c];
        double r = p > target ? target / p : 1.0;
        double g = channel_gain (lim, &lim->ch[c], r, j, bp) * invL;
        lim->gain[k * C + c] = g > 1.0 ? 1.0 : g;
      }
    }
    if (++lim->box_pos == L) {
      lim->box_pos = 0;
      /* resynchronise the running sums: no drift over hours */
      for (int c = 0; c < (link >= 1.0 ? 1 : C); c++) {
        double s = 0.0;
        for (int i = 0; i < L; i++)
          s += lim->ch[c].box[i];
        lim->ch[c].box_sum = s;
      }
    }
    /* ceiling in force for this detection, handed to the output Dc later */
    clamp[k] = lim->cline[lim->cpos];
    lim->cline[lim->cpos] = lim->ceiling;
    if (++lim->cpos == lim->Dc)
      lim->cpos = 0;
  }
}

#define DEFINE_PROCESS(sfx, type)                                            \
size_t                                                                       \
master_limiter_process_##sfx (MasterLimiter * lim, type * dst,               \
    const type * src, size_t n_frames)                                       \
{                                                                            \
  const int C = lim->channels, D = lim->D;                                   \
  size_t bad = 0;                                                            \
  double clamp[LIM_CHUNK];                                                   \
  while (n_frames > 0) {                                                     \
    int n = n_frames > LIM_CHUNK ? LIM_CHUNK : (int) n_frames;               \
    /* sanitise and apply the smoothed input gain */                        \
    for (int k = 0; k < n; k++) {                                            \
      lim->in_gain += lim->a_param * (lim->in_gain_target - lim->in_gain);   \
      for (int c = 0; c < C; c++) {                                          \
        double x = src ? (double) src[(size_t) k * C + c] : 0.0;             \
        if (!isfinite (x)) {                                                 \
          x = 0.0;                                                           \
          bad++;                                                             \
        }                                                                    \
        x *= lim->in_gain;                                                   \
        /* beyond +120 dBFS: clip there, so gains stay >= ~1e-6 and the     \
         * running box sums keep full relative precision */                 \
        x = x > 1e6 ? 1e6 : (x < -1e6 ? -1e6 : x);                           \
        lim->xin[k * C + c] = x;                                             \
      }                                                                      \
    }                                                                        \
    compute_gains (lim, n, clamp);                                           \
    /* delay line and gain */                                                \
    double mg = lim->min_gain;                                               \
    for (int k = 0; k < n; k++) {                                            \
      double *xl = lim->xline + (size_t) lim->xpos * C;                      \
      /* the clamp level, rounded down into the output format */            \
      type lo = (type) clamp[k];                                             \
      if ((double) lo > clamp[k])                                            \
        lo = (type) (lo * (1.0 - 1.2e-7));                                   \
      for (int c = 0; c < C; c++) {                                          \
        double g = lim->gain[k * C + c];                                     \
        double y = xl[c] * g;                                                \
        xl[c] = lim->xin[k * C + c];                                         \
        y = y > lo ? lo : (y < -lo ? -lo : y);                               \
        if (dst)                                                             \
          dst[(size_t) k * C + c] = (type) y;                                \
        mg = g < mg ? g : mg;                                                \
      }                                                                      \
      if (++lim->xpos == D)                                                  \
        lim->xpos = 0;                                                       \
    }                                                                        \
    lim->min_gain = mg;                                                      \
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
