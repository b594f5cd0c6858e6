/* SPDX-License-Identifier: MIT */
/*
 * The mDNS advertisement of a device (docs/protocol.md 6): service type, the
 * stock ArduinoOTA TXT keys (so the Arduino IDE and arduino-cli still see
 * the device) and the agent's own keys, named once for every port and for
 * espfleet discover. Values are plain text (no '=' inside values).
 */
#ifndef EFA_MDNS_H
#define EFA_MDNS_H

#define EFA_MDNS_SERVICE "_arduino._tcp"

/* stock ArduinoOTA keys */
#define EFA_TXT_BOARD "board"             /* board id, e.g. nodemcuv2 */
#define EFA_TXT_TCP_CHECK "tcp_check"     /* always "no" */
#define EFA_TXT_SSH_UPLOAD "ssh_upload"   /* always "no" */
#define EFA_TXT_AUTH_UPLOAD "auth_upload" /* "yes" | "no" */

/* agent keys (present only on devices running the espfleet agent) */
#define EFA_TXT_AGENT "efa"               /* agent protocol version, "1" */
#define EFA_TXT_MD5 "efa_md5"             /* MD5 of the running image */
#define EFA_TXT_VERSION "efa_ver"         /* firmware version, if known */
#define EFA_TXT_FREE "efa_free"           /* free sketch space, bytes */
#define EFA_TXT_CHIP "efa_chip"           /* "esp8266" | "esp32" */
#define EFA_TXT_FLASH "efa_flash"         /* flash size, bytes */
#define EFA_TXT_AUTH "efa_auth"           /* "none" | "md5" | "sha256" */
#define EFA_TXT_STATE "efa_state"         /* "trial" | "ok" | "rolled-back" */
#define EFA_TXT_REJECTED "efa_rejected"   /* rolled back: MD5 of the image
                                             that was given up */

/* The device inflates gzip images itself (its boot loader, or its flash
 * writer before the commit): "app" application images, "app,fs" also
 * filesystem images. Absent: send gzip only if you know it does. */
#define EFA_TXT_GZIP "efa_gz"
#define EFA_TXT_GZIP_APP "app"
#define EFA_TXT_GZIP_APP_FS "app,fs"

#define EFA_AGENT_TXT_VERSION "1"

#endif
