/* pipecheck: the independent side of the pipeline tests (tests/pipelines/).
 *
 *   pipecheck gen OUT.wav SECONDS KIND [GAIN_DB [SEED]]
 *       writes programme-like material (tests/common/measure.h generators) as
 *       a 48 kHz stereo 32-bit float WAV file; KIND is music, dense, dynamic,
 *       speech or quiet.
 *   pipecheck measure IN.f32 [--rate R] [--channels C] [--skip SECONDS]
 *                            [--target LUFS --tolerance LU] [--ceiling dBTP]
 *                            [--min-seconds S] [--frames N]
 *       measures raw interleaved F32LE audio with a fresh libebur128 instance
 *       (integrated, LRA) and a 16x true-peak interpolator; with --target /
 *       --ceiling it fails (exit 1) when the result is off target or over the
 *       ceiling (+0.05 dB measurement allowance).
 *   pipecheck compare A.f32 B.f32 [--channels C]
 *       fails unless both raw F32LE files hold the same number of frames and
 *       the same samples (a lossless transport must deliver what was sent).
 *   pipecheck rtp-receive --port P --out OUT.f32 [--idle-ms MS]
 *                         [--max-seconds S] [--ptime-us US]
 *       receives L24/48000/2 RTP on 127.0.0.1:P, checks every packet's
 *       sequence number and RTP timestamp follow the previous one (no loss,
 *       no reordering, no timestamp jump), writes the depayloaded audio as
 *       F32LE, and stops when no packet arrived for MS ms after the first.
 *   pipecheck latency 'FRAGMENT'
 *       prints the latency a gst-launch fragment reports in a live pipeline.
 *
 * Nothing here uses the mastering plugin: it judges what the plugin did. */
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "measure.h"

static int
usage (void)
{
  fprintf (stderr,
      "usage: pipecheck gen OUT.wav SECONDS KIND [GAIN_DB [SEED]]\n"
      "       pipecheck measure IN.f32 [--rate R] [--channels C] [--skip S]\n"
      "                 [--target LUFS --tolerance LU] [--ceiling dBTP] [--min-seconds S] [--frames N]\n"
      "       pipecheck compare A.f32 B.f32 [--channels C]\n"
      "       pipecheck rtp-receive --port P --out OUT.f32 [--idle-ms MS] [--max-seconds S]\n"
      "       pipecheck latency 'FRAGMENT'\n");
  return 2;
}

/* ---- files ---- */

static float *
read_f32 (const char *path, size_t *n_samples)
{
  FILE *f = fopen (path, "rb");
  if (!f) {
    fprintf (stderr, "pipecheck: cannot open %s: %s\n", path, strerror (errno));
    return NULL;
  }
  fseek (f, 0, SEEK_END);
  long bytes = ftell (f);
  fseek (f, 0, SEEK_SET);
  size_t n = bytes > 0 ? (size_t) bytes / sizeof (float) : 0;
  float *x = malloc ((n ? n : 1) * sizeof (float));
  if (fread (x, sizeof (float), n, f) != n) {
    fprintf (stderr, "pipecheck: short read on %s\n", path);
    free (x);
    fclose (f);
    return NULL;
  }
  fclose (f);
  *n_samples = n;
  return x;
}

static void
put_u32 (FILE * f, uint32_t v)
{
  unsigned char b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
  fwrite (b, 1, 4, f);
}

static void
put_u16 (FILE * f, uint16_t v)
{
  unsigned char b[2] = { v & 0xff, v >> 8 };
  fwrite (b, 1, 2, f);
}

static int
cmd_gen (int argc, char **argv)
{
  if (argc < 4)
    return usage ();
  const char *out = argv[1];
  double seconds = atof (argv[2]);
  const char *kind_name = argv[3];
  double gain_db = argc > 4 ? atof (argv[4]) : 0.0;
  uint32_t seed = argc > 5 ? (uint32_t) strtoul (argv[5], NULL, 10) : 1;
  static const struct { const char *name; MeasureProgramme kind; } kinds[] = {
    {"music", PROGRAMME_MUSIC}, {"dense", PROGRAMME_DENSE},
    {"dynamic", PROGRAMME_DYNAMIC}, {"speech", PROGRAMME_SPEECH},
    {"quiet", PROGRAMME_QUIET},
  };
  int k = -1;
  for (size_t i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (!strcmp (kinds[i].name, kind_name))
      k = (int) i;
  if (k < 0 || seconds <= 0)
    return usage ();

  const int rate = 48000, channels = 2;
  size_t frames = (size_t) (seconds * rate);
  float *x = malloc (frames * channels * sizeof (float));
  gen_programme (x, frames, channels, rate, kinds[k].kind, seed);
  gen_scale_db (x, frames * channels, gain_db);

  FILE *f = fopen (out, "wb");
  if (!f) {
    fprintf (stderr, "pipecheck: cannot write %s: %s\n", out, strerror (errno));
    free (x);
    return 1;
  }
  uint32_t data_bytes = (uint32_t) (frames * channels * sizeof (float));
  fwrite ("RIFF", 1, 4, f);
  put_u32 (f, 36 + data_bytes);
  fwrite ("WAVEfmt ", 1, 8, f);
  put_u32 (f, 16);
  put_u16 (f, 3);               /* IEEE float */
  put_u16 (f, channels);
  put_u32 (f, rate);
  put_u32 (f, rate * channels * 4);
  put_u16 (f, channels * 4);
  put_u16 (f, 32);
  fwrite ("data", 1, 4, f);
  put_u32 (f, data_bytes);
  fwrite (x, sizeof (float), frames * channels, f);
  fclose (f);
  printf ("pipecheck: wrote %s: %.1f s %s, integrated %.2f LUFS, true peak %.2f dBTP\n",
      out, seconds, kind_name, measure_integrated (x, frames, channels, rate),
      measure_true_peak_db (x, frames, channels, 16));
  free (x);
  return 0;
}

static int
cmd_measure (int argc, char **argv)
{
  if (argc < 2)
    return usage ();
  int rate = 48000, channels = 2;
  double skip = 0, target = NAN, tolerance = 1.0, ceiling = NAN, min_seconds = 0;
  long expect_frames = -1;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!strcmp (argv[i], "--rate"))
      rate = atoi (argv[i + 1]);
    else if (!strcmp (argv[i], "--channels"))
      channels = atoi (argv[i + 1]);
    else if (!strcmp (argv[i], "--skip"))
      skip = atof (argv[i + 1]);
    else if (!strcmp (argv[i], "--target"))
      target = atof (argv[i + 1]);
    else if (!strcmp (argv[i], "--tolerance"))
      tolerance = atof (argv[i + 1]);
    else if (!strcmp (argv[i], "--ceiling"))
      ceiling = atof (argv[i + 1]);
    else if (!strcmp (argv[i], "--min-seconds"))
      min_seconds = atof (argv[i + 1]);
    else if (!strcmp (argv[i], "--frames"))
      expect_frames = atol (argv[i + 1]);
    else
      return usage ();
  }
  size_t n;
  float *x = read_f32 (argv[1], &n);
  if (!x)
    return 1;
  size_t frames = n / channels;
  size_t skip_frames = (size_t) (skip * rate);
  if (skip_frames > frames)
    skip_frames = frames;
  const float *y = x + skip_frames * channels;
  size_t m = frames - skip_frames;
  double seconds = (double) frames / rate;
  double integrated = measure_integrated (y, m, channels, rate);
  double lra = measure_lra (y, m, channels, rate);
  double tp = measure_true_peak_db (y, m, channels, 16);
  double sp = measure_sample_peak_db (y, m, channels);
  printf ("pipecheck: %s: %.2f s (%zu frames), measured from %.1f s: integrated %.2f LUFS, "
      "LRA %.2f LU, true peak %.2f dBTP (16x), sample peak %.2f dBFS\n",
      argv[1], seconds, frames, skip, integrated, lra, tp, sp);
  int fail = 0;
  if (seconds < min_seconds) {
    printf ("pipecheck: FAIL: only %.2f s of audio, expected at least %.2f s\n", seconds, min_seconds);
    fail = 1;
  }
  if (expect_frames >= 0) {
    printf ("pipecheck: %zu frames, expected %ld\n", frames, expect_frames);
    if ((long) frames != expect_frames) {
      printf ("pipecheck: FAIL: output length differs from input length\n");
      fail = 1;
    }
  }
  if (!isnan (target)) {
    double dev = integrated - target;
    printf ("pipecheck: integrated %.2f LUFS vs target %.2f: %+.2f LU (tolerance %.2f)\n",
        integrated, target, dev, tolerance);
    if (!(fabs (dev) <= tolerance)) {
      printf ("pipecheck: FAIL: loudness off target\n");
      fail = 1;
    }
  }
  if (!isnan (ceiling)) {
    printf ("pipecheck: true peak %.2f dBTP vs ceiling %.2f dBTP: margin %.2f dB\n",
        tp, ceiling, ceiling - tp);
    if (!(tp <= ceiling + 0.05)) {
      printf ("pipecheck: FAIL: true peak over the ceiling\n");
      fail = 1;
    }
  }
  free (x);
  return fail;
}

static int
cmd_compare (int argc, char **argv)
{
  if (argc < 3)
    return usage ();
  int channels = 2;
  if (argc > 4 && !strcmp (argv[3], "--channels"))
    channels = atoi (argv[4]);
  size_t na, nb;
  float *a = read_f32 (argv[1], &na);
  float *b = read_f32 (argv[2], &nb);
  if (!a || !b) {
    free (a);
    free (b);
    return 1;
  }
  size_t n = na < nb ? na : nb, first = (size_t) -1, n_diff = 0;
  double max_diff = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs ((double) a[i] - b[i]);
    if (d > 0) {
      if (first == (size_t) -1)
        first = i;
      n_diff++;
    }
    if (d > max_diff)
      max_diff = d;
  }
  printf ("pipecheck: compare: %zu vs %zu frames, %zu samples differ (max %.3g",
      na / channels, nb / channels, n_diff, max_diff);
  if (n_diff)
    printf (", first at frame %zu", first / channels);
  printf (")\n");
  free (a);
  free (b);
  if (na != nb || n_diff) {
    printf ("pipecheck: FAIL: received audio differs from sent audio\n");
    return 1;
  }
  return 0;
}

/* ---- RTP receiver with continuity checks ---- */

typedef struct {
  GMainLoop *loop;
  guint64 packets;
  guint64 lost;                 /* sum of sequence-number gaps */
  guint64 reordered;            /* packets older than the previous one */
  guint64 ts_jumps;             /* RTP timestamp not previous + samples */
  guint64 bad_size;             /* payload not ptime-sized (but the last) */
  gboolean short_pending;       /* the previous packet was short */
  guint32 expected_samples;     /* samples per packet (from ptime) */
  gint have_prev;
  guint16 prev_seq;
  guint32 prev_ts, prev_samples;
  gint64 first_us, last_us;
  gint64 max_gap_us;            /* longest wall-clock gap between packets */
  guint64 max_gap_packet;       /* index of the packet after it */
  guint64 gaps_over_10ms;       /* wall-clock gaps longer than 10 ms */
  guint idle_ms;
  FILE *out;
  guint64 frames_out;
  gboolean eos;
} RtpCheck;

static GstPadProbeReturn
rtp_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  RtpCheck *c = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!buf || !gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp))
    return GST_PAD_PROBE_OK;
  guint16 seq = gst_rtp_buffer_get_seq (&rtp);
  guint32 ts = gst_rtp_buffer_get_timestamp (&rtp);
  guint samples = gst_rtp_buffer_get_payload_len (&rtp) / (3 * 2);
  gst_rtp_buffer_unmap (&rtp);

  gint64 now = g_get_monotonic_time ();
  if (c->have_prev) {
    gint16 dseq = (gint16) (seq - c->prev_seq);
    if (dseq <= 0)
      c->reordered++;
    else if (dseq > 1)
      c->lost += dseq - 1;
    if (dseq == 1 && ts != c->prev_ts + c->prev_samples)
      c->ts_jumps++;
    if (now - c->last_us > c->max_gap_us) {
      c->max_gap_us = now - c->last_us;
      c->max_gap_packet = c->packets;
    }
    if (now - c->last_us > 10000)
      c->gaps_over_10ms++;
  } else {
    c->first_us = now;
  }
  /* Only the last packet of a stream may be short (the tail at EOS). */
  if (c->short_pending)
    c->bad_size++;
  c->short_pending = c->expected_samples && samples != c->expected_samples;
  c->have_prev = 1;
  c->prev_seq = seq;
  c->prev_ts = ts;
  c->prev_samples = samples;
  c->last_us = now;
  c->packets++;
  return GST_PAD_PROBE_OK;
}

static GstFlowReturn
rtp_new_sample (GstAppSink * sink, gpointer user_data)
{
  RtpCheck *c = user_data;
  GstSample *s = gst_app_sink_pull_sample (sink);
  if (!s)
    return GST_FLOW_ERROR;
  GstBuffer *buf = gst_sample_get_buffer (s);
  GstMapInfo map;
  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    fwrite (map.data, 1, map.size, c->out);
    c->frames_out += map.size / (2 * sizeof (float));
    gst_buffer_unmap (buf, &map);
  }
  gst_sample_unref (s);
  return GST_FLOW_OK;
}

static gboolean
rtp_idle_check (gpointer user_data)
{
  RtpCheck *c = user_data;
  if (c->packets > 0 && g_get_monotonic_time () - c->last_us > (gint64) c->idle_ms * 1000)
    g_main_loop_quit (c->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
rtp_timeout (gpointer user_data)
{
  RtpCheck *c = user_data;
  fprintf (stderr, "pipecheck: rtp-receive: time limit reached\n");
  g_main_loop_quit (c->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
rtp_bus (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  RtpCheck *c = user_data;
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gst_message_parse_error (msg, &err, NULL);
    fprintf (stderr, "pipecheck: rtp-receive: error: %s\n", err->message);
    g_error_free (err);
    g_main_loop_quit (c->loop);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    c->eos = TRUE;
    g_main_loop_quit (c->loop);
  }
  return TRUE;
}

static int
cmd_rtp_receive (int argc, char **argv)
{
  int port = 0;
  const char *out = NULL;
  double max_seconds = 120;
  int ptime_us = 1000;
  RtpCheck c = { 0 };
  c.idle_ms = 1500;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp (argv[i], "--port"))
      port = atoi (argv[i + 1]);
    else if (!strcmp (argv[i], "--out"))
      out = argv[i + 1];
    else if (!strcmp (argv[i], "--idle-ms"))
      c.idle_ms = atoi (argv[i + 1]);
    else if (!strcmp (argv[i], "--max-seconds"))
      max_seconds = atof (argv[i + 1]);
    else if (!strcmp (argv[i], "--ptime-us"))
      ptime_us = atoi (argv[i + 1]);
    else
      return usage ();
  }
  if (!port || !out)
    return usage ();
  c.expected_samples = (guint32) (48000LL * ptime_us / 1000000);
  c.out = fopen (out, "wb");
  if (!c.out) {
    fprintf (stderr, "pipecheck: cannot write %s: %s\n", out, strerror (errno));
    return 1;
  }

  /* No jitterbuffer: on loopback packets arrive in order, and we want to see
   * every packet exactly as it arrived (a jitterbuffer would hide losses by
   * inserting gaps). */
  gchar *desc = g_strdup_printf ("udpsrc name=src address=127.0.0.1 port=%d "
      "caps=\"application/x-rtp,media=audio,clock-rate=48000,encoding-name=L24,"
      "channels=2,payload=96\" ! rtpL24depay ! audioconvert ! "
      "audio/x-raw,format=F32LE,channels=2,rate=48000,layout=interleaved ! "
      "appsink name=sink sync=false emit-signals=false", port);
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err);
  g_free (desc);
  if (!pipe) {
    fprintf (stderr, "pipecheck: rtp-receive: %s\n", err ? err->message : "cannot build pipeline");
    fclose (c.out);
    return 1;
  }
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GstPad *pad = gst_element_get_static_pad (src, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, rtp_probe, &c, NULL);
  gst_object_unref (pad);
  GstAppSinkCallbacks cb = { 0 };
  cb.new_sample = rtp_new_sample;
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, &c, NULL);

  c.loop = g_main_loop_new (NULL, FALSE);
  GstBus *bus = gst_element_get_bus (pipe);
  gst_bus_add_watch (bus, rtp_bus, &c);
  g_timeout_add (100, rtp_idle_check, &c);
  g_timeout_add ((guint) (max_seconds * 1000), rtp_timeout, &c);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  printf ("pipecheck: rtp-receive: listening on 127.0.0.1:%d\n", port);
  fflush (stdout);
  g_main_loop_run (c.loop);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_main_loop_unref (c.loop);
  fclose (c.out);

  double wall = (c.last_us - c.first_us) / 1e6;
  printf ("pipecheck: rtp-receive: %" G_GUINT64_FORMAT " packets over %.2f s wall, "
      "%" G_GUINT64_FORMAT " frames (%.3f s of audio), lost %" G_GUINT64_FORMAT
      ", reordered %" G_GUINT64_FORMAT ", timestamp jumps %" G_GUINT64_FORMAT
      ", packets not %u frames: %" G_GUINT64_FORMAT "\n"
      "pipecheck: rtp-receive: arrival: longest gap between packets %.1f ms (before packet %"
      G_GUINT64_FORMAT "), %" G_GUINT64_FORMAT " gaps over 10 ms (sender scheduling on a "
      "loaded machine; content checked above)\n",
      c.packets, wall, c.frames_out, c.frames_out / 48000.0, c.lost, c.reordered,
      c.ts_jumps, c.expected_samples, c.bad_size, c.max_gap_us / 1000.0,
      c.max_gap_packet, c.gaps_over_10ms);
  int fail = c.packets == 0 || c.lost || c.reordered || c.ts_jumps || c.bad_size;
  if (fail)
    printf ("pipecheck: FAIL: RTP stream not continuous\n");
  return fail;
}

/* Latency a fragment reports in a live pipeline (what GstBin sums from its
 * children's LATENCY answers). */
static int
cmd_latency (int argc, char **argv)
{
  if (argc < 2)
    return usage ();
  gchar *desc = g_strdup_printf ("audiotestsrc is-live=true samplesperbuffer=48 wave=pink-noise ! "
      "audio/x-raw,format=F32LE,rate=48000,channels=2 ! %s name=probe ! fakesink sync=true processing-deadline=0", argv[1]);
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err);
  g_free (desc);
  if (!pipe) {
    fprintf (stderr, "pipecheck: latency: %s\n", err ? err->message : "cannot build pipeline");
    return 1;
  }
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  GstStateChangeReturn r = gst_element_get_state (pipe, NULL, NULL, 5 * GST_SECOND);
  int rc = 1;
  if (r == GST_STATE_CHANGE_SUCCESS) {
    g_usleep (200000);
    GstQuery *q = gst_query_new_latency ();
    if (gst_element_query (pipe, q)) {
      gboolean live;
      GstClockTime min, max;
      gst_query_parse_latency (q, &live, &min, &max);
      printf ("pipecheck: latency of '%s' in a live pipeline with 1 ms source buffers: "
          "min %.3f ms (source 1 ms included)\n", argv[1], min / 1e6);
      rc = 0;
    }
    gst_query_unref (q);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  return rc;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    return usage ();
  gst_init (NULL, NULL);
  if (!strcmp (argv[1], "gen"))
    return cmd_gen (argc - 1, argv + 1);
  if (!strcmp (argv[1], "measure"))
    return cmd_measure (argc - 1, argv + 1);
  if (!strcmp (argv[1], "compare"))
    return cmd_compare (argc - 1, argv + 1);
  if (!strcmp (argv[1], "latency"))
    return cmd_latency (argc - 1, argv + 1);
  if (!strcmp (argv[1], "rtp-receive"))
    return cmd_rtp_receive (argc - 1, argv + 1);
  return usage ();
}
