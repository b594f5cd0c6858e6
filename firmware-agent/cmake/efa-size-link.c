/* SPDX-License-Identifier: MIT */
/*
 * Size probe: references every entry point a device port calls, so that
 * linking it with efa_core and --gc-sections (firmware-agent/CMakeLists.txt)
 * measures what the core really adds to a firmware. EFA_SIZE_WITH_FLASH
 * adds the flash writer and the boot swap (a port without Update/esp_ota),
 * and leaves out what only a port over the chip's Updater calls
 * (efa_err_from_updater) and the names made for logs (efa_err_name);
 * efa_agent_state_name is for hosts and tests, no port calls it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "efa/efa_agent.h"
#include "efa/efa_flash.h"
#include "efa/efa_port.h"
#include "efa/efa_upload.h"

/* The state a port keeps in static RAM; the I/O buffer is the caller's. */
static struct efa_agent agent;
#ifdef EFA_SIZE_WITH_FLASH
static struct efa_flashwriter fw;
#endif

struct efa_size_port {
	const struct efa_agent_config *cfg;
	const struct efa_net_ops *net;
	const struct efa_sink_ops *sink;
	const struct efa_hooks *hooks;
	const struct efa_flash_ops *flash;
	const struct efa_flash_layout *layout;
	uint8_t *iobuf;
	uint32_t iobuf_len;
	const char *password;
	char *pw_key;
	const struct efa_txt_info *txt_info;
	char *hostname;
	const uint8_t *mac;
};

uint32_t efa_size_entry(const struct efa_size_port *p, const uint8_t *pkt,
    size_t len, uint32_t now);

uint32_t
efa_size_entry(const struct efa_size_port *p, const uint8_t *pkt,
    size_t len, uint32_t now)
{
	const struct efa_sink_ops *sink = p->sink;
	void *sink_ctx = NULL;
	uint32_t r = 0;
	struct efa_addr from;
	struct efa_txt txt;  /* a port passes it to its mDNS library */

#ifdef EFA_SIZE_WITH_FLASH
	struct efa_running running;
	enum efa_err err;

	if (efa_boot_run(p->flash, NULL, p->layout, p->iobuf, p->iobuf_len,
	    &running, &err) == EFA_BOOT_FAILED)
		return err;
	if (efa_flashwriter_init(&fw, p->flash, NULL, p->layout, p->iobuf,
	    p->iobuf_len) != EFA_E_OK)
		return 1;
	r += efa_flashwriter_free_space(&fw, EFA_CMD_FLASH);
	sink = &efa_flashwriter_sink;
	sink_ctx = &fw;
#endif
	memset(&from, 0, sizeof(from));
	/* what a port does once at start */
	if (efa_pw_key_from_hash(p->cfg->auth, p->password, p->pw_key) != 0)
		efa_auth_pw_key(&efa_crypto_builtin, p->password, 8,
		    EFA_SHA256_HEX_LEN, p->pw_key);
	r += (uint32_t)efa_default_hostname(p->hostname, p->cfg->chip, now,
	    p->mac);
	r += (uint32_t)efa_txt_build(&txt, p->txt_info);
#ifndef EFA_SIZE_WITH_FLASH
	/* a sink over the chip's Updater (Arduino) */
	r += (uint32_t)efa_err_from_updater(p->cfg->chip, now);
#endif
	efa_agent_init(&agent, p->cfg, p->net, NULL, sink, sink_ctx,
	    p->hooks);
	/* what the boot said about the running image */
#ifdef EFA_SIZE_WITH_FLASH
	efa_agent_set_image_state(&agent, (enum efa_image_state)running.state,
	    now);
#else
	efa_agent_set_image_state(&agent, EFA_IMAGE_TRIAL, now);
#endif
	efa_agent_arm(&agent, 60000u, now);
	efa_agent_udp_input(&agent, &from, pkt, len, now);
	efa_agent_tcp_connected(&agent, 0, now);
	r += (uint32_t)efa_agent_tcp_input(&agent, pkt, len, now);
	efa_agent_tcp_closed(&agent, now);
	/* HTTP-style updates (a pull, or an /update page) */
	r += (uint32_t)efa_agent_password_ok(&agent, p->password, 8);
	r += (uint32_t)efa_agent_upload_begin(&agent, EFA_CMD_FLASH, now,
	    p->password, EFA_UPLOAD_PULLED, now);
	r += (uint32_t)efa_agent_upload_write(&agent, pkt, len, now);
	r += (uint32_t)efa_agent_upload_end(&agent, now);
	efa_agent_upload_abort(&agent, EFA_E_STREAM);
	efa_agent_tick(&agent, now);
	r += efa_agent_next_timeout(&agent, now);
	/* the application's health check passed */
	r += (uint32_t)efa_agent_confirm(&agent);
	r += (uint32_t)efa_image_state_name(efa_agent_image_state(&agent))[0];
#ifndef EFA_SIZE_WITH_FLASH
	/* an error's name in a log (the ESP-IDF example); a bare ESP8266
	 * port logs the number, if anything */
	r += (uint32_t)efa_err_name(agent.last_error)[0];
#endif
	efa_agent_reset(&agent);
	return r;
}
