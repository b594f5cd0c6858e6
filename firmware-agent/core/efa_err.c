/* SPDX-License-Identifier: MIT */
/*
 * Error names and the two chips' error dialects (see efa_err.h).
 */
#include "efa/efa_err.h"
#include "efa/efa_util.h"

/* One array per column (no padding): index = enum efa_err. */
static const char *const names[] = {
#define EFA_ERR_NAME(name, num, t8266, t32) #name,
	EFA_ERRORS(EFA_ERR_NAME)
#undef EFA_ERR_NAME
};
static const uint8_t nums[] = {
#define EFA_ERR_NUM(name, num, t8266, t32) num,
	EFA_ERRORS(EFA_ERR_NUM)
#undef EFA_ERR_NUM
};
static const char *const texts[2][EFA_E__COUNT] = {
	{
#define EFA_ERR_T8266(name, num, t8266, t32) t8266,
		EFA_ERRORS(EFA_ERR_T8266)
#undef EFA_ERR_T8266
	}, {
#define EFA_ERR_T32(name, num, t8266, t32) t32,
		EFA_ERRORS(EFA_ERR_T32)
#undef EFA_ERR_T32
	}
};

/* err, or EFA_E_ABORTED for a value outside the enum. */
static unsigned
known(enum efa_err err)
{
	return (unsigned)err < (unsigned)EFA_E__COUNT ? (unsigned)err :
	    (unsigned)EFA_E_ABORTED;
}

const char *
efa_err_name(enum efa_err err)
{
	return names[known(err)];
}

const char *
efa_err_text(enum efa_chip chip, enum efa_err err)
{
	return texts[chip == EFA_CHIP_ESP32][known(err)];
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
		    efa_u32_dec(num, nums[known(err)]));
		pos = efa_append(out, cap, pos, "]: ");
	}
	pos = efa_append(out, cap, pos, efa_err_text(chip, err));
	if (detail != NULL)
		pos = efa_append(out, cap, pos, detail);
	return efa_append(out, cap, pos,
	    chip == EFA_CHIP_ESP32 ? "\r\n" : "\n");
}
