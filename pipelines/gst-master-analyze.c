/* gst-master analyze FILE... [--json]
 *
 * Decodes each file (anything GStreamer can decode) and measures it with
 * mastermeter: integrated loudness (LUFS), loudness range (LU), true peak
 * (dBTP), sample peak (dBFS) and PLR (true peak - integrated, dB). A file
 * that cannot be read or decoded gets one line on stderr; the others are
 * still reported and the exit status is 1. */
#include "gst-master-common.h"

int
gm_analyze_main (int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    {"json", 'j', 0, G_OPTION_ARG_NONE, &json,
        "Print JSON (an array, one object per file) instead of a table", NULL},
    {NULL}
  };
  GmLoudnessReport *reports;
  guint i, n, failed = 0;

  if (!gm_parse_options (&argc, &argv, "analyze", "FILE...",
          "Measure integrated loudness, loudness range, true peak, sample "
          "peak and PLR of audio files (EBU R128 / ITU-R BS.1770).", entries))
    return 2;
  if (argc < 2) {
    gm_error ("analyze", "no input file (usage: %s analyze FILE... [--json])",
        GM_PROGRAM);
    return 2;
  }

  n = argc - 1;
  reports = g_new0 (GmLoudnessReport, n);
  for (i = 0; i < n; i++) {
    if (!gm_measure_file (argv[i + 1], &reports[i])) {
      gm_error (reports[i].file, "%s", reports[i].error);
      failed++;
    }
  }

  if (json)
    gm_report_print_json (stdout, reports, n);
  else if (failed < n)
    gm_report_print_table (stdout, reports, n);
  fflush (stdout);

  for (i = 0; i < n; i++)
    gm_report_clear (&reports[i]);
  g_free (reports);
  return failed ? 1 : 0;
}
