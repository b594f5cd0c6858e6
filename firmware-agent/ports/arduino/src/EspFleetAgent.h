/* SPDX-License-Identifier: MIT */
/*
 * EspFleetAgent: the espfleet OTA agent for Arduino sketches on the ESP8266
 * (core >= 3.1) and ESP32 (core >= 3.0) cores, in place of ArduinoOTA:
 * FleetAgent.begin() in setup(), FleetAgent.handle() in loop(). Glue only;
 * protocol, auth, checks and TXT items are the portable core (efa_*).
 */
#ifndef ESPFLEET_AGENT_H
#define ESPFLEET_AGENT_H

#include <Arduino.h>

#if defined(ARDUINO_ARCH_ESP8266)
#include <core_version.h>
#include <ESP8266WiFi.h>
#include <WiFiUdp.h>
/* Major 0 is the core_version.h placeholder (0.0.0) of a core not built
 * by its own recipe, e.g. a git checkout compiled by other tools: the
 * version is unknown then, not old (real cores start at 1.6) */
#if defined(ARDUINO_ESP8266_MAJOR) && ARDUINO_ESP8266_MAJOR != 0 && \
    (ARDUINO_ESP8266_MAJOR < 3 || \
    (ARDUINO_ESP8266_MAJOR == 3 && ARDUINO_ESP8266_MINOR < 1))
#error "EspFleetAgent needs the ESP8266 Arduino core 3.1 or later"
#endif
#elif defined(ARDUINO_ARCH_ESP32)
#include <esp_arduino_version.h>
#include <WiFi.h>
#if ESP_ARDUINO_VERSION_MAJOR < 3
#error "EspFleetAgent needs the ESP32 Arduino core 3.0 or later"
#endif
#else
#error "EspFleetAgent supports the ESP8266 and ESP32 Arduino cores only"
#endif

extern "C" {
#include "efa/efa_agent.h"
#include "efa/efa_port.h"
}

/* The I/O buffer the agent reads image data into (one TCP segment). */
#ifndef EFA_ARDUINO_IOBUF
#define EFA_ARDUINO_IOBUF 1460
#endif

class EspFleetAgent {
public:
	/* Hooks, called from handle(). Capture-less lambdas work. */
	/* An update is about to start (flash writes will stall loop()):
	 * put the machine in its safe state and return true, or return
	 * false to refuse ("device busy"). */
	typedef bool (*StartHook)(int cmd, uint32_t size);
	typedef void (*ProgressHook)(uint32_t done, uint32_t total);
	/* The image is committed; the reboot follows (setRebootOnSuccess). */
	typedef void (*EndHook)(int cmd);
	/* An update failed or was refused; err names why (errorText()). */
	typedef void (*ErrorHook)(enum efa_err err);

	EspFleetAgent();

	/* Configuration, before begin(). Defaults as ArduinoOTA: port 8266
	 * (ESP8266) / 3232 (ESP32), host name esp8266-xxxxxx / esp32-<mac>,
	 * no password, mDNS on, reboot after success. */
	void setPort(uint16_t port);
	void setHostname(const char *hostname);  /* kept by pointer */
	void setPassword(const char *password);  /* only its hash is kept */
	/* MD5 (32 hex) or, for the sha256 scheme, SHA-256 (64 hex) of the
	 * password; false if it does not fit the scheme. */
	bool setPasswordHash(const char *hash);
	/* md5: every espota.py; sha256: espota.py of ESP32 core >= 3.3.1.
	 * Default: what the stock ArduinoOTA of this core uses. Call it
	 * before setPassword()/setPasswordHash(). */
	void setAuthScheme(enum efa_auth_scheme scheme);
	void setFirmwareVersion(const char *version);  /* TXT efa_ver */
	void setMdnsEnabled(bool enabled);
	void setRebootOnSuccess(bool reboot);

	/* The update window: with requireArm (set before begin()),
	 * invitations are refused ("update window closed") unless arm()
	 * opened the window, e.g. on a button press, for ms milliseconds. */
	void setRequireArm(bool requireArm);
	void arm(uint32_t ms);

	void onStart(StartHook fn);
	void onProgress(ProgressHook fn);
	void onEnd(EndHook fn);
	void onError(ErrorHook fn);

	/* A new image runs on trial (TXT efa_state=trial) until the sketch
	 * says it works: call markHealthy() once it does (Wi-Fi up, sensors
	 * read, the main loop running); espfleet verifies an update only
	 * then. ESP32: a restart before it, or no call within the trial
	 * timeout, makes the bootloader go back to the previous image
	 * (efa_state=rolled-back). ESP8266: the stock eboot copies a new
	 * image over the old one, so there is nothing to go back to: every
	 * boot runs on trial until markHealthy(), nothing is rolled back.
	 * true when the image is kept (or was not on trial). */
	bool markHealthy();
	/* ESP32: give an unconfirmed image up after ms of uptime (default
	 * 300 s; 0: never). Before begin(). */
	void setTrialTimeout(uint32_t ms);
	enum efa_image_state imageState() const;

	/* Open the OTA UDP port and advertise over mDNS. Call once WiFi is
	 * up. false if the UDP port could not be opened. */
	bool begin();
	/* Run the agent: call from every loop() iteration. */
	void handle();

	bool busy() const;  /* an update is being received or committed */
	enum efa_state state() const;
	const char *errorText(enum efa_err err) const;  /* chip's wording */

private:
	static void udpSend(void *ctx, const struct efa_addr *to,
	    const uint8_t *buf, size_t len);
	static int tcpConnect(void *ctx, const struct efa_addr *to);
	static void tcpSend(void *ctx, const uint8_t *buf, size_t len);
	static void tcpClose(void *ctx);
	static int netRandom(void *ctx, uint8_t *buf, size_t len);
	static void netReboot(void *ctx);
	static uint32_t sinkFree(void *ctx, int cmd);
	static enum efa_err sinkBegin(void *ctx, int cmd, uint32_t size);
	static enum efa_err sinkWrite(void *ctx, const uint8_t *buf,
	    uint32_t len);
	static enum efa_err sinkFinish(void *ctx, const uint8_t md5[16]);
	static void sinkAbort(void *ctx);
	static enum efa_err sinkConfirm(void *ctx);
	static enum efa_err sinkReject(void *ctx);
	static int hookStart(void *ctx, int cmd, uint32_t size);
	static void hookProgress(void *ctx, uint32_t done, uint32_t total);
	static void hookEnd(void *ctx, int cmd);
	static void hookError(void *ctx, enum efa_err err);

	void advertise(const char *hostname);
	enum efa_image_state bootState();
	void connectBack();
	void receive();

	struct efa_agent _agent;
	struct efa_agent_config _cfg;
	enum efa_auth_scheme _scheme;
	bool _badPassword;
	uint32_t _armMs;        /* arm() before begin() */
	const char *_hostname;
	const char *_version;
	char _defaultHostname[20];
	char _rejected[EFA_MD5_HEX_LEN + 1];  /* rolled back: given up */
	uint16_t _port;
	bool _mdns;
	bool _rebootOnSuccess;
	bool _begun;
	bool _connectPending;
	bool _rebootPending;
	struct efa_addr _connectTo;
	StartHook _onStart;
	ProgressHook _onProgress;
	EndHook _onEnd;
	ErrorHook _onError;
#if defined(ARDUINO_ARCH_ESP32)
	NetworkUDP _udp;     /* 3.x names of WiFiUDP / WiFiClient */
	NetworkClient _client;
#else
	WiFiUDP _udp;
	WiFiClient _client;
#endif
	uint8_t _buf[EFA_ARDUINO_IOBUF];
};

extern EspFleetAgent FleetAgent;

#endif
