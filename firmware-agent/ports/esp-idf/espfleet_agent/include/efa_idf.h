/* SPDX-License-Identifier: MIT */
/*
 * ESP-IDF port of the espfleet agent: one task that runs the portable core
 * over lwIP sockets, esp_ota_* and the mdns component. The application
 * starts it once Wi-Fi is up and confirms a new image when it is healthy.
 */
#ifndef EFA_IDF_H
#define EFA_IDF_H

#include <stdint.h>

#include "esp_err.h"

#include "efa/efa_agent.h"

struct efa_idf_config {
	uint16_t port;                /* OTA UDP port */
	const char *hostname;         /* NULL/"": esp32-<mac> */
	const char *board;            /* TXT board */
	enum efa_auth_scheme auth;
	const char *password_hash;    /* hex MD5 / SHA-256 of the password */
	int require_arm;              /* updates only inside a window */
	/* Run in the agent task. on_start: put the system in its safe
	 * state; non-zero refuses the update ("device busy"). */
	struct efa_hooks hooks;
};

/* cfg from menuconfig ("espfleet agent"), no hooks. */
void efa_idf_config_default(struct efa_idf_config *cfg);

/*
 * Start the agent task: UDP port, mDNS (stock ArduinoOTA keys + the
 * agent's keys: running image MD5, version, free space). Call once, after
 * the network is up and mdns may be initialised. ESP_ERR_INVALID_ARG for a
 * password hash that does not fit the scheme, ESP_ERR_INVALID_STATE when
 * already started, or the socket/task error.
 */
esp_err_t efa_idf_start(const struct efa_idf_config *cfg);

/* Open the update window for ms milliseconds (any task). */
void efa_idf_arm(uint32_t ms);

/*
 * The application's health check passed: keep this image. After an
 * update (with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE) the new image runs
 * "pending verify" until this is called; a reset before it boots the
 * previous image again, and no new update is accepted until then.
 * Wraps esp_ota_mark_app_valid_cancel_rollback().
 */
esp_err_t efa_idf_mark_healthy(void);

/* The agent's state (EFA_IDLE when no update runs). */
enum efa_state efa_idf_state(void);

#endif
