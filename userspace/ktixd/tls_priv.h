/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktixd, inside its TLS: what tls.c, context.c, ticket.c, sessid.c and
 * alpn.c share, and no other file sees.  tls.c opens with how they work
 * together.
 */
#ifndef KTIXD_TLS_PRIV_H
#define KTIXD_TLS_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

#include "ktixd.h"
#include "ktix/ticket_block.h"

/* A ticket issued further in the future than this is refused (seconds). */
#define CLOCK_SKEW	60


/* Every context of one configuration; SSLs hold a reference. */
struct ctx_set {
	atomic_int refs;
	SSL_CTX *ctx[KTIXD_MAX_CERTS];
	/*
	 * Each context's session-ID context: a digest of it (the default),
	 * or the one session-id-context gives them all; sid_ctx_len bytes.
	 */
	uint8_t sid_ctx[KTIXD_MAX_CERTS][SSL_MAX_SID_CTX_LENGTH];
	unsigned int sid_ctx_len;
	unsigned int n;
	unsigned char *alpn;		/* wire format */
	size_t alpn_len;
	bool verify_clients;		/* verify-client is not none */
	uint32_t max_age;		/* session-max-age, seconds */
	bool foreign_tickets;		/* other servers' tickets resume */
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

/* The configuration in use; handshakes hold a reference (tls.c). */
extern struct ctx_set *tls_current;
/* The index of struct ssl_data in each SSL's ex_data. */
extern int tls_ex_index;
/* The ticket ciphers, fetched once. */
extern EVP_CIPHER *tls_aes128, *tls_aes256;

/* context.c: the security context of a session */
int client_hello_cb(SSL *s, int *alert, void *arg);
bool session_in_context(SSL *s, const SSL_SESSION *sess);
bool foreign_session_in_context(SSL *s, SSL_SESSION *sess);

/* ticket.c: tickets, and the ktix block of a session */
/* The ktix block of @sess into @out (version 1 read as 2): true, or false. */
bool ticket_appdata_get(SSL_SESSION *sess, struct ktix_ticket_block *out);
int ticket_appdata_set(struct hs_info *info, SSL_SESSION *sess);
/*
 * Whether a session made (full handshake) at @established may still
 * resume, within session-max-age; else sets the miss (expired).  The
 * caller that resumes it keeps @established in its hs_info, for the
 * tickets that renew it.
 */
bool session_age_ok(SSL *s, struct hs_info *info, uint64_t established);
int ticket_gen_cb(SSL *s, void *arg);
/* The callbacks tls.c sets on each context (bench/ticketbench times them). */
int tls_ticket_key_cb(SSL *s, unsigned char name[16], unsigned char iv[16],
		      EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc);
SSL_TICKET_RETURN tls_ticket_dec_cb(SSL *s, SSL_SESSION *ss,
				    const unsigned char *keyname,
				    size_t keyname_len,
				    SSL_TICKET_STATUS status, void *arg);
bool session_handle_may_resume(struct hs_info *info,
			       const struct ktix_ticket_block *ad);

/* sessid.c: session IDs, in the kernel's cache */
SSL_SESSION *sessid_get_cb(SSL *s, const unsigned char *id, int id_len,
			   int *copy);
int sessid_new_cb(SSL *s, SSL_SESSION *sess);
void sessid_remove_cb(SSL_CTX *ctx, SSL_SESSION *sess);

/* alpn.c: SNI and ALPN */
int alpn_cb(SSL *s, const unsigned char **out, unsigned char *outlen,
	    const unsigned char *in, unsigned int inlen, void *arg);
int alpn_wire(const char *list, unsigned char **out, size_t *len);
int sni_cb(SSL *s, int *alert, void *arg);

#endif /* KTIXD_TLS_PRIV_H */
