/* gst-mastering: output alignment for elements with a constant lookahead.
 *
 * The dsp delays audio by `latency` frames. To keep output time-aligned with
 * input (same timestamps, same sample count, no leading silence, nothing cut),
 * the first `latency` output frames are withheld and, at EOS, the tail is
 * drained by processing `latency` frames of silence; output frame k carries
 * the timestamp of input frame k.
 *
 * Two ways to cross a timestamp discontinuity (a gap in a live stream):
 * keep the delay running and remember the input's timeline at every
 * discontinuity for as long as its frames are still in the delay (marks:
 * gst_master_align_input/output, mastercomp and mastermbcomp), or drain and
 * start a new run there (gst_master_align_run_*, masterlimiter and
 * mastersaturator). */
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
  /* the run's timeline (gst_master_align_run_*): frame 0 and the time of
   * its first input frame (NONE when that had none), and its offset */
  GstMasterAlignMark run;
  guint64 run_offset;           /* GST_BUFFER_OFFSET_NONE: none */
} GstMasterAlign;

void gst_master_align_reset (GstMasterAlign * a, guint latency);

/* Call for every input buffer before processing it. */
void gst_master_align_input (GstMasterAlign * a, GstBuffer * inbuf,
    guint n_frames, gint rate);

/* After processing `buf` (n_frames, in place): withholds leading frames and
 * restamps. Where an input discontinuity falls inside `buf`, the frames
 * before it are pushed on `srcpad` first, stamped on their own timeline,
 * and `buf` keeps the rest (NULL srcpad: one buffer, stamped at its first
 * frame). Returns FALSE when nothing is left to push (drop the buffer). */
gboolean gst_master_align_output (GstMasterAlign * a, GstBuffer * buf,
    guint n_frames, gint rate, gint bpf, GstPad * srcpad);

/* Frames of silence to process at EOS to drain the tail (0 = nothing). */
guint gst_master_align_drain_frames (const GstMasterAlign * a);

/* Processes `n_frames` interleaved frames in place (the element's dsp). */
typedef void (*GstMasterAlignProcess) (gpointer user_data, gpointer data,
    guint n_frames);

/* EOS: runs gst_master_align_drain_frames() frames of silence through
 * `process` and pushes what comes out, restamped, on `srcpad`. */
void gst_master_align_drain (GstMasterAlign * a, GstPad * srcpad, gint rate,
    gint bpf, GstMasterAlignProcess process, gpointer user_data);

/* Of the next `n_frames` output frames, how many are still withheld (the
 * lead of `latency` frames); counts them off. */
guint gst_master_align_withhold (GstMasterAlign * a, guint n_frames);

/* Runs: masterlimiter and mastersaturator carry no delayed audio across a
 * discontinuity. At a timestamp jump (or a GAP, SEGMENT or CAPS event) they
 * drain and gst_master_align_reset(), so the frames since the reset (a
 * run) have one timeline, that of the run's first input frame (also when it
 * had no timestamp: then no output frame of the run has one). Output frame
 * k of the run carries the time and offset of input frame k. */

/* TRUE when the run holds frames and `pts` (when valid, and the run has a
 * timeline) is more than `tolerance` ns off the time its next input frame
 * should have. */
gboolean gst_master_align_run_jumps (const GstMasterAlign * a,
    GstClockTime pts, gint rate, GstClockTime tolerance);

/* Counts `n_frames` input frames; the first buffer of a run sets its
 * timeline (`pts` and `offset`, either may be NONE). */
void gst_master_align_run_input (GstMasterAlign * a, GstClockTime pts,
    guint64 offset, guint n_frames);

/* Counts `n_frames` frames forwarded unprocessed (passthrough: they are
 * input and output at once). */
void gst_master_align_run_forward (GstMasterAlign * a, GstClockTime pts,
    guint n_frames);

/* After forwarding: the output lags the input again, the next `latency`
 * output frames are withheld; the timeline goes on. */
void gst_master_align_run_relag (GstMasterAlign * a);

/* Time of frame `frame` of the run; NONE when the run has no timeline. */
GstClockTime gst_master_align_run_time (const GstMasterAlign * a,
    guint64 frame, gint rate);

/* Stamps `buf`, which holds the run's next `n_frames` output frames, and
 * counts them: PTS and DURATION from the timeline (NONE without one), DTS
 * NONE, OFFSET and OFFSET_END from the run's offset (NONE without one),
 * DISCONT on the run's first output buffer only. */
void gst_master_align_run_output (GstMasterAlign * a, GstBuffer * buf,
    guint n_frames, gint rate);

/* Adds an element's own latency (ns) to a LATENCY query answered upstream:
 * min += latency, and max too unless it is unbounded. */
void gst_master_latency_query_add (GstQuery * query, GstClockTime latency);

G_END_DECLS

#endif
