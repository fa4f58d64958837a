// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl key: the namespace's ticket-key ring.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ktix_nl.h"
#include "ktixctl.h"

int key_show(struct ktix_nl *nl)
{
	struct ktix_key_list l;
	size_t i;
	int err;

	err = ktix_nl_key_list(nl, false, &l);
	if (err) {
		ctl_error(nl, "key list", err);
		return err;
	}
	if (json) {
		printf("[");
		for (i = 0; i < l.n; i++) {
			const struct ktix_key_info *k = &l.keys[i];

			printf("%s{\"name\":\"", i ? "," : "");
			print_hex(k->name, sizeof(k->name));
			printf("\",\"state\":\"%s\",\"aes_bits\":%" PRIu32
			       ",\"created\":%" PRIu64 ",\"encrypt_from\":%" PRIu64
			       ",\"encrypt_until\":%" PRIu64
			       ",\"decrypt_until\":%" PRIu64 "}",
			       ktix_key_state_name(k->state), k->aes_bits,
			       k->created, k->encrypt_from, k->encrypt_until,
			       k->decrypt_until);
		}
		printf("]");
	} else {
		printf("%-32s  %-8s  %-3s  %-20s  %-20s  %s\n", "name", "state",
		       "aes", "encrypt from", "encrypt until", "decrypt until");
		for (i = 0; i < l.n; i++) {
			const struct ktix_key_info *k = &l.keys[i];

			print_hex(k->name, sizeof(k->name));
			printf("  %-8s  %-3" PRIu32 "  ",
			       ktix_key_state_name(k->state), k->aes_bits);
			print_time(k->encrypt_from, 20);
			printf("  ");
			print_time(k->encrypt_until, 20);
			printf("  ");
			print_time(k->decrypt_until, 0);
			printf("\n");
		}
	}
	ktix_key_list_free(&l);
	return 0;
}

static int parse_name(const char *s, uint8_t *name)
{
	size_t len;

	if (parse_hex(s, name, KTIX_KEY_NAME_LEN, &len) ||
	    len != KTIX_KEY_NAME_LEN)
		return -EINVAL;
	return 0;
}

static int parse_state(const char *s, uint32_t *state)
{
	if (!strcmp(s, "next"))
		*state = KTIX_KEY_STATE_NEXT;
	else if (!strcmp(s, "primary"))
		*state = KTIX_KEY_STATE_PRIMARY;
	else if (!strcmp(s, "retiring"))
		*state = KTIX_KEY_STATE_RETIRING;
	else
		return -EINVAL;
	return 0;
}

static void key_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-j] key [list]\n"
		"       %s key rotate\n"
		"       %s key add [--state STATE] [--name NAME] [--aes-bits 128|256]\n"
		"                  [--encrypt-from TIME [--encrypt-until TIME]\n"
		"                   [--decrypt-until TIME]]\n"
		"       %s key del NAME\n"
		"       %s key import FILE [--state STATE]\n"
		"       %s key export FILE --format nginx [--name NAME]\n"
		"       %s key export FILE --format haproxy\n\n"
		"Show or change this network namespace's ticket-key ring.  A key is\n"
		"next (decrypts; encrypts after the next rotation), primary (encrypts)\n"
		"or retiring (decrypts until its time is up).  Changes, and export,\n"
		"need CAP_NET_ADMIN.  NAME is a key's name in hex (32 digits).\n\n"
		"  list     the keys, oldest first; never their material\n"
		"  rotate   next -> primary -> retiring, and a fresh next key\n"
		"  add      a fresh random key (OpenSSL's generator), by default\n"
		"           AES-256 and next; with --state primary the primary retires.\n"
		"           --encrypt-from schedules a next key (manual rotation): it\n"
		"           becomes the primary at that TIME, and keeps the times it\n"
		"           came with.  TIME: +DURATION from now (+90s, +2h),\n"
		"           YYYY-MM-DDTHH:MM:SSZ or @SECONDS since the epoch\n"
		"  del      wipe a key (not the primary while others remain)\n"
		"  import   keys from an nginx key file (48 or 80 bytes, one key;\n"
		"           primary unless --state says otherwise) or a HAProxy\n"
		"           tls-ticket-keys file (base64 lines: the second-last key\n"
		"           becomes primary, the last next, the others retiring).  A\n"
		"           next key already in the ring, which has never encrypted,\n"
		"           is replaced.  The file is checked whole before any change.\n"
		"  export   write one key (the primary unless --name) as a new nginx\n"
		"           key file, or the ring as a new HAProxy tls-ticket-keys file\n"
		"           (the retiring keys, oldest first, the primary, then the\n"
		"           next key: HAProxy encrypts with the second-last line);\n"
		"           mode 0600, and an existing FILE is never overwritten\n",
		prog, prog, prog, prog, prog, prog, prog);
}

static int key_random(struct ktix_key_info *k, unsigned int bits)
{
	memset(k, 0, sizeof(*k));
	k->aes_len = k->hmac_len = (uint8_t)(bits / 8);
	if (RAND_bytes(k->name, sizeof(k->name)) != 1 ||
	    RAND_bytes(k->aes, k->aes_len) != 1 ||
	    RAND_bytes(k->hmac, k->hmac_len) != 1)
		return -EIO;
	return 0;
}

static const struct ktix_key_info *find_key(const struct ktix_key_list *l,
					    const uint8_t *name, uint32_t state)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (name ? !memcmp(l->keys[i].name, name, KTIX_KEY_NAME_LEN) :
		    l->keys[i].state == state)
			return &l->keys[i];
	return NULL;
}

/* A next key never encrypted a ticket: replacing it loses nothing. */
static int drop_next(struct ktix_nl *nl, const struct ktix_key_list *ring)
{
	const struct ktix_key_info *next = find_key(ring, NULL,
						     KTIX_KEY_STATE_NEXT);

	return next ? ktix_nl_key_del(nl, next->name) : 0;
}

/*
 * Everything the kernel would refuse of an import, before anything changes:
 * names already in the ring or twice in the file, more keys than room.
 */
static int import_fits(const char *path, const struct ktix_key_info *keys,
		       size_t n, const struct ktix_key_list *ring,
		       uint32_t max_keys)
{
	size_t i, j, room;

	for (i = 0; i < n; i++) {
		if (find_key(ring, keys[i].name, 0)) {
			fprintf(stderr, "%s: key import: %s: key %zu's name is already in the ring\n",
				prog, path, i + 1);
			return -EEXIST;
		}
		for (j = 0; j < i; j++)
			if (!memcmp(keys[i].name, keys[j].name, KTIX_KEY_NAME_LEN)) {
				fprintf(stderr, "%s: key import: %s: keys %zu and %zu have the same name\n",
					prog, path, j + 1, i + 1);
				return -EINVAL;
			}
	}
	/* A file's "next" key replaces the ring's. */
	room = max_keys - ring->n;
	if (find_key(ring, NULL, KTIX_KEY_STATE_NEXT) &&
	    (n > 1 || keys[0].state == KTIX_KEY_STATE_NEXT))
		room++;
	if (n > room) {
		fprintf(stderr, "%s: key import: %s: %zu keys do not fit: the ring has room for %zu (policy max-keys %u)\n",
			prog, path, n, room, max_keys);
		return -ENOSPC;
	}
	return 0;
}

/*
 * HAProxy wants three lines at least, so a file may repeat a key (key
 * export does, for a ring of two): a line that is the very same key as a
 * later one goes, and the later one keeps the primary state if either had
 * it.  Keys of one name and different material stay, for import_fits()
 * to refuse.  The number of keys left.
 */
static size_t drop_repeats(struct ktix_key_info *keys, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		for (j = i + 1; j < n; j++)
			if (!memcmp(keys[i].name, keys[j].name, KTIX_KEY_NAME_LEN) &&
			    keys[i].aes_len == keys[j].aes_len &&
			    !CRYPTO_memcmp(keys[i].aes, keys[j].aes, keys[i].aes_len) &&
			    !CRYPTO_memcmp(keys[i].hmac, keys[j].hmac, keys[i].hmac_len))
				break;
		if (j == n) {
			i++;
			continue;
		}
		if (keys[i].state == KTIX_KEY_STATE_PRIMARY)
			keys[j].state = KTIX_KEY_STATE_PRIMARY;
		memmove(&keys[i], &keys[i + 1], (n - i - 1) * sizeof(*keys));
		OPENSSL_cleanse(&keys[--n], sizeof(*keys));
	}
	return n;
}

/* The file is read and checked before the module is asked anything. */
static int key_import(const char *path, bool has_state, uint32_t state)
{
	struct ktix_key_info keys[KTIX_MAX_KEYS_LIMIT];
	struct ktix_nl *nl = NULL;
	struct ktix_policy_info pol;
	struct ktix_key_list ring;
	enum keyfile_format fmt;
	size_t n, i, primary;
	char why[160];
	int err;

	err = keyfile_read(path, keys, KTIX_MAX_KEYS_LIMIT, &n, &fmt, why,
			   sizeof(why));
	if (err) {
		fprintf(stderr, "%s: key import: %s: %s\n", prog, path, why);
		return err;
	}
	if (fmt == KEYFILE_HAPROXY && n > 1 && has_state) {
		fprintf(stderr,
			"%s: key import: %s: --state is for files of one key; a HAProxy file's order gives the states\n",
			prog, path);
		err = -EINVAL;
		goto out;
	}
	/* HAProxy: the second-last encrypts, the last is next. */
	primary = n > 1 ? n - 2 : 0;
	for (i = 0; i < n; i++)
		keys[i].state = n == 1 ? (has_state ? state :
					  KTIX_KEY_STATE_PRIMARY) :
				i == primary ? KTIX_KEY_STATE_PRIMARY :
				i == n - 1 ? KTIX_KEY_STATE_NEXT :
				KTIX_KEY_STATE_RETIRING;
	n = drop_repeats(keys, n);
	for (primary = 0; primary < n - 1; primary++)
		if (keys[primary].state == KTIX_KEY_STATE_PRIMARY)
			break;

	nl = ctl_open();
	if (!nl) {
		err = -ENOENT;
		goto out;
	}
	/* Everything the kernel would refuse, before anything changes. */
	err = ktix_nl_policy_get(nl, &pol);
	if (!err)
		err = ktix_nl_key_list(nl, false, &ring);
	if (err) {
		ctl_error(nl, "key import", err);
		goto out;
	}
	err = import_fits(path, keys, n, &ring, pol.max_keys);
	if (err) {
		ktix_key_list_free(&ring);
		goto out;
	}
	if (n > 1 || keys[0].state == KTIX_KEY_STATE_NEXT)
		err = drop_next(nl, &ring);
	ktix_key_list_free(&ring);

	/* The primary first: retiring keys need one. */
	if (!err)
		err = ktix_nl_key_add(nl, &keys[primary]);
	for (i = 0; i < n && !err; i++)
		if (i != primary)
			err = ktix_nl_key_add(nl, &keys[i]);
	if (err)
		ctl_error(nl, "key import", err);
out:
	OPENSSL_cleanse(keys, sizeof(keys));
	ktix_nl_close(nl);
	return err;
}

/* HAProxy refuses a tls-ticket-keys file of fewer lines. */
#define HAPROXY_MIN_KEYS	3

/*
 * The ring in HAProxy's order: retiring keys oldest first, primary, next;
 * the first line repeated to make up HAProxy's three.
 */
static int export_haproxy(const char *path, const struct ktix_key_list *ring)
{
	const struct ktix_key_info *primary, *next = NULL;
	struct ktix_key_info *keys;
	size_t i, n = 0, nexts = 0, other = 0;
	char why[160];
	int err;

	primary = find_key(ring, NULL, KTIX_KEY_STATE_PRIMARY);
	for (i = 0; i < ring->n; i++) {
		const struct ktix_key_info *k = &ring->keys[i];

		if (k->state != KTIX_KEY_STATE_NEXT)
			continue;
		nexts++;
		/* The one to encrypt first: the soonest scheduled, or oldest. */
		if (!next || k->encrypt_from < next->encrypt_from ||
		    (k->encrypt_from == next->encrypt_from &&
		     k->created < next->created))
			next = k;
	}
	if (!primary || !next) {
		fprintf(stderr, "%s: key export: the ring has no %s key; HAProxy encrypts with the second-last line, so the file ends with the primary and a next key (add one: '%s key add')\n",
			prog, primary ? "next" : "primary", prog);
		return -ENOENT;
	}
	if (next->aes_len != primary->aes_len) {
		fprintf(stderr, "%s: key export: the primary is AES-%u and the next key AES-%u; a HAProxy file holds keys of one size\n",
			prog, primary->aes_len * 8, next->aes_len * 8);
		return -EINVAL;
	}
	keys = calloc(ring->n + HAPROXY_MIN_KEYS, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (i = 0; i < ring->n; i++) {
		if (ring->keys[i].state != KTIX_KEY_STATE_RETIRING)
			continue;
		if (ring->keys[i].aes_len == primary->aes_len)
			keys[n++] = ring->keys[i];
		else
			other++;
	}
	/* Oldest first: HAProxy keeps the last lines it reads. */
	for (i = 1; i < n; i++) {
		struct ktix_key_info t = keys[i];
		size_t j = i;

		for (; j && keys[j - 1].created > t.created; j--)
			keys[j] = keys[j - 1];
		keys[j] = t;
	}
	keys[n++] = *primary;
	keys[n++] = *next;
	/* HAProxy wants three lines at least: the first repeated before. */
	while (n < HAPROXY_MIN_KEYS) {
		memmove(&keys[1], &keys[0], n * sizeof(*keys));
		n++;
	}
	err = keyfile_write_haproxy(path, keys, n, why, sizeof(why));
	if (err)
		fprintf(stderr, "%s: key export: %s: %s\n", prog, path, why);
	if (!err && nexts > 1)
		fprintf(stderr, "%s: key export: %zu next keys; the file holds the first to encrypt (export again after it does)\n",
			prog, nexts);
	if (!err && other)
		fprintf(stderr, "%s: key export: %zu retiring key%s of another AES size left out: a HAProxy file holds keys of one size\n",
			prog, other, other == 1 ? "" : "s");
	OPENSSL_cleanse(keys, (ring->n + HAPROXY_MIN_KEYS) * sizeof(*keys));
	free(keys);
	return err;
}

static int key_export(struct ktix_nl *nl, const char *path, const char *format,
		      const uint8_t *name)
{
	const struct ktix_key_info *k;
	struct ktix_key_list ring;
	char why[160];
	int err;

	err = ktix_nl_key_list(nl, true, &ring);
	if (err) {
		ctl_error(nl, "key export", err);
		return err;
	}
	if (!strcmp(format, "haproxy")) {
		err = export_haproxy(path, &ring);
		ktix_key_list_free(&ring);
		return err;
	}
	k = find_key(&ring, name, KTIX_KEY_STATE_PRIMARY);
	if (!k) {
		fprintf(stderr, "%s: key export: %s\n", prog,
			name ? "no key with this name in the ring" :
			"the ring has no primary key");
		err = -ENOENT;
	} else {
		err = keyfile_write_nginx(path, k, why, sizeof(why));
		if (err)
			fprintf(stderr, "%s: key export: %s: %s\n", prog, path,
				why);
	}
	ktix_key_list_free(&ring);
	return err;
}

/* What each command takes: options, and the one operand. */
static const struct key_cmd {
	const char *name;
	const char *options;	/* getopt letters */
	const char *operand;	/* NULL: none */
} key_cmds[] = {
	{ "list", "", NULL },
	{ "rotate", "", NULL },
	{ "del", "", "NAME" },
	{ "add", "s:n:b:F:U:D:", NULL },
	{ "import", "s:", "FILE" },
	{ "export", "n:f:", "FILE" },
};

/* What "key SUBCOMMAND [options] [operand]" asked for. */
struct key_args {
	const char *sub, *operand, *format;
	const struct key_cmd *cmd;
	uint8_t name[KTIX_KEY_NAME_LEN];
	bool has_name, has_state;
	uint32_t state;
	unsigned int bits;
	/* a scheduled key's times, seconds since the epoch; 0: none */
	uint64_t encrypt_from, encrypt_until, decrypt_until;
};


/* One option of key_cmds[]: 0, or 1 with the reason said. */
static int key_option(struct key_args *a, int opt, const char *v)
{
	if (opt == 's') {
		if (parse_state(v, &a->state)) {
			fprintf(stderr, "%s: key %s: --state is next, primary or retiring, not '%s'\n",
				prog, a->sub, v);
			return 1;
		}
		a->has_state = true;
	} else if (opt == 'n') {
		if (parse_name(v, a->name)) {
			fprintf(stderr, "%s: key %s: '%s' is not a key name (32 hex digits)\n",
				prog, a->sub, v);
			return 1;
		}
		a->has_name = true;
	} else if (opt == 'b') {
		if (strcmp(v, "128") && strcmp(v, "256")) {
			fprintf(stderr, "%s: key add: --aes-bits is 128 or 256, not '%s'\n",
				prog, v);
			return 1;
		}
		a->bits = (unsigned int)atoi(v);
	} else if (opt == 'F' || opt == 'U' || opt == 'D') {
		uint64_t *t = opt == 'F' ? &a->encrypt_from :
			      opt == 'U' ? &a->encrypt_until : &a->decrypt_until;

		if (parse_time(v, (uint64_t)time(NULL), t)) {
			fprintf(stderr, "%s: key add: --%s is +DURATION (+90s, +2h), YYYY-MM-DDTHH:MM:SSZ or @SECONDS, not '%s'\n",
				prog, opt == 'F' ? "encrypt-from" : opt == 'U' ?
				"encrypt-until" : "decrypt-until", v);
			return 1;
		}
	} else {
		a->format = v;
	}
	return 0;
}

/*
 * Options after the command, anywhere ("key add --state primary"), then
 * the operand: 0, or 1 with the reason said.  argv[0] is the subcommand.
 */
static int key_parse(int argc, char **argv, struct key_args *a)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "aes-bits", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },
		{ "encrypt-from", required_argument, NULL, 'F' },
		{ "encrypt-until", required_argument, NULL, 'U' },
		{ "decrypt-until", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	/* optind 0 starts getopt afresh. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, a->cmd->options, opts,
				  NULL)) != -1) {
		if (opt == '?' || opt == ':' || !strchr(a->cmd->options, opt)) {
			const struct option *o = opts;

			while (o->name && o->val != opt)
				o++;
			fprintf(stderr, "%s: key %s: unexpected option '%s%s'; see '%s help key'\n",
				prog, a->sub, o->name ? "--" : "",
				o->name ? o->name : argv[optind - 1], prog);
			return 1;
		}
		if (key_option(a, opt, optarg ? optarg : ""))
			return 1;
	}
	if (a->cmd->operand) {
		if (argc - optind != 1) {
			fprintf(stderr, "%s: key %s takes one %s; see '%s help key'\n",
				prog, a->sub, a->cmd->operand, prog);
			return 1;
		}
		a->operand = argv[optind];
	} else if (optind < argc) {
		fprintf(stderr, "%s: key %s: unexpected argument '%s'; see '%s help key'\n",
			prog, a->sub, argv[optind], prog);
		return 1;
	}
	if (!strcmp(a->sub, "del") && parse_name(a->operand, a->name)) {
		fprintf(stderr, "%s: key del: '%s' is not a key name (32 hex digits)\n",
			prog, a->operand);
		return 1;
	}
	if (!strcmp(a->sub, "export") && (!a->format ||
	    (strcmp(a->format, "nginx") && strcmp(a->format, "haproxy")))) {
		fprintf(stderr, "%s: key export: --format nginx or --format haproxy is needed%s%s%s\n",
			prog, a->format ? " (not '" : "", a->format ? a->format : "",
			a->format ? "')" : "");
		return 1;
	}
	if (!strcmp(a->sub, "export") && a->has_name &&
	    !strcmp(a->format, "haproxy")) {
		fprintf(stderr, "%s: key export: --name is for nginx files of one key; a HAProxy file holds the ring\n",
			prog);
		return 1;
	}
	return 0;
}

/* key add: a random key, its name printed for the next command. */
static int key_add(struct ktix_nl *nl, struct key_args *a)
{
	struct ktix_key_info k;
	int err;

	err = key_random(&k, a->bits);
	if (err) {
		fprintf(stderr, "%s: key add: no random bytes from OpenSSL\n", prog);
		return err;
	}
	if (a->has_name)
		memcpy(k.name, a->name, sizeof(k.name));
	memcpy(a->name, k.name, sizeof(a->name));
	k.state = a->state;
	k.encrypt_from = a->encrypt_from;
	k.encrypt_until = a->encrypt_until;
	k.decrypt_until = a->decrypt_until;
	err = ktix_nl_key_add(nl, &k);
	OPENSSL_cleanse(&k, sizeof(k));
	if (err) {
		ctl_error(nl, "key add", err);
		return err;
	}
	printf(json ? "{\"name\":\"" : "");
	print_hex(a->name, sizeof(a->name));
	printf(json ? "\"}\n" : "\n");
	return 0;
}

int key_main(int argc, char **argv)
{
	struct key_args a = {
		.sub = argc > 1 ? argv[1] : "list",
		.state = KTIX_KEY_STATE_NEXT,
		.bits = 256,
	};
	struct ktix_nl *nl;
	size_t c;
	int err;

	if (is_help(a.sub)) {
		key_usage(stdout);
		return 0;
	}
	for (c = 0; c < sizeof(key_cmds) / sizeof(key_cmds[0]); c++)
		if (!strcmp(a.sub, key_cmds[c].name))
			break;
	if (c == sizeof(key_cmds) / sizeof(key_cmds[0])) {
		fprintf(stderr, "%s: key: unknown argument '%s'; see '%s help key'\n",
			prog, a.sub, prog);
		return 1;
	}
	a.cmd = &key_cmds[c];
	if (key_parse(argc - 1, argv + 1, &a))
		return 1;
	if (!strcmp(a.sub, "import"))
		return key_import(a.operand, a.has_state, a.state) ? 1 : 0;

	nl = ctl_open();
	if (!nl)
		return 1;
	if (!strcmp(a.sub, "list")) {
		err = key_show(nl);
		if (!err && json)
			printf("\n");
	} else if (!strcmp(a.sub, "rotate")) {
		err = ktix_nl_key_rotate(nl, NULL);
		if (err)
			ctl_error(nl, "key rotate", err);
	} else if (!strcmp(a.sub, "del")) {
		err = ktix_nl_key_del(nl, a.name);
		if (err)
			ctl_error(nl, "key del", err);
	} else if (!strcmp(a.sub, "add")) {
		err = key_add(nl, &a);
	} else {
		err = key_export(nl, a.operand, a.format, a.has_name ? a.name : NULL);
	}
	ktix_nl_close(nl);
	return err ? 1 : 0;
}
