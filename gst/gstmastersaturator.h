/* mastersaturator: oversampled saturation (soft clip, tube, tape, hard
 * clip) with dry/wet mix, auto gain and latency-compensated output. */
#ifndef GST_MASTER_SATURATOR_H
#define GST_MASTER_SATURATOR_H

#include <gst/gst.h>
#include <gst/audio/gstaudiofilter.h>

#include "saturator.h"
#include "gstmasteralign.h"

G_BEGIN_DECLS

#define GST_TYPE_MASTER_SATURATOR (gst_master_saturator_get_type ())
G_DECLARE_FINAL_TYPE (GstMasterSaturator, gst_master_saturator, GST,
    MASTER_SATURATOR, GstAudioFilter)

#define GST_TYPE_MASTER_SATURATOR_MODEL (gst_master_saturator_model_get_type ())
GType gst_master_saturator_model_get_type (void);

struct _GstMasterSaturator
{
  GstAudioFilter parent;

  /* properties, under the object lock */
  MasterSaturatorParams props;
  guint oversampling;           /* 1, 2, 4 or 8; used at the next setup */
  guint64 interval;             /* ns between messages, 0 = EOS only */
  gboolean props_dirty;

  /* streaming state (streaming thread only) */
  MasterSaturator *sat;
  gint rate, channels, bpf;
  gboolean is_f64;
  guint latency;                /* frames, of the running saturator */
  GstMasterAlign align;         /* withheld lead, timeline of the run */
  gboolean warned_bad;          /* NaN/Inf warning posted for this stream */
  gpointer zeros;               /* drain input, latency frames */

  /* bypass (GstBaseTransform passthrough) while neutral, see
   * gstmastersaturator.c "Passthrough" */
  gboolean bypass;              /* input buffers are pushed as they are */
  MasterSaturatorParams bypass_props;   /* latest settings, applied on leaving */
  gpointer hist;                /* last hist_max input frames seen in bypass */
  guint hist_max, hist_fill;    /* frames */
  gpointer scratch;             /* hist_max frames: preroll output, discarded */
  gboolean continues;           /* next output follows forwarded buffers */
  gint ramp_delay;              /* frames before bypass_props are applied */

  /* level statistics of the current message interval */
  guint64 stat_frames;          /* input frames in the interval */
  guint64 interval_frames;      /* interval length, frames (0 = EOS only) */
  GstClockTime stat_start;      /* input time of the interval's first frame */
  gdouble in_sumsq, out_sumsq, in_peak, out_peak;
  gsize out_samples;            /* output samples counted in out_sumsq */
};

GST_ELEMENT_REGISTER_DECLARE (mastersaturator);

G_END_DECLS
#endif
