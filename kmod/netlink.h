/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix: the generic netlink family "ktix".
 */
#ifndef _KTIX_NETLINK_H
#define _KTIX_NETLINK_H

#include <linux/types.h>

struct net;

int ktix_genl_init(void);
void ktix_genl_notify_ring(struct net *net, u32 event, u64 generation);
void ktix_genl_notify_revoke(struct net *net, u32 event, u64 generation,
			     const u8 *handle, u64 until);
void ktix_genl_exit(void);

#endif /* _KTIX_NETLINK_H */
