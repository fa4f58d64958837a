/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix: the session-ID cache of a network namespace.
 */
#ifndef _KTIX_CACHE_H
#define _KTIX_CACHE_H

#include <linux/list.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <uapi/linux/ktix.h>

struct ktix_net;
struct ktix_policy;
struct netlink_ext_ack;

/* Zero-padded, so that the whole struct is the hash key. */
struct ktix_sess_key {
	u8 len;
	u8 id[KTIX_SESS_ID_MAX_LEN];
};

struct ktix_sess {
	struct rhash_head node;
	struct ktix_sess_key key;
	bool dead;			/* unlinked; under the cache lock */
	u32 size;
	union {
		struct list_head lru;	/* while linked, under the lock */
		struct rcu_head rcu;	/* once dead */
	};
	time64_t created;
	time64_t expires;
	u8 *data;
};

struct ktix_cache {
	struct rhashtable ht;
	/* The LRU list, the counts, the limits and every entry's dead flag. */
	spinlock_t lock;
	struct list_head lru;		/* least recently used first */
	unsigned int n;
	u64 bytes;			/* IDs plus sessions */
	u32 max_entries;
	u64 max_bytes;
	u32 max_lifetime;
	u32 max_size;
	struct delayed_work gc;
};

int ktix_cache_module_init(void);
void ktix_cache_module_exit(void);

int ktix_cache_init(struct ktix_net *kn);
void ktix_cache_exit(struct ktix_net *kn);
/* Takes the limits of p; evicts what no longer fits. */
void ktix_cache_set_policy(struct ktix_net *kn, const struct ktix_policy *p);

int ktix_cache_put(struct ktix_net *kn, const struct ktix_sess_key *key,
		   const u8 *data, u32 size, u32 lifetime,
		   struct netlink_ext_ack *extack);
struct ktix_sess *ktix_cache_lookup_rcu(struct ktix_net *kn,
					const struct ktix_sess_key *key);
void ktix_cache_hit(struct ktix_net *kn, struct ktix_sess *s);
void ktix_cache_miss(struct ktix_net *kn);
bool ktix_sess_live(const struct ktix_sess *s, time64_t now);
int ktix_cache_del(struct ktix_net *kn, const struct ktix_sess_key *key);
void ktix_cache_flush(struct ktix_net *kn);

#endif /* _KTIX_CACHE_H */
