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
 * "pending verify", advertised efa_state=trial, until this is called; a
 * reset before it boots the previous image again, and so does the agent
 * when CONFIG_EFA_HEALTH_TIMEOUT_MS passes first (then efa_state=
 * rolled-back, efa_rejected its MD5); no new update is accepted until
 * then. The agent task makes the call (esp_ota_mark_app_valid_cancel_
 * rollback()) and advertises efa_state=ok; this waits for it, at most
 * 1 s: ESP_OK, ESP_FAIL, or ESP_ERR_TIMEOUT (do not call it from the
 * agent's hooks). Before efa_idf_start() it only tells the bootloader.
 */
esp_err_t efa_idf_mark_healthy(void);

/* The running image's state (EFA_IMAGE_OK, _TRIAL, _ROLLED_BACK). */
enum efa_image_state efa_idf_image_state(void);

/* The agent's state (EFA_IDLE when no update runs). */
enum efa_state efa_idf_state(void);

#endif
