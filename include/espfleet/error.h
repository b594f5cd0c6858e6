/* SPDX-License-Identifier: MIT */
/*
 * Per-target result codes of espfleet: stable strings that appear in JSON
 * reports and man pages and never change meaning. One table gives the name
 * and whether a failure of that kind is worth retrying.
 */
#ifndef ESPFLEET_ERROR_H
#define ESPFLEET_ERROR_H

#include <stddef.h>

/* X(enum suffix, stable code, transient) */
#define EFL_RESULT_CODES(X)                                   \
	X(OK, NULL, 0)                                        \
	X(NO_ANSWER, "no-answer", 1)                          \
	X(AUTH_FAILED, "auth-failed", 0)                      \
	X(DEVICE_ERROR, "device-error", 0)                    \
	X(CONNECT_TIMEOUT, "connect-timeout", 1)              \
	X(TRANSFER_FAILED, "transfer-failed", 1)              \
	X(IMAGE_INVALID, "image-invalid", 0)                  \
	X(NO_SPACE, "no-space", 0)                            \
	X(VERIFY_FAILED, "verify-failed", 0)                  \
	X(NOT_BACK, "not-back", 0)                            \
	X(CANCELED, "canceled", 0)                            \
	X(ROLLED_BACK, "rolled-back", 0)                      \
	X(SIGNATURE_INVALID, "signature-invalid", 0)         \
	X(HALTED, "halted", 0)

enum efl_result_code {
#define EFL_RC_ENUM(name, code, transient) EFL_R_##name,
	EFL_RESULT_CODES(EFL_RC_ENUM)
#undef EFL_RC_ENUM
	EFL_R__COUNT
};

/* "no-answer", ... ; NULL for EFL_R_OK. */
const char *efl_result_code_name(enum efl_result_code rc);

/* 1 if retrying can help (the device did not answer, the connection broke). */
int efl_result_code_transient(enum efl_result_code rc);

/* Caller-owned detail buffer for error messages (anet/libuv style). */
struct efl_errbuf {
	char msg[512];
};

void efl_errbuf_set(struct efl_errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
