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

G_END_DECLS

#endif
