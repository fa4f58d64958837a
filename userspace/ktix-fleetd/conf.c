// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-fleetd: its settings, from ktix-fleetd.conf(5) and the command line
 * (which wins).  Every setting of the file is also "--set NAME=VALUE".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetd.h"
#include "ktix_units.h"

static const struct ktix_unit durations[] = {
	{ "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 }, { NULL, 0 },
};

/* A duration setting: its member, bounds and default, in seconds. */
static const struct duration {
	const char *name;
	size_t offset;
	uint32_t min, max, def;
} durs[] = {
#define D(n, m, lo, hi, d) { n, offsetof(struct fleetd_config, m), lo, hi, d }
	D("rotate-interval", rotate_interval, 2, 604800, 3600),
	D("lead-time", lead_time, 1, 86400, 600),
	D("lease-ttl", lease_ttl, 2, 3600, 15),
	D("retention", retention, 60, 1209600, 43200),
	D("ticket-lifetime", ticket_lifetime, 60, 604800, 43200),
	D("sync-interval", sync_interval, 1, 3600, 5),
#undef D
};

#define N_DURS (sizeof(durs) / sizeof(durs[0]))

static uint32_t *dur_field(struct fleetd_config *c, const struct duration *d)
{
	return (uint32_t *)((char *)c + d->offset);
}

static int set_endpoints(struct fleetd_config *c, const char *v)
{
	char *copy = strdup(v), *tok, *save = NULL;
	size_t i;

	if (!copy)
		return -ENOMEM;
	for (i = 0; i < c->n_endpoints; i++)
		free(c->endpoints[i]);
	c->n_endpoints = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(tok);

		if (c->n_endpoints == FLEETD_MAX_ENDPOINTS ||
		    (strncmp(tok, "http://", 7) && strncmp(tok, "https://", 8))) {
			free(copy);
			return -EINVAL;
		}
		while (n && tok[n - 1] == '/')
			tok[--n] = '\0';	/* the paths are appended */
		c->endpoints[c->n_endpoints] = strdup(tok);
		if (!c->endpoints[c->n_endpoints++]) {
			free(copy);
			return -ENOMEM;
		}
	}
	free(copy);
	return c->n_endpoints ? 0 : -EINVAL;
}

/* A fleet's or host's name: letters, digits, '.', '_', '-'. */
static bool good_name(const char *v)
{
	size_t i, n = strlen(v);

	if (!n || n > FLEETD_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", v[i]))
			return false;
	return true;
}

/*
 * Where a bad setting came from: "FILE:LINE: NAME: ", "--set: NAME: " or
 * "--NAME: ".
 */
static void said_at(const char *where, const char *name)
{
	if (!strcmp(where, "--"))
		fprintf(stderr, "ktix-fleetd: --%s: ", name);
	else
		fprintf(stderr, "ktix-fleetd: %s: %s: ", where, name);
}

/* One setting, from @where: 0, or 1 with the reason said. */
static int set_one(struct fleetd_config *c, const char *name, const char *v,
		   const char *where)
{
	uint64_t secs;
	size_t i;

	for (i = 0; i < N_DURS; i++) {
		if (strcmp(name, durs[i].name))
			continue;
		if (ktix_parse_scaled(v, durations, &secs) || secs < durs[i].min ||
		    secs > durs[i].max) {
			said_at(where, name);
			fprintf(stderr, "\"%s\" is not a duration from %us to %us (20s, 10m, 1h)\n",
				v, durs[i].min, durs[i].max);
			return 1;
		}
		*dur_field(c, &durs[i]) = (uint32_t)secs;
		return 0;
	}
	if (!strcmp(name, "endpoints")) {
		if (set_endpoints(c, v)) {
			said_at(where, name);
			fprintf(stderr, "\"%s\" is not a list of at most %d http:// or https:// URLs\n",
				v, FLEETD_MAX_ENDPOINTS);
			return 1;
		}
	} else if (!strcmp(name, "fleet") || !strcmp(name, "host")) {
		if (!good_name(v)) {
			said_at(where, name);
			fprintf(stderr, "\"%s\" is not 1 to %d letters, digits, '.', '_' or '-'\n",
				v, FLEETD_NAME_MAX);
			return 1;
		}
		strcpy(*name == 'f' ? c->fleet : c->host, v);
	} else if (!strcmp(name, "kek")) {
		free(c->kek_path);
		c->kek_path = strdup(v);
		if (!c->kek_path)
			return 1;
	} else {
		fprintf(stderr, "ktix-fleetd: %s: no setting \"%s\" (see ktix-fleetd.conf(5))\n",
			where, name);
		return 1;
	}
	return 0;
}

/* "NAME = VALUE" lines, '#' comments: 0, or 1 with the line named. */
static int load_file(struct fleetd_config *c, const char *path)
{
	char line[1024], where[512];
	FILE *f = fopen(path, "re");
	unsigned int no = 0;

	if (!f) {
		fprintf(stderr, "ktix-fleetd: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *eq, *name, *v, *end;

		no++;
		snprintf(where, sizeof(where), "%s:%u", path, no);
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, "ktix-fleetd: %s: line too long\n", where);
			fclose(f);
			return 1;
		}
		p[strcspn(p, "#\n")] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			continue;
		eq = strchr(p, '=');
		if (!eq) {
			fprintf(stderr, "ktix-fleetd: %s: not \"name = value\"\n",
				where);
			fclose(f);
			return 1;
		}
		name = p;
		for (end = eq; end > name && (end[-1] == ' ' || end[-1] == '\t');)
			end--;
		*end = '\0';
		v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		for (end = v + strlen(v); end > v &&
		     (end[-1] == ' ' || end[-1] == '\t');)
			end--;
		*end = '\0';
		if (set_one(c, name, v, where)) {
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ktix-fleetd --endpoints URL[,URL...] --fleet NAME --kek FILE\n"
"                   [--config FILE] [--host NAME] [--foreground]\n"
"                   [--set NAME=VALUE]...\n"
"       ktix-fleetd status [-j]\n"
"\n"
"Shares one ticket-key ring and one revocation set between the hosts of a\n"
"fleet, through etcd: every host decrypts every other host's tickets.  Run\n"
"one on each host, in the network namespace whose ring it serves.  The\n"
"keys in etcd are wrapped under the key-encryption key (KEK), which never\n"
"leaves the host.\n"
"\n"
"  -e, --endpoints URLS    etcd's client URLs, comma-separated\n"
"  -f, --fleet NAME        the fleet: its keys live under /ktix/NAME/ in etcd\n"
"  -k, --kek FILE          32 bytes (raw, or 64 hex digits), mode 0600\n"
"  -c, --config FILE       settings, as ktix-fleetd.conf(5); the command\n"
"                          line overrides them\n"
"      --host NAME         this host's name in the fleet (default: the\n"
"                          host name)\n"
"  -F, --foreground        log to standard error, not syslog\n"
"  -s, --set NAME=VALUE    any setting of the file\n"
"  -h, --help              print this help and exit\n"
"\n"
"Settings (durations: 20s, 10m, 1h, 2d):\n"
"  rotate-interval  how long each key encrypts (default 1h; at least 2s)\n"
"  lead-time        how long before its time a key is published (10m)\n"
"  lease-ttl        how long a leader that stopped answering leads (15s)\n"
"  retention        how long a key decrypts after it stops encrypting (12h)\n"
"  ticket-lifetime  the lifetime of tickets (12h; at most the retention)\n"
"  sync-interval    how often etcd is read besides its watch (5s)\n"
"\n"
"status prints this host's view of the fleet (-j: as JSON).\n");
}

void conf_free(struct fleetd_config *c)
{
	size_t i;

	for (i = 0; i < c->n_endpoints; i++)
		free(c->endpoints[i]);
	free(c->kek_path);
	memset(c, 0, sizeof(*c));
}

/* The rules between settings: 0, or 1 with the reason said. */
static int conf_check(const struct fleetd_config *c)
{
	if (!c->n_endpoints || !*c->fleet || !c->kek_path) {
		fprintf(stderr, "ktix-fleetd: --endpoints, --fleet and --kek are needed; try 'ktix-fleetd --help'\n");
		return 1;
	}
	if (c->ticket_lifetime > c->retention) {
		fprintf(stderr, "ktix-fleetd: ticket-lifetime (%us) is longer than retention (%us): tickets would outlive their key\n",
			c->ticket_lifetime, c->retention);
		return 1;
	}
	if (c->lead_time < 2 * c->lease_ttl) {
		fprintf(stderr, "ktix-fleetd: lead-time (%us) must be at least twice lease-ttl (%us): a new leader must publish before the next key is due\n",
			c->lead_time, c->lease_ttl);
		return 1;
	}
	if (2 * c->sync_interval > c->lease_ttl) {
		fprintf(stderr, "ktix-fleetd: sync-interval (%us) must be at most half of lease-ttl (%us): the lease is renewed each round\n",
			c->sync_interval, c->lease_ttl);
		return 1;
	}
	/* The module's ring: every key within the retention, and ahead. */
	if (2 + (c->retention + c->rotate_interval - 1) / c->rotate_interval +
	    (c->lead_time + c->rotate_interval - 1) / c->rotate_interval >
	    KTIX_MAX_KEYS_LIMIT) {
		fprintf(stderr, "ktix-fleetd: retention / rotate-interval + lead-time / rotate-interval needs more than the %d keys a ring holds\n",
			KTIX_MAX_KEYS_LIMIT);
		return 1;
	}
	return 0;
}

int conf_parse(int argc, char **argv, struct fleetd_config *c)
{
	static const struct option opts[] = {
		{ "endpoints", required_argument, NULL, 'e' },
		{ "fleet", required_argument, NULL, 'f' },
		{ "kek", required_argument, NULL, 'k' },
		{ "config", required_argument, NULL, 'c' },
		{ "host", required_argument, NULL, 'H' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "set", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const names[] = {
		['e'] = "endpoints", ['f'] = "fleet", ['k'] = "kek",
		['H'] = "host",
	};
	size_t i;
	int opt;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < N_DURS; i++)
		*dur_field(c, &durs[i]) = durs[i].def;
	if (gethostname(c->host, sizeof(c->host) - 1) || !good_name(c->host))
		strcpy(c->host, "host");
	/* The file first, wherever --config is, so that the rest wins. */
	for (i = 1; i < (size_t)argc; i++) {
		const char *a = argv[i];

		if ((!strcmp(a, "--config") || !strcmp(a, "-c")) && i + 1 < (size_t)argc) {
			if (load_file(c, argv[i + 1]))
				return 1;
		} else if (!strncmp(a, "--config=", 9) && load_file(c, a + 9)) {
			return 1;
		}
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "e:f:k:c:Fs:h", opts, NULL)) != -1) {
		char *eq;

		switch (opt) {
		case 'e': case 'f': case 'k': case 'H':
			if (set_one(c, names[opt], optarg, "--"))
				return 1;
			break;
		case 'c':
			break;
		case 'F':
			c->foreground = true;
			break;
		case 's':
			eq = strchr(optarg, '=');
			if (!eq) {
				fprintf(stderr, "ktix-fleetd: --set NAME=VALUE, not \"%s\"\n",
					optarg);
				return 1;
			}
			*eq = '\0';
			if (set_one(c, optarg, eq + 1, "--set")) {
				*eq = '=';
				return 1;
			}
			*eq = '=';
			break;
		case 'h':
			usage(stdout);
			return 2;
		default:
			fprintf(stderr, "Try 'ktix-fleetd --help'.\n");
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ktix-fleetd: unexpected argument \"%s\"; try 'ktix-fleetd --help'\n",
			argv[optind]);
		return 1;
	}
	return conf_check(c);
}
