/* The per-instruction-set body of dsp/truepeak.c: included once per target
 * (AVX-512, AVX2/FMA and the baseline on x86-64; once elsewhere) with
 * TP_KFN(name) naming its functions and TP_KVL floats per vector (16:
 * one zmm, 8: one ymm, 4: one xmm), under a `#pragma GCC target` for that
 * set, so that every helper is compiled for it from the start (GCC 12 lowers
 * the vector comparisons of always_inline helpers for the baseline when
 * they are inlined into target_clones functions, and scalarises comparisons
 * of vectors wider than the target's registers). Not a public header. */

typedef float TP_KFN (vf_t) __attribute__ ((vector_size (4 * TP_KVL)));
typedef int TP_KFN (vi_t) __attribute__ ((vector_size (4 * TP_KVL)));
#define vf TP_KFN (vf_t)
#define vi TP_KFN (vi_t)

/* the helpers are always inlined: no vector crosses a call boundary */
#define TP_INLINE static inline __attribute__ ((always_inline))

TP_INLINE vf
TP_KFN (vload) (const float *p)
{
  vf v;
  memcpy (&v, p, sizeof v);
  return v;
}

TP_INLINE vf
TP_KFN (vsel) (vi m, vf a, vf b)
{
  return (vf) ((m & (vi) a) | (~m & (vi) b));
}

TP_INLINE vf
TP_KFN (vmax) (vf a, vf b)
{
  return TP_KFN (vsel) (a > b, a, b);
}

TP_INLINE vf
TP_KFN (vabs) (vf a)
{
  return (vf) ((vi) a & 0x7fffffff);
}

#define vload TP_KFN (vload)
#define vsel TP_KFN (vsel)
#define vmax TP_KFN (vmax)
#define vabs TP_KFN (vabs)

/* Stage 1, folded: y[k] = sum_{j < T1/2} h[j] (b[k + j] + b[k + T1-1 - j])
 * for k in [0, n), n a multiple of TP_KVL. 4 vectors of accumulators stay
 * in registers across the taps; the last 1..3 vectors of a chunk whose
 * length is no multiple of 4 vectors run as one block of that many, so 1 ms
 * buffers compute no lanes that are thrown away. Every lane sums the same
 * terms in the same order whatever block it falls in: the readings do not
 * depend on how the input is cut. */
#define TP_FOLD_TAIL(NV)                                                     \
  do {                                                                       \
    vf t0 = { 0 }, t1 = { 0 }, t2 = { 0 };                                   \
    const float *lo = b + k, *hi = b + k + TP_T1 - 1;                        \
    for (int j = 0; j < TP_T1 / 2; j++) {                                    \
      const vf hj = (vf) { 0 } + h[j];                                       \
      t0 += hj * (vload (lo + j) + vload (hi - j));                          \
      if (NV > 1)                                                            \
        t1 += hj * (vload (lo + j + TP_KVL) + vload (hi - j + TP_KVL));      \
      if (NV > 2)                                                            \
        t2 += hj * (vload (lo + j + 2 * TP_KVL) + vload (hi - j + 2 * TP_KVL)); \
    }                                                                        \
    memcpy (y + k, &t0, sizeof t0);                                          \
    if (NV > 1)                                                              \
      memcpy (y + k + TP_KVL, &t1, sizeof t1);                               \
    if (NV > 2)                                                              \
      memcpy (y + k + 2 * TP_KVL, &t2, sizeof t2);                           \
  } while (0)

TP_INLINE void
TP_KFN (fir_fold) (float *restrict y, const float *restrict h,
    const float *restrict b, int n)
{
  int k = 0;
  for (; k + 4 * TP_KVL <= n; k += 4 * TP_KVL) {
    vf a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
    const float *lo = b + k, *hi = b + k + TP_T1 - 1;
    for (int j = 0; j < TP_T1 / 2; j++) {
      const vf hj = (vf) { 0 } + h[j];
      a0 += hj * (vload (lo + j) + vload (hi - j));
      a1 += hj * (vload (lo + j + TP_KVL) + vload (hi - j + TP_KVL));
      a2 += hj * (vload (lo + j + 2 * TP_KVL) + vload (hi - j + 2 * TP_KVL));
      a3 += hj * (vload (lo + j + 3 * TP_KVL) + vload (hi - j + 3 * TP_KVL));
    }
    memcpy (y + k, &a0, sizeof a0);
    memcpy (y + k + TP_KVL, &a1, sizeof a1);
    memcpy (y + k + 2 * TP_KVL, &a2, sizeof a2);
    memcpy (y + k + 3 * TP_KVL, &a3, sizeof a3);
  }
  switch ((n - k) / TP_KVL) {
    case 3:
      TP_FOLD_TAIL (3);
      break;
    case 2:
      TP_FOLD_TAIL (2);
      break;
    case 1:
      TP_FOLD_TAIL (1);
      break;
    default:
      break;
  }
}
#undef TP_FOLD_TAIL

/* Stage 2: the plane of the point p / F2 after the 2x point 2 m + h of each
 * frame m (h = 0: the input sample, 1: the odd point), from the 8 2x points
 * around it: index idx = h - 3 + j of the 2x stream relative to 2 m is the
 * input sample idx / 2 frames on when even, else the odd point
 * (idx - 1) / 2 frames on. xp, op: the input and odd planes at frame m. */
TP_INLINE void
TP_KFN (stage2_plane) (float *restrict dst, const float *restrict c,
    const float *restrict xp, const float *restrict op, int h, int nb)
{
  for (int k = 0; k < nb; k += TP_KVL) {
    vf acc = { 0 };
    for (int j = 0; j < TP_T2; j++) {
      const int idx = h - 3 + j;
      const int a = idx >= 0 ? idx / 2 : -((1 - idx) / 2);      /* floor (idx / 2) */
      const float *src = (idx & 1) ? op : xp;
      acc += c[j] * vload (src + k + a);
    }
    memcpy (dst + k, &acc, sizeof acc);
  }
}

/* Readings of nb frames (a multiple of TP_KVL) from the F point planes
 * pl[0..F-1]: pl[F-1][-1] is the last point of the frame before, and the
 * point after frame k's last is pl[0][k + 1]. The largest |point| and,
 * where that reaches skip, the vertex of the parabola through every local
 * maximum of |x| and its two neighbours: the same operations on the same
 * values as the scalar scan in tests/dsp/test_truepeak.c. */
TP_INLINE void
TP_KFN (scan_planes) (float *restrict out, const float *const *pl, float skip,
    int nb, const int F)
{
  const vf one = (vf) { 0 } + 1.0f, zero = { 0 }, vskip = (vf) { 0 } + skip;
  for (int k = 0; k < nb; k += TP_KVL) {
    vf best = vabs (vload (pl[0] + k));
    for (int i = 1; i < F; i++)
      best = vmax (best, vabs (vload (pl[i] + k)));
    vi need = best >= vskip;
    int any = 0;
    for (int l = 0; l < TP_KVL; l++)
      any |= need[l];
    if (any) {
      vf refined = best;
      for (int i = 0; i < F; i++) {
        vf a = i == 0 ? vload (pl[F - 1] + k - 1) : vload (pl[i - 1] + k);
        vf b = vload (pl[i] + k);
        vf c = i == F - 1 ? vload (pl[0] + k + 1) : vload (pl[i + 1] + k);
        vf sg = vsel (b < zero, -one, one);
        vf ab = b * sg, aa = a * sg, ac = c * sg;
        vi lm = (ab >= aa) & (ab >= ac);
        /* parabola through (-1,aa) (0,ab) (1,ac): vertex ab + d^2 / 8 den
         * when den > 0 (at most ab / 4 more, as |aa - ac| <= 2 ab for a
         * local maximum); lanes without a positive denominator divide by 1
         * and are discarded */
        vf den = 2.0f * ab - aa - ac;
        vf d = aa - ac;
        vi pos = den > zero;
        vf q = d * d / (8.0f * vsel (pos, den, one));
        vf pk = vsel (pos, ab + q, ab);
        refined = vsel (lm, vmax (refined, pk), refined);
      }
      best = vsel (need, refined, best);
    }
    memcpy (out + k, &best, sizeof best);
  }
}

/* One chunk of one channel: its input plane holds, from tp->pos, T1-1
 * history + n new samples.
 * Writes n readings to out. F2 is a literal at each call. */
TP_INLINE void
TP_KFN (chunk_body) (MasterTruePeak * tp, int c, float *out, int n, const int F2)
{
  const int F = 2 * F2;
  const int nb = (n + TP_KVL - 1) / TP_KVL * TP_KVL;
  float *buf1 = tp->buf1 + (size_t) c * TP_STRIDE1 + tp->pos;
  float *obuf = tp->obuf + (size_t) c * TP_STRIDEO + tp->pos;
  float *last = tp->last + c;

  TP_KFN (fir_fold) (obuf + TP_OH, tp->coef1, buf1, nb);

  const float *xp = buf1 + TP_X0, *op = obuf + TP_O0;
  const float *pl[8];
  pl[0] = xp;
  pl[F2] = op;
  for (int h = 0; h < 2; h++) {
    for (int p = 1; p < F2; p++) {
      float *plane = tp->planes + (size_t) (h * (F2 - 1) + p - 1) * TP_PLANE;
      plane[0] = *last;
      TP_KFN (stage2_plane) (plane + 1, tp->coef2 + (size_t) (p - 1) * TP_T2,
          xp, op, h, nb);
      pl[h * F2 + p] = plane + 1;
    }
  }
  TP_KFN (scan_planes) (out, pl, tp->skip_below, nb, F);
  *last = pl[F - 1][n - 1];
  /* the histories stay where they are: the caller moves on by n (TP_SPAN) */
}

static void
TP_KFN (process_channel_chunk) (MasterTruePeak * tp, int c, float *out, int n)
{
  if (tp->f2 == 2)
    TP_KFN (chunk_body) (tp, c, out, n, 2);
  else
    TP_KFN (chunk_body) (tp, c, out, n, 4);
}

#undef vf
#undef vi
#undef vload
#undef vsel
#undef vmax
#undef vabs
#undef TP_INLINE
