/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the JSON positions (src/core/json-pos.c), whose
 * scanner must read exactly the grammar cJSON reads: on any text, cJSON
 * accepts it exactly when the scanner does (so every refusal is explained
 * by the scanner, at a position inside the text); for an accepted text
 * every value and key of cJSON's tree has a position, and the character
 * there starts that kind of value ('{' for an object, '"' for a string or
 * a key, ...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/json-pos.c"
#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
violation(const char *what)
{
	fprintf(stderr, "CONTRACT VIOLATION: %s\n", what);
	fuzz_abort();
}

/* The byte offset of a line and column: the first byte that is not a
 * UTF-8 continuation after col - 1 such bytes of its line (values and
 * keys start with ASCII characters). */
static size_t
offset_of(const char *text, size_t len, struct efl_json_pos p)
{
	size_t i = 0, line = 1, starts = 0;

	while (i < len && line < p.line)
		if (text[i++] == '\n')
			line++;
	for (; i < len && text[i] != '\n'; i++) {
		if (((unsigned char)text[i] & 0xc0) == 0x80)
			continue;
		if (starts++ == p.col - 1)
			return i;
	}
	return len;
}

static void
check_item(const struct efl_json_index *ix, const cJSON *item,
    const char *text, size_t len, int in_object)
{
	struct efl_json_pos p;
	size_t off;
	char c;

	for (; item != NULL; item = item->next) {
		p = efl_json_value_pos(ix, item);
		if (p.line == 0)
			violation("a value without a position");
		off = offset_of(text, len, p);
		if (off >= len)
			violation("a value position past the text");
		c = text[off];
		if ((cJSON_IsObject(item) && c != '{') ||
		    (cJSON_IsArray(item) && c != '[') ||
		    (cJSON_IsString(item) && c != '"') ||
		    (cJSON_IsNumber(item) && c != '-' &&
		    (c < '0' || c > '9')) ||
		    (cJSON_IsTrue(item) && c != 't') ||
		    (cJSON_IsFalse(item) && c != 'f') ||
		    (cJSON_IsNull(item) && c != 'n'))
			violation("the value's position holds another kind");
		if (in_object) {
			p = efl_json_key_pos(ix, item);
			off = offset_of(text, len, p);
			if (p.line == 0 || off >= len || text[off] != '"')
				violation("a key position not at a '\"'");
		}
		check_item(ix, item->child, text, len, cJSON_IsObject(item));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), why[EFL_JSON_WHY_LEN];
	struct efl_json_index *ix;
	struct scan sc;
	size_t off = (size_t)-1;
	cJSON *root;
	int scanned;

	memcpy(text, data, size);
	text[size] = '\0';
	root = efl_json_parse(text, size, &off, why);
	memset(&sc, 0, sizeof(sc));
	sc.s = (const unsigned char *)text;
	sc.len = size;
	scanned = memchr(text, '\0', size) == NULL && scan_text(&sc) == 0;
	if (root == NULL) {
		if (scanned)
			violation("cJSON refused what the scanner took");
		if (off > size || why[0] == '\0')
			violation("a refusal without position or reason");
		free(text);
		return 0;
	}
	if (!scanned)
		violation("the scanner refused what cJSON took");
	ix = efl_json_index_new(root, text, size);
	check_item(ix, root, text, size, 0);
	efl_json_index_free(ix);
	cJSON_Delete(root);
	free(text);
	return 0;
}
