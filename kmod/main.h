/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix: per-network-namespace state.
 */
#ifndef _KTIX_MAIN_H
#define _KTIX_MAIN_H

#include <linux/mutex.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "cache.h"
#include "policy.h"
#include "revoke.h"
#include "ring.h"
#include "stats.h"

struct ktix_net {
	struct net *net;
	/* Serializes every change to this namespace's state. */
	struct mutex lock;
	struct ktix_policy policy;
	struct ktix_ring ring;
	struct ktix_cache cache;
	struct ktix_revoke revoke;
	struct ktix_mib __percpu *mib;
};

extern unsigned int ktix_net_id;

static inline struct ktix_net *ktix_pernet(const struct net *net)
{
	return net_generic(net, ktix_net_id);
}

#endif /* _KTIX_MAIN_H */
