// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: the TLS handshake helper of ktix.  ktixd(8).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ktix.h"
#include "ktix_nl.h"
#include "ktixd.h"

static bool use_syslog, verbose;

bool log_wanted(int prio)
{
	return prio != LOG_DEBUG || verbose;
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (!log_wanted(prio))
		return;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		/*
		 * One write(2) a line: stderr is unbuffered, and three calls
		 * would be three writes, interleaved between threads.
		 */
		char line[1024];
		int n = snprintf(line, sizeof(line), "ktixd: ");

		n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
		if (n > (int)sizeof(line) - 2)
			n = (int)sizeof(line) - 2;	/* cut short */
		line[n++] = '\n';
		fwrite(line, 1, (size_t)n, stderr);
	}
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ktixd [OPTIONS]\n"
"\n"
"Performs TLS handshakes for TCP servers and installs their record keys\n"
"into kTLS through the ktix module.  Servers hand sockets over a Unix\n"
"socket (libktix: ktix_handshake()).\n"
"\n"
"  -c, --config FILE   configuration file (default %s; see ktixd.conf(5))\n"
"      --cert FILE     certificate chain (PEM); may be given several times,\n"
"                      the first is the default, others are chosen by SNI\n"
"      --key FILE      private key of the --cert before it (default: the\n"
"                      certificate's file)\n"
"  -s, --socket PATH   Unix socket to serve (default %s)\n"
"  -w, --workers N     handshake threads (default: one per CPU)\n"
"  -d, --deadline T    handshake deadline, e.g. 10s, 500ms (default 10s)\n"
"  -f, --foreground    accepted for old unit files: ktixd never forks\n"
"  -o, --set KEY=VALUE any configuration setting, as in the file\n"
"      --metrics ADDR:PORT\n"
"                      serve the module's counters for Prometheus at\n"
"                      http://ADDR:PORT/metrics (off by default; no\n"
"                      authentication: bind it to a monitoring network)\n"
"      --check         check the configuration and certificates, then exit\n"
"  -v, --verbose       log every handshake and debugging detail\n"
"  -V, --version       print the version and exit\n"
"  -h, --help          print this help and exit\n"
"\n"
"Signals: SIGHUP reloads the certificates, SIGUSR1 logs the counters,\n"
"SIGTERM finishes the handshakes in flight and exits.\n"
"\n"
"Environment: SSLKEYLOGFILE=FILE appends every handshake's secrets to FILE\n"
"for Wireshark; for debugging only (keylog-file in ktixd.conf(5)).\n",
		KTIXD_CONFIG, KTIX_HELPER_SOCKET);
}

/* The configuration file, named by -c/--config, or ktixd.conf: 0 or 1. */
static int load_file(int argc, char **argv, struct ktixd_config *c)
{
	const char *config = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) &&
		    i + 1 < argc)
			config = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			config = argv[i] + 9;
	}
	conf_defaults(c);
	return conf_load(c, config ? config : KTIXD_CONFIG, config != NULL);
}

/* One setting from the command line, "cert" ... or "KEY=VALUE" of --set. */
static int set_option(struct ktixd_config *c, const char *key,
		      const char *arg)
{
	char why[512], kv[4200];
	const char *val = arg;

	if (!key) {
		char *eq;

		snprintf(kv, sizeof(kv), "%s", arg);
		eq = strchr(kv, '=');
		if (!eq) {
			fprintf(stderr, "ktixd: --set takes KEY=VALUE, not \"%s\"\n",
				arg);
			return 1;
		}
		*eq = '\0';
		key = kv;
		val = eq + 1;
	}
	if (conf_set(c, key, val, why, sizeof(why))) {
		fprintf(stderr, "ktixd: %s\n", *why ? why : "bad option");
		return 1;
	}
	return 0;
}

/* --key names the key of the --cert before it. */
static int set_cert_key(struct ktixd_config *c, const char *path)
{
	if (!c->n_certs) {
		fprintf(stderr, "ktixd: --key must follow a --cert\n");
		return 1;
	}
	free(c->certs[c->n_certs - 1].key);
	c->certs[c->n_certs - 1].key = strdup(path);
	if (!c->certs[c->n_certs - 1].key) {
		fprintf(stderr, "ktixd: out of memory\n");
		return 1;
	}
	return 0;
}

/*
 * The command line over the file: 0 to go on, 1 to exit with an error
 * (said), or 2 to exit with success (--version, --help).
 */
static int parse_args(int argc, char **argv, struct ktixd_config *c,
		      bool *check)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "socket", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ "deadline", required_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "set", required_argument, NULL, 'o' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "check", no_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, err = 0;

	while (!err && (opt = getopt_long(argc, argv, "c:s:w:d:fo:vVh",
					  opts, NULL)) != -1) {
		switch (opt) {
		case 'c':	/* read before, by load_file() */
		case 'f':	/* ktixd always stays in the foreground */
			break;
		case 'C':
			err = set_option(c, "cert", optarg);
			break;
		case 'K':
			err = set_cert_key(c, optarg);
			break;
		case 's':
			err = set_option(c, "socket", optarg);
			break;
		case 'w':
			err = set_option(c, "workers", optarg);
			break;
		case 'd':
			err = set_option(c, "deadline", optarg);
			break;
		case 'o':
			err = set_option(c, NULL, optarg);
			break;
		case 'M':
			err = set_option(c, "metrics", optarg);
			break;
		case 'k':
			*check = true;
			break;
		case 'v':
			c->verbose = true;
			break;
		case 'V':
			printf("ktixd %s\n", KTIX_TOOL_VERSION);
			return 2;
		case 'h':
			usage(stdout);
			return 2;
		default:
			fprintf(stderr, "Try 'ktixd --help'.\n");
			return 1;
		}
	}
	if (!err && optind < argc) {
		fprintf(stderr, "ktixd: unexpected argument \"%s\"; try 'ktixd --help'\n",
			argv[optind]);
		return 1;
	}
	return err;
}

/*
 * What must hold before ktixd serves: the module, locked memory for
 * secrets, the ring, and contexts that load.  Leaves the mirror stopped
 * and the contexts loaded: 0 or -errno (said).
 */
static int prepare(struct ktixd_config *c)
{
	struct ktix_nl *nl;
	int err;

	err = ktix_nl_open(&nl);
	if (err) {
		fprintf(stderr, "ktixd: the ktix module: %s%s\n", strerror(-err),
			err == -ENOENT ? " (load it: modprobe ktix)" : "");
		return err;
	}
	ktix_nl_close(nl);
	if (secret_mem_init(c->core_dumps))
		return -ENOMEM;
	err = rekey_init();
	if (err) {
		fprintf(stderr, "ktixd: the key for sealing traffic secrets: %s\n",
			strerror(-err));
		return err;
	}
	err = mirror_start();
	if (err) {
		fprintf(stderr, "ktixd: reading the ticket-key ring: %s%s\n",
			strerror(-err),
			err == -EPERM ? " (ktixd needs CAP_NET_ADMIN)" : "");
		return err;
	}
	err = tls_contexts_load(c);
	mirror_stop();
	return err;
}

/* Listens and serves until a signal ends it: 0 or -errno. */
static int serve(struct ktixd_config *c)
{
	sigset_t mask;
	int err, lfd;

	/* Threads start once the socket listens; signals come by signalfd. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	lfd = server_listen(c);
	if (lfd < 0)
		return lfd;
	if (c->syslog) {
		openlog("ktixd", LOG_PID, LOG_DAEMON);
		use_syslog = true;
	}
	err = keylog_open(c);
	if (err)
		return err;
	err = mirror_start();
	if (err) {
		log_msg(LOG_ERR, "reading the ticket-key ring: %s", strerror(-err));
		keylog_close();
		return err;
	}
	err = metrics_start(c);
	if (!err)
		err = server_run(c, lfd);
	metrics_stop();
	mirror_stop();
	keylog_close();
	return err;
}

int main(int argc, char **argv)
{
	struct ktixd_config c;
	bool check = false;
	int err;

	/* The file first, so that the command line overrides it. */
	if (load_file(argc, argv, &c))
		return 1;
	err = parse_args(argc, argv, &c, &check);
	if (err)
		return err == 2 ? 0 : 1;
	if (!c.socket && !(c.socket = strdup(KTIX_HELPER_SOCKET)))
		return 1;
	verbose = c.verbose;
	if (conf_check(&c))
		return 1;

	err = prepare(&c);
	if (check && !err)
		printf("ktixd: configuration OK, %u certificate%s\n",
		       c.n_certs, c.n_certs == 1 ? "" : "s");
	if (!check && !err)
		err = serve(&c);
	tls_contexts_free();
	conf_free(&c);
	rekey_done();
	secret_mem_done();
	return err ? 1 : 0;
}
