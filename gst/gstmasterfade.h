/* gst-mastering: masterfade, sample-accurate fade-in / fade-out */
#ifndef GST_MASTER_FADE_H
#define GST_MASTER_FADE_H

#include <gst/gst.h>
#include <gst/audio/gstaudiofilter.h>

#include "fade.h"

G_BEGIN_DECLS

#define GST_TYPE_MASTER_FADE (gst_master_fade_get_type ())
G_DECLARE_FINAL_TYPE (GstMasterFade, gst_master_fade, GST, MASTER_FADE,
    GstAudioFilter)

#define GST_TYPE_MASTER_FADE_CURVE (gst_master_fade_curve_get_type ())
GType gst_master_fade_curve_get_type (void);

typedef size_t (*GstMasterFadeProcessFunc) (MasterFade * f, gpointer data,
    gsize n_frames, gint64 pos);

struct _GstMasterFade
{
  GstAudioFilter parent;

  /* settings, under GST_OBJECT_LOCK; set_property only stores them */
  gdouble fade_in;              /* s */
  gdouble fade_out;             /* s */
  MasterFadeCurve curve;
  GstClockTime fade_out_end;    /* stream time, NONE = stream duration */
  gboolean eos_after_fade_out;
  gboolean pending_fade_out;    /* action signals, applied at next buffer */
  gboolean pending_fade_in;

  /* streaming state (streaming thread) */
  MasterFade *dsp;
  GstMasterFadeProcessFunc process;  /* chosen in setup() by format */
  gint rate;
  gint bpf;
  gint channels;
  gboolean manual;              /* a signal took over from the properties */
  gint64 next_pos;              /* expected stream sample of the next frame,
                                 * -1 = unknown */
  GstClockTime duration;        /* stream duration found, NONE = unknown */
  gboolean need_duration;       /* query upstream at the next buffer */
  gint64 duration_retry_pos;    /* next position to retry a failed query */
  gsize eos_keep;               /* frames to keep of the buffer that ends
                                 * the fade-out when EOS follows it */
  gboolean eos_due;             /* send EOS after the current buffer */
  gboolean eos_sent;            /* EOS sent by us: drop input and EOS */
  gboolean warned_nonfinite;    /* one warning per stream */
};

GST_ELEMENT_REGISTER_DECLARE (masterfade);

G_END_DECLS

#endif /* GST_MASTER_FADE_H */
