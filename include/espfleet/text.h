/* SPDX-License-Identifier: MIT */
/*
 * Text that came from devices or the network, made safe to show: for a
 * terminal (control bytes, escapes and bidi controls neutralised), for
 * JSON (valid UTF-8 only) and for XML and HTML (characters XML can carry,
 * markup escaped). One place for all, used by every module.
 */
#ifndef ESPFLEET_TEXT_H
#define ESPFLEET_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Copy in[0..len) to out (cap bytes, always NUL-terminated) for a
 * terminal: printable ASCII and valid UTF-8 are kept; control bytes, DEL,
 * C1 controls, bidi controls, '\\' and invalid UTF-8 become \xNN (per
 * byte). Trailing CR, LF, spaces and NULs are dropped. Stops at the last
 * whole character that fits.
 */
void efl_printable(char *out, size_t cap, const char *in, size_t len);

/* 1 if efl_printable would show in[0..len) unchanged (valid UTF-8 with
 * no control or bidi characters and no '\\'), 0 otherwise. */
int efl_text_is_clean(const char *in, size_t len);

/* A new string for JSON: valid UTF-8 kept (the JSON writer escapes control
 * characters), invalid bytes as \xNN. Owned by the caller. */
char *efl_json_text(const char *in);

/*
 * Write in as XML (or HTML) character data, valid both in element text and
 * in attribute values: & < > " ' as entities, TAB, LF and CR as character
 * references; what efl_printable would escape (other control characters,
 * C1 and bidi controls, invalid UTF-8) and U+FFFE/U+FFFF, which XML cannot
 * carry, as \xNN per byte. '\\' stays as it is: text from espfleet's JSON
 * was made printable once already.
 */
void efl_xml_put(FILE *fp, const char *in);

/* Columns that text made by efl_printable takes: its code points. */
size_t efl_text_width(const char *s);

/* ms as seconds for a message, without false precision or rounding:
 * 10000 -> "10", 300 -> "0.3", 2500 -> "2.5", 1250 -> "1.25". */
#define EFL_SECONDS_TEXT_LEN 16
void efl_seconds_text(char out[EFL_SECONDS_TEXT_LEN], uint32_t ms);

#endif
