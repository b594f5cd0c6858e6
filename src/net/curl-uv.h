/* SPDX-License-Identifier: MIT */
/*
 * libcurl's multi socket API on a libuv loop (docs/architecture.md 6), so that
 * HTTP transfers run on the one loop of the process. Private to the curl-facing
 * files (src/push/http-push.c, espfleet-sim's pull client); nothing else sees
 * curl types.
 */
#ifndef ESPFLEET_CURL_UV_H
#define ESPFLEET_CURL_UV_H

#include <curl/curl.h>

typedef struct uv_loop_s uv_loop_t;
struct efl_curl_uv;

/* One transfer as the adapter knows it: embed it in the caller's state. */
struct efl_curl_job {
	CURL *easy;   /* the caller's; its CURLOPT_PRIVATE belongs to us */
	/*
	 * The transfer ended: result is CURLE_OK or the error. The easy handle
	 * is already out of the multi handle and the job is the caller's
	 * again: it may free both and add other jobs (but not free the
	 * adapter). Not called after efl_curl_uv_remove.
	 */
	void (*done)(struct efl_curl_job *job, CURLcode result);
};

/* A new adapter on loop (with its own multi handle), or NULL when out of
 * memory or libcurl cannot start. */
struct efl_curl_uv *efl_curl_uv_new(uv_loop_t *loop);

/* Start job->easy; done() follows from the loop. 0, or -1 (nothing
 * started, done() never called). */
int efl_curl_uv_add(struct efl_curl_uv *c, struct efl_curl_job *job);

/* Stop a job before it ends; done() is not called. */
void efl_curl_uv_remove(struct efl_curl_uv *c, struct efl_curl_job *job);

/*
 * Release the adapter once every job is done or removed. Its libuv handles
 * close asynchronously: the memory goes with the last close callback, so
 * the loop must run afterwards. NULL is a no-op.
 */
void efl_curl_uv_free(struct efl_curl_uv *c);

#endif
