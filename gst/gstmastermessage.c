/* Element messages of the mastering plugin; see gstmastermessage.h. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmastermessage.h"

GstStructure *
gst_master_message_structure_new (GstBaseTransform * trans, const gchar * name,
    GstClockTime ts, GstClockTime duration)
{
  GstClockTime stream_time = GST_CLOCK_TIME_NONE;
  GstClockTime running_time = GST_CLOCK_TIME_NONE;

  if (GST_CLOCK_TIME_IS_VALID (ts)) {
    stream_time = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME, ts);
    running_time = gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, ts);
  }
  return gst_structure_new (name,
      "timestamp", G_TYPE_UINT64, ts,
      "stream-time", G_TYPE_UINT64, stream_time,
      "running-time", G_TYPE_UINT64, running_time,
      "duration", G_TYPE_UINT64, duration, NULL);
}

static gboolean
interval_take (guint64 * frames, gint rate, GstClockTime end_ts,
    GstClockTime * start, GstClockTime * duration)
{
  GstClockTime dur = rate > 0 ?
      gst_util_uint64_scale_int (*frames, GST_SECOND, rate) : 0;

  *duration = dur;
  *start = GST_CLOCK_TIME_IS_VALID (end_ts) && end_ts >= dur ?
      end_ts - dur : end_ts;
  *frames = 0;
  return TRUE;
}

gboolean
gst_master_message_interval_add (guint64 * frames, guint n, gint rate,
    GstClockTime interval, GstClockTime end_ts, GstClockTime * start,
    GstClockTime * duration)
{
  *frames += n;
  if (interval == 0 || rate <= 0 || *frames < MAX (1,
          gst_util_uint64_scale_round (interval, rate, GST_SECOND)))
    return FALSE;
  return interval_take (frames, rate, end_ts, start, duration);
}

gboolean
gst_master_message_interval_rest (guint64 * frames, gint rate,
    GstClockTime end_ts, GstClockTime * start, GstClockTime * duration)
{
  if (*frames == 0)
    return FALSE;
  return interval_take (frames, rate, end_ts, start, duration);
}
