// SPDX-License-Identifier: GPL-2.0
/*
 * ktix: the per-namespace policy for the ticket-key ring and session cache.
 *
 * Documentation/ktix.rst explains the defaults.  Each field's bounds and
 * default are in <ktix/tables.h>, its bounds enforced by the netlink
 * policy (netlink.c); this file holds the rules that tie the fields
 * together.
 */

#include <linux/math.h>
#include <linux/netlink.h>
#include <uapi/linux/ktix.h>

#include "policy.h"

/**
 * ktix_policy_init() - a new namespace's policy
 * @p: filled with the defaults of <ktix/tables.h>
 */
void ktix_policy_init(struct ktix_policy *p)
{
#define KTIX_POLICY(attr, field, name, type, lo, hi, def, unit)	.field = def,
	*p = (struct ktix_policy) {
#include <ktix/tables.h>
	};
}

/**
 * ktix_policy_check() - check the rules that tie the fields together
 * @p: a policy whose fields are each in range
 * @extack: for the rule broken
 *
 * Return: 0, or -EINVAL when the retention is shorter than the ticket
 * lifetime, max_keys cannot hold the keys retained at the rotation
 * interval, or external keys are asked for with automatic rotation.
 */
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

	if (p->external_keys && p->rotate_interval) {
		NL_SET_ERR_MSG(extack,
			       "external-keys needs rotate-interval 0: the module then makes no keys of its own");
		return -EINVAL;
	}

	return 0;
}
