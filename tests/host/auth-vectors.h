/* SPDX-License-Identifier: MIT */
/*
 * The espota authentication test vectors of docs/protocol.md sections 3.1
 * and 3.2 (password "admin"), for the host's unit tests.
 */
#ifndef EFL_TEST_AUTH_VECTORS_H
#define EFL_TEST_AUTH_VECTORS_H

#define TV_NONCE32 "0123456789abcdef0123456789abcdef"
#define TV_CNONCE32 "fedcba9876543210fedcba9876543210"
#define TV_NONCE64 TV_NONCE32 TV_NONCE32
#define TV_CNONCE64 TV_CNONCE32 TV_CNONCE32

/* md5 scheme, MD5 pw_key */
#define TV_MD5_RESPONSE "199cd366606a4c7b55e82b1277ecd8ec"
/* sha256 scheme, SHA-256 pw_key; and with the MD5 pw_key */
#define TV_SHA_RESPONSE \
	"f2c591596d5b9942c3f15cb8290866f4676fc5eec1bba3b040a91f92474fa114"
#define TV_SHA_MD5KEY_RESPONSE \
	"506e9a94cc2374adf7c4f8480beb70ff1a7921bc09681d36b6280b41c004f4d7"

#endif
