/* SPDX-License-Identifier: MIT */
/*
 * The simulated devices' checks and transforms before a commit: gzip
 * images inflated (zlib), signatures checked (--signing-key, with OpenSSL
 * or, --verifier mbedtls, the agent's mbedTLS verifier).
 * See sim-stage.c and efa_stage.h.
 */
#ifndef ESPFLEET_SIM_STAGE_H
#define ESPFLEET_SIM_STAGE_H

#include <stddef.h>

struct sim_device;
struct sim_fleet;

/* Load the PEM public key of --signing-key for the fleet's chip format
 * (and --verifier). 0, or -1 with err. */
int sim_stage_load_key(struct sim_fleet *fleet, const char *path, char *err,
    size_t errlen);
void sim_stage_free_key(struct sim_fleet *fleet);

/* Attach the stage to dev->fw (after every efa_flashwriter_init). */
void sim_stage_attach(struct sim_device *dev);

/* Free what attaching made for dev (its mbedTLS verifier); idempotent. */
void sim_stage_detach(struct sim_device *dev);

#endif
