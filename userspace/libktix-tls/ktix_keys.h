/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libktix-tls: a connection's record keys, laid out as kTLS takes them.
 * Made by ktix_tls_keys() (ktix_tls.h), sent by ktix_nl_offload()
 * (ktix_nl.h); neither OpenSSL's nor libnl's types appear here.
 */
#ifndef KTIX_KEYS_H
#define KTIX_KEYS_H

#include <stdbool.h>
#include <stdint.h>

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
 * A TLS 1.3 connection's application traffic secrets, as this side sees
 * them (tx: the secret it sends under), for following KeyUpdates (RFC 8446
 * 4.6.3): ktix_tls_key_update() moves them on and gives the next keys.
 */
struct ktix_tls_secrets {
	uint16_t cipher;	/* TLS_CIPHER_* of <linux/tls.h> */
	uint8_t len;		/* the hash's: 32 (SHA-256) or 48 (SHA-384) */
	uint8_t key_len, salt_len;	/* the cipher's, as in ktix_tls_dir */
	uint8_t tx[48], rx[48];
};

#endif /* KTIX_KEYS_H */
