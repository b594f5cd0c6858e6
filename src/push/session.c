/* SPDX-License-Identifier: MIT */
/*
 * The transport-neutral vocabulary of device sessions (session.h): phase
 * names, phase changes, what a device's error text means, and the default
 * overall bound of a session.
 */
#include <string.h>

#include "efa/efa_image.h"
#include "espfleet/common.h"
#include "espfleet/session.h"

const char *
efl_phase_name(enum efl_phase p)
{
	static const char *const names[] = {
		"queued", "inviting", "authenticating", "connecting",
		"uploading", "finishing", "verifying", "retry-wait", "done"
	};

	return (unsigned)p < ARRAY_SIZE(names) ? names[p] : "?";
}

uint32_t
efl_device_timeout_ms(uint32_t image_size)
{
	uint64_t ms = (uint64_t)EFL_DEVICE_TIMEOUT_FLOOR_S * 1000u +
	    (uint64_t)image_size * 1000u / EFL_DEVICE_MIN_RATE;

	return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

void
efl_session_set_phase(enum efl_phase *cur,
    const struct efl_session_callbacks *cb, enum efl_phase p)
{
	if (*cur == p)
		return;
	*cur = p;
	if (cb->phase != NULL)
		cb->phase(cb->arg, p);
}

enum efl_result_code
efl_classify_device_text(const char *text)
{
	static const char *const image_texts[] = {
		"Magic byte", "Wrong Magic Byte", "Flash config",
		"Image flash size", "MD5", "gzip image does not inflate",
		"Unknown update command", "Bad Argument",
		EFA_IMAGE_TOO_SHORT_TEXT + 2,   /* without its ": " */
	};
	size_t i;

	if (strstr(text, "Authentication Failed") != NULL)
		return EFL_R_AUTH_FAILED;
	/* the stock cores' and the agent's refusal of a signature that is
	 * missing, or not one of the device's key */
	if (strcasestr(text, "Signature verification failed") != NULL)
		return EFL_R_SIGNATURE_INVALID;
	for (i = 0; i < ARRAY_SIZE(image_texts); i++)
		if (strstr(text, image_texts[i]) != NULL)
			return EFL_R_IMAGE_INVALID;
	/* "Bad Size Given": ESP32 cores say so for an image larger than the
	 * partition (on ESP8266 only for size 0, which espfleet never sends);
	 * the agent's too-short refusal says more (image_texts) */
	if (strstr(text, "Not Enough Space") != NULL ||
	    strstr(text, "Bad Size Given") != NULL)
		return EFL_R_NO_SPACE;
	return EFL_R_DEVICE_ERROR;
}
