/* gst-mastering: output alignment for lookahead elements; see the header. */
#include "gstmasteralign.h"

void
gst_master_align_reset (GstMasterAlign * a, guint latency)
{
  a->latency = latency;
  a->skip = latency;
  a->in_frames = 0;
  a->out_frames = 0;
  a->base_pts = GST_CLOCK_TIME_NONE;
}

void
gst_master_align_input (GstMasterAlign * a, GstBuffer * inbuf, guint n_frames)
{
  if (a->in_frames == 0 && inbuf && GST_BUFFER_PTS_IS_VALID (inbuf))
    a->base_pts = GST_BUFFER_PTS (inbuf);
  a->in_frames += n_frames;
}

gboolean
gst_master_align_output (GstMasterAlign * a, GstBuffer * buf, guint n_frames,
    gint rate, gint bpf)
{
  guint drop, keep;
  GstClockTime t0, t1;

  if (a->latency == 0) {
    a->out_frames += n_frames;
    return TRUE;
  }
  drop = MIN (a->skip, n_frames);
  a->skip -= drop;
  keep = n_frames - drop;
  if (keep == 0)
    return FALSE;
  if (drop > 0)
    gst_buffer_resize (buf, (gssize) drop * bpf, (gssize) keep * bpf);
  if (GST_CLOCK_TIME_IS_VALID (a->base_pts)) {
    t0 = gst_util_uint64_scale_int (a->out_frames, GST_SECOND, rate);
    t1 = gst_util_uint64_scale_int (a->out_frames + keep, GST_SECOND, rate);
    GST_BUFFER_PTS (buf) = a->base_pts + t0;
    GST_BUFFER_DURATION (buf) = t1 - t0;
  }
  GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_NONE;
  GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET_NONE;
  a->out_frames += keep;
  return TRUE;
}

guint
gst_master_align_drain_frames (const GstMasterAlign * a)
{
  if (a->latency == 0 || a->in_frames == 0)
    return 0;
  return a->latency;
}
