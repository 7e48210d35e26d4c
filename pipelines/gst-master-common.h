/* gst-master: pieces shared by the subcommands.
 *
 * - initialisation: GStreamer + the `mastering` plugin (from the registry
 *   when installed, else the statically linked copy);
 * - option parsing and one-line error reporting;
 * - a decoding pipeline builder: FILE -> decodebin -> audioconvert ->
 *   F32LE interleaved -> <your tail>, and a bus loop that runs it;
 * - loudness measurement of a file through `mastermeter`, and report
 *   printing (table or JSON). */
#ifndef GST_MASTER_COMMON_H
#define GST_MASTER_COMMON_H

#include <gst/gst.h>
#include <stdio.h>

G_BEGIN_DECLS

#define GM_PROGRAM "gst-master"

/* ---- subcommands (one file each: gst-master-<name>.c) ---- */
int gm_analyze_main (int argc, char **argv);

/* ---- initialisation ---- */
/* gst_init() and make sure the mastering elements exist. FALSE (message
 * already printed) when they cannot be registered. */
gboolean gm_init (int *argc, char ***argv);

/* ---- errors: exactly one line on stderr ---- */
/* "gst-master: <what>: <message>\n"; what may be NULL. */
void gm_error (const gchar * what, const gchar * format, ...) G_GNUC_PRINTF (2, 3);

/* ---- options ---- */
/* Parses argv (argv[0] is the subcommand name) with a GOptionContext;
 * on error prints one line plus a hint and returns FALSE. */
gboolean gm_parse_options (int *argc, char ***argv, const gchar * command,
    const gchar * parameter_string, const gchar * summary,
    const GOptionEntry * entries);

/* ---- pipelines ---- */
/* "filesrc ! decodebin ! audioconvert ! audio/x-raw,format=F32LE,
 * layout=interleaved ! <tail>" with filesrc's location set to @path (no
 * quoting issues). @tail is gst-launch syntax, e.g. "mastermeter ! fakesink".
 * Returns NULL and sets @error on a bad tail. */
GstElement *gm_decode_pipeline_new (const gchar * path, const gchar * tail,
    GError ** error);

/* Makes decodebin expose decoded audio streams only (see the .c file). */
void gm_decodebin_audio_only (GstElement * decodebin);

/* A pipeline error in words a user of a file tool understands: "cannot
 * read: ...", "cannot decode: ...", ... (newly allocated). */
gchar *gm_describe_error (const GError * err, const gchar * debug);

/* A watch on a file pipeline that stopped moving without an error or EOS.
 * decodebin (decodebin2, GStreamer 1.22) drops the errors of an element it
 * is still plugging: a demuxer that starts its own thread (pull mode) and
 * fails on a damaged file within that window leaves the pipeline waiting
 * forever. Probes count the buffers read from the file and decoded; a
 * pipeline where neither moved for GM_STALL_SECONDS has stalled. */
#define GM_STALL_SECONDS 10
typedef struct {
  gint count;                   /* buffers seen by the probes (atomic) */
  gint seen;                    /* count at the last change */
  gint64 since;                 /* monotonic time of the last change, us */
  gint64 checked;               /* monotonic time of the last check, us */
} GmStallWatch;

/* Starts @w, counting the buffers (push or pull) out of @src (the file
 * source) and into @decoded (the first element after the decoder). */
void gm_stall_watch_init (GmStallWatch * w, GstElement * src,
    GstElement * decoded);
/* Call often (every 100 ms or so) while waiting for the bus: TRUE once no
 * buffer moved for GM_STALL_SECONDS. A check that comes late (the process
 * was stopped or starved) restarts the wait instead of counting it. */
gboolean gm_stall_watch_stalled (GmStallWatch * w);
#define GM_STALL_MESSAGE "cannot decode: the decoder stopped without " \
  "output or error (damaged file?)"

typedef void (*GmElementMessageFunc) (GstMessage * msg, gpointer user_data);

/* Sets @pipeline to PLAYING and runs it until EOS (TRUE) or an error (FALSE,
 * @error set to a message naming what failed: "cannot read", "cannot
 * decode", ...). Element messages go to @func. Leaves it in NULL state. */
gboolean gm_run_pipeline (GstElement * pipeline, GmElementMessageFunc func,
    gpointer user_data, GError ** error);

/* ---- loudness of a file ---- */
typedef struct {
  gchar *file;
  gchar *error;                 /* NULL when measured */
  gdouble integrated;           /* LUFS (-inf: silence) */
  gdouble loudness_range;       /* LU */
  gdouble true_peak;            /* dBTP, max over channels */
  gdouble sample_peak;          /* dBFS, max over channels */
  gdouble max_momentary;        /* LUFS */
  gdouble max_short_term;       /* LUFS */
  gdouble duration;             /* seconds measured */
  gint rate, channels;
} GmLoudnessReport;

/* PLR (peak-to-loudness ratio, dB) = true peak - integrated; NAN if undefined */
gdouble gm_report_plr (const GmLoudnessReport * r);

/* Decodes @path and measures it with mastermeter. FALSE: r->error set. */
gboolean gm_measure_file (const gchar * path, GmLoudnessReport * r);
void gm_report_clear (GmLoudnessReport * r);

/* Table: one header, one row per measured report (failed ones skipped). */
void gm_report_print_table (FILE * out, const GmLoudnessReport * reports,
    guint n);
/* JSON: an array of objects; failed files as {"file": ..., "error": ...}.
 * Non-finite numbers (silence: -inf) are written as null. */
void gm_report_print_json (FILE * out, const GmLoudnessReport * reports,
    guint n);

/* JSON helpers for other subcommands */
void gm_json_string (FILE * out, const gchar * s);
void gm_json_number (FILE * out, gdouble v);

G_END_DECLS
#endif
