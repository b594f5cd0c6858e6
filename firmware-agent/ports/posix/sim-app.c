/* SPDX-License-Identifier: MIT */
/*
 * The simulated application's side of a trial (see sim-app.h): one timer
 * per device, started at boot when the image is on trial. The decision
 * (confirm, or what a fault makes of it: crash-loop, crash-after) is
 * here; the agent core keeps the trial, the boot counts the restarts.
 */
#include "efa/efa_agent.h"
#include "sim-app.h"
#include "sim-device.h"

static void
app_timer_cb(uv_timer_t *t)
{
	struct sim_device *dev = t->data;
	enum efa_err err;

	if (dev->crash_loop) {
		sim_device_log(dev, "fault crash-loop: the new image crashes");
		sim_device_restart(dev);
		return;
	}
	if (dev->crash_pending) {
		/* fault crash-after: confirmed, then a crash, once */
		dev->crash_pending = 0;
		dev->crash_after_done = 1;
		sim_device_log(dev, "fault crash-after: the confirmed image "
		    "crashes");
		sim_device_restart(dev);
		return;
	}
	err = efa_agent_confirm(&dev->agent);
	sim_device_after_agent(dev);
	if (dev->power_lost)
		return;
	if (err != EFA_E_OK) {
		sim_device_log(dev, "confirming the new image failed: %s",
		    efa_err_name(err));
		return;
	}
	sim_device_log(dev, "the new image is healthy: confirmed");
	sim_device_changed(dev);
	if (dev->crash_after > 0 && !dev->crash_after_done) {
		dev->crash_pending = 1;
		uv_timer_start(&dev->app_timer, app_timer_cb, dev->crash_after,
		    0);
	}
}

void
sim_app_boot(struct sim_device *dev)
{
	if (efa_agent_image_state(&dev->agent) != EFA_IMAGE_TRIAL)
		return;
	if (dev->unhealthy) {
		/* runs, never confirms: the agent's deadline ends it */
		sim_device_log(dev, "fault unhealthy: the new image never "
		    "confirms");
		return;
	}
	uv_timer_start(&dev->app_timer, app_timer_cb,
	    dev->fleet->opt->confirm_after_ms, 0);
}

void
sim_app_stop(struct sim_device *dev)
{
	uv_timer_stop(&dev->app_timer);
}
