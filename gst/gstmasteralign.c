/* gst-mastering: output alignment for lookahead elements; see the header. */
#include "gstmasteralign.h"

#include <string.h>

void
gst_master_align_reset (GstMasterAlign * a, guint latency)
{
  a->latency = latency;
  a->skip = latency;
  a->in_frames = 0;
  a->out_frames = 0;
  a->n_marks = 0;
}

static GstClockTime
mark_time (const GstMasterAlignMark * m, guint64 frame, gint rate)
{
  return m->pts + gst_util_uint64_scale_int (frame - m->frame, GST_SECOND,
      rate);
}

void
gst_master_align_input (GstMasterAlign * a, GstBuffer * inbuf, guint n_frames,
    gint rate)
{
  if (a->latency > 0 && inbuf && GST_BUFFER_PTS_IS_VALID (inbuf) && rate > 0) {
    GstClockTime pts = GST_BUFFER_PTS (inbuf);
    gboolean new_mark = a->n_marks == 0;
    if (!new_mark) {
      GstClockTime expect = mark_time (&a->marks[a->n_marks - 1],
          a->in_frames, rate);
      GstClockTimeDiff d = GST_CLOCK_DIFF (expect, pts);
      /* more than half a frame off the running timeline: a discontinuity */
      new_mark = ABS (d) > (GstClockTimeDiff) (GST_SECOND / (2 * rate));
    }
    if (new_mark) {
      if (a->n_marks == GST_MASTER_ALIGN_MAX_MARKS) {
        /* too many gaps inside the delay: forget the oldest */
        memmove (&a->marks[0], &a->marks[1],
            sizeof (a->marks[0]) * (GST_MASTER_ALIGN_MAX_MARKS - 1));
        a->n_marks--;
      }
      a->marks[a->n_marks].frame = a->in_frames;
      a->marks[a->n_marks].pts = pts;
      a->n_marks++;
    }
  }
  a->in_frames += n_frames;
}

gboolean
gst_master_align_output (GstMasterAlign * a, GstBuffer * buf, guint n_frames,
    gint rate, gint bpf)
{
  guint drop, keep;

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

  /* the mark whose timeline holds the first output frame */
  while (a->n_marks > 1 && a->marks[1].frame <= a->out_frames) {
    memmove (&a->marks[0], &a->marks[1],
        sizeof (a->marks[0]) * (a->n_marks - 1));
    a->n_marks--;
  }
  if (a->n_marks > 0 && a->marks[0].frame <= a->out_frames) {
    GstClockTime t0 = mark_time (&a->marks[0], a->out_frames, rate);
    GstClockTime t1 = mark_time (&a->marks[0], a->out_frames + keep, rate);
    GST_BUFFER_PTS (buf) = t0;
    GST_BUFFER_DURATION (buf) = t1 - t0;
  } else {
    GST_BUFFER_PTS (buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (keep, GST_SECOND,
        rate);
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

void
gst_master_align_drain (GstMasterAlign * a, GstPad * srcpad, gint rate,
    gint bpf, GstMasterAlignProcess process, gpointer user_data)
{
  guint n = gst_master_align_drain_frames (a);
  GstBuffer *buf;
  GstMapInfo map;

  if (n == 0 || bpf == 0)
    return;
  buf = gst_buffer_new_allocate (NULL, (gsize) n * bpf, NULL);
  gst_buffer_map (buf, &map, GST_MAP_READWRITE);
  memset (map.data, 0, map.size);
  process (user_data, map.data, n);
  gst_buffer_unmap (buf, &map);
  if (gst_master_align_output (a, buf, n, rate, bpf)) {
    GST_DEBUG_OBJECT (srcpad, "draining %" G_GSIZE_FORMAT " frames",
        gst_buffer_get_size (buf) / bpf);
    gst_pad_push (srcpad, buf);
  } else {
    gst_buffer_unref (buf);
  }
}

void
gst_master_latency_query_add (GstQuery * query, GstClockTime latency)
{
  gboolean live;
  GstClockTime min, max;

  gst_query_parse_latency (query, &live, &min, &max);
  min += latency;
  if (GST_CLOCK_TIME_IS_VALID (max))
    max += latency;
  gst_query_set_latency (query, live, min, max);
}
