// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: the security context of a session.  A session resumes only in
 * the context it was made in (its session-ID context, a digest of the
 * certificate chain, the client verification and the CA names, or the
 * one session-id-context sets, allowed only without client verification,
 * for HAProxy and nginx to resume ktixd's tickets) and for
 * the server name it was made for (RFC 6066 section 3, RFC 8446 4.6.1):
 * the ClientHello callback reads the name and picks the certificate
 * before OpenSSL looks for a session.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls_priv.h"

/*
 * Whether @sess may resume on @s: made in this context (its session-ID
 * context) and for the name the client asks for now.  Sets the miss.
 */
bool session_in_context(SSL *s, const SSL_SESSION *sess)
{
	struct ssl_data *d = SSL_get_ex_data(s, tls_ex_index);
	const unsigned char *sid;
	const char *host;
	unsigned int len;

	if (!d)
		return false;
	sid = SSL_SESSION_get0_id_context(sess, &len);
	host = SSL_SESSION_get0_hostname(sess);
	if (len != d->set->sid_ctx_len ||
	    CRYPTO_memcmp(sid, d->set->sid_ctx[d->ctx_idx], len) ||
	    strcasecmp(host ? host : "", d->sni)) {
		d->info.miss = KTIX_RESUME_MISS_CONTEXT;
		return false;
	}
	return true;
}

/*
 * A session another server made (nginx, HAProxy: no ktix block) under a
 * key of the ring.  Whoever holds the ring's keys is trusted with tickets
 * as ktixd is, but another server's session-ID context says nothing ktixd
 * can check.  So such a session resumes only where nothing but the
 * server's name was authenticated: for the name it was made for, where
 * ktixd verifies no client and the session carries no client certificate.
 * It then takes this context's session-ID context, which OpenSSL compares
 * next for TLS 1.2.
 */
bool foreign_session_in_context(SSL *s, SSL_SESSION *sess)
{
	struct ssl_data *d = SSL_get_ex_data(s, tls_ex_index);
	const char *host = SSL_SESSION_get0_hostname(sess);
	X509 *peer = SSL_SESSION_get0_peer(sess);

	if (d && !d->set->foreign_tickets) {
		/* Not a context question: such tickets are not taken here. */
		d->info.miss = KTIX_RESUME_MISS_BAD_TICKET;
		return false;
	}
	if (!d || d->set->verify_clients || peer ||
	    strcasecmp(host ? host : "", d->sni) ||
	    !SSL_SESSION_set1_id_context(sess, d->set->sid_ctx[d->ctx_idx],
					 d->set->sid_ctx_len)) {
		if (d)
			d->info.miss = KTIX_RESUME_MISS_CONTEXT;
		return false;
	}
	return true;
}

/*
 * Before OpenSSL looks for a session: the server name, and the context of
 * the certificate for it, so that the session-ID context compared is the
 * one of the certificate the client will get.
 */
int client_hello_cb(SSL *s, int *alert, void *arg)
{
	struct ssl_data *d = SSL_get_ex_data(s, tls_ex_index);
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
