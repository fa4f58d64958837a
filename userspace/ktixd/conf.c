// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: the configuration file, ktixd.conf(5).
 *
 * "key = value" lines; '#' starts a comment; blank lines are ignored.
 * Every problem is reported as FILE:LINE: what, and nothing starts.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ktix.h"
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
	c->deadline_ms = 10000;
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
	memset(c, 0, sizeof(*c));
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

static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

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

int conf_set(struct ktixd_config *c, const char *key, const char *v,
	     char *why, size_t why_len)
{
	unsigned int u;
	int err;

	*why = '\0';
	if (!strcmp(key, "cert"))
		return add_cert(c, v, why, why_len);
	if (!strcmp(key, "client-ca"))
		return set_str(&c->client_ca, v);
	if (!strcmp(key, "verify-client")) {
		if (!strcmp(v, "none"))
			c->verify = VERIFY_NONE;
		else if (!strcmp(v, "optional"))
			c->verify = VERIFY_OPTIONAL;
		else if (!strcmp(v, "require"))
			c->verify = VERIFY_REQUIRE;
		else
			goto bad_choice;
		return 0;
	}
	if (!strcmp(key, "alpn"))
		return set_str(&c->alpn, v);
	if (!strcmp(key, "min-version")) {
		if (!strcmp(v, "1.2"))
			c->min_version = TLS1_2_VERSION;
		else if (!strcmp(v, "1.3"))
			c->min_version = TLS1_3_VERSION;
		else
			goto bad_choice;
		return 0;
	}
	if (!strcmp(key, "tickets")) {
		err = parse_bool(v, &c->tickets);
		goto out_bool;
	}
	if (!strcmp(key, "session-ids")) {
		err = parse_bool(v, &c->session_ids);
		goto out_bool;
	}
	if (!strcmp(key, "syslog")) {
		err = parse_bool(v, &c->syslog);
		goto out_bool;
	}
	if (!strcmp(key, "core-dumps")) {
		err = parse_bool(v, &c->core_dumps);
		goto out_bool;
	}
	if (!strcmp(key, "tls13-tickets")) {
		err = parse_uint(v, 0, 16, 10, &c->tls13_tickets);
		goto out_range;
	}
	if (!strcmp(key, "workers")) {
		err = parse_uint(v, 0, 256, 10, &c->workers);
		goto out_range;
	}
	if (!strcmp(key, "max-inflight")) {
		err = parse_uint(v, 1, 1000000, 10, &c->max_inflight);
		goto out_range;
	}
	if (!strcmp(key, "deadline")) {
		err = parse_ms(v, &u);
		if (!err && (u < 10 || u > 600000))
			err = -ERANGE;
		if (err) {
			snprintf(why, why_len,
				 "deadline: \"%s\" is not a duration from 10ms to 10m (\"10s\", \"500ms\")",
				 v);
			return err;
		}
		c->deadline_ms = u;
		return 0;
	}
	if (!strcmp(key, "socket"))
		return set_str(&c->socket, v);
	if (!strcmp(key, "socket-mode")) {
		err = parse_uint(v, 0, 0777, 8, &c->socket_mode);
		if (err)
			snprintf(why, why_len,
				 "socket-mode: \"%s\" is not an octal mode (0660)",
				 v);
		return err;
	}
	if (!strcmp(key, "socket-group"))
		return set_str(&c->socket_group, v);
	snprintf(why, why_len, "unknown setting \"%s\"", key);
	return -EINVAL;

bad_choice:
	snprintf(why, why_len, "%s: \"%s\" is not one of %s", key, v,
		 !strcmp(key, "min-version") ? "1.2, 1.3" :
		 "none, optional, require");
	return -EINVAL;
out_bool:
	if (err)
		snprintf(why, why_len, "%s: \"%s\" is not yes or no", key, v);
	return err;
out_range:
	if (err)
		snprintf(why, why_len, "%s: \"%s\" is not a number in range (%s)",
			 key, v, !strcmp(key, "tls13-tickets") ? "0 to 16" :
			 !strcmp(key, "workers") ? "0 to 256" : "1 to 1000000");
	return err;
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

int conf_check(const struct ktixd_config *c)
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
	return 0;
}
