/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * ktix: TLS session-ticket state for kTLS, shared over generic netlink.
 *
 * Documentation/ktix.rst is the overview.  This header is the whole ABI:
 * the kernel module and every userspace program include it unchanged.
 *
 * Family KTIX_GENL_NAME ("ktix"), version KTIX_GENL_VERSION.  All state is
 * per network namespace: a request acts on the namespace of the netlink
 * socket it arrives on.  Commands marked [admin] need CAP_NET_ADMIN in the
 * user namespace that owns that network namespace; the others are open to
 * every caller.  What identifies a client's session (its ID, its handle)
 * is for [admin] callers only; the ring's events, the keys' names and
 * times, the policy and the counters are open, for monitoring.  Every
 * attribute is validated strictly: an unknown attribute, a wrong length or
 * a value out of range is refused with -EINVAL or -ERANGE and an
 * extended-ACK message naming the attribute.
 *
 * KTIX_CMD_VERSION
 *   Request: no attributes.
 *   Reply:
 *     KTIX_A_VERSION: NUL-terminated string, the module version ("0.1.0")
 *     KTIX_A_FEATURES: u64, a bitmap of enum ktix_feature
 *
 * KTIX_CMD_POLICY_GET
 *   Request: no attributes.
 *   Reply:
 *     KTIX_A_POLICY: NLA_NESTED, every KTIX_POLICY_A_* below is present
 *
 * KTIX_CMD_POLICY_SET [admin]
 *   Request:
 *     KTIX_A_POLICY: NLA_NESTED, one or more of
 *       KTIX_POLICY_A_ROTATE_INTERVAL: u32, seconds between automatic key
 *                                      rotations, 0 for manual rotation
 *       KTIX_POLICY_A_RETENTION: u32, seconds a retiring key still
 *                                decrypts, never less than the ticket
 *                                lifetime
 *       KTIX_POLICY_A_TICKET_LIFETIME: u32, seconds (RFC 8446 4.6.1: at
 *                                      most 7 days)
 *       KTIX_POLICY_A_MAX_KEYS: u32, at most KTIX_MAX_KEYS_LIMIT; with
 *                               automatic rotation at least
 *                               2 + ceil(retention / rotate_interval)
 *       KTIX_POLICY_A_CACHE_ENTRIES: u32, session-ID cache entries
 *       KTIX_POLICY_A_CACHE_BYTES: u64, session-ID cache payload bytes
 *       KTIX_POLICY_A_SESSION_LIFETIME: u32, seconds a cached session
 *                                       lives at most
 *       KTIX_POLICY_A_SESSION_MAX_SIZE: u32, largest DER session accepted,
 *                                       at most KTIX_SESS_DATA_MAX_LEN
 *       KTIX_POLICY_A_REVOKE_BYTES: u64, memory the revocation set may
 *                                   use; a handle counts 80 bytes
 *                                   (Documentation/ktix.rst)
 *       KTIX_POLICY_A_EXTERNAL_KEYS: u32, 1: every key comes from outside
 *                                    (a fleet's schedule): the module
 *                                    makes none and KEY_ROTATE is
 *                                    refused; needs rotate_interval 0
 *   Each field's range and default are in include/ktix/tables.h of the
 *   source tree (and "ktixctl help policy"); a value out of range is
 *   refused with ERANGE and the bounds in the extended ACK.
 *   Attributes not given keep their value.  The new policy is checked as a
 *   whole and applied entirely or not at all.  Reply: an ACK.
 *
 * The ticket-key ring (Documentation/ktix.rst, "The ticket-key ring"): keys
 * are next (decrypts; becomes primary at the next rotation), primary (the
 * one key that encrypts) or retiring (decrypts until decrypt_until).  Every
 * change bumps the namespace's generation and is announced on the multicast
 * group KTIX_MCGRP_RING.  Times are seconds since the epoch (CLOCK_REALTIME).
 *
 * KTIX_CMD_KEY_GET (dump)
 *   Request:
 *     KTIX_A_FLAGS: u32, optional; KTIX_FLAG_KEY_MATERIAL [admin] adds the keys
 *   Reply: one message a key:
 *     KTIX_A_GENERATION: u64, the ring generation the dump reflects
 *     KTIX_A_KEY: NLA_NESTED
 *       KTIX_KEY_A_NAME: 16 bytes
 *       KTIX_KEY_A_STATE: u32, enum ktix_key_state
 *       KTIX_KEY_A_AES_BITS: u32, 128 or 256
 *       KTIX_KEY_A_CREATED, KTIX_KEY_A_ENCRYPT_FROM, KTIX_KEY_A_ENCRYPT_UNTIL,
 *       KTIX_KEY_A_DECRYPT_UNTIL: u64 seconds; 0 while not yet known
 *                                 (manual rotation, a key not yet retired)
 *       KTIX_KEY_A_AES_KEY, KTIX_KEY_A_HMAC_KEY: 16 or 32 bytes, only with
 *                                               KTIX_FLAG_KEY_MATERIAL
 *   A dump that spans a change is marked NLM_F_DUMP_INTR.
 *
 * KTIX_CMD_KEY_ADD [admin]
 *   Request:
 *     KTIX_A_KEY: NLA_NESTED
 *       KTIX_KEY_A_NAME: 16 bytes, unique in the ring
 *       KTIX_KEY_A_AES_KEY: 16 or 32 bytes
 *       KTIX_KEY_A_HMAC_KEY: 16 or 32 bytes
 *       KTIX_KEY_A_STATE: u32, optional: next (the default), primary (the
 *                         current primary retires) or retiring
 *       KTIX_KEY_A_DECRYPT_UNTIL: u64, optional, for a retiring key,
 *                                 at most now + retention (the default)
 *       KTIX_KEY_A_ENCRYPT_FROM: u64, optional, for a next key with
 *                                manual rotation (rotate_interval 0): a
 *                                scheduled key.  The module's worker makes
 *                                it the primary at that time (at once if
 *                                it has passed), and the primary retires.
 *                                A scheduled key may also carry
 *                                KTIX_KEY_A_ENCRYPT_UNTIL (after
 *                                encrypt_from) and KTIX_KEY_A_DECRYPT_UNTIL
 *                                (after both, at most retention after the
 *                                later), kept when it retires; without, it
 *                                retires with now + retention.  Several
 *                                scheduled keys may wait, one per
 *                                encrypt_from; the primary changes only
 *                                when one comes due, never at its own
 *                                encrypt_until.
 *   Errors: EEXIST (name taken, a second unscheduled next key, or a key
 *   scheduled for the same encrypt_from), ENOSPC (ring
 *   full), EINVAL (no primary yet; a key of neither 16 nor 32 bytes),
 *   ERANGE (a key shorter than 16 or longer than 32 bytes; decrypt_until
 *   later than the retention allows).  With automatic rotation, an empty
 *   ring first gets its own primary and next keys, as on any first use.
 *
 * KTIX_CMD_KEY_DEL [admin]
 *   Request: KTIX_A_KEY { KTIX_KEY_A_NAME }.  The primary cannot be deleted
 *   while other keys remain (EBUSY: rotate first).  The key is wiped.
 *
 * KTIX_CMD_KEY_ROTATE [admin]
 *   Request: no attributes.  The next key (without one, a fresh random
 *   key) becomes the primary, the primary retires, and a fresh next key is
 *   made.  When the ring is full, the retiring key closest to expiry is
 *   wiped early, never the primary being retired.  With external_keys:
 *   EOPNOTSUPP (the schedule is the fleet's).
 *   Reply: KTIX_A_GENERATION.
 *
 * KTIX_CMD_RING_NOTIFY (multicast on KTIX_MCGRP_RING only)
 *     KTIX_A_EVENT: u32, enum ktix_ring_event
 *     KTIX_A_GENERATION: u64, the generation after the change
 *
 * The session-ID cache (Documentation/ktix.rst, "The session-ID cache")
 * holds DER-encoded sessions by their TLS session ID, bounded by the
 * policy's cache_entries and cache_bytes (payload: ID plus session); when
 * full, the least recently used entry goes.  Expired entries are never
 * returned and are purged by a periodic worker.  Freed sessions are wiped.
 *
 * KTIX_CMD_SESS_PUT [admin]
 *   Request:
 *     KTIX_A_SESSION: NLA_NESTED
 *       KTIX_SESS_A_ID: 1 to KTIX_SESS_ID_MAX_LEN bytes
 *       KTIX_SESS_A_DATA: the DER session, 1 to policy session_max_size
 *                         bytes (EMSGSIZE beyond)
 *       KTIX_SESS_A_LIFETIME: u32 seconds, optional, in the range of
 *                             the policy's session_lifetime, which is
 *                             the default and the cap
 *   An entry with the same ID is replaced.  Reply: an ACK.
 *
 * KTIX_CMD_SESS_GET [admin]
 *   Request: KTIX_A_SESSION { KTIX_SESS_A_ID }.
 *   Reply: KTIX_A_SESSION { ID, DATA, SIZE, CREATED, EXPIRES }, or ENOENT
 *   when there is no live entry.  A hit makes the entry most recently used.
 *
 * KTIX_CMD_SESS_GET (dump) [admin]
 *   Request: KTIX_A_FLAGS: u32, optional; KTIX_FLAG_SESSION_DATA adds the
 *            sessions.
 *   Reply: one message an entry: KTIX_A_SESSION { ID, SIZE, CREATED,
 *   EXPIRES, and DATA only when asked for }.  SIZE is the session's size
 *   in bytes; CREATED and EXPIRES are u64 seconds since the epoch.  A dump
 *   is a walk of a live table: entries added or removed meanwhile may or
 *   may not appear.
 *
 * KTIX_CMD_SESS_DEL [admin]
 *   Request: KTIX_A_SESSION { KTIX_SESS_A_ID }.  ENOENT if absent.
 *
 * KTIX_CMD_SESS_FLUSH [admin]
 *   Request: no attributes.  Every entry is wiped.
 *
 * Revocation: the set of session handles (the random 16 bytes ktixd puts
 * in every session it makes) that no helper may resume.  It holds what the
 * policy's revoke_bytes allows; an entry lasts until its time, then is
 * purged (in batches: an entry may be dumped up to a minute past its
 * time).  Every change bumps the set's own generation and is announced on
 * the multicast group KTIX_MCGRP_REVOKE, an addition with its handle and
 * time, so that a helper's mirror applies it without asking.  A helper
 * that sees a generation skipped (or ENOBUFS) is behind: it reads the
 * generation (REVOKE_GET do), then the set (REVOKE_GET dump), then applies
 * the announcements queued meanwhile; the set only grows between purges,
 * so nothing is lost or applied wrongly.
 *
 * KTIX_CMD_REVOKE_ADD [admin]
 *   Request:
 *     KTIX_A_REVOKE: NLA_NESTED
 *       KTIX_REVOKE_A_HANDLE: 16 bytes
 *       KTIX_REVOKE_A_UNTIL: u64 seconds since the epoch, optional: in the
 *                            future and at most now + KTIX_REVOKE_MAX_SECS;
 *                            the default is now + the policy's retention
 *                            plus its rotation interval, the longest a
 *                            ticket issued now can be accepted
 *   Revoking a handle again extends its time, never shortens it.
 *   Errors: ENOSPC (the set holds what revoke_bytes allows; counted as
 *   KTIX_STATS_A_REVOKE_FULL), EINVAL/ERANGE (until).
 *   Reply: KTIX_A_GENERATION, the set's after the change, and
 *   KTIX_A_REVOKE { HANDLE, UNTIL }: the entry as it now is.
 *
 * KTIX_CMD_REVOKE_GET [admin]
 *   Request: no attributes.
 *   Reply: KTIX_A_GENERATION, the set's generation now.
 *
 * KTIX_CMD_REVOKE_GET (dump) [admin]
 *   Reply: one message an entry: KTIX_A_GENERATION, KTIX_A_REVOKE
 *   { HANDLE, UNTIL }.  A dump that spans a change is marked
 *   NLM_F_DUMP_INTR.
 *
 * KTIX_CMD_REVOKE_NOTIFY (multicast on KTIX_MCGRP_REVOKE only; joining
 * the group needs CAP_NET_ADMIN, as for the commands marked [admin])
 *     KTIX_A_EVENT: u32, enum ktix_revoke_event
 *     KTIX_A_GENERATION: u64, the set's generation after the change
 *     KTIX_A_REVOKE: { HANDLE, UNTIL }, for KTIX_REVOKE_EV_ADD
 *
 * KTIX_CMD_OFFLOAD [admin]
 *   Installs a finished handshake's record keys into kTLS on a TCP socket.
 *   Request:
 *     KTIX_A_OFFLOAD: NLA_NESTED
 *       KTIX_OFFLOAD_A_FD: u32, the socket's descriptor in the caller's
 *                          descriptor table
 *       KTIX_OFFLOAD_A_VERSION: u16, TLS_1_2_VERSION or TLS_1_3_VERSION
 *                               (<linux/tls.h>)
 *       KTIX_OFFLOAD_A_CIPHER: u16, TLS_CIPHER_AES_GCM_128,
 *                              TLS_CIPHER_AES_GCM_256,
 *                              TLS_CIPHER_CHACHA20_POLY1305 or
 *                              TLS_CIPHER_AES_CCM_128
 *       KTIX_OFFLOAD_A_KIND: u32, enum ktix_offload_kind, how the session
 *                            was made (counted); KEY_UPDATE: not a new
 *                            session but the next keys of a TLS 1.3
 *                            socket already offloaded (RFC 8446 4.6.3),
 *                            for one direction or both, with record
 *                            sequence numbers of zero.  Kernels before
 *                            6.14 cannot take them: EOPNOTSUPP, with the
 *                            socket unchanged.
 *       KTIX_OFFLOAD_A_TX, KTIX_OFFLOAD_A_RX: NLA_NESTED, one or both
 *         KTIX_DIR_A_KEY, KTIX_DIR_A_IV, KTIX_DIR_A_SALT, KTIX_DIR_A_REC_SEQ:
 *           binary, each exactly the size <linux/tls.h> gives for the
 *           cipher (no SALT for CHACHA20-POLY1305)
 *       KTIX_OFFLOAD_A_RX_NO_PAD: flag, TLS 1.3 with RX only: the peer is
 *                                 trusted not to pad (TLS_RX_EXPECT_NO_PAD)
 *       KTIX_OFFLOAD_A_RESUME_MISS: u32, optional, with kind full only: enum
 *                                   ktix_resume_miss, why the client's
 *                                   attempt to resume failed (counted)
 *       KTIX_OFFLOAD_A_SEND_FIRST: binary, optional, 1 to
 *                                  KTIX_SEND_FIRST_MAX_LEN bytes, not with
 *                                  kind KEY_UPDATE: records the handshake
 *                                  ended with, sealed by the caller (TLS
 *                                  1.3 NewSessionTickets, TLS 1.2's last
 *                                  server flight), sent on the socket
 *                                  before kTLS takes it, so that kTLS's
 *                                  records follow them (KTIX_F_SEND_FIRST)
 *   Everything is checked before the socket is touched: a connected TCP
 *   socket (IPv4 or IPv6) without a ULP, exact lengths.  A refusal
 *   (EBADF, ENOTSOCK, EPROTOTYPE for a socket that is not TCP, ENOTCONN,
 *   EEXIST for a ULP already there, EINVAL, ERANGE) leaves the socket as it
 *   was; so does EAGAIN when the socket's send buffer has no room for
 *   SEND_FIRST's bytes (the caller may send them itself and offload
 *   without them).  Then the "tls" ULP is attached (a peer's FIN before
 *   it: ENOTCONN, nothing sent, the socket unchanged), SEND_FIRST's bytes
 *   are sent, still as plain TCP (the send's errno, or EIO for a part:
 *   the socket must be closed), and TLS_TX and TLS_RX are set;
 *   should kTLS itself refuse after that (ENOMEM), the socket is left with
 *   the ULP and must be closed.  The module wipes its copies of the keys,
 *   and the request's.
 *
 * KTIX_CMD_STATS_GET
 *   Request: no attributes.
 *   Reply: KTIX_A_STATS: NLA_NESTED, one u64 a KTIX_STATS_A_* below; the
 *   same figures as /proc/net/ktix_stat.
 */

#ifndef _UAPI_LINUX_KTIX_H
#define _UAPI_LINUX_KTIX_H

#include <linux/types.h>

#define KTIX_GENL_NAME		"ktix"
#define KTIX_GENL_VERSION	1

#define KTIX_MCGRP_RING		"ring"
#define KTIX_MCGRP_REVOKE	"revoke"

/* The ring never holds more keys than this, whatever the policy says. */
#define KTIX_MAX_KEYS_LIMIT	64

#define KTIX_KEY_NAME_LEN	16

/* TLS session IDs are 1 to 32 bytes (RFC 5246 7.4.1.2). */
#define KTIX_SESS_ID_MAX_LEN	32
/* The largest session any policy lets the cache hold (session_max_size). */
#define KTIX_SESS_DATA_MAX_LEN	65000

/* The most KTIX_OFFLOAD_A_SEND_FIRST carries: a few tickets' records. */
#define KTIX_SEND_FIRST_MAX_LEN	16384

#define KTIX_REVOKE_HANDLE_LEN	16
/* The latest KTIX_REVOKE_A_UNTIL accepted, from now: 28 days. */
#define KTIX_REVOKE_MAX_SECS	(28 * 86400)

enum ktix_cmd {
	KTIX_CMD_UNSPEC,
	KTIX_CMD_VERSION,
	KTIX_CMD_POLICY_GET,
	KTIX_CMD_POLICY_SET,
	KTIX_CMD_KEY_GET,
	KTIX_CMD_KEY_ADD,
	KTIX_CMD_KEY_DEL,
	KTIX_CMD_KEY_ROTATE,
	KTIX_CMD_RING_NOTIFY,
	KTIX_CMD_SESS_PUT,
	KTIX_CMD_SESS_GET,
	KTIX_CMD_SESS_DEL,
	KTIX_CMD_SESS_FLUSH,
	KTIX_CMD_REVOKE_ADD,
	KTIX_CMD_REVOKE_GET,
	KTIX_CMD_REVOKE_NOTIFY,
	KTIX_CMD_STATS_GET,
	KTIX_CMD_OFFLOAD,
	__KTIX_CMD_LAST
};

#define KTIX_CMD_MAX (__KTIX_CMD_LAST - 1)

/* Bits of KTIX_A_FEATURES: what this module implements. */
enum ktix_feature {
	KTIX_F_POLICY		= 1 << 0,	/* KTIX_CMD_POLICY_GET/SET */
	KTIX_F_RING		= 1 << 1,	/* KTIX_CMD_KEY_*, KTIX_MCGRP_RING */
	KTIX_F_CACHE		= 1 << 2,	/* KTIX_CMD_SESS_* */
	KTIX_F_REVOKE		= 1 << 3,	/* KTIX_CMD_REVOKE_*, its group */
	KTIX_F_STATS		= 1 << 4,	/* KTIX_CMD_STATS_GET */
	KTIX_F_OFFLOAD		= 1 << 5,	/* KTIX_CMD_OFFLOAD */
	/* KEY_ADD of scheduled next keys; policy external_keys */
	KTIX_F_SCHEDULE		= 1 << 6,
	KTIX_F_SEND_FIRST	= 1 << 7,	/* KTIX_OFFLOAD_A_SEND_FIRST */
};

/* Bits of KTIX_A_FLAGS. */
enum ktix_flags {
	KTIX_FLAG_KEY_MATERIAL	= 1 << 0,	/* KEY_GET: include the keys */
	KTIX_FLAG_SESSION_DATA	= 1 << 1,	/* SESS_GET dump: the sessions */
};

enum ktix_key_state {
	KTIX_KEY_STATE_UNSPEC,
	KTIX_KEY_STATE_NEXT,
	KTIX_KEY_STATE_PRIMARY,
	KTIX_KEY_STATE_RETIRING,
	__KTIX_KEY_STATE_LAST
};

#define KTIX_KEY_STATE_MAX (__KTIX_KEY_STATE_LAST - 1)

enum ktix_ring_event {
	KTIX_RING_EV_UNSPEC,
	KTIX_RING_EV_ADD,	/* a key was added (or the ring was made) */
	KTIX_RING_EV_DEL,	/* a key was deleted */
	KTIX_RING_EV_ROTATE,	/* a rotation, by command or by the timer */
	KTIX_RING_EV_EXPIRE,	/* retiring keys past decrypt_until were wiped */
	KTIX_RING_EV_POLICY,	/* the policy changed: key times, ticket life */
	__KTIX_RING_EV_LAST
};

enum ktix_revoke_event {
	KTIX_REVOKE_EV_UNSPEC,
	KTIX_REVOKE_EV_ADD,	/* a handle was revoked, or its time extended */
	KTIX_REVOKE_EV_EXPIRE,	/* entries past their time were purged */
	__KTIX_REVOKE_EV_LAST
};

enum ktix_attr {
	KTIX_A_UNSPEC,
	KTIX_A_PAD,
	KTIX_A_VERSION,
	KTIX_A_FEATURES,
	KTIX_A_POLICY,
	KTIX_A_FLAGS,
	KTIX_A_GENERATION,
	KTIX_A_KEY,
	KTIX_A_EVENT,
	KTIX_A_SESSION,
	KTIX_A_REVOKE,
	KTIX_A_STATS,
	KTIX_A_OFFLOAD,
	__KTIX_A_LAST
};

#define KTIX_A_MAX (__KTIX_A_LAST - 1)

enum ktix_policy_attr {
	KTIX_POLICY_A_UNSPEC,
	KTIX_POLICY_A_PAD,
	KTIX_POLICY_A_ROTATE_INTERVAL,
	KTIX_POLICY_A_RETENTION,
	KTIX_POLICY_A_TICKET_LIFETIME,
	KTIX_POLICY_A_MAX_KEYS,
	KTIX_POLICY_A_CACHE_ENTRIES,
	KTIX_POLICY_A_CACHE_BYTES,
	KTIX_POLICY_A_SESSION_LIFETIME,
	KTIX_POLICY_A_SESSION_MAX_SIZE,
	KTIX_POLICY_A_REVOKE_BYTES,
	KTIX_POLICY_A_EXTERNAL_KEYS,
	__KTIX_POLICY_A_LAST
};

#define KTIX_POLICY_A_MAX (__KTIX_POLICY_A_LAST - 1)

enum ktix_key_attr {
	KTIX_KEY_A_UNSPEC,
	KTIX_KEY_A_PAD,
	KTIX_KEY_A_NAME,
	KTIX_KEY_A_STATE,
	KTIX_KEY_A_AES_BITS,
	KTIX_KEY_A_AES_KEY,
	KTIX_KEY_A_HMAC_KEY,
	KTIX_KEY_A_CREATED,
	KTIX_KEY_A_ENCRYPT_FROM,
	KTIX_KEY_A_ENCRYPT_UNTIL,
	KTIX_KEY_A_DECRYPT_UNTIL,
	__KTIX_KEY_A_LAST
};

#define KTIX_KEY_A_MAX (__KTIX_KEY_A_LAST - 1)

enum ktix_sess_attr {
	KTIX_SESS_A_UNSPEC,
	KTIX_SESS_A_PAD,
	KTIX_SESS_A_ID,
	KTIX_SESS_A_DATA,
	KTIX_SESS_A_LIFETIME,
	KTIX_SESS_A_SIZE,
	KTIX_SESS_A_CREATED,
	KTIX_SESS_A_EXPIRES,
	__KTIX_SESS_A_LAST
};

#define KTIX_SESS_A_MAX (__KTIX_SESS_A_LAST - 1)

enum ktix_revoke_attr {
	KTIX_REVOKE_A_UNSPEC,
	KTIX_REVOKE_A_PAD,
	KTIX_REVOKE_A_HANDLE,
	KTIX_REVOKE_A_UNTIL,
	__KTIX_REVOKE_A_LAST
};

#define KTIX_REVOKE_A_MAX (__KTIX_REVOKE_A_LAST - 1)

enum ktix_offload_kind {
	KTIX_OFFLOAD_KIND_UNSPEC,
	KTIX_OFFLOAD_KIND_FULL,		/* a full handshake */
	KTIX_OFFLOAD_KIND_TICKET,	/* resumed from an RFC 5077 ticket */
	KTIX_OFFLOAD_KIND_SESSION_ID,	/* resumed from a session ID */
	KTIX_OFFLOAD_KIND_PSK,		/* TLS 1.3 resumption PSK */
	KTIX_OFFLOAD_KIND_KEY_UPDATE,	/* new keys after a TLS 1.3 KeyUpdate */
	__KTIX_OFFLOAD_KIND_LAST
};

#define KTIX_OFFLOAD_KIND_MAX (__KTIX_OFFLOAD_KIND_LAST - 1)

/* Why a client's attempt to resume ended in a full handshake. */
enum ktix_resume_miss {
	KTIX_RESUME_MISS_NONE,
	KTIX_RESUME_MISS_UNKNOWN_KEY,	/* ticket under no live key */
	KTIX_RESUME_MISS_BAD_TICKET,	/* MAC, decryption or contents */
	KTIX_RESUME_MISS_REVOKED,	/* the session's handle is revoked */
	KTIX_RESUME_MISS_CACHE_MISS,	/* session ID not in the cache */
	KTIX_RESUME_MISS_EXPIRED,	/* ticket older than its lifetime */
	KTIX_RESUME_MISS_CONTEXT,	/* another security context or name */
	KTIX_RESUME_MISS_FUTURE,	/* ticket issued in the future */
	KTIX_RESUME_MISS_REVOKE_STALE,	/* the helper's revocations are behind */
	__KTIX_RESUME_MISS_LAST
};

#define KTIX_RESUME_MISS_MAX (__KTIX_RESUME_MISS_LAST - 1)

enum ktix_offload_attr {
	KTIX_OFFLOAD_A_UNSPEC,
	KTIX_OFFLOAD_A_FD,
	KTIX_OFFLOAD_A_VERSION,
	KTIX_OFFLOAD_A_CIPHER,
	KTIX_OFFLOAD_A_KIND,
	KTIX_OFFLOAD_A_TX,
	KTIX_OFFLOAD_A_RX,
	KTIX_OFFLOAD_A_RX_NO_PAD,
	KTIX_OFFLOAD_A_RESUME_MISS,
	KTIX_OFFLOAD_A_SEND_FIRST,
	__KTIX_OFFLOAD_A_LAST
};

#define KTIX_OFFLOAD_A_MAX (__KTIX_OFFLOAD_A_LAST - 1)

/* One direction's record keys. */
enum ktix_dir_attr {
	KTIX_DIR_A_UNSPEC,
	KTIX_DIR_A_KEY,
	KTIX_DIR_A_IV,
	KTIX_DIR_A_SALT,
	KTIX_DIR_A_REC_SEQ,
	__KTIX_DIR_A_LAST
};

#define KTIX_DIR_A_MAX (__KTIX_DIR_A_LAST - 1)

/*
 * The figures of KTIX_CMD_STATS_GET, each a u64: gauges (the state now)
 * and counters (since the namespace was made).  New ones are added at the
 * end, each marked gauge or not.
 */
enum ktix_stats_attr {
	KTIX_STATS_A_UNSPEC,
	KTIX_STATS_A_PAD,
	KTIX_STATS_A_RING_KEYS,		/* gauge: keys in the ring */
	KTIX_STATS_A_CACHE_ENTRIES,	/* gauge: sessions cached */
	KTIX_STATS_A_CACHE_BYTES,	/* gauge: their IDs and sessions */
	KTIX_STATS_A_REVOKED,		/* gauge: handles revoked */
	KTIX_STATS_A_POLICY_UPDATES,
	KTIX_STATS_A_ROTATIONS,
	KTIX_STATS_A_KEYS_WIPED,	/* keys that left the ring, all causes */
	KTIX_STATS_A_KEYS_EXPIRED,
	KTIX_STATS_A_KEYS_EVICTED,	/* to make room at a rotation */
	KTIX_STATS_A_SESS_PUTS,
	KTIX_STATS_A_SESS_HITS,
	KTIX_STATS_A_SESS_MISSES,
	KTIX_STATS_A_SESS_DELETES,	/* by SESS_DEL and SESS_FLUSH */
	KTIX_STATS_A_SESS_EVICTIONS,	/* least recently used, when full */
	KTIX_STATS_A_SESS_EXPIRATIONS,
	KTIX_STATS_A_REVOCATIONS,	/* REVOKE_ADD requests accepted */
	KTIX_STATS_A_REVOKE_EXPIRED,
	KTIX_STATS_A_OFFLOADS,		/* sockets handed to kTLS */
	KTIX_STATS_A_OFFLOAD_TLS12,
	KTIX_STATS_A_OFFLOAD_TLS13,
	KTIX_STATS_A_OFFLOAD_AES_GCM_128,
	KTIX_STATS_A_OFFLOAD_AES_GCM_256,
	KTIX_STATS_A_OFFLOAD_CHACHA20_POLY1305,
	KTIX_STATS_A_OFFLOAD_AES_CCM_128,
	KTIX_STATS_A_OFFLOAD_FULL,
	KTIX_STATS_A_OFFLOAD_TICKET,
	KTIX_STATS_A_OFFLOAD_SESSION_ID,
	KTIX_STATS_A_OFFLOAD_PSK,
	KTIX_STATS_A_OFFLOAD_ERR_SOCKET,	/* not a connected TCP socket */
	KTIX_STATS_A_OFFLOAD_ERR_ULP,	/* a ULP already attached */
	KTIX_STATS_A_OFFLOAD_ERR_KEYS,	/* lengths, cipher, version */
	KTIX_STATS_A_OFFLOAD_ERR_KTLS,	/* kTLS refused the keys */
	/* Full handshakes after a failed resumption, by enum ktix_resume_miss. */
	KTIX_STATS_A_RESUME_MISS_UNKNOWN_KEY,
	KTIX_STATS_A_RESUME_MISS_BAD_TICKET,
	KTIX_STATS_A_RESUME_MISS_REVOKED,
	KTIX_STATS_A_RESUME_MISS_CACHE_MISS,
	KTIX_STATS_A_RESUME_MISS_EXPIRED,
	KTIX_STATS_A_RESUME_MISS_CONTEXT,
	KTIX_STATS_A_RESUME_MISS_FUTURE,
	KTIX_STATS_A_RESUME_MISS_REVOKE_STALE,
	KTIX_STATS_A_REVOKE_BYTES,	/* gauge: what the handles count */
	KTIX_STATS_A_REVOKE_FULL,	/* REVOKE_ADD refused at the bound */
	KTIX_STATS_A_KEY_UPDATES,	/* OFFLOAD of kind KEY_UPDATE */
	__KTIX_STATS_A_LAST
};

#define KTIX_STATS_A_MAX (__KTIX_STATS_A_LAST - 1)

#endif /* _UAPI_LINUX_KTIX_H */
