/* SPDX-License-Identifier: MIT */
/*
 * The application a simulated device runs, as far as the trial of a new
 * image is concerned: a healthy one confirms it --confirm-after seconds
 * after the boot; with the crash-loop fault it crashes instead (the device
 * restarts until the boot rolls the image back); with the unhealthy fault
 * it runs but never confirms (the agent gives the image up at its
 * deadline); with crash-after it confirms it, then crashes (restarts)
 * once, some time later. An image that is not on trial is not touched.
 */
#ifndef ESPFLEET_SIM_APP_H
#define ESPFLEET_SIM_APP_H

struct sim_device;

/* The device booted (agent initialised, image state set): start the
 * application's clock if its image is on trial. */
void sim_app_boot(struct sim_device *dev);

/* The device goes offline: the application stops. */
void sim_app_stop(struct sim_device *dev);

#endif
