// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: the module's counters over HTTP, for Prometheus to scrape.
 *
 * Off unless the operator gives an address (metrics in ktixd.conf, or
 * --metrics ADDR:PORT).  GET /metrics answers with the counters of the
 * module in this network namespace in the Prometheus text exposition
 * format (libktix-nl's ktix_prom_print(), the same as ktixctl stats
 * --format prometheus); HEAD the same without the body; any other path
 * 404, any other method 405.  libmicrohttpd parses HTTP, in one thread of
 * its own, with a few connections at most, short timeouts and little
 * memory each: the endpoint is unauthenticated and reads only counters,
 * which hold no secret, but it is still bound only where the operator
 * says.  The netlink socket is opened in that thread when first needed
 * and used by it alone.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <microhttpd.h>

#include "ktix_nl.h"
#include "ktixd.h"

#define METRICS_CONNS		16
#define METRICS_TIMEOUT_S	10
#define METRICS_CONN_MEMORY	(16 << 10)
#define PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

static struct MHD_Daemon *daemon_;
static struct ktix_nl *nl;

static enum MHD_Result answer_text(struct MHD_Connection *conn,
				   unsigned int status, const char *text,
				   const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The counters, as Prometheus reads them: 0, or a negative errno. */
static int render(char **body, size_t *len)
{
	struct ktix_stats st;
	FILE *f;
	int err;

	if (!nl) {
		err = ktix_nl_open(&nl);
		if (err) {
			nl = NULL;
			return err;
		}
	}
	err = ktix_nl_stats(nl, &st);
	if (err) {
		/* The module may have gone: a new socket next time. */
		ktix_nl_close(nl);
		nl = NULL;
		return err;
	}
	f = open_memstream(body, len);
	if (!f)
		return -ENOMEM;
	ktix_prom_print(f, &st);
	if (fclose(f)) {
		free(*body);
		return -ENOMEM;
	}
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_len, void **state)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body = NULL, why[128];
	size_t len = 0;
	int err;

	(void)cls;
	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return answer_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				   "only GET and HEAD\n", "GET, HEAD");
	if (strcmp(url, "/metrics"))
		return answer_text(conn, MHD_HTTP_NOT_FOUND,
				   "not found: the counters are at /metrics\n",
				   NULL);
	err = render(&body, &len);
	if (err) {
		snprintf(why, sizeof(why), "the ktix module's counters: %s\n",
			 strerror(-err));
		return answer_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, why,
				   NULL);
	}
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				PROM_CONTENT_TYPE);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[n - 1] = '\0';
	log_msg(LOG_WARNING, "metrics: %s", line);
}

int metrics_start(const struct ktixd_config *c)
{
	const struct addrinfo *ai = c->metrics_ai;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	/* None given (conf_check() resolved the one given). */
	if (!ai)
		return 0;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	daemon_ = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
				   MHD_OPTION_SOCK_ADDR, ai->ai_addr,
				   MHD_OPTION_CONNECTION_LIMIT,
				   (unsigned int)METRICS_CONNS,
				   MHD_OPTION_CONNECTION_TIMEOUT,
				   (unsigned int)METRICS_TIMEOUT_S,
				   MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				   (size_t)METRICS_CONN_MEMORY,
				   MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				   MHD_OPTION_END);
	if (!daemon_) {
		log_msg(LOG_ERR, "metrics: cannot serve on %s (in use, or not an address of this host?)",
			c->metrics);
		return -EADDRNOTAVAIL;
	}
	log_msg(LOG_NOTICE, "metrics: the module's counters at http://%s/metrics (unauthenticated: bind it where only your monitoring reaches)",
		c->metrics);
	return 0;
}

void metrics_stop(void)
{
	if (daemon_)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
	/* The daemon's thread has ended: the socket is this thread's now. */
	ktix_nl_close(nl);
	nl = NULL;
}
