/* masterdsp: sample-accurate fades
 *
 * Positions are stream sample positions p (int64, sample 0 = stream time 0).
 * A schedule holds at most one fade-in and one fade-out; the applied gain is
 *
 *   g(p) = gin(p) * gout(p)
 *   gin(p)  = 0 for p < in_start, 1 for p >= in_start + in_len,
 *             else C((p - in_start) / in_len)
 *   gout(p) = 0 for p >= out_end, 1 for p <= out_end - out_len,
 *             else C((out_end - p) / out_len)
 *
 * so the sample at in_start is exactly 0 (first sample of a fade-in) and the
 * sample at out_end is exactly 0 (last sample of a fade-out). Anchors and
 * lengths are doubles (in samples) so fractional durations are exact.
 *
 * Curves C(x), x in [0,1], C(0) = 0 exactly, C(1) = 1 exactly:
 *   linear       C = x
 *   logarithmic  C = log10(1 + 999 x) / 3      (fast start, like a log pot:
 *                                               -0.9 dB at x = 0.5)
 *   exponential  C = (10^(3 x) - 1) / 999      (linear in dB over ~60 dB,
 *                                               -30.3 dB at x = 0.5)
 *   s-curve      C = (1 - cos(pi x)) / 2       (raised cosine, zero slope at
 *                                               both ends)
 *   equal-power  C = sin(pi x / 2)             (C(x)^2 + C(1-x)^2 = 1: a
 *                                               cross-fade keeps power)
 *
 * Declick: when a schedule is replaced while running (property change, live
 * start of a fade), a jump of the gain at the switch position is spread over
 * MASTER_FADE_DECLICK_SECONDS with a linearly decaying offset.
 */
#ifndef MASTER_FADE_H
#define MASTER_FADE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  MASTER_FADE_CURVE_LINEAR = 0,
  MASTER_FADE_CURVE_LOGARITHMIC,
  MASTER_FADE_CURVE_EXPONENTIAL,
  MASTER_FADE_CURVE_S_CURVE,
  MASTER_FADE_CURVE_EQUAL_POWER
} MasterFadeCurve;

typedef struct {
  MasterFadeCurve curve;
  int has_in;           /* fade-in present */
  double in_start;      /* samples: position of the first (zero) sample */
  double in_len;        /* samples, >= 0 */
  int has_out;          /* fade-out present */
  double out_end;       /* samples: position of the last (zero) sample */
  double out_len;       /* samples, >= 0 */
} MasterFadeSchedule;

typedef struct MasterFade MasterFade;

#define MASTER_FADE_DECLICK_SECONDS 0.005
#define MASTER_FADE_MAX_CHANNELS 8

/* C(x), x clamped to [0,1] */
double master_fade_curve (MasterFadeCurve curve, double x);
/* inverse: x with C(x) = g, g clamped to [0,1] */
double master_fade_curve_inverse (MasterFadeCurve curve, double g);

/* gain of a schedule at position p (no declick) */
double master_fade_schedule_gain (const MasterFadeSchedule * s, int64_t p);

/* NULL on bad arguments (rate < 1000, channels outside 1..8) */
MasterFade *master_fade_new (double rate, int channels);
void master_fade_free (MasterFade ** f);

/* Replace the schedule from position pos on. If the gain at pos differs from
 * the old schedule's gain at pos (and the fade has run since the last reset),
 * the difference is faded out over the declick time. */
void master_fade_set_schedule (MasterFade * f, const MasterFadeSchedule * s,
    int64_t pos);
const MasterFadeSchedule *master_fade_get_schedule (const MasterFade * f);

/* Live control: start a fade-out (fade-in) of len samples at pos, continuing
 * from the current gain at pos (no jump): a running fade-in (fade-out) is
 * cancelled. */
void master_fade_start_out (MasterFade * f, int64_t pos, double len,
    MasterFadeCurve curve);
void master_fade_start_in (MasterFade * f, int64_t pos, double len,
    MasterFadeCurve curve);

/* Forget the declick state (after flush / seek: positions jump). */
void master_fade_reset (MasterFade * f);

/* Applied gain at pos including declick (pos must be >= the last switch) */
double master_fade_gain (const MasterFade * f, int64_t pos);

/* 1 when frames [pos, pos + n) all have gain exactly 1 */
int master_fade_is_unity (const MasterFade * f, int64_t pos, size_t n);

/* Apply the fade to n_frames interleaved frames whose first frame is at
 * stream position pos; dst may equal src. Returns the number of non-finite
 * input samples (replaced by 0). */
size_t master_fade_process_f32 (MasterFade * f, float *dst, const float *src,
    size_t n_frames, int64_t pos);
size_t master_fade_process_f64 (MasterFade * f, double *dst,
    const double *src, size_t n_frames, int64_t pos);

#ifdef __cplusplus
}
#endif
#endif /* MASTER_FADE_H */
