/* gst-mastering: mastercomp, mastering compressor. */
#ifndef __GST_MASTER_COMP_H__
#define __GST_MASTER_COMP_H__

#include <gst/gst.h>
#include <gst/audio/gstaudiofilter.h>

#include "dynamics.h"
#include "gstmasteralign.h"

G_BEGIN_DECLS

#define GST_TYPE_MASTER_COMP (gst_master_comp_get_type ())
G_DECLARE_FINAL_TYPE (GstMasterComp, gst_master_comp, GST, MASTER_COMP,
    GstAudioFilter);

#define GST_TYPE_MASTER_COMP_DETECTOR (gst_master_comp_detector_get_type ())
GType gst_master_comp_detector_get_type (void);
#define GST_TYPE_MASTER_COMP_MODE (gst_master_comp_mode_get_type ())
GType gst_master_comp_mode_get_type (void);

typedef int (*GstMasterCompProcessFunc) (MasterDynamics * d, gpointer dst,
    gconstpointer src, int n_frames);

/* properties, guarded by the object lock */
typedef struct
{
  MasterDynamicsParams dyn;
  gdouble lookahead_ms;
  guint64 interval;             /* ns, 0 = EOS only */
} GstMasterCompSettings;

struct _GstMasterComp
{
  GstAudioFilter parent;

  GstMasterCompSettings settings;       /* object lock */
  gboolean dirty;               /* object lock */

  /* streaming state (streaming thread only) */
  GstMasterCompSettings snap;
  MasterDynamics *dyn;
  GstMasterCompProcessFunc process;
  GstMasterAlign align;
  guint latency;                /* frames; also read by queries (atomic int) */
  guint64 msg_frames;           /* frames since the last message */
  GstClockTime msg_start;       /* running position of the message window */
  gboolean warned_nonfinite;
  gboolean was_passthrough;
};

GST_ELEMENT_REGISTER_DECLARE (mastercomp);

G_END_DECLS

#endif
