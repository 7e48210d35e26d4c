/* gst-mastering: BS.1770 K-weighting filter design at any sample rate.
 *
 * The two filters of ITU-R BS.1770 (a high shelf modelling the head, and the
 * "RLB" high pass) are specified as biquads at 48 kHz; at other rates they
 * are redesigned from their analog prototype parameters by the bilinear
 * transform, exactly as libebur128 designs them (f0, gain and Q fitted to
 * the 48 kHz coefficients), so measurements agree with libebur128 at every
 * rate:
 *   stage 1 (shelf):     (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2)
 *   stage 2 (high pass): (1 - 2 z^-1 + z^-2)     / (1 + r1 z^-1 + r2 z^-2)
 * Coefficients are double; filter state should be double too. */
#ifndef MASTER_KWEIGHT_H
#define MASTER_KWEIGHT_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  double b0, b1, b2, a1, a2;    /* stage 1: high shelf */
  double r1, r2;                /* stage 2: high pass, numerator 1 -2 1 */
} MasterKWeight;

/* Design the K-weighting for @rate Hz (> 0). */
void master_kweight_design (MasterKWeight * k, double rate);

#ifdef __cplusplus
}
#endif
#endif /* MASTER_KWEIGHT_H */
