/* gstmasteralign's run API (masterlimiter, mastersaturator): the withheld
 * lead, the drain length, stamping from the run's first input frame (PTS,
 * DURATION, DTS, offsets, DISCONT), jump detection against a tolerance, and
 * forwarding (passthrough) followed by a renewed lead. The elements' own
 * tests check the same end to end; this pins the arithmetic. */
#include <gst/check/gstcheck.h>
#include "../common/master-test.h"
#include "gstmasteralign.h"

#define RATE 48000

static GstClockTime
frames_ns (guint64 n)
{
  return gst_util_uint64_scale_int (n, GST_SECOND, RATE);
}

/* A buffer of n frames (content irrelevant), flags and times unset. */
static GstBuffer *
frames_buffer (guint n)
{
  return gst_buffer_new_allocate (NULL, (gsize) n * 8, NULL);
}

GST_START_TEST (test_run_lead_and_stamps)
{
  GstMasterAlign a;
  GstBuffer *b;
  const GstClockTime t0 = GST_SECOND;

  gst_master_align_reset (&a, 100);
  fail_unless_equals_int (gst_master_align_drain_frames (&a), 0);
  gst_master_align_run_input (&a, t0, 1000, 64);
  fail_unless_equals_int (gst_master_align_withhold (&a, 64), 64);
  gst_master_align_run_input (&a, t0 + frames_ns (64), 1064, 200);
  fail_unless_equals_int (gst_master_align_withhold (&a, 200), 36);

  b = frames_buffer (164);
  GST_BUFFER_DTS (b) = 5;
  gst_master_align_run_output (&a, b, 164, RATE);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (b), t0);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (b), frames_ns (164));
  fail_unless (!GST_BUFFER_DTS_IS_VALID (b));
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (b), 1000);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (b), 1164);
  fail_unless (GST_BUFFER_IS_DISCONT (b), "first buffer of a run not DISCONT");
  gst_buffer_unref (b);

  b = frames_buffer (10);
  GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
  gst_master_align_run_output (&a, b, 10, RATE);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (b), t0 + frames_ns (164));
  /* durations are differences of rounded times: no drift */
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (b),
      frames_ns (174) - frames_ns (164));
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (b), 1164);
  fail_unless (!GST_BUFFER_IS_DISCONT (b), "DISCONT inside a run");
  gst_buffer_unref (b);

  /* the tail: `latency` frames of silence, none of them withheld */
  fail_unless_equals_int (gst_master_align_drain_frames (&a), 100);
  fail_unless_equals_int (gst_master_align_withhold (&a, 100), 0);
  fail_unless_equals_uint64 (gst_master_align_run_time (&a, 264, RATE),
      t0 + frames_ns (264));
}
GST_END_TEST;

GST_START_TEST (test_run_short_and_untimed)
{
  GstMasterAlign a;
  GstBuffer *b;

  /* a run shorter than the latency and without timestamps */
  gst_master_align_reset (&a, 100);
  gst_master_align_run_input (&a, GST_CLOCK_TIME_NONE, GST_BUFFER_OFFSET_NONE,
      30);
  fail_unless_equals_int (gst_master_align_withhold (&a, 30), 30);
  /* the drain's first 70 frames still belong to the lead: 30 come out */
  fail_unless_equals_int (gst_master_align_drain_frames (&a), 100);
  fail_unless_equals_int (gst_master_align_withhold (&a, 100), 70);
  /* a later timestamp does not give the run a timeline */
  gst_master_align_run_input (&a, GST_SECOND, 7, 10);
  fail_unless (!GST_CLOCK_TIME_IS_VALID (gst_master_align_run_time (&a, 0,
              RATE)));
  fail_if (gst_master_align_run_jumps (&a, 5 * GST_SECOND, RATE, 0));
  b = frames_buffer (30);
  gst_master_align_run_output (&a, b, 30, RATE);
  fail_unless (!GST_BUFFER_PTS_IS_VALID (b));
  fail_unless (!GST_BUFFER_DURATION_IS_VALID (b));
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (b), GST_BUFFER_OFFSET_NONE);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (b),
      GST_BUFFER_OFFSET_NONE);
  fail_unless (GST_BUFFER_IS_DISCONT (b));
  gst_buffer_unref (b);

  /* latency 0: nothing withheld, nothing to drain, still restamped */
  gst_master_align_reset (&a, 0);
  gst_master_align_run_input (&a, 3 * GST_SECOND, GST_BUFFER_OFFSET_NONE, 50);
  fail_unless_equals_int (gst_master_align_withhold (&a, 50), 0);
  fail_unless_equals_int (gst_master_align_drain_frames (&a), 0);
  b = frames_buffer (50);
  GST_BUFFER_PTS (b) = 0;
  gst_master_align_run_output (&a, b, 50, RATE);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (b), 3 * GST_SECOND);
  gst_buffer_unref (b);
}
GST_END_TEST;

GST_START_TEST (test_run_jumps)
{
  GstMasterAlign a;
  const GstClockTime half = GST_SECOND / RATE / 2, one = frames_ns (1);
  const GstClockTime next = 10 * GST_MSECOND;

  gst_master_align_reset (&a, 10);
  /* no run yet: nothing to jump from */
  fail_if (gst_master_align_run_jumps (&a, 7 * GST_SECOND, RATE, half));
  gst_master_align_run_input (&a, 0, GST_BUFFER_OFFSET_NONE, 480);
  fail_if (gst_master_align_run_jumps (&a, next, RATE, half));
  fail_if (gst_master_align_run_jumps (&a, next + half, RATE, half));
  fail_unless (gst_master_align_run_jumps (&a, next + half + 1, RATE, half));
  fail_unless (gst_master_align_run_jumps (&a, next - half - 1, RATE, half));
  /* the same offset within a one-frame tolerance */
  fail_if (gst_master_align_run_jumps (&a, next + half + 1, RATE, one));
  fail_unless (gst_master_align_run_jumps (&a, next + 20 * GST_MSECOND, RATE,
          one));
  fail_if (gst_master_align_run_jumps (&a, GST_CLOCK_TIME_NONE, RATE, 0));
  g_print ("run jumps: tolerance half a frame %" G_GUINT64_FORMAT
      " ns, one frame %" G_GUINT64_FORMAT " ns at %d Hz\n", half, one, RATE);
}
GST_END_TEST;

GST_START_TEST (test_run_forward_relag)
{
  GstMasterAlign a;
  GstBuffer *b;
  const GstClockTime t0 = 2 * GST_SECOND;

  /* passthrough: 480 frames forwarded, then processing again */
  gst_master_align_reset (&a, 10);
  gst_master_align_run_forward (&a, t0, 480);
  fail_unless_equals_uint64 (a.in_frames, 480);
  fail_unless_equals_uint64 (a.out_frames, 480);
  fail_unless_equals_int (gst_master_align_withhold (&a, 5), 5);
  gst_master_align_run_relag (&a);
  gst_master_align_run_input (&a, t0 + frames_ns (480),
      GST_BUFFER_OFFSET_NONE, 100);
  fail_unless_equals_int (gst_master_align_withhold (&a, 100), 10);
  b = frames_buffer (90);
  gst_master_align_run_output (&a, b, 90, RATE);
  /* output frame k keeps input frame k's time: frames 480.. of the run */
  fail_unless_equals_uint64 (GST_BUFFER_PTS (b), t0 + frames_ns (480));
  fail_unless (!GST_BUFFER_IS_DISCONT (b), "DISCONT after forwarded frames");
  gst_buffer_unref (b);
  fail_unless_equals_uint64 (a.out_frames + 10, a.in_frames);
}
GST_END_TEST;

static Suite *
masteralign_suite (void)
{
  Suite *s = suite_create ("masteralign");
  TCase *tc = tcase_create ("run");
  master_test_register ();
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_run_lead_and_stamps);
  tcase_add_test (tc, test_run_short_and_untimed);
  tcase_add_test (tc, test_run_jumps);
  tcase_add_test (tc, test_run_forward_relag);
  return s;
}

GST_CHECK_MAIN (masteralign);
