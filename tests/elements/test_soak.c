/* Soak test: hours of stream time through `masterchain mode=live
 * preset=streaming` (character warm and the default), faster than realtime
 * (a GstHarness pushes as fast as the chain runs, like sync=false).
 *
 * The programme is generated on the fly from pre-rendered clips of the
 * shared generators (tests/common/measure.c): steady loud sections at
 * levels from -8 to +4 dB around the material's own loudness, speech, a
 * quiet sparse mix, dynamic verse/chorus material, digital silence; every
 * few minutes a timestamp gap (DISCONT, 20..500 ms), every few minutes a
 * burst of NaN/Inf samples. Checks, for the whole run:
 *
 *  1. memory does not grow: glibc's in-use heap (mallinfo2 uordblks +
 *     hblkhd) sampled at every checkpoint (each stream hour for the long
 *     runs) after the first stays within a fixed margin of the first
 *     checkpoint's figure (process RSS is printed too);
 *  2. mastermeter messages keep coming: at every checkpoint their count
 *     equals the frames the meter has seen / its interval (it lags the input
 *     by the chain's lookahead only), message timestamps never go back;
 *  3. the output is finite and its sample peak never exceeds the preset's
 *     -1 dBTP ceiling (+0.02 dB); the short-term loudness (independent
 *     libebur128) at the end of each steady loud section of the last
 *     checkpoint period is within 1 LU of the -14 LUFS target (no AGC
 *     drift); figures per period are printed;
 *  4. frames out == frames in (after EOS);
 *  5. every output buffer carries the timestamp of the input frame at the
 *     same index (gaps included), buffers never straddle a gap, PTS never
 *     goes back.
 *
 * MASTER_SOAK_SCALE (a factor, default 1) scales every run's stream time,
 * for longer runs by hand. Under AddressSanitizer the runs are cut to 15
 * minutes and the heap bound is not checked (ASan owns malloc). The bounds
 * can be tightened at build time (-DPEAK_TOL_DB=-0.1, -DLOUDNESS_TOL_LU=0.1,
 * -DHEAP_MARGIN_KIB=...) to watch the test fail.
 *
 * Messages are counted in a bus sync handler that returns GST_BUS_DROP, and
 * so must unref them itself: a first version that did not leaked every
 * message (about 36 KiB per stream second with the meter's and loudnorm's
 * 100 ms messages), which check 1 caught. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>
#include <malloc.h>
#include <unistd.h>
#include <string.h>
#include <stdio.h>

#include "master-test.h"
#include "measure.h"

#if defined(__SANITIZE_ADDRESS__)
#define SOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOAK_ASAN 1
#endif
#endif
#ifndef SOAK_ASAN
#define SOAK_ASAN 0
#endif

#define RATE 48000
#define CHANNELS 2
#define TARGET_LUFS (-14.0)
#define CEILING_DB (-1.0)
#ifndef PEAK_TOL_DB
#define PEAK_TOL_DB 0.02
#endif
#ifndef LOUDNESS_TOL_LU
#define LOUDNESS_TOL_LU 1.0
#endif
#define METER_INTERVAL_FRAMES (RATE / 10)       /* mastermeter's default 100 ms */
#define RING_FRAMES (RATE * 3)          /* short-term window */
#define MAX_GAP_NS (500 * GST_MSECOND)

/* margin over the first checkpoint's heap figure: a few buffers' worth of
 * allocator slack; one leaked 1024-frame buffer per second would exceed it
 * within a stream hour */
#ifndef HEAP_MARGIN_KIB
#define HEAP_MARGIN_KIB 512
#endif

typedef enum
{
  SEC_LOUD,                     /* steady: dense mix at a fixed level */
  SEC_MUSIC,
  SEC_SPEECH,
  SEC_QUIET,
  SEC_DYNAMIC,
  SEC_SILENCE,
  SEC_N
} SectionKind;

/* Clips of each kind, looped: whole bars where the material has them
 * (dense 128 bpm: 8 bars, music 100 bpm: 6 bars), whole phrases of speech,
 * the quiet mix's 10 s cycle, the dynamic one's 16 s verse + chorus.
 * Silence has no clip. About 26 MB in all. */
static float *clips[SEC_N];
static const gsize clip_frames[SEC_N] = {
  [SEC_LOUD] = RATE * 15, [SEC_MUSIC] = RATE * 144 / 10, [SEC_SPEECH] = RATE * 15,
  [SEC_QUIET] = RATE * 10, [SEC_DYNAMIC] = RATE * 16, [SEC_SILENCE] = 1,
};

static void
make_clips (void)
{
  static const MeasureProgramme kinds[] = {
    PROGRAMME_DENSE, PROGRAMME_MUSIC, PROGRAMME_SPEECH, PROGRAMME_QUIET,
    PROGRAMME_DYNAMIC
  };
  if (clips[0])
    return;
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++) {
    clips[k] = g_new (float, clip_frames[k] * CHANNELS);
    gen_programme (clips[k], clip_frames[k], CHANNELS, RATE, kinds[k], 40 + k);
  }
  clips[SEC_SILENCE] = g_new0 (float, clip_frames[SEC_SILENCE] * CHANNELS);
}

typedef struct
{
  guint64 frame;                /* input frame where a timeline starts */
  GstClockTime pts;
} Timeline;

typedef struct
{
  /* set up by the case */
  const gchar *name;
  const gchar *character;       /* NULL: default */
  gsize buffer_frames;
  guint64 total_frames;
  guint64 checkpoint_frames;

  /* programme generator */
  guint32 rng;
  SectionKind kind;
  float gain;
  guint64 sec_start, sec_end;   /* input frames */
  gsize clip_pos;
  gboolean sec_steady;          /* a steady loud section fit for measuring */
  guint64 next_gap, next_nan;
  GstClockTime gap_total;
  guint n_gaps, n_nan_bursts, n_sections[SEC_N];

  /* input timeline */
  guint64 in_frames;
  GArray *timelines;            /* Timeline, pruned as output passes */
  gboolean discont_pending;

  /* measurement points: output frame where a steady section's last 3 s end */
  GArray *points;               /* guint64 */

  /* output */
  guint64 out_frames;
  GstClockTime last_pts;
  float ring[RING_FRAMES * CHANNELS];
  guint64 ring_frames;          /* total frames written to the ring */
  double peak;                  /* linear, whole run */
  guint64 nonfinite;
  guint misaligned, straddles, backwards;
  GstClockTime worst_pts_err;

  /* loudness per checkpoint period */
  GArray *st_period;            /* double, current period */
  double st_last_min, st_last_max, st_last_mean;
  guint st_last_n;

  /* messages (bus sync handler, same thread) */
  guint64 meter_msgs, loudnorm_msgs, limiter_msgs, other_msgs, warnings, errors;
  GstClockTime meter_last_ts;
  guint meter_ts_backwards;
  GstClockTime meter_max_step;
  gboolean meter_final;
} Soak;

static guint32
rnd (Soak * s)
{
  guint32 x = s->rng;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return s->rng = x;
}

static double
rnd_uniform (Soak * s, double lo, double hi)
{
  return lo + (hi - lo) * (rnd (s) / 4294967296.0);
}

static void
next_section (Soak * s)
{
  guint r = rnd (s) % 100;
  double len_s;
  double level_db = 0;
  /* loud sections dominate (music radio), then the rest */
  if (r < 40) {
    s->kind = SEC_LOUD;
    len_s = rnd_uniform (s, 30, 90);
    level_db = rnd_uniform (s, -8, 4);
  } else if (r < 55) {
    s->kind = SEC_MUSIC;
    len_s = rnd_uniform (s, 20, 90);
    level_db = rnd_uniform (s, -10, 4);
  } else if (r < 70) {
    s->kind = SEC_SPEECH;
    len_s = rnd_uniform (s, 10, 60);
    level_db = rnd_uniform (s, -6, 6);
  } else if (r < 80) {
    s->kind = SEC_QUIET;
    len_s = rnd_uniform (s, 10, 40);
  } else if (r < 92) {
    s->kind = SEC_DYNAMIC;
    len_s = rnd_uniform (s, 20, 60);
  } else {
    s->kind = SEC_SILENCE;
    len_s = rnd_uniform (s, 1, 20);
  }
  s->n_sections[s->kind]++;
  s->gain = (float) pow (10.0, level_db / 20.0);
  s->sec_start = s->in_frames;
  s->sec_end = s->in_frames + (guint64) (len_s * RATE);
  s->clip_pos = rnd (s) % clip_frames[s->kind];
  /* measured at its end: the AGC (2.5 s estimate, <= 3 dB/s) has had 20 s
   * to settle, and the 3 s window lies inside the section */
  s->sec_steady = s->kind == SEC_LOUD && len_s >= 25;
  if (s->sec_steady) {
    guint64 p = s->sec_end;
    g_array_append_val (s->points, p);
  }
}

/* Fills `n` frames of programme at s->in_frames into x. */
static void
render (Soak * s, float *x, gsize n)
{
  gsize done = 0;
  while (done < n) {
    if (s->in_frames + done >= s->sec_end) {
      guint64 save = s->in_frames;
      s->in_frames += done;
      next_section (s);
      s->in_frames = save;
    }
    gsize k = MIN (n - done, s->sec_end - (s->in_frames + done));
    float *dst = x + done * CHANNELS;
    if (s->kind == SEC_SILENCE) {
      memset (dst, 0, k * CHANNELS * sizeof (float));
    } else {
      k = MIN (k, clip_frames[s->kind] - s->clip_pos);
      const float *src = clips[s->kind] + s->clip_pos * CHANNELS;
      for (gsize i = 0; i < k * CHANNELS; i++)
        dst[i] = src[i] * s->gain;
      s->clip_pos = (s->clip_pos + k) % clip_frames[s->kind];
    }
    done += k;
  }
}

/* A steady section touched by a NaN burst or a gap is not measured. */
static void
unmark_current (Soak * s)
{
  if (s->sec_steady && s->points->len
      && g_array_index (s->points, guint64, s->points->len - 1) == s->sec_end) {
    g_array_remove_index (s->points, s->points->len - 1);
    s->sec_steady = FALSE;
  }
}

static GstBusSyncReply
bus_sync (GstBus * bus, GstMessage * m, gpointer user_data)
{
  Soak *s = user_data;
  switch (GST_MESSAGE_TYPE (m)) {
    case GST_MESSAGE_ELEMENT:{
      const GstStructure *st = gst_message_get_structure (m);
      if (gst_structure_has_name (st, "mastermeter")) {
        guint64 ts = GST_CLOCK_TIME_NONE;
        gboolean final = FALSE;
        gst_structure_get_uint64 (st, "timestamp", &ts);
        gst_structure_get_boolean (st, "final", &final);
        if (final) {
          s->meter_final = TRUE;
          break;
        }
        s->meter_msgs++;
        if (GST_CLOCK_TIME_IS_VALID (s->meter_last_ts)) {
          if (!GST_CLOCK_TIME_IS_VALID (ts) || ts < s->meter_last_ts)
            s->meter_ts_backwards++;
          else
            s->meter_max_step = MAX (s->meter_max_step, ts - s->meter_last_ts);
        }
        s->meter_last_ts = ts;
      } else if (gst_structure_has_name (st, "masterloudnorm"))
        s->loudnorm_msgs++;
      else if (gst_structure_has_name (st, "masterlimiter"))
        s->limiter_msgs++;
      else
        s->other_msgs++;
      break;
    }
    case GST_MESSAGE_WARNING:
      s->warnings++;
      break;
    case GST_MESSAGE_ERROR:{
      GError *err = NULL;
      gst_message_parse_error (m, &err, NULL);
      g_printerr ("%s: error from %s: %s\n", s->name, GST_OBJECT_NAME (GST_MESSAGE_SRC (m)),
          err->message);
      g_error_free (err);
      s->errors++;
      break;
    }
    default:
      break;
  }
  /* a sync handler that drops a message owns it */
  gst_message_unref (m);
  return GST_BUS_DROP;
}

/* glibc's heap in use (all arenas, mmapped chunks included), bytes */
static gsize
heap_in_use (void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 mi = mallinfo2 ();
  return mi.uordblks + mi.hblkhd;
#else
  return 0;
#endif
}

static gsize
rss_kib (void)
{
  unsigned long size = 0, resident = 0;
  FILE *f = fopen ("/proc/self/statm", "r");
  if (f) {
    if (fscanf (f, "%lu %lu", &size, &resident) != 2)
      resident = 0;
    fclose (f);
  }
  return resident * (gsize) sysconf (_SC_PAGESIZE) / 1024;
}

static double
ring_short_term (Soak * s)
{
  /* the ring holds the last RING_FRAMES output frames, oldest at
   * ring_frames % RING_FRAMES */
  static float lin[RING_FRAMES * CHANNELS];
  gsize head = s->ring_frames % RING_FRAMES;
  memcpy (lin, s->ring + head * CHANNELS, (RING_FRAMES - head) * CHANNELS * sizeof (float));
  memcpy (lin + (RING_FRAMES - head) * CHANNELS, s->ring, head * CHANNELS * sizeof (float));
  return measure_short_term_at (lin, RING_FRAMES, CHANNELS, RATE);
}

static void
check_output (Soak * s, GstBuffer * buf)
{
  GstMapInfo map;
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  gsize n = map.size / (CHANNELS * sizeof (float));
  const float *x = (const float *) map.data;

  /* timestamps: the input frame at the same index, same timeline */
  GstClockTime pts = GST_BUFFER_PTS (buf);
  while (s->timelines->len > 1
      && g_array_index (s->timelines, Timeline, 1).frame <= s->out_frames)
    g_array_remove_index (s->timelines, 0);
  Timeline *tl = &g_array_index (s->timelines, Timeline, 0);
  GstClockTime want = tl->pts + gst_util_uint64_scale_int (s->out_frames - tl->frame,
      GST_SECOND, RATE);
  GstClockTime err = !GST_CLOCK_TIME_IS_VALID (pts) ? GST_SECOND
      : (pts > want ? pts - want : want - pts);
  if (err > 1) {
    if (s->misaligned++ < 5)
      g_printerr ("%s: output frame %" G_GUINT64_FORMAT " at %" GST_TIME_FORMAT
          ", input had %" GST_TIME_FORMAT "\n", s->name, s->out_frames,
          GST_TIME_ARGS (pts), GST_TIME_ARGS (want));
  }
  s->worst_pts_err = MAX (s->worst_pts_err, err);
  if (s->timelines->len > 1
      && g_array_index (s->timelines, Timeline, 1).frame < s->out_frames + n)
    s->straddles++;
  if (GST_CLOCK_TIME_IS_VALID (s->last_pts) && GST_CLOCK_TIME_IS_VALID (pts)
      && pts < s->last_pts)
    s->backwards++;
  s->last_pts = pts;

  /* finite, peak, ring; measurement points on the way */
  gsize i = 0;
  while (i < n) {
    gsize k = n - i;
    guint64 next_point = s->points->len ? g_array_index (s->points, guint64, 0) : G_MAXUINT64;
    if (next_point > s->out_frames + i && next_point - (s->out_frames + i) < k)
      k = next_point - (s->out_frames + i);
    const float *p = x + i * CHANNELS;
    float pk = 0;
    for (gsize j = 0; j < k * CHANNELS; j++) {
      float a = fabsf (p[j]);
      if (!(a <= G_MAXFLOAT))
        s->nonfinite++;
      else if (a > pk)
        pk = a;
    }
    s->peak = MAX (s->peak, pk);
    for (gsize j = 0; j < k; j++) {
      memcpy (s->ring + ((s->ring_frames + j) % RING_FRAMES) * CHANNELS, p + j * CHANNELS,
          CHANNELS * sizeof (float));
    }
    s->ring_frames += k;
    i += k;
    if (s->points->len && g_array_index (s->points, guint64, 0) == s->out_frames + i) {
      double st = ring_short_term (s);
      g_array_append_val (s->st_period, st);
      g_array_remove_index (s->points, 0);
    }
  }
  s->out_frames += n;
  gst_buffer_unmap (buf, &map);
}

static void
pull_all (Soak * s, GstHarness * h)
{
  GstBuffer *buf;
  GstEvent *ev;
  while ((buf = gst_harness_try_pull (h))) {
    check_output (s, buf);
    gst_buffer_unref (buf);
  }
  while ((ev = gst_harness_try_pull_event (h)))
    gst_event_unref (ev);
  while ((ev = gst_harness_try_pull_upstream_event (h)))
    gst_event_unref (ev);
}

static void
period_loudness (Soak * s, double *mn, double *mx, double *mean, guint * n)
{
  *mn = HUGE_VAL;
  *mx = -HUGE_VAL;
  *mean = 0;
  *n = s->st_period->len;
  for (guint i = 0; i < *n; i++) {
    double v = g_array_index (s->st_period, double, i);
    *mn = MIN (*mn, v);
    *mx = MAX (*mx, v);
    *mean += v;
  }
  if (*n)
    *mean /= *n;
  g_array_set_size (s->st_period, 0);
}

static void
run_soak (const gchar * name, const gchar * character, gsize buffer_frames,
    double stream_s, double checkpoint_s)
{
  Soak *s = g_new0 (Soak, 1);
  const gchar *env = g_getenv ("MASTER_SOAK_SCALE");
  double scale = env ? g_ascii_strtod (env, NULL) : 1.0;
  if (SOAK_ASAN) {
    /* sanitizers (~60x realtime): 15 minutes, checkpoints every 5 */
    stream_s = MIN (stream_s, 900);
    checkpoint_s = 300;
  }
  if (scale > 0 && scale != 1.0) {
    stream_s *= scale;
    if (stream_s < 3 * checkpoint_s)
      checkpoint_s = stream_s / 3;
  }
  s->name = name;
  s->character = character;
  s->buffer_frames = buffer_frames;
  s->total_frames = (guint64) (stream_s * RATE);
  s->checkpoint_frames = (guint64) (checkpoint_s * RATE);
  s->rng = 0x5eed1234u ^ (guint32) buffer_frames;
  s->timelines = g_array_new (FALSE, FALSE, sizeof (Timeline));
  s->points = g_array_new (FALSE, FALSE, sizeof (guint64));
  s->st_period = g_array_new (FALSE, FALSE, sizeof (double));
  s->last_pts = GST_CLOCK_TIME_NONE;
  s->meter_last_ts = GST_CLOCK_TIME_NONE;
  s->sec_end = 0;
  s->next_gap = (guint64) (rnd_uniform (s, 120, 420) * RATE);
  s->next_nan = (guint64) (rnd_uniform (s, 120, 600) * RATE);
  Timeline t0 = { 0, 0 };
  g_array_append_val (s->timelines, t0);
  gsize heap_before = heap_in_use ();
  make_clips ();

  GstElement *chain = gst_element_factory_make ("masterchain", NULL);
  fail_unless (chain != NULL);
  gst_util_set_object_arg (G_OBJECT (chain), "mode", "live");
  gst_util_set_object_arg (G_OBJECT (chain), "preset", "streaming");
  if (character)
    gst_util_set_object_arg (G_OBJECT (chain), "character", character);
  GstHarness *h = gst_harness_new_with_element (chain, "sink", "src");
  GstBus *bus = gst_bus_new ();
  gst_bus_set_sync_handler (bus, bus_sync, s, NULL);
  gst_element_set_bus (chain, bus);
  gchar *caps = master_test_caps_string ("F32LE", RATE, CHANNELS);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  gst_harness_set_sink_caps_str (h, "audio/x-raw");

  float *x = g_new (float, buffer_frames * CHANNELS);
  GstClockTime pts_base = 0;
  guint64 base_frame = 0;
  gsize heap0 = 0, rss0 = 0, heap_max_growth = 0;
  guint cp = 0;
  gint64 t_start = g_get_monotonic_time ();

  g_print ("%s: masterchain mode=live preset=streaming%s%s, %.2f h of stream time at "
      "%d Hz stereo F32 in %zu-frame buffers, checkpoint every %.0f s, heap in use before "
      "the clips %zu KiB, with them %zu KiB\n", name, character ? " character=" : "",
      character ? character : "", s->total_frames / (3600.0 * RATE), RATE, buffer_frames,
      s->checkpoint_frames / (double) RATE, heap_before / 1024, heap_in_use () / 1024);

  while (s->in_frames < s->total_frames) {
    gsize n = MIN (buffer_frames, s->total_frames - s->in_frames);
    /* stop a buffer at a checkpoint so the heap is read at the same place */
    guint64 next_cp = (cp + 1) * s->checkpoint_frames;
    if (next_cp > s->in_frames && next_cp - s->in_frames < n)
      n = next_cp - s->in_frames;
    render (s, x, n);

    /* NaN/Inf burst inside this buffer */
    if (s->in_frames >= s->next_nan) {
      gsize want = 16 + rnd (s) % 200;   /* not inside MIN (): evaluated once */
      gsize len = MIN (n, want);
      gsize at = rnd (s) % (n - len + 1);
      for (gsize i = at * CHANNELS; i < (at + len) * CHANNELS; i++)
        x[i] = (i % 7 == 3) ? INFINITY : NAN;
      s->n_nan_bursts++;
      unmark_current (s);
      s->next_nan = s->in_frames + (guint64) (rnd_uniform (s, 120, 600) * RATE);
    }

    GstBuffer *buf = master_test_buffer_f32 (x, n, CHANNELS, RATE, s->in_frames);
    /* timestamp on the current timeline (gaps move it forward) */
    GST_BUFFER_PTS (buf) = pts_base + gst_util_uint64_scale_int (s->in_frames - base_frame,
        GST_SECOND, RATE);
    GST_BUFFER_DURATION (buf) = pts_base + gst_util_uint64_scale_int (s->in_frames + n -
        base_frame, GST_SECOND, RATE) - GST_BUFFER_PTS (buf);
    if (s->discont_pending) {
      GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
      s->discont_pending = FALSE;
    }
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    s->in_frames += n;
    pull_all (s, h);

    /* a gap in the timestamps before the next buffer */
    if (s->in_frames >= s->next_gap && s->in_frames < s->total_frames) {
      GstClockTime gap = (GstClockTime) (rnd_uniform (s, 0.02, 0.5) * GST_SECOND);
      pts_base += gst_util_uint64_scale_int (s->in_frames - base_frame, GST_SECOND, RATE) + gap;
      base_frame = s->in_frames;
      Timeline t = { base_frame, pts_base };
      g_array_append_val (s->timelines, t);
      s->discont_pending = TRUE;
      s->gap_total += gap;
      s->n_gaps++;
      unmark_current (s);
      s->next_gap = s->in_frames + (guint64) (rnd_uniform (s, 120, 420) * RATE);
    }

    if (s->in_frames == next_cp) {
      cp++;
      gsize heap = heap_in_use (), rss = rss_kib ();
      double mn, mx, mean;
      guint np;
      period_loudness (s, &mn, &mx, &mean, &np);
      /* what the meter has seen: all but the lookahead in the chain */
      guint64 meter_frames_max = s->in_frames, meter_frames_min =
          s->out_frames - MIN (s->out_frames, (guint64) RATE);
      guint64 want_max = meter_frames_max / METER_INTERVAL_FRAMES;
      guint64 want_min = meter_frames_min / METER_INTERVAL_FRAMES;
      g_print ("%s: checkpoint %u at %.2f h: heap in use %zu KiB, RSS %zu KiB, meter messages "
          "%" G_GUINT64_FORMAT " (expected %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
          "), loudnorm %" G_GUINT64_FORMAT ", limiter %" G_GUINT64_FORMAT ", peak so far "
          "%.3f dBFS, steady loud sections this period: %u, short-term %.2f / %.2f / %.2f "
          "LUFS (min/mean/max), %.1f s wall\n", name, cp, s->in_frames / (3600.0 * RATE),
          heap / 1024, rss, s->meter_msgs, want_min, want_max, s->loudnorm_msgs,
          s->limiter_msgs, measure_db (s->peak), np, mn, mean, mx,
          (g_get_monotonic_time () - t_start) / 1e6);
      fail_unless (s->meter_msgs >= want_min && s->meter_msgs <= want_max,
          "%s: %" G_GUINT64_FORMAT " meter messages after %" G_GUINT64_FORMAT
          " frames in, %" G_GUINT64_FORMAT " out", name, s->meter_msgs, s->in_frames,
          s->out_frames);
      if (cp == 1) {
        heap0 = heap;
        rss0 = rss;
      } else if (!SOAK_ASAN) {
        gsize growth = heap > heap0 ? heap - heap0 : 0;
        heap_max_growth = MAX (heap_max_growth, growth);
        fail_unless (growth <= HEAP_MARGIN_KIB * 1024,
            "%s: heap grew by %zu KiB from checkpoint 1 to %u (%zu -> %zu KiB)", name,
            growth / 1024, cp, heap0 / 1024, heap / 1024);
      }
      if (s->in_frames + s->checkpoint_frames > s->total_frames) {
        /* the last whole period: the AGC holds the target */
        s->st_last_min = mn;
        s->st_last_max = mx;
        s->st_last_mean = mean;
        s->st_last_n = np;
      }
    }
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  pull_all (s, h);
  double wall = (g_get_monotonic_time () - t_start) / 1e6;

  g_print ("%s: %" G_GUINT64_FORMAT " frames in, %" G_GUINT64_FORMAT " out; sections "
      "loud %u music %u speech %u quiet %u dynamic %u silence %u; %u gaps (%.2f s), %u NaN "
      "bursts; output sample peak %.3f dBFS, %" G_GUINT64_FORMAT " non-finite; worst PTS "
      "error %" G_GUINT64_FORMAT " ns, %u misaligned, %u straddling a gap, %u backwards; "
      "meter messages %" G_GUINT64_FORMAT " (+final %d, largest step %.3f s, %u backwards), "
      "warnings %" G_GUINT64_FORMAT ", errors %" G_GUINT64_FORMAT "; heap growth max %zu KiB "
      "over %zu KiB, RSS %zu -> %zu KiB; %.1f s wall (%.0fx realtime)\n", name,
      s->in_frames, s->out_frames, s->n_sections[SEC_LOUD], s->n_sections[SEC_MUSIC],
      s->n_sections[SEC_SPEECH], s->n_sections[SEC_QUIET], s->n_sections[SEC_DYNAMIC],
      s->n_sections[SEC_SILENCE], s->n_gaps, s->gap_total / 1e9, s->n_nan_bursts,
      measure_db (s->peak), s->nonfinite, (guint64) s->worst_pts_err, s->misaligned,
      s->straddles, s->backwards, s->meter_msgs, s->meter_final,
      s->meter_max_step / 1e9, s->meter_ts_backwards, s->warnings, s->errors,
      heap_max_growth / 1024, heap0 / 1024, rss0, rss_kib (), wall,
      s->total_frames / (double) RATE / wall);
  g_print ("%s: last period: %u steady loud sections, short-term %.2f .. %.2f LUFS "
      "(mean %.2f), target %.1f +- %.1f LU\n", name, s->st_last_n, s->st_last_min,
      s->st_last_max, s->st_last_mean, TARGET_LUFS, LOUDNESS_TOL_LU);

  /* 4: frames */
  fail_unless_equals_uint64 (s->out_frames, s->in_frames);
  /* 5: timestamps */
  fail_unless_equals_int (s->misaligned, 0);
  fail_unless_equals_int (s->straddles, 0);
  fail_unless_equals_int (s->backwards, 0);
  /* 3: finite, under the ceiling, loudness held */
  fail_unless_equals_uint64 (s->nonfinite, 0);
  fail_unless (measure_db (s->peak) <= CEILING_DB + PEAK_TOL_DB,
      "%s: sample peak %.3f dBFS above the %.1f dBTP ceiling", name, measure_db (s->peak),
      CEILING_DB);
  /* a stream hour holds ~20 steady loud sections, 5 minutes one or more;
   * short (scaled) runs may have none in their last period */
  if (s->checkpoint_frames >= (guint64) 300 * RATE)
    fail_unless (s->st_last_n >= (s->checkpoint_frames >= (guint64) 900 * RATE ? 3u : 1u),
        "%s: only %u steady sections measured in the last period", name, s->st_last_n);
  fail_unless (s->st_last_n == 0 || (s->st_last_min >= TARGET_LUFS - LOUDNESS_TOL_LU
          && s->st_last_max <= TARGET_LUFS + LOUDNESS_TOL_LU),
      "%s: last period's steady short-term loudness %.2f .. %.2f LUFS, target %.1f", name,
      s->st_last_min, s->st_last_max, TARGET_LUFS);
  /* 2: messages all the way, the final one at EOS */
  fail_unless_equals_uint64 (s->meter_msgs, s->in_frames / METER_INTERVAL_FRAMES);
  fail_unless (s->meter_final, "%s: no final meter message", name);
  fail_unless_equals_int (s->meter_ts_backwards, 0);
  fail_unless (s->meter_max_step <= 100 * GST_MSECOND + MAX_GAP_NS + GST_MSECOND,
      "%s: %.3f s between meter messages", name, s->meter_max_step / 1e9);
  fail_unless_equals_uint64 (s->errors, 0);

  gst_harness_teardown (h);
  gst_object_unref (bus);
  g_free (x);
  g_array_unref (s->timelines);
  g_array_unref (s->points);
  g_array_unref (s->st_period);
  g_free (s);
}

/* the long run: 4 stream hours, 1024-frame buffers, character warm */
GST_START_TEST (test_soak_warm_1024)
{
  run_soak ("warm/1024", "warm", 1024, 4 * 3600.0, 3600.0);
}
GST_END_TEST;

/* the default character (neutral tone stages), 1 ms buffers: 20 stream
 * minutes (1 ms buffers cost about twice as much per frame) */
GST_START_TEST (test_soak_default_48)
{
  run_soak ("default/48", NULL, 48, 1200.0, 300.0);
}
GST_END_TEST;

static Suite *
soak_suite (void)
{
  Suite *s = suite_create ("soak");
  TCase *tc = tcase_create ("soak");
  master_test_register ();
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_soak_warm_1024);
  tcase_add_test (tc, test_soak_default_48);
  return s;
}

GST_CHECK_MAIN (soak);
