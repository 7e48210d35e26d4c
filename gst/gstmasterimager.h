/* gst-mastering: masterimager, stereo width / mid-side gains / bass mono /
 * balance with correlation and mid/side level messages */
#ifndef GST_MASTER_IMAGER_H
#define GST_MASTER_IMAGER_H

#include <gst/gst.h>
#include <gst/audio/gstaudiofilter.h>

#include "imager.h"

G_BEGIN_DECLS

#define GST_TYPE_MASTER_IMAGER (gst_master_imager_get_type ())
G_DECLARE_FINAL_TYPE (GstMasterImager, gst_master_imager, GST, MASTER_IMAGER,
    GstAudioFilter)

typedef size_t (*GstMasterImagerProcessFunc) (MasterImager * im,
    gpointer data, gsize n_frames);
typedef void (*GstMasterImagerAnalyseFunc) (MasterImager * im,
    gconstpointer data, gsize n_frames);

struct _GstMasterImager
{
  GstAudioFilter parent;

  /* settings, under GST_OBJECT_LOCK; set_property only stores them */
  MasterImagerParams props;
  guint64 interval;             /* ns between messages, 0 = only at EOS */
  gboolean dirty;               /* props changed since the last snapshot */

  /* streaming state (streaming thread; built in setup, freed in stop) */
  MasterImager *dsp;
  GstMasterImagerProcessFunc process;  /* chosen in setup() by format */
  GstMasterImagerAnalyseFunc analyse;
  gint rate;
  gint bpf;                     /* bytes per frame */
  guint64 interval_frames;      /* snapshot of interval in frames, 0 = none */
  guint64 frames_in_interval;   /* frames in the current message interval */
  GstClockTime interval_start;  /* time of the interval's first frame */
  GstClockTime next_ts;         /* expected time of the next frame */
  gboolean warned_nonfinite;    /* one warning per stream */
  gboolean fresh;               /* no buffer since setup/flush: parameter
                                 * changes apply at once, without a ramp */
};

GST_ELEMENT_REGISTER_DECLARE (masterimager);

G_END_DECLS

#endif /* GST_MASTER_IMAGER_H */
