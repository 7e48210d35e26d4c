/* gst-mastering: mastermeter, BS.1770 / EBU R128 loudness and true-peak meter */
#ifndef GST_MASTER_METER_H
#define GST_MASTER_METER_H

#include <gst/gst.h>
#include <gst/audio/gstaudiofilter.h>

#include "loudness.h"

G_BEGIN_DECLS

#define GST_TYPE_MASTER_METER (gst_master_meter_get_type ())
G_DECLARE_FINAL_TYPE (GstMasterMeter, gst_master_meter, GST, MASTER_METER,
    GstAudioFilter)

typedef void (*GstMasterMeterAddFunc) (MasterLoudness * m, gconstpointer src,
    gsize n_frames);

struct _GstMasterMeter
{
  GstAudioFilter parent;

  /* settings, under GST_OBJECT_LOCK */
  guint64 interval;             /* ns between messages, 0 = only at EOS */
  gboolean true_peak;           /* measure true peak (applies at caps/reset) */
  gboolean loudness_range;      /* measure LRA (applies at caps/reset) */
  guint history;                /* ms of history for integrated/LRA, 0 = all */

  /* measurement state, under meter_lock: the streaming thread feeds it,
   * get_property and the reset action read/reset it from other threads */
  GMutex meter_lock;
  MasterLoudness loudness;
  gboolean configured;          /* loudness is initialised for the caps */
  GstMasterMeterAddFunc add;    /* chosen in setup() from the format */
  gint rate, channels;
  MasterLoudnessPosition positions[8];
  gboolean unpositioned;
  GstAudioFormat format;

  /* streaming-thread only */
  guint64 interval_frames;      /* snapshot of interval in frames, 0 = none */
  guint64 frames_in_interval;   /* frames measured in the current interval */
  GstClockTime interval_start;  /* time of the interval's first frame */
  GstClockTime next_ts;         /* expected time of the next frame */
  gboolean warned_nonfinite;    /* one warning per stream */
};

GST_ELEMENT_REGISTER_DECLARE (mastermeter);

G_END_DECLS

#endif /* GST_MASTER_METER_H */
