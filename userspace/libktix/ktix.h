/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libktix: the server's side of ktix.
 *
 * A TCP server hands each accepted socket to ktixd, which performs the TLS
 * handshake, installs the record keys into kTLS through the ktix module and
 * answers.  The server then reads, writes and sendfile()s plaintext on the
 * same socket: the kernel encrypts.
 *
 *	struct ktix_client *cl;
 *	struct ktix_result res;
 *
 *	ktix_client_open(NULL, &cl);		once: connects to ktixd
 *	fd = accept(lfd, ...);
 *	if (ktix_handshake(cl, fd, NULL, &res) == 0)
 *		... read(fd), write(fd), sendfile(fd) ...
 *	ktix_ktls_close(fd);			close_notify, then close
 *
 * Event-loop servers use ktix_handshake_submit(), poll ktix_client_fd() for
 * POLLIN and collect each answer with ktix_handshake_complete(); the cookie
 * of a submission comes back in its result.
 *
 * Every function returns 0 or a negative errno.  The wire protocol between
 * this library and ktixd is below; Documentation/helper.rst describes it.
 */
#ifndef KTIX_H
#define KTIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KTIX_HELPER_SOCKET	"/run/ktix/ktixd.sock"
#define KTIX_HELPER_MAGIC	0x6b746978u	/* "ktix" */
#define KTIX_HELPER_VERSION	1

/*
 * The protocol: a Unix SOCK_SEQPACKET connection to ktixd; each request is
 * one datagram of a struct ktix_request with the TCP socket attached by
 * SCM_RIGHTS; each answer is one datagram of a struct ktix_result, in the
 * order the handshakes finish, not the order they were asked.  ktixd
 * closes its copy of the socket before it answers.  Integers are in host
 * byte order: both ends are on one machine.
 */
struct ktix_request {
	uint32_t magic;		/* KTIX_HELPER_MAGIC */
	uint16_t version;	/* KTIX_HELPER_VERSION */
	uint16_t size;		/* sizeof(struct ktix_request) */
	uint64_t cookie;	/* returned unchanged in the result */
	uint32_t timeout_ms;	/* 0: ktixd's deadline; never longer */
	uint32_t flags;		/* enum ktix_request_flags */
};

enum ktix_request_flags {
	/* A struct ktix_request_alpn follows, in the same datagram. */
	KTIX_REQ_F_ALPN		= 1 << 0,
	/*
	 * Not a handshake: a struct ktix_request_revoke follows, and no
	 * socket is attached.  Alone: with no other flag.
	 */
	KTIX_REQ_F_REVOKE	= 1 << 1,
	/*
	 * A handshake whose result, for TLS 1.3, carries the connection's
	 * traffic secrets sealed (KTIX_RES_F_SECRETS), to follow KeyUpdates.
	 */
	KTIX_REQ_F_SECRETS	= 1 << 2,
	/*
	 * Not a handshake: the peer of the attached kTLS socket sent a
	 * KeyUpdate.  A struct ktix_request_key_update follows.  Alone.
	 */
	KTIX_REQ_F_KEY_UPDATE	= 1 << 3,
};

/* The protocols the server speaks, its preference first. */
struct ktix_request_alpn {
	uint8_t len;		/* of protos, 2 to 255 */
	uint8_t protos[255];	/* ALPN wire format: length-prefixed names */
};

/* A session to log out: its handle, from the result of its handshake. */
struct ktix_request_revoke {
	uint8_t handle[16];
	uint64_t until;		/* seconds since the epoch; 0: the module's */
};

/*
 * A TLS 1.3 connection's traffic secrets, sealed by ktixd (AES-256-GCM
 * under a key only that ktixd process holds, bound to the socket): opaque
 * to the server, which only keeps them for ktix_key_update().
 */
#define KTIX_SECRETS_LEN	136

/* The peer's KeyUpdate, to follow: the socket is attached. */
struct ktix_request_key_update {
	uint8_t secrets[KTIX_SECRETS_LEN];	/* res.secrets, the latest */
	uint8_t update_requested;	/* 1: the peer asked for ours too */
	uint8_t reserved[7];		/* 0 */
};

/* How a session was made: enum ktix_offload_kind of <linux/ktix.h>. */
enum ktix_resumed {
	KTIX_RESUMED_NONE	= 1,	/* a full handshake */
	KTIX_RESUMED_TICKET	= 2,	/* TLS 1.2, RFC 5077 session ticket */
	KTIX_RESUMED_SESSION_ID	= 3,	/* TLS 1.2, session ID */
	KTIX_RESUMED_PSK	= 4,	/* TLS 1.3, resumption PSK (ticket) */
};

enum ktix_result_flags {
	KTIX_RES_F_HANDLE	= 1 << 0,	/* handle is set */
	KTIX_RES_F_PEER_VERIFIED = 1 << 1,	/* peer holds a verified cert */
	KTIX_RES_F_SECRETS	= 1 << 2,	/* secrets is set */
};

struct ktix_result {
	uint32_t magic;		/* KTIX_HELPER_MAGIC */
	uint16_t version;	/* KTIX_HELPER_VERSION */
	uint16_t size;		/* sizeof(struct ktix_result) */
	uint64_t cookie;	/* the request's */
	int32_t status;		/* 0, or a negative errno (see helper.rst) */
	uint16_t tls_version;	/* 0x0303 (1.2), 0x0304 (1.3) */
	uint16_t cipher;	/* TLS_CIPHER_* of <linux/tls.h> */
	uint32_t resumed;	/* enum ktix_resumed */
	uint32_t flags;		/* enum ktix_result_flags */
	uint32_t usec;		/* the handshake's duration (helper.rst) */
	uint8_t handle[16];	/* the session's handle, for revocation */
	char cipher_name[64];	/* OpenSSL's name: "TLS_AES_128_GCM_SHA256" */
	char sni[256];		/* server name the client asked for, or "" */
	char alpn[256];		/* protocol agreed, or "" */
	char peer[256];		/* verified peer's subject, or "" */
	char error[256];	/* why, when status is not 0 */
	/*
	 * The most plaintext one record may carry: what the client asked
	 * for with max_fragment_length (RFC 6066 section 4: 512, 1024, 2048
	 * or 4096), else 16384.  kTLS on Linux 6.1 and 6.12 cannot cap its
	 * records itself: send with ktix_ktls_send(), never sendfile(), when
	 * it is below 16384.
	 */
	uint16_t max_record;
	uint16_t reserved;	/* 0; no implicit padding */
	/*
	 * With KTIX_RES_F_SECRETS: the sealed secrets, for the next
	 * ktix_key_update() on this socket (each answer's replaces the last).
	 * Fields are only ever added at the end: a shorter answer (an older
	 * ktixd) is read with what did not come as zero.
	 */
	uint8_t secrets[KTIX_SECRETS_LEN];
};

struct ktix_options {
	uint32_t timeout_ms;	/* 0: ktixd's deadline */
	/*
	 * "h2,http/1.1": the protocols this server speaks, its preference
	 * first, offered by ALPN instead of ktixd's alpn setting; NULL: that
	 * setting.  -EINVAL if a name is empty or the list too long.
	 */
	const char *alpn;
	/*
	 * KTIX_OPT_F_KEY_UPDATE: for TLS 1.3, have the result carry the
	 * sealed secrets (KTIX_RES_F_SECRETS) that following the peer's
	 * KeyUpdates takes (ktix_ktls_recv_update(), ktix_key_update()).
	 * Worth it where ktix_ktls_can_rekey() says 1.
	 */
	uint32_t flags;
};

#define KTIX_OPT_F_KEY_UPDATE	(1u << 0)

/*
 * How long ktix_handshake() waits for ktixd when no timeout_ms is given
 * (ktixd's own deadline, 10 s by default, is shorter); with one, it waits
 * timeout_ms.  Either way, 2 s more for the crossing, then -ETIMEDOUT.
 */
#define KTIX_WAIT_MS		60000

struct ktix_client;

/**
 * ktix_client_open() - connect to ktixd
 * @path: its socket, or NULL for KTIX_HELPER_SOCKET
 * @out: the client, for ktix_client_close()
 *
 * Return: 0; -ENAMETOOLONG for @path; -ENOMEM; or the errno of connect(2):
 * -ENOENT (no ktixd there), -ECONNREFUSED (it is gone), -EACCES (the
 * socket's mode and group keep this process out).
 */
int ktix_client_open(const char *path, struct ktix_client **out);
/**
 * ktix_client_close() - disconnect and free a client
 * @cl: the client, or NULL
 *
 * Handshakes submitted and not completed go on in ktixd; their answers
 * are lost, and their sockets are closed by ktixd.
 */
void ktix_client_close(struct ktix_client *cl);
/**
 * ktix_client_fd() - the descriptor to poll for answers
 * @cl: the client
 *
 * Return: a descriptor that is readable (POLLIN) when an answer waits.
 */
int ktix_client_fd(const struct ktix_client *cl);

/**
 * ktix_handshake() - have ktixd make a TLS server of an accepted socket
 * @cl: the client
 * @fd: the accepted TCP socket; ktixd gets a copy of it
 * @opt: the timeout and ALPN list, or NULL for ktixd's settings
 * @res: the answer, also on failure: res->status and res->error say why
 *
 * Hands @fd to ktixd and waits for its answer.  On success @fd is a kTLS
 * socket; on failure the server should close it.  A client is used either
 * this way, by one thread at a time, or with ktix_handshake_submit() and
 * ktix_handshake_complete(), not both: this one drops answers that are not
 * its own.
 *
 * Return: res->status: 0, or ktixd's errno for the handshake
 * (Documentation/helper.rst lists them; e.g. -ECONNRESET when the client
 * went away, -ETIMEDOUT past the deadline, -EPROTO for a TLS failure);
 * or the errno of talking to ktixd: -EBADF (@fd), -EINVAL (@opt's ALPN
 * list), -ECONNRESET (ktixd went away), -ETIMEDOUT (no answer within
 * KTIX_WAIT_MS or @opt's timeout, and 2 s more), -EPROTO (not an answer of
 * ktixd).
 */
int ktix_handshake(struct ktix_client *cl, int fd,
		   const struct ktix_options *opt, struct ktix_result *res);
/**
 * ktix_handshake_submit() - hand a socket to ktixd, without waiting
 * @cl: the client
 * @fd: the accepted TCP socket; the server may close its copy at once
 * @opt: as for ktix_handshake()
 * @cookie: comes back in the answer's res.cookie; answers come in the
 *	order handshakes finish
 *
 * Return: 0; -EBADF (@fd); -EINVAL (@opt's ALPN list); or the errno of
 * sendmsg(2) to ktixd (-EPIPE or -ECONNRESET: ktixd went away).
 */
int ktix_handshake_submit(struct ktix_client *cl, int fd,
			  const struct ktix_options *opt, uint64_t cookie);
/**
 * ktix_handshake_complete() - take one answer, without waiting
 * @cl: the client
 * @res: the answer of a submitted handshake or revocation
 *
 * Answers that wait are read together (one system call for up to 16) and
 * kept in @cl: after ktix_client_fd() polls readable, call this until it
 * says -EAGAIN.  That -EAGAIN may come without asking the socket, when the
 * last read found it empty: wait for the descriptor again.
 *
 * Return: 0 (the answer is in @res, its status in res->status); -EAGAIN
 * when no answer waits; -ECONNRESET when ktixd went away; -EPROTO for
 * what is not an answer of ktixd; or the errno of recvmmsg(2).
 */
int ktix_handshake_complete(struct ktix_client *cl, struct ktix_result *res);

/**
 * ktix_revoke() - log a session out, everywhere ktix could resume it
 * @cl: the client
 * @handle: the session's handle: res.handle of any of its handshakes
 *	(flag KTIX_RES_F_HANDLE)
 * @until: when the revocation may end, in seconds since the epoch; 0 for
 *	the longest any of its tickets can be accepted
 * @res: the answer, as a handshake's
 *
 * No helper of this network namespace resumes the session, by ticket,
 * TLS 1.3 PSK or session ID, once this returns 0 (this ktixd at once, the
 * others within the bound of Documentation/resumption.rst).  ktixd asks
 * the module (KTIX_CMD_REVOKE_ADD) on the server's behalf.
 *
 * Return: res->status: 0; -ENOSPC when the namespace's revocation set is
 * full (policy revoke-bytes); -EINVAL or -ERANGE for @until; -ENOENT when
 * the module is not loaded; or an errno of talking to ktixd, as for
 * ktix_handshake().
 */
int ktix_revoke(struct ktix_client *cl, const uint8_t handle[16],
		uint64_t until, struct ktix_result *res);
/**
 * ktix_revoke_submit() - ktix_revoke() for servers with an event loop
 * @cl: the client
 * @handle: as for ktix_revoke()
 * @until: as for ktix_revoke()
 * @cookie: comes back in the answer, which ktix_handshake_complete() takes
 *
 * Return: 0, or the errno of sendmsg(2) to ktixd.
 */
int ktix_revoke_submit(struct ktix_client *cl, const uint8_t handle[16],
		       uint64_t until, uint64_t cookie);

/**
 * ktix_resumed_name() - how a handshake was made, as ktixd logs it
 * @resumed: res.resumed, enum ktix_resumed
 *
 * Return: "full", "ticket", "session_id", "psk", or "unknown".
 */
const char *ktix_resumed_name(uint32_t resumed);

/**
 * ktix_ktls_recv() - read a kTLS socket as a TLS server must
 * @fd: the kTLS socket
 * @buf: for the data
 * @len: its size
 * @flags: as for recvmsg(2)
 *
 * Data records come back as data; a close_notify alert is the end of the
 * stream; any other alert of the peer's is an error.  What the peer should
 * not have sent is answered with an alert (RFC 8446 6, RFC 5246 7.2),
 * through kTLS.  A TLS 1.2 ClientHello (renegotiation) gets a
 * no_renegotiation warning and is skipped: the call goes on reading.
 * After any negative return but -EAGAIN and -EINTR, end the connection
 * with ktix_ktls_abort().  Blocks as the socket does.
 *
 * Return: the bytes of data read; 0 at the peer's close_notify;
 * -ECONNRESET for another alert of the peer's; -EBADMSG for a record that
 * does not decrypt (bad_record_mac sent, fatal); -EMSGSIZE for a record
 * over the size limit (record_overflow, fatal); -EPROTO for a TLS 1.3
 * KeyUpdate, which this call does not follow (close_notify sent: the
 * client reconnects; ktix_ktls_recv_update() follows it), or for any other
 * handshake message or a record type not allowed after the handshake
 * (unexpected_message, fatal); or the errno of recvmsg(2).
 */
ssize_t ktix_ktls_recv(int fd, void *buf, size_t len, int flags);
/**
 * ktix_ktls_recv_update() - ktix_ktls_recv() for a server that follows
 *	the peer's KeyUpdates
 * @fd: the kTLS socket
 * @buf: for the data
 * @len: its size
 * @flags: as for recvmsg(2)
 * @update_requested: set at a KeyUpdate: true when the peer asked for one
 *	of ours too
 *
 * As ktix_ktls_recv(), but a TLS 1.3 KeyUpdate (RFC 8446 4.6.3) is handed
 * to the caller instead of ending the connection: kTLS (Linux 6.14 and
 * later) then reads nothing more until the socket has the peer's new keys,
 * which ktix_key_update() installs.  The server must not write between this
 * return and ktix_key_update()'s answer.  A malformed KeyUpdate gets a
 * fatal alert (decode_error, illegal_parameter).
 *
 * Return: as ktix_ktls_recv(), and -EKEYEXPIRED at a KeyUpdate (nothing
 * sent to the peer).
 */
ssize_t ktix_ktls_recv_update(int fd, void *buf, size_t len, int flags,
			      bool *update_requested);
/**
 * ktix_key_update() - follow the peer's KeyUpdate, through ktixd
 * @cl: the client
 * @fd: the kTLS socket; ktixd gets a copy of it
 * @secrets: res.secrets of the socket's handshake, or of its last key
 *	update
 * @update_requested: as ktix_ktls_recv_update() said
 * @res: the answer; on success res.secrets (KTIX_RES_F_SECRETS) replaces
 *	@secrets for the next update
 *
 * ktixd opens @secrets (they open only for the socket they were made for,
 * in the ktixd that made them), sends a KeyUpdate of its own first when
 * the peer asked for one, and installs the next keys through the module.
 * On failure the socket cannot be read any more, and ktixd has sent the
 * peer a close_notify where it could: end the connection with
 * ktix_ktls_abort().
 *
 * Return: res->status: 0; -EOPNOTSUPP when this kernel's kTLS cannot take
 * new keys (before Linux 6.14); -EBADMSG when @secrets do not open for
 * this socket; -ERANGE past the most updates ktixd follows on one
 * connection; or an errno of talking to ktixd, as for ktix_handshake().
 */
int ktix_key_update(struct ktix_client *cl, int fd,
		    const uint8_t secrets[KTIX_SECRETS_LEN],
		    bool update_requested, struct ktix_result *res);
/**
 * ktix_key_update_submit() - ktix_key_update() for an event loop
 * @cl: the client
 * @fd: as for ktix_key_update()
 * @secrets: as for ktix_key_update()
 * @update_requested: as for ktix_key_update()
 * @cookie: comes back in the answer, which ktix_handshake_complete() takes
 *
 * Return: 0; -EBADF (@fd); or the errno of sendmsg(2) to ktixd.
 */
int ktix_key_update_submit(struct ktix_client *cl, int fd,
			   const uint8_t secrets[KTIX_SECRETS_LEN],
			   bool update_requested, uint64_t cookie);
/**
 * ktix_ktls_abort() - end a connection after ktix_ktls_recv() failed
 * @fd: the kTLS socket; closed
 * @wait_ms: the longest to wait for the peer to close
 *
 * Shuts the write side down, so that the alert already sent is followed
 * by a FIN, waits for the peer to close, then closes @fd: closing at once
 * with unread bytes would send a reset that can overtake the alert.
 *
 * Return: 0, or the errno of close(2).
 */
int ktix_ktls_abort(int fd, int wait_ms);
/**
 * ktix_ktls_send() - write a kTLS socket in records of a capped size
 * @fd: the kTLS socket
 * @buf: the data
 * @len: its length
 * @flags: as for send(2); MSG_MORE is ignored under a cap (each call ends
 *	its records)
 * @max_record: res.max_record, the most plaintext a record may carry; 0 or
 *	16384 for no cap
 *
 * Return: the bytes sent, which may be fewer than @len on a non-blocking
 * socket, or the errno of send(2) when none was sent.
 */
ssize_t ktix_ktls_send(int fd, const void *buf, size_t len, int flags,
		       unsigned int max_record);
/**
 * ktix_ktls_close() - end a connection as TLS asks
 * @fd: the kTLS socket; closed
 *
 * Sends a close_notify alert (TLS 1.2 and 1.3), then closes @fd.  When
 * the data sent last still fills the socket's send buffer, waits for
 * room, a second at most: a server with an event loop, whose peers may
 * read nothing, uses ktix_ktls_close_notify() and waits in its loop.
 *
 * Return: 0, or the errno of sending the alert or of close(2).
 */
int ktix_ktls_close(int fd);
/**
 * ktix_ktls_shutdown() - end the server's half of a connection
 * @fd: the kTLS socket; stays open, for reading what the peer still sends
 *
 * Sends a close_notify alert and shuts the write side down (a FIN
 * follows the alert): what a proxy does when its backend has closed its
 * half.  Waits for room to send the alert, a second at most, as
 * ktix_ktls_close().  TLS 1.3 lets the peer go on writing (RFC 8446
 * 6.1); a TLS 1.2 peer answers with its own close_notify.  At symbol
 * version KTIX_1.1.
 *
 * Return: 0, or the errno of sending the alert or of shutdown(2).
 */
int ktix_ktls_shutdown(int fd);
/**
 * ktix_ktls_close_notify() - send a close_notify alert, without waiting
 * @fd: the kTLS socket; left open
 *
 * What ktix_ktls_close() and ktix_ktls_shutdown() send, for an event loop
 * that must never block on a peer that does not read: it never waits,
 * whatever the socket's O_NONBLOCK.  On -EAGAIN nothing was sent: the
 * data sent last fills the send buffer; wait for EPOLLOUT (the peer
 * reading) and call it again, then close(2) or shutdown(2) the socket.
 * A peer that reads nothing until the loop's own deadline gets a FIN
 * without the alert, as a truncated stream should look.  At symbol
 * version KTIX_1.1.
 *
 * Return: 0; -EAGAIN; or another errno of sendmsg(2) (-EPIPE when the
 * write side is already shut down).
 */
int ktix_ktls_close_notify(int fd);
/**
 * ktix_ktls_can_rekey() - whether this kernel's kTLS takes new keys
 *
 * Tells whether the running kernel's kTLS takes new keys on a live TLS 1.3
 * socket (Linux 6.14 and later), which following a peer's KeyUpdate needs.
 * It tries it, on a throwaway loopback connection with keys of zeros.
 *
 * Return: 1 if it does; 0 if it does not (ktix_key_update() then fails
 * with -EOPNOTSUPP: read with ktix_ktls_recv(), which ends the connection
 * at a KeyUpdate); -ENOENT when kTLS is not loaded (modprobe tls); or the errno of connecting over the loopback interface of the
 * caller's namespace (-ENETUNREACH when it is down).
 */
int ktix_ktls_can_rekey(void);

#endif /* KTIX_H */
