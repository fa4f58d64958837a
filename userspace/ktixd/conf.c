// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: the configuration file, ktixd.conf(5).
 *
 * "key = value" lines; '#' starts a comment; blank lines are ignored.
 * Every problem is reported as FILE:LINE: what, and nothing starts.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ktix.h"
#include "ktix_net.h"
#include "ktixd.h"
#include "ktix_units.h"

void conf_defaults(struct ktixd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->verify = VERIFY_NONE;
	c->min_version = TLS1_2_VERSION;
	c->tickets = true;
	c->tls13_tickets = 2;
	c->session_ids = true;
	c->foreign_tickets = true;
	c->deadline_ms = 10000;
	/* RFC 8446 4.6.1: no ticket lifetime beyond seven days. */
	c->max_age = 7 * 86400;
	c->max_inflight = 4096;
	c->socket_mode = 0660;
}

void conf_free(struct ktixd_config *c)
{
	unsigned int i;

	for (i = 0; i < c->n_certs; i++) {
		free(c->certs[i].cert);
		free(c->certs[i].key);
	}
	free(c->client_ca);
	free(c->alpn);
	free(c->socket);
	free(c->socket_group);
	free(c->keylog_file);
	free(c->metrics);
	if (c->metrics_ai)
		freeaddrinfo(c->metrics_ai);
	free(c->sid_context);
	memset(c, 0, sizeof(*c));
}

int sid_context_parse(const char *v, uint8_t out[SSL_MAX_SID_CTX_LENGTH],
		      unsigned int *len)
{
	unsigned char *b;
	long n;

	if (strncmp(v, "hex:", 4)) {
		*len = (unsigned int)strlen(v);
		if (!*len || *len > SSL_MAX_SID_CTX_LENGTH)
			return -EINVAL;
		memcpy(out, v, *len);
		return 0;
	}
	b = OPENSSL_hexstr2buf(v + 4, &n);
	if (!b || n < 1 || n > SSL_MAX_SID_CTX_LENGTH) {
		OPENSSL_free(b);
		return -EINVAL;
	}
	memcpy(out, b, (size_t)n);
	*len = (unsigned int)n;
	OPENSSL_free(b);
	return 0;
}

int parse_ms(const char *s, unsigned int *out)
{
	/* A bare number is in seconds, as ever in ktixd.conf. */
	static const struct ktix_unit u[] = {
		{ "ms", 1 }, { "s", 1000 }, { "", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { NULL, 0 },
	};
	uint64_t v;
	int err = ktix_parse_scaled(s, u, &v);

	if (err)
		return err;
	if (v > UINT_MAX)
		return -ERANGE;
	*out = (unsigned int)v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "on") ||
	    !strcasecmp(s, "true") || !strcmp(s, "1"))
		*out = true;
	else if (!strcasecmp(s, "no") || !strcasecmp(s, "off") ||
		 !strcasecmp(s, "false") || !strcmp(s, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int parse_uint(const char *s, unsigned int min, unsigned int max,
		      int base, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = (unsigned int)v;
	return 0;
}

/*
 * The string is freed by conf_free(); gcc 12's analyzer loses the field
 * once conf_set() reaches it through the settings table's offset, and
 * reports it leaked.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* "CERT [KEY]": the key defaults to the certificate's file. */
static int add_cert(struct ktixd_config *c, const char *v, char *why,
		    size_t why_len)
{
	char cert[PATH_MAX], key[PATH_MAX];
	int n;

	n = sscanf(v, "%4095s %4095s", cert, key);
	if (n < 1) {
		snprintf(why, why_len, "cert: expected CERTFILE [KEYFILE]");
		return -EINVAL;
	}
	if (c->n_certs == KTIXD_MAX_CERTS) {
		snprintf(why, why_len, "cert: at most %d certificates",
			 KTIXD_MAX_CERTS);
		return -ENOSPC;
	}
	c->certs[c->n_certs].cert = strdup(cert);
	c->certs[c->n_certs].key = strdup(n == 2 ? key : cert);
	if (!c->certs[c->n_certs].cert || !c->certs[c->n_certs].key) {
		free(c->certs[c->n_certs].cert);
		free(c->certs[c->n_certs].key);
		return -ENOMEM;
	}
	c->n_certs++;
	return 0;
}

/* Each setting but cert: how it is read, and where it goes. */
enum set_kind { SET_STR, SET_BOOL, SET_UINT, SET_OCTAL, SET_MS, SET_SECS, SET_CHOICE };

struct choice {
	const char *name;
	int value;
};

static const struct choice verify_choices[] = {
	{ "none", VERIFY_NONE }, { "optional", VERIFY_OPTIONAL },
	{ "require", VERIFY_REQUIRE }, { NULL, 0 },
};

static const struct choice version_choices[] = {
	{ "1.2", TLS1_2_VERSION }, { "1.3", TLS1_3_VERSION }, { NULL, 0 },
};

#define CONF_AT(m)	offsetof(struct ktixd_config, m)

static const struct setting {
	const char *key;
	enum set_kind kind;
	size_t off;
	unsigned int min, max;		/* SET_UINT, SET_OCTAL, SET_MS, SET_SECS */
	const struct choice *choices;	/* SET_CHOICE */
} settings[] = {
	{ .key = "client-ca", .kind = SET_STR, .off = CONF_AT(client_ca) },
	{ .key = "verify-client", .kind = SET_CHOICE, .off = CONF_AT(verify), .choices = verify_choices },
	{ .key = "alpn", .kind = SET_STR, .off = CONF_AT(alpn) },
	{ .key = "min-version", .kind = SET_CHOICE, .off = CONF_AT(min_version), .choices = version_choices },
	{ .key = "tickets", .kind = SET_BOOL, .off = CONF_AT(tickets) },
	{ .key = "session-ids", .kind = SET_BOOL, .off = CONF_AT(session_ids) },
	{ .key = "foreign-tickets", .kind = SET_BOOL, .off = CONF_AT(foreign_tickets) },
	{ .key = "syslog", .kind = SET_BOOL, .off = CONF_AT(syslog) },
	{ .key = "core-dumps", .kind = SET_BOOL, .off = CONF_AT(core_dumps) },
	{ .key = "keylog-file", .kind = SET_STR, .off = CONF_AT(keylog_file) },
	{ .key = "metrics", .kind = SET_STR, .off = CONF_AT(metrics) },
	{ .key = "session-id-context", .kind = SET_STR, .off = CONF_AT(sid_context) },
	{ .key = "tls13-tickets", .kind = SET_UINT, .off = CONF_AT(tls13_tickets), .min = 0, .max = 16 },
	{ .key = "workers", .kind = SET_UINT, .off = CONF_AT(workers), .min = 0, .max = 256 },
	{ .key = "max-inflight", .kind = SET_UINT, .off = CONF_AT(max_inflight), .min = 1, .max = 1000000 },
	{ .key = "deadline", .kind = SET_MS, .off = CONF_AT(deadline_ms), .min = 10, .max = 600000 },
	{ .key = "session-max-age", .kind = SET_SECS, .off = CONF_AT(max_age), .min = 1, .max = 30 * 86400 },
	{ .key = "socket", .kind = SET_STR, .off = CONF_AT(socket) },
	{ .key = "socket-mode", .kind = SET_OCTAL, .off = CONF_AT(socket_mode), .min = 0, .max = 0777 },
	{ .key = "socket-group", .kind = SET_STR, .off = CONF_AT(socket_group) },
};

/* One of a setting's choices into the int at dst: 0 or -EINVAL. */
static int set_choice(const struct setting *st, int *dst, const char *v,
		      char *why, size_t why_len)
{
	const struct choice *ch;
	size_t n = 0;

	for (ch = st->choices; ch->name; ch++) {
		if (!strcmp(v, ch->name)) {
			*dst = ch->value;
			return 0;
		}
	}
	n = (size_t)snprintf(why, why_len, "%s: \"%s\" is not one of ", st->key, v);
	for (ch = st->choices; ch->name && n < why_len; ch++)
		n += (size_t)snprintf(why + n, why_len - n, "%s%s",
				      ch == st->choices ? "" : ", ", ch->name);
	return -EINVAL;
}

int conf_set(struct ktixd_config *c, const char *key, const char *v,
	     char *why, size_t why_len)
{
	const struct setting *st = NULL;
	void *dst;
	size_t i;
	int err;

	*why = '\0';
	if (!strcmp(key, "cert"))
		return add_cert(c, v, why, why_len);
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (!strcmp(key, settings[i].key))
			st = &settings[i];
	if (!st) {
		snprintf(why, why_len, "unknown setting \"%s\"", key);
		return -EINVAL;
	}
	dst = (char *)c + st->off;
	switch (st->kind) {
	case SET_STR:
		return set_str(dst, v);
	case SET_CHOICE:
		return set_choice(st, dst, v, why, why_len);
	case SET_BOOL:
		err = parse_bool(v, dst);
		if (err)
			snprintf(why, why_len, "%s: \"%s\" is not yes or no", key, v);
		return err;
	case SET_UINT:
		err = parse_uint(v, st->min, st->max, 10, dst);
		if (err)
			snprintf(why, why_len, "%s: \"%s\" is not a number in range (%u to %u)",
				 key, v, st->min, st->max);
		return err;
	case SET_OCTAL:
		err = parse_uint(v, st->min, st->max, 8, dst);
		if (err)
			snprintf(why, why_len, "%s: \"%s\" is not an octal mode (0660)",
				 key, v);
		return err;
	case SET_MS: {
		unsigned int u;

		err = parse_ms(v, &u);
		if (!err && (u < st->min || u > st->max))
			err = -ERANGE;
		if (err) {
			snprintf(why, why_len,
				 "%s: \"%s\" is not a duration from 10ms to 10m (\"10s\", \"500ms\")",
				 key, v);
			return err;
		}
		*(unsigned int *)dst = u;
		return 0;
	}
	case SET_SECS: {
		static const struct ktix_unit u[] = {
			{ "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 },
			{ NULL, 0 },
		};
		uint64_t secs;

		err = ktix_parse_scaled(v, u, &secs);
		if (!err && (secs < st->min || secs > st->max))
			err = -ERANGE;
		if (err) {
			snprintf(why, why_len,
				 "%s: \"%s\" is not a duration from 1s to 30d (\"7d\", \"12h\")",
				 key, v);
			return err;
		}
		*(unsigned int *)dst = (unsigned int)secs;
		return 0;
	}
	}
	return -EINVAL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int conf_load(struct ktixd_config *c, const char *path, bool must_exist)
{
	char line[8192], why[512];
	unsigned int lineno = 0;
	int err = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT && !must_exist)
			return 0;
		fprintf(stderr, "ktixd: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s, *eq, *key, *val;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, "ktixd: %s:%u: line too long\n", path,
				lineno);
			err = -EINVAL;
			break;
		}
		s = strchr(line, '#');
		if (s)
			*s = '\0';
		s = trim(line);
		if (!*s)
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			fprintf(stderr,
				"ktixd: %s:%u: expected \"key = value\", got \"%s\"\n",
				path, lineno, s);
			err = -EINVAL;
			break;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		if (!*val) {
			fprintf(stderr, "ktixd: %s:%u: %s: no value\n", path,
				lineno, key);
			err = -EINVAL;
			break;
		}
		err = conf_set(c, key, val, why, sizeof(why));
		if (err) {
			fprintf(stderr, "ktixd: %s:%u: %s\n", path, lineno,
				*why ? why : strerror(-err));
			break;
		}
	}
	fclose(f);
	return err;
}

int conf_check(struct ktixd_config *c)
{
	unsigned int i;

	if (!c->n_certs) {
		fprintf(stderr,
			"ktixd: no certificate: give --cert FILE --key FILE or \"cert = FILE KEYFILE\" in %s\n",
			KTIXD_CONFIG);
		return -EINVAL;
	}
	for (i = 0; i < c->n_certs; i++) {
		if (access(c->certs[i].cert, R_OK) ||
		    access(c->certs[i].key, R_OK)) {
			fprintf(stderr, "ktixd: cannot read %s: %s\n",
				access(c->certs[i].cert, R_OK) ?
				c->certs[i].cert : c->certs[i].key,
				strerror(errno));
			return -EINVAL;
		}
	}
	if (c->verify != VERIFY_NONE && !c->client_ca) {
		fprintf(stderr,
			"ktixd: verify-client needs client-ca = FILE (the CAs to trust)\n");
		return -EINVAL;
	}
	if (c->sid_context) {
		uint8_t b[SSL_MAX_SID_CTX_LENGTH];
		unsigned int n;

		if (sid_context_parse(c->sid_context, b, &n)) {
			fprintf(stderr,
				"ktixd: session-id-context: \"%s\" is not 1 to %d bytes of text or hex:HEX\n",
				c->sid_context, SSL_MAX_SID_CTX_LENGTH);
			return -EINVAL;
		}
		/*
		 * One context for all is safe only where the contexts differ
		 * in nothing a session proves about its client.
		 */
		if (c->verify != VERIFY_NONE) {
			fprintf(stderr,
				"ktixd: session-id-context needs verify-client = none: a shared context would let a session without a verified client resume where one is required\n");
			return -EINVAL;
		}
	}
	/* Once: a name could resolve otherwise when the server starts. */
	if (c->metrics && !c->metrics_ai) {
		char why[320];

		if (ktix_resolve_tcp(c->metrics, 0, &c->metrics_ai, why,
				     sizeof(why))) {
			fprintf(stderr, "ktixd: metrics: %s\n", why);
			return -EINVAL;
		}
	}
	return 0;
}
