/* gst-mastering: BS.1770 K-weighting design. See kweight.h. */
#include "kweight.h"

#include <math.h>

void
master_kweight_design (MasterKWeight * k, double rate)
{
  /* high shelf: analog prototype parameters of the BS.1770 48 kHz biquad */
  double f0 = 1681.974450955533, G = 3.999843853973347,
      Q = 0.7071752369554196;
  double K = tan (M_PI * f0 / rate), Vh = pow (10.0, G / 20.0),
      Vb = pow (Vh, 0.4996667741545416), a0 = 1.0 + K / Q + K * K;

  k->b0 = (Vh + Vb * K / Q + K * K) / a0;
  k->b1 = 2.0 * (K * K - Vh) / a0;
  k->b2 = (Vh - Vb * K / Q + K * K) / a0;
  k->a1 = 2.0 * (K * K - 1.0) / a0;
  k->a2 = (1.0 - K / Q + K * K) / a0;

  /* RLB high pass */
  f0 = 38.13547087602444;
  Q = 0.5003270373238773;
  K = tan (M_PI * f0 / rate);
  a0 = 1.0 + K / Q + K * K;
  k->r1 = 2.0 * (K * K - 1.0) / a0;
  k->r2 = (1.0 - K / Q + K * K) / a0;
}
