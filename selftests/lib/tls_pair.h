/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tests need for a real OpenSSL handshake between two of their
 * own sockets: a loopback TCP pair, a certificate, both contexts configured
 * alike, and the handshake itself (the server's half in a thread).
 */
#ifndef KTIX_SELFTESTS_TLS_PAIR_H
#define KTIX_SELFTESTS_TLS_PAIR_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/tls.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ktix_tls.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/* A connected loopback TCP pair: *c the client's end, *s the server's. */
static inline int tls_pair_tcp(int *c, int *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &len))
		return -1;
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (*c < 0 || connect(*c, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	*s = accept(l, NULL, NULL);
	close(l);
	return *s < 0 ? -1 : 0;
}

/* A self-signed P-256 certificate, made once for the process. */
static inline int tls_pair_cert(EVP_PKEY **pkey_out, X509 **cert_out)
{
	static EVP_PKEY *pkey;
	static X509 *cert;
	X509_NAME *name;

	if (!cert) {
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		cert = X509_new();
		if (!pkey || !cert)
			return -1;
		ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
		X509_gmtime_adj(X509_getm_notBefore(cert), -60);
		X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
		X509_set_pubkey(cert, pkey);
		name = X509_get_subject_name(cert);
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					   (const unsigned char *)"ktix test",
					   -1, -1, 0);
		X509_set_issuer_name(cert, name);
		if (X509_sign(cert, pkey, EVP_sha256()) <= 0)
			return -1;
	}
	*pkey_out = pkey;
	*cert_out = cert;
	return 0;
}

/*
 * Both contexts pinned to one version and suite (a TLS 1.3 suite name or
 * a TLS 1.2 cipher list), the server sending that many TLS 1.3 tickets, and
 * both ready for ktix_tls_keys().
 */
static inline int tls_pair_configure(SSL_CTX *sctx, SSL_CTX *cctx, int version,
				     const char *suite, int tickets)
{
	EVP_PKEY *pkey;
	X509 *cert;

	if (tls_pair_cert(&pkey, &cert) ||
	    SSL_CTX_use_certificate(sctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(sctx, pkey) != 1)
		return -1;
	SSL_CTX_set_min_proto_version(sctx, version);
	SSL_CTX_set_max_proto_version(sctx, version);
	SSL_CTX_set_num_tickets(sctx, (size_t)tickets);
	if (version == TLS1_3_VERSION) {
		if (SSL_CTX_set_ciphersuites(sctx, suite) != 1 ||
		    SSL_CTX_set_ciphersuites(cctx, suite) != 1)
			return -1;
	} else if (SSL_CTX_set_cipher_list(sctx, suite) != 1 ||
		   SSL_CTX_set_cipher_list(cctx, suite) != 1) {
		return -1;
	}
	SSL_CTX_set_session_id_context(sctx, (const unsigned char *)"ktix", 4);
	return ktix_tls_ctx_init(sctx) || ktix_tls_ctx_init(cctx) ? -1 : 0;
}

static inline void *tls_pair_accept(void *server)
{
	return (void *)(long)SSL_accept(server);
}

/* The handshake between s and c, whose descriptors are connected. */
static inline int tls_pair_handshake(SSL *s, SSL *c)
{
	pthread_t t;
	void *ret;
	int rc;

	if (pthread_create(&t, NULL, tls_pair_accept, s))
		return -1;
	rc = SSL_connect(c);
	pthread_join(t, &ret);
	if (rc != 1 || (long)ret != 1) {
		ERR_print_errors_fp(stderr);
		return -1;
	}
	return 0;
}

/*
 * AES-GCM-128 keys installed as a process without ktix would: TCP_ULP
 * "tls", then TLS_TX and TLS_RX by setsockopt(2).  0 or -errno.
 */
static inline int tls_pair_setsockopt(int fd, const struct ktix_tls_keys *k)
{
	const struct ktix_tls_dir *dirs[] = { &k->tx, &k->rx };
	struct tls12_crypto_info_aes_gcm_128 ci;
	int i, err = 0;

	if (k->cipher != TLS_CIPHER_AES_GCM_128)
		return -EPROTONOSUPPORT;
	if (setsockopt(fd, SOL_TCP, TCP_ULP, "tls", 3))
		return -errno;
	for (i = 0; i < 2 && !err; i++) {
		memset(&ci, 0, sizeof(ci));
		ci.info.version = k->version;
		ci.info.cipher_type = k->cipher;
		memcpy(ci.key, dirs[i]->key, sizeof(ci.key));
		memcpy(ci.iv, dirs[i]->iv, sizeof(ci.iv));
		memcpy(ci.salt, dirs[i]->salt, sizeof(ci.salt));
		memcpy(ci.rec_seq, dirs[i]->rec_seq, sizeof(ci.rec_seq));
		if (setsockopt(fd, SOL_TLS, i ? TLS_RX : TLS_TX, &ci, sizeof(ci)))
			err = -errno;
	}
	OPENSSL_cleanse(&ci, sizeof(ci));
	return err;
}

#endif /* KTIX_SELFTESTS_TLS_PAIR_H */
