/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix: the revoked session handles of a network namespace.
 */
#ifndef _KTIX_REVOKE_H
#define _KTIX_REVOKE_H

#include <linux/rhashtable-types.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <uapi/linux/ktix.h>

struct ktix_net;
struct netlink_ext_ack;

/*
 * What one revoked handle costs, in bytes, for the policy's revoke_bytes:
 * the entry (48 bytes on x86-64), its memory-cgroup record, and its share
 * of the hash table at the lowest fill the table keeps (30 %).
 */
#define KTIX_REVOKE_ENTRY_COST	80

struct ktix_revoked {
	struct rhash_head node;
	u8 handle[KTIX_REVOKE_HANDLE_LEN];
	time64_t until;
	struct rcu_head rcu;
};

struct ktix_revoke {
	struct rhashtable ht;		/* changed under kn->lock */
	unsigned int n;
	u64 generation;			/* bumped by every change */
	time64_t next_purge;		/* when the worker runs; 0: never */
	time64_t last_purge;
	struct delayed_work work;	/* purges what has run out */
};

int ktix_revoke_module_init(void);
void ktix_revoke_module_exit(void);
int ktix_revoke_init(struct ktix_net *kn);
void ktix_revoke_exit(struct ktix_net *kn);
int ktix_revoke_add(struct ktix_net *kn, const u8 *handle, time64_t *until,
		    struct netlink_ext_ack *extack);
bool ktix_revoke_fits(const struct ktix_net *kn, u64 bytes);

#endif /* _KTIX_REVOKE_H */
