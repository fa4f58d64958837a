/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KTIXCTL_H
#define KTIXCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ktix_units.h"

struct ktix_nl;

struct subcommand {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *help;
};

extern const char *prog;
extern bool json;

int version_main(int argc, char **argv);
int policy_main(int argc, char **argv);
int key_main(int argc, char **argv);
int monitor_main(int argc, char **argv);
int session_main(int argc, char **argv);
int revoke_main(int argc, char **argv);
int stats_main(int argc, char **argv);
int ticket_main(int argc, char **argv);
/* Print one object (JSON: no newline after it); 0 or a negative errno. */
int version_show(struct ktix_nl *nl);
int policy_show(struct ktix_nl *nl);
int key_show(struct ktix_nl *nl);


/* Opens the netlink client or says why not; NULL after the message. */
struct ktix_nl *ctl_open(void);
/* Prints "ktixctl: WHAT: strerror[: kernel message]" for a failed request. */
void ctl_error(struct ktix_nl *nl, const char *what, int err);
bool is_help(const char *arg);

void json_string(FILE *f, const char *s);

/* Seconds since the epoch as 2026-11-25T12:00:00Z, or "-" for 0. */
void print_time(uint64_t t, int width);
void print_hex(const uint8_t *b, size_t n);
/* Hex digits, an even number, at most max bytes. */
int parse_hex(const char *s, uint8_t *out, size_t max, size_t *len);
/*
 * Base64 text of @n bytes into @out, which must hold 3 * (n / 4) + 3
 * bytes: 0 and the length, or -EINVAL (not base64) or -ENOMEM.
 */
int parse_base64(const char *s, size_t n, uint8_t *out, size_t *len);
/* Seconds, bytes, plain numbers: tables for ktix_parse_scaled(). */
extern const struct ktix_unit duration_units[], size_units[], no_units[];
/* "90", "90s", "15m", "12h", "7d" in seconds. */
int parse_duration(const char *s, uint64_t *out);
/* "+DURATION" from now, "YYYY-MM-DDTHH:MM:SSZ" or "@SECONDS". */
int parse_time(const char *s, uint64_t now, uint64_t *out);

struct ktix_key_info;

enum keyfile_format { KEYFILE_NGINX, KEYFILE_HAPROXY };

#define KEYFILE_MAX	65536	/* bytes: larger is not a key file */

/*
 * Reads up to max keys from an nginx or HAProxy key file (detected), in
 * file order.  On error, why says what is wrong and no key is returned.
 */
int keyfile_read(const char *path, struct ktix_key_info *keys, size_t max,
		 size_t *n, enum keyfile_format *fmt, char *why, size_t why_len);
/*
 * The same on a file's bytes, buf[len] writable (it is cut into lines in
 * place); len at most KEYFILE_MAX.
 */
int keyfile_parse(uint8_t *buf, size_t len, struct ktix_key_info *keys,
		  size_t max, size_t *n, enum keyfile_format *fmt, char *why,
		  size_t why_len);
/* Writes k as a new nginx key file, mode 0600; never overwrites. */
int keyfile_write_nginx(const char *path, const struct ktix_key_info *k,
			char *why, size_t why_len);
/*
 * Writes keys[n] as a new HAProxy tls-ticket-keys file, one base64 line
 * each (name | AES | HMAC) in the order given, mode 0600; never
 * overwrites.  HAProxy encrypts with the second-last line.
 */
int keyfile_write_haproxy(const char *path, const struct ktix_key_info *keys,
			  size_t n, char *why, size_t why_len);

/* ---- session tickets (ticketdec.c; fuzz/ticketdec.c) ---- */

struct ssl_session_st;		/* OpenSSL's SSL_SESSION */

#define TICKET_TEXT_MAX	262144	/* bytes of text: larger is not a ticket */

struct ticket_in {
	uint8_t *t;			/* the ticket */
	size_t len;
	uint64_t lifetime_hint;		/* the server's, from a session file */
	bool has_hint;
};

/*
 * A ticket from text: hex, base64 (white space ignored) or an
 * "openssl s_client -sess_out" file.  On error why says what is wrong.
 */
int ticket_input(const char *text, size_t len, struct ticket_in *in,
		 char *why, size_t why_len);
void ticket_in_free(struct ticket_in *in);
/*
 * Opens a ticket with the key its name gives among keys[n] (with their
 * material): 0 with *key and *sess (free it), or -EINVAL (not a ticket),
 * -ENOENT (no such key), -EBADMSG (bad MAC, or does not decrypt), -EPROTO
 * (no session inside), -ENOMEM; why says it in one line.
 */
int ticket_open(const uint8_t *t, size_t len, const struct ktix_key_info *keys,
		size_t n, const struct ktix_key_info **key,
		struct ssl_session_st **sess,
		char *why, size_t why_len);

#endif /* KTIXCTL_H */
