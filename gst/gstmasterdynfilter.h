/* gst-mastering: GstMasterDynFilter, the abstract base of the compressors
 * mastercomp and mastermbcomp.
 *
 * Both wrap dsp that delays the audio by a constant lookahead and report the
 * gain reduction in element messages. The base holds what they do alike:
 * caps (F32/F64 interleaved, 8000..384000 Hz, 1..8 channels), the transform
 * skeleton (map, process in place, one NaN/Inf warning per stream, output
 * aligned with the input through GstMasterAlign), the controller sync before
 * every buffer, the `interval` property and message accounting (also while
 * in passthrough), FLUSH_STOP reset, the EOS drain and last message, the
 * LATENCY query and the latency message when the lookahead changes.
 *
 * A subclass keeps its own properties, settings snapshot, dsp and message
 * values, through the class vfuncs below. */
#ifndef __GST_MASTER_DYN_FILTER_H__
#define __GST_MASTER_DYN_FILTER_H__

#include <gst/gst.h>
#include <gst/audio/gstaudiofilter.h>

#include "gstmasteralign.h"

G_BEGIN_DECLS

/* declared by hand (not G_DECLARE_DERIVABLE_TYPE): subclasses read the
 * streaming fields of the instance, as with GStreamer's own base classes */
#define GST_TYPE_MASTER_DYN_FILTER (gst_master_dyn_filter_get_type ())
#define GST_MASTER_DYN_FILTER(obj) (G_TYPE_CHECK_INSTANCE_CAST ((obj), \
    GST_TYPE_MASTER_DYN_FILTER, GstMasterDynFilter))
#define GST_MASTER_DYN_FILTER_CLASS(klass) (G_TYPE_CHECK_CLASS_CAST ((klass), \
    GST_TYPE_MASTER_DYN_FILTER, GstMasterDynFilterClass))
#define GST_MASTER_DYN_FILTER_GET_CLASS(obj) \
    (G_TYPE_INSTANCE_GET_CLASS ((obj), GST_TYPE_MASTER_DYN_FILTER, \
    GstMasterDynFilterClass))
#define GST_IS_MASTER_DYN_FILTER(obj) (G_TYPE_CHECK_INSTANCE_TYPE ((obj), \
    GST_TYPE_MASTER_DYN_FILTER))

typedef struct _GstMasterDynFilter GstMasterDynFilter;
typedef struct _GstMasterDynFilterClass GstMasterDynFilterClass;

/* Processes `n_frames` interleaved frames in place; returns how many input
 * samples were NaN/Inf (or absurdly large) and replaced. */
typedef gint (*GstMasterDynFilterProcess) (GstMasterDynFilter * self,
    gpointer data, guint n_frames);

struct _GstMasterDynFilterClass
{
  GstAudioFilterClass parent_class;

  /* name of the element messages (the element's name) */
  const gchar *message_name;

  /* the dsp for each format; setup() picks one */
  GstMasterDynFilterProcess process_f32;
  GstMasterDynFilterProcess process_f64;

  /* setup(): (re)builds the dsp for `info` from a fresh snapshot of the
   * settings; the latency in frames in *latency. FALSE when it cannot. */
  gboolean (*configure) (GstMasterDynFilter * self, const GstAudioInfo * info,
      guint * latency);
  /* Before every buffer, with no lock held, after the element's controller
   * values were synced at `stream_time` (NONE: not synced; child objects
   * such as bands are the subclass's to sync): snapshot the settings and
   * apply the changed ones to the dsp (if there is one). May switch
   * passthrough on when neutral. */
  void (*update) (GstMasterDynFilter * self, GstClockTime stream_time);
  /* FLUSH_STOP: clear the dsp state (only called while configured) */
  void (*reset) (GstMasterDynFilter * self);
  /* stop(): free the dsp */
  void (*release) (GstMasterDynFilter * self);
  /* Adds the message values to `s` (gain reduction since the last message,
   * which it restarts). */
  void (*add_message_values) (GstMasterDynFilter * self, GstStructure * s);
};

struct _GstMasterDynFilter
{
  GstAudioFilter parent;

  guint64 interval;             /* object lock: ns between messages, 0 = EOS */

  /* streaming state (streaming thread only) */
  GstMasterDynFilterProcess process;    /* for the format; NULL: not set up */
  guint64 interval_snap;        /* `interval` of the current buffer */
  GstMasterAlign align;
  guint latency;                /* frames; also read by queries (atomic int) */
  guint64 msg_frames;           /* frames since the last message */
  gboolean warned_nonfinite;
};

GType gst_master_dyn_filter_get_type (void);

/* for G_DECLARE_FINAL_TYPE of the subclasses */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstMasterDynFilter, gst_object_unref)

G_END_DECLS

#endif
