// SPDX-License-Identifier: GPL-2.0
/*
 * ktix: install a finished handshake's record keys into kTLS.
 *
 * The helper names a TCP socket by its descriptor and hands over the keys
 * of each direction.  Everything that can be checked is checked before the
 * socket is touched, so that a refusal leaves it a plain TCP socket; then
 * the "tls" ULP is attached and TLS_TX and TLS_RX set, through the socket's
 * own setsockopt with kernel pointers, as a process calling setsockopt(2)
 * would.  From then on kTLS owns the keys: this module keeps nothing, and
 * may be unloaded while the socket lives.
 *
 * The records a handshake ends with (a TLS 1.3 server's NewSessionTickets,
 * a TLS 1.2 server's last flight) may come with the keys, already sealed:
 * they are sent once the ULP is attached and before the keys are set,
 * which saves the helper a system call a connection, and kTLS's records
 * follow them in order.
 *
 * A key update (kind KEY_UPDATE, TLS 1.3's KeyUpdate of RFC 8446 4.6.3)
 * sets new keys on a socket already on kTLS, one direction or both, with
 * no ULP to attach.  kTLS takes them from Linux 6.14; before, it answers
 * EBUSY without changing anything, which is EOPNOTSUPP here.
 */

#include <linux/file.h>
#include <linux/net.h>
#include <linux/skmsg.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <net/inet_connection_sock.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <uapi/linux/tls.h>

#include "main.h"
#include "offload.h"
#include "stats.h"

/* What <linux/tls.h> lays out for each cipher. */
struct ktix_cipher {
	u16 type;
	u8 key_len, iv_len, salt_len;
	size_t size;			/* of the tls12_crypto_info_* struct */
	size_t iv, key, salt, rec_seq;	/* offsets in it */
	enum ktix_mib_field mib;
};

static const struct ktix_cipher ktix_ciphers[] = {
	{
		.type = TLS_CIPHER_AES_GCM_128,
		.key_len = TLS_CIPHER_AES_GCM_128_KEY_SIZE,
		.iv_len = TLS_CIPHER_AES_GCM_128_IV_SIZE,
		.salt_len = TLS_CIPHER_AES_GCM_128_SALT_SIZE,
		.size = sizeof(struct tls12_crypto_info_aes_gcm_128),
		.iv = offsetof(struct tls12_crypto_info_aes_gcm_128, iv),
		.key = offsetof(struct tls12_crypto_info_aes_gcm_128, key),
		.salt = offsetof(struct tls12_crypto_info_aes_gcm_128, salt),
		.rec_seq = offsetof(struct tls12_crypto_info_aes_gcm_128, rec_seq),
		.mib = KTIX_MIB_OFFLOAD_AES_GCM_128,
	},
	{
		.type = TLS_CIPHER_AES_GCM_256,
		.key_len = TLS_CIPHER_AES_GCM_256_KEY_SIZE,
		.iv_len = TLS_CIPHER_AES_GCM_256_IV_SIZE,
		.salt_len = TLS_CIPHER_AES_GCM_256_SALT_SIZE,
		.size = sizeof(struct tls12_crypto_info_aes_gcm_256),
		.iv = offsetof(struct tls12_crypto_info_aes_gcm_256, iv),
		.key = offsetof(struct tls12_crypto_info_aes_gcm_256, key),
		.salt = offsetof(struct tls12_crypto_info_aes_gcm_256, salt),
		.rec_seq = offsetof(struct tls12_crypto_info_aes_gcm_256, rec_seq),
		.mib = KTIX_MIB_OFFLOAD_AES_GCM_256,
	},
	{
		.type = TLS_CIPHER_CHACHA20_POLY1305,
		.key_len = TLS_CIPHER_CHACHA20_POLY1305_KEY_SIZE,
		.iv_len = TLS_CIPHER_CHACHA20_POLY1305_IV_SIZE,
		.salt_len = TLS_CIPHER_CHACHA20_POLY1305_SALT_SIZE,
		.size = sizeof(struct tls12_crypto_info_chacha20_poly1305),
		.iv = offsetof(struct tls12_crypto_info_chacha20_poly1305, iv),
		.key = offsetof(struct tls12_crypto_info_chacha20_poly1305, key),
		.salt = offsetof(struct tls12_crypto_info_chacha20_poly1305, salt),
		.rec_seq = offsetof(struct tls12_crypto_info_chacha20_poly1305, rec_seq),
		.mib = KTIX_MIB_OFFLOAD_CHACHA20_POLY1305,
	},
	{
		.type = TLS_CIPHER_AES_CCM_128,
		.key_len = TLS_CIPHER_AES_CCM_128_KEY_SIZE,
		.iv_len = TLS_CIPHER_AES_CCM_128_IV_SIZE,
		.salt_len = TLS_CIPHER_AES_CCM_128_SALT_SIZE,
		.size = sizeof(struct tls12_crypto_info_aes_ccm_128),
		.iv = offsetof(struct tls12_crypto_info_aes_ccm_128, iv),
		.key = offsetof(struct tls12_crypto_info_aes_ccm_128, key),
		.salt = offsetof(struct tls12_crypto_info_aes_ccm_128, salt),
		.rec_seq = offsetof(struct tls12_crypto_info_aes_ccm_128, rec_seq),
		.mib = KTIX_MIB_OFFLOAD_AES_CCM_128,
	},
};

/* Large enough for any of them. */
union ktix_crypto_info {
	struct tls12_crypto_info_aes_gcm_128 gcm128;
	struct tls12_crypto_info_aes_gcm_256 gcm256;
	struct tls12_crypto_info_chacha20_poly1305 chacha;
	struct tls12_crypto_info_aes_ccm_128 ccm128;
};

static const struct ktix_cipher *ktix_cipher_find(u16 type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ktix_ciphers); i++)
		if (ktix_ciphers[i].type == type)
			return &ktix_ciphers[i];
	return NULL;
}

/* Checks one direction's attributes against the cipher. */
static int ktix_dir_check(const struct ktix_cipher *c, struct nlattr **dir,
			  struct netlink_ext_ack *extack)
{
	static const int types[] = {
		KTIX_DIR_A_KEY, KTIX_DIR_A_IV, KTIX_DIR_A_SALT,
		KTIX_DIR_A_REC_SEQ,
	};
	unsigned int lens[] = {
		c->key_len, c->iv_len, c->salt_len,
		TLS_CIPHER_AES_GCM_128_REC_SEQ_SIZE,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		struct nlattr *a = dir[types[i]];

		if (!lens[i] && a) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "this cipher takes no salt");
			return -EINVAL;
		}
		if (lens[i] && !a) {
			NL_SET_ERR_MSG(extack,
				       "a direction needs key, iv, salt (but for CHACHA20-POLY1305) and rec_seq");
			return -EINVAL;
		}
		if (a && nla_len(a) != lens[i]) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "wrong length for this cipher");
			return -EINVAL;
		}
	}
	return 0;
}

static void ktix_dir_fill(const struct ktix_cipher *c, struct nlattr **dir,
			  u16 version, union ktix_crypto_info *ci)
{
	u8 *base = (u8 *)ci;

	memset(ci, 0, sizeof(*ci));
	ci->gcm128.info.version = version;
	ci->gcm128.info.cipher_type = c->type;
	memcpy(base + c->key, nla_data(dir[KTIX_DIR_A_KEY]), c->key_len);
	memcpy(base + c->iv, nla_data(dir[KTIX_DIR_A_IV]), c->iv_len);
	if (c->salt_len)
		memcpy(base + c->salt, nla_data(dir[KTIX_DIR_A_SALT]),
		       c->salt_len);
	memcpy(base + c->rec_seq, nla_data(dir[KTIX_DIR_A_REC_SEQ]),
	       TLS_CIPHER_AES_GCM_128_REC_SEQ_SIZE);
}

/* The request's own copy of the keys goes too, once they are used. */
static void ktix_dir_wipe(struct nlattr **dir)
{
	int i;

	for (i = KTIX_DIR_A_KEY; i <= KTIX_DIR_A_SALT; i++)
		if (dir[i])
			memzero_explicit(nla_data(dir[i]), nla_len(dir[i]));
}

static int ktix_setsockopt(struct socket *sock, int level, int name,
			   void *val, unsigned int len)
{
	return sock->ops->setsockopt(sock, level, name, KERNEL_SOCKPTR(val),
				     len);
}

/*
 * A connected TCP socket with no ULP, or (@ktls, for a key update) one on
 * kTLS; or an errno and why not.
 */
static int ktix_sock_check(struct socket *sock, struct ktix_net *kn,
			   bool ktls, struct netlink_ext_ack *extack)
{
	struct sock *sk = sock->sk;
	bool ulp, psock, tls;
	int state;

	if ((sk->sk_family != AF_INET && sk->sk_family != AF_INET6) ||
	    sk->sk_type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP) {
		NL_SET_ERR_MSG(extack, "the descriptor is not a TCP socket");
		KTIX_INC_STATS(kn, KTIX_MIB_OFFLOAD_ERR_SOCKET);
		return -EPROTOTYPE;
	}
	lock_sock(sk);
	state = sk->sk_state;
	ulp = !!inet_csk(sk)->icsk_ulp_ops;
	tls = ulp && !strcmp(inet_csk(sk)->icsk_ulp_ops->name, "tls");
	rcu_read_lock();
	psock = !!sk_psock(sk);
	rcu_read_unlock();
	release_sock(sk);

	if (state == TCP_LISTEN) {
		NL_SET_ERR_MSG(extack, "the socket is listening, not connected");
		KTIX_INC_STATS(kn, KTIX_MIB_OFFLOAD_ERR_SOCKET);
		return -ENOTCONN;
	}
	if (state != TCP_ESTABLISHED) {
		NL_SET_ERR_MSG(extack, "the socket is not connected");
		KTIX_INC_STATS(kn, KTIX_MIB_OFFLOAD_ERR_SOCKET);
		return -ENOTCONN;
	}
	if (ktls) {
		if (tls)
			return 0;
		NL_SET_ERR_MSG(extack,
			       "a key update is for a socket already on kTLS");
		KTIX_INC_STATS(kn, KTIX_MIB_OFFLOAD_ERR_ULP);
		return -EINVAL;
	}
	if (ulp || psock) {
		if (ulp)
			NL_SET_ERR_MSG(extack,
				       "the socket already has a ULP attached");
		else
			NL_SET_ERR_MSG(extack, "the socket is in a sockmap");
		KTIX_INC_STATS(kn, KTIX_MIB_OFFLOAD_ERR_ULP);
		return -EEXIST;
	}
	return 0;
}

/* The request's version, cipher and keys, before the socket is looked at. */
static int ktix_req_check(const struct ktix_cipher *c,
			  const struct ktix_offload_req *req,
			  struct netlink_ext_ack *extack)
{
	int err;

	if (!c) {
		NL_SET_ERR_MSG(extack, "unknown cipher");
		return -EINVAL;
	}
	if (req->version != TLS_1_2_VERSION && req->version != TLS_1_3_VERSION) {
		NL_SET_ERR_MSG(extack, "the version is neither TLS 1.2 nor 1.3");
		return -EINVAL;
	}
	if (!req->tx && !req->rx) {
		NL_SET_ERR_MSG(extack, "neither TX nor RX keys");
		return -EINVAL;
	}
	if (req->kind == KTIX_OFFLOAD_KIND_KEY_UPDATE &&
	    (req->version != TLS_1_3_VERSION || req->rx_no_pad)) {
		NL_SET_ERR_MSG(extack,
			       "a key update is TLS 1.3's, and keeps the socket's rx_no_pad");
		return -EINVAL;
	}
	if (req->send_first && req->kind == KTIX_OFFLOAD_KIND_KEY_UPDATE) {
		NL_SET_ERR_MSG_ATTR(extack, req->send_first,
				    "a key update has no records to send first");
		return -EINVAL;
	}
	if (req->resume_miss && req->kind != KTIX_OFFLOAD_KIND_FULL) {
		NL_SET_ERR_MSG(extack, "a resumption miss goes with kind full");
		return -EINVAL;
	}
	if (req->rx_no_pad && (!req->rx || req->version != TLS_1_3_VERSION)) {
		NL_SET_ERR_MSG(extack, "rx_no_pad is for TLS 1.3 RX keys only");
		return -EINVAL;
	}
	err = req->tx ? ktix_dir_check(c, req->tx, extack) : 0;
	if (!err && req->rx)
		err = ktix_dir_check(c, req->rx, extack);
	return err;
}

/* Whether the socket's send buffer takes the records to send first now. */
static int ktix_send_room(struct socket *sock, struct ktix_net *kn,
			  const struct nlattr *a, struct netlink_ext_ack *extack)
{
	if (sk_stream_wspace(sock->sk) >= nla_len(a))
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, a,
			    "no room in the socket's send buffer for the records to send first");
	KTIX_INC_STATS(kn, KTIX_MIB_OFFLOAD_ERR_SOCKET);
	return -EAGAIN;
}

/*
 * Sends the records the handshake ended with, on a socket whose ULP is
 * attached but has no keys yet: its sends are still plain TCP's.  They go
 * after the attach, which a peer's FIN makes fail (ENOTCONN): so that an
 * ENOTCONN always means nothing was sent, and the helper may send them
 * itself before a close_notify.  Nothing else writes to the socket now:
 * its owner waits for the helper's answer.  0, or the send's error (-EIO
 * for a part), after which the socket must be closed.
 */
static int ktix_send_first(struct socket *sock, struct ktix_net *kn,
			   const struct nlattr *a, struct netlink_ext_ack *extack)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct kvec iov = { .iov_base = nla_data(a), .iov_len = nla_len(a) };
	int sent;

	sent = kernel_sendmsg(sock, &msg, &iov, 1, iov.iov_len);
	if (sent == nla_len(a))
		return 0;
	KTIX_INC_STATS(kn, KTIX_MIB_OFFLOAD_ERR_SOCKET);
	NL_SET_ERR_MSG_ATTR(extack, a,
			    "the records to send first did not all go: the socket must be closed");
	return sent < 0 ? sent : -EIO;
}

/* Attaches the "tls" ULP: -ENOTCONN, among others, with the socket unchanged. */
static int ktix_ulp_attach(struct socket *sock, struct ktix_net *kn,
			   struct netlink_ext_ack *extack)
{
	char ulp_name[] = "tls";
	int err = ktix_setsockopt(sock, SOL_TCP, TCP_ULP, ulp_name, 3);

	if (err == -ENOTCONN)
		NL_SET_ERR_MSG(extack,
			       "the connection is no longer established (a FIN came?)");
	else if (err)
		NL_SET_ERR_MSG(extack, "kTLS could not be attached (is tls loaded?)");
	if (err)
		KTIX_INC_STATS(kn, KTIX_MIB_OFFLOAD_ERR_KTLS);
	return err;
}

/* Sets the keys on the attached ULP; on error the socket must be closed. */
static int ktix_ktls_install(struct socket *sock, struct ktix_net *kn,
			     const struct ktix_cipher *c,
			     const struct ktix_offload_req *req,
			     struct netlink_ext_ack *extack)
{
	bool rekey = req->kind == KTIX_OFFLOAD_KIND_KEY_UPDATE;
	union ktix_crypto_info ci;
	int err = 0, one = 1;

	if (req->tx) {
		ktix_dir_fill(c, req->tx, req->version, &ci);
		err = ktix_setsockopt(sock, SOL_TLS, TLS_TX, &ci, c->size);
		memzero_explicit(&ci, sizeof(ci));
	}
	if (!err && req->rx) {
		ktix_dir_fill(c, req->rx, req->version, &ci);
		err = ktix_setsockopt(sock, SOL_TLS, TLS_RX, &ci, c->size);
		memzero_explicit(&ci, sizeof(ci));
	}
	if (!err && req->rx_no_pad)
		err = ktix_setsockopt(sock, SOL_TLS, TLS_RX_EXPECT_NO_PAD,
				      &one, sizeof(one));
	if (err == -EBUSY && rekey) {
		/* Before 6.14 kTLS takes keys once, and changes nothing. */
		NL_SET_ERR_MSG(extack,
			       "this kernel's kTLS takes no new keys (Linux 6.14 and later do)");
		KTIX_INC_STATS(kn, KTIX_MIB_OFFLOAD_ERR_KTLS);
		return -EOPNOTSUPP;
	}
	if (err && rekey)
		/* kTLS keeps the keys it had (6.14: "the context is unmodified"). */
		NL_SET_ERR_MSG(extack,
			       "kTLS refused the new keys (another cipher or version?); the old ones stay");
	else if (err)
		NL_SET_ERR_MSG(extack,
			       "kTLS refused the keys: the socket has the tls ULP and must be closed");
	if (err)
		KTIX_INC_STATS(kn, KTIX_MIB_OFFLOAD_ERR_KTLS);
	return err;
}

/* The counters of one successful offload. */
static void ktix_offload_count(struct ktix_net *kn, const struct ktix_cipher *c,
			       const struct ktix_offload_req *req)
{
	if (req->kind == KTIX_OFFLOAD_KIND_KEY_UPDATE) {
		KTIX_INC_STATS(kn, KTIX_MIB_KEY_UPDATES);
		return;
	}
	KTIX_INC_STATS(kn, KTIX_MIB_OFFLOADS);
	KTIX_INC_STATS(kn, req->version == TLS_1_2_VERSION ?
		       KTIX_MIB_OFFLOAD_TLS12 : KTIX_MIB_OFFLOAD_TLS13);
	KTIX_INC_STATS(kn, c->mib);
	BUILD_BUG_ON(KTIX_MIB_OFFLOAD_PSK - KTIX_MIB_OFFLOAD_FULL !=
		     KTIX_OFFLOAD_KIND_PSK - KTIX_OFFLOAD_KIND_FULL);
	KTIX_INC_STATS(kn, KTIX_MIB_OFFLOAD_FULL + req->kind -
		       KTIX_OFFLOAD_KIND_FULL);
	BUILD_BUG_ON(KTIX_MIB_RESUME_MISS_REVOKE_STALE -
		     KTIX_MIB_RESUME_MISS_UNKNOWN_KEY !=
		     KTIX_RESUME_MISS_MAX - KTIX_RESUME_MISS_UNKNOWN_KEY);
	if (req->resume_miss)
		KTIX_INC_STATS(kn, KTIX_MIB_RESUME_MISS_UNKNOWN_KEY +
			       req->resume_miss - KTIX_RESUME_MISS_UNKNOWN_KEY);
}

/**
 * ktix_offload() - install a handshake's record keys into kTLS on a socket
 * @kn: the namespace, for its counters
 * @req: the parsed request: descriptor, version, cipher, keys, kind
 * @extack: for the reason of a refusal
 *
 * Everything is checked before the socket is touched; then the "tls" ULP
 * is attached, the records to send first, if any, are sent (plain TCP
 * still: no keys yet), and TLS_TX and TLS_RX are set.  For a key update the socket
 * must be on kTLS already, and only the keys are set.  Wipes its copies of
 * the keys, and @req's, whatever happens.
 *
 * Return: 0; -EINVAL (cipher, version, key lengths, a direction missing; a
 * key update not on a TLS 1.3 kTLS socket), -EBADF, -ENOTSOCK, -EPROTOTYPE
 * (not TCP), -ENOTCONN (not established), -EEXIST (a ULP already
 * attached), -EOPNOTSUPP (a key update, before Linux 6.14), -EAGAIN (no
 * room for the records to send first), or the ULP's refusal (-ENOTCONN
 * when the peer's FIN came first), all with the socket unchanged and
 * nothing sent; or the send's error (-EIO for a part) or the errno of
 * kTLS (e.g. -ENOMEM), after which the socket must be closed (after a key
 * update's: it keeps its old keys).
 */
int ktix_offload(struct ktix_net *kn, const struct ktix_offload_req *req,
		 struct netlink_ext_ack *extack)
{
	const struct ktix_cipher *c = ktix_cipher_find(req->cipher);
	struct socket *sock;
	int err;

	err = ktix_req_check(c, req, extack);
	if (err) {
		KTIX_INC_STATS(kn, KTIX_MIB_OFFLOAD_ERR_KEYS);
		goto out_wipe;
	}
	sock = sockfd_lookup(req->fd, &err);
	if (!sock) {
		if (err == -ENOTSOCK)
			NL_SET_ERR_MSG(extack, "the descriptor is not a socket");
		else
			NL_SET_ERR_MSG(extack,
				       "no such descriptor in the caller's table");
		KTIX_INC_STATS(kn, KTIX_MIB_OFFLOAD_ERR_SOCKET);
		goto out_wipe;
	}
	err = ktix_sock_check(sock, kn, req->kind == KTIX_OFFLOAD_KIND_KEY_UPDATE,
			      extack);
	if (!err && req->send_first)
		err = ktix_send_room(sock, kn, req->send_first, extack);
	if (!err && req->kind != KTIX_OFFLOAD_KIND_KEY_UPDATE)
		err = ktix_ulp_attach(sock, kn, extack);
	if (!err && req->send_first)
		err = ktix_send_first(sock, kn, req->send_first, extack);
	if (!err)
		err = ktix_ktls_install(sock, kn, c, req, extack);
	sockfd_put(sock);
	if (!err)
		ktix_offload_count(kn, c, req);
out_wipe:
	ktix_offload_wipe(req);
	return err;
}

/**
 * ktix_offload_wipe() - wipe the key material of a request
 * @req: the request; its pointers into the netlink message stay valid
 */
void ktix_offload_wipe(const struct ktix_offload_req *req)
{
	if (req->tx)
		ktix_dir_wipe(req->tx);
	if (req->rx)
		ktix_dir_wipe(req->rx);
}
