/* EBU Tech 3342 (loudness range) conformance of `mastermeter`, run through
 * the element: cases 1-4, tolerance +-1 LU (QUALITY.md). 1 kHz stereo tone
 * segments at 48 kHz, levels in dBFS peak per channel. */
#include <gst/gst.h>
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "master-test.h"
#include "meter-run.h"
#include "meter-signals.h"

#define RATE 48000

static void
lra_case (int id, const ToneSegment * seg, int n_seg, double want,
    const char *format)
{
  MeterRunOptions opt = { .interval = GST_SECOND, .format = format };
  MeterRun r;
  size_t n;
  float *x = tone_segments (seg, n_seg, 2, RATE, &n);
  double v;

  CHECK (meter_run (x, n, 2, RATE, &opt, &r), "case %d: run", id);
  v = meter_field (r.final, "loudness-range");
  NOTE ("Tech 3342 case %d (%s): LRA %.3f LU (property %.3f); expected %.0f +-1",
      id, format, v, r.loudness_range, want);
  CHECK (isfinite (v) && fabs (v - want) <= 1.0, "case %d: LRA %.3f", id, v);
  CHECK (v == r.loudness_range, "case %d: message/property", id);
  meter_run_clear (&r);
  free (x);
}

int
main (int argc, char **argv)
{
  const ToneSegment c1[] = { {20, -20}, {20, -30} };
  const ToneSegment c2[] = { {20, -20}, {20, -15} };
  const ToneSegment c3[] = { {20, -40}, {20, -20} };
  const ToneSegment c4[] = { {20, -50}, {20, -35}, {20, -20}, {20, -35},
  {20, -50}
  };

  gst_init (&argc, &argv);
  master_test_register ();
  lra_case (1, c1, 2, 10.0, "F32LE");
  lra_case (2, c2, 2, 5.0, "F32LE");
  lra_case (3, c3, 2, 20.0, "F64LE");
  lra_case (4, c4, 5, 15.0, "F32LE");
  return check_finish ();
}
