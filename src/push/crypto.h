/* SPDX-License-Identifier: MIT */
/*
 * The host's hash provider for the shared espota auth formulas (OpenSSL,
 * much faster than the chip's code for PBKDF2) and its CSPRNG.
 */
#ifndef ESPFLEET_PUSH_CRYPTO_H
#define ESPFLEET_PUSH_CRYPTO_H

#include <stddef.h>

#include "efa/efa_auth.h"

extern const struct efa_crypto efl_crypto_openssl;

/* nhex random lowercase hex digits (nhex even) and a NUL, from the OS
 * CSPRNG through OpenSSL. 0 or -1. */
int efl_random_hex(char *out, size_t nhex);

#endif
