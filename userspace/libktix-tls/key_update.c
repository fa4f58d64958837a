// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix-tls: the next record keys of a TLS 1.3 connection after a
 * KeyUpdate (RFC 8446 4.6.3): application_traffic_secret_N+1 from N, then
 * its key and iv, as at the handshake.  The derivations are OpenSSL's
 * (tls.c); this file only knows which hash and sizes go with a cipher.
 */
#include <errno.h>
#include <string.h>

#include <linux/tls.h>
#include <openssl/evp.h>

#include "ktix_tls.h"

struct suite {
	uint16_t cipher;
	const char *md;
	uint8_t md_len, key_len, salt_len;
};

/* TLS 1.3's cipher suites that kTLS has (RFC 8446 B.4). */
static const struct suite suites[] = {
	{ TLS_CIPHER_AES_GCM_128, "SHA256", 32, 16, 4 },
	{ TLS_CIPHER_AES_GCM_256, "SHA384", 48, 32, 4 },
	{ TLS_CIPHER_CHACHA20_POLY1305, "SHA256", 32, 32, 0 },
	{ TLS_CIPHER_AES_CCM_128, "SHA256", 32, 16, 4 },
};

/* Moves one direction's secret on, and fills its keys. */
static int next_dir(const EVP_MD *md, const struct suite *su, uint8_t *secret,
		    struct ktix_tls_dir *d)
{
	uint8_t next[48], iv[12];
	int err;

	err = ktix_tls13_next_secret(md, secret, su->md_len, next);
	if (!err)
		err = ktix_tls13_traffic_keys(md, next, su->md_len, d->key,
					      su->key_len, iv);
	if (!err) {
		memcpy(secret, next, su->md_len);
		d->key_len = su->key_len;
		d->salt_len = su->salt_len;
		d->iv_len = 12 - su->salt_len;
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
	const struct suite *su = NULL;
	struct ktix_tls_secrets n = *s;	/* s moves on only if all goes well */
	EVP_MD *md;
	size_t i;
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].cipher == s->cipher)
			su = &suites[i];
	if (!su || s->len != su->md_len)
		return -EINVAL;
	md = EVP_MD_fetch(NULL, su->md, NULL);
	if (!md)
		return -ENOSYS;
	out->version = TLS_1_3_VERSION;
	out->cipher = s->cipher;
	if (tx)
		err = next_dir(md, su, n.tx, &out->tx);
	if (!err && rx)
		err = next_dir(md, su, n.rx, &out->rx);
	EVP_MD_free(md);
	if (err)
		ktix_tls_keys_wipe(out);
	else
		*s = n;
	ktix_tls_secrets_wipe(&n);
	return err;
}
