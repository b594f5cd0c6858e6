/* SPDX-License-Identifier: MIT */
/*
 * FleetAgent: a sketch that espfleet (or the Arduino IDE's espota) updates
 * over WiFi. ArduinoOTA.begin()/handle() become FleetAgent.begin()/
 * handle(); the valve closes while an update runs, updates are taken only
 * for 5 minutes after the button is pressed, and a new firmware is kept
 * only once it passed its own health check (Wi-Fi up and the main loop
 * running for 10 s, FLEET_HEALTHY_AFTER_MS): on the ESP32 one that does
 * not is rolled back.
 * ESP8266 and ESP32.
 */
#if defined(ARDUINO_ARCH_ESP8266)
#include <ESP8266WiFi.h>
#else
#include <WiFi.h>
#endif
#include <EspFleetAgent.h>

static const char *WIFI_SSID = "your-ssid";
static const char *WIFI_PASS = "your-wifi-password";
/* what espfleet is given (ESPFLEET_PASSWORD, --password-file) or the
 * IDE's password prompt must match; -DFLEET_OTA_PASSWORD=\"\" builds the
 * sketch without one (as ArduinoOTA without setPassword()) */
#ifndef FLEET_OTA_PASSWORD
#define FLEET_OTA_PASSWORD "change-me"
#endif
static const char *OTA_PASSWORD = FLEET_OTA_PASSWORD;

static const uint8_t VALVE_PIN = 4;   /* the thing that must be safe */
static const uint8_t BUTTON_PIN = 0;  /* FLASH/BOOT button, active low */
static const uint32_t WINDOW_MS = 5ul * 60ul * 1000ul;
static const uint32_t WIFI_WAIT_MS = 60000;  /* at start, then restart */
/* how long Wi-Fi must be up and loop() running before a new firmware is
 * kept; -DFLEET_HEALTHY_AFTER_MS=... changes it (tests shorten it) */
#ifndef FLEET_HEALTHY_AFTER_MS
#define FLEET_HEALTHY_AFTER_MS 10000
#endif
static const uint32_t HEALTHY_AFTER_MS = FLEET_HEALTHY_AFTER_MS;
static bool healthy;             /* Wi-Fi up and loop() running ... */
static uint32_t healthySince;    /* ... since then (millis()) */

/* Flash writes stall loop() for a while: close the valve first. Returning
 * false refuses the update (espfleet reports "device busy"). */
static bool
enterSafeState(int cmd, uint32_t size)
{
	digitalWrite(VALVE_PIN, LOW);
	Serial.printf("update: %s, %u bytes; valve closed\n",
	    cmd == 0 ? "firmware" : "filesystem", (unsigned)size);
	return true;
}

static void
showProgress(uint32_t done, uint32_t total)
{
	static uint32_t last;

	if (done < last)
		last = 0;  /* a new update */
	if (done == total || done - last >= 65536u) {
		last = done;
		Serial.printf("update: %u/%u\n", (unsigned)done,
		    (unsigned)total);
	}
}

static void
updateDone(int cmd)
{
	(void)cmd;
	Serial.println("update: done, restarting");
}

static void
updateFailed(enum efa_err err)
{
	Serial.printf("update: failed: %s\n", FleetAgent.errorText(err));
	/* the old firmware keeps running; loop() resumes the application */
}

/* The firmware's own health check, at the end of every loop(): a loop
 * that hangs or crashes never gets here, and Wi-Fi must have stayed up
 * for HEALTHY_AFTER_MS. Then the new firmware is kept (espfleet sees
 * efa_state=ok and verifies the update). Add the checks that matter for
 * the machine: sensors answer, the controller reached its setpoint... */
static void
checkHealth()
{
	uint32_t now = millis();

	if (FleetAgent.imageState() != EFA_IMAGE_TRIAL)
		return;
	if (WiFi.status() != WL_CONNECTED) {
		healthy = false;
		return;
	}
	if (!healthy) {
		healthy = true;
		healthySince = now;
	}
	if (now - healthySince >= HEALTHY_AFTER_MS &&
	    FleetAgent.markHealthy())
		Serial.printf("firmware: healthy, kept (%lu ms after start)\n",
		    (unsigned long)now);
}

static void
showImageState()
{
	switch (FleetAgent.imageState()) {
	case EFA_IMAGE_TRIAL:
		Serial.printf("firmware: on trial until healthy for %lu ms\n",
		    (unsigned long)HEALTHY_AFTER_MS);
		break;
	case EFA_IMAGE_ROLLED_BACK:
		Serial.println("firmware: the update was rolled back");
		break;
	default:
		Serial.println("firmware: confirmed");
		break;
	}
}

void
setup()
{
	uint32_t wifiStart;

	Serial.begin(115200);
	pinMode(VALVE_PIN, OUTPUT);
	pinMode(BUTTON_PIN, INPUT_PULLUP);

	WiFi.mode(WIFI_STA);
	WiFi.begin(WIFI_SSID, WIFI_PASS);
	wifiStart = millis();
	/* Not for ever: a new firmware that cannot join the network would
	 * hang here, where neither its health check nor the agent's trial
	 * deadline runs. A restart before markHealthy() rolls it back on the
	 * ESP32; the ESP8266 tries again. */
	while (WiFi.status() != WL_CONNECTED) {
		if (millis() - wifiStart >= WIFI_WAIT_MS) {
			Serial.println("wifi: not connected, restarting");
			ESP.restart();
		}
		delay(250);
	}

	/* everything optional; defaults are those of ArduinoOTA */
	FleetAgent.setHostname("pump-house");
	FleetAgent.setPassword(OTA_PASSWORD);
	FleetAgent.setFirmwareVersion("1.0.0");   /* TXT efa_ver */
	FleetAgent.setRequireArm(true);           /* update window */
	FleetAgent.onStart(enterSafeState);
	FleetAgent.onProgress(showProgress);
	FleetAgent.onEnd(updateDone);
	FleetAgent.onError(updateFailed);
	if (FleetAgent.begin())                   /* was ArduinoOTA.begin() */
		Serial.println("FleetAgent: waiting for updates");
	else
		Serial.println("FleetAgent: cannot open the OTA port");
	showImageState();
}

void
loop()
{
	FleetAgent.handle();                      /* was ArduinoOTA.handle() */

	if (digitalRead(BUTTON_PIN) == LOW) {
		FleetAgent.arm(WINDOW_MS);
		Serial.println("update window open for 5 minutes");
		delay(300);
	}
	if (FleetAgent.busy())
		return;  /* keep the machine in its safe state */

	/* ... the application ... */

	checkHealth();
}
