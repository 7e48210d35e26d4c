/* masterloudnorm: loudness normalisation to a delivery target. */
#ifndef GST_MASTER_LOUDNORM_H
#define GST_MASTER_LOUDNORM_H

#include <gst/gst.h>
#include <gst/audio/gstaudiofilter.h>

#include "loudnorm.h"

G_BEGIN_DECLS

#define GST_TYPE_MASTER_LOUDNORM (gst_master_loudnorm_get_type ())
G_DECLARE_FINAL_TYPE (GstMasterLoudnorm, gst_master_loudnorm, GST,
    MASTER_LOUDNORM, GstAudioFilter)

typedef enum {
  GST_MASTER_LOUDNORM_PRESET_CUSTOM,
  GST_MASTER_LOUDNORM_PRESET_STREAMING,
  GST_MASTER_LOUDNORM_PRESET_APPLE,
  GST_MASTER_LOUDNORM_PRESET_EBU_R128,
  GST_MASTER_LOUDNORM_PRESET_ATSC_A85,
  GST_MASTER_LOUDNORM_PRESET_PODCAST,
} GstMasterLoudnormPreset;

#define GST_TYPE_MASTER_LOUDNORM_PRESET (gst_master_loudnorm_preset_get_type ())
GType gst_master_loudnorm_preset_get_type (void);

#define GST_TYPE_MASTER_LOUDNORM_MODE (gst_master_loudnorm_mode_get_type ())
GType gst_master_loudnorm_mode_get_type (void);

/* Delivery target of a preset: integrated loudness (LUFS) and true-peak
 * ceiling (dBTP). Returns FALSE for CUSTOM or an unknown value. */
gboolean gst_master_loudnorm_preset_values (GstMasterLoudnormPreset preset,
    gdouble * target_lufs, gdouble * ceiling_dbtp);

/* Looks a preset up by its nick ("streaming", "ebu-r128", ...). */
gboolean gst_master_loudnorm_preset_from_name (const gchar * name,
    GstMasterLoudnormPreset * preset);

struct _GstMasterLoudnorm
{
  GstAudioFilter parent;

  /* settings: written by set_property under the object lock, copied into
   * `params` by before_transform when `settings_dirty` */
  GstMasterLoudnormPreset preset;
  MasterLoudnormParams settings;
  guint64 interval;             /* ns between messages, 0 = EOS only */
  gboolean settings_dirty;

  /* streaming state (built in setup, reset on flush) */
  MasterLoudnorm *dsp;
  gboolean is_f64;
  gint channels;
  gint rate;
  MasterLoudnormParams params;
  gboolean warned_nonfinite;
  /* message interval bookkeeping */
  guint64 msg_frames;           /* frames since the last message */
  GstClockTime msg_start;       /* timestamp of the first of them */
  /* last values (read by the read-only `gain` property) */
  gdouble last_gain_db;
};

GST_ELEMENT_REGISTER_DECLARE (masterloudnorm);

G_END_DECLS

#endif
