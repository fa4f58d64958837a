// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix-tls: record keys from an OpenSSL 3 connection.
 *
 * No cipher, PRF or HKDF is written here: TLS 1.2's key block comes from
 * OpenSSL's TLS1-PRF, TLS 1.3's keys from its TLS13-KDF (HKDF-Expand-Label).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <linux/tls.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "ktix_tls.h"

#define SECRET_MAX	EVP_MAX_MD_SIZE

/* What ktix keeps for each SSL (ex_data). */
struct ktix_tls_state {
	uint8_t client_secret[SECRET_MAX];	/* TLS 1.3 traffic secrets 0 */
	uint8_t server_secret[SECRET_MAX];
	size_t client_secret_len, server_secret_len;
	/*
	 * Records under the application keys, counted by the message
	 * callback: TLS 1.3, the application data and tickets; TLS 1.2, every
	 * record after each side's ChangeCipherSpec (its Finished, in as many
	 * records as the peer cut it into, then the rest).
	 */
	uint64_t sent, received;
	bool ccs_sent, ccs_received;
	bool key_update;
};

static int ex_index = -1;
static ktix_tls_keylog_fn keylog_sink;

static void state_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
		       long argl, void *argp)
{
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	if (ptr) {
		OPENSSL_cleanse(ptr, sizeof(struct ktix_tls_state));
		free(ptr);
	}
}

static struct ktix_tls_state *state_of(const SSL *ssl, bool create)
{
	struct ktix_tls_state *st = SSL_get_ex_data(ssl, ex_index);

	if (!st && create) {
		st = calloc(1, sizeof(*st));
		if (st && !SSL_set_ex_data((SSL *)ssl, ex_index, st)) {
			free(st);
			st = NULL;
		}
	}
	return st;
}

/* "LABEL <client_random hex> <secret hex>", NSS key log format. */
static void keylog(const SSL *ssl, const char *line)
{
	static const char client[] = "CLIENT_TRAFFIC_SECRET_0 ";
	static const char server[] = "SERVER_TRAFFIC_SECRET_0 ";
	struct ktix_tls_state *st = state_of(ssl, true);
	const char *secret;
	uint8_t *dst;
	size_t *len;

	if (keylog_sink)
		keylog_sink(ssl, line);
	if (!st)
		return;
	if (!strncmp(line, client, sizeof(client) - 1)) {
		dst = st->client_secret;
		len = &st->client_secret_len;
		secret = line + sizeof(client) - 1;
	} else if (!strncmp(line, server, sizeof(server) - 1)) {
		dst = st->server_secret;
		len = &st->server_secret_len;
		secret = line + sizeof(server) - 1;
	} else {
		return;
	}
	secret = strchr(secret, ' ');		/* past the client random */
	if (!secret)
		return;
	if (!OPENSSL_hexstr2buf_ex(dst, SECRET_MAX, len, secret + 1, '\0'))
		*len = 0;
}

/*
 * Counts the records sent and received under the application keys.  TLS
 * 1.3: application data (by inner content type, every TLS 1.3 record being
 * application data outside) and the post-handshake NewSessionTicket
 * messages, one a record as OpenSSL writes them.  TLS 1.2: every record
 * header after the ChangeCipherSpec of that direction, so that a Finished
 * split over several records (legal: RFC 5246 6.2.1) is counted as it came.
 */
static void msg_cb(int write_p, int version, int content_type, const void *buf,
		   size_t len, SSL *ssl, void *arg)
{
	struct ktix_tls_state *st = state_of(ssl, true);
	const uint8_t *b = buf;
	bool count = false;

	(void)arg;
	(void)version;		/* the record layer's, 1.2 in TLS 1.3 headers */
	if (!st || !len)
		return;
	if (SSL_version(ssl) == TLS1_3_VERSION) {
		if (content_type == SSL3_RT_INNER_CONTENT_TYPE &&
		    b[0] == SSL3_RT_APPLICATION_DATA)
			count = true;
		else if (content_type == SSL3_RT_HANDSHAKE &&
			 b[0] == SSL3_MT_NEWSESSION_TICKET)
			count = true;
		else if (content_type == SSL3_RT_HANDSHAKE &&
			 b[0] == SSL3_MT_KEY_UPDATE)
			st->key_update = true;
	} else if (content_type == SSL3_RT_HEADER) {
		bool *ccs = write_p ? &st->ccs_sent : &st->ccs_received;

		if (b[0] == SSL3_RT_CHANGE_CIPHER_SPEC) {
			*ccs = true;
			if (write_p)
				st->sent = 0;
			else
				st->received = 0;
		} else {
			count = *ccs;
		}
	}
	if (count && write_p)
		st->sent++;
	else if (count)
		st->received++;
}

static void ex_index_init(void)
{
	ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, state_free);
}

void ktix_tls_set_keylog(ktix_tls_keylog_fn fn)
{
	keylog_sink = fn;
}

int ktix_tls_ctx_init(SSL_CTX *ctx)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, ex_index_init);
	if (ex_index < 0)
		return -ENOMEM;
	SSL_CTX_set_keylog_callback(ctx, keylog);
	SSL_CTX_set_msg_callback(ctx, msg_cb);
	return 0;
}

/*
 * The two KDFs, fetched once for the process (a fetch by name is a search
 * of OpenSSL's method store, dearer than the derivation itself) and kept.
 */
static EVP_KDF *kdf_tls13, *kdf_tls12;

static void kdf_init(void)
{
	kdf_tls13 = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_TLS1_3_KDF, NULL);
	kdf_tls12 = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_TLS1_PRF, NULL);
}

static EVP_KDF_CTX *kdf_ctx(bool tls13)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	EVP_KDF *kdf;

	pthread_once(&once, kdf_init);
	kdf = tls13 ? kdf_tls13 : kdf_tls12;
	return kdf ? EVP_KDF_CTX_new(kdf) : NULL;
}

/* RFC 8446 7.1's HKDF-Expand-Label(secret, label, "", out_len). */
static int expand_label(EVP_KDF_CTX *kctx, const EVP_MD *md,
			const uint8_t *secret, size_t secret_len,
			const char *label, uint8_t *out, size_t out_len)
{
	static const unsigned char prefix[] = "tls13 ";
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM p[] = {
		OSSL_PARAM_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST,
				       (char *)EVP_MD_get0_name(md), 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY,
					(void *)secret, secret_len),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_PREFIX,
					(void *)prefix, sizeof(prefix) - 1),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_LABEL,
					(void *)label, strlen(label)),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_DATA, (void *)"", 0),
		OSSL_PARAM_END,
	};

	return EVP_KDF_derive(kctx, out, out_len, p) > 0 ? 0 : -EIO;
}

int ktix_tls13_traffic_keys(const EVP_MD *md, const uint8_t *secret,
			    size_t secret_len, uint8_t *key, size_t key_len,
			    uint8_t iv[12])
{
	EVP_KDF_CTX *kctx = kdf_ctx(true);
	int err;

	if (!kctx)
		return -ENOSYS;
	err = expand_label(kctx, md, secret, secret_len, "key", key, key_len);
	if (!err)
		err = expand_label(kctx, md, secret, secret_len, "iv", iv, 12);
	EVP_KDF_CTX_free(kctx);
	return err;
}

int ktix_tls13_next_secret(const EVP_MD *md, const uint8_t *secret,
			   size_t secret_len, uint8_t *next)
{
	EVP_KDF_CTX *kctx = kdf_ctx(true);
	int err;

	if (!kctx)
		return -ENOSYS;
	/* RFC 8446 7.2: application_traffic_secret_N+1. */
	err = expand_label(kctx, md, secret, secret_len, "traffic upd", next,
			   secret_len);
	EVP_KDF_CTX_free(kctx);
	return err;
}

int ktix_tls12_key_block(const EVP_MD *md, const uint8_t *master,
			 size_t master_len, const uint8_t client_random[32],
			 const uint8_t server_random[32], uint8_t *out,
			 size_t out_len)
{
	static const char label[] = "key expansion";
	EVP_KDF_CTX *kctx = kdf_ctx(false);
	uint8_t seed[sizeof(label) - 1 + 64];
	int err = 0;

	if (!kctx)
		return -ENOSYS;
	/* RFC 5246 6.3: the server's random first. */
	memcpy(seed, label, sizeof(label) - 1);
	memcpy(seed + sizeof(label) - 1, server_random, 32);
	memcpy(seed + sizeof(label) - 1 + 32, client_random, 32);
	{
		OSSL_PARAM p[] = {
			OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST,
					       (char *)EVP_MD_get0_name(md), 0),
			OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SECRET,
						(void *)master, master_len),
			OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SEED, seed,
						sizeof(seed)),
			OSSL_PARAM_END,
		};

		if (EVP_KDF_derive(kctx, out, out_len, p) <= 0)
			err = -EIO;
	}
	EVP_KDF_CTX_free(kctx);
	return err;
}

/* kTLS's cipher for OpenSSL's, and its sizes. */
static int cipher_of(const SSL_CIPHER *c, struct ktix_tls_keys *k)
{
	switch (SSL_CIPHER_get_cipher_nid(c)) {
	case NID_aes_128_gcm:
		k->cipher = TLS_CIPHER_AES_GCM_128;
		k->tx.key_len = 16;
		break;
	case NID_aes_256_gcm:
		k->cipher = TLS_CIPHER_AES_GCM_256;
		k->tx.key_len = 32;
		break;
	case NID_chacha20_poly1305:
		k->cipher = TLS_CIPHER_CHACHA20_POLY1305;
		k->tx.key_len = 32;
		break;
	case NID_aes_128_ccm:
		/* kTLS has no 8-byte tags. */
		if (strstr(SSL_CIPHER_get_name(c), "CCM8") ||
		    strstr(SSL_CIPHER_get_name(c), "CCM_8"))
			return -EOPNOTSUPP;
		k->cipher = TLS_CIPHER_AES_CCM_128;
		k->tx.key_len = 16;
		break;
	default:
		return -EOPNOTSUPP;
	}
	/* ChaCha20 has a 12-byte nonce and no salt; the AES modes split it. */
	if (k->cipher == TLS_CIPHER_CHACHA20_POLY1305) {
		k->tx.iv_len = 12;
		k->tx.salt_len = 0;
	} else {
		k->tx.iv_len = 8;
		k->tx.salt_len = 4;
	}
	k->rx.key_len = k->tx.key_len;
	k->rx.iv_len = k->tx.iv_len;
	k->rx.salt_len = k->tx.salt_len;
	return 0;
}

static void put_seq(uint8_t seq[8], uint64_t n)
{
	int i;

	for (i = 7; i >= 0; i--, n >>= 8)
		seq[i] = (uint8_t)n;
}

static int keys13(SSL *ssl, const struct ktix_tls_state *st,
		  const EVP_MD *md, struct ktix_tls_keys *k)
{
	bool server = SSL_is_server(ssl);
	struct ktix_tls_dir *dirs[] = { &k->tx, &k->rx };
	const uint8_t *secrets[] = {
		server ? st->server_secret : st->client_secret,
		server ? st->client_secret : st->server_secret,
	};
	size_t lens[] = {
		server ? st->server_secret_len : st->client_secret_len,
		server ? st->client_secret_len : st->server_secret_len,
	};
	uint8_t iv[12];
	int i, err;

	for (i = 0; i < 2; i++) {
		struct ktix_tls_dir *d = dirs[i];

		if (!lens[i])
			return -EINVAL;		/* no keylog: not initialised */
		err = ktix_tls13_traffic_keys(md, secrets[i], lens[i], d->key,
					      d->key_len, iv);
		if (err)
			break;
		/* The AEAD nonce: salt | iv for the AES modes. */
		memcpy(d->salt, iv, d->salt_len);
		memcpy(d->iv, iv + d->salt_len, d->iv_len);
	}
	OPENSSL_cleanse(iv, sizeof(iv));
	put_seq(k->tx.rec_seq, st->sent);
	put_seq(k->rx.rec_seq, st->received);
	return err;
}

static int keys12(SSL *ssl, const struct ktix_tls_state *st,
		  const EVP_MD *md, struct ktix_tls_keys *k)
{
	uint8_t master[SSL_MAX_MASTER_KEY_LENGTH], cr[32], sr[32], kb[2 * 32 + 2 * 12];
	bool server = SSL_is_server(ssl);
	size_t master_len, kl = k->tx.key_len, fl = k->tx.salt_len ?: 12;
	const uint8_t *ck, *sk, *civ, *siv;
	struct ktix_tls_dir *c, *s;
	int err;

	master_len = SSL_SESSION_get_master_key(SSL_get_session(ssl), master,
						sizeof(master));
	if (!master_len || SSL_get_client_random(ssl, cr, sizeof(cr)) != 32 ||
	    SSL_get_server_random(ssl, sr, sizeof(sr)) != 32)
		return -EINVAL;
	err = ktix_tls12_key_block(md, master, master_len, cr, sr, kb,
				   2 * kl + 2 * fl);
	OPENSSL_cleanse(master, sizeof(master));
	if (err)
		goto out;
	/* client_write_key, server_write_key, client_write_IV, server_write_IV */
	ck = kb;
	sk = kb + kl;
	civ = kb + 2 * kl;
	siv = kb + 2 * kl + fl;
	c = server ? &k->rx : &k->tx;
	s = server ? &k->tx : &k->rx;
	memcpy(c->key, ck, kl);
	memcpy(s->key, sk, kl);
	if (k->tx.salt_len) {
		memcpy(c->salt, civ, fl);
		memcpy(s->salt, siv, fl);
	} else {
		memcpy(c->iv, civ, fl);
		memcpy(s->iv, siv, fl);
	}
	/* Each side's Finished, and what followed, counted by msg_cb(). */
	put_seq(k->tx.rec_seq, st->sent);
	put_seq(k->rx.rec_seq, st->received);
	/* GCM/CCM: the explicit nonce goes on the wire; start at the seq. */
	if (k->tx.salt_len) {
		memcpy(k->tx.iv, k->tx.rec_seq, 8);
		memcpy(k->rx.iv, k->rx.rec_seq, 8);
	}
out:
	OPENSSL_cleanse(kb, sizeof(kb));
	return err;
}

int ktix_tls_keys(SSL *ssl, struct ktix_tls_keys *out)
{
	const struct ktix_tls_state *st = ex_index < 0 ? NULL :
					  state_of(ssl, false);
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
	const EVP_MD *md;
	int err;

	memset(out, 0, sizeof(*out));
	if (!st || !c || !SSL_is_init_finished(ssl))
		return -EINVAL;
	if (st->key_update)
		return -EPROTO;
	err = cipher_of(c, out);
	if (err)
		return err;
	md = SSL_CIPHER_get_handshake_digest(c);
	if (!md)
		return -EOPNOTSUPP;
	switch (SSL_version(ssl)) {
	case TLS1_2_VERSION:
		out->version = TLS_1_2_VERSION;
		err = keys12(ssl, st, md, out);
		break;
	case TLS1_3_VERSION:
		out->version = TLS_1_3_VERSION;
		err = keys13(ssl, st, md, out);
		break;
	default:
		err = -EOPNOTSUPP;
	}
	if (err)
		ktix_tls_keys_wipe(out);
	return err;
}

void ktix_tls_keys_wipe(struct ktix_tls_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

int ktix_tls_secrets(SSL *ssl, struct ktix_tls_secrets *out)
{
	const struct ktix_tls_state *st = ex_index < 0 ? NULL :
					  state_of(ssl, false);
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
	bool server = SSL_is_server(ssl);
	struct ktix_tls_keys k;
	const EVP_MD *md;
	size_t len;
	int err;

	memset(out, 0, sizeof(*out));
	if (!st || !c || !SSL_is_init_finished(ssl))
		return -EINVAL;
	if (SSL_version(ssl) != TLS1_3_VERSION)
		return -EOPNOTSUPP;
	if (st->key_update)
		return -EPROTO;
	err = cipher_of(c, &k);
	md = SSL_CIPHER_get_handshake_digest(c);
	if (err || !md)
		return err ?: -EOPNOTSUPP;
	len = (size_t)EVP_MD_get_size(md);
	if (len > sizeof(out->tx) || st->client_secret_len != len ||
	    st->server_secret_len != len)
		return -EINVAL;		/* no keylog: not initialised */
	out->cipher = k.cipher;
	out->len = (uint8_t)len;
	out->key_len = k.tx.key_len;
	out->salt_len = k.tx.salt_len;
	memcpy(out->tx, server ? st->server_secret : st->client_secret, len);
	memcpy(out->rx, server ? st->client_secret : st->server_secret, len);
	return 0;
}

void ktix_tls_secrets_wipe(struct ktix_tls_secrets *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}
