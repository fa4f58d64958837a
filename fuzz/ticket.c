// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: ktixd's ticket path, as a client drives it.  A TLS 1.2
 * ClientHello whose session_ticket extension carries the input goes to a
 * server SSL of ktixd's contexts (tls.c) with a mirror of three keys
 * (mirror.c): OpenSSL's tls_decrypt_ticket() calls ktixd's key callback,
 * checks the MAC, decrypts, decodes the session and calls ktixd's decrypt
 * callback, which checks the ktix block, the security context, the name,
 * the times and the revocation set.
 *
 * The first byte picks the form: 0, the ticket as it is (a client's
 * garbage); 1 to 3, the rest is the plaintext of a ticket sealed here under
 * mirror key 1 to 3 with a valid MAC, so that every input reaches
 * d2i_SSL_SESSION() and ktixd's checks of what a ticket says.  The server
 * writes into a 1-byte BIO pair: it stops at its first message, after the
 * ticket, and makes no signature per input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "ktixd.h"
#include "lib/tls_pair.h"

static SSL_CTX *cctx;
static struct mirror_key keys[3];

void log_msg(int prio, const char *fmt, ...)
{
	(void)prio; (void)fmt;
}

static int write_pem(const char *path, EVP_PKEY *pk, X509 *x)
{
	FILE *f = fopen(path, "w");
	int ok = f && (pk ? PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL,
						 NULL) :
			    PEM_write_X509(f, x));

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

/*
 * KTIX_FUZZ_SEED=FILE: a full handshake in memory, and FILE gets the
 * session the server sealed in its ticket, as a form-1 input (a seed
 * that reaches every check of ktixd's).
 */
static void make_seed(const char *path)
{
	SSL *c = SSL_new(cctx), *s = tls_new();
	BIO *cb, *sb;
	SSL_SESSION *sess;
	unsigned char *der = NULL;
	FILE *f;
	int i, n;

	if (!c || !s || !BIO_new_bio_pair(&cb, 0, &sb, 0))
		abort();
	SSL_set_bio(c, cb, cb);
	SSL_set_bio(s, sb, sb);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	for (i = 0; i < 20 && !(SSL_is_init_finished(c) &&
				SSL_is_init_finished(s)); i++) {
		SSL_do_handshake(c);
		SSL_do_handshake(s);
	}
	sess = SSL_get1_session(s);
	n = sess ? i2d_SSL_SESSION(sess, &der) : 0;
	f = fopen(path, "w");
	if (n <= 0 || !f || fputc(1, f) == EOF ||
	    fwrite(der, 1, (size_t)n, f) != (size_t)n || fclose(f))
		abort();
	OPENSSL_free(der);
	SSL_SESSION_free(sess);
	SSL_free(c);
	SSL_free(s);
	exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char dir[] = "/tmp/ktix_fuzz_ticket.XXXXXX";
	static char cert[64], key[64];
	static const uint32_t states[3] = {
		KTIX_KEY_STATE_PRIMARY, KTIX_KEY_STATE_NEXT,
		KTIX_KEY_STATE_RETIRING,
	};
	struct ktixd_config conf;
	EVP_PKEY *pk;
	X509 *x;
	int i;

	(void)argc; (void)argv;
	if (!mkdtemp(dir) || tls_pair_cert(&pk, &x))
		abort();
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	if (write_pem(cert, NULL, x) || write_pem(key, pk, NULL))
		abort();
	conf_defaults(&conf);
	conf.certs[0].cert = cert;
	conf.certs[0].key = key;
	conf.n_certs = 1;
	if (tls_contexts_load(&conf))
		abort();
	for (i = 0; i < 3; i++) {
		keys[i].state = states[i];
		keys[i].aes_len = keys[i].hmac_len = 32;
		/* Fixed keys: a finding replays. */
		memset(keys[i].name, 'n' + i, sizeof(keys[i].name));
		memset(keys[i].aes, 'a' + i, sizeof(keys[i].aes));
		memset(keys[i].hmac, 'h' + i, sizeof(keys[i].hmac));
	}
	mirror_set(keys, 3, 43200);
	cctx = SSL_CTX_new(TLS_client_method());
	if (!cctx || !SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION))
		abort();
	unlink(cert);
	unlink(key);
	rmdir(dir);
	EVP_PKEY_free(pk);
	X509_free(x);
	if (getenv("KTIX_FUZZ_SEED"))
		make_seed(getenv("KTIX_FUZZ_SEED"));
	return 0;
}

/* name | IV | AES-256-CBC(pt) | HMAC-SHA256, as OpenSSL makes tickets. */
static size_t seal(const struct mirror_key *k, const uint8_t *pt, size_t len,
		   uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	size_t n = 0, ml = 0;
	int o1 = 0, o2 = 0;
	uint8_t iv[16] = { 0 };

	memcpy(out, k->name, 16);
	memcpy(out + 16, iv, 16);
	if (c && EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, k->aes, iv) &&
	    EVP_EncryptUpdate(c, out + 32, &o1, pt, (int)len) &&
	    EVP_EncryptFinal_ex(c, out + 32 + o1, &o2)) {
		n = 32 + (size_t)o1 + (size_t)o2;
		if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, k->hmac, 32,
			      out, n, out + n, 32, &ml) && ml == 32)
			n += 32;
		else
			n = 0;
	}
	EVP_CIPHER_CTX_free(c);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ticket[4096 + 96];
	BIO *c_in = NULL, *c_out = NULL, *s_in = NULL, *s_out = NULL;
	BIO *peer = NULL;
	uint8_t hello[8192];
	SSL *c = NULL, *s = NULL;
	size_t len;
	int n;

	if (!size || size > 4096)
		return 0;
	if (data[0] % 4 == 0) {
		memcpy(ticket, data + 1, size - 1);
		len = size - 1;
	} else {
		len = seal(&keys[data[0] % 4 - 1], data + 1, size - 1, ticket);
		if (!len)
			return 0;
	}
	c = SSL_new(cctx);
	s = tls_new();
	c_in = BIO_new(BIO_s_mem());
	c_out = BIO_new(BIO_s_mem());
	if (!c || !s || !c_in || !c_out ||
	    !BIO_new_bio_pair(&s_out, 1, &peer, 1))
		goto out;
	SSL_set_bio(c, c_in, c_out);
	c_in = c_out = NULL;
	if (len && !SSL_set_session_ticket_ext(c, ticket, (int)len))
		goto out;
	SSL_set_connect_state(c);
	SSL_do_handshake(c);
	n = BIO_read(SSL_get_wbio(c), hello, sizeof(hello));
	if (n <= 0)
		goto out;
	s_in = BIO_new_mem_buf(hello, n);
	if (!s_in)
		goto out;
	SSL_set_bio(s, s_in, s_out);
	s_in = s_out = NULL;
	SSL_set_accept_state(s);
	SSL_do_handshake(s);
out:
	/* The server's first byte filled its BIO pair: enough. */
	BIO_free(peer);
	BIO_free(c_in);
	BIO_free(c_out);
	BIO_free(s_in);
	BIO_free(s_out);
	SSL_free(s);
	SSL_free(c);
	return 0;
}
