// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl key: the namespace's ticket-key ring.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ktix_nl.h"
#include "ktixctl.h"

static void print_time(uint64_t t, int width)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		printf("%-*s", width, "-");
	else
		printf("%-*s", width, buf);
}

static void print_hex(const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
}

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
	size_t i;

	if (strlen(s) != 2 * KTIX_KEY_NAME_LEN)
		return -EINVAL;
	for (i = 0; i < KTIX_KEY_NAME_LEN; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
			return -EINVAL;
		name[i] = (uint8_t)v;
	}
	return 0;
}

static void key_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-j] key [list]\n"
		"       %s key rotate\n"
		"       %s key del NAME\n\n"
		"Show or change this network namespace's ticket-key ring.  A key is\n"
		"next (decrypts; encrypts after the next rotation), primary (encrypts)\n"
		"or retiring (decrypts until its time is up).  Changes need\n"
		"CAP_NET_ADMIN.  NAME is the key's name in hex (32 digits).\n\n"
		"  list     the keys, oldest first; never their material\n"
		"  rotate   next -> primary -> retiring, and a fresh next key\n"
		"  del      wipe a key (not the primary while others remain)\n",
		prog, prog, prog);
}

int key_main(int argc, char **argv)
{
	uint8_t name[KTIX_KEY_NAME_LEN];
	struct ktix_nl *nl;
	const char *sub = argc > 1 ? argv[1] : "list";
	int err;

	if (is_help(sub)) {
		key_usage(stdout);
		return 0;
	}
	if (!strcmp(sub, "del")) {
		if (argc != 3) {
			fprintf(stderr, "%s: key del takes one NAME; see '%s help key'\n",
				prog, prog);
			return 1;
		}
		if (parse_name(argv[2], name)) {
			fprintf(stderr, "%s: key del: '%s' is not a key name (32 hex digits)\n",
				prog, argv[2]);
			return 1;
		}
	} else if ((strcmp(sub, "list") && strcmp(sub, "rotate")) || argc > 2) {
		fprintf(stderr, "%s: key: unknown argument '%s'; see '%s help key'\n",
			prog, argc > 2 ? argv[2] : sub, prog);
		return 1;
	}

	nl = ctl_open();
	if (!nl)
		return 1;
	if (!strcmp(sub, "list")) {
		err = key_show(nl);
		if (!err && json)
			printf("\n");
	} else if (!strcmp(sub, "rotate")) {
		err = ktix_nl_key_rotate(nl, NULL);
		if (err)
			ctl_error(nl, "key rotate", err);
	} else {
		err = ktix_nl_key_del(nl, name);
		if (err)
			ctl_error(nl, "key del", err);
	}
	ktix_nl_close(nl);
	return err ? 1 : 0;
}
