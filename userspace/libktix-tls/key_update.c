// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix-tls: the next record keys of a TLS 1.3 connection after a
 * KeyUpdate (RFC 8446 4.6.3): application_traffic_secret_N+1 from N, then
 * its key and iv, as at the handshake.  The derivations are OpenSSL's
 * (tls.c); the sizes come with the secrets (ktix_tls_secrets()).
 */
#include <errno.h>
#include <string.h>

#include <linux/tls.h>
#include <openssl/evp.h>

#include "ktix_tls.h"

/* Moves one direction's secret on, and fills its keys. */
static int next_dir(const EVP_MD *md, const struct ktix_tls_secrets *s,
		    uint8_t *secret, struct ktix_tls_dir *d)
{
	uint8_t next[48], iv[12];
	int err;

	err = ktix_tls13_next_secret(md, secret, s->len, next);
	if (!err)
		err = ktix_tls13_traffic_keys(md, next, s->len, d->key,
					      s->key_len, iv);
	if (!err) {
		memcpy(secret, next, s->len);
		d->key_len = s->key_len;
		d->salt_len = s->salt_len;
		d->iv_len = 12 - s->salt_len;
		/* The AEAD nonce: salt | iv for the AES modes. */
		memcpy(d->salt, iv, d->salt_len);
		memcpy(d->iv, iv + d->salt_len, d->iv_len);
		memset(d->rec_seq, 0, sizeof(d->rec_seq));
	}
	OPENSSL_cleanse(next, sizeof(next));
	OPENSSL_cleanse(iv, sizeof(iv));
	return err;
}

int ktix_tls_key_update(struct ktix_tls_secrets *s, bool tx, bool rx,
			struct ktix_tls_keys *out)
{
	struct ktix_tls_secrets n = *s;	/* s moves on only if all goes well */
	EVP_MD *md;
	int err = 0;

	memset(out, 0, sizeof(*out));
	/* TLS 1.3's suites hash with SHA-256 or SHA-384 (RFC 8446 B.4). */
	if ((s->len != 32 && s->len != 48) ||
	    (s->key_len != 16 && s->key_len != 32) ||
	    (s->salt_len != 0 && s->salt_len != 4))
		return -EINVAL;
	md = EVP_MD_fetch(NULL, s->len == 48 ? "SHA384" : "SHA256", NULL);
	if (!md)
		return -ENOSYS;
	out->version = TLS_1_3_VERSION;
	out->cipher = s->cipher;
	if (tx)
		err = next_dir(md, s, n.tx, &out->tx);
	if (!err && rx)
		err = next_dir(md, s, n.rx, &out->rx);
	EVP_MD_free(md);
	if (err)
		ktix_tls_keys_wipe(out);
	else
		*s = n;
	ktix_tls_secrets_wipe(&n);
	return err;
}
