/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktixd: the TLS handshake helper of ktix.  Documentation/helper.rst.
 */
#ifndef KTIXD_H
#define KTIXD_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netdb.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include <linux/ktix.h>

#include "ktix.h"

#define KTIXD_CONFIG	"/etc/ktix/ktixd.conf"
#define KTIXD_MAX_CERTS	16

/* ---- configuration (conf.c) ---- */

struct ktixd_cert {
	char *cert;		/* PEM chain */
	char *key;		/* PEM private key */
};

enum ktixd_verify { VERIFY_NONE, VERIFY_OPTIONAL, VERIFY_REQUIRE };

struct ktixd_config {
	struct ktixd_cert certs[KTIXD_MAX_CERTS];
	unsigned int n_certs;
	char *client_ca;
	enum ktixd_verify verify;
	char *alpn;			/* "h2,http/1.1" */
	int min_version;		/* TLS1_2_VERSION or TLS1_3_VERSION */
	bool tickets;
	unsigned int tls13_tickets;
	bool session_ids;
	bool foreign_tickets;		/* nginx's, HAProxy's under a shared key */
	unsigned int deadline_ms;
	unsigned int workers;		/* 0: one per CPU */
	unsigned int max_inflight;
	char *socket;
	unsigned int socket_mode;
	char *socket_group;
	bool syslog;
	bool core_dumps;		/* stay dumpable, for debugging */
	char *keylog_file;		/* NULL: SSLKEYLOGFILE, or none */
	char *metrics;			/* "ADDR:PORT" of /metrics, or NULL */
	struct addrinfo *metrics_ai;	/* it, as conf_check() resolved it */
	char *sid_context;		/* session-id-context, or NULL */
	unsigned int max_age;		/* session-max-age, seconds */
	bool verbose;
};

void conf_defaults(struct ktixd_config *c);
/* Reads a file; on error prints "FILE:LINE: problem" and returns -EINVAL. */
int conf_load(struct ktixd_config *c, const char *path, bool must_exist);
/* Applies one "key = value" setting; why is set on error. */
int conf_set(struct ktixd_config *c, const char *key, const char *value,
	     char *why, size_t why_len);
/* Checks the whole, resolving the metrics address; prints what is wrong. */
int conf_check(struct ktixd_config *c);
void conf_free(struct ktixd_config *c);
/* "10s", "500ms", "2m": milliseconds. */
int parse_ms(const char *s, unsigned int *out);
/*
 * session-id-context's value, "TEXT" or "hex:HEX", as the bytes OpenSSL
 * compares: 0 with 1 to SSL_MAX_SID_CTX_LENGTH bytes in @out, or -EINVAL.
 */
int sid_context_parse(const char *v, uint8_t out[SSL_MAX_SID_CTX_LENGTH],
		      unsigned int *len);

/* ---- secrets in memory (secret.c) ---- */

/*
 * Before any secret is read: non-dumpable unless @core_dumps, and
 * OpenSSL's secure heap (locked, not dumped) for keys.  0 or -errno.
 */
int secret_mem_init(bool core_dumps);
void secret_mem_done(void);

/* ---- SSLKEYLOGFILE (keylog.c) ---- */

/*
 * Opens the key log the configuration's keylog-file or else the
 * environment's SSLKEYLOGFILE names, if any, and has every handshake's
 * secrets written to it (NSS key log format).  0 (also when none is
 * asked for) or -errno, said.
 */
int keylog_open(const struct ktixd_config *c);
void keylog_close(void);

/* ---- the counters over HTTP (metrics.c) ---- */

/*
 * Serves GET /metrics on the configuration's metrics address, in a thread
 * of its own, if one is given: 0 (also when none is), or -errno, said.
 */
int metrics_start(const struct ktixd_config *c);
void metrics_stop(void);

/* ---- logging (main.c) ---- */

void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Whether a line of @prio would be written (LOG_DEBUG: only -v). */
bool log_wanted(int prio);

/* ---- ring and revocation mirror (mirror.c) ---- */

struct mirror_key {
	uint8_t name[KTIX_KEY_NAME_LEN];
	uint32_t state;
	uint8_t aes_len, hmac_len;
	uint8_t aes[32], hmac[32];
	uint64_t encrypt_from, encrypt_until, decrypt_until;
};

/* Started once; refreshed by its own thread on every notification. */
int mirror_start(void);
void mirror_stop(void);
/*
 * The key that encrypts now, picked by the clock: of the primary and the
 * next keys with an encrypt_from time, the live one whose encrypt_from
 * came last.  A scheduled switch (an automatic rotation, a fleet's
 * pre-published key) thus takes effect at its time in every helper,
 * before the module's announcement arrives, or without it.
 */
bool mirror_primary(struct mirror_key *out);
/*
 * How many tickets mirror_primary() withheld: the key that encrypts would
 * stop decrypting before they expired (no successor known in time).
 */
unsigned long mirror_tickets_withheld(void);
/* A live key by name; *primary says whether it encrypts now. */
bool mirror_find(const uint8_t *name, struct mirror_key *out, bool *primary);
enum mirror_rev {
	REV_CLEAR,		/* not revoked */
	REV_REVOKED,
	REV_UNKNOWN,		/* the mirror is behind: treat as revoked */
};

enum mirror_rev mirror_revoked(const uint8_t *handle);
/* A revocation this ktixd made itself, before its announcement comes. */
void mirror_revoke_local(const uint8_t *handle, uint64_t until);
/*
 * Bumped whenever the mirror opened its netlink sockets afresh (the
 * module was loaded again): other threads then reopen theirs.
 */
unsigned int mirror_nl_epoch(void);
/*
 * Whether the module was unloaded and is not back yet: then nobody opens
 * a netlink socket (asking for the family would load the module, or try).
 */
bool mirror_module_gone(void);
/* Called, in the mirror's thread, after each refresh: for benchmarks. */
void mirror_set_hook(void (*fn)(uint64_t generation));
/* Fills the mirror without the kernel: for benchmarks and tests only. */
void mirror_set(const struct mirror_key *keys, size_t n, uint32_t lifetime);
/* The policy's ticket lifetime, in seconds. */
uint32_t mirror_ticket_lifetime(void);
/*
 * A new ticket's lifetime hint, in seconds: the policy's, never past the
 * time the primary key stops decrypting.  Reads no key material.
 */
uint32_t mirror_ticket_timeout(void);

/* ---- a set of revoked handles (revset.c) ---- */

struct revset;

/* Room for about @hint handles; NULL when out of memory. */
struct revset *revset_new(size_t hint);
void revset_free(struct revset *s);
/* Adds a handle, or makes its time later: 0 or -ENOMEM, -EINVAL. */
int revset_add(struct revset *s, const uint8_t *handle, uint64_t until,
	       uint64_t now);
/* Whether a handle is revoked at @now. */
bool revset_has(const struct revset *s, const uint8_t *handle, uint64_t now);
size_t revset_count(const struct revset *s);

/* ---- a server's request (request.c) ---- */

struct request {
	struct ktix_request req;
	uint8_t alpn[255];	/* the server's ALPN list, wire format */
	uint8_t alpn_len;	/* 0: ktixd's alpn setting */
	bool is_revoke;		/* not a handshake: a revocation */
	struct ktix_request_revoke revoke;
	bool is_key_update;	/* not a handshake: the peer's KeyUpdate */
	struct ktix_request_key_update key_update;
};

/*
 * Checks a datagram of @n bytes from a server: 0 and @out filled, or
 * -EBADMSG, -EPROTONOSUPPORT, -EINVAL with @why in words.  @out->req is
 * set as far as it could be read (for the cookie of the answer).
 */
int request_parse(const void *buf, size_t n, struct request *out,
		  const char **why);

/* ---- a server's revocation (revoke.c) ---- */

/* Carries out a request with is_revoke, in a worker: the answer in @r. */
void revoke_request(const struct request *req, struct ktix_result *r);

/* ---- following the peer's KeyUpdate (rekey.c) ---- */

/* The most key updates ktixd follows on one connection. */
#define KTIXD_KEY_UPDATES_MAX	1024

/* The sealing key, in the secure heap: 0, -ENOMEM or -EIO. */
int rekey_init(void);
void rekey_done(void);
/*
 * For a handshake with KTIX_REQ_F_SECRETS, on TLS 1.3: the secrets of
 * @ssl sealed for the socket @fd into @r (KTIX_RES_F_SECRETS), or, when
 * that fails, a warning logged and @r without them.
 */
void rekey_seal_result(SSL *ssl, int fd, struct ktix_result *r);
/* Carries out a request with is_key_update on @fd: the answer in @r. */
void rekey_request(const struct request *req, int fd, struct ktix_result *r);

/* ---- the server name of a ClientHello (sni.c) ---- */

/*
 * The host name of a raw server_name extension (RFC 6066 section 3), in
 * lower case, into @out: 0, or -1 (and "") when there is none or it is
 * not a DNS host name.
 */
int sni_parse(const uint8_t *ext, size_t len, char *out, size_t out_len);

/* ---- the handshake's socket I/O, a flight at a time (flight.c) ---- */

/*
 * How many of @n bytes peeked from the client's socket ktixd may read
 * (the client's records up to the end of its flight, never what kTLS
 * must find): at least 1 when @n is not 0, at most @n.
 */
size_t flight_take(const unsigned char *p, size_t n, bool tls13);
/* Gives @ssl a BIO on @fd that reads whole flights: 0 or -ENOMEM. */
int flight_attach(SSL *ssl, int fd);
/* Whether @ssl's flight BIO has read anything from the client yet. */
bool flight_got_any(SSL *ssl);
/*
 * While held, what OpenSSL writes and flushes stays in the BIO: around
 * each SSL_do_handshake(), so that a flight is one send(2).
 */
void flight_hold(SSL *ssl, bool hold);
/* Sends what waits: 0 when nothing is left, -EAGAIN (some is), -errno. */
int flight_flush(SSL *ssl);
/* What waits to be sent (NULL, *@len 0 if nothing); and "it went". */
const void *flight_held(SSL *ssl, size_t *len);
void flight_held_gone(SSL *ssl);

/* ---- TLS (tls.c; ticket.c, sessid.c, context.c, alpn.c: tls_priv.h) ---- */

struct hs_info {
	bool ticket_used;	/* TLS 1.2 ticket decrypted and used */
	uint32_t miss;		/* enum ktix_resume_miss */
	bool has_handle;
	uint8_t handle[16];
	/* A resumed session's full handshake (seconds); 0: this one's. */
	uint64_t established;
};

/* Builds every SSL_CTX from the configuration; the first is the default. */
int tls_contexts_load(const struct ktixd_config *c);
void tls_contexts_free(void);
/* A new SSL on the current default context, with its hs_info. */
SSL *tls_new(void);
struct hs_info *tls_info(SSL *ssl);
/* The server's own ALPN list (wire format) for this SSL; 0 or -ENOMEM. */
int tls_set_alpn(SSL *ssl, const uint8_t *alpn, size_t len);
const char *resume_miss_name(uint32_t f);
/* Per-thread netlink socket for the session cache and OFFLOAD. */
struct ktix_nl *tls_thread_nl(void);
/* Why the last tls_thread_nl() gave none: -ENOENT, -EMFILE, ... */
int tls_thread_nl_error(void);
void tls_thread_nl_close(void);
/* Whether the module behind this thread's socket has @feature (KTIX_F_*). */
bool tls_thread_nl_has(uint64_t feature);

/* ---- the server (server.c; worker.c, dispatch.c, handshake.c, reply.c:
 * server.h) ---- */

/* Binds the Unix socket (before the threads start): its fd, or -errno. */
int server_listen(const struct ktixd_config *c);
/* Runs until SIGTERM or SIGINT; the signals must be blocked. */
int server_run(const struct ktixd_config *c, int lfd);

/* Counters kept by ktixd itself, shown by SIGUSR1 and at exit. */
struct ktixd_counters {
	atomic_ulong handshakes[5];	/* by enum ktix_resumed */
	atomic_ulong resume_miss[KTIX_RESUME_MISS_MAX + 1];
	atomic_ulong failed, busy, timeouts, bad_requests;
	atomic_ulong revocations;	/* made for servers */
	atomic_ulong half_closed;	/* clients that shut down too soon */
	atomic_ulong key_updates, key_update_failed;	/* peers' KeyUpdates */
};

extern struct ktixd_counters counters;

#endif /* KTIXD_H */
