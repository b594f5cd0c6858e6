/* SPDX-License-Identifier: MIT */
/*
 * The espfleet agent in an ESP-IDF application: Wi-Fi via example_connect(),
 * the agent with a safe-state hook, an update window on the BOOT button,
 * and the rollback rule: a new image is confirmed only after it has run
 * healthy for a while (otherwise the previous image boots again).
 */
#include <stdbool.h>
#include <stdint.h>

#include "driver/gpio.h"
#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "nvs_flash.h"
#include "protocol_examples_common.h"

#include "efa_idf.h"

#define VALVE_GPIO GPIO_NUM_4      /* what must be safe during an update */
#define BUTTON_GPIO GPIO_NUM_0     /* BOOT button, active low */
#define WINDOW_MS (5u * 60u * 1000u)
#define HEALTHY_AFTER_MS 30000u

static const char *TAG = "app";

/* Runs in the agent task before the first flash write; non-zero would
 * refuse the update ("device busy"). */
static int
safe_state(void *ctx, int cmd, uint32_t size)
{
	(void)ctx;
	gpio_set_level(VALVE_GPIO, 0);
	ESP_LOGI(TAG, "update (cmd %d, %u bytes): valve closed", cmd,
	    (unsigned)size);
	return 0;
}

static void
progress(void *ctx, uint32_t done, uint32_t total)
{
	(void)ctx;
	if (done == total)
		ESP_LOGI(TAG, "update: all %u bytes received",
		    (unsigned)total);
}

static void
ended(void *ctx, int cmd)
{
	(void)ctx;
	(void)cmd;
	ESP_LOGI(TAG, "update committed, restarting");
}

static void
failed(void *ctx, enum efa_err err)
{
	(void)ctx;
	ESP_LOGW(TAG, "update failed or refused: %s", efa_err_name(err));
}

/* Application-specific: the sensors answer, the control loop runs, the
 * server is reachable. Only then is a new image kept. */
static bool
app_healthy(void)
{
	return true;
}

void
app_main(void)
{
	struct efa_idf_config cfg;
	esp_err_t err = nvs_flash_init();
	uint32_t up_ms = 0;
	bool confirmed = false;

	if (err == ESP_ERR_NVS_NO_FREE_PAGES ||
	    err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
		ESP_ERROR_CHECK(nvs_flash_erase());
		err = nvs_flash_init();
	}
	ESP_ERROR_CHECK(err);
	gpio_reset_pin(VALVE_GPIO);
	gpio_set_direction(VALVE_GPIO, GPIO_MODE_OUTPUT);
	gpio_reset_pin(BUTTON_GPIO);
	gpio_set_direction(BUTTON_GPIO, GPIO_MODE_INPUT);
	gpio_set_pull_mode(BUTTON_GPIO, GPIO_PULLUP_ONLY);

	ESP_ERROR_CHECK(esp_netif_init());
	ESP_ERROR_CHECK(esp_event_loop_create_default());
	ESP_ERROR_CHECK(example_connect());

	efa_idf_config_default(&cfg);  /* menuconfig "espfleet agent" */
	cfg.hooks.on_start = safe_state;
	cfg.hooks.on_progress = progress;
	cfg.hooks.on_end = ended;
	cfg.hooks.on_error = failed;
	ESP_ERROR_CHECK(efa_idf_start(&cfg));

	for (;;) {
		if (gpio_get_level(BUTTON_GPIO) == 0) {
			efa_idf_arm(WINDOW_MS);
			ESP_LOGI(TAG, "update window open for 5 minutes");
		}
		if (!confirmed && up_ms >= HEALTHY_AFTER_MS && app_healthy()) {
			/* keeps an image on trial (espfleet then verifies
			 * it); a no-op unless this image came by OTA */
			confirmed = efa_idf_mark_healthy() == ESP_OK;
		}
		if (efa_idf_state() == EFA_IDLE) {
			/* ... the application's work ... */
		}
		vTaskDelay(pdMS_TO_TICKS(100));
		up_ms += 100;
	}
}
