/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix: the per-namespace policy for the ticket-key ring and session cache.
 */
#ifndef _KTIX_POLICY_H
#define _KTIX_POLICY_H

#include <linux/types.h>

struct netlink_ext_ack;

struct ktix_policy {
	u32 rotate_interval;	/* seconds, 0 = manual rotation */
	u32 retention;		/* seconds a retiring key decrypts */
	u32 ticket_lifetime;	/* seconds */
	u32 max_keys;
	u32 cache_entries;
	u64 cache_bytes;
	u32 session_lifetime;	/* seconds */
	u32 session_max_size;	/* bytes */
	u64 revoke_bytes;	/* what the revocation set may use */
	u32 external_keys;	/* 1: keys come from outside only */
};

void ktix_policy_init(struct ktix_policy *p);
int ktix_policy_check(const struct ktix_policy *p,
		      struct netlink_ext_ack *extack);

#endif /* _KTIX_POLICY_H */
