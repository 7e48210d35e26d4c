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
