/* gst-master: command-line mastering and analysis on the `mastering` plugin.
 *
 *   gst-master analyze FILE... [--json]
 *
 * Each subcommand lives in its own file (gst-master-<name>.c) with an entry
 * point declared in gst-master-common.h and listed in the table below. */
#include "gst-master-common.h"
#include "gst-master-master.h"

#include <string.h>

typedef struct {
  const gchar *name;
  int (*main) (int argc, char **argv);
  const gchar *summary;
} GmCommand;

static const GmCommand commands[] = {
  {"analyze", gm_analyze_main,
      "measure loudness, loudness range, true peak, sample peak, PLR"},
  /* --- master --- */
  {"master", gm_master_main,
      "master files to a loudness target exactly (no files: a demo)"},
  {"demo", gm_demo_main,
      "master a built-in demo signal and print the report"},
};

static void
usage (FILE * out)
{
  guint i;

  fprintf (out, "usage: %s COMMAND [OPTION...] ARGS\n\ncommands:\n",
      GM_PROGRAM);
  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\n'%s COMMAND --help' describes a command's options.\n",
      GM_PROGRAM);
}

int
main (int argc, char **argv)
{
  guint i;

  if (argc < 2 || !strcmp (argv[1], "--help") || !strcmp (argv[1], "-h")
      || !strcmp (argv[1], "help")) {
    usage (argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (i = 0; i < G_N_ELEMENTS (commands); i++) {
    if (strcmp (argv[1], commands[i].name) == 0) {
      int sub_argc = argc - 1;
      char **sub_argv = argv + 1;
      if (!gm_init (&sub_argc, &sub_argv))
        return 1;
      return commands[i].main (sub_argc, sub_argv);
    }
  }
  gm_error (NULL, "unknown command '%s' (try '%s --help')", argv[1],
      GM_PROGRAM);
  return 2;
}
