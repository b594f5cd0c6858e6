/* SPDX-License-Identifier: MIT */
/*
 * Error names and the two chips' error dialects (see efa_err.h).
 */
#include "efa/efa_err.h"
#include "efa/efa_util.h"

struct err_entry {
	const char *name;
	uint8_t num;
	const char *text8266;
	const char *text32;
};

static const struct err_entry errors[] = {
#define EFA_ERR_ROW(name, num, t8266, t32) { #name, num, t8266, t32 },
	EFA_ERRORS(EFA_ERR_ROW)
#undef EFA_ERR_ROW
};

static const struct err_entry *
lookup(enum efa_err err)
{
	if ((unsigned)err >= (unsigned)EFA_E__COUNT)
		err = EFA_E_ABORTED;
	return &errors[err];
}

const char *
efa_err_name(enum efa_err err)
{
	return lookup(err)->name;
}

const char *
efa_err_text(enum efa_chip chip, enum efa_err err)
{
	const struct err_entry *e = lookup(err);

	return chip == EFA_CHIP_ESP32 ? e->text32 : e->text8266;
}

size_t
efa_err_format(char *out, size_t cap, enum efa_chip chip, enum efa_err err,
    const char *detail)
{
	size_t pos = 0;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	if (chip != EFA_CHIP_ESP32) {
		char num[10];

		pos = efa_append(out, cap, pos, "ERROR[");
		pos = efa_append_n(out, cap, pos, num,
		    efa_u32_dec(num, lookup(err)->num));
		pos = efa_append(out, cap, pos, "]: ");
	}
	pos = efa_append(out, cap, pos, efa_err_text(chip, err));
	if (detail != NULL)
		pos = efa_append(out, cap, pos, detail);
	return efa_append(out, cap, pos,
	    chip == EFA_CHIP_ESP32 ? "\r\n" : "\n");
}
