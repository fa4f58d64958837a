// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: OpenSSL contexts and what each SSL keeps; tickets (ticket.c),
 * session IDs (sessid.c), the security context (context.c) and SNI and
 * ALPN (alpn.c) plug into them, sharing tls_priv.h.
 *
 * Tickets are OpenSSL's format (key name | IV | AES-CBC | HMAC-SHA256),
 * made by OpenSSL through SSL_CTX_set_tlsext_ticket_key_evp_cb with keys
 * from the mirror: no netlink round trip on the ticket path.  Each session
 * carries a ktix block (SSL_SESSION_set1_ticket_appdata), in its tickets
 * and in the DER a session ID's cache entry holds: a random session
 * handle, kept across renewals, and the time of the full handshake.  A
 * session whose handle is revoked, or cannot be checked because the
 * mirror is behind, does not resume, whichever way it comes.
 *
 * A session resumes only in the security context it was made in: each
 * context's session-ID context is a digest of what defines it (its
 * certificate chain, the client verification mode and depth, the client
 * CA names), which OpenSSL compares for tickets, session IDs and TLS 1.3
 * PSKs alike, and ktixd checks it first itself to count the miss.  The
 * session is also bound to the server name it was made for (RFC 6066
 * section 3, RFC 8446 4.6.1): the ClientHello callback reads the name and
 * picks the certificate before OpenSSL looks for a session, and a session
 * of another name gets a full handshake.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ktix_nl.h"
#include "ktix_tls.h"
#include "tls_priv.h"

static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER;
struct ctx_set *tls_current;
int tls_ex_index = -1;
EVP_CIPHER *tls_aes128, *tls_aes256;
static __thread struct ktix_nl *thread_nl;
static __thread int thread_nl_err;
static __thread unsigned int thread_nl_epoch;
static __thread uint64_t thread_nl_features;	/* the module's KTIX_F_* */

const char *resume_miss_name(uint32_t f)
{
#define KTIX_RESUME_MISS_NAME(value, name)	[KTIX_RESUME_MISS_##value] = name,
	static const char *const names[KTIX_RESUME_MISS_MAX + 1] = {
		[KTIX_RESUME_MISS_NONE] = "none",
	};

	return f <= KTIX_RESUME_MISS_MAX ? names[f] : "?";
}

static void set_put(struct ctx_set *set)
{
	unsigned int i;

	if (!set || atomic_fetch_sub(&set->refs, 1) != 1)
		return;
	for (i = 0; i < set->n; i++)
		SSL_CTX_free(set->ctx[i]);
	free(set->alpn);
	free(set);
}

static void data_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
		      long argl, void *argp)
{
	struct ssl_data *d = ptr;

	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	if (!d)
		return;
	set_put(d->set);
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
}

struct hs_info *tls_info(SSL *ssl)
{
	struct ssl_data *d = SSL_get_ex_data(ssl, tls_ex_index);

	return d ? &d->info : NULL;
}

int tls_set_alpn(SSL *ssl, const uint8_t *alpn, size_t len)
{
	struct ssl_data *d = SSL_get_ex_data(ssl, tls_ex_index);

	if (!d || len > sizeof(d->alpn))
		return -EINVAL;
	memcpy(d->alpn, alpn, len);
	d->alpn_len = len;
	return 0;
}

struct ktix_nl *tls_thread_nl(void)
{
	unsigned int epoch = mirror_nl_epoch();

	/* The module was loaded again: its family is another. */
	if (thread_nl && thread_nl_epoch != epoch)
		tls_thread_nl_close();
	if (!thread_nl && mirror_module_gone()) {
		thread_nl_err = -ENOENT;
		return NULL;
	}
	if (!thread_nl) {
		thread_nl_epoch = epoch;
		thread_nl_err = ktix_nl_open(&thread_nl);
		if (thread_nl_err) {
			thread_nl = NULL;
		} else {
			struct ktix_version_info v;

			/* Once a socket: what this module can take. */
			thread_nl_features = ktix_nl_version(thread_nl, &v) ?
					     0 : v.features;
		}
	}
	return thread_nl;
}

bool tls_thread_nl_has(uint64_t feature)
{
	return thread_nl && (thread_nl_features & feature) == feature;
}

int tls_thread_nl_error(void)
{
	return thread_nl_err ? thread_nl_err : -ENOENT;
}

void tls_thread_nl_close(void)
{
	ktix_nl_close(thread_nl);
	thread_nl = NULL;
}

static void ssl_errors(const char *what)
{
	char buf[256];
	unsigned long e;

	e = ERR_get_error();
	ERR_error_string_n(e, buf, sizeof(buf));
	log_msg(LOG_ERR, "%s: %s", what, e ? buf : "failed");
	ERR_clear_error();
}

/* Feeds a DER encoding of @len bytes to the digest, and frees it. */
static int md_der(EVP_MD_CTX *md, unsigned char *der, int len)
{
	int ok = len > 0 && EVP_DigestUpdate(md, der, (size_t)len);

	OPENSSL_free(der);
	return ok ? 0 : -1;
}

/*
 * The session-ID context of @ctx, as nginx makes it: a digest of the
 * certificate chain, the verification mode and depth and the client CA
 * names.  Equal configurations give equal contexts, so helpers with the
 * same configuration resume each other's sessions; any difference in
 * what a session proves about its peer gives another context.
 */
static int sid_ctx_make(SSL_CTX *ctx, uint8_t out[SHA256_DIGEST_LENGTH])
{
	static const char label[] = "ktixd session context v1";
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	STACK_OF(X509_NAME) *names = SSL_CTX_get_client_CA_list(ctx);
	STACK_OF(X509) *chain = NULL;
	uint8_t mode[8];
	int i, v, err = -1;

	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(md, label, sizeof(label)))
		goto out;
	{
		unsigned char *der = NULL;
		int len = i2d_X509(SSL_CTX_get0_certificate(ctx), &der);

		if (md_der(md, der, len))
			goto out;
	}
	SSL_CTX_get0_chain_certs(ctx, &chain);
	for (i = 0; i < sk_X509_num(chain); i++) {
		unsigned char *der = NULL;
		int len = i2d_X509(sk_X509_value(chain, i), &der);

		if (md_der(md, der, len))
			goto out;
	}
	/* Big-endian: the same digest on every host of a fleet. */
	v = SSL_CTX_get_verify_mode(ctx);
	for (i = 0; i < 4; i++)
		mode[i] = (uint8_t)((unsigned int)v >> (24 - 8 * i));
	v = SSL_CTX_get_verify_depth(ctx);
	for (i = 0; i < 4; i++)
		mode[4 + i] = (uint8_t)((unsigned int)v >> (24 - 8 * i));
	if (!EVP_DigestUpdate(md, mode, sizeof(mode)))
		goto out;
	for (i = 0; i < sk_X509_NAME_num(names); i++) {
		unsigned char *der = NULL;
		int len = i2d_X509_NAME(sk_X509_NAME_value(names, i), &der);

		if (md_der(md, der, len))
			goto out;
	}
	if (EVP_DigestFinal_ex(md, out, NULL))
		err = 0;
out:
	EVP_MD_CTX_free(md);
	return err;
}

/* Tickets (RFC 5077, TLS 1.3 PSK) and session IDs, through the module. */
static int ctx_resumption(SSL_CTX *ctx, const struct ktixd_config *c)
{
	SSL_CTX_set_num_tickets(ctx, c->tickets ? c->tls13_tickets : 0);
	SSL_CTX_set_timeout(ctx, (long)mirror_ticket_timeout());
	if (c->tickets &&
	    (SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, tls_ticket_key_cb) != 1 ||
	     !SSL_CTX_set_session_ticket_cb(ctx, ticket_gen_cb, tls_ticket_dec_cb,
					    NULL)))
		return -1;
	if (c->session_ids) {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER |
					       SSL_SESS_CACHE_NO_INTERNAL);
		SSL_CTX_sess_set_new_cb(ctx, sessid_new_cb);
		SSL_CTX_sess_set_get_cb(ctx, sessid_get_cb);
		SSL_CTX_sess_set_remove_cb(ctx, sessid_remove_cb);
	} else {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	}
	return 0;
}

/* verify-client=request|require: the CAs to trust and to name. */
static int ctx_client_verify(SSL_CTX *ctx, const struct ktixd_config *c)
{
	STACK_OF(X509_NAME) *names;

	if (SSL_CTX_load_verify_locations(ctx, c->client_ca, NULL) != 1)
		return -1;
	names = SSL_load_client_CA_file(c->client_ca);
	if (!names)
		return -1;
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
			   (c->verify == VERIFY_REQUIRE ?
			    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
	return 0;
}

static SSL_CTX *ctx_new(const struct ktixd_config *c,
			const struct ktixd_cert *cert, uint8_t *sid_ctx,
			unsigned int *sid_ctx_len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char what[4200];

	if (!ctx) {
		ssl_errors("SSL_CTX_new");
		return NULL;
	}
	snprintf(what, sizeof(what), "certificate %s", cert->cert);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert->cert) != 1)
		goto err;
	snprintf(what, sizeof(what), "private key %s", cert->key);
	if (SSL_CTX_use_PrivateKey_file(ctx, cert->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto err;
	snprintf(what, sizeof(what), "TLS settings");
	/* Only what kTLS can carry: AES-GCM and ChaCha20-Poly1305, ECDHE. */
	if (!SSL_CTX_set_min_proto_version(ctx, c->min_version) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_cipher_list(ctx,
		"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
		"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
		"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") ||
	    !SSL_CTX_set_ciphersuites(ctx,
		"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
		"TLS_CHACHA20_POLY1305_SHA256") ||
	    !SSL_CTX_set1_groups_list(ctx, "X25519:P-256"))
		goto err;
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
			    SSL_OP_NO_RENEGOTIATION |
			    SSL_OP_CIPHER_SERVER_PREFERENCE |
			    (c->tickets ? 0 : SSL_OP_NO_TICKET));
	SSL_CTX_set_read_ahead(ctx, 0);
	SSL_CTX_set_max_early_data(ctx, 0);
	snprintf(what, sizeof(what), "ticket callbacks");
	if (ctx_resumption(ctx, c))
		goto err;
	snprintf(what, sizeof(what), "client CA file %s", c->client_ca);
	if (c->verify != VERIFY_NONE && ctx_client_verify(ctx, c))
		goto err;
	snprintf(what, sizeof(what), "session context of %s", cert->cert);
	*sid_ctx_len = SHA256_DIGEST_LENGTH;
	if (c->sid_context ?
	    sid_context_parse(c->sid_context, sid_ctx, sid_ctx_len) :
	    sid_ctx_make(ctx, sid_ctx))
		goto err;
	if (!SSL_CTX_set_session_id_context(ctx, sid_ctx, *sid_ctx_len))
		goto err;
	SSL_CTX_set_client_hello_cb(ctx, client_hello_cb, NULL);
	SSL_CTX_set_tlsext_servername_callback(ctx, sni_cb);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
	if (ktix_tls_ctx_init(ctx))
		goto err;
	return ctx;

err:
	ssl_errors(what);
	SSL_CTX_free(ctx);
	return NULL;
}

static void ex_init(void)
{
	tls_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, data_free);
	tls_aes128 = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
	tls_aes256 = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
}

int tls_contexts_load(const struct ktixd_config *c)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct ctx_set *set, *old;
	unsigned int i;

	pthread_once(&once, ex_init);
	if (tls_ex_index < 0 || !tls_aes128 || !tls_aes256)
		return -ENOMEM;
	set = calloc(1, sizeof(*set));
	if (!set)
		return -ENOMEM;
	atomic_init(&set->refs, 1);
	set->verify_clients = c->verify != VERIFY_NONE;
	set->foreign_tickets = c->foreign_tickets;
	set->max_age = c->max_age;
	if (c->alpn && alpn_wire(c->alpn, &set->alpn, &set->alpn_len)) {
		log_msg(LOG_ERR, "alpn: \"%s\" is not a list of names like h2,http/1.1",
			c->alpn);
		set_put(set);
		return -EINVAL;
	}
	for (i = 0; i < c->n_certs; i++) {
		set->ctx[i] = ctx_new(c, &c->certs[i], set->sid_ctx[i],
				      &set->sid_ctx_len);
		if (!set->ctx[i]) {
			set_put(set);
			return -EINVAL;
		}
		set->n++;
	}
	pthread_mutex_lock(&set_lock);
	old = tls_current;
	tls_current = set;
	pthread_mutex_unlock(&set_lock);
	set_put(old);
	return 0;
}

void tls_contexts_free(void)
{
	pthread_mutex_lock(&set_lock);
	set_put(tls_current);
	tls_current = NULL;
	pthread_mutex_unlock(&set_lock);
	EVP_CIPHER_free(tls_aes128);
	EVP_CIPHER_free(tls_aes256);
	tls_aes128 = tls_aes256 = NULL;
}

SSL *tls_new(void)
{
	struct ssl_data *d = calloc(1, sizeof(*d));
	SSL *ssl = NULL;

	if (!d)
		return NULL;
	pthread_mutex_lock(&set_lock);
	if (tls_current) {
		ssl = SSL_new(tls_current->ctx[0]);
		if (ssl) {
			d->set = tls_current;
			atomic_fetch_add(&tls_current->refs, 1);
		}
	}
	pthread_mutex_unlock(&set_lock);
	if (!ssl || !SSL_set_ex_data(ssl, tls_ex_index, d)) {
		if (ssl) {
			set_put(d->set);
			SSL_free(ssl);
		}
		free(d);
		return NULL;
	}
	return ssl;
}
