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
  a->run.frame = 0;
  a->run.pts = GST_CLOCK_TIME_NONE;
  a->run_offset = GST_BUFFER_OFFSET_NONE;
}

static GstClockTime
mark_time (const GstMasterAlignMark * m, guint64 frame, gint rate)
{
  return m->pts + gst_util_uint64_scale_int (frame - m->frame, GST_SECOND,
      rate);
}

/* How far `pts` is from the time `m`'s timeline gives input frame `frame`. */
static GstClockTimeDiff
mark_offset (const GstMasterAlignMark * m, guint64 frame, GstClockTime pts,
    gint rate)
{
  return GST_CLOCK_DIFF (mark_time (m, frame, rate), pts);
}

void
gst_master_align_input (GstMasterAlign * a, GstBuffer * inbuf, guint n_frames,
    gint rate)
{
  if (a->latency > 0 && inbuf && GST_BUFFER_PTS_IS_VALID (inbuf) && rate > 0) {
    GstClockTime pts = GST_BUFFER_PTS (inbuf);
    gboolean new_mark = a->n_marks == 0;
    if (!new_mark) {
      GstClockTimeDiff d = mark_offset (&a->marks[a->n_marks - 1],
          a->in_frames, pts, rate);
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

static void
stamp (GstMasterAlign * a, GstBuffer * buf, guint n, gint rate)
{
  if (a->n_marks > 0 && a->marks[0].frame <= a->out_frames) {
    GstClockTime t0 = mark_time (&a->marks[0], a->out_frames, rate);
    GstClockTime t1 = mark_time (&a->marks[0], a->out_frames + n, rate);
    GST_BUFFER_PTS (buf) = t0;
    GST_BUFFER_DURATION (buf) = t1 - t0;
  } else {
    GST_BUFFER_PTS (buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (n, GST_SECOND,
        rate);
  }
  GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_NONE;
  GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET_NONE;
}

/* drops the marks before the one whose timeline holds the next output
 * frame */
static void
advance_marks (GstMasterAlign * a)
{
  while (a->n_marks > 1 && a->marks[1].frame <= a->out_frames) {
    memmove (&a->marks[0], &a->marks[1],
        sizeof (a->marks[0]) * (a->n_marks - 1));
    a->n_marks--;
  }
}

gboolean
gst_master_align_output (GstMasterAlign * a, GstBuffer * buf, guint n_frames,
    gint rate, gint bpf, GstPad * srcpad)
{
  guint drop, keep;

  if (a->latency == 0) {
    a->out_frames += n_frames;
    return TRUE;
  }
  drop = gst_master_align_withhold (a, n_frames);
  keep = n_frames - drop;
  if (keep == 0)
    return FALSE;
  if (drop > 0)
    gst_buffer_resize (buf, (gssize) drop * bpf, (gssize) keep * bpf);

  advance_marks (a);
  /* a discontinuity inside the buffer: the frames before it go out in a
   * buffer of their own, on their own timeline, so that no frame is
   * stamped with another timeline's time */
  while (srcpad && a->n_marks > 1 && a->marks[1].frame < a->out_frames + keep) {
    guint head = (guint) (a->marks[1].frame - a->out_frames);
    GstBuffer *part = gst_buffer_copy_region (buf, GST_BUFFER_COPY_ALL, 0,
        (gsize) head * bpf);
    GstFlowReturn ret;

    stamp (a, part, head, rate);
    GST_BUFFER_FLAG_UNSET (part, GST_BUFFER_FLAG_DISCONT);
    a->out_frames += head;
    keep -= head;
    gst_buffer_resize (buf, (gssize) head * bpf, (gssize) keep * bpf);
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
    advance_marks (a);
    ret = gst_pad_push (srcpad, part);
    if (ret != GST_FLOW_OK)
      GST_DEBUG_OBJECT (srcpad, "pushing the frames before a discontinuity: "
          "%s", gst_flow_get_name (ret));
  }
  stamp (a, buf, keep, rate);
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
  if (gst_master_align_output (a, buf, n, rate, bpf, srcpad)) {
    GST_DEBUG_OBJECT (srcpad, "draining %" G_GSIZE_FORMAT " frames",
        gst_buffer_get_size (buf) / bpf);
    gst_pad_push (srcpad, buf);
  } else {
    gst_buffer_unref (buf);
  }
}

guint
gst_master_align_withhold (GstMasterAlign * a, guint n_frames)
{
  guint n = MIN (a->skip, n_frames);
  a->skip -= n;
  return n;
}

gboolean
gst_master_align_run_jumps (const GstMasterAlign * a, GstClockTime pts,
    gint rate, GstClockTime tolerance)
{
  GstClockTimeDiff d;

  if (a->in_frames == 0 || !GST_CLOCK_TIME_IS_VALID (pts)
      || !GST_CLOCK_TIME_IS_VALID (a->run.pts))
    return FALSE;
  d = mark_offset (&a->run, a->in_frames, pts, rate);
  return ABS (d) > (GstClockTimeDiff) tolerance;
}

void
gst_master_align_run_input (GstMasterAlign * a, GstClockTime pts,
    guint64 offset, guint n_frames)
{
  if (a->in_frames == 0) {
    a->run.pts = pts;
    a->run_offset = offset;
  }
  a->in_frames += n_frames;
}

void
gst_master_align_run_forward (GstMasterAlign * a, GstClockTime pts,
    guint n_frames)
{
  gst_master_align_run_input (a, pts, GST_BUFFER_OFFSET_NONE, n_frames);
  a->out_frames += n_frames;
}

void
gst_master_align_run_relag (GstMasterAlign * a)
{
  a->skip = a->latency;
}

GstClockTime
gst_master_align_run_time (const GstMasterAlign * a, guint64 frame, gint rate)
{
  if (!GST_CLOCK_TIME_IS_VALID (a->run.pts))
    return GST_CLOCK_TIME_NONE;
  return mark_time (&a->run, frame, rate);
}

void
gst_master_align_run_output (GstMasterAlign * a, GstBuffer * buf,
    guint n_frames, gint rate)
{
  GstClockTime t0 = gst_master_align_run_time (a, a->out_frames, rate);
  GstClockTime t1 = gst_master_align_run_time (a, a->out_frames + n_frames,
      rate);

  GST_BUFFER_PTS (buf) = t0;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = GST_CLOCK_TIME_IS_VALID (t0) ? t1 - t0 :
      GST_CLOCK_TIME_NONE;
  if (a->run_offset != GST_BUFFER_OFFSET_NONE) {
    GST_BUFFER_OFFSET (buf) = a->run_offset + a->out_frames;
    GST_BUFFER_OFFSET_END (buf) = a->run_offset + a->out_frames + n_frames;
  } else {
    GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_NONE;
    GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET_NONE;
  }
  if (a->out_frames == 0)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  else
    GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_DISCONT);
  a->out_frames += n_frames;
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
