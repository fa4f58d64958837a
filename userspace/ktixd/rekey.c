// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: following a peer's TLS 1.3 KeyUpdate after the offload.
 *
 * The server holds the socket but must never hold key material, and ktixd
 * keeps nothing of a connection once it has answered.  So a handshake that
 * asks (KTIX_REQ_F_SECRETS) gets the connection's two application traffic
 * secrets back sealed: AES-256-GCM under a key that only this ktixd
 * process has (made at start, in the secure heap), with the socket's
 * cookie (SO_COOKIE, unique for the kernel's uptime) as associated data,
 * so that they open only for that socket.  At the peer's KeyUpdate the
 * server sends them back with the socket (KTIX_REQ_F_KEY_UPDATE); ktixd
 * opens them, moves the secrets on (RFC 8446 7.2), sends a KeyUpdate of
 * its own first when the peer asked for one, installs the next keys
 * through the module (KTIX_OFFLOAD_KIND_KEY_UPDATE) and answers with the
 * secrets sealed again, one update later.
 *
 * Each sealing takes a nonce of its own: a random prefix drawn at start
 * and a 64-bit counter, which cannot wrap in the process's life.  What is
 * sealed counts the updates, which are capped per connection.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include <linux/tls.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ktix_nl.h"
#include "ktix_tls.h"
#include "server.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

#define SEAL_VERSION	1
#define SEAL_NONCE	12
#define SEAL_TAG	16

/* What is sealed. */
struct sealed_plain {
	uint8_t version;		/* SEAL_VERSION */
	uint8_t len, key_len, salt_len;	/* as in struct ktix_tls_secrets */
	uint16_t cipher;
	uint16_t reserved;
	uint32_t updates;		/* key updates followed so far */
	uint8_t tx[48], rx[48];
};

_Static_assert(SEAL_NONCE + sizeof(struct sealed_plain) + SEAL_TAG ==
	       KTIX_SECRETS_LEN, "KTIX_SECRETS_LEN");

static const char seal_label[] = "ktixd traffic secrets";

static uint8_t *seal_key;		/* 32 bytes, in the secure heap */
static uint8_t nonce_prefix[4];
static atomic_ullong nonce_count;
/* ktix_ktls_can_rekey(): -1 until known. */
static atomic_int kernel_can;

int rekey_init(void)
{
	seal_key = OPENSSL_secure_malloc(32);
	if (!seal_key)
		return -ENOMEM;
	if (RAND_priv_bytes(seal_key, 32) != 1 ||
	    RAND_bytes(nonce_prefix, sizeof(nonce_prefix)) != 1) {
		OPENSSL_secure_clear_free(seal_key, 32);
		seal_key = NULL;
		return -EIO;
	}
	atomic_store(&kernel_can, -1);
	return 0;
}

void rekey_done(void)
{
	OPENSSL_secure_clear_free(seal_key, 32);
	seal_key = NULL;
}

static int sock_cookie(int fd, uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);

	return getsockopt(fd, SOL_SOCKET, SO_COOKIE, cookie, &len) < 0 ?
	       -errno : 0;
}

/*
 * AES-256-GCM over @in (@n bytes) with the label and @cookie as
 * associated data: seals into @out (@n bytes) and @tag, or opens @in into
 * @out checking @tag.  0, or -EBADMSG when it does not open.
 */
static int seal_crypt(bool seal, const uint8_t nonce[SEAL_NONCE],
		      uint64_t cookie, const uint8_t *in, size_t n,
		      uint8_t *out, uint8_t tag[SEAL_TAG])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len, ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, seal_key, nonce,
			       seal) == 1 &&
	     EVP_CipherUpdate(ctx, NULL, &len, (const uint8_t *)seal_label,
			      sizeof(seal_label)) == 1 &&
	     EVP_CipherUpdate(ctx, NULL, &len, (const uint8_t *)&cookie,
			      sizeof(cookie)) == 1 &&
	     EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1 &&
	     (seal || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG,
					  tag) == 1) &&
	     EVP_CipherFinal_ex(ctx, out + len, &len) == 1 &&
	     (!seal || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG,
					   tag) == 1);
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		OPENSSL_cleanse(out, n);
	return ok ? 0 : -EBADMSG;
}

/* Seals @s, after @updates updates, for the socket of @cookie. */
static int rekey_seal(const struct ktix_tls_secrets *s, uint32_t updates,
		      uint64_t cookie, uint8_t out[KTIX_SECRETS_LEN])
{
	struct sealed_plain p = {
		.version = SEAL_VERSION,
		.len = s->len, .key_len = s->key_len, .salt_len = s->salt_len,
		.cipher = s->cipher, .updates = updates,
	};
	uint64_t count = atomic_fetch_add(&nonce_count, 1);
	int err;

	memcpy(p.tx, s->tx, sizeof(p.tx));
	memcpy(p.rx, s->rx, sizeof(p.rx));
	memcpy(out, nonce_prefix, sizeof(nonce_prefix));
	memcpy(out + sizeof(nonce_prefix), &count, sizeof(count));
	err = seal_crypt(true, out, cookie, (const uint8_t *)&p, sizeof(p),
			 out + SEAL_NONCE, out + SEAL_NONCE + sizeof(p));
	OPENSSL_cleanse(&p, sizeof(p));
	return err;
}

/* Opens what a server sent for the socket of @cookie. */
static int rekey_open(const uint8_t in[KTIX_SECRETS_LEN], uint64_t cookie,
		      struct ktix_tls_secrets *s, uint32_t *updates)
{
	struct sealed_plain p;
	uint8_t tag[SEAL_TAG];
	int err;

	memcpy(tag, in + SEAL_NONCE + sizeof(p), sizeof(tag));
	err = seal_crypt(false, in, cookie, in + SEAL_NONCE, sizeof(p),
			 (uint8_t *)&p, tag);
	if (!err && p.version != SEAL_VERSION)
		err = -EBADMSG;
	if (!err) {
		memset(s, 0, sizeof(*s));
		s->cipher = p.cipher;
		s->len = p.len;
		s->key_len = p.key_len;
		s->salt_len = p.salt_len;
		memcpy(s->tx, p.tx, sizeof(s->tx));
		memcpy(s->rx, p.rx, sizeof(s->rx));
		*updates = p.updates;
	}
	OPENSSL_cleanse(&p, sizeof(p));
	return err;
}

void rekey_seal_result(SSL *ssl, int fd, struct ktix_result *r)
{
	struct ktix_tls_secrets s;
	uint64_t cookie;
	int err;

	err = sock_cookie(fd, &cookie);
	if (!err)
		err = ktix_tls_secrets(ssl, &s);
	if (!err)
		err = rekey_seal(&s, 0, cookie, r->secrets);
	ktix_tls_secrets_wipe(&s);
	if (err) {
		log_msg(LOG_WARNING,
			"the traffic secrets for key updates: %s (a KeyUpdate will end this connection)",
			strerror(-err));
		memset(r->secrets, 0, sizeof(r->secrets));
		return;
	}
	r->flags |= KTIX_RES_F_SECRETS;
}

/* Whether the kernel's kTLS takes new keys, asked once. */
static bool kernel_can_rekey(void)
{
	int can = atomic_load(&kernel_can);

	if (can < 0) {
		can = ktix_ktls_can_rekey();
		/* An error (kTLS not loaded yet) is asked again next time. */
		if (can >= 0)
			atomic_store(&kernel_can, can);
	}
	return can == 1;
}

/* A record of @type through kTLS, without blocking. */
static int send_record(int fd, uint8_t type, const uint8_t *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(1)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	ssize_t n;

	c->cmsg_level = SOL_TLS;
	c->cmsg_type = TLS_SET_RECORD_TYPE;
	c->cmsg_len = CMSG_LEN(1);
	*CMSG_DATA(c) = type;
	n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

/* Our KeyUpdate (update_not_requested), under the keys we send with now. */
static int send_key_update(int fd)
{
	static const uint8_t ku[] = { 24, 0, 0, 1, 0 };

	return send_record(fd, 22, ku, sizeof(ku));
}

/*
 * A key update that could not be followed leaves the socket unreadable:
 * the peer gets a close_notify, the orderly end it reconnects after, if
 * the socket is a TLS 1.3 kTLS socket (not a plain one a server passed).
 */
static void send_close_notify(int fd)
{
	static const uint8_t alert[] = { 1, 0 };	/* warning, close_notify */
	struct tls_crypto_info info = { 0 };
	socklen_t len = sizeof(info);

	if (getsockopt(fd, SOL_TLS, TLS_TX, &info, &len) == 0 &&
	    info.version == TLS_1_3_VERSION)
		send_record(fd, 21, alert, sizeof(alert));
}

static int rekey_fail(struct ktix_result *r, int err, const char *why)
{
	r->status = err;
	snprintf(r->error, sizeof(r->error), "key update: %s", why);
	return err;
}

/*
 * Moves @s on, sends our KeyUpdate if asked, installs the keys.  *@sent:
 * our KeyUpdate went out (then nothing more can be sent under the old
 * keys).
 */
static int rekey_install(struct ktix_tls_secrets *s, int fd, bool requested,
			 struct ktix_result *r, bool *sent)
{
	struct ktix_nl *nl = tls_thread_nl();
	struct ktix_tls_keys keys;
	char why[200];
	int err;

	if (!nl)
		return rekey_fail(r, tls_thread_nl_error(),
				  "ktixd cannot reach the ktix module");
	err = ktix_tls_key_update(s, requested, true, &keys);
	if (err)
		return rekey_fail(r, err, "deriving the next keys failed");
	if (requested) {
		err = send_key_update(fd);
		if (err) {
			snprintf(why, sizeof(why), "sending our KeyUpdate: %s",
				 strerror(-err));
			rekey_fail(r, err, why);
			goto out;
		}
		*sent = true;
	}
	err = hs_offload(&nl, fd, &keys, KTIX_OFFLOAD_KIND_KEY_UPDATE,
			 KTIX_RESUME_MISS_NONE);
	if (err) {
		snprintf(why, sizeof(why), "installing the keys: %s%s%s",
			 strerror(-err), nl && *ktix_nl_errmsg(nl) ? ": " : "",
			 nl ? ktix_nl_errmsg(nl) : "");
		rekey_fail(r, err, why);
	}
out:
	ktix_tls_keys_wipe(&keys);
	return err;
}

void rekey_request(const struct request *req, int fd, struct ktix_result *r)
{
	bool requested = req->key_update.update_requested, sent = false;
	struct ktix_tls_secrets s = { 0 };
	uint32_t updates = 0;
	uint64_t cookie;
	char why[200];
	int err;

	err = sock_cookie(fd, &cookie);
	if (err) {
		snprintf(why, sizeof(why), "the socket's cookie: %s",
			 strerror(-err));
		rekey_fail(r, err, why);
		goto out;
	}
	if (rekey_open(req->key_update.secrets, cookie, &s, &updates)) {
		rekey_fail(r, -EBADMSG,
			   "the sealed secrets do not open for this socket (another socket's, another ktixd's, or altered)");
		goto out;
	}
	if (updates >= KTIXD_KEY_UPDATES_MAX) {
		snprintf(why, sizeof(why),
			 "this connection has had %u, the most ktixd follows",
			 updates);
		rekey_fail(r, -ERANGE, why);
		goto out;
	}
	if (!kernel_can_rekey()) {
		rekey_fail(r, -EOPNOTSUPP,
			   "this kernel's kTLS cannot take new keys (Linux 6.14 and later can)");
		goto out;
	}
	if (rekey_install(&s, fd, requested, r, &sent))
		goto out;
	err = rekey_seal(&s, updates + 1, cookie, r->secrets);
	if (err) {
		rekey_fail(r, err, "sealing the secrets again failed");
		goto out;
	}
	r->flags |= KTIX_RES_F_SECRETS;
	r->tls_version = 0x0304;
	r->cipher = s.cipher;
out:
	ktix_tls_secrets_wipe(&s);
	if (r->status && !sent)
		send_close_notify(fd);
	if (r->status)
		atomic_fetch_add(&counters.key_update_failed, 1);
	else
		atomic_fetch_add(&counters.key_updates, 1);
}
