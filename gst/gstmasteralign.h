/* gst-mastering: output alignment for elements with a constant lookahead.
 *
 * The dsp delays audio by `latency` frames. To keep output time-aligned with
 * input (same timestamps, same sample count, no leading silence, nothing cut),
 * the first `latency` output frames are withheld and, at EOS, the tail is
 * drained by processing `latency` frames of silence; output frame k carries
 * the timestamp of input frame k, also across timestamp discontinuities
 * (gaps in a live stream): the input's timeline is remembered at every
 * discontinuity for as long as its frames are still in the delay. */
#ifndef __GST_MASTER_ALIGN_H__
#define __GST_MASTER_ALIGN_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_MASTER_ALIGN_MAX_MARKS 32

typedef struct
{
  guint64 frame;                /* input frame index where a timeline starts */
  GstClockTime pts;             /* its timestamp */
} GstMasterAlignMark;

typedef struct
{
  guint latency;                /* frames */
  guint skip;                   /* output frames still to withhold */
  guint64 in_frames;            /* input frames since reset */
  guint64 out_frames;           /* output frames pushed since reset */
  /* timeline marks, oldest first; marks[0] covers out_frames */
  GstMasterAlignMark marks[GST_MASTER_ALIGN_MAX_MARKS];
  guint n_marks;
} GstMasterAlign;

void gst_master_align_reset (GstMasterAlign * a, guint latency);

/* Call for every input buffer before processing it. */
void gst_master_align_input (GstMasterAlign * a, GstBuffer * inbuf,
    guint n_frames, gint rate);

/* After processing `buf` (n_frames, in place): withholds leading frames and
 * restamps. Returns FALSE when nothing is left to push (drop the buffer). */
gboolean gst_master_align_output (GstMasterAlign * a, GstBuffer * buf,
    guint n_frames, gint rate, gint bpf);

/* Frames of silence to process at EOS to drain the tail (0 = nothing). */
guint gst_master_align_drain_frames (const GstMasterAlign * a);

/* Processes `n_frames` interleaved frames in place (the element's dsp). */
typedef void (*GstMasterAlignProcess) (gpointer user_data, gpointer data,
    guint n_frames);

/* EOS: runs gst_master_align_drain_frames() frames of silence through
 * `process` and pushes what comes out, restamped, on `srcpad`. */
void gst_master_align_drain (GstMasterAlign * a, GstPad * srcpad, gint rate,
    gint bpf, GstMasterAlignProcess process, gpointer user_data);

/* Adds an element's own latency (ns) to a LATENCY query answered upstream:
 * min += latency, and max too unless it is unbounded. */
void gst_master_latency_query_add (GstQuery * query, GstClockTime latency);

G_END_DECLS

#endif
