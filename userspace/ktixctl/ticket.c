// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl ticket decode: what a session ticket holds, opened with the
 * ring's keys (CAP_NET_ADMIN: the keys' material).  Never printed: the
 * session's master secret, which the SSL_SESSION wipes when freed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ktix/ticket_block.h"
#include "ktix_nl.h"
#include "ktixctl.h"


static void ticket_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-j] ticket decode TICKET\n"
		"       %s [-j] ticket decode -f FILE\n\n"
		"Opens a session ticket with the ring's key its name gives, checks its\n"
		"HMAC, decrypts it and shows the session inside: protocol version,\n"
		"cipher, creation time, timeout, server name, ALPN protocol, the client\n"
		"certificate's subject, the ktix session handle, when ktixd issued the\n"
		"ticket and whether the handle is revoked, and the key's state.  Needs\n"
		"CAP_NET_ADMIN (the keys).\n\n"
		"  TICKET    the ticket in hex or base64\n"
		"  -f FILE   a file holding it in hex or base64, or an\n"
		"            'openssl s_client -sess_out' session file (its lifetime\n"
		"            hint is shown too); - reads standard input\n\n"
		"A ticket under a key the ring no longer has, with a bad MAC, or that\n"
		"is not a ticket at all is refused with the reason, exit status 1.\n",
		prog, prog);
}

/* A stream's bytes, at most TICKET_TEXT_MAX; NULL after the message. */
static char *read_stream(FILE *f, const char *path, size_t *len)
{
	char *buf = malloc(TICKET_TEXT_MAX + 1);
	size_t n;

	if (!buf) {
		fprintf(stderr, "%s: ticket decode: out of memory\n", prog);
		return NULL;
	}
	n = fread(buf, 1, TICKET_TEXT_MAX + 1, f);
	if (ferror(f) || n > TICKET_TEXT_MAX) {
		fprintf(stderr, "%s: ticket decode: %s: %s\n", prog, path,
			ferror(f) ? strerror(errno) : "too large for a ticket");
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* A file's bytes (- for standard input). */
static char *read_text(const char *path, size_t *len)
{
	char *buf;
	FILE *f;

	if (!strcmp(path, "-"))
		return read_stream(stdin, "standard input", len);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: ticket decode: %s: %s\n", prog, path,
			strerror(errno));
		return NULL;
	}
	buf = read_stream(f, path, len);
	fclose(f);
	return buf;
}

/* The client certificate's subject, RFC 2253, or NULL. */
static char *peer_subject(const SSL_SESSION *sess)
{
	X509 *peer = SSL_SESSION_get0_peer((SSL_SESSION *)sess);
	char *s = NULL;
	BIO *b;
	long n;
	char *p;

	if (!peer)
		return NULL;
	b = BIO_new(BIO_s_mem());
	if (!b)
		return NULL;
	if (X509_NAME_print_ex(b, X509_get_subject_name(peer), 0,
			       XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &p);
		s = n >= 0 ? strndup(p, (size_t)n) : NULL;
	}
	BIO_free(b);
	return s;
}

struct decoded {
	const struct ktix_key_info *key;
	size_t len;
	const char *version, *cipher, *sni;
	char alpn[256], *peer;
	const unsigned char *sid_ctx;	/* the session-ID context */
	unsigned int sid_ctx_len;
	uint64_t created, timeout;
	const struct ticket_in *in;
	bool has_handle, revoked;
	uint8_t handle[KTIX_REVOKE_HANDLE_LEN];
	uint64_t issued, established, revoked_until;
};

static void decoded_fill(struct decoded *d, const SSL_SESSION *sess,
			 const struct ktix_revoke_list *rev)
{
	const SSL_CIPHER *c = SSL_SESSION_get0_cipher(sess);
	const unsigned char *alpn;
	struct ktix_ticket_block ad;
	void *data;
	size_t alen, i;
	int v = SSL_SESSION_get_protocol_version(sess);

	d->version = v == TLS1_3_VERSION ? "TLSv1.3" :
		     v == TLS1_2_VERSION ? "TLSv1.2" : "other";
	d->cipher = c ? SSL_CIPHER_get_name(c) : NULL;
	d->sni = SSL_SESSION_get0_hostname(sess);
	SSL_SESSION_get0_alpn_selected(sess, &alpn, &alen);
	snprintf(d->alpn, sizeof(d->alpn), "%.*s", (int)alen, alpn ? (const char *)alpn : "");
	d->peer = peer_subject(sess);
	d->sid_ctx = SSL_SESSION_get0_id_context(sess, &d->sid_ctx_len);
	d->created = (uint64_t)SSL_SESSION_get_time(sess);
	d->timeout = (uint64_t)SSL_SESSION_get_timeout(sess);
	if (SSL_SESSION_get0_ticket_appdata((SSL_SESSION *)sess, &data, &alen) &&
	    !ktix_ticket_block_read(data, alen, &ad)) {
		d->has_handle = true;
		memcpy(d->handle, ad.handle, sizeof(d->handle));
		d->issued = ktix_ticket_time(ad.issued);
		d->established = ktix_ticket_time(ad.established);
		for (i = 0; i < rev->n; i++) {
			if (!memcmp(rev->revoked[i].handle, d->handle,
				    sizeof(d->handle))) {
				d->revoked = true;
				d->revoked_until = rev->revoked[i].until;
			}
		}
	}
}

static void json_or_null(const char *key, const char *v, bool comma)
{
	printf("%s\"%s\":", comma ? "," : "", key);
	if (v && *v)
		json_string(stdout, v);
	else
		printf("null");
}

static void decoded_print(const struct decoded *d)
{
	const struct ktix_key_info *k = d->key;

	if (json) {
		printf("{\"length\":%zu,\"key\":{\"name\":\"", d->len);
		print_hex(k->name, sizeof(k->name));
		printf("\",\"state\":\"%s\",\"aes_bits\":%" PRIu32 "}",
		       ktix_key_state_name(k->state), k->aes_bits);
		json_or_null("version", d->version, true);
		json_or_null("cipher", d->cipher, true);
		printf(",\"created\":%" PRIu64 ",\"timeout\":%" PRIu64, d->created,
		       d->timeout);
		if (d->in->has_hint)
			printf(",\"lifetime_hint\":%" PRIu64, d->in->lifetime_hint);
		else
			printf(",\"lifetime_hint\":null");
		json_or_null("sni", d->sni, true);
		json_or_null("alpn", d->alpn, true);
		json_or_null("peer", d->peer, true);
		printf(",\"session_id_context\":\"");
		print_hex(d->sid_ctx, d->sid_ctx_len);
		printf("\"");
		if (d->has_handle) {
			printf(",\"handle\":\"");
			print_hex(d->handle, sizeof(d->handle));
			printf("\",\"issued\":%" PRIu64 ",\"established\":%" PRIu64
			       ",\"revoked\":%s", d->issued, d->established,
			       d->revoked ? "true" : "false");
			if (d->revoked)
				printf(",\"revoked_until\":%" PRIu64, d->revoked_until);
		} else {
			printf(",\"handle\":null,\"revoked\":false");
		}
		printf("}\n");
		return;
	}
	printf("ticket          %zu bytes\n", d->len);
	printf("key             ");
	print_hex(k->name, sizeof(k->name));
	printf(" (%s, AES-%" PRIu32 ")\n", ktix_key_state_name(k->state),
	       k->aes_bits);
	printf("version         %s\n", d->version);
	printf("cipher          %s\n", d->cipher ? d->cipher : "-");
	printf("created         ");
	print_time(d->created, 0);
	printf("\ntimeout         %" PRIu64 "s\n", d->timeout);
	if (d->in->has_hint)
		printf("lifetime hint   %" PRIu64 "s\n", d->in->lifetime_hint);
	printf("server name     %s\n", d->sni && *d->sni ? d->sni : "-");
	printf("alpn            %s\n", *d->alpn ? d->alpn : "-");
	printf("client cert     %s\n", d->peer ? d->peer : "-");
	printf("session context ");
	if (d->sid_ctx_len)
		print_hex(d->sid_ctx, d->sid_ctx_len);
	else
		printf("-");
	printf("\n");
	if (d->has_handle) {
		printf("handle          ");
		print_hex(d->handle, sizeof(d->handle));
		printf("\nissued          ");
		print_time(d->issued, 0);
		printf("\nestablished     ");
		print_time(d->established, 0);
		printf("\nrevoked         ");
		if (d->revoked) {
			printf("yes, until ");
			print_time(d->revoked_until, 0);
			printf("\n");
		} else {
			printf("no\n");
		}
	} else {
		printf("handle          none: not issued by ktixd (nginx, HAProxy or another server sharing the key)\n");
	}
}

static int ticket_decode(const char *text, size_t len)
{
	const struct ktix_key_info *key;
	struct ktix_revoke_list rev = { 0 };
	struct ktix_key_list ring = { 0 };
	struct decoded d = { 0 };
	struct ticket_in in;
	SSL_SESSION *sess = NULL;
	struct ktix_nl *nl;
	char why[256];
	int err;

	err = ticket_input(text, len, &in, why, sizeof(why));
	if (err) {
		fprintf(stderr, "%s: ticket decode: %s\n", prog,
			*why ? why : strerror(-err));
		return err;
	}
	nl = ctl_open();
	if (!nl) {
		ticket_in_free(&in);
		return -ENOENT;
	}
	err = ktix_nl_key_list(nl, true, &ring);
	if (err) {
		ctl_error(nl, "ticket decode: key list", err);
		goto out;
	}
	err = ktix_nl_revoke_list(nl, &rev);
	if (err) {
		ctl_error(nl, "ticket decode: revoke list", err);
		goto out;
	}
	err = ticket_open(in.t, in.len, ring.keys, ring.n, &key, &sess, why,
			  sizeof(why));
	if (err) {
		fprintf(stderr, "%s: ticket decode: %s\n", prog, why);
		goto out;
	}
	d.key = key;
	d.len = in.len;
	d.in = &in;
	decoded_fill(&d, sess, &rev);
	decoded_print(&d);
	free(d.peer);
out:
	SSL_SESSION_free(sess);
	ktix_revoke_list_free(&rev);
	ktix_key_list_free(&ring);
	ktix_nl_close(nl);
	ticket_in_free(&in);
	return err;
}

int ticket_main(int argc, char **argv)
{
	char *text;
	size_t len;
	int err;

	if (argc < 2 || is_help(argv[1])) {
		ticket_usage(argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	if (strcmp(argv[1], "decode")) {
		fprintf(stderr, "%s: ticket: unknown command '%s'; see '%s help ticket'\n",
			prog, argv[1], prog);
		return 1;
	}
	if (argc == 3 && is_help(argv[2])) {
		ticket_usage(stdout);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[2], "-f")) {
		text = read_text(argv[3], &len);
		if (!text)
			return 1;
		err = ticket_decode(text, len);
		free(text);
		return err ? 1 : 0;
	}
	if (argc != 3 || argv[2][0] == '-') {
		fprintf(stderr, "%s: ticket decode takes a TICKET or -f FILE; see '%s help ticket'\n",
			prog, prog);
		return 1;
	}
	return ticket_decode(argv[2], strlen(argv[2])) ? 1 : 0;
}
