/* gst-mastering: mastereq, a parametric equaliser whose bells and shelves
 * follow their analog prototypes up to 20 kHz. */
#ifndef __GST_MASTER_EQ_H__
#define __GST_MASTER_EQ_H__

#include <gst/gst.h>
#include <gst/audio/gstaudiofilter.h>

#include "biquad.h"
#include "eqdesign.h"

G_BEGIN_DECLS

#define GST_MASTER_EQ_MAX_BANDS 32

/* ---- band child object ---- */
#define GST_TYPE_MASTER_EQ_BAND (gst_master_eq_band_get_type ())
G_DECLARE_FINAL_TYPE (GstMasterEqBand, gst_master_eq_band, GST, MASTER_EQ_BAND,
    GstObject)

typedef enum {
  GST_MASTER_EQ_CHANNELS_ALL = 0,
  GST_MASTER_EQ_CHANNELS_LEFT,
  GST_MASTER_EQ_CHANNELS_RIGHT,
  GST_MASTER_EQ_CHANNELS_MID,
  GST_MASTER_EQ_CHANNELS_SIDE
} GstMasterEqChannels;

/* one band's settings (a copy is taken per buffer) */
typedef struct {
  MasterEqBand design;          /* type, freq, gain, q, slope, slope type */
  GstMasterEqChannels channels;
  gboolean enabled;
} GstMasterEqBandSettings;

struct _GstMasterEqBand
{
  GstObject parent;
  GstMasterEqBandSettings s;    /* under the band's object lock */
};

/* ---- element ---- */
#define GST_TYPE_MASTER_EQ (gst_master_eq_get_type ())
G_DECLARE_FINAL_TYPE (GstMasterEq, gst_master_eq, GST, MASTER_EQ,
    GstAudioFilter)

/* streaming state of one cascade layout (see gstmastereq.c) */
typedef struct _GstMasterEqEngine GstMasterEqEngine;

/* per band, streaming side: smoothed parameters */
typedef struct {
  GstMasterEqBandSettings target;
  double cur_lf, cur_gain, cur_lq;      /* log2 Hz, dB, log2 Q */
  double d_lf, d_gain, d_lq;            /* per-frame increments */
  gint ramp_left;                       /* frames */
} GstMasterEqBandState;

struct _GstMasterEq
{
  GstAudioFilter parent;

  /* settings, under the object lock */
  guint num_bands;
  GstMasterEqBand *bands[GST_MASTER_EQ_MAX_BANDS];
  gdouble output_gain;          /* dB */

  /* streaming state (streaming thread only) */
  void (*process) (GstMasterEq * self, gpointer data, gint n_frames);
  gint channels, rate, ctrl_frames, fade_frames;
  guint snap_bands;
  GstMasterEqBandState bst[GST_MASTER_EQ_MAX_BANDS];
  double gain_cur, gain_d, gain_tgt;    /* output gain, dB */
  gint gain_left;
  GstMasterEqEngine *engine, *old_engine;
  gint fade_pos;                        /* frames into the crossfade */
  gpointer scratch_ms, scratch_in;      /* CHUNK frames each */
  gboolean primed, was_passthrough, warned;
};

GST_ELEMENT_REGISTER_DECLARE (mastereq);

G_END_DECLS
#endif /* __GST_MASTER_EQ_H__ */
