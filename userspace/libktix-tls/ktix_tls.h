/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libktix-tls: record keys from an OpenSSL 3 connection, for kTLS.  Their
 * offload into kTLS through the ktix module is libktix-nl's
 * (ktix_nl_offload()).
 *
 *	ktix_tls_ctx_init(ctx);		once, before handshakes on ctx
 *	... SSL_accept() or SSL_connect() completes ...
 *	ktix_tls_keys(ssl, &keys);	derive both directions
 *	ktix_nl_offload(nl, fd, &keys, KTIX_OFFLOAD_KIND_FULL);
 *	ktix_tls_keys_wipe(&keys);
 *
 * Every function returns 0 or a negative errno.
 */
#ifndef KTIX_TLS_H
#define KTIX_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "ktix_keys.h"

/*
 * Makes every SSL of ctx keep what ktix_tls_keys() needs: the TLS 1.3
 * traffic secrets (through the keylog callback, which ktix then owns) and
 * a count of the records each side sent and received since the handshake's
 * keys took over (through the message callback).
 */
int ktix_tls_ctx_init(SSL_CTX *ctx);

/*
 * Hands every line of OpenSSL's key log (NSS key log format, without its
 * newline) to @fn as well, for SSLKEYLOGFILE; NULL, the default, stops
 * it.  Process-wide: set it before the first handshake.
 */
typedef void (*ktix_tls_keylog_fn)(const SSL *ssl, const char *line);
void ktix_tls_set_keylog(ktix_tls_keylog_fn fn);

/*
 * The record keys of a finished handshake, for this side of it.  The
 * sequence numbers count what OpenSSL already sent and read under them:
 * for TLS 1.2 the Finished messages, for TLS 1.3 the NewSessionTicket
 * messages and any application data.  -EOPNOTSUPP for a cipher kTLS has
 * not or a version other than 1.2 and 1.3; -EPROTO after a KeyUpdate
 * (kTLS on 6.1 cannot follow one); -EINVAL before the handshake finished
 * or without ktix_tls_ctx_init().
 */
int ktix_tls_keys(SSL *ssl, struct ktix_tls_keys *out);
void ktix_tls_keys_wipe(struct ktix_tls_keys *k);

/*
 * TLS 1.3: the application traffic secrets the record keys come from, to
 * follow KeyUpdates after the offload.  Same errors as ktix_tls_keys();
 * -EOPNOTSUPP for TLS 1.2, which has no KeyUpdate.
 */
int ktix_tls_secrets(SSL *ssl, struct ktix_tls_secrets *out);
void ktix_tls_secrets_wipe(struct ktix_tls_secrets *s);

/*
 * A KeyUpdate (RFC 8446 4.6.3, 7.2): moves the secrets of the directions
 * asked for (tx, rx) to the next generation and gives their record keys,
 * with sequence numbers of zero, in out; the other direction is left out
 * of out (key_len 0, which ktix_nl_offload() then does not send).  For
 * ktix_nl_offload() with KTIX_OFFLOAD_KIND_KEY_UPDATE.  -EINVAL for
 * sizes that are none of TLS 1.3's.
 */
int ktix_tls_key_update(struct ktix_tls_secrets *s, bool tx, bool rx,
			struct ktix_tls_keys *out);

/*
 * The derivations themselves, for tests against published vectors.
 * ktix_tls13_traffic_keys(): key and iv from a traffic secret
 * (RFC 8446 7.3), with md the cipher suite's hash.
 * ktix_tls13_next_secret(): the next traffic secret, as long as this one
 * (RFC 8446 7.2, "traffic upd").
 * ktix_tls12_key_block(): RFC 5246 6.3's key block from the master secret.
 */
int ktix_tls13_traffic_keys(const EVP_MD *md, const uint8_t *secret,
			    size_t secret_len, uint8_t *key, size_t key_len,
			    uint8_t iv[12]);
int ktix_tls13_next_secret(const EVP_MD *md, const uint8_t *secret,
			   size_t secret_len, uint8_t *next);
int ktix_tls12_key_block(const EVP_MD *md, const uint8_t *master,
			 size_t master_len, const uint8_t client_random[32],
			 const uint8_t server_random[32], uint8_t *out,
			 size_t out_len);

#endif /* KTIX_TLS_H */
