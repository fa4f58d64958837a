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
 *                                      otherwise 60 to 604800
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
 */

#ifndef _UAPI_LINUX_KTIX_H
#define _UAPI_LINUX_KTIX_H

#include <linux/types.h>

#define KTIX_GENL_NAME		"ktix"
#define KTIX_GENL_VERSION	1

/* The ring never holds more keys than this, whatever the policy says. */
#define KTIX_MAX_KEYS_LIMIT	64

enum ktix_cmd {
	KTIX_CMD_UNSPEC,
	KTIX_CMD_VERSION,
	KTIX_CMD_POLICY_GET,
	KTIX_CMD_POLICY_SET,
	__KTIX_CMD_LAST
};

#define KTIX_CMD_MAX (__KTIX_CMD_LAST - 1)

/* Bits of KTIX_A_FEATURES: what this module implements. */
enum ktix_feature {
	KTIX_F_POLICY		= 1 << 0,	/* KTIX_CMD_POLICY_GET/SET */
};

enum ktix_attr {
	KTIX_A_UNSPEC,
	KTIX_A_PAD,
	KTIX_A_VERSION,
	KTIX_A_FEATURES,
	KTIX_A_POLICY,
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

#endif /* _UAPI_LINUX_KTIX_H */
