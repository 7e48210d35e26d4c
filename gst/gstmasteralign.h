/* gst-mastering: output alignment for elements with a constant lookahead.
 *
 * The dsp delays audio by `latency` frames. To keep output time-aligned with
 * input (same timestamps, same sample count, no leading silence, nothing cut),
 * the first `latency` output frames are withheld and, at EOS, the tail is
 * drained by processing `latency` frames of silence; output frame k carries
 * the timestamp of input frame k. */
#ifndef __GST_MASTER_ALIGN_H__
#define __GST_MASTER_ALIGN_H__

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct
{
  guint latency;                /* frames */
  guint skip;                   /* output frames still to withhold */
  guint64 in_frames;            /* input frames since reset */
  guint64 out_frames;           /* output frames pushed since reset */
  GstClockTime base_pts;        /* PTS of the first input frame */
} GstMasterAlign;

void gst_master_align_reset (GstMasterAlign * a, guint latency);

/* Call for every input buffer before processing it. */
void gst_master_align_input (GstMasterAlign * a, GstBuffer * inbuf,
    guint n_frames);

/* After processing `buf` (n_frames, in place): withholds leading frames and
 * restamps. Returns FALSE when nothing is left to push (drop the buffer). */
gboolean gst_master_align_output (GstMasterAlign * a, GstBuffer * buf,
    guint n_frames, gint rate, gint bpf);

/* Frames of silence to process at EOS to drain the tail (0 = nothing). */
guint gst_master_align_drain_frames (const GstMasterAlign * a);

G_END_DECLS

#endif
