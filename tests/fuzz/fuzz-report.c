/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of espfleet report (src/report): the input is cut
 * into up to three report files, read and merged; a refusal names a file;
 * a merged report is written as JUnit, HTML and a table of random width,
 * and each output is valid UTF-8 without control characters other than
 * line ends (the XML ones also without a raw '<' from the input: every
 * text is escaped, so the markup stays well-formed), the table never
 * wider than asked (80 columns or more).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/report.h"
#include "fuzz-input.h"
#include "fuzz-utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
violation(const char *what)
{
	fprintf(stderr, "CONTRACT VIOLATION: %s\n", what);
	fuzz_abort();
}

static void
check_text(const char *out, size_t n, const char *what)
{
	size_t i, start = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && out[i] != '\n')
			continue;
		/* line by line: the line end is the only control byte */
		if (!fuzz_utf8_ok(out + start, i - start, 0))
			violation(what);
		for (; start < i; start++)
			if ((unsigned char)out[start] < 0x20 &&
			    out[start] != '\n')
				violation(what);
		start = i + 1;
	}
}

static char *
run_writer(int (*writer)(FILE *, const struct efl_report *),
    const struct efl_report *rep, size_t *n)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, n);

	if (writer(fp, rep) != 0)
		violation("a writer failed");
	fclose(fp);
	return buf;
}

/* Every '<' of the XML starts a tag the writer wrote: a letter, '/', '?'
 * or '!' follows. */
static void
check_markup(const char *x)
{
	const char *p;

	for (p = strchr(x, '<'); p != NULL; p = strchr(p + 1, '<'))
		if (!((p[1] >= 'a' && p[1] <= 'z') || p[1] == '/' ||
		    p[1] == '?' || p[1] == '!'))
			violation("a raw '<' in the markup");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	struct efl_report_reader *rd = efl_report_reader_new();
	const struct efl_report *rep = NULL;
	struct efl_errbuf eb;
	size_t cut[3], nfiles, i, n, pos = 0;
	char *out, *line, *nl;
	unsigned width;
	int rc = 0;

	fuzz_init(&in, data, size);
	nfiles = 1 + fuzz_u8(&in) % 3;
	width = fuzz_u8(&in);
	width = width < 128 ? 0 : width - 48;  /* no limit, or 80 to 207 */
	data += in.pos;
	size -= in.pos;
	for (i = 0; i < nfiles; i++)
		cut[i] = i + 1 == nfiles ? size : size * (i + 1) / nfiles;
	for (i = 0; i < nfiles && rc == 0; i++) {
		char name[16];
		FILE *fp;

		snprintf(name, sizeof(name), "r%zu.jsonl", i);
		fp = cut[i] > pos ? fmemopen((void *)(uintptr_t)(data + pos),
		    cut[i] - pos, "r") : fopen("/dev/null", "r");
		memset(&eb, 0, sizeof(eb));
		rc = efl_report_reader_add(rd, name, fp, &eb);
		fclose(fp);
		if (rc != 0 && strncmp(eb.msg, name, strlen(name)) != 0)
			violation("a refusal that does not name its file");
		pos = cut[i];
	}
	if (rc == 0 && (rep = efl_report_reader_finish(rd, &eb)) == NULL &&
	    strncmp(eb.msg, "device '", 8) != 0)
		violation("a merge refusal that does not name the device");
	if (rep != NULL) {
		out = run_writer(efl_junit_write, rep, &n);
		check_text(out, n, "JUnit: invalid UTF-8 or a control byte");
		check_markup(out);
		free(out);
		out = run_writer(efl_html_write, rep, &n);
		check_text(out, n, "HTML: invalid UTF-8 or a control byte");
		check_markup(out);
		free(out);
		out = NULL;
		{
			FILE *fp = open_memstream(&out, &n);

			efl_report_table(fp, rep, width, 0);
			fclose(fp);
		}
		check_text(out, n, "table: invalid UTF-8 or a control byte");
		/* the table's lines (from its header to its empty line) fit
		 * width */
		for (line = out; width > 0 && strncmp(out, "DEVICE", 6) == 0 &&
		    (nl = strchr(line, '\n')) !=
		    NULL && nl != line; line = nl + 1) {
			size_t cols = 0;
			const char *c;

			for (c = line; c < nl; c++)
				cols += ((unsigned char)*c & 0xc0) != 0x80;
			if (cols > width)
				violation("a table line wider than asked");
		}
		free(out);
	}
	efl_report_reader_free(rd);
	return 0;
}
