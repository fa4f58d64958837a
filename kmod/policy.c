// SPDX-License-Identifier: GPL-2.0
/*
 * ktix: the per-namespace policy for the ticket-key ring and session cache.
 *
 * Documentation/ktix.rst explains the defaults.  The bounds of each field
 * alone are enforced by the netlink policy (netlink.c); this file holds the
 * defaults and the rules that tie the fields together.
 */

#include <linux/math.h>
#include <linux/netlink.h>
#include <uapi/linux/ktix.h>

#include "policy.h"

void ktix_policy_init(struct ktix_policy *p)
{
	*p = (struct ktix_policy) {
		.rotate_interval = 3600,	/* 1 hour */
		.retention = 12 * 3600,		/* 12 hours */
		.ticket_lifetime = 12 * 3600,	/* 12 hours */
		.max_keys = 16,
		.cache_entries = 100000,
		.cache_bytes = 64ULL << 20,	/* 64 MiB */
		.session_lifetime = 3600,	/* 1 hour */
		.session_max_size = 16384,
		/*
		 * 1677721 handles at KTIX_REVOKE_ENTRY_COST: 35 revocations
		 * a second, sustained, at the default 13 hours an entry
		 * lasts (retention plus rotation interval).
		 */
		.revoke_bytes = 128ULL << 20,
	};
}

int ktix_policy_check(const struct ktix_policy *p,
		      struct netlink_ext_ack *extack)
{
	if (p->retention < p->ticket_lifetime) {
		NL_SET_ERR_MSG(extack,
			       "retention is shorter than the ticket lifetime: tickets would outlive their key");
		return -EINVAL;
	}

	/*
	 * With automatic rotation the ring holds the next key, the primary and
	 * every retiring key still inside its retention: one retires per
	 * interval.
	 */
	if (p->rotate_interval &&
	    p->max_keys < 2 + DIV_ROUND_UP(p->retention, p->rotate_interval)) {
		NL_SET_ERR_MSG(extack,
			       "max_keys is too small to hold the keys retained at this rotation interval");
		return -EINVAL;
	}

	return 0;
}
