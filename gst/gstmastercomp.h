/* gst-mastering: mastercomp, mastering compressor. */
#ifndef __GST_MASTER_COMP_H__
#define __GST_MASTER_COMP_H__

#include <gst/gst.h>

#include "dynamics.h"
#include "gstmasterdynfilter.h"

G_BEGIN_DECLS

#define GST_TYPE_MASTER_COMP (gst_master_comp_get_type ())
G_DECLARE_FINAL_TYPE (GstMasterComp, gst_master_comp, GST, MASTER_COMP,
    GstMasterDynFilter);

#define GST_TYPE_MASTER_COMP_DETECTOR (gst_master_comp_detector_get_type ())
GType gst_master_comp_detector_get_type (void);
#define GST_TYPE_MASTER_COMP_MODE (gst_master_comp_mode_get_type ())
GType gst_master_comp_mode_get_type (void);

/* properties, guarded by the object lock ("interval": the base class) */
typedef struct
{
  MasterDynamicsParams dyn;
  gdouble lookahead_ms;
} GstMasterCompSettings;

struct _GstMasterComp
{
  GstMasterDynFilter parent;

  GstMasterCompSettings settings;       /* object lock */
  gboolean dirty;               /* object lock */

  /* streaming state (streaming thread only) */
  GstMasterCompSettings snap;
  MasterDynamics *dyn;
  gboolean was_passthrough;
};

GST_ELEMENT_REGISTER_DECLARE (mastercomp);

G_END_DECLS

#endif
