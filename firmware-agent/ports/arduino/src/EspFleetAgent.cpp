/* SPDX-License-Identifier: MIT */
/*
 * Arduino glue of the espfleet agent (see EspFleetAgent.h): datagrams and
 * the connect-back over WiFiUDP/WiFiClient, image writes over the core's
 * Update class, advertisement over ESP8266mDNS/ESPmDNS, millis() as clock.
 * Every decision is made by the portable core; this file only moves data.
 */
#include <string.h>

#include "EspFleetAgent.h"

extern "C" {
#include "efa/efa_mdns.h"
#include "efa/efa_util.h"
}

#if defined(ARDUINO_ARCH_ESP8266)
#include <ESP8266mDNS.h>
#include <Updater.h>
#define EFA_ARDUINO_CHIP EFA_CHIP_ESP8266
#define EFA_ARDUINO_PORT 8266
#define EFA_ARDUINO_SCHEME EFA_AUTH_MD5
#else
#include <ESPmDNS.h>
#include <Update.h>
#include <esp_image_format.h>
#include <esp_ota_ops.h>
#include <esp_random.h>
#define EFA_ARDUINO_CHIP EFA_CHIP_ESP32
#define EFA_ARDUINO_PORT 3232
/* the stock ArduinoOTA switched to PBKDF2-HMAC-SHA256 in 3.3.1 */
#if ESP_ARDUINO_VERSION >= ESP_ARDUINO_VERSION_VAL(3, 3, 1)
#define EFA_ARDUINO_SCHEME EFA_AUTH_SHA256
#else
#define EFA_ARDUINO_SCHEME EFA_AUTH_MD5
#endif
#endif

EspFleetAgent FleetAgent;

#if defined(ARDUINO_ARCH_ESP32)
/* The core's initArduino() marks a new image valid before setup() unless
 * this says the sketch decides later: markHealthy() does (arduino-esp32's
 * weak hook; its bootloader has the app rollback enabled). */
extern "C" bool
verifyRollbackLater(void)
{
	return true;
}

/* MD5 of the application image in partition p (its length from the image
 * header) as hex; false if there is no valid image. */
static bool
partitionMd5(const esp_partition_t *p, char hex[EFA_MD5_HEX_LEN + 1])
{
	esp_partition_pos_t pos = { p->address, p->size };
	esp_image_metadata_t meta;
	struct efa_md5 md5;
	uint8_t buf[256], digest[EFA_MD5_LEN];
	uint32_t off, n;

	if (esp_image_verify(ESP_IMAGE_VERIFY_SILENT, &pos, &meta) != ESP_OK)
		return false;
	efa_md5_init(&md5);
	for (off = 0; off < meta.image_len; off += n) {
		n = meta.image_len - off < sizeof(buf) ?
		    meta.image_len - off : sizeof(buf);
		if (esp_partition_read(p, off, buf, n) != ESP_OK)
			return false;
		efa_md5_update(&md5, buf, n);
	}
	efa_md5_final(&md5, digest);
	efa_hex(hex, digest, sizeof(digest));
	return true;
}
#endif

static EspFleetAgent *
self(void *ctx)
{
	return static_cast<EspFleetAgent *>(ctx);
}

EspFleetAgent::EspFleetAgent()
    : _scheme(EFA_ARDUINO_SCHEME), _badPassword(false), _armMs(0),
      _hostname(nullptr), _version(nullptr), _port(EFA_ARDUINO_PORT),
      _mdns(true), _rebootOnSuccess(true), _begun(false),
      _connectPending(false), _rebootPending(false), _onStart(nullptr),
      _onProgress(nullptr), _onEnd(nullptr), _onError(nullptr)
{
	memset(&_agent, 0, sizeof(_agent));
	memset(&_cfg, 0, sizeof(_cfg));
	memset(&_connectTo, 0, sizeof(_connectTo));
	_defaultHostname[0] = '\0';
	_rejected[0] = '\0';
	_cfg.chip = EFA_ARDUINO_CHIP;
	_cfg.auth = EFA_AUTH_NONE;
}

void EspFleetAgent::setPort(uint16_t port) { _port = port; }
void EspFleetAgent::setHostname(const char *h) { _hostname = h; }
void EspFleetAgent::setFirmwareVersion(const char *v) { _version = v; }
void EspFleetAgent::setMdnsEnabled(bool on) { _mdns = on; }
void EspFleetAgent::setRebootOnSuccess(bool on) { _rebootOnSuccess = on; }
void EspFleetAgent::setRequireArm(bool on) { _cfg.require_arm = on; }
void EspFleetAgent::setAuthScheme(enum efa_auth_scheme s) { _scheme = s; }
void
EspFleetAgent::setTrialTimeout(uint32_t ms)
{
	/* 0 never; the core takes at most 2^31 - 1 ms */
	_cfg.trial_ms = ms == 0 ? EFA_NO_TIMEOUT :
	    ms < 0x7FFFFFFFu ? ms : 0x7FFFFFFFu;
}
void EspFleetAgent::onStart(StartHook fn) { _onStart = fn; }
void EspFleetAgent::onProgress(ProgressHook fn) { _onProgress = fn; }
void EspFleetAgent::onEnd(EndHook fn) { _onEnd = fn; }
void EspFleetAgent::onError(ErrorHook fn) { _onError = fn; }

void
EspFleetAgent::setPassword(const char *password)
{
	size_t len = password != nullptr ? strlen(password) : 0;

	if (len == 0 || _scheme == EFA_AUTH_NONE) {
		_cfg.auth = EFA_AUTH_NONE;
		return;
	}
	efa_auth_pw_key(&efa_crypto_builtin, password, len,
	    _scheme == EFA_AUTH_SHA256 ? EFA_SHA256_HEX_LEN : EFA_MD5_HEX_LEN,
	    _cfg.pw_key);
	_cfg.auth = _scheme;
}

bool
EspFleetAgent::setPasswordHash(const char *hash)
{
	/* a hash that does not fit locks the device (empty key, every
	 * response fails) and begin() fails: never open by mistake */
	_cfg.auth = _scheme == EFA_AUTH_NONE ? EFA_AUTH_MD5 : _scheme;
	_badPassword = efa_pw_key_from_hash(_cfg.auth, hash != nullptr ?
	    hash : "", _cfg.pw_key) != 0;
	return !_badPassword;
}

void
EspFleetAgent::arm(uint32_t ms)
{
	if (_begun)
		efa_agent_arm(&_agent, ms, millis());
	else
		_armMs = ms;
}

bool
EspFleetAgent::begin()
{
	static const struct efa_net_ops net = {
		udpSend, tcpConnect, tcpSend, tcpClose, netRandom, netReboot
	};
	static const struct efa_sink_ops sink = {
		sinkFree, sinkBegin, sinkWrite, sinkFinish, sinkAbort,
#if defined(ARDUINO_ARCH_ESP32)
		sinkConfirm, sinkReject    /* the bootloader's rollback */
#else
		nullptr, nullptr           /* eboot keeps no previous image */
#endif
	};
	struct efa_hooks hooks = {
		hookStart, hookProgress, hookEnd, hookError, this
	};
	const char *hostname = _hostname;

	if (_badPassword)
		return false;
#if defined(ARDUINO_ARCH_ESP8266)
	_cfg.chip_flash_size = ESP.getFlashChipRealSize();
#else
	_cfg.chip_flash_size = ESP.getFlashChipSize();
#endif
	if (hostname == nullptr) {
		uint8_t mac[6] = { 0 };
		uint32_t id = 0;

#if defined(ARDUINO_ARCH_ESP8266)
		id = ESP.getChipId();
#else
		WiFi.macAddress(mac);
#endif
		efa_default_hostname(_defaultHostname, EFA_ARDUINO_CHIP, id,
		    mac);
		hostname = _defaultHostname;
	}
	efa_agent_init(&_agent, &_cfg, &net, this, &sink, this, &hooks);
	efa_agent_set_image_state(&_agent, bootState(), millis());
	if (_armMs != 0)
		efa_agent_arm(&_agent, _armMs, millis());
	if (!_udp.begin(_port))
		return false;
	if (_mdns)
		advertise(hostname);
	_begun = true;
	return true;
}

/* Stock keys from enableArduino(), the agent's keys from the core. */
void
EspFleetAgent::advertise(const char *hostname)
{
	struct efa_txt_info info;
	struct efa_txt txt;
	String md5 = ESP.getSketchMD5();  /* ESP32: of the running app */
	size_t i;

	if (!MDNS.begin(hostname))
		return;
	MDNS.enableArduino(_port, _cfg.auth != EFA_AUTH_NONE);
	memset(&info, 0, sizeof(info));
	info.chip = EFA_ARDUINO_CHIP;
	info.auth = _cfg.auth;
	info.board = nullptr;
	info.md5_hex = md5.c_str();
	info.version = _version;
	info.free_space = ESP.getFreeSketchSpace();
	info.flash_size = _cfg.chip_flash_size;
	info.state = efa_image_state_name(efa_agent_image_state(&_agent));
	info.rejected_md5_hex = _rejected[0] != '\0' ? _rejected : nullptr;
#if defined(ARDUINO_ARCH_ESP8266)
	/* eboot inflates gzip sketches while it copies them; filesystem
	 * images only when the core's Updater stages them too */
#if defined(ATOMIC_FS_UPDATE)
	info.gzip = EFA_TXT_GZIP_APP_FS;
#else
	info.gzip = EFA_TXT_GZIP_APP;
#endif
#endif
	efa_txt_build(&txt, &info);
	for (i = 0; i < txt.count; i++)
		MDNS.addServiceTxt("arduino", "tcp", txt.key[i], txt.value[i]);
}

void
EspFleetAgent::handle()
{
	int n;
	uint32_t now;

	if (!_begun)
		return;
#if defined(ARDUINO_ARCH_ESP8266)
	if (_mdns)
		MDNS.update();
#endif
	n = _udp.parsePacket();
	if (n > 0) {
		uint8_t pkt[EFA_AUTH_MSG_MAX + 1];
		int len = _udp.read(pkt, sizeof(pkt));
		IPAddress ip = _udp.remoteIP();
		struct efa_addr from;

		if (len > 0) {
			memset(&from, 0, sizeof(from));
			from.family = 4;
			for (int i = 0; i < 4; i++)
				from.ip[i] = ip[i];
			from.port = _udp.remotePort();
			efa_agent_udp_input(&_agent, &from, pkt, (size_t)len,
			    millis());
		}
	}
	if (_connectPending)
		connectBack();
	receive();
	now = millis();
	if (efa_agent_next_timeout(&_agent, now) == 0)
		efa_agent_tick(&_agent, now);
	if (_rebootPending) {
		_rebootPending = false;
		if (_rebootOnSuccess)
			ESP.restart();
	}
}

/* The core asked for the connection (tcpConnect); it is made here, not
 * inside the core's call, and the outcome reported back. */
void
EspFleetAgent::connectBack()
{
	IPAddress ip(_connectTo.ip[0], _connectTo.ip[1], _connectTo.ip[2],
	    _connectTo.ip[3]);
	int ok;

	_connectPending = false;
#if defined(ARDUINO_ARCH_ESP8266)
	_client.setTimeout(EFA_CONNECT_TIMEOUT_MS);
	ok = _client.connect(ip, _connectTo.port);
#else
	ok = _client.connect(ip, _connectTo.port,
	    (int32_t)EFA_CONNECT_TIMEOUT_MS);
#endif
	if (ok)
		_client.setNoDelay(true);  /* espota waits for every count */
	efa_agent_tcp_connected(&_agent, ok ? 0 : -1, millis());
}

/* A few reads per handle() call, so loop() keeps running during an
 * update. */
void
EspFleetAgent::receive()
{
	for (int i = 0; i < 8; i++) {
		int avail, got;

		if (efa_agent_state(&_agent) != EFA_RECEIVING)
			return;
		avail = _client.available();
		if (avail <= 0)
			break;
		got = _client.read(_buf, (size_t)avail < sizeof(_buf) ?
		    (size_t)avail : sizeof(_buf));
		if (got <= 0)
			break;
		efa_agent_tcp_input(&_agent, _buf, (size_t)got, millis());
	}
	if (efa_agent_state(&_agent) == EFA_RECEIVING &&
	    !_client.connected() && _client.available() <= 0)
		efa_agent_tcp_closed(&_agent, millis());
}

/* What the running image is, from the bootloader's point of view. */
enum efa_image_state
EspFleetAgent::bootState()
{
#if defined(ARDUINO_ARCH_ESP32)
	const esp_partition_t *run = esp_ota_get_running_partition();
	const esp_partition_t *bad = esp_ota_get_last_invalid_partition();
	esp_ota_img_states_t st;

	if (run != NULL && esp_ota_get_state_partition(run, &st) == ESP_OK &&
	    st == ESP_OTA_IMG_PENDING_VERIFY)
		return EFA_IMAGE_TRIAL;
	/* the bootloader (a restart) or the deadline gave an image up */
	if (bad != NULL && bad != run && partitionMd5(bad, _rejected))
		return EFA_IMAGE_ROLLED_BACK;
	return EFA_IMAGE_OK;
#else
	/* no previous image to go back to: every boot is on trial until
	 * the sketch says it is healthy */
	return EFA_IMAGE_TRIAL;
#endif
}

bool
EspFleetAgent::markHealthy()
{
	if (!_begun || efa_agent_confirm(&_agent) != EFA_E_OK)
		return false;
	if (_mdns) {
		MDNS.addServiceTxt("arduino", "tcp", EFA_TXT_STATE,
		    efa_image_state_name(efa_agent_image_state(&_agent)));
#if defined(ARDUINO_ARCH_ESP8266)
		MDNS.announce();  /* LEAmDNS updates the item silently */
#endif
	}
	return true;
}

enum efa_image_state
EspFleetAgent::imageState() const
{
	return efa_agent_image_state(&_agent);
}

bool
EspFleetAgent::busy() const
{
	enum efa_state s = efa_agent_state(&_agent);

	return s != EFA_IDLE && s != EFA_WAIT_AUTH;
}

enum efa_state
EspFleetAgent::state() const
{
	return efa_agent_state(&_agent);
}

const char *
EspFleetAgent::errorText(enum efa_err err) const
{
	return efa_err_text(EFA_ARDUINO_CHIP, err);
}

/* ---- efa_net_ops ---- */

void
EspFleetAgent::udpSend(void *ctx, const struct efa_addr *to,
    const uint8_t *buf, size_t len)
{
	EspFleetAgent *a = self(ctx);
	IPAddress ip(to->ip[0], to->ip[1], to->ip[2], to->ip[3]);

	if (a->_udp.beginPacket(ip, to->port)) {
		a->_udp.write(buf, len);
		a->_udp.endPacket();
	}
}

int
EspFleetAgent::tcpConnect(void *ctx, const struct efa_addr *to)
{
	self(ctx)->_connectTo = *to;
	self(ctx)->_connectPending = true;
	return 0;
}

void
EspFleetAgent::tcpSend(void *ctx, const uint8_t *buf, size_t len)
{
	self(ctx)->_client.write(buf, len);
}

void
EspFleetAgent::tcpClose(void *ctx)
{
	self(ctx)->_client.stop();  /* sends what is queued, then FIN */
}

int
EspFleetAgent::netRandom(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
#if defined(ARDUINO_ARCH_ESP8266)
	ESP.random(buf, len);        /* hardware RNG */
#else
	esp_fill_random(buf, len);   /* hardware RNG, Wi-Fi is on */
#endif
	return 0;
}

void
EspFleetAgent::netReboot(void *ctx)
{
	self(ctx)->_rebootPending = true;  /* restarted from handle() */
}

/* ---- efa_sink_ops over Update (the core already checked magic, size
 * and MD5; Update checks again and writes the chip's boot config) ---- */

uint32_t
EspFleetAgent::sinkFree(void *ctx, int cmd)
{
	(void)ctx;
	/* filesystem images: Update.begin() knows the FS partition */
	return cmd == EFA_CMD_FLASH ? (uint32_t)ESP.getFreeSketchSpace() :
	    0xffffffffu;
}

enum efa_err
EspFleetAgent::sinkBegin(void *ctx, int cmd, uint32_t size)
{
	(void)ctx;
	if (Update.begin(size, cmd))  /* U_FLASH 0, U_FS/U_SPIFFS 100 */
		return EFA_E_OK;
	return efa_err_from_updater(EFA_ARDUINO_CHIP, Update.getError());
}

enum efa_err
EspFleetAgent::sinkWrite(void *ctx, const uint8_t *buf, uint32_t len)
{
	(void)ctx;
	if (Update.write(const_cast<uint8_t *>(buf), len) == len)
		return EFA_E_OK;
	return efa_err_from_updater(EFA_ARDUINO_CHIP, Update.getError());
}

enum efa_err
EspFleetAgent::sinkFinish(void *ctx, const uint8_t md5[16])
{
	char hex[EFA_MD5_HEX_LEN + 1];

	(void)ctx;
	efa_hex(hex, md5, 16);
	Update.setMD5(hex);
	/* true: an HTTP upload of unknown length ends with what was written
	 * (efa_sink.h); espota images always arrive whole */
	if (Update.end(true))
		return EFA_E_OK;
	return efa_err_from_updater(EFA_ARDUINO_CHIP, Update.getError());
}

void
EspFleetAgent::sinkAbort(void *ctx)
{
	(void)ctx;
#if defined(ARDUINO_ARCH_ESP8266)
	if (Update.isRunning())
		Update.end();  /* unfinished: clears it, returns false */
#else
	Update.abort();
#endif
}

#if defined(ARDUINO_ARCH_ESP32)
enum efa_err
EspFleetAgent::sinkConfirm(void *ctx)
{
	(void)ctx;
	return esp_ota_mark_app_valid_cancel_rollback() == ESP_OK ?
	    EFA_E_OK : EFA_E_WRITE;
}

/* The deadline passed: the bootloader boots the previous image (this call
 * restarts the chip; it returns only if it could not). */
enum efa_err
EspFleetAgent::sinkReject(void *ctx)
{
	(void)ctx;
	esp_ota_mark_app_invalid_rollback_and_reboot();
	return EFA_E_WRITE;
}
#endif

/* ---- efa_hooks ---- */

int
EspFleetAgent::hookStart(void *ctx, int cmd, uint32_t size)
{
	EspFleetAgent *a = self(ctx);

	return a->_onStart != nullptr && !a->_onStart(cmd, size) ? 1 : 0;
}

void
EspFleetAgent::hookProgress(void *ctx, uint32_t done, uint32_t total)
{
	if (self(ctx)->_onProgress != nullptr)
		self(ctx)->_onProgress(done, total);
}

void
EspFleetAgent::hookEnd(void *ctx, int cmd)
{
	if (self(ctx)->_onEnd != nullptr)
		self(ctx)->_onEnd(cmd);
}

void
EspFleetAgent::hookError(void *ctx, enum efa_err err)
{
	if (self(ctx)->_onError != nullptr)
		self(ctx)->_onError(err);
}
