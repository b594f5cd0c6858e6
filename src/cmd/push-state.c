/* SPDX-License-Identifier: MIT */
/*
 * push --state FILE (see push-state.h): the file read and checked before
 * the push, its verdicts applied to the targets, and rewritten after every
 * verdict with efl_write_file (a temporary, fsync, rename), so that a
 * push killed at any moment leaves the previous state or the next one,
 * never a mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "espfleet/cmd.h"
#include "espfleet/common.h"
#include "espfleet/file.h"
#include "espfleet/log.h"
#include "espfleet/output.h"
#include "espfleet/rollout-state.h"
#include "espfleet/target.h"
#include "espfleet/text.h"
#include "push-state.h"

struct push_state {
	char *path, *tmp;
	char image_md5[33];
	char policy[256];
	struct efl_rstate earlier;    /* n 0 without a file */
	const struct efl_target *t;   /* the targets, after apply */
	uint32_t n;
	int32_t *fixed;               /* [n] */
	uint8_t *precheck;            /* [n] */
	uint8_t *matched;             /* [earlier.n]: a target of this push */
	const struct efl_rstate_dev **known; /* [n] earlier entries */
	int warned;
};

/* The whole file into a string; NULL with errno (ENOENT: none). */
static char *
read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (fp == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		free(buf);
		fclose(fp);
		errno = EIO;
		return NULL;
	}
	fclose(fp);
	*len = n;
	return buf;
}

/* The directory of path can take path.tmp (checked before the push, so
 * that a state that cannot be written fails before any device). */
static int
writable(const struct push_state *ps)
{
	int fd = open(ps->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	close(fd);
	unlink(ps->tmp);
	return 0;
}

int
push_state__open(const struct push_state_choice *c, struct push_state **out)
{
	struct push_state *ps = xcalloc(1, sizeof(*ps));
	struct efl_errbuf eb;
	char *text;
	size_t len = 0;

	*out = NULL;
	ps->path = xstrdup(c->path);
	ps->tmp = xasprintf("%s.tmp", c->path);
	snprintf(ps->image_md5, sizeof(ps->image_md5), "%s", c->image_md5);
	snprintf(ps->policy, sizeof(ps->policy), "%s", c->policy);
	text = read_all(c->path, &len);
	if (text == NULL && errno != ENOENT) {
		efl_error("--state: cannot read '%s': %s", c->path,
		    strerror(errno));
		goto fail;
	}
	if (text != NULL && !c->restart) {
		if (efl_rstate_parse(text, len, &ps->earlier, &eb) != 0) {
			efl_error("--state: '%s': %s; nothing was sent (--restart "
			    "starts over)", c->path, eb.msg);
			goto fail;
		}
		if (efl_rstate_matches(&ps->earlier, c->image_md5, c->policy,
		    &eb) != 0) {
			efl_error("--state: '%s': %s; nothing was sent (--restart "
			    "starts a new rollout)", c->path, eb.msg);
			goto fail;
		}
		if (ps->earlier.halted && !c->resume_halted) {
			efl_error("--state: the rollout of '%s' halted (%s); "
			    "give --resume-halted to go on with it", c->path,
			    ps->earlier.halt_reason);
			free(text);
			push_state__free(ps);
			return EFL_EXIT_HALTED;
		}
	}
	free(text);
	text = NULL;
	if (writable(ps) != 0) {
		efl_error("--state: cannot write '%s': %s", ps->tmp,
		    strerror(errno));
		goto fail;
	}
	*out = ps;
	return 0;
fail:
	free(text);
	push_state__free(ps);
	return EFL_EXIT_SETUP;
}

/* Devices of the file without a verdict that are not targets now (not
 * found over mDNS, another shard): said, and kept in the file. */
static void
missing(const struct push_state *ps)
{
	uint32_t i, n = 0;
	const char *first = NULL;
	char shown[128];

	for (i = 0; i < ps->earlier.n; i++) {
		enum efl_rstate_result r = ps->earlier.devs[i].result;

		if (ps->matched[i] || (r != EFL_RS_PENDING &&
		    r != EFL_RS_SENDING && r != EFL_RS_HALTED))
			continue;
		if (n++ == 0)
			first = ps->earlier.devs[i].name;
	}
	if (n == 0)
		return;
	efl_printable(shown, sizeof(shown), first, strlen(first));
	efl_warn("--state: %u device%s of '%s' without a verdict %s not among "
	    "the targets now (%s'%s'): %s kept in the file for a later run",
	    n, n == 1 ? "" : "s", ps->path, n == 1 ? "is" : "are",
	    n == 1 ? "" : "the first: ", shown, n == 1 ? "it is" :
	    "they are");
}

uint32_t
push_state__apply(struct push_state *ps, struct efl_target *t, uint32_t n,
    const int32_t **fixed, const uint8_t **precheck)
{
	const struct efl_rstate_dev *d;
	uint32_t i, known = 0;

	ps->t = t;
	ps->n = n;
	ps->fixed = xcalloc(n ? n : 1, sizeof(*ps->fixed));
	ps->known = xcalloc(n ? n : 1, sizeof(*ps->known));
	ps->precheck = xcalloc(n ? n : 1, sizeof(*ps->precheck));
	ps->matched = xcalloc(ps->earlier.n ? ps->earlier.n : 1,
	    sizeof(*ps->matched));
	for (i = 0; i < n; i++) {
		ps->fixed[i] = -1;
		d = efl_rstate_find(&ps->earlier, efl_target_name(&t[i]));
		if (d == NULL)
			continue;
		known++;
		ps->known[i] = d;
		ps->matched[d - ps->earlier.devs] = 1;
		ps->fixed[i] = d->wave;
		if (t[i].skip_reason != NULL)
			continue;
		ps->precheck[i] = d->result == EFL_RS_SENDING;
		if (d->result == EFL_RS_VERIFIED || d->result == EFL_RS_UPDATED)
			t[i].skip_reason = xasprintf("updated in an earlier run "
			    "(%s, state file)", efl_rstate_result_name(
			    d->result));
		else if (d->result == EFL_RS_FAILED)
			t[i].skip_reason = xasprintf("failed in an earlier run "
			    "(%s, state file)", d->error);
	}
	*fixed = ps->fixed;
	*precheck = ps->precheck;
	missing(ps);
	return known;
}

/* What the file says of row i now. */
static void
entry(const struct push_state *ps, uint32_t i, const struct efl_push_row *r,
    struct efl_rstate_dev *v)
{
	const struct efl_target *t = &ps->t[i];
	const struct efl_rstate_dev *k = ps->known[i];

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", efl_target_name(t));
	snprintf(v->addr, sizeof(v->addr), "%s", t->addr_text);
	v->wave = r->in_wave ? (int32_t)r->wave : k != NULL ? k->wave : -1;
	v->time = r->finished ? efl_wall_time(r->finished_ms) : 0;
	if (!r->finished) {
		/* being sent (or a resumed device still unknown) */
		v->result = r->attempts > 0 || r->started_ms != 0 ||
		    (k != NULL && k->result == EFL_RS_SENDING) ?
		    EFL_RS_SENDING : EFL_RS_PENDING;
	} else if (r->skipped && r->code == EFL_R_HALTED) {
		v->result = EFL_RS_HALTED;
	} else if (r->skipped && k != NULL && k->result != EFL_RS_PENDING &&
	    k->result != EFL_RS_HALTED && k->result != EFL_RS_SKIPPED) {
		*v = *k;   /* decided in an earlier run */
	} else if (r->skipped && t->running_md5 != NULL &&
	    strcasecmp(t->running_md5, ps->image_md5) == 0) {
		v->result = EFL_RS_VERIFIED;   /* it advertises the image */
	} else if (r->skipped) {
		v->result = EFL_RS_SKIPPED;
	} else if (r->ok) {
		v->result = r->verified == 1 ? EFL_RS_VERIFIED : EFL_RS_UPDATED;
	} else {
		v->result = EFL_RS_FAILED;
		snprintf(v->error, sizeof(v->error), "%s",
		    efl_result_code_name(r->code));
	}
}

/* The state's text, for efl_write_file. */
static int
write_text(FILE *fp, const void *text)
{
	return fputs(text, fp) < 0 ? -1 : 0;
}

void
push_state__checkpoint(void *arg, const struct efl_push_row *rows,
    uint32_t n, const char *halt_reason)
{
	struct push_state *ps = arg;
	struct efl_rstate s;
	struct efl_errbuf eb;
	char *text;
	uint32_t i;

	memset(&s, 0, sizeof(s));
	s.schema = EFL_RSTATE_SCHEMA;
	snprintf(s.image_md5, sizeof(s.image_md5), "%s", ps->image_md5);
	snprintf(s.policy, sizeof(s.policy), "%s", ps->policy);
	s.halted = halt_reason != NULL;
	if (halt_reason != NULL)
		snprintf(s.halt_reason, sizeof(s.halt_reason), "%s",
		    halt_reason);
	s.devs = xcalloc(n + ps->earlier.n + 1, sizeof(*s.devs));
	for (i = 0; i < n && i < ps->n; i++)
		entry(ps, i, &rows[i], &s.devs[s.n++]);
	/* the devices of the file that are not targets now stay in it */
	for (i = 0; i < ps->earlier.n && ps->matched != NULL; i++)
		if (!ps->matched[i])
			s.devs[s.n++] = ps->earlier.devs[i];
	text = efl_rstate_format(&s);
	free(s.devs);
	if (efl_write_file(ps->path, write_text, text, &eb) != 0 &&
	    !ps->warned) {
		ps->warned = 1;
		efl_error("--state: %s (a resume will not know the verdicts "
		    "since)", eb.msg);
	}
	free(text);
}

void
push_state__free(struct push_state *ps)
{
	if (ps == NULL)
		return;
	efl_rstate_free(&ps->earlier);
	free(ps->fixed);
	free(ps->known);
	free(ps->precheck);
	free(ps->matched);
	free(ps->path);
	free(ps->tmp);
	free(ps);
}
