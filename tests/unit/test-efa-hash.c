/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the core's hash primitives (efa_hash.h): MD5, SHA-256,
 * HMAC-SHA256 and PBKDF2-HMAC-SHA256 against the published test vectors,
 * plus streaming equivalence across block and padding boundaries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "efa/efa_hash.h"

/* Lowercase hex of in[0..len) into out (2 * len + 1 bytes). */
static void
tohex(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static void
check_md5(const void *msg, size_t len, const char *want)
{
	uint8_t d[EFA_MD5_LEN];
	char h[2 * EFA_MD5_LEN + 1];

	efa_md5(msg, len, d);
	tohex(h, d, sizeof(d));
	assert_string_equal(h, want);
}

static void
check_sha256(const void *msg, size_t len, const char *want)
{
	uint8_t d[EFA_SHA256_LEN];
	char h[2 * EFA_SHA256_LEN + 1];

	efa_sha256(msg, len, d);
	tohex(h, d, sizeof(d));
	assert_string_equal(h, want);
}

struct text_vec {
	const char *msg;
	const char *digest;
};

/* RFC 1321 appendix A.5. */
static void
test_md5_rfc1321_suite(void **state)
{
	static const struct text_vec v[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz",
		    "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789", "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890"
		    "1234567890123456789012345678901234567890",
		    "57edf4a22be3c955ac49da2e2107b67a" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		check_md5(v[i].msg, strlen(v[i].msg), v[i].digest);
}

/* FIPS 180-4 examples (and the empty message). */
static void
test_sha256_fips_vectors(void **state)
{
	static const struct text_vec v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb924"
		    "27ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223"
		    "b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "248d6a61d20638b8e5c026930c3e6039"
		    "a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		    "cf5b16a778af8380036ce59e7b049237"
		    "0b249b11e8f07a51afac45037afee9d1" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		check_sha256(v[i].msg, strlen(v[i].msg), v[i].digest);
}

/* One million 'a' fed in odd-sized pieces from a small buffer. */
static void
test_million_a_in_pieces(void **state)
{
	static const size_t piece[] = { 1, 7, 55, 64, 65, 127, 333, 511 };
	uint8_t buf[512], d[EFA_SHA256_LEN];
	char h[2 * EFA_SHA256_LEN + 1];
	struct efa_md5 m;
	struct efa_sha256 s;
	size_t left = 1000000, k = 0, n;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	efa_md5_init(&m);
	efa_sha256_init(&s);
	while (left > 0) {
		n = piece[k];
		if (n > left)
			n = left;
		efa_md5_update(&m, buf, n);
		efa_sha256_update(&s, buf, n);
		left -= n;
		k = (k + 1) & 7;
	}
	efa_md5_final(&m, d);
	tohex(h, d, EFA_MD5_LEN);
	assert_string_equal(h, "7707d6ae4e027c70eea2a935c2296f21");
	efa_sha256_final(&s, d);
	tohex(h, d, EFA_SHA256_LEN);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
}

/* Messages of n 'a' around the padding boundaries (55/56 bytes leave room
 * or not for the length; 63/64/65 cross a block). */
static void
test_padding_boundaries(void **state)
{
	static const struct {
		size_t n;
		const char *md5, *sha256;
	} v[] = {
		{ 55, "ef1772b6dff9a122358552954ad0df65",
		    "9f4390f8d30c2dd92ec9f095b65e2b9a"
		    "e9b0a925a5258e241c9f1e910f734318" },
		{ 56, "3b0c8ac703f828b04c6c197006d17218",
		    "b35439a4ac6f0948b6d6f9e3c6af0f5f"
		    "590ce20f1bde7090ef7970686ec6738a" },
		{ 57, "652b906d60af96844ebd21b674f35e93",
		    "f13b2d724659eb3bf47f2dd6af1accc8"
		    "7b81f09f59f2b75e5c0bed6589dfe8c6" },
		{ 63, "b06521f39153d618550606be297466d5",
		    "7d3e74a05d7db15bce4ad9ec0658ea98"
		    "e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "014842d480b571495a4a0363793f7367",
		    "ffe054fe7ae0cb6dc65c3af9b61d5209"
		    "f439851db43d0ba5997337df154668eb" },
		{ 65, "c743a45e0d2e6a95cb859adae0248435",
		    "635361c48bb9eab14198e76ea8ab7f1a"
		    "41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "8a7bd0732ed6a28ce75f6dabc90e1613",
		    "31eba51c313a5c08226adf18d4a359cf"
		    "dfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "5f61c0ccad4cac44c75ff505e1f1e537",
		    "2f3d335432c70b580af0e8e1b3674a7c"
		    "020d683aa5f73aaaedfdc55af904c21c" },
		{ 128, "e510683b3f5ffe4093d021808bc6ff70",
		    "6836cf13bac400e9105071cd6af47084"
		    "dfacad4e5e302c94bfed24e013afb73e" },
	};
	uint8_t buf[128];
	size_t i;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		check_md5(buf, v[i].n, v[i].md5);
		check_sha256(buf, v[i].n, v[i].sha256);
	}
}

#define MSG_LEN 200

static void
fill_msg(uint8_t *msg)
{
	size_t i;

	for (i = 0; i < MSG_LEN; i++)
		msg[i] = (uint8_t)((i << 3) ^ (i >> 2) ^ 0x5a);
}

/* Split points at and around the block and padding boundaries. */
static const size_t splits[] = {
	0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 199, 200
};
#define NSPLITS (sizeof(splits) / sizeof(splits[0]))

/* Same digest for one call, every two- and three-piece split, and byte by
 * byte. */
static void
test_md5_streaming_equivalence(void **state)
{
	uint8_t msg[MSG_LEN], ref[EFA_MD5_LEN], d[EFA_MD5_LEN];
	struct efa_md5 ctx;
	size_t a, b, i;

	(void)state;
	fill_msg(msg);
	efa_md5(msg, MSG_LEN, ref);
	for (a = 0; a < NSPLITS; a++) {
		for (b = a; b < NSPLITS; b++) {
			efa_md5_init(&ctx);
			efa_md5_update(&ctx, msg, splits[a]);
			efa_md5_update(&ctx, msg + splits[a],
			    splits[b] - splits[a]);
			efa_md5_update(&ctx, msg + splits[b],
			    MSG_LEN - splits[b]);
			efa_md5_final(&ctx, d);
			assert_memory_equal(d, ref, sizeof(ref));
		}
	}
	efa_md5_init(&ctx);
	for (i = 0; i < MSG_LEN; i++)
		efa_md5_update(&ctx, msg + i, 1);
	efa_md5_final(&ctx, d);
	assert_memory_equal(d, ref, sizeof(ref));
}

static void
test_sha256_streaming_equivalence(void **state)
{
	uint8_t msg[MSG_LEN], ref[EFA_SHA256_LEN], d[EFA_SHA256_LEN];
	struct efa_sha256 ctx;
	size_t a, b, i;

	(void)state;
	fill_msg(msg);
	efa_sha256(msg, MSG_LEN, ref);
	for (a = 0; a < NSPLITS; a++) {
		for (b = a; b < NSPLITS; b++) {
			efa_sha256_init(&ctx);
			efa_sha256_update(&ctx, msg, splits[a]);
			efa_sha256_update(&ctx, msg + splits[a],
			    splits[b] - splits[a]);
			efa_sha256_update(&ctx, msg + splits[b],
			    MSG_LEN - splits[b]);
			efa_sha256_final(&ctx, d);
			assert_memory_equal(d, ref, sizeof(ref));
		}
	}
	efa_sha256_init(&ctx);
	for (i = 0; i < MSG_LEN; i++)
		efa_sha256_update(&ctx, msg + i, 1);
	efa_sha256_final(&ctx, d);
	assert_memory_equal(d, ref, sizeof(ref));
}

/* A context is reusable after final + init. */
static void
test_context_reuse(void **state)
{
	uint8_t d[EFA_SHA256_LEN];
	char h[2 * EFA_SHA256_LEN + 1];
	struct efa_md5 m;
	struct efa_sha256 s;

	(void)state;
	efa_md5_init(&m);
	efa_md5_update(&m, "message digest", 14);
	efa_md5_final(&m, d);
	efa_md5_init(&m);
	efa_md5_update(&m, "abc", 3);
	efa_md5_final(&m, d);
	tohex(h, d, EFA_MD5_LEN);
	assert_string_equal(h, "900150983cd24fb0d6963f7d28e17f72");
	efa_sha256_init(&s);
	efa_sha256_update(&s, "message digest", 14);
	efa_sha256_final(&s, d);
	efa_sha256_init(&s);
	efa_sha256_update(&s, "abc", 3);
	efa_sha256_final(&s, d);
	tohex(h, d, EFA_SHA256_LEN);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}

static void
check_hmac(const uint8_t *key, size_t key_len, const void *data,
    size_t data_len, const char *want)
{
	struct efa_hmac_sha256 ctx;
	uint8_t d[EFA_SHA256_LEN];
	char h[2 * EFA_SHA256_LEN + 1];

	efa_hmac_sha256_init(&ctx, key, key_len);
	efa_hmac_sha256_update(&ctx, data, data_len);
	efa_hmac_sha256_final(&ctx, d);
	tohex(h, d, sizeof(d));
	assert_string_equal(h, want);
}

/* RFC 4231 test cases 1-4 (short keys). */
static void
test_hmac_rfc4231_short_keys(void **state)
{
	uint8_t key[25], data[50];
	size_t i;

	(void)state;
	memset(key, 0x0b, 20);
	check_hmac(key, 20, "Hi There", 8,
	    "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");
	check_hmac((const uint8_t *)"Jefe", 4,
	    "what do ya want for nothing?", 28,
	    "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	check_hmac(key, 20, data, 50,
	    "773ea91e36800e46854db8ebd09181a7"
	    "2959098b3ef8c122d9635514ced565fe");
	for (i = 0; i < 25; i++)
		key[i] = (uint8_t)(i + 1);
	memset(data, 0xcd, 50);
	check_hmac(key, 25, data, 50,
	    "82558a389a443c0ea4cc819899f2083a"
	    "85f0faa3e578f8077a2e3ff46729665b");
}

/* RFC 4231 test cases 6 and 7: a 131-byte key is hashed first. */
static void
test_hmac_rfc4231_long_key(void **state)
{
	static const char tc6[] =
	    "Test Using Larger Than Block-Size Key - Hash Key First";
	static const char tc7[] =
	    "This is a test using a larger than block-size key and a larger "
	    "than block-size data. The key needs to be hashed before being "
	    "used by the HMAC algorithm.";
	uint8_t key[131];

	(void)state;
	memset(key, 0xaa, sizeof(key));
	check_hmac(key, sizeof(key), tc6, sizeof(tc6) - 1,
	    "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54");
	check_hmac(key, sizeof(key), tc7, sizeof(tc7) - 1,
	    "9b09ffa71b942fcb27635fbcd5b0e944"
	    "bfdc63644f0713938a7f51535c3a35e2");
}

/* Keys of exactly one block (used as is) and one byte more (hashed), the
 * empty key, and data fed in pieces (values from Python's hmac). */
static void
test_hmac_key_boundaries_and_streaming(void **state)
{
	static const char tc7[] =
	    "This is a test using a larger than block-size key and a larger "
	    "than block-size data. The key needs to be hashed before being "
	    "used by the HMAC algorithm.";
	struct efa_hmac_sha256 ctx;
	uint8_t key[131], d[EFA_SHA256_LEN];
	char h[2 * EFA_SHA256_LEN + 1];
	size_t i;

	(void)state;
	memset(key, 'k', 65);
	check_hmac(key, 64, "msg", 3,
	    "d62ad25bb128e96ab6ef43464aaf2bb9"
	    "1b5b85f013381e9ba6be747e8d0911b2");
	check_hmac(key, 65, "msg", 3,
	    "c65585780e821bd312cfaa440c33cb28"
	    "d6af6b323d4977ae83934834ce589e38");
	check_hmac(key, 0, "", 0,
	    "b613679a0814d9ec772f95d778c35fc5"
	    "ff1697c493715653c6c712144292c5ad");
	memset(key, 0xaa, sizeof(key));
	efa_hmac_sha256_init(&ctx, key, sizeof(key));
	for (i = 0; i + 13 < sizeof(tc7) - 1; i += 13)
		efa_hmac_sha256_update(&ctx, tc7 + i, 13);
	efa_hmac_sha256_update(&ctx, tc7 + i, sizeof(tc7) - 1 - i);
	efa_hmac_sha256_final(&ctx, d);
	tohex(h, d, sizeof(d));
	assert_string_equal(h, "9b09ffa71b942fcb27635fbcd5b0e944"
	    "bfdc63644f0713938a7f51535c3a35e2");
}

static void
check_pbkdf2(const char *pw, size_t pw_len, const char *salt,
    size_t salt_len, uint32_t c, size_t dk_len, const char *want)
{
	uint8_t dk[64];
	char h[2 * sizeof(dk) + 1];

	assert_true(dk_len <= sizeof(dk));
	memset(dk, 0xee, sizeof(dk));
	efa_pbkdf2_sha256(pw, pw_len, salt, salt_len, c, dk, dk_len);
	tohex(h, dk, dk_len);
	assert_string_equal(h, want);
	/* Nothing written past dk_len. */
	if (dk_len < sizeof(dk))
		assert_int_equal(dk[dk_len], 0xee);
}

/* Published PBKDF2-HMAC-SHA256 vectors (RFC 7914 section 11 and the
 * widely used RFC 6070-style set for SHA-256). */
static void
test_pbkdf2_published_vectors(void **state)
{
	(void)state;
	check_pbkdf2("password", 8, "salt", 4, 1, 32,
	    "120fb6cffcf8b32c43e7225256c4f837"
	    "a86548c92ccc35480805987cb70be17b");
	check_pbkdf2("password", 8, "salt", 4, 2, 32,
	    "ae4d0c95af6b46d32d0adff928f06dd0"
	    "2a303f8ef3c251dfd6e2d85a95474c43");
	check_pbkdf2("password", 8, "salt", 4, 4096, 32,
	    "c5e478d59288c841aa530db6845c4c8d"
	    "962893a001ce4e11a4963873aa98134a");
	check_pbkdf2("passwordPASSWORDpassword", 24,
	    "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096, 40,
	    "348c89dbcbd32b2f32d814b8116e84cf2b17347e"
	    "bc1800181c4e2a1fb8dd53e1c635518c7dac47e9");
	check_pbkdf2("pass\0word", 9, "sa\0lt", 5, 4096, 16,
	    "89b69d0516f829893c696226650a8687");
	check_pbkdf2("passwd", 6, "salt", 4, 1, 64,
	    "55ac046e56e3089fec1691c22544b605"
	    "f94185216dde0465e68b9d57c20dacbc"
	    "49ca9cccf179b645991664b39d77ef31"
	    "7c71b845b1e30bd509112041d3a19783");
}

/* Any out_len: a shorter output is a prefix of a longer one. */
static void
test_pbkdf2_any_length(void **state)
{
	static const size_t lens[] = { 1, 31, 32, 33, 63 };
	uint8_t full[64], part[64];
	size_t i;

	(void)state;
	efa_pbkdf2_sha256("passwd", 6, "salt", 4, 3, full, sizeof(full));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(part, 0, sizeof(part));
		efa_pbkdf2_sha256("passwd", 6, "salt", 4, 3, part, lens[i]);
		assert_memory_equal(part, full, lens[i]);
		assert_int_equal(part[lens[i]], 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md5_rfc1321_suite),
		cmocka_unit_test(test_sha256_fips_vectors),
		cmocka_unit_test(test_million_a_in_pieces),
		cmocka_unit_test(test_padding_boundaries),
		cmocka_unit_test(test_md5_streaming_equivalence),
		cmocka_unit_test(test_sha256_streaming_equivalence),
		cmocka_unit_test(test_context_reuse),
		cmocka_unit_test(test_hmac_rfc4231_short_keys),
		cmocka_unit_test(test_hmac_rfc4231_long_key),
		cmocka_unit_test(test_hmac_key_boundaries_and_streaming),
		cmocka_unit_test(test_pbkdf2_published_vectors),
		cmocka_unit_test(test_pbkdf2_any_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
