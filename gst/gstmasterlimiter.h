/* masterlimiter: true-peak lookahead limiter, time-aligned output. */
#ifndef __GST_MASTER_LIMITER_H__
#define __GST_MASTER_LIMITER_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/audio/gstaudiofilter.h>

#include "limiter.h"
#include "gstmasteralign.h"

G_BEGIN_DECLS

#define GST_TYPE_MASTER_LIMITER (gst_master_limiter_get_type ())
G_DECLARE_FINAL_TYPE (GstMasterLimiter, gst_master_limiter, GST, MASTER_LIMITER, GstAudioFilter)

#define GST_TYPE_MASTER_LIMITER_OVERSAMPLING (gst_master_limiter_oversampling_get_type ())
GType gst_master_limiter_oversampling_get_type (void);

typedef enum
{
  GST_MASTER_LIMITER_OVERSAMPLING_4X = 4,
  GST_MASTER_LIMITER_OVERSAMPLING_8X = 8,
} GstMasterLimiterOversampling;

typedef struct
{
  gdouble ceiling;              /* dBTP */
  gdouble input_gain;           /* dB */
  gdouble release;              /* ms */
  gboolean auto_release;
  gdouble lookahead;            /* ms, structural */
  gboolean true_peak;           /* structural */
  gint oversampling;            /* 4 or 8, structural */
  gdouble link;                 /* 0..1 */
  guint64 interval;             /* ns, 0 = only at EOS */
} GstMasterLimiterSettings;

typedef size_t (*GstMasterLimiterProcessFunc) (MasterLimiter * lim, gpointer dst,
    gconstpointer src, size_t n_frames);

struct _GstMasterLimiter
{
  GstAudioFilter parent;

  /* settings: written by set_property under the object lock */
  GstMasterLimiterSettings settings;

  /* streaming state: built in setup(), reset on flush, only touched by the
   * streaming thread (and setup/stop) */
  MasterLimiter *lim;
  GstMasterLimiterProcessFunc process;
  gint latency;                 /* frames; -1 before the first setup */
  gint rate, channels, bpf;
  GstMasterAlign align;         /* withheld lead, timeline of the run */
  gboolean warned_nonfinite;
  /* gain-reduction reporting */
  gdouble msg_min_gain;         /* over the running interval */
  gdouble total_min_gain;       /* over the stream (all runs) */
  GstClockTime stream_start;    /* time of the stream's first output frame
                                 * when an earlier run had one, else NONE */
  guint64 stream_frames;        /* output frames of the earlier runs */
  guint64 msg_start;            /* output frame where the interval started */
  guint64 emitted;              /* output frames produced (kept) so far */
  guint64 in_pos;               /* input frames run through the dsp so far */
};

GST_ELEMENT_REGISTER_DECLARE (masterlimiter);

G_END_DECLS
#endif
