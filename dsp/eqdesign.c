/* gst-mastering: equaliser filter design.  See eqdesign.h for the
 * prototypes; this file explains the fit.
 *
 * |H(e^jw)|^2 of one biquad is a ratio of two cosine polynomials.  Written in
 * phi = sin^2(w/2) they are quadratics:
 *   |B|^2 = B0 (1 - phi) + B1 phi + B2 4 phi (1 - phi),
 *   B0 = (b0+b1+b2)^2, B1 = (b0-b1+b2)^2, B2 = -4 b0 b2   (Vicanek 2016),
 * and the same for |A|^2.  We fit N(phi) = n0 + n1 u + n2 u^2 and
 * D(phi) = 1 + d1 u + d2 u^2 with u = phi / p (p = phi at the centre
 * frequency, which keeps the columns well conditioned even for a 10 Hz band
 * at 192 kHz) so that N / D matches the analog |H|^2 target T:
 *   minimise sum_i w_i ((N_i - T_i D_i) / (T_i D'_i))^2,
 * which is linear in the five unknowns; D' is the previous iteration's
 * denominator (Sanathanan-Koerner), so at convergence the residual is the
 * relative error of |H|^2 (2.3 x 1/10 of the dB error per point).  After a
 * few plain iterations, Lawson's rule (w_i *= |error_i|) pushes the weighted
 * least-squares solution towards the minimax one.  Every iterate must be
 * factorable (N, D >= 0 on [0, 1]) with a stable denominator; otherwise the
 * previous one is kept.  Spectral factorisation (minimum phase):
 *   sqrt(B0) = b0+b1+b2, sqrt(B1) = b0-b1+b2, W = (sqrt B0 + sqrt B1)/2,
 *   b0 = (W + sqrt(W^2 + B2))/2, b1 = (sqrt B0 - sqrt B1)/2, b2 = -B2/(4 b0).
 *
 * Grid: 96 log-spaced points from 10 Hz to min(20 kHz, 0.95 Nyquist) plus 24
 * points within +-1.5 octaves of f0 (weight 1), and 12 points from there to
 * Nyquist with weight 0.03 (keeps the response sane above 20 kHz without
 * spending accuracy on it).
 */
#include "eqdesign.h"

#include <math.h>
#include <string.h>
#include <complex.h>

#define N_MAIN 96
#define N_CENTRE 24
#define N_TOP 12
#define N_GRID (N_MAIN + N_CENTRE + N_TOP)
#define N_SK 6
#define N_WORSE 4
#define N_LAWSON 24
#define W_TOP 0.1

static double
clampd (double v, double lo, double hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

/* ---------------------------------------------------------------------- */
/* analog prototypes: |H(j f/f0)|^2 */

static double
analog_pow (const MasterEqBand * b, double f)
{
  double x = f / b->freq, x2 = x * x;
  double q = b->q > 1e-3 ? b->q : 1e-3;
  double A = pow (10.0, b->gain_db / 40.0);

  switch (b->type) {
    case MASTER_EQ_BELL:{
      double r = (1.0 - x2) * (1.0 - x2);
      return (r + x2 * A * A / (q * q)) / (r + x2 / (A * A * q * q));
    }
    case MASTER_EQ_LOW_SHELF:{
      double n = (A - x2) * (A - x2) + x2 * A / (q * q);
      double d = (1.0 - A * x2) * (1.0 - A * x2) + x2 * A / (q * q);
      return A * A * n / d;
    }
    case MASTER_EQ_HIGH_SHELF:{
      double n = (1.0 - A * x2) * (1.0 - A * x2) + x2 * A / (q * q);
      double d = (A - x2) * (A - x2) + x2 * A / (q * q);
      return A * A * n / d;
    }
    case MASTER_EQ_TILT:{
      /* g = A */
      return (A * A * x2 + 1.0) / (x2 + A * A);
    }
    case MASTER_EQ_BAND_PASS:{
      double r = (1.0 - x2) * (1.0 - x2);
      return (x2 / (q * q)) / (r + x2 / (q * q));
    }
    case MASTER_EQ_NOTCH:{
      double r = (1.0 - x2) * (1.0 - x2);
      return r / (r + x2 / (q * q));
    }
    case MASTER_EQ_LOW_PASS:
    case MASTER_EQ_HIGH_PASS:{
      int lr = b->slope_type == MASTER_EQ_LINKWITZ_RILEY
          && (b->slope % 12) == 0;
      int order = b->slope / 6;
      double y = b->type == MASTER_EQ_LOW_PASS ? x2 : 1.0 / fmax (x2, 1e-300);
      if (order < 1)
        order = 1;
      if (order > 8)
        order = 8;
      if (lr) {
        double h = 1.0 / (1.0 + pow (y, order / 2));
        return h * h;
      }
      return 1.0 / (1.0 + pow (y, order));
    }
  }
  return 1.0;
}

double
master_eqdesign_analog_db (const MasterEqBand * band, double freq)
{
  return 10.0 * log10 (fmax (analog_pow (band, freq), 1e-300));
}

/* ---------------------------------------------------------------------- */
/* pass filters */

static void
bilinear2 (MasterBiquadCoeffs * c, int highpass, double K, double q)
{
  double norm = 1.0 / (1.0 + K / q + K * K);
  if (highpass) {
    c->b0 = norm;
    c->b1 = -2.0 * norm;
  } else {
    c->b0 = K * K * norm;
    c->b1 = 2.0 * c->b0;
  }
  c->b2 = c->b0;
  c->a1 = 2.0 * (K * K - 1.0) * norm;
  c->a2 = (1.0 - K / q + K * K) * norm;
}

static void
bilinear1 (MasterBiquadCoeffs * c, int highpass, double K)
{
  double norm = 1.0 / (1.0 + K);
  if (highpass) {
    c->b0 = norm;
    c->b1 = -norm;
  } else {
    c->b0 = K * norm;
    c->b1 = c->b0;
  }
  c->b2 = 0.0;
  c->a1 = (K - 1.0) * norm;
  c->a2 = 0.0;
}

static double
prewarp (double freq, double rate)
{
  freq = clampd (freq, 1e-3, 0.495 * rate);
  return tan (M_PI * freq / rate);
}

int
master_eqdesign_butterworth (MasterBiquadCoeffs * out, int max_sections,
    int highpass, int order, double freq, double rate)
{
  double K = prewarp (freq, rate);
  int k, n = 0, n_sec = (order + 1) / 2;

  if (order < 1 || order > 8 || n_sec > max_sections || rate <= 0.0)
    return -1;
  if (order & 1)
    bilinear1 (&out[n++], highpass, K);
  for (k = 1; k <= order / 2; k++) {
    /* pole pair k of the Butterworth polynomial */
    double q = 1.0 / (2.0 * sin ((2 * k - 1) * M_PI / (2.0 * order)));
    if (order & 1)
      q = 1.0 / (2.0 * cos (k * M_PI / order));
    bilinear2 (&out[n++], highpass, K, q);
  }
  return n;
}

/* product of two first-order sections as one biquad */
static void
square_first_order (MasterBiquadCoeffs * c)
{
  MasterBiquadCoeffs f = *c;
  c->b0 = f.b0 * f.b0;
  c->b1 = 2.0 * f.b0 * f.b1;
  c->b2 = f.b1 * f.b1;
  c->a1 = 2.0 * f.a1;
  c->a2 = f.a1 * f.a1;
}

int
master_eqdesign_linkwitz_riley (MasterBiquadCoeffs * out, int max_sections,
    int highpass, int order, double freq, double rate)
{
  MasterBiquadCoeffs bw[4];
  int half = order / 2, n, i, k = 0;

  if (order < 2 || order > 8 || (order & 1))
    return -1;
  n = master_eqdesign_butterworth (bw, 4, highpass, half, freq, rate);
  if (n < 0)
    return -1;
  if (half & 1) {
    /* the first-order section squared fits in one biquad */
    if (1 + 2 * (n - 1) > max_sections)
      return -1;
    out[k] = bw[0];
    square_first_order (&out[k]);
    k++;
    for (i = 1; i < n; i++) {
      out[k++] = bw[i];
      out[k++] = bw[i];
    }
  } else {
    if (2 * n > max_sections)
      return -1;
    for (i = 0; i < n; i++) {
      out[k++] = bw[i];
      out[k++] = bw[i];
    }
  }
  return k;
}

int
master_eqdesign_linkwitz_riley_allpass (MasterBiquadCoeffs * out,
    int max_sections, int order, double freq, double rate)
{
  int i, n;

  if (order < 2 || order > 8 || (order & 1))
    return -1;
  /* LP +- HP = D(-s)/D(s), D the Butterworth polynomial of order/2; the
   * bilinear image of an allpass section is the mirrored polynomial */
  n = master_eqdesign_butterworth (out, max_sections, 0, order / 2, freq,
      rate);
  for (i = 0; i < n; i++) {
    MasterBiquadCoeffs *c = &out[i];
    if (c->a2 == 0.0) {
      c->b0 = c->a1;
      c->b1 = 1.0;
      c->b2 = 0.0;
    } else {
      c->b0 = c->a2;
      c->b1 = c->a1;
      c->b2 = 1.0;
    }
  }
  return n;
}

/* ---------------------------------------------------------------------- */
/* bells, shelves, tilt: magnitude fit */

/* Quadratic in u: q0 + q1 u + q2 u^2 */
typedef struct {
  double q0, q1, q2;
} Quad;

static inline double
quad_at (const Quad * q, double u)
{
  return q->q0 + u * (q->q1 + u * q->q2);
}

/* minimum over u in [0, umax] is positive (> floor) */
static int
quad_positive (const Quad * q, double umax, double floor)
{
  double m = fmin (quad_at (q, 0.0), quad_at (q, umax));
  if (q->q2 > 0.0) {
    double u = -q->q1 / (2.0 * q->q2);
    if (u > 0.0 && u < umax)
      m = fmin (m, quad_at (q, u));
  }
  return m > floor;
}

/* Spectral factor of Q(u) (u = phi/p) into c0 + c1 z^-1 + c2 z^-2 with
 * |c(e^jw)|^2 proportional to Q(sin^2(w/2)/p).  Returns 0 if factorable. */
static int
factor (const Quad * q, double p, double c[3])
{
  /* Vicanek basis: Q = V0 (1-phi) + V1 phi + V2 4 phi (1-phi) */
  double V0 = q->q0;
  double V1 = q->q0 + q->q1 / p + q->q2 / (p * p);
  double V2 = -q->q2 / (4.0 * p * p);
  double s0, s1, W, d;

  if (!(V0 >= 0.0) || !(V1 >= 0.0))
    return -1;
  s0 = sqrt (V0);
  s1 = sqrt (V1);
  W = 0.5 * (s0 + s1);
  d = W * W + V2;
  if (d < 0.0) {
    /* zeros on the unit circle: tolerate rounding only */
    if (d < -1e-9 * W * W)
      return -1;
    d = 0.0;
  }
  c[0] = 0.5 * (W + sqrt (d));
  if (c[0] <= 0.0)
    return -1;
  c[1] = 0.5 * (s0 - s1);
  c[2] = -V2 / (4.0 * c[0]);
  return 0;
}

/* Solves the n x n system M x = v (M row-major, modified) by Gaussian
 * elimination with partial pivoting; returns 0 on success. */
static int
solve (double *M, double *v, int n, double *x)
{
  int i, j, k;

  for (k = 0; k < n; k++) {
    int piv = k;
    double best = fabs (M[k * n + k]);
    for (i = k + 1; i < n; i++)
      if (fabs (M[i * n + k]) > best) {
        best = fabs (M[i * n + k]);
        piv = i;
      }
    if (!(best > 1e-300))
      return -1;
    if (piv != k) {
      for (j = 0; j < n; j++) {
        double t = M[k * n + j];
        M[k * n + j] = M[piv * n + j];
        M[piv * n + j] = t;
      }
      {
        double t = v[k];
        v[k] = v[piv];
        v[piv] = t;
      }
    }
    for (i = k + 1; i < n; i++) {
      double f = M[i * n + k] / M[k * n + k];
      for (j = k; j < n; j++)
        M[i * n + j] -= f * M[k * n + j];
      v[i] -= f * v[k];
    }
  }
  for (k = n - 1; k >= 0; k--) {
    double s = v[k];
    for (j = k + 1; j < n; j++)
      s -= M[k * n + j] * x[j];
    x[k] = s / M[k * n + k];
  }
  for (k = 0; k < n; k++)
    if (!isfinite (x[k]))
      return -1;
  return 0;
}

static int
make_section (MasterBiquadCoeffs * out, const Quad * num, const Quad * den,
    double p)
{
  double b[3], a[3];

  if (factor (num, p, b) || factor (den, p, a))
    return -1;
  out->b0 = b[0] / a[0];
  out->b1 = b[1] / a[0];
  out->b2 = b[2] / a[0];
  out->a1 = a[1] / a[0];
  out->a2 = a[2] / a[0];
  if (!isfinite (out->b0) || !isfinite (out->b1) || !isfinite (out->b2)
      || !master_biquad_coeffs_is_stable (out))
    return -1;
  /* keep a margin from the unit circle */
  if (out->a2 > 1.0 - 1e-12)
    return -1;
  return 0;
}

/* Denominator of the impulse-invariant (matched) poles of the analog
 * prototype, as a Quad in u normalised to value 1 at DC. */
static void
matched_denominator (const MasterEqBand * b, double rate, double p, Quad * d)
{
  double A = pow (10.0, b->gain_db / 40.0);
  double q = fmax (b->q, 1e-3);
  double fp = b->freq, zeta = 1.0 / (2.0 * q), a1, a2, wT, e;
  double c0, c1, c2, A0, A1, A2;

  switch (b->type) {
    case MASTER_EQ_BELL:
      zeta = 1.0 / (2.0 * A * q);
      break;
    case MASTER_EQ_LOW_SHELF:
      fp = b->freq / sqrt (A);
      break;
    case MASTER_EQ_HIGH_SHELF:
      fp = b->freq * sqrt (A);
      break;
    case MASTER_EQ_TILT:
      fp = b->freq * A;
      break;
    default:
      break;
  }
  wT = 2.0 * M_PI * fmin (fp, 0.45 * rate) / rate;
  if (b->type == MASTER_EQ_TILT) {
    a1 = -exp (-wT);
    a2 = 0.0;
  } else {
    e = exp (-zeta * wT);
    if (zeta < 1.0)
      a1 = -2.0 * e * cos (wT * sqrt (1.0 - zeta * zeta));
    else
      a1 = -2.0 * e * cosh (wT * sqrt (zeta * zeta - 1.0));
    a2 = e * e;
  }
  A0 = (1.0 + a1 + a2) * (1.0 + a1 + a2);
  A1 = (1.0 - a1 + a2) * (1.0 - a1 + a2);
  A2 = -4.0 * a2;
  /* V0 (1-phi) + V1 phi + V2 4 phi (1-phi) as a polynomial in phi */
  c0 = A0;
  c1 = A1 - A0 + 4.0 * A2;
  c2 = -4.0 * A2;
  d->q0 = 1.0;
  d->q1 = c1 * p / c0;
  d->q2 = c2 * p * p / c0;
}

/* Magnitude-matched design (Vicanek 2016): matched poles; numerator exact at
 * DC, Nyquist and the centre frequency (or 0.45 fs if above). */
static int
design_matched (MasterBiquadCoeffs * out, const MasterEqBand * b,
    double rate, double p)
{
  Quad den, num;
  double fm = fmin (b->freq, 0.45 * rate);
  double um = sin (M_PI * fm / rate), un = 1.0 / p;
  double rm, rn, det;

  um = um * um / p;
  matched_denominator (b, rate, p, &den);
  num.q0 = analog_pow (b, 0.0) * 1.0;
  rm = analog_pow (b, fm) * quad_at (&den, um) - num.q0;
  rn = analog_pow (b, 0.5 * rate) * quad_at (&den, un) - num.q0;
  /* q1 u + q2 u^2 = r at um and un */
  det = um * un * un - un * um * um;
  if (fabs (det) < 1e-300)
    return -1;
  num.q1 = (rm * un * un - rn * um * um) / det;
  num.q2 = (um * rn - un * rm) / det;
  return make_section (out, &num, &den, p);
}

static int
design_fit (MasterBiquadCoeffs * out, const MasterEqBand * b, double rate)
{
  double f_u[N_GRID], t[N_GRID], w[N_GRID], lw[N_GRID], dprev[N_GRID];
  double nyq = 0.5 * rate, ftop = fmin (20000.0, 0.95 * nyq);
  double fc = clampd (b->freq, 1.0, 0.25 * rate), p;
  Quad num = { 1, 0, 0 }, den = { 1, 0, 0 };
  int have = 0, i, it, k = 0, n_low, worse = 0;
  double best = 0.0;
  double umax;

  p = sin (M_PI * fc / rate);
  p = p * p;
  umax = 1.0 / p;

  /* grid, stored as u, and targets */
  for (i = 0; i < N_MAIN; i++) {
    double f = 10.0 * pow (ftop / 10.0, (double) i / (N_MAIN - 1));
    double s = sin (M_PI * f / rate);
    f_u[k] = s * s / p;
    t[k] = analog_pow (b, f);
    w[k++] = 1.0;
  }
  for (i = 0; i < N_CENTRE; i++) {
    double f = b->freq * pow (2.0, -1.5 + 3.0 * i / (N_CENTRE - 1));
    double s = sin (M_PI * f / rate);
    if (f < 10.0 || f > ftop)
      continue;
    f_u[k] = s * s / p;
    t[k] = analog_pow (b, f);
    w[k++] = 1.0;
  }
  n_low = k;
  for (i = 1; i <= N_TOP && ftop < nyq; i++) {
    double f = ftop + (nyq - ftop) * i / N_TOP;
    double s = sin (M_PI * f / rate);
    f_u[k] = s * s / p;
    t[k] = analog_pow (b, f);
    w[k++] = W_TOP;
  }

  /* feasible start: matched poles, flat numerator at the DC gain */
  matched_denominator (b, rate, p, &den);
  num.q0 = t[0] * den.q0;
  num.q1 = t[0] * den.q1;
  num.q2 = t[0] * den.q2;
  if (make_section (out, &num, &den, p))
    return -1;
  for (i = 0; i < k; i++) {
    dprev[i] = quad_at (&den, f_u[i]);
    lw[i] = 1.0;
  }

  for (it = 0; it < N_SK + N_LAWSON; it++) {
    double M[5][5], v[5], x[5], lambda = 1.0;
    Quad nn, dd;
    MasterBiquadCoeffs trial;
    int r, c, ok = 0, tries;

    /* An unconstrained fit may put a common root of N and D above 20 kHz
     * (both negative near Nyquist, ratio fine, not realisable): then the
     * points above 20 kHz get more weight and the step is solved again;
     * as a last resort the step is damped from the last feasible iterate. */
    for (tries = 0; tries < 8 && !ok; tries++) {
      memset (M, 0, sizeof (M));
      memset (v, 0, sizeof (v));
      for (i = 0; i < k; i++) {
        double u = f_u[i], ti = t[i];
        double s = 1.0 / (ti * dprev[i]);
        double row[5] = { s, s * u, s * u * u, -ti * s * u, -ti * s * u * u };
        double y = ti * s, wi = w[i] * w[i] * lw[i];
        for (r = 0; r < 5; r++) {
          double wr = wi * row[r];
          for (c = r; c < 5; c++)
            M[r][c] += wr * row[c];
          v[r] += wr * y;
        }
      }
      for (r = 0; r < 5; r++)
        for (c = 0; c < r; c++)
          M[r][c] = M[c][r];
      if (solve (&M[0][0], v, 5, x))
        break;
      for (lambda = 1.0; lambda > (tries == 7 ? 1.0 / 64 : 0.75);
          lambda *= 0.5) {
        nn.q0 = num.q0 + lambda * (x[0] - num.q0);
        nn.q1 = num.q1 + lambda * (x[1] - num.q1);
        nn.q2 = num.q2 + lambda * (x[2] - num.q2);
        dd.q0 = 1.0;
        dd.q1 = den.q1 + lambda * (x[3] - den.q1);
        dd.q2 = den.q2 + lambda * (x[4] - den.q2);
        if (quad_positive (&dd, umax, 0.0) && quad_positive (&nn, umax, 0.0)
            && make_section (&trial, &nn, &dd, p) == 0) {
          ok = 1;
          break;
        }
      }
      if (!ok)
        for (i = n_low; i < k; i++)
          w[i] *= 3.0;
    }
    if (!ok)
      break;
    num = nn;
    den = dd;
    /* next weights; keep the iterate with the smallest max error in the
     * audible grid (Lawson steps are not guaranteed to improve it) */
    {
      double sum = 0.0, emax = 0.0;
      for (i = 0; i < k; i++) {
        double di = quad_at (&den, f_u[i]);
        double e = fabs (log (quad_at (&num, f_u[i]) / (di * t[i])));
        dprev[i] = di;
        if (i < n_low && e > emax)
          emax = e;
        if (it >= N_SK - 1) {
          lw[i] *= w[i] * e + 1e-9;
          sum += lw[i];
        }
      }
      if (sum > 0.0)
        for (i = 0; i < k; i++)
          lw[i] *= k / sum;
      if (!have || emax < best) {
        best = emax;
        *out = trial;
        have = 1;
        worse = 0;
      } else if (it >= N_SK && ++worse >= N_WORSE) {
        break;
      }
    }
  }
  return have ? 0 : -1;
}

/* Bilinear transform with the centre pre-warped (RBJ cookbook forms of the
 * same prototypes).  Used for f0 < rate / 1000, where cramping is far below
 * 0.01 dB and where the fit's normal equations lose precision. */
static void
design_bilinear (MasterBiquadCoeffs * out, const MasterEqBand * b,
    double rate)
{
  double w0 = 2.0 * M_PI * b->freq / rate, cw = cos (w0);
  double A = pow (10.0, b->gain_db / 40.0), sA = sqrt (A);
  double alpha = sin (w0) / (2.0 * b->q), a0, b0, b1, b2, a1, a2;

  switch (b->type) {
    case MASTER_EQ_LOW_SHELF:
      b0 = A * ((A + 1) - (A - 1) * cw + 2 * sA * alpha);
      b1 = 2 * A * ((A - 1) - (A + 1) * cw);
      b2 = A * ((A + 1) - (A - 1) * cw - 2 * sA * alpha);
      a0 = (A + 1) + (A - 1) * cw + 2 * sA * alpha;
      a1 = -2 * ((A - 1) + (A + 1) * cw);
      a2 = (A + 1) + (A - 1) * cw - 2 * sA * alpha;
      break;
    case MASTER_EQ_HIGH_SHELF:
      b0 = A * ((A + 1) + (A - 1) * cw + 2 * sA * alpha);
      b1 = -2 * A * ((A - 1) + (A + 1) * cw);
      b2 = A * ((A + 1) + (A - 1) * cw - 2 * sA * alpha);
      a0 = (A + 1) - (A - 1) * cw + 2 * sA * alpha;
      a1 = 2 * ((A - 1) - (A + 1) * cw);
      a2 = (A + 1) - (A - 1) * cw - 2 * sA * alpha;
      break;
    case MASTER_EQ_TILT:{
      /* (g s + 1) / (s + g), s = (1/K) (1 - z^-1) / (1 + z^-1) */
      double K = tan (0.5 * w0), g = A;
      b0 = g + K;
      b1 = K - g;
      b2 = 0.0;
      a0 = 1.0 + g * K;
      a1 = g * K - 1.0;
      a2 = 0.0;
      break;
    }
    default:                   /* bell */
      b0 = 1 + alpha * A;
      b1 = -2 * cw;
      b2 = 1 - alpha * A;
      a0 = 1 + alpha / A;
      a1 = -2 * cw;
      a2 = 1 - alpha / A;
      break;
  }
  out->b0 = b0 / a0;
  out->b1 = b1 / a0;
  out->b2 = b2 / a0;
  out->a1 = a1 / a0;
  out->a2 = a2 / a0;
}

/* ---------------------------------------------------------------------- */
/* two sections fitted jointly (resonant shelves near Nyquist) */

/* Quartic in u: q[0] + q[1] u + ... + q[4] u^4 */
static double
quart_at (const double q[5], double u)
{
  return q[0] + u * (q[1] + u * (q[2] + u * (q[3] + u * q[4])));
}

/* Splits a quartic that is positive on [0, umax] into two quadratics that
 * are each positive there (roots by Durand-Kerner; conjugate pairs and
 * neighbouring real roots grouped).  Returns 0 on success. */
static int
split_quartic (const double q[5], double umax, Quad * a, Quad * b)
{
  double complex r[4], lead = q[4];
  double re[4], im[4];
  int i, j, it, used[4] = { 0 }, order[4], n = 0;
  double sa, sb, mid = 0.5 * umax;

  if (!(fabs (q[4]) > 1e-300))
    return -1;
  for (i = 0; i < 4; i++)
    r[i] = cpow (0.4 + 0.9 * I, i) * (1.0 + umax);
  for (it = 0; it < 200; it++) {
    double change = 0.0;
    for (i = 0; i < 4; i++) {
      double complex num = q[0] + r[i] * (q[1] + r[i] * (q[2] + r[i] * (q[3] +
                  r[i] * q[4])));
      double complex den = lead, d;
      for (j = 0; j < 4; j++)
        if (j != i)
          den *= r[i] - r[j];
      d = num / den;
      r[i] -= d;
      change = fmax (change, cabs (d) / (1.0 + cabs (r[i])));
    }
    if (change < 1e-13)
      break;
  }
  for (i = 0; i < 4; i++) {
    re[i] = creal (r[i]);
    im[i] = cimag (r[i]);
    if (!isfinite (re[i]) || !isfinite (im[i]))
      return -1;
  }
  /* complex roots: with their conjugates */
  for (i = 0; i < 4; i++) {
    int bj = -1;
    double bd = 0.0;
    if (used[i] || fabs (im[i]) <= 1e-9 * (1.0 + fabs (re[i])))
      continue;
    for (j = i + 1; j < 4; j++) {
      double d = cabs (r[j] - conj (r[i]));
      if (!used[j] && (bj < 0 || d < bd)) {
        bj = j;
        bd = d;
      }
    }
    if (bj < 0 || bd > 1e-6 * (1.0 + cabs (r[i])))
      return -1;
    used[i] = used[bj] = 1;
    order[n++] = i;
    order[n++] = bj;
  }
  /* real roots: sorted, neighbours together */
  {
    int rest[4], m = 0;
    for (i = 0; i < 4; i++)
      if (!used[i])
        rest[m++] = i;
    for (i = 1; i < m; i++)
      for (j = i; j > 0 && re[rest[j]] < re[rest[j - 1]]; j--) {
        int t = rest[j];
        rest[j] = rest[j - 1];
        rest[j - 1] = t;
      }
    for (i = 0; i < m; i++)
      order[n++] = rest[i];
  }
  if (n != 4)
    return -1;
  /* (u - r0)(u - r1) and (u - r2)(u - r3), real parts for pairs */
  a->q2 = 1.0;
  a->q1 = -(re[order[0]] + re[order[1]]);
  a->q0 = re[order[0]] * re[order[1]] - im[order[0]] * im[order[1]];
  b->q2 = 1.0;
  b->q1 = -(re[order[2]] + re[order[3]]);
  b->q0 = re[order[2]] * re[order[3]] - im[order[2]] * im[order[3]];
  sa = quad_at (a, mid) >= 0.0 ? 1.0 : -1.0;
  sb = quad_at (b, mid) >= 0.0 ? 1.0 : -1.0;
  a->q0 *= sa;
  a->q1 *= sa;
  a->q2 *= sa;
  b->q0 *= q[4] * sa;
  b->q1 *= q[4] * sa;
  b->q2 *= q[4] * sa;
  (void) sb;
  if (!quad_positive (a, umax, 0.0) || !quad_positive (b, umax, 0.0))
    return -1;
  return 0;
}

/* sections for quartics N/D; 0 on success */
static int
make_two (MasterBiquadCoeffs out[2], const double nq[5], const double dq[5],
    double p)
{
  Quad na, nb, da, db;
  double umax = 1.0 / p;

  if (split_quartic (nq, umax, &na, &nb) || split_quartic (dq, umax, &da,
          &db))
    return -1;
  if (make_section (&out[0], &na, &da, p) || make_section (&out[1], &nb, &db,
          p))
    return -1;
  return 0;
}

/* ln |H|^2 of n sections at phi = sin^2(w/2) (Vicanek's form, precise at
 * low frequencies) */
static double
sections_log_pow (const MasterBiquadCoeffs * c, int n, double phi)
{
  double num = 1.0, den = 1.0;
  int i;
  for (i = 0; i < n; i++) {
    const MasterBiquadCoeffs *k = &c[i];
    double bp = k->b0 + k->b1 + k->b2, bm = k->b0 - k->b1 + k->b2;
    double ap = 1.0 + k->a1 + k->a2, am = 1.0 - k->a1 + k->a2;
    num *= bp * bp * (1.0 - phi) + bm * bm * phi
        - 16.0 * k->b0 * k->b2 * phi * (1.0 - phi);
    den *= ap * ap * (1.0 - phi) + am * am * phi
        - 16.0 * k->a2 * phi * (1.0 - phi);
  }
  return log (fmax (num, 1e-300) / fmax (den, 1e-300));
}

static int
design_fit2 (MasterBiquadCoeffs out[2], const MasterEqBand * b, double rate)
{
  double f_u[N_GRID], t[N_GRID], w[N_GRID], lw[N_GRID], dprev[N_GRID];
  double nyq = 0.5 * rate, ftop = fmin (20000.0, 0.95 * nyq);
  double fc = clampd (b->freq, 1.0, 0.25 * rate), p, best = 0.0;
  double nq[5], dq[5];
  Quad dm;
  MasterBiquadCoeffs trial[2];
  int i, k = 0, n_low, it, have = 0, worse = 0;

  p = sin (M_PI * fc / rate);
  p = p * p;
  for (i = 0; i < N_MAIN; i++) {
    double f = 10.0 * pow (ftop / 10.0, (double) i / (N_MAIN - 1));
    double s = sin (M_PI * f / rate);
    f_u[k] = s * s / p;
    t[k] = analog_pow (b, f);
    w[k++] = 1.0;
  }
  for (i = 0; i < N_CENTRE; i++) {
    double f = b->freq * pow (2.0, -1.5 + 3.0 * i / (N_CENTRE - 1));
    double s = sin (M_PI * f / rate);
    if (f < 10.0 || f > ftop)
      continue;
    f_u[k] = s * s / p;
    t[k] = analog_pow (b, f);
    w[k++] = 1.0;
  }
  n_low = k;
  for (i = 1; i <= N_TOP && ftop < nyq; i++) {
    double f = ftop + (nyq - ftop) * i / N_TOP;
    double s = sin (M_PI * f / rate);
    f_u[k] = s * s / p;
    t[k] = analog_pow (b, f);
    w[k++] = W_TOP;
  }

  /* start: the one-section fit times an identity section */
  if (design_fit (&out[0], b, rate))
    return -1;
  master_biquad_coeffs_identity (&out[1]);
  matched_denominator (b, rate, p, &dm);
  /* D: matched poles squared (weights only); N/D from the 1-section fit is
   * the feasible fallback already in out[] */
  for (i = 0; i < k; i++) {
    double d = quad_at (&dm, f_u[i]);
    dprev[i] = d * d;
    lw[i] = 1.0;
  }
  {
    /* error of the start, to beat */
    double emax = 0.0;
    for (i = 0; i < n_low; i++) {
      double e = fabs (sections_log_pow (out, 1, f_u[i] * p) - log (t[i]));
      emax = fmax (emax, e);
    }
    best = emax;
  }

  for (it = 0; it < N_SK + N_LAWSON; it++) {
    double M[9][9], v[9], x[9];
    int r, c;

    memset (M, 0, sizeof (M));
    memset (v, 0, sizeof (v));
    for (i = 0; i < k; i++) {
      double u = f_u[i], ti = t[i], s = 1.0 / (ti * dprev[i]);
      double u2 = u * u, u3 = u2 * u, u4 = u2 * u2;
      double row[9] = { s, s * u, s * u2, s * u3, s * u4,
        -ti * s * u, -ti * s * u2, -ti * s * u3, -ti * s * u4
      };
      double y = ti * s, wi = w[i] * w[i] * lw[i];
      for (r = 0; r < 9; r++) {
        double wr = wi * row[r];
        for (c = r; c < 9; c++)
          M[r][c] += wr * row[c];
        v[r] += wr * y;
      }
    }
    for (r = 0; r < 9; r++)
      for (c = 0; c < r; c++)
        M[r][c] = M[c][r];
    if (solve (&M[0][0], v, 9, x))
      break;
    for (i = 0; i < 5; i++)
      nq[i] = x[i];
    dq[0] = 1.0;
    for (i = 1; i < 5; i++)
      dq[i] = x[4 + i];
    if (make_two (trial, nq, dq, p))
      break;
    {
      double sum = 0.0, emax = 0.0;
      for (i = 0; i < k; i++) {
        double di = quart_at (dq, f_u[i]);
        double e = fabs (log (quart_at (nq, f_u[i]) / (di * t[i])));
        dprev[i] = di;
        if (i < n_low) {
          /* judge the realised sections, not the quartics */
          double er = fabs (sections_log_pow (trial, 2, f_u[i] * p) -
              log (t[i]));
          emax = fmax (emax, fmax (e, er));
        }
        if (it >= N_SK - 1) {
          lw[i] *= w[i] * e + 1e-9;
          sum += lw[i];
        }
      }
      if (sum > 0.0)
        for (i = 0; i < k; i++)
          lw[i] *= k / sum;
      if (emax < best) {
        best = emax;
        out[0] = trial[0];
        out[1] = trial[1];
        have = 1;
        worse = 0;
      } else if (it >= N_SK && ++worse >= N_WORSE) {
        break;
      }
    }
  }
  (void) have;
  return 0;
}

/* ---------------------------------------------------------------------- */

int
master_eqdesign_n_sections (const MasterEqBand * band)
{
  int order;

  switch (band->type) {
    case MASTER_EQ_LOW_PASS:
    case MASTER_EQ_HIGH_PASS:
      order = band->slope / 6;
      if (order < 1)
        order = 1;
      if (order > 8)
        order = 8;
      if (band->slope_type == MASTER_EQ_LINKWITZ_RILEY && !(order & 1)) {
        int half = order / 2;
        return (half & 1) ? 1 + 2 * ((half + 1) / 2 - 1) : 2 * (half / 2);
      }
      return (order + 1) / 2;
    case MASTER_EQ_LOW_SHELF:
    case MASTER_EQ_HIGH_SHELF:
      /* resonant shelves: two sections fitted jointly (one biquad cannot
       * follow their overshoot and dip near Nyquist within 0.25 dB) */
      return band->q > MASTER_EQDESIGN_SHELF_Q_TWO ? 2 : 1;
    default:
      return 1;
  }
}

/* Band-pass (B0 = 0) and notch (exact zeros at f0) with matched poles. */
static int
design_bp_notch (MasterBiquadCoeffs * out, const MasterEqBand * b,
    double rate)
{
  double w0 = 2.0 * M_PI * clampd (b->freq, 1.0, 0.49 * rate) / rate;
  double q = fmax (b->q, 1e-3), zeta = 1.0 / (2.0 * q), e, a1, a2;

  e = exp (-zeta * w0);
  if (zeta < 1.0)
    a1 = -2.0 * e * cos (w0 * sqrt (1.0 - zeta * zeta));
  else
    a1 = -2.0 * e * cosh (w0 * sqrt (zeta * zeta - 1.0));
  a2 = e * e;
  out->a1 = a1;
  out->a2 = a2;
  if (b->type == MASTER_EQ_NOTCH) {
    /* zeros on the unit circle at w0, unity gain at DC */
    double g = (1.0 + a1 + a2) / (2.0 - 2.0 * cos (w0));
    out->b0 = g;
    out->b1 = -2.0 * cos (w0) * g;
    out->b2 = g;
    return 0;
  } else {
    /* Vicanek band-pass: zero at DC, match at f0 and Nyquist */
    double A0 = (1 + a1 + a2) * (1 + a1 + a2), A1 = (1 - a1 + a2) * (1 - a1 +
        a2), A2 = -4 * a2;
    double p1 = sin (0.5 * w0), p0, p2, R1, R2, B1, B2, W, d, s1;
    MasterEqBand t = *b, proto = *b;
    double hm;
    p1 *= p1;
    p0 = 1.0 - p1;
    p2 = 4.0 * p0 * p1;
    t.freq = w0 * rate / (2.0 * M_PI);
    /* the analog prototype has the poles' (clamped) centre: matched to a
     * prototype centred above Nyquist the section had up to +16 dB of
     * gain where a band-pass has at most 0 dB */
    proto.freq = clampd (b->freq, 1.0, 0.49 * rate);
    hm = analog_pow (&proto, t.freq);
    R1 = (A0 * p0 + A1 * p1 + A2 * p2) * hm;
    B1 = analog_pow (&proto, 0.5 * rate) * A1;
    /* B0 = 0: B1 p1 + B2 p2 = R1 */
    B2 = (R1 - B1 * p1) / p2;
    (void) R2;
    s1 = sqrt (fmax (B1, 0.0));
    W = 0.5 * s1;
    d = W * W + B2;
    if (d < 0.0)
      d = 0.0;
    out->b0 = 0.5 * (W + sqrt (d));
    out->b1 = -0.5 * s1;
    out->b2 = out->b0 > 0.0 ? -B2 / (4.0 * out->b0) : 0.0;
    /* b0 + b1 + b2 = 0 exactly would be ideal; rounding is harmless */
    return master_biquad_coeffs_is_stable (out) ? 0 : -1;
  }
}

int
master_eqdesign_band (MasterBiquadCoeffs * out, int max_sections,
    const MasterEqBand * band, double rate)
{
  int n = master_eqdesign_n_sections (band);
  MasterEqBand b = *band;

  /* a resonant shelf asked for in one section gets the one-section fit */
  if (n == 2 && max_sections == 1 && (b.type == MASTER_EQ_LOW_SHELF
          || b.type == MASTER_EQ_HIGH_SHELF))
    n = 1;
  if (n > max_sections || rate <= 0.0 || !isfinite (b.freq)
      || !isfinite (b.gain_db) || !isfinite (b.q))
    return -1;
  b.freq = clampd (b.freq, 1.0, 1e6);
  b.q = clampd (b.q, 0.025, 100.0);
  b.gain_db = clampd (b.gain_db, -60.0, 60.0);

  switch (b.type) {
    case MASTER_EQ_BELL:
    case MASTER_EQ_LOW_SHELF:
    case MASTER_EQ_HIGH_SHELF:
    case MASTER_EQ_TILT:{
      double p;
      if (n == 2)
        master_biquad_coeffs_identity (&out[1]);
      if (b.gain_db == 0.0) {
        master_biquad_coeffs_identity (&out[0]);
        return n;
      }
      if (b.freq < 0.001 * rate) {
        design_bilinear (&out[0], &b, rate);
        return n;
      }
      if (n == 2) {
        if (design_fit2 (out, &b, rate) == 0)
          return 2;
        master_biquad_coeffs_identity (&out[1]);
      }
      if (design_fit (&out[0], &b, rate) == 0)
        return n;
      p = sin (M_PI * clampd (b.freq, 1.0, 0.25 * rate) / rate);
      if (design_matched (&out[0], &b, rate, p * p) == 0)
        return n;
      /* last resort, always stable: bilinear below Nyquist */
      b.freq = fmin (b.freq, 0.49 * rate);
      design_bilinear (&out[0], &b, rate);
      return n;
    }
    case MASTER_EQ_BAND_PASS:
    case MASTER_EQ_NOTCH:
      if (design_bp_notch (&out[0], &b, rate))
        return -1;
      return 1;
    case MASTER_EQ_LOW_PASS:
    case MASTER_EQ_HIGH_PASS:{
      int hp = b.type == MASTER_EQ_HIGH_PASS;
      int order = b.slope / 6;
      if (order < 1)
        order = 1;
      if (order > 8)
        order = 8;
      if (b.slope_type == MASTER_EQ_LINKWITZ_RILEY && !(order & 1))
        return master_eqdesign_linkwitz_riley (out, max_sections, hp, order,
            b.freq, rate);
      return master_eqdesign_butterworth (out, max_sections, hp, order,
          b.freq, rate);
    }
  }
  return -1;
}
