/* Element messages of the mastering plugin. */
#ifndef __GST_MASTER_MESSAGE_H__
#define __GST_MASTER_MESSAGE_H__

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

/* A structure named `name` holding the timing fields every element message
 * of the plugin starts with: `timestamp` (ts), `stream-time` and
 * `running-time` (ts in the element's sink segment; NONE when ts is NONE)
 * and `duration` (GstClockTime, ns). The caller adds its values with
 * gst_structure_set() and posts it with no lock held. */
GstStructure *gst_master_message_structure_new (GstBaseTransform * trans,
    const gchar * name, GstClockTime ts, GstClockTime duration);

/* Messages every `interval` of audio, posted on buffer boundaries
 * (mastercomp, mastermbcomp): *frames counts the frames since the last one.
 *
 * _interval_add() adds @n frames at @rate Hz ending at @end_ts (NONE when
 * unknown). When @interval (ns; 0 = only at EOS) is complete it returns
 * TRUE with the @start (NONE when @end_ts is) and @duration of the frames
 * counted, and restarts the count.
 * _interval_rest(), at EOS: TRUE when frames are counted, with the @start
 * and @duration of those ending at @end_ts; restarts the count. */
gboolean gst_master_message_interval_add (guint64 * frames, guint n,
    gint rate, GstClockTime interval, GstClockTime end_ts,
    GstClockTime * start, GstClockTime * duration);
gboolean gst_master_message_interval_rest (guint64 * frames, gint rate,
    GstClockTime end_ts, GstClockTime * start, GstClockTime * duration);

G_END_DECLS

#endif
