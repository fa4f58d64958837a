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
 * every caller.  Every attribute is validated strictly: an unknown
 * attribute, a wrong length or a value out of range is refused with
 * -EINVAL or -ERANGE and an extended-ACK message naming the attribute.
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
 *                                      rotations, 0 for manual rotation,
 *                                      otherwise 1 to 604800
 *       KTIX_POLICY_A_RETENTION: u32, seconds a retiring key still
 *                                decrypts, 60 to 1209600, never less than
 *                                the ticket lifetime
 *       KTIX_POLICY_A_TICKET_LIFETIME: u32, seconds, 60 to 604800
 *                                      (RFC 8446 4.6.1: at most 7 days)
 *       KTIX_POLICY_A_MAX_KEYS: u32, 2 to KTIX_MAX_KEYS_LIMIT; with
 *                               automatic rotation at least
 *                               2 + ceil(retention / rotate_interval)
 *       KTIX_POLICY_A_CACHE_ENTRIES: u32, session-ID cache entries,
 *                                    1 to 10000000
 *       KTIX_POLICY_A_CACHE_BYTES: u64, session-ID cache payload bytes,
 *                                  65536 to 17179869184
 *       KTIX_POLICY_A_SESSION_LIFETIME: u32, seconds a cached session
 *                                       lives at most, 1 to 86400
 *       KTIX_POLICY_A_SESSION_MAX_SIZE: u32, largest DER session accepted,
 *                                       64 to 65000 bytes
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
 *     KTIX_A_FLAGS: u32, optional; KTIX_F_KEY_MATERIAL [admin] adds the keys
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
 *                                               KTIX_F_KEY_MATERIAL
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
 *   Errors: EEXIST (name taken, or a second next key), ENOSPC (ring
 *   full), EINVAL (no primary yet; a key of neither 16 nor 32 bytes),
 *   ERANGE (a key shorter than 16 or longer than 32 bytes; decrypt_until
 *   later than the retention allows).
 *
 * KTIX_CMD_KEY_DEL [admin]
 *   Request: KTIX_A_KEY { KTIX_KEY_A_NAME }.  The primary cannot be deleted
 *   while other keys remain (EBUSY: rotate first).  The key is wiped.
 *
 * KTIX_CMD_KEY_ROTATE [admin]
 *   Request: no attributes.  The next key (without one, a fresh random
 *   key) becomes the primary, the primary retires, and a fresh next key is
 *   made.  When the ring is full, the retiring key closest to expiry is
 *   wiped early, never the primary being retired.
 *   Reply: KTIX_A_GENERATION.
 *
 * KTIX_CMD_RING_NOTIFY (multicast on KTIX_MCGRP_RING only)
 *     KTIX_A_EVENT: u32, enum ktix_ring_event
 *     KTIX_A_GENERATION: u64, the generation after the change
 */

#ifndef _UAPI_LINUX_KTIX_H
#define _UAPI_LINUX_KTIX_H

#include <linux/types.h>

#define KTIX_GENL_NAME		"ktix"
#define KTIX_GENL_VERSION	1

#define KTIX_MCGRP_RING		"ring"

/* The ring never holds more keys than this, whatever the policy says. */
#define KTIX_MAX_KEYS_LIMIT	64

#define KTIX_KEY_NAME_LEN	16

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
	__KTIX_CMD_LAST
};

#define KTIX_CMD_MAX (__KTIX_CMD_LAST - 1)

/* Bits of KTIX_A_FEATURES: what this module implements. */
enum ktix_feature {
	KTIX_F_POLICY		= 1 << 0,	/* KTIX_CMD_POLICY_GET/SET */
	KTIX_F_RING		= 1 << 1,	/* KTIX_CMD_KEY_*, KTIX_MCGRP_RING */
};

/* Bits of KTIX_A_FLAGS. */
enum ktix_flags {
	KTIX_F_KEY_MATERIAL	= 1 << 0,	/* KEY_GET: include the keys */
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
	__KTIX_RING_EV_LAST
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

#endif /* _UAPI_LINUX_KTIX_H */
