/* SPDX-License-Identifier: MIT */
/*
 * espfleet report: merge the JSON Lines of several `espfleet push --json`
 * runs (CI jobs, sites, shards) into one summary table on stdout, one JUnit
 * XML file and one self-contained HTML page (see espfleet-report(1)). The
 * reading and the writers live in src/report; this is the command line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmd-util.h"
#include "espfleet/cmd.h"
#include "espfleet/log.h"
#include "espfleet/report.h"
#include "espfleet/text.h"

static const char report_usage[] =
"usage: espfleet report [options] REPORT.jsonl...\n"
"Merge the JSON Lines of several 'espfleet push --json' runs (one per CI\n"
"job, site or shard) into one summary table on stdout, and optionally a\n"
"JUnit XML file and a self-contained HTML page with a timeline. Each\n"
"device may appear in one report only. '-' reads standard input.\n"
"\n"
"      --junit FILE   write JUnit XML: a testsuite per push, a testcase\n"
"                     per device (failure type = the result code)\n"
"      --html FILE    write the HTML page (no scripts, no external files)\n"
"      --title TEXT   the HTML page's title (default \"espfleet report\")\n"
"  -h, --help         show this help\n"
"\n"
"Exit status: 0 every device updated or skipped, 1 a device failed or a\n"
"report is incomplete (the push was interrupted), 2 usage error, 3 a\n"
"report unreadable or invalid, or an output file not written.\n";

enum { OPT_JUNIT = 256, OPT_HTML, OPT_TITLE };

static const struct option longopts[] = {
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* The table's width: the terminal's, else $COLUMNS, else no limit. */
static unsigned
table_width(void)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");
	char *end;
	long v;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ,
	    &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (cols == NULL || *cols == '\0')
		return 0;
	errno = 0;
	v = strtol(cols, &end, 10);
	return *end == '\0' && errno == 0 && v >= 20 && v <= 10000 ?
	    (unsigned)v : 0;
}

/* Colours on a terminal, unless NO_COLOR is set or TERM is dumb. */
static int
table_color(void)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0') &&
	    term != NULL && strcmp(term, "dumb") != 0;
}

static int
read_reports(struct efl_report_reader *rd, char **files, int n)
{
	struct efl_errbuf eb;
	int i, rc;

	for (i = 0; i < n; i++) {
		int std = strcmp(files[i], "-") == 0;
		FILE *fp = std ? stdin : fopen(files[i], "r");

		if (fp == NULL) {
			char shown[256];

			efl_printable(shown, sizeof(shown), files[i],
			    strlen(files[i]));
			efl_error("cannot read '%s': %s", shown,
			    strerror(errno));
			return -1;
		}
		rc = efl_report_reader_add(rd, std ? "(stdin)" : files[i], fp,
		    &eb);
		if (!std)
			fclose(fp);
		if (rc != 0) {
			efl_error("%s", eb.msg);
			return -1;
		}
	}
	return 0;
}

static int
report_exec(uv_loop_t *loop, int argc, char **argv)
{
	const char *junit = NULL, *html = NULL, *title = NULL;
	const struct efl_report *rep;
	struct efl_report_reader *rd;
	struct efl_report view;
	struct efl_errbuf eb;
	int c, status;

	(void)loop;   /* no loop: report only reads files */
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JUNIT:
			junit = optarg;
			break;
		case OPT_HTML:
			html = optarg;
			break;
		case OPT_TITLE:
			title = optarg;
			break;
		case 'h':
			fputs(report_usage, stdout);
			return EFL_CMD_HELP_SHOWN;
		default:
			return cmd__option_error(c, argv, "report", longopts);
		}
	}
	if (optind >= argc) {
		efl_error("no report given (the JSON Lines of espfleet push "
		    "--json)");
		return cmd__usage_error("report");
	}
	rd = efl_report_reader_new();
	if (read_reports(rd, argv + optind, argc - optind) != 0) {
		efl_report_reader_free(rd);
		return EFL_EXIT_SETUP;
	}
	if ((rep = efl_report_reader_finish(rd, &eb)) == NULL) {
		efl_error("%s", eb.msg);
		efl_report_reader_free(rd);
		return EFL_EXIT_SETUP;
	}
	view = *rep;
	view.title = title;
	efl_report_table(stdout, &view, table_width(), table_color());
	status = efl_report_all_ok(&view) ? EFL_EXIT_OK : EFL_EXIT_FAILED;
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		efl_error("cannot write the table to standard output: %s",
		    strerror(errno != 0 ? errno : EIO));
		status = EFL_EXIT_SETUP;
	}
	if (junit != NULL && efl_report_write_file(junit, efl_junit_write,
	    &view, &eb) != 0) {
		efl_error("%s", eb.msg);
		status = EFL_EXIT_SETUP;
	}
	if (html != NULL && efl_report_write_file(html, efl_html_write,
	    &view, &eb) != 0) {
		efl_error("%s", eb.msg);
		status = EFL_EXIT_SETUP;
	}
	efl_report_reader_free(rd);
	return status;
}

const struct efl_cmd efl_cmd_report = {
	.name = "report",
	.summary = "merge the JSON reports of several pushes (JUnit, HTML)",
	.exec = report_exec,
};
