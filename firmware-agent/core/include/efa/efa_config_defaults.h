/* SPDX-License-Identifier: MIT */
/*
 * Tunables of the agent core. A port overrides any of them by defining
 * EFA_CONFIG_FILE (a header it supplies) or by -D on the command line.
 */
#ifndef EFA_CONFIG_DEFAULTS_H
#define EFA_CONFIG_DEFAULTS_H

#ifdef EFA_CONFIG_FILE
#include EFA_CONFIG_FILE
#endif

/* Flash sector (erase unit) assumed by the ESP8266-style layout. */
#ifndef EFA_SECTOR_SIZE
#define EFA_SECTOR_SIZE 4096u
#endif

/* How long a device waits for the 200 auth datagram after "AUTH <nonce>". */
#ifndef EFA_AUTH_TIMEOUT_MS
#define EFA_AUTH_TIMEOUT_MS 10000u
#endif

/* How long the TCP connect-back to the host may take. */
#ifndef EFA_CONNECT_TIMEOUT_MS
#define EFA_CONNECT_TIMEOUT_MS 10000u
#endif

/* Silence on the data connection before the update is abandoned. */
#ifndef EFA_DATA_TIMEOUT_MS
#define EFA_DATA_TIMEOUT_MS 10000u
#endif

/* ESP8266 waits this long after the last count before sending "OK", so the
 * count and the OK do not merge (stock espota.py compares "OK" exactly). */
#ifndef EFA_ESP8266_OK_DELAY_MS
#define EFA_ESP8266_OK_DELAY_MS 1000u
#endif

/* Pause between the final "OK" and the reboot request, to let TCP flush. */
#ifndef EFA_REBOOT_DELAY_MS
#define EFA_REBOOT_DELAY_MS 100u
#endif

/* Failed-authentication throttle: this many failures are free (the ESP32
 * >= 3.3.1 host legitimately fails once before its MD5-key fallback); the
 * next one locks invitations out, for EFA_AUTH_THROTTLE_BASE_MS doubling
 * with each lock-out up to _MAX_MS. When a lock-out ends, the free failures
 * come back; a success resets everything. */
#ifndef EFA_AUTH_FREE_FAILURES
#define EFA_AUTH_FREE_FAILURES 1u
#endif
#ifndef EFA_AUTH_THROTTLE_BASE_MS
#define EFA_AUTH_THROTTLE_BASE_MS 1000u
#endif
#ifndef EFA_AUTH_THROTTLE_MAX_MS
#define EFA_AUTH_THROTTLE_MAX_MS 64000u
#endif

/* A new image runs on trial until the application confirms it. The core's
 * flash writer rolls back an image that has been started this many times
 * without a confirmation (a crash loop), i.e. at its EFA_TRIAL_BOOTS-th
 * restart (at most 16). */
#ifndef EFA_TRIAL_BOOTS
#define EFA_TRIAL_BOOTS 3u
#endif

/* ...and the agent gives it up when it has run this long (ms of uptime)
 * without a confirmation (struct efa_agent_config trial_ms overrides it). */
#ifndef EFA_TRIAL_MS
#define EFA_TRIAL_MS 300000u
#endif

/* PBKDF2 iterations of the ESP32 >= 3.3.1 scheme (docs/protocol.md 3.2). */
#ifndef EFA_PBKDF2_ITERATIONS
#define EFA_PBKDF2_ITERATIONS 10000u
#endif

/* Longest reply text the agent builds (UDP "ERR: ..." or TCP error text). */
#ifndef EFA_TEXT_MAX
#define EFA_TEXT_MAX 160u
#endif

#endif
