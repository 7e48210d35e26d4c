/* Runs interleaved float frames through a `mastermeter` element in a
 * GstHarness and collects what the element reports: its element messages
 * (periodic and final) and its read-only properties after EOS. Used by the
 * conformance tests and the element tests of the meter. */
#ifndef MASTER_TEST_METER_RUN_H
#define MASTER_TEST_METER_RUN_H

#include <gst/gst.h>

typedef struct {
  const gchar *format;          /* "F32LE" (default when NULL) or "F64LE" */
  guint64 interval;             /* ns; G_MAXUINT64 = leave the default */
  gsize buffer_frames;          /* frames per pushed buffer (0 = 1024) */
  const gchar *caps;            /* full caps string, overrides format/mask */
  gboolean true_peak_off;
  gboolean range_off;
} MeterRunOptions;

typedef struct {
  GPtrArray *messages;          /* GstStructure* of every periodic message, in order */
  GstStructure *final;          /* the final (EOS) message, or NULL */
  gboolean final_before_eos;    /* final message posted before EOS came out */
  guint n_warnings;             /* warning messages posted */
  /* properties read after EOS */
  gdouble integrated, loudness_range, momentary_max, short_term_max;
  gdouble sample_peak_max, true_peak_max;
  /* output checks */
  gboolean bit_exact;           /* every output buffer equals its input */
  gboolean timestamps_ok;       /* PTS/duration unchanged */
  guint64 frames_out;
} MeterRun;

/* Returns FALSE when the pipeline could not run (caps refused, ...). */
gboolean meter_run (const float *x, gsize n_frames, gint channels, gint rate,
    const MeterRunOptions * opt, MeterRun * out);
void meter_run_clear (MeterRun * r);

/* A double field of a message (NAN when missing). */
gdouble meter_field (const GstStructure * s, const gchar * name);
/* End time of a message: timestamp + duration in seconds. */
gdouble meter_end_s (const GstStructure * s);

#endif
