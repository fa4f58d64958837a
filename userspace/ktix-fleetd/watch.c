// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-fleetd: etcd's watch on the fleet's prefix.
 *
 * One POST to the gateway's /v3/watch, kept open on a libcurl multi
 * handle that the main loop waits on beside its own descriptors
 * (curl_multi_poll).  Each event's entry goes to the fleet (fleet_event:
 * a key or a revocation is read and given to the module as a round would,
 * so a change costs etcd nothing more than telling each host once); the
 * watch's creation, and an event the fleet cannot take alone, make a
 * round due at once.  Rounds every sync-interval read everything anyway:
 * a watch lost, broken or lied through costs only that time.  A stream
 * that ends is started again a second later, on the next endpoint.
 * answer.c reads the stream.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "fleetd.h"

#define WATCH_RETRY_MS		1000
#define WATCH_MAX_FDS		4

struct watch {
	CURLM *multi;
	CURL *easy;			/* NULL: no watch under way */
	char *const *endpoints;
	size_t n, cur;
	char body[512];
	struct watch_stream s;
	watch_event_fn fn;
	void *arg;
	struct watch_counters c;
	uint64_t retry_at;		/* monotonic, ms */
	int broken;			/* why the stream was cut: -errno */
	bool due, said_down;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct watch *watch_new(char *const *endpoints, size_t n, const char *prefix,
			watch_event_fn fn, void *arg)
{
	char key[176], end[176], last[128];
	size_t len = strlen(prefix);
	struct watch *w;

	if (!n || !len || len >= sizeof(last))
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->multi = curl_multi_init();
	if (!w->multi) {
		free(w);
		return NULL;
	}
	w->endpoints = endpoints;
	w->n = n;
	w->fn = fn;
	w->arg = arg;
	/* The range's end: the prefix with its last byte one higher. */
	memcpy(last, prefix, len);
	last[len - 1]++;
	EVP_EncodeBlock((unsigned char *)key, (const unsigned char *)prefix,
			(int)len);
	EVP_EncodeBlock((unsigned char *)end, (const unsigned char *)last,
			(int)len);
	snprintf(w->body, sizeof(w->body),
		 "{\"create_request\":{\"key\":\"%s\",\"range_end\":\"%s\"}}",
		 key, end);
	return w;
}

static void watch_stop(struct watch *w)
{
	if (!w->easy)
		return;
	curl_multi_remove_handle(w->multi, w->easy);
	curl_easy_cleanup(w->easy);
	w->easy = NULL;
	watch_stream_free(&w->s);
	w->c.up = false;
	w->c.restarts++;
	w->cur = (w->cur + 1) % w->n;
	w->retry_at = mono_ms() + WATCH_RETRY_MS;
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	watch_stop(w);
	curl_multi_cleanup(w->multi);
	free(w);
}

const struct watch_counters *watch_counters(const struct watch *w)
{
	return &w->c;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct watch *w = arg;
	int r = watch_stream_feed(&w->s, data, size * nmemb, w->fn, w->arg);

	if (r < 0) {
		w->broken = r;
		return 0;	/* ends the transfer; it starts again later */
	}
	if (r & WATCH_CREATED) {
		w->c.up = true;
		if (w->said_down)
			log_msg(LOG_NOTICE, "etcd watch back on %s",
				w->endpoints[w->cur]);
		w->said_down = false;
	}
	if (r & WATCH_EVENTS)
		w->c.events++;
	if (r & (WATCH_CREATED | WATCH_DUE))
		w->due = true;
	return size * nmemb;
}

static void watch_start(struct watch *w)
{
	char url[512];
	CURL *e;

	w->retry_at = mono_ms() + WATCH_RETRY_MS;
	if (watch_stream_init(&w->s))
		return;
	e = curl_easy_init();
	if (!e) {
		watch_stream_free(&w->s);
		return;
	}
	snprintf(url, sizeof(url), "%s/v3/watch", w->endpoints[w->cur]);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, w->body);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	/* etcd says nothing while nothing changes: find a dead peer. */
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 5L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 2L);
	if (curl_multi_add_handle(w->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		watch_stream_free(&w->s);
		return;
	}
	w->easy = e;
	w->broken = 0;
}

/* The stream ended: say why, once until it is back. */
static void watch_ended(struct watch *w, CURLcode rc)
{
	if (!w->said_down && w->c.up)
		log_msg(LOG_NOTICE, "etcd watch on %s ended (%s): rounds every sync-interval until it is back",
			w->endpoints[w->cur],
			w->broken == -ECANCELED ? "etcd cancelled it" :
			w->broken ? "not a watch of etcd's" :
			rc == CURLE_OK ? "the stream closed" :
			curl_easy_strerror(rc));
	if (w->c.up)
		w->said_down = true;
	watch_stop(w);
}

int watch_wait(struct watch *w, struct pollfd *fds, unsigned int n,
	       int timeout_ms)
{
	struct curl_waitfd extra[WATCH_MAX_FDS];
	uint64_t now = mono_ms();
	int running, left;
	unsigned int i;
	CURLMsg *m;
	bool due;

	if (n > WATCH_MAX_FDS)
		return -EINVAL;
	if (!w->easy && now >= w->retry_at)
		watch_start(w);
	if (!w->easy && w->retry_at > now &&
	    w->retry_at - now < (uint64_t)timeout_ms)
		timeout_ms = (int)(w->retry_at - now);
	for (i = 0; i < n; i++) {
		extra[i].fd = fds[i].fd;
		extra[i].events = (fds[i].events & POLLIN ? CURL_WAIT_POLLIN : 0) |
				  (fds[i].events & POLLOUT ? CURL_WAIT_POLLOUT : 0);
		extra[i].revents = 0;
	}
	/* A signal ends the wait with nothing ready, as poll() would. */
	if (curl_multi_poll(w->multi, extra, n, timeout_ms, NULL) != CURLM_OK)
		return -EIO;
	for (i = 0; i < n; i++)
		fds[i].revents = (extra[i].revents & CURL_WAIT_POLLIN ? POLLIN : 0) |
				 (extra[i].revents & CURL_WAIT_POLLOUT ? POLLOUT : 0);
	if (w->easy) {
		curl_multi_perform(w->multi, &running);
		while ((m = curl_multi_info_read(w->multi, &left)))
			if (m->msg == CURLMSG_DONE && m->easy_handle == w->easy)
				watch_ended(w, m->data.result);
	}
	due = w->due;
	w->due = false;
	return due;
}
