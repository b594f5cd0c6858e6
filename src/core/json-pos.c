/* SPDX-License-Identifier: MIT */
/*
 * Positions in JSON texts (see json-pos.h). One scanner walks the grammar
 * cJSON accepts (any byte up to 0x20 is white space, numbers are what
 * strtod takes of a run of "0123456789+-.eE", raw control bytes may stand
 * in strings, a \u escape with a digit that is not hex is U+0000, nesting
 * up to CJSON_NESTING_LIMIT; NUL bytes, which cJSON skips as white space,
 * are refused before): it records the offset of
 * every value in document order for the index, and when cJSON refused a
 * text it finds the first place that breaks that grammar and says what is
 * wrong there.
 */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/common.h"
#include "espfleet/json-pos.h"
#include "espfleet/text.h"

#define NO_KEY ((size_t)-1)

struct node {
	size_t key_off;   /* NO_KEY outside objects */
	size_t value_off;
	int has_nul;
};

struct scan {
	const unsigned char *s;
	size_t len, i;
	struct node *nodes;     /* NULL: only check the grammar */
	size_t n, cap;
	int record;             /* fill nodes (else: the grammar only) */
	unsigned depth;
	const char *err;        /* the first problem, at err_off */
	size_t err_off;
	char err_buf[EFL_JSON_WHY_LEN];
};

struct ptr_ord {
	const cJSON *item;
	size_t ord;
};

struct efl_json_index {
	const char *text;
	size_t len;
	struct node *nodes;
	struct ptr_ord *map;    /* sorted by item */
	size_t n;
};

/* ---- the scanner ---- */

static int scan_value(struct scan *sc, size_t key_off);

/* What is at off, for a message: "'x'", "the end of the text". */
static void
describe(const struct scan *sc, size_t off, char *out, size_t cap)
{
	size_t n = 1;
	unsigned char c;

	if (off >= sc->len) {
		snprintf(out, cap, "the end of the text");
		return;
	}
	c = sc->s[off];
	if (c == '\0') {
		snprintf(out, cap, "a NUL byte");
		return;
	}
	if (c <= ' ') {
		snprintf(out, cap, c == ' ' ? "' '" : "'\\x%02x'", c);
		return;
	}
	/* a whole UTF-8 sequence, escaped if it is not one */
	if (c >= 0xc0)
		while (n < 4 && off + n < sc->len &&
		    (sc->s[off + n] & 0xc0) == 0x80)
			n++;
	out[0] = '\'';
	efl_printable(out + 1, cap - 2, (const char *)sc->s + off, n);
	strncat(out, "'", cap - strlen(out) - 1);
}

/* Record the first problem: before, what is found at off, after. */
static int
fail_at(struct scan *sc, size_t off, const char *before, const char *after)
{
	char found[24];

	if (sc->err != NULL)
		return -1;
	describe(sc, off, found, sizeof(found));
	snprintf(sc->err_buf, sizeof(sc->err_buf), "%s%s%s", before, found,
	    after);
	sc->err = sc->err_buf;
	sc->err_off = off;
	return -1;
}

static int
fail_text(struct scan *sc, size_t off, const char *text)
{
	if (sc->err != NULL)
		return -1;
	snprintf(sc->err_buf, sizeof(sc->err_buf), "%s", text);
	sc->err = sc->err_buf;
	sc->err_off = off;
	return -1;
}

static void
skip_space(struct scan *sc)
{
	while (sc->i < sc->len && sc->s[sc->i] != '\0' && sc->s[sc->i] <= 32)
		sc->i++;
}

static int
at(const struct scan *sc, unsigned char c)
{
	return sc->i < sc->len && sc->s[sc->i] == c;
}

/* The 4 hex digits at p as cJSON reads them: one that is not a hex digit
 * makes the whole escape 0 (cJSON then stores U+0000). */
static unsigned
hex4(const unsigned char *p)
{
	unsigned v = 0, k;

	for (k = 0; k < 4; k++) {
		v <<= 4;
		if (p[k] >= '0' && p[k] <= '9')
			v |= p[k] - '0';
		else if (p[k] >= 'a' && p[k] <= 'f')
			v |= p[k] - 'a' + 10;
		else if (p[k] >= 'A' && p[k] <= 'F')
			v |= p[k] - 'A' + 10;
		else
			return 0;
	}
	return v;
}

/* A \u escape at off (its backslash) in a string whose closing quote is
 * at end: its length, or -1. */
static int
scan_unicode_escape(struct scan *sc, size_t off, size_t end, int *is_nul)
{
	unsigned hi, lo;

	if (end - off < 6)
		return fail_text(sc, off, "a \\u escape needs 4 hex digits");
	hi = hex4(sc->s + off + 2);
	*is_nul = hi == 0;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return fail_text(sc, off, "a \\u escape holds half of a UTF-16 "
		    "pair only");
	if (hi < 0xd800 || hi > 0xdbff)
		return 6;
	if (end - off < 12 || sc->s[off + 6] != '\\' ||
	    sc->s[off + 7] != 'u' || (lo = hex4(sc->s + off + 8)) < 0xdc00 ||
	    lo > 0xdfff)
		return fail_text(sc, off, "a \\u escape holds half of a UTF-16 "
		    "pair only");
	return 12;
}

/* A string as cJSON reads it: first its closing quote (an escaped
 * character is skipped), then its escapes, up to that quote. */
static int
scan_string(struct scan *sc, int *has_nul)
{
	size_t start = sc->i, end = start + 1, i;
	int esc_len, is_nul;

	*has_nul = 0;
	while (end < sc->len && sc->s[end] != '"')
		end += sc->s[end] == '\\' ? 2 : 1;
	if (end >= sc->len)
		return fail_text(sc, start, "a string that is not closed "
		    "starts here");
	for (i = start + 1; i < end;) {
		if (sc->s[i] != '\\') {
			i++;
			continue;
		}
		switch (sc->s[i + 1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			i += 2;
			break;
		case 'u':
			is_nul = 0;
			esc_len = scan_unicode_escape(sc, i, end, &is_nul);
			if (esc_len < 0)
				return -1;
			*has_nul |= is_nul;
			i += (size_t)esc_len;
			break;
		default:
			return fail_text(sc, i, "an invalid escape in a string "
			    "(\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
		}
	}
	sc->i = end + 1;
	return 0;
}

/* What strtod takes of the run of number characters (cJSON reads the
 * whole run, of any length, since Debian's 1.7.15-1+deb12u4). */
static int
scan_number(struct scan *sc)
{
	char *buf, *end;
	size_t n = 0;

	while (sc->i + n < sc->len &&
	    memchr("0123456789+-.eE", sc->s[sc->i + n], 15) != NULL)
		n++;
	buf = xmalloc(n + 1);
	memcpy(buf, sc->s + sc->i, n);
	buf[n] = '\0';
	(void)strtod(buf, &end);
	n = (size_t)(end - buf);
	free(buf);
	if (n == 0)
		return fail_at(sc, sc->i, "an invalid number at ", "");
	sc->i += n;
	return 0;
}

static int
scan_literal(struct scan *sc)
{
	static const char *const words[] = { "null", "true", "false" };
	size_t k;

	for (k = 0; k < ARRAY_SIZE(words); k++) {
		size_t n = strlen(words[k]);

		if (sc->i + n <= sc->len &&
		    memcmp(sc->s + sc->i, words[k], n) == 0) {
			sc->i += n;
			return 0;
		}
	}
	return fail_at(sc, sc->i, "expected a value (string, number, "
	    "object, array, true, false or null), found ", "");
}

static int
scan_array(struct scan *sc)
{
	sc->i++;
	skip_space(sc);
	if (at(sc, ']')) {
		sc->i++;
		return 0;
	}
	for (;;) {
		if (scan_value(sc, NO_KEY) != 0)
			return -1;
		skip_space(sc);
		if (at(sc, ']')) {
			sc->i++;
			return 0;
		}
		if (!at(sc, ','))
			return fail_at(sc, sc->i, "expected ',' or ']' after "
			    "an array element, found ", "");
		sc->i++;
		skip_space(sc);
		if (at(sc, ']'))
			return fail_text(sc, sc->i, "a ',' before ']' (JSON "
			    "has no trailing commas)");
	}
}

static int
scan_object(struct scan *sc)
{
	sc->i++;
	skip_space(sc);
	if (at(sc, '}')) {
		sc->i++;
		return 0;
	}
	for (;;) {
		size_t key_off = sc->i;
		int has_nul;

		if (!at(sc, '"'))
			return fail_at(sc, sc->i, "expected a key in double "
			    "quotes, found ", "");
		if (scan_string(sc, &has_nul) != 0)
			return -1;
		skip_space(sc);
		if (!at(sc, ':'))
			return fail_at(sc, sc->i, "expected ':' after the key, "
			    "found ", "");
		sc->i++;
		if (scan_value(sc, key_off) != 0)
			return -1;
		skip_space(sc);
		if (at(sc, '}')) {
			sc->i++;
			return 0;
		}
		if (!at(sc, ','))
			return fail_at(sc, sc->i, "expected ',' or '}' after "
			    "a member, found ", "");
		sc->i++;
		skip_space(sc);
		if (at(sc, '}'))
			return fail_text(sc, sc->i, "a ',' before '}' (JSON "
			    "has no trailing commas)");
	}
}

static int
scan_value(struct scan *sc, size_t key_off)
{
	size_t node = sc->n;
	int rc, has_nul = 0;

	skip_space(sc);
	if (sc->record) {
		if (sc->n == sc->cap) {
			sc->cap = sc->cap ? sc->cap * 2 : 64;
			sc->nodes = xrealloc(sc->nodes,
			    sc->cap * sizeof(*sc->nodes));
		}
		sc->nodes[sc->n].key_off = key_off;
		sc->nodes[sc->n].value_off = sc->i;
		sc->nodes[sc->n].has_nul = 0;
		sc->n++;
	}
	if (sc->i >= sc->len || sc->s[sc->i] == '\0')
		return fail_at(sc, sc->i, "expected a value, found ", "");
	switch (sc->s[sc->i]) {
	case '{':
	case '[':
		if (sc->depth >= CJSON_NESTING_LIMIT)
			return fail_text(sc, sc->i, "nested too deeply");
		sc->depth++;
		rc = sc->s[sc->i] == '{' ? scan_object(sc) : scan_array(sc);
		sc->depth--;
		return rc;
	case '"':
		rc = scan_string(sc, &has_nul);
		if (sc->record)
			sc->nodes[node].has_nul = has_nul;
		return rc;
	case '-': case '0': case '1': case '2': case '3': case '4': case '5':
	case '6': case '7': case '8': case '9':
		return scan_number(sc);
	default:
		return scan_literal(sc);
	}
}

/* The whole text: an optional UTF-8 BOM, one value, white space. */
static int
scan_text(struct scan *sc)
{
	if (sc->len >= 3 && memcmp(sc->s, "\xef\xbb\xbf", 3) == 0)
		sc->i = 3;
	if (scan_value(sc, NO_KEY) != 0)
		return -1;
	skip_space(sc);
	if (sc->i < sc->len)
		return fail_at(sc, sc->i, "",
		    " after the end of the JSON value");
	return 0;
}

/* ---- parsing ---- */

cJSON *
efl_json_parse(const char *text, size_t len, size_t *err_off,
    char why[EFL_JSON_WHY_LEN])
{
	const char *end = NULL, *nul;
	struct scan sc;
	cJSON *root;

	/* cJSON takes NUL bytes for white space: refused here */
	if ((nul = memchr(text, '\0', len)) != NULL) {
		*err_off = (size_t)(nul - text);
		snprintf(why, EFL_JSON_WHY_LEN, "a NUL byte (binary data, not "
		    "a JSON text)");
		return NULL;
	}
	/* cJSON wants to see the terminating NUL within the length */
	root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
	if (root != NULL)
		return root;
	memset(&sc, 0, sizeof(sc));
	sc.s = (const unsigned char *)text;
	sc.len = len;
	if (scan_text(&sc) == 0) {
		/* the scanner takes what cJSON refused: cJSON's word */
		sc.err_off = end != NULL && end >= text ?
		    (size_t)(end - text) : 0;
		if (sc.err_off > len)
			sc.err_off = len;
		(void)fail_at(&sc, sc.err_off, "unexpected ", "");
	}
	*err_off = sc.err_off;
	snprintf(why, EFL_JSON_WHY_LEN, "%s", sc.err);
	return NULL;
}

/* ---- the index ---- */

static void
number_items(const cJSON *item, struct ptr_ord *map, size_t max, size_t *n)
{
	for (; item != NULL; item = item->next) {
		if (*n < max)
			map[*n].item = item;
		if (*n < max)
			map[*n].ord = *n;
		(*n)++;
		number_items(item->child, map, max, n);
	}
}

static int
cmp_ptr(const void *a, const void *b)
{
	const struct ptr_ord *x = a, *y = b;

	return x->item < y->item ? -1 : x->item > y->item;
}

struct efl_json_index *
efl_json_index_new(const cJSON *root, const char *text, size_t len)
{
	struct efl_json_index *ix = xcalloc(1, sizeof(*ix));
	struct scan sc;
	size_t count = 0;

	ix->text = text;
	ix->len = len;
	memset(&sc, 0, sizeof(sc));
	sc.s = (const unsigned char *)text;
	sc.len = len;
	sc.record = 1;
	if (scan_text(&sc) != 0 || root == NULL) {
		free(sc.nodes);
		return ix;
	}
	ix->map = xcalloc(sc.n ? sc.n : 1, sizeof(*ix->map));
	/* cJSON's root has no siblings: walking it counts the tree */
	number_items(root, ix->map, sc.n, &count);
	if (count != sc.n) {
		free(ix->map);
		ix->map = NULL;
		free(sc.nodes);
		return ix;
	}
	qsort(ix->map, count, sizeof(*ix->map), cmp_ptr);
	ix->nodes = sc.nodes;
	ix->n = count;
	return ix;
}

void
efl_json_index_free(struct efl_json_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->nodes);
	free(ix->map);
	free(ix);
}

static const struct node *
find(const struct efl_json_index *ix, const cJSON *item)
{
	struct ptr_ord key = { item, 0 }, *hit;

	if (ix->n == 0)
		return NULL;
	hit = bsearch(&key, ix->map, ix->n, sizeof(*ix->map), cmp_ptr);
	return hit != NULL ? &ix->nodes[hit->ord] : NULL;
}

struct efl_json_pos
efl_json_pos_at(const char *text, size_t len, size_t off)
{
	struct efl_json_pos p = { 1, 1 };
	size_t i;

	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			p.line++;
			p.col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			p.col++;
		}
	}
	return p;
}

struct efl_json_pos
efl_json_value_pos(const struct efl_json_index *ix, const cJSON *item)
{
	const struct node *nd = find(ix, item);
	struct efl_json_pos none = { 0, 0 };

	return nd != NULL ? efl_json_pos_at(ix->text, ix->len,
	    nd->value_off) : none;
}

struct efl_json_pos
efl_json_key_pos(const struct efl_json_index *ix, const cJSON *item)
{
	const struct node *nd = find(ix, item);
	struct efl_json_pos none = { 0, 0 };

	if (nd == NULL)
		return none;
	return efl_json_pos_at(ix->text, ix->len, nd->key_off != NO_KEY ?
	    nd->key_off : nd->value_off);
}

int
efl_json_string_has_nul(const struct efl_json_index *ix, const cJSON *item)
{
	const struct node *nd = find(ix, item);

	return nd != NULL && nd->has_nul;
}
