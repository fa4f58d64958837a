// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: OpenSSL contexts, session tickets against the mirrored ring, and
 * session IDs in the kernel's cache.
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
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "ktix_nl.h"
#include "ktix_tls.h"
#include "ktixd.h"

#define APPDATA_VERSION	1
/* A ticket issued further in the future than this is refused (seconds). */
#define CLOCK_SKEW	60

/* The ktix block in a ticket. */
struct ticket_appdata {
	uint8_t version;
	uint8_t handle[16];
	uint8_t issued[8];	/* big-endian seconds */
};

/* Every context of one configuration; SSLs hold a reference. */
struct ctx_set {
	atomic_int refs;
	SSL_CTX *ctx[KTIXD_MAX_CERTS];
	uint8_t sid_ctx[KTIXD_MAX_CERTS][SHA256_DIGEST_LENGTH];
	unsigned int n;
	unsigned char *alpn;		/* wire format */
	size_t alpn_len;
};

/* What ktixd keeps for each SSL (ex_data). */
struct ssl_data {
	struct hs_info info;
	struct ctx_set *set;
	unsigned int ctx_idx;		/* the context in use, in set */
	char sni[256];			/* the ClientHello's, lower case, or "" */
	uint8_t alpn[255];		/* the server's own list, or none */
	size_t alpn_len;
};

static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ctx_set *current;
static int ex_index = -1;
static EVP_CIPHER *aes128, *aes256;
static __thread struct ktix_nl *thread_nl;
static __thread int thread_nl_err;
static __thread unsigned int thread_nl_epoch;

const char *resume_fail_name(uint32_t f)
{
#define KTIX_RESUME_MISS_NAME(value, name)	[KTIX_RESUME_MISS_##value] = name,
	static const char *const names[KTIX_RESUME_MISS_MAX + 1] = {
		[KTIX_RESUME_MISS_NONE] = "none",
#include <ktix/tables.h>
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
	struct ssl_data *d = SSL_get_ex_data(ssl, ex_index);

	return d ? &d->info : NULL;
}

int tls_set_alpn(SSL *ssl, const uint8_t *alpn, size_t len)
{
	struct ssl_data *d = SSL_get_ex_data(ssl, ex_index);

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
		if (thread_nl_err)
			thread_nl = NULL;
	}
	return thread_nl;
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

/* ---- the security context of a session ---- */

/*
 * Whether @sess may resume on @s: made in this context (its session-ID
 * context) and for the name the client asks for now.  Sets the miss.
 */
static bool session_in_context(SSL *s, const SSL_SESSION *sess)
{
	struct ssl_data *d = SSL_get_ex_data(s, ex_index);
	const unsigned char *sid;
	const char *host;
	unsigned int len;

	if (!d)
		return false;
	sid = SSL_SESSION_get0_id_context(sess, &len);
	host = SSL_SESSION_get0_hostname(sess);
	if (len != SHA256_DIGEST_LENGTH ||
	    CRYPTO_memcmp(sid, d->set->sid_ctx[d->ctx_idx], len) ||
	    strcasecmp(host ? host : "", d->sni)) {
		d->info.fail = KTIX_RESUME_MISS_CONTEXT;
		return false;
	}
	return true;
}

/*
 * Before OpenSSL looks for a session: the server name, and the context of
 * the certificate for it, so that the session-ID context compared is the
 * one of the certificate the client will get.
 */
static int client_hello_cb(SSL *s, int *alert, void *arg)
{
	struct ssl_data *d = SSL_get_ex_data(s, ex_index);
	const unsigned char *ext;
	unsigned int i;
	size_t len;

	(void)alert; (void)arg;
	if (!d)
		return SSL_CLIENT_HELLO_ERROR;
	if (!SSL_client_hello_get0_ext(s, TLSEXT_TYPE_server_name, &ext, &len) ||
	    sni_parse(ext, len, d->sni, sizeof(d->sni)))
		d->sni[0] = '\0';
	if (!d->sni[0] || d->set->n < 2)
		return SSL_CLIENT_HELLO_SUCCESS;
	for (i = 0; i < d->set->n; i++) {
		X509 *x = SSL_CTX_get0_certificate(d->set->ctx[i]);

		if (x && X509_check_host(x, d->sni, 0, 0, NULL) == 1)
			break;
	}
	if (i == d->set->n)
		i = 0;			/* no match: the default certificate */
	if (i != d->ctx_idx) {
		if (!SSL_set_SSL_CTX(s, d->set->ctx[i]))
			return SSL_CLIENT_HELLO_ERROR;
		d->ctx_idx = i;
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

/* ---- tickets ---- */

int tls_ticket_key_cb(SSL *s, unsigned char name[16], unsigned char iv[16],
		      EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	struct hs_info *info = tls_info(s);
	struct mirror_key k;
	bool primary = true;
	int ret = -1;

	if (enc) {
		if (!mirror_primary(&k))
			return 0;	/* no key yet: no ticket */
		memcpy(name, k.name, 16);
		if (RAND_bytes(iv, 16) <= 0)
			goto out;
	} else if (!mirror_find(name, &k, &primary)) {
		if (info)
			info->fail = KTIX_RESUME_MISS_UNKNOWN_KEY;
		return 0;		/* a full handshake, and a new ticket */
	}
	{
		OSSL_PARAM p[] = {
			OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
			OSSL_PARAM_octet_string(OSSL_MAC_PARAM_KEY, k.hmac,
						k.hmac_len),
			OSSL_PARAM_END,
		};
		EVP_CIPHER *c = k.aes_len == 32 ? aes256 : aes128;

		if (!EVP_MAC_CTX_set_params(hctx, p) ||
		    !EVP_CipherInit_ex(cctx, c, NULL, k.aes, iv, enc))
			goto out;
	}
	ret = primary ? 1 : 2;		/* 2: renew under the primary */
out:
	OPENSSL_cleanse(&k, sizeof(k));
	return ret;
}

/*
 * Puts the ktix block in @sess: the connection's handle (a new one for a
 * full handshake) and the time now.  1, or 0 on failure.
 */
static int appdata_set(struct hs_info *info, SSL_SESSION *sess)
{
	struct ticket_appdata ad = { .version = APPDATA_VERSION };
	uint64_t now = (uint64_t)time(NULL);
	int i;

	if (!info->has_handle) {
		if (RAND_bytes(info->handle, sizeof(info->handle)) <= 0)
			return 0;
		info->has_handle = true;
	}
	memcpy(ad.handle, info->handle, sizeof(ad.handle));
	for (i = 0; i < 8; i++)
		ad.issued[i] = (uint8_t)(now >> (56 - 8 * i));
	return SSL_SESSION_set1_ticket_appdata(sess, &ad, sizeof(ad));
}

/* The ktix block of @sess, or NULL for a session that is not ktix's. */
static const struct ticket_appdata *appdata_get(SSL_SESSION *sess)
{
	struct ticket_appdata *ad;
	size_t len;

	if (!SSL_SESSION_get0_ticket_appdata(sess, (void **)&ad, &len) ||
	    len != sizeof(*ad) || ad->version != APPDATA_VERSION)
		return NULL;
	return ad;
}

/*
 * Whether the handle of @ad may resume: not revoked, and checked against
 * a current mirror.  Sets the miss; takes the handle for the result.
 */
static bool handle_may_resume(struct hs_info *info,
			      const struct ticket_appdata *ad)
{
	switch (mirror_revoked(ad->handle)) {
	case REV_CLEAR:
		memcpy(info->handle, ad->handle, sizeof(info->handle));
		info->has_handle = true;
		return true;
	case REV_REVOKED:
		info->fail = KTIX_RESUME_MISS_REVOKED;
		return false;
	default:
		info->fail = KTIX_RESUME_MISS_REVOKE_STALE;
		return false;
	}
}

static int gen_cb(SSL *s, void *arg)
{
	struct hs_info *info = tls_info(s);
	SSL_SESSION *sess = SSL_get0_session(s);

	(void)arg;
	if (!info || !sess)
		return 0;
	SSL_SESSION_set_timeout(sess, (long)mirror_ticket_timeout());
	return appdata_set(info, sess);
}

SSL_TICKET_RETURN tls_ticket_dec_cb(SSL *s, SSL_SESSION *ss,
				    const unsigned char *keyname,
				    size_t keyname_len,
				    SSL_TICKET_STATUS status, void *arg)
{
	struct hs_info *info = tls_info(s);
	const struct ticket_appdata *ad;
	uint64_t issued, now;
	int i;

	(void)keyname; (void)keyname_len; (void)arg;
	if (!info)
		return SSL_TICKET_RETURN_ABORT;
	switch (status) {
	case SSL_TICKET_EMPTY:
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	case SSL_TICKET_NO_DECRYPT:
		if (info->fail == KTIX_RESUME_MISS_NONE)
			info->fail = KTIX_RESUME_MISS_BAD_TICKET;
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	case SSL_TICKET_SUCCESS:
	case SSL_TICKET_SUCCESS_RENEW:
		break;
	default:
		return SSL_TICKET_RETURN_ABORT;
	}
	ad = appdata_get(ss);
	if (!ad) {
		/* Not one of ours: no handle to check, so not resumed. */
		info->fail = KTIX_RESUME_MISS_BAD_TICKET;
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	}
	if (!session_in_context(s, ss))
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	/* The lifetime is the policy's now: shortening it ends older tickets. */
	for (i = 0, issued = 0; i < 8; i++)
		issued = issued << 8 | ad->issued[i];
	now = (uint64_t)time(NULL);
	if (issued > now + CLOCK_SKEW) {
		/* Else it would outlive the ticket lifetime. */
		info->fail = KTIX_RESUME_MISS_FUTURE;
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	}
	if (now > issued + mirror_ticket_lifetime()) {
		info->fail = KTIX_RESUME_MISS_EXPIRED;
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	}
	if (!handle_may_resume(info, ad))
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	info->ticket_used = true;
	info->fail = KTIX_RESUME_MISS_NONE;
	/*
	 * TLS 1.3: new tickets after every resumption, whatever key the
	 * ticket was under: clients that use each ticket once (RFC 8446
	 * appendix C.4) would otherwise resume only every second time.
	 */
	if (status == SSL_TICKET_SUCCESS &&
	    SSL_SESSION_get_protocol_version(ss) != TLS1_3_VERSION)
		return SSL_TICKET_RETURN_USE;
	return SSL_TICKET_RETURN_USE_RENEW;
}

/* ---- session IDs, in the kernel's cache ---- */

static int new_cb(SSL *s, SSL_SESSION *sess)
{
	unsigned int id_len;
	const unsigned char *id = SSL_SESSION_get_id(sess, &id_len);
	struct ktix_nl *nl = tls_thread_nl();
	struct hs_info *info = tls_info(s);
	unsigned char *der = NULL;
	int len, err;

	/* TLS 1.3 sessions travel in their tickets. */
	if (!nl || !info || !id_len || SSL_version(s) != TLS1_2_VERSION)
		return 0;
	/* Its handle, the ticket's if one was issued: one session, one. */
	if (!appdata_get(sess) && !appdata_set(info, sess))
		return 0;
	len = i2d_SSL_SESSION(sess, &der);
	if (len <= 0)
		return 0;
	err = ktix_nl_sess_put(nl, id, id_len, der, (size_t)len, 0);
	if (err)
		log_msg(LOG_WARNING, "session cache: put: %s%s%s",
			strerror(-err), *ktix_nl_errmsg(nl) ? ": " : "",
			ktix_nl_errmsg(nl));
	OPENSSL_clear_free(der, (size_t)len);
	return 0;		/* we kept no reference */
}

static SSL_SESSION *get_cb(SSL *s, const unsigned char *id, int id_len,
			   int *copy)
{
	struct hs_info *info = tls_info(s);
	struct ktix_nl *nl = tls_thread_nl();
	struct ktix_sess_info si = { 0 };
	const struct ticket_appdata *ad;
	const unsigned char *p;
	SSL_SESSION *sess = NULL;
	int err;

	*copy = 0;
	if (!nl || id_len <= 0)
		return NULL;
	err = ktix_nl_sess_get(nl, id, (size_t)id_len, &si);
	if (err) {
		if (err != -ENOENT)
			log_msg(LOG_WARNING, "session cache: get: %s",
				strerror(-err));
		if (info)
			info->fail = KTIX_RESUME_MISS_CACHE_MISS;
		return NULL;
	}
	p = si.data;
	sess = d2i_SSL_SESSION(NULL, &p, si.size);
	ktix_sess_info_free(&si);
	if (!sess) {
		if (info)
			info->fail = KTIX_RESUME_MISS_CACHE_MISS;
		return NULL;
	}
	if (!session_in_context(s, sess)) {
		SSL_SESSION_free(sess);
		return NULL;
	}
	ad = appdata_get(sess);
	if (!ad) {
		/* Not one of ours (no handle to check): not resumed. */
		if (info)
			info->fail = KTIX_RESUME_MISS_CACHE_MISS;
		SSL_SESSION_free(sess);
		return NULL;
	}
	if (!info || !handle_may_resume(info, ad)) {
		SSL_SESSION_free(sess);
		return NULL;
	}
	return sess;
}

static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
	unsigned int id_len;
	const unsigned char *id = SSL_SESSION_get_id(sess, &id_len);
	struct ktix_nl *nl = tls_thread_nl();

	(void)ctx;
	if (nl && id_len)
		ktix_nl_sess_del(nl, id, id_len);
}

/* ---- SNI and ALPN ---- */

/*
 * The certificate was chosen in the ClientHello callback; acknowledging
 * the name makes OpenSSL keep it in the session, where the next
 * resumption finds it.
 */
static int sni_cb(SSL *s, int *alert, void *arg)
{
	(void)s; (void)alert; (void)arg;
	return SSL_TLSEXT_ERR_OK;
}

static int alpn_cb(SSL *s, const unsigned char **out, unsigned char *outlen,
		   const unsigned char *in, unsigned int inlen, void *arg)
{
	struct ssl_data *d = SSL_get_ex_data(s, ex_index);
	unsigned char *o;

	(void)arg;
	if (!d || (!d->alpn_len && !d->set->alpn))
		return SSL_TLSEXT_ERR_NOACK;
	/* The server's own list, else ktixd's alpn setting. */
	if (SSL_select_next_proto(&o, outlen,
				  d->alpn_len ? d->alpn : d->set->alpn,
				  (unsigned int)(d->alpn_len ? d->alpn_len :
						 d->set->alpn_len),
				  in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = o;
	return SSL_TLSEXT_ERR_OK;
}

/* "h2,http/1.1" to its wire format: length-prefixed names. */
static int alpn_wire(const char *list, unsigned char **out, size_t *len)
{
	size_t n = strlen(list), i = 0, start = 0, pos = 0;
	unsigned char *w = malloc(n + 1);

	if (!w)
		return -ENOMEM;
	for (i = 0; i <= n; i++) {
		if (i < n && list[i] != ',')
			continue;
		if (i == start || i - start > 255) {
			free(w);
			return -EINVAL;
		}
		w[pos++] = (unsigned char)(i - start);
		memcpy(w + pos, list + start, i - start);
		pos += i - start;
		start = i + 1;
	}
	*out = w;
	*len = pos;
	return 0;
}

/* ---- contexts ---- */

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

static SSL_CTX *ctx_new(const struct ktixd_config *c,
			const struct ktixd_cert *cert, uint8_t *sid_ctx)
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
	SSL_CTX_set_num_tickets(ctx, c->tickets ? c->tls13_tickets : 0);
	SSL_CTX_set_timeout(ctx, (long)mirror_ticket_timeout());
	if (c->tickets &&
	    (SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, tls_ticket_key_cb) != 1 ||
	     !SSL_CTX_set_session_ticket_cb(ctx, gen_cb, tls_ticket_dec_cb,
					    NULL)))
		goto err;
	if (c->session_ids) {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER |
					       SSL_SESS_CACHE_NO_INTERNAL);
		SSL_CTX_sess_set_new_cb(ctx, new_cb);
		SSL_CTX_sess_set_get_cb(ctx, get_cb);
		SSL_CTX_sess_set_remove_cb(ctx, remove_cb);
	} else {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	}
	if (c->verify != VERIFY_NONE) {
		STACK_OF(X509_NAME) *names;

		snprintf(what, sizeof(what), "client CA file %s", c->client_ca);
		if (SSL_CTX_load_verify_locations(ctx, c->client_ca, NULL) != 1)
			goto err;
		names = SSL_load_client_CA_file(c->client_ca);
		if (!names)
			goto err;
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
				   (c->verify == VERIFY_REQUIRE ?
				    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
	}
	snprintf(what, sizeof(what), "session context of %s", cert->cert);
	if (sid_ctx_make(ctx, sid_ctx) ||
	    !SSL_CTX_set_session_id_context(ctx, sid_ctx, SHA256_DIGEST_LENGTH))
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
	ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, data_free);
	aes128 = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
	aes256 = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
}

int tls_contexts_load(const struct ktixd_config *c)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct ctx_set *set, *old;
	unsigned int i;

	pthread_once(&once, ex_init);
	if (ex_index < 0 || !aes128 || !aes256)
		return -ENOMEM;
	set = calloc(1, sizeof(*set));
	if (!set)
		return -ENOMEM;
	atomic_init(&set->refs, 1);
	if (c->alpn && alpn_wire(c->alpn, &set->alpn, &set->alpn_len)) {
		log_msg(LOG_ERR, "alpn: \"%s\" is not a list of names like h2,http/1.1",
			c->alpn);
		set_put(set);
		return -EINVAL;
	}
	for (i = 0; i < c->n_certs; i++) {
		set->ctx[i] = ctx_new(c, &c->certs[i], set->sid_ctx[i]);
		if (!set->ctx[i]) {
			set_put(set);
			return -EINVAL;
		}
		set->n++;
	}
	pthread_mutex_lock(&set_lock);
	old = current;
	current = set;
	pthread_mutex_unlock(&set_lock);
	set_put(old);
	return 0;
}

void tls_contexts_free(void)
{
	pthread_mutex_lock(&set_lock);
	set_put(current);
	current = NULL;
	pthread_mutex_unlock(&set_lock);
	EVP_CIPHER_free(aes128);
	EVP_CIPHER_free(aes256);
	aes128 = aes256 = NULL;
}

SSL *tls_new(void)
{
	struct ssl_data *d = calloc(1, sizeof(*d));
	SSL *ssl = NULL;

	if (!d)
		return NULL;
	pthread_mutex_lock(&set_lock);
	if (current) {
		ssl = SSL_new(current->ctx[0]);
		if (ssl) {
			d->set = current;
			atomic_fetch_add(&current->refs, 1);
		}
	}
	pthread_mutex_unlock(&set_lock);
	if (!ssl || !SSL_set_ex_data(ssl, ex_index, d)) {
		if (ssl) {
			set_put(d->set);
			SSL_free(ssl);
		}
		free(d);
		return NULL;
	}
	return ssl;
}
