/* SPDX-License-Identifier: MIT */
/*
 * Internals of the agent shared by efa_agent.c (espota) and efa_upload.c
 * (HTTP-style uploads), so both paths check headers, write the sink, hash
 * and report errors the same way. Not part of the porting contract.
 */
#ifndef EFA_AGENT_INT_H
#define EFA_AGENT_INT_H

#include <stdint.h>

#include "efa/efa_agent.h"

void efa_agent__to_idle(struct efa_agent *a);
void efa_agent__report_error(struct efa_agent *a, enum efa_err err);
void efa_agent__set_deadline(struct efa_agent *a, uint32_t now, uint32_t ms);
/* Forget an update window or an auth lock-out that has run out. */
void efa_agent__expire_periods(struct efa_agent *a, uint32_t now);

/* Start counting and hashing the bytes of a->inv (cmd, size: 0 unknown);
 * an application image's header is checked before anything is written. */
void efa_agent__begin_data(struct efa_agent *a);

/* Take n image bytes: header check (the first bytes are held until it),
 * sink write, MD5, count. EFA_E_OK or the error (nothing undone). */
enum efa_err efa_agent__store(struct efa_agent *a, const uint8_t *data,
    uint32_t n);

/* Check the header bytes held so far (also when the image ended before
 * EFA_IMAGE_HEADER_LEN of them), then write the first 'held' of them. */
enum efa_err efa_agent__check_header(struct efa_agent *a, uint8_t held);
/* EFA_E_SIZE for an announced size the agent never takes: beyond what an
 * invitation carries (int32_t), or an application image shorter than its
 * header (size 0 = not announced); else EFA_E_OK. */
enum efa_err efa_agent__check_size(int cmd, uint32_t size);

/* Open the sink for a cmd image of size bytes (0: unknown): refused on
 * trial by a port that can roll back (EFA_E_TRIAL), when it does not fit
 * the free space (EFA_E_SPACE; *room gets it), by on_start (EFA_E_BUSY),
 * else the sink's begin with size (or *room when 0). */
enum efa_err efa_agent__open_sink(struct efa_agent *a, int cmd,
    uint32_t size, uint32_t *room);

/* The MD5 of the bytes taken, as digest and lowercase hex; 1 if it matches
 * a->inv.md5 (any case) or a->inv.md5 is empty (no MD5 was announced). */
int efa_agent__md5_final(struct efa_agent *a, uint8_t digest[EFA_MD5_LEN],
    char hex[EFA_MD5_HEX_LEN + 1]);

#endif
