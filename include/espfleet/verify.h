/* SPDX-License-Identifier: MIT */
/*
 * Verification after reboot: after a device's final "OK", wait (bounded) for
 * it to come back on mDNS and check what it runs. A device advertising the
 * agent's running-image MD5 is "verified" when that equals the pushed image
 * and, if it says the image's state (efa_state), the image is confirmed
 * (not on trial any more); "rolled-back" when it gave the pushed image up
 * (efa_state=rolled-back, efa_rejected the pushed MD5); "verify-failed"
 * when it came back with another image or still on trial at the deadline;
 * a stock device is "rebooted" when it came back; one that never comes
 * back is "not-back". A target mDNS does not know (or no avahi-daemon) is
 * "unverified".
 */
#ifndef ESPFLEET_VERIFY_H
#define ESPFLEET_VERIFY_H

#include <stddef.h>
#include <stdint.h>

struct efl_target;

enum efl_verify_outcome {
	EFL_VERIFY_VERIFIED = 0,  /* agent MD5 == pushed MD5 */
	EFL_VERIFY_REBOOTED,      /* stock device came back */
	EFL_VERIFY_UNVERIFIED,    /* not known to mDNS: no check possible */
	EFL_VERIFY_OLD_IMAGE,     /* came back with another MD5 */
	EFL_VERIFY_NOT_BACK,      /* did not come back in time */
	EFL_VERIFY_ROLLED_BACK,   /* gave the new image up, runs the old */
	EFL_VERIFY_UNCONFIRMED    /* runs the new image, still on trial */
};

typedef void (*efl_verify_cb)(void *arg, enum efl_verify_outcome outcome,
    const char *detail);

struct efl_verifier {
	/* Can this target be checked? (known to mDNS). */
	int (*knows)(struct efl_verifier *v, const struct efl_target *t);
	/* Note the target's state before its update starts. */
	void (*before)(struct efl_verifier *v, const struct efl_target *t);
	/* After the device's OK: call cb exactly once (maybe synchronously). */
	void (*watch)(struct efl_verifier *v, const struct efl_target *t,
	    const char *image_md5, uint32_t timeout_ms, efl_verify_cb cb,
	    void *arg);
	/* Stop watching for arg (no callback afterwards). */
	void (*cancel)(struct efl_verifier *v, void *arg);
	/* A soak (push --wave-pause): mark the device's record now (-1 when
	 * mDNS does not know it); at the end, check that it still runs
	 * image_md5 and neither rebooted, disappeared nor rolled back since
	 * the mark: EFL_VERIFY_VERIFIED, or the failure with detail. */
	int (*soak_mark)(struct efl_verifier *v, const struct efl_target *t,
	    uint32_t *mark);
	enum efl_verify_outcome (*soak_check)(struct efl_verifier *v,
	    const struct efl_target *t, const char *image_md5, uint32_t mark,
	    char *detail, size_t cap);
};

#endif
