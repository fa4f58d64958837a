/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libktix: record keys from an OpenSSL 3 connection, and their offload
 * into kTLS through the ktix module.
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

struct ktix_nl;

/* One direction's keys, laid out as kTLS wants them. */
struct ktix_tls_dir {
	uint8_t key[32];
	uint8_t iv[12];		/* TLS 1.2 GCM/CCM: the first explicit nonce */
	uint8_t salt[4];	/* GCM/CCM: the implicit part of the nonce */
	uint8_t rec_seq[8];	/* big-endian: the next record's number */
	uint8_t key_len, iv_len, salt_len;
};

struct ktix_tls_keys {
	uint16_t version;	/* TLS_1_2_VERSION, TLS_1_3_VERSION */
	uint16_t cipher;	/* TLS_CIPHER_* of <linux/tls.h> */
	struct ktix_tls_dir tx, rx;
	/*
	 * Set by the caller, for TLS 1.3: the peer is trusted not to pad its
	 * records, which lets kTLS decrypt in place (TLS_RX_EXPECT_NO_PAD).
	 */
	bool rx_no_pad;
};

/*
 * Makes every SSL of ctx keep what ktix_tls_keys() needs: the TLS 1.3
 * traffic secrets (through the keylog callback, which ktix then owns) and
 * a count of the records each side sent and received since the handshake's
 * keys took over (through the message callback).
 */
int ktix_tls_ctx_init(SSL_CTX *ctx);

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
 * The derivations themselves, for tests against published vectors.
 * ktix_tls13_traffic_keys(): key and iv from a traffic secret
 * (RFC 8446 7.3), with md the cipher suite's hash.
 * ktix_tls12_key_block(): RFC 5246 6.3's key block from the master secret.
 */
int ktix_tls13_traffic_keys(const EVP_MD *md, const uint8_t *secret,
			    size_t secret_len, uint8_t *key, size_t key_len,
			    uint8_t iv[12]);
int ktix_tls12_key_block(const EVP_MD *md, const uint8_t *master,
			 size_t master_len, const uint8_t client_random[32],
			 const uint8_t server_random[32], uint8_t *out,
			 size_t out_len);

/*
 * Hands fd's record keys to kTLS (KTIX_CMD_OFFLOAD).  kind is an enum
 * ktix_offload_kind.  The request is wiped once sent.
 */
int ktix_nl_offload(struct ktix_nl *nl, int fd, const struct ktix_tls_keys *k,
		    uint32_t kind);
/*
 * The same, for a full handshake that followed a failed resumption: miss
 * (enum ktix_resume_miss, 0 for none) is counted by the module.
 */
int ktix_nl_offload_miss(struct ktix_nl *nl, int fd,
			 const struct ktix_tls_keys *k, uint32_t kind,
			 uint32_t miss);

#endif /* KTIX_TLS_H */
