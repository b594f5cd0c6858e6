/* SPDX-License-Identifier: MIT */
/*
 * ESP-IDF glue of the espfleet agent (see efa_idf.h): lwIP BSD sockets for
 * the datagrams and the connect-back, esp_ota_* as the image sink, the mdns
 * component for the advertisement, esp_timer as the clock, one FreeRTOS
 * task. All protocol decisions are the portable core's (efa_agent.h).
 * With CONFIG_EFA_SIGNED_UPDATES the core checks an image's signature
 * (efa_stage_check_signature) with the mbedTLS verifier
 * (ports/mbedtls) before the new partition is made bootable.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "lwip/sockets.h"

#include "esp_app_desc.h"
#include "esp_flash.h"
#include "esp_image_format.h"
#include "esp_log.h"
#include "esp_mac.h"
#include "esp_ota_ops.h"
#include "esp_partition.h"
#include "esp_random.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "mdns.h"
#include "sdkconfig.h"

#include "efa/efa_hash.h"
#include "efa/efa_mdns.h"
#include "efa/efa_port.h"
#include "efa/efa_util.h"
#include "efa_idf.h"

#if defined(CONFIG_EFA_SIGNED_UPDATES)
#define EFA_IDF_SIGNED 1
#include "efa/efa_stage.h"
#include "efa_verify_mbedtls.h"

/* The public key, CONFIG_EFA_SIGNING_KEY_FILE embedded by CMakeLists.txt
 * as a NUL-terminated text. */
extern const char efa_signing_key_pem[]
    asm("_binary_efa_signing_key_pem_start");
#else
#define EFA_IDF_SIGNED 0
#endif

static const char *TAG = "efa";

static struct {
	struct efa_agent agent;
	struct efa_agent_config cfg;
	int udp, tcp;
	int connecting;           /* non-blocking connect in progress */
	int connect_pending;      /* tcp_connect asked, not started yet */
	struct efa_addr connect_to;
	int reboot_pending;
	esp_ota_handle_t ota;
	const esp_partition_t *target;
	uint32_t ota_size;        /* bytes announced, signature included */
	int ota_active;
	volatile uint32_t arm_ms; /* efa_idf_arm() request for the task */
	volatile int arm_req;
	volatile int confirm_req; /* efa_idf_mark_healthy() for the task */
	volatile esp_err_t confirm_result;
	char hostname[32];
	char rejected[EFA_MD5_HEX_LEN + 1]; /* rolled back: the image given up */
	uint8_t buf[CONFIG_EFA_IOBUF_SIZE];
#if EFA_IDF_SIGNED
	struct efa_verify_mbedtls verifier;
	struct efa_stage_ops sig_ops;
	/* not buf: the core is still parsing it when the sink finishes */
	uint8_t sig_buf[1024];
#endif
} ag = { .udp = -1, .tcp = -1 };

static uint32_t
now_ms(void)
{
	return (uint32_t)(esp_timer_get_time() / 1000);
}

static void
to_sockaddr(struct sockaddr_in *sa, const struct efa_addr *a)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(a->port);
	memcpy(&sa->sin_addr.s_addr, a->ip, 4);
}

/* ---- efa_net_ops ---- */

static void
udp_send(void *ctx, const struct efa_addr *to, const uint8_t *buf,
    size_t len)
{
	struct sockaddr_in sa;

	(void)ctx;
	to_sockaddr(&sa, to);
	sendto(ag.udp, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
}

static int
tcp_connect(void *ctx, const struct efa_addr *to)
{
	(void)ctx;
	ag.connect_to = *to;      /* started from the task loop */
	ag.connect_pending = 1;
	return 0;
}

static void
tcp_send(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	while (len > 0 && ag.tcp >= 0) {
		int n = send(ag.tcp, buf, len, 0);

		if (n <= 0)
			break;  /* the core's data timeout ends it */
		buf += n;
		len -= (size_t)n;
	}
}

static void
tcp_close(void *ctx)
{
	(void)ctx;
	if (ag.tcp >= 0) {
		shutdown(ag.tcp, SHUT_WR);  /* queued bytes, then FIN */
		close(ag.tcp);
		ag.tcp = -1;
	}
	ag.connecting = 0;
	ag.connect_pending = 0;
}

static int
net_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	esp_fill_random(buf, len);  /* true random while Wi-Fi is on */
	return 0;
}

static void
net_reboot(void *ctx)
{
	(void)ctx;
	ag.reboot_pending = 1;
}

/* ---- efa_sink_ops over esp_ota_* (application images only) ---- */

static uint32_t
sink_free(void *ctx, int cmd)
{
	const esp_partition_t *p = esp_ota_get_next_update_partition(NULL);

	(void)ctx;
	/* filesystem images (cmd 100) are not taken by this port */
	return cmd == EFA_CMD_FLASH && p != NULL ? p->size : 0;
}

static enum efa_err
sink_begin(void *ctx, int cmd, uint32_t size)
{
	esp_err_t err;

	(void)ctx;
	if (cmd != EFA_CMD_FLASH)
		return EFA_E_UNKNOWN_CMD;
	ag.target = esp_ota_get_next_update_partition(NULL);
	if (ag.target == NULL)
		return EFA_E_SPACE;
	err = esp_ota_begin(ag.target, size, &ag.ota);
	switch (err) {
	case ESP_OK:
		ag.ota_active = 1;
		ag.ota_size = size;
		return EFA_E_OK;
	case ESP_ERR_OTA_ROLLBACK_INVALID_STATE:
		return EFA_E_TRIAL;  /* the running image is not confirmed */
	case ESP_ERR_INVALID_SIZE:
		return EFA_E_SIZE;
	case ESP_ERR_OTA_PARTITION_CONFLICT:
		return EFA_E_RUNNING;
	case ESP_ERR_NO_MEM:
		return EFA_E_SPACE;
	default:
		ESP_LOGE(TAG, "esp_ota_begin: %s", esp_err_to_name(err));
		return EFA_E_ERASE;
	}
}

static enum efa_err
sink_write(void *ctx, const uint8_t *buf, uint32_t len)
{
	esp_err_t err = esp_ota_write(ag.ota, buf, len);

	(void)ctx;
	if (err == ESP_OK)
		return EFA_E_OK;
	ESP_LOGE(TAG, "esp_ota_write: %s", esp_err_to_name(err));
	return err == ESP_ERR_OTA_VALIDATE_FAILED ? EFA_E_MAGIC : EFA_E_WRITE;
}

#if EFA_IDF_SIGNED
static enum efa_err
partition_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	return esp_partition_read(ctx, off, buf, len) == ESP_OK ? EFA_E_OK :
	    EFA_E_READ;
}

/* The signature of the image written to the target partition, read back
 * (decrypted, with flash encryption) after esp_ota_end() has flushed it:
 * the core hashes, mbedTLS verifies. The signature stays behind the image
 * in the partition; the bootloader runs the image its header describes. */
static enum efa_err
check_signature(void)
{
	static const struct efa_flash_ops part_ops = {
		partition_read, NULL, NULL, 4096, 4
	};
	uint32_t image_len = 0;
	enum efa_err err = efa_stage_check_signature(&part_ops,
	    (void *)ag.target, 0, ag.ota_size, ag.sig_buf,
	    sizeof(ag.sig_buf), &ag.sig_ops, &image_len);

	if (err == EFA_E_SIGN)
		ESP_LOGE(TAG, "image refused: no valid signature of the "
		    "signing key");
	else if (err != EFA_E_OK)
		ESP_LOGE(TAG, "signature check: %s", efa_err_name(err));
	return err;
}
#endif

/* The core matched the MD5 of the bytes received; esp_ota_end() reads
 * the image back and checks its checksum and appended SHA-256 (and the
 * signature with secure boot) before it may boot. With signed updates the
 * image's signature is checked too, before the partition becomes the boot
 * partition; it decides when both fail (a tampered image fails both). */
static enum efa_err
sink_finish(void *ctx, const uint8_t md5[16])
{
	esp_err_t err;

	(void)ctx;
	(void)md5;
	ag.ota_active = 0;
	err = esp_ota_end(ag.ota);  /* flushes, also when it fails */
#if EFA_IDF_SIGNED
	{
		enum efa_err sig = check_signature();

		if (sig != EFA_E_OK)
			return sig;
	}
#endif
	if (err == ESP_OK)
		err = esp_ota_set_boot_partition(ag.target);
	if (err == ESP_OK)
		return EFA_E_OK;
	ESP_LOGE(TAG, "esp_ota_end/set_boot_partition: %s",
	    esp_err_to_name(err));
	return err == ESP_ERR_OTA_VALIDATE_FAILED ? EFA_E_MAGIC : EFA_E_WRITE;
}

static void
sink_abort(void *ctx)
{
	(void)ctx;
	if (ag.ota_active) {
		esp_ota_abort(ag.ota);
		ag.ota_active = 0;
	}
}

/* The application confirmed the image (efa_idf_mark_healthy): the
 * bootloader keeps it. Idempotent. */
static enum efa_err
sink_confirm(void *ctx)
{
	(void)ctx;
	return esp_ota_mark_app_valid_cancel_rollback() == ESP_OK ?
	    EFA_E_OK : EFA_E_WRITE;
}

/* Its trial deadline passed: the bootloader boots the previous image. The
 * call restarts the chip; it returns only when no previous image can be
 * booted. */
static enum efa_err
sink_reject(void *ctx)
{
	esp_err_t err;

	(void)ctx;
	err = esp_ota_mark_app_invalid_rollback_and_reboot();
	ESP_LOGE(TAG, "cannot roll back: %s", esp_err_to_name(err));
	return EFA_E_WRITE;
}

static const struct efa_net_ops net_ops = {
	udp_send, tcp_connect, tcp_send, tcp_close, net_random, net_reboot
};
static const struct efa_sink_ops sink_ops = {
	sink_free, sink_begin, sink_write, sink_finish, sink_abort,
	sink_confirm, sink_reject
};

/* ---- start-up ---- */

/* MD5 of the application image in partition run (its length from the
 * image header), read back through the I/O buffer: for the running image
 * espfleet compares it with the file it would push. */
static int
partition_md5(const esp_partition_t *run, char hex[EFA_MD5_HEX_LEN + 1])
{
	esp_partition_pos_t pos;
	esp_image_metadata_t meta;
	struct efa_md5 md5;
	uint8_t digest[EFA_MD5_LEN];
	uint32_t off, n;

	if (run == NULL)
		return -1;
	pos.offset = run->address;
	pos.size = run->size;
	if (esp_image_verify(ESP_IMAGE_VERIFY_SILENT, &pos, &meta) != ESP_OK)
		return -1;
	efa_md5_init(&md5);
	for (off = 0; off < meta.image_len; off += n) {
		n = meta.image_len - off;
		if (n > sizeof(ag.buf))
			n = sizeof(ag.buf);
		if (esp_partition_read(run, off, ag.buf, n) != ESP_OK)
			return -1;
		efa_md5_update(&md5, ag.buf, n);
	}
	efa_md5_final(&md5, digest);
	efa_hex(hex, digest, sizeof(digest));
	return 0;
}

static void
advertise(const struct efa_idf_config *cfg)
{
	const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
	struct efa_txt_info info;
	struct efa_txt txt;
	mdns_txt_item_t items[EFA_TXT_ITEMS_MAX];
	char md5[EFA_MD5_HEX_LEN + 1];
	size_t i;
	esp_err_t err = mdns_init();

	if (err != ESP_OK && err != ESP_ERR_INVALID_STATE) {
		ESP_LOGW(TAG, "mdns_init: %s", esp_err_to_name(err));
		return;
	}
	mdns_hostname_set(ag.hostname);
	memset(&info, 0, sizeof(info));
	info.chip = EFA_CHIP_ESP32;
	info.auth = ag.cfg.auth;
	info.board = cfg->board;
	info.md5_hex = partition_md5(esp_ota_get_running_partition(), md5) ==
	    0 ? md5 : NULL;
	info.version = esp_app_get_description()->version;
	info.free_space = next != NULL ? next->size : 0;
	info.flash_size = ag.cfg.chip_flash_size;
	info.state = efa_image_state_name(efa_agent_image_state(&ag.agent));
	info.rejected_md5_hex = ag.rejected[0] != '\0' ? ag.rejected : NULL;
	efa_txt_build(&txt, &info);
	for (i = 0; i < txt.count; i++) {
		items[i].key = txt.key[i];
		items[i].value = txt.value[i];
	}
	err = mdns_service_add(ag.hostname, "_arduino", "_tcp", cfg->port,
	    items, txt.count);
	if (err != ESP_OK)
		ESP_LOGW(TAG, "mdns_service_add: %s", esp_err_to_name(err));
}

static int
open_udp(uint16_t port)
{
	struct sockaddr_in sa;
	int s = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);

	if (s < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(s);
		return -1;
	}
	return s;
}

/* ---- the task ---- */

static void
connected(int status)
{
	int one = 1;
	struct timeval tv = { EFA_DATA_TIMEOUT_MS / 1000, 0 };

	ag.connecting = 0;
	if (status == 0) {
		/* blocking from now on, bounded sends, no Nagle delay: the
		 * host waits for every count */
		fcntl(ag.tcp, F_SETFL, fcntl(ag.tcp, F_GETFL, 0) & ~O_NONBLOCK);
		setsockopt(ag.tcp, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(ag.tcp, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	} else if (ag.tcp >= 0) {
		close(ag.tcp);
		ag.tcp = -1;
	}
	efa_agent_tcp_connected(&ag.agent, status, now_ms());
}

static void
start_connect(void)
{
	struct sockaddr_in sa;

	ag.connect_pending = 0;
	to_sockaddr(&sa, &ag.connect_to);
	ag.tcp = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (ag.tcp < 0) {
		connected(-1);
		return;
	}
	fcntl(ag.tcp, F_SETFL, fcntl(ag.tcp, F_GETFL, 0) | O_NONBLOCK);
	if (connect(ag.tcp, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		connected(0);
	else if (errno == EINPROGRESS)
		ag.connecting = 1;  /* select() reports writability */
	else
		connected(-1);
}

/* The application confirmed the image (efa_idf_mark_healthy): keep it,
 * say so over mDNS. In the task, so it cannot cross the deadline. */
static void
confirm(void)
{
	enum efa_err err = efa_agent_confirm(&ag.agent);

	if (err == EFA_E_OK)
		mdns_service_txt_item_set("_arduino", "_tcp", EFA_TXT_STATE,
		    efa_image_state_name(efa_agent_image_state(&ag.agent)));
	ag.confirm_result = err == EFA_E_OK ? ESP_OK : ESP_FAIL;
	ag.confirm_req = 0;
}

static void
agent_task(void *arg)
{
	(void)arg;
	for (;;) {
		fd_set rd, wr;
		struct timeval tv;
		uint32_t now = now_ms();
		uint32_t wait = efa_agent_next_timeout(&ag.agent, now);
		int tcp = ag.tcp, n;

		if (wait > 100)
			wait = 100;  /* also polls arm requests, health */
		FD_ZERO(&rd);
		FD_ZERO(&wr);
		FD_SET(ag.udp, &rd);
		if (tcp >= 0)
			FD_SET(tcp, ag.connecting ? &wr : &rd);
		tv.tv_sec = 0;
		tv.tv_usec = (long)wait * 1000;
		n = select((tcp > ag.udp ? tcp : ag.udp) + 1, &rd, &wr, NULL,
		    &tv);
		now = now_ms();
		if (ag.arm_req) {
			ag.arm_req = 0;
			efa_agent_arm(&ag.agent, ag.arm_ms, now);
		}
		if (ag.confirm_req)
			confirm();
		if (n > 0 && FD_ISSET(ag.udp, &rd)) {
			struct sockaddr_in sa;
			socklen_t sl = sizeof(sa);
			uint8_t pkt[EFA_AUTH_MSG_MAX + 1];
			int len = recvfrom(ag.udp, pkt, sizeof(pkt), 0,
			    (struct sockaddr *)&sa, &sl);

			if (len > 0 && sa.sin_family == AF_INET) {
				struct efa_addr from;

				memset(&from, 0, sizeof(from));
				from.family = 4;
				memcpy(from.ip, &sa.sin_addr.s_addr, 4);
				from.port = ntohs(sa.sin_port);
				efa_agent_udp_input(&ag.agent, &from, pkt,
				    (size_t)len, now);
			}
		}
		/* a connection closed and reopened meanwhile is not the one
		 * select() looked at */
		if (n > 0 && tcp >= 0 && tcp == ag.tcp) {
			if (ag.connecting && FD_ISSET(tcp, &wr)) {
				int err = 0;
				socklen_t el = sizeof(err);

				getsockopt(tcp, SOL_SOCKET, SO_ERROR, &err,
				    &el);
				connected(err == 0 ? 0 : -1);
			} else if (!ag.connecting && FD_ISSET(tcp, &rd)) {
				int got = recv(tcp, ag.buf, sizeof(ag.buf), 0);

				if (got > 0) {
					efa_agent_tcp_input(&ag.agent, ag.buf,
					    (size_t)got, now_ms());
				} else {
					close(tcp);
					ag.tcp = -1;
					efa_agent_tcp_closed(&ag.agent,
					    now_ms());
				}
			}
		}
		if (ag.connect_pending)
			start_connect();
		now = now_ms();
		/* also the trial's deadline: the sink rejects the image */
		if (efa_agent_next_timeout(&ag.agent, now) == 0)
			efa_agent_tick(&ag.agent, now);
		if (ag.reboot_pending) {
			ESP_LOGI(TAG, "update committed, restarting");
			vTaskDelay(pdMS_TO_TICKS(100));
			esp_restart();
		}
	}
}

/* ---- API ---- */

/*
 * The running image's state, as the bootloader's app rollback has it:
 * pending verify is a trial (a reset before efa_idf_mark_healthy() boots
 * the previous image); a last invalid partition other than this one is an
 * image given up (by a reset, or our deadline), whose MD5 we advertise.
 */
static enum efa_image_state
boot_state(const esp_partition_t *run)
{
	const esp_partition_t *bad = esp_ota_get_last_invalid_partition();
	esp_ota_img_states_t st;

	if (run != NULL && esp_ota_get_state_partition(run, &st) == ESP_OK &&
	    st == ESP_OTA_IMG_PENDING_VERIFY) {
		ESP_LOGW(TAG, "new image on trial: no update is taken until "
		    "the application calls efa_idf_mark_healthy()");
		return EFA_IMAGE_TRIAL;
	}
	if (bad != NULL && bad != run && partition_md5(bad, ag.rejected) == 0)
		return EFA_IMAGE_ROLLED_BACK;
	return EFA_IMAGE_OK;
}

/* The signing key parsed once (signed updates), else nothing to do: 1, or
 * 0 for a key the ESP32 format does not take. */
static int
signing_key_loaded(void)
{
#if EFA_IDF_SIGNED
	if (ag.sig_ops.verify != NULL)
		return 1;
	if (efa_verify_mbedtls_init(&ag.verifier, EFA_SIG_ESP32,
	    (const uint8_t *)efa_signing_key_pem,
	    strlen(efa_signing_key_pem) + 1) != 0)
		return 0;
	efa_verify_mbedtls_ops(&ag.verifier, &ag.sig_ops);
#endif
	return 1;
}

void
efa_idf_config_default(struct efa_idf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = CONFIG_EFA_PORT;
	cfg->hostname = CONFIG_EFA_HOSTNAME;
	cfg->board = CONFIG_EFA_BOARD;
#if defined(CONFIG_EFA_AUTH_MD5)
	cfg->auth = EFA_AUTH_MD5;
#elif defined(CONFIG_EFA_AUTH_SHA256)
	cfg->auth = EFA_AUTH_SHA256;
#else
	cfg->auth = EFA_AUTH_NONE;
#endif
#if defined(CONFIG_EFA_PASSWORD_HASH)
	cfg->password_hash = CONFIG_EFA_PASSWORD_HASH;
#endif
#if defined(CONFIG_EFA_REQUIRE_ARM)
	cfg->require_arm = 1;
#endif
}

esp_err_t
efa_idf_start(const struct efa_idf_config *cfg)
{
	const esp_partition_t *run = esp_ota_get_running_partition();
	uint32_t flash_size = 0;
	BaseType_t ok;

	if (ag.udp >= 0)
		return ESP_ERR_INVALID_STATE;
	memset(&ag.cfg, 0, sizeof(ag.cfg));
	ag.cfg.chip = EFA_CHIP_ESP32;
	ag.cfg.auth = cfg->auth;
	if (cfg->auth != EFA_AUTH_NONE &&
	    efa_pw_key_from_hash(cfg->auth, cfg->password_hash != NULL ?
	    cfg->password_hash : "", ag.cfg.pw_key) != 0) {
		ESP_LOGE(TAG, "password hash does not fit the %s scheme",
		    efa_auth_scheme_name(cfg->auth));
		return ESP_ERR_INVALID_ARG;
	}
	if (esp_flash_get_size(NULL, &flash_size) == ESP_OK)
		ag.cfg.chip_flash_size = flash_size;
	ag.cfg.require_arm = cfg->require_arm != 0;
	if (!signing_key_loaded()) {
		ESP_LOGE(TAG, "CONFIG_EFA_SIGNING_KEY_FILE is not an RSA "
		    "(2048, 3072, 4096) or ECDSA P-256 public key in PEM");
		return ESP_ERR_INVALID_ARG;
	}
	if (cfg->hostname != NULL && cfg->hostname[0] != '\0') {
		efa_append(ag.hostname, sizeof(ag.hostname), 0, cfg->hostname);
	} else {
		uint8_t mac[6] = { 0 };

		esp_read_mac(mac, ESP_MAC_WIFI_STA);
		efa_default_hostname(ag.hostname, EFA_CHIP_ESP32, 0, mac);
	}
#if defined(CONFIG_EFA_HEALTH_TIMEOUT_MS) && CONFIG_EFA_HEALTH_TIMEOUT_MS > 0
	ag.cfg.trial_ms = CONFIG_EFA_HEALTH_TIMEOUT_MS;
#else
	ag.cfg.trial_ms = EFA_NO_TIMEOUT;   /* only a reset rolls back */
#endif
	efa_agent_init(&ag.agent, &ag.cfg, &net_ops, NULL, &sink_ops, NULL,
	    &cfg->hooks);
	efa_agent_set_image_state(&ag.agent, boot_state(run), now_ms());
	ag.udp = open_udp(cfg->port);
	if (ag.udp < 0)
		return ESP_FAIL;
	advertise(cfg);
	ok = xTaskCreate(agent_task, "efa", CONFIG_EFA_TASK_STACK, NULL,
	    CONFIG_EFA_TASK_PRIORITY, NULL);
	if (ok != pdPASS) {
		close(ag.udp);
		ag.udp = -1;
		return ESP_ERR_NO_MEM;
	}
	ESP_LOGI(TAG, "%s: OTA on UDP port %u, auth %s%s", ag.hostname,
	    (unsigned)cfg->port, efa_auth_scheme_name(cfg->auth),
	    EFA_IDF_SIGNED ? ", signed images only" : "");
	return ESP_OK;
}

void
efa_idf_arm(uint32_t ms)
{
	ag.arm_ms = ms;
	ag.arm_req = 1;  /* taken by the task within 100 ms */
}

esp_err_t
efa_idf_mark_healthy(void)
{
	int i;

	if (ag.udp < 0)   /* the agent does not run: only the bootloader */
		return esp_ota_mark_app_valid_cancel_rollback();
	ag.confirm_result = ESP_ERR_TIMEOUT;
	ag.confirm_req = 1;   /* taken by the task within 100 ms */
	for (i = 0; i < 100 && ag.confirm_req; i++)
		vTaskDelay(pdMS_TO_TICKS(10));
	return ag.confirm_req ? ESP_ERR_TIMEOUT : ag.confirm_result;
}

enum efa_state
efa_idf_state(void)
{
	return efa_agent_state(&ag.agent);
}

enum efa_image_state
efa_idf_image_state(void)
{
	return efa_agent_image_state(&ag.agent);
}
