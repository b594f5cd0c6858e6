/* SPDX-License-Identifier: MIT */
/*
 * Where things are in a JSON text, for messages that name a file's line
 * and column. cJSON keeps no positions: after a successful parse, the index
 * scans the same text once more and pairs every value of the tree (and the
 * key of every object member) with its offset, in document order, which is
 * also the order of cJSON's tree.
 */
#ifndef ESPFLEET_JSON_POS_H
#define ESPFLEET_JSON_POS_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* 1-based line and column (columns count characters: UTF-8 sequences and
 * tabs count one). line 0: unknown. */
struct efl_json_pos {
	uint32_t line, col;
};

struct efl_json_index;

/* text[0..len) is what root was parsed from (efl_json_parse).
 * Never NULL; if the text and the tree disagree (they cannot when root
 * came from text), every position is unknown. */
struct efl_json_index *efl_json_index_new(const struct cJSON *root,
    const char *text, size_t len);
void efl_json_index_free(struct efl_json_index *ix);

/* Where item's value starts. */
struct efl_json_pos efl_json_value_pos(const struct efl_json_index *ix,
    const struct cJSON *item);
/* Where item's key starts (an object member), else its value. */
struct efl_json_pos efl_json_key_pos(const struct efl_json_index *ix,
    const struct cJSON *item);
/* 1 if item is a string whose text holds a \u escape that cJSON reads
 * as U+0000 (\u0000, or one with a digit that is not hex): its
 * valuestring then ends there and the rest of the string is lost. */
int efl_json_string_has_nul(const struct efl_json_index *ix,
    const struct cJSON *item);

/* Line and column of byte offset off in text[0..len). */
struct efl_json_pos efl_json_pos_at(const char *text, size_t len,
    size_t off);

/*
 * Parse text[0..len) (any bytes; text[len] must be a NUL) with cJSON; a
 * NUL byte in the text is refused. NULL if it is
 * not JSON, with *err_off the offset cJSON stopped at (len: the end of the
 * text) and why[] a short description of what is there ("unexpected '}'",
 * "unexpected end of the text").
 */
#define EFL_JSON_WHY_LEN 128
struct cJSON *efl_json_parse(const char *text, size_t len, size_t *err_off,
    char why[EFL_JSON_WHY_LEN]);

#endif
