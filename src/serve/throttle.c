/* SPDX-License-Identifier: MIT */
/*
 * Throttling wrong Basic-auth passwords per client address (see serve.h):
 * a small table of addresses with their wrong passwords in a row and
 * lockouts that double. Pure: no sockets, no clock.
 */
#include <netinet/in.h>
#include <string.h>

#include "espfleet/serve.h"

/* The key of a client address: an IPv4 address (v4-mapped too), or the
 * /64 of an IPv6 one (one host can use its whole /64). */
static void
key_of(const struct sockaddr *sa, uint8_t key[9])
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	memset(key, 0, 9);
	if (sa->sa_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1,
		    &((const struct sockaddr_in *)sa)->sin_addr.s_addr, 4);
	} else if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		key[0] = 4;
		memcpy(key + 1, s6->sin6_addr.s6_addr + 12, 4);
	} else if (sa->sa_family == AF_INET6) {
		key[0] = 6;
		memcpy(key + 1, s6->sin6_addr.s6_addr, 8);
	}
}

/* The slot of key, or EFL_THROTTLE_SLOTS. */
static uint32_t
find(const struct efl_throttle *t, const uint8_t key[9])
{
	uint32_t i;

	for (i = 0; i < EFL_THROTTLE_SLOTS; i++)
		if (t->slot[i].used && memcmp(t->slot[i].key, key, 9) == 0)
			break;
	return i;
}

/* A slot for key: its own, a free one, else the one quiet longest. */
static struct efl_throttle_slot *
take(struct efl_throttle *t, const uint8_t key[9])
{
	struct efl_throttle_slot *oldest = &t->slot[0];
	uint32_t i = find(t, key);

	if (i < EFL_THROTTLE_SLOTS)
		return &t->slot[i];
	for (i = 0; i < EFL_THROTTLE_SLOTS; i++) {
		if (!t->slot[i].used) {
			oldest = &t->slot[i];
			break;
		}
		if (t->slot[i].last_ms < oldest->last_ms)
			oldest = &t->slot[i];
	}
	memset(oldest, 0, sizeof(*oldest));
	memcpy(oldest->key, key, 9);
	oldest->used = 1;
	return oldest;
}

uint64_t
efl_throttle_wait(const struct efl_throttle *t, const struct sockaddr *sa,
    uint64_t now_ms)
{
	uint8_t key[9];
	uint32_t i;

	key_of(sa, key);
	i = find(t, key);
	return i < EFL_THROTTLE_SLOTS && t->slot[i].until_ms > now_ms ?
	    t->slot[i].until_ms - now_ms : 0;
}

uint64_t
efl_throttle_failed(struct efl_throttle *t, const struct sockaddr *sa,
    uint64_t now_ms, uint32_t *failures)
{
	uint8_t key[9];
	struct efl_throttle_slot *s;
	uint64_t lock = EFL_THROTTLE_FIRST_MS;
	uint32_t extra;

	key_of(sa, key);
	s = take(t, key);
	if (s->failures > 0 && now_ms - s->last_ms >= EFL_THROTTLE_FORGET_MS)
		s->failures = 0;
	if (s->failures < UINT32_MAX)
		s->failures++;
	s->last_ms = now_ms;
	*failures = s->failures;
	if (s->failures < EFL_THROTTLE_FREE)
		return 0;
	for (extra = s->failures - EFL_THROTTLE_FREE;
	    extra > 0 && lock < EFL_THROTTLE_MAX_MS; extra--)
		lock *= 2;
	if (lock > EFL_THROTTLE_MAX_MS)
		lock = EFL_THROTTLE_MAX_MS;
	s->until_ms = now_ms + lock;
	return lock;
}

void
efl_throttle_passed(struct efl_throttle *t, const struct sockaddr *sa)
{
	uint8_t key[9];
	uint32_t i;

	key_of(sa, key);
	if ((i = find(t, key)) < EFL_THROTTLE_SLOTS)
		memset(&t->slot[i], 0, sizeof(t->slot[i]));
}
