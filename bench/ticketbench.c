// SPDX-License-Identifier: GPL-2.0
/*
 * ticketbench: tickets per second through ktixd's ticket path, natively,
 * against the raw cost of the same cryptography.
 *
 * A real ticket is made by an in-memory TLS 1.2 handshake against ktixd's
 * own OpenSSL context, with one AES-256 key in the ring mirror (filled
 * here, not from the kernel).  Then, N times each:
 *
 *   ktix      what OpenSSL does with a ticket (its tls_decrypt_ticket())
 *             through ktixd's callbacks: fresh cipher and MAC contexts,
 *             the key callback (mirror lookup by name, keys set), the
 *             HMAC-SHA256 check, AES-CBC decryption, the session decoded,
 *             the decrypt callback (ktix block, revocation, lifetime);
 *   plain     the same OpenSSL sequence with the least a key callback can
 *             do (one static key, no lookup, no ktix block): what any
 *             OpenSSL server pays, so ktix / plain is what ktix adds;
 *   raw       the same HMAC-SHA256 and AES-CBC over the same bytes with
 *             contexts made once: the limit of the cryptography alone;
 *   unknown   a ticket under a key name the mirror does not have;
 *   bad_mac   a ticket with its last byte flipped.
 *
 * Then whole resumed TLS 1.2 handshakes (N / 25 of them), in memory, the
 * server's side alone timed: ktixd's context (its callbacks, the key log,
 * the record counter) with the record keys derived after (ktix_tls_keys),
 * against a bare OpenSSL context on the same certificate with OpenSSL's
 * own ticket keys: what ktixd's OpenSSL side costs a handshake more.
 *
 * Prints "key value" lines; the target is ktix / raw >= 0.8.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "ktix_tls.h"
#include "ktixd.h"
/* ktixd's own ticket callbacks, timed in isolation: its TLS insides. */
#include "tls_priv.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "ticketbench: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

/* A self-signed P-256 certificate and its key, in files under dir. */
static void make_cert(const char *dir, char *cert, char *key, size_t len)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	FILE *f;

	if (!pk || !x)
		die("making a key");
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, pk);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	if (!X509_sign(x, pk, EVP_sha256()))
		die("signing");
	snprintf(cert, len, "%s/cert.pem", dir);
	snprintf(key, len, "%s/key.pem", dir);
	f = fopen(cert, "w");
	if (!f || !PEM_write_X509(f, x))
		die("writing the certificate");
	fclose(f);
	f = fopen(key, "w");
	if (!f || !PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL))
		die("writing the key");
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(pk);
}

/* One TLS 1.2 handshake in memory; the client's session, with its ticket. */
static SSL_SESSION *handshake(void)
{
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	SSL *c, *s = tls_new();
	BIO *cb, *sb;
	SSL_SESSION *sess;
	int i;

	if (!cctx || !s)
		die("contexts");
	SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
	c = SSL_new(cctx);
	if (!c || !BIO_new_bio_pair(&cb, 0, &sb, 0))
		die("SSL_new");
	SSL_set_bio(c, cb, cb);
	SSL_set_bio(s, sb, sb);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	for (i = 0; i < 100; i++) {
		int rc = SSL_do_handshake(c), rs = SSL_do_handshake(s);

		if (rc == 1 && rs == 1)
			break;
	}
	sess = SSL_get1_session(c);
	if (i == 100 || !sess || !SSL_SESSION_has_ticket(sess))
		die("the handshake made no ticket");
	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(cctx);
	return sess;
}

/*
 * One TLS 1.2 handshake in memory, resuming sess if given, the server's
 * calls alone timed into *t (with the record keys when keys is set).
 * Returns the client's session.
 */
static SSL_SESSION *hs_timed(SSL_CTX *cctx, SSL *s, SSL_SESSION *sess,
			     bool keys, double *t)
{
	SSL *c = SSL_new(cctx);
	SSL_SESSION *out;
	BIO *cb, *sb;
	double t0;
	int i, rc = 0, rs = 0;

	if (!c || !s || !BIO_new_bio_pair(&cb, 0, &sb, 0))
		die("SSL_new");
	if (sess && !SSL_set_session(c, sess))
		die("SSL_set_session");
	SSL_set_bio(c, cb, cb);
	SSL_set_bio(s, sb, sb);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	for (i = 0; i < 100 && (rc != 1 || rs != 1); i++) {
		rc = SSL_do_handshake(c);
		t0 = now();
		rs = SSL_do_handshake(s);
		*t += now() - t0;
	}
	if (rc != 1 || rs != 1 || (sess && !SSL_session_reused(s)))
		die("a resumed handshake failed");
	t0 = now();
	if (keys) {
		struct ktix_tls_keys k;

		if (ktix_tls_keys(s, &k))
			die("record keys");
		ktix_tls_keys_wipe(&k);
	}
	/* A clean end: OpenSSL keeps a session resumable only after one. */
	SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(s);
	*t += now() - t0;
	out = SSL_get1_session(c);
	SSL_set_shutdown(c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(c);
	return out;
}

/* Microseconds of the server's side per resumed handshake. */
static double hs_server_us(SSL_CTX *cctx, SSL_CTX *bare, long n)
{
	SSL_SESSION *sess, *next;
	double t = 0;
	long i;

	sess = hs_timed(cctx, bare ? SSL_new(bare) : tls_new(), NULL, !bare, &t);
	t = 0;
	for (i = 0; i < n; i++) {
		next = hs_timed(cctx, bare ? SSL_new(bare) : tls_new(), sess,
				!bare, &t);
		SSL_SESSION_free(next);
	}
	SSL_SESSION_free(sess);
	return t / (double)n * 1e6;
}

static EVP_MAC *hmac;
static struct mirror_key plain_key;
static EVP_CIPHER *plain_aes;

/* The least a ticket key callback can do. */
static int plain_key_cb(SSL *s, unsigned char name[16], unsigned char iv[16],
			EVP_CIPHER_CTX *c, EVP_MAC_CTX *h, int enc)
{
	OSSL_PARAM p[] = {
		OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
		OSSL_PARAM_octet_string(OSSL_MAC_PARAM_KEY, plain_key.hmac, 32),
		OSSL_PARAM_END,
	};

	(void)s; (void)name;
	return EVP_MAC_CTX_set_params(h, p) &&
	       EVP_CipherInit_ex(c, plain_aes, NULL, plain_key.aes, iv, enc);
}

/*
 * What OpenSSL does with a ticket (tls_decrypt_ticket()), through ktixd's
 * callbacks or the plain one: 0 when the session was accepted, 1 unknown
 * key, 2 bad MAC, 3 anything else.
 */
static int ticket_path(SSL *s, const uint8_t *t, size_t len, bool plain)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	EVP_MAC_CTX *h = EVP_MAC_CTX_new(hmac);
	uint8_t name[16], iv[16], mac[EVP_MAX_MD_SIZE], out[4096];
	const uint8_t *p = out;
	int ret = 3, o1 = 0, o2 = 0;
	SSL_SESSION *sess = NULL;
	size_t ml = 0;

	memcpy(name, t, 16);
	memcpy(iv, t + 16, 16);
	if (!c || !h || len < 64 + 16 || len - 64 > sizeof(out))
		goto out;
	if ((plain ? plain_key_cb(s, name, iv, c, h, 0) :
		     tls_ticket_key_cb(s, name, iv, c, h, 0)) <= 0) {
		ret = 1;
		goto out;
	}
	if (!EVP_MAC_update(h, t, len - 32) ||
	    !EVP_MAC_final(h, mac, &ml, sizeof(mac)) || ml != 32)
		goto out;
	if (CRYPTO_memcmp(mac, t + len - 32, 32)) {
		ret = 2;
		goto out;
	}
	if (!EVP_DecryptUpdate(c, out, &o1, t + 32, (int)(len - 64)) ||
	    !EVP_DecryptFinal_ex(c, out + o1, &o2))
		goto out;
	sess = d2i_SSL_SESSION(NULL, &p, o1 + o2);
	if (sess && (plain ||
		     tls_ticket_dec_cb(s, sess, name, 16, SSL_TICKET_SUCCESS,
				       NULL) == SSL_TICKET_RETURN_USE))
		ret = 0;
out:
	SSL_SESSION_free(sess);
	EVP_MAC_CTX_free(h);
	EVP_CIPHER_CTX_free(c);
	return ret;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/ticketbench.XXXXXX", cert[256], key[256];
	struct mirror_key k = { .state = KTIX_KEY_STATE_PRIMARY,
				.aes_len = 32, .hmac_len = 32 };
	struct ktixd_config conf;
	const unsigned char *tick;
	uint8_t *bad, out[4096], mac[EVP_MAX_MD_SIZE];
	EVP_CIPHER_CTX *rc;
	EVP_MAC_CTX *rm;
	EVP_CIPHER *aes;
	SSL_SESSION *sess;
	size_t ticklen, ml;
	long n = 200000, i;
	int opt, o1, o2;
	double t0, ktix, plain, raw, unknown, badmac, hs_ktixd, hs_bare;
	SSL_CTX *cctx, *bare;
	SSL *s;

	while ((opt = getopt(argc, argv, "n:h")) != -1) {
		if (opt == 'n') {
			n = atol(optarg);
		} else {
			fprintf(opt == 'h' ? stdout : stderr,
				"Usage: ticketbench [-n TICKETS]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (n < 1 || !mkdtemp(dir))
		die("arguments or temporary directory");
	make_cert(dir, cert, key, sizeof(cert));
	RAND_bytes(k.name, sizeof(k.name));
	RAND_bytes(k.aes, sizeof(k.aes));
	RAND_bytes(k.hmac, sizeof(k.hmac));
	mirror_set(&k, 1, 43200);
	conf_defaults(&conf);
	conf.certs[0].cert = cert;
	conf.certs[0].key = key;
	conf.n_certs = 1;
	conf.session_ids = false;
	if (tls_contexts_load(&conf))
		die("ktixd's contexts");
	sess = handshake();
	SSL_SESSION_get0_ticket(sess, &tick, &ticklen);
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	aes = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
	s = tls_new();
	if (!hmac || !aes || !s || ticklen < 96)
		die("set-up");
	if (memcmp(tick, k.name, 16) || ticket_path(s, tick, ticklen, false))
		die("the ticket does not pass ktixd's own path");

	t0 = now();
	for (i = 0; i < n; i++)
		if (ticket_path(s, tick, ticklen, false))
			die("a ticket was refused");
	ktix = (double)n / (now() - t0);

	plain_key = k;
	plain_aes = aes;
	t0 = now();
	for (i = 0; i < n; i++)
		if (ticket_path(s, tick, ticklen, true))
			die("the plain path refused a ticket");
	plain = (double)n / (now() - t0);

	/* The limit: the same HMAC and AES-CBC, contexts made once. */
	rc = EVP_CIPHER_CTX_new();
	rm = EVP_MAC_CTX_new(hmac);
	{
		OSSL_PARAM p[] = {
			OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
			OSSL_PARAM_END,
		};

		if (!rc || !rm || !EVP_MAC_CTX_set_params(rm, p))
			die("raw contexts");
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		if (!EVP_MAC_init(rm, k.hmac, 32, NULL) ||
		    !EVP_MAC_update(rm, tick, ticklen - 32) ||
		    !EVP_MAC_final(rm, mac, &ml, sizeof(mac)) ||
		    CRYPTO_memcmp(mac, tick + ticklen - 32, 32) ||
		    !EVP_DecryptInit_ex(rc, aes, NULL, k.aes, tick + 16) ||
		    !EVP_DecryptUpdate(rc, out, &o1, tick + 32, (int)(ticklen - 64)) ||
		    !EVP_DecryptFinal_ex(rc, out + o1, &o2))
			die("raw");
	}
	raw = (double)n / (now() - t0);

	bad = malloc(ticklen);
	if (!bad)
		die("memory");
	memcpy(bad, tick, ticklen);
	bad[0] ^= 0xff;			/* a key name nobody has */
	t0 = now();
	for (i = 0; i < n; i++)
		if (ticket_path(s, bad, ticklen, false) != 1)
			die("an unknown key was not noticed");
	unknown = (double)n / (now() - t0);
	bad[0] ^= 0xff;
	bad[ticklen - 1] ^= 0x01;	/* a MAC that does not verify */
	t0 = now();
	for (i = 0; i < n; i++)
		if (ticket_path(s, bad, ticklen, false) != 2)
			die("a bad MAC was not noticed");
	badmac = (double)n / (now() - t0);

	/* Whole handshakes: ktixd's context against a bare one. */
	cctx = SSL_CTX_new(TLS_client_method());
	bare = SSL_CTX_new(TLS_server_method());
	if (!cctx || !bare ||
	    !SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION) ||
	    SSL_CTX_use_certificate_chain_file(bare, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(bare, key, SSL_FILETYPE_PEM) != 1 ||
	    !SSL_CTX_set_session_id_context(bare, (const unsigned char *)"b", 1))
		die("contexts for whole handshakes");
	hs_ktixd = hs_server_us(cctx, NULL, n / 25 ? n / 25 : 1);
	hs_bare = hs_server_us(cctx, bare, n / 25 ? n / 25 : 1);
	SSL_CTX_free(bare);
	SSL_CTX_free(cctx);

	printf("tickets %ld\n", n);
	printf("ticket_bytes %zu\n", ticklen);
	printf("ktix_per_s %.0f\n", ktix);
	printf("plain_per_s %.0f\n", plain);
	printf("raw_per_s %.0f\n", raw);
	printf("ktix_over_plain %.2f\n", ktix / plain);
	printf("ktix_over_raw %.2f\n", ktix / raw);
	printf("plain_over_raw %.2f\n", plain / raw);
	printf("unknown_key_per_s %.0f\n", unknown);
	printf("bad_mac_per_s %.0f\n", badmac);
	printf("handshakes %ld\n", n / 25 ? n / 25 : 1);
	printf("hs_ktixd_server_us %.1f\n", hs_ktixd);
	printf("hs_bare_server_us %.1f\n", hs_bare);
	printf("hs_ktixd_over_bare %.2f\n", hs_ktixd / hs_bare);

	free(bad);
	EVP_MAC_CTX_free(rm);
	EVP_CIPHER_CTX_free(rc);
	EVP_CIPHER_free(aes);
	EVP_MAC_free(hmac);
	SSL_free(s);
	SSL_SESSION_free(sess);
	tls_contexts_free();
	unlink(cert);
	unlink(key);
	rmdir(dir);
	return 0;
}
