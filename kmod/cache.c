// SPDX-License-Identifier: GPL-2.0
/*
 * ktix: the session-ID cache of a network namespace.
 *
 * An rhashtable keyed by session ID: lookups from many helper threads
 * find the entry under RCU, without a lock, and copy the session into the
 * reply there.  A spinlock guards the rest: the LRU list (least recently
 * used first), the entry and byte counts, the limits taken from the policy
 * and each entry's dead flag.  A hit takes it for a moment, to move the
 * entry to the list's end; nothing sleeps under it.
 *
 * An entry leaves the table and the list together, under the lock, and is
 * freed after a grace period, its session wiped first.  Expired entries are
 * never returned: lookups check the time, and a periodic worker purges
 * them.
 */

#include <linux/netlink.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "cache.h"
#include "main.h"
#include "stats.h"

/* The worker's period while the cache is not empty, and its batch. */
#define CACHE_GC_PERIOD	(2 * HZ)
#define CACHE_BATCH	256

static struct kmem_cache *ktix_sess_slab __ro_after_init;

static const struct rhashtable_params ktix_sess_params = {
	.key_len = sizeof(struct ktix_sess_key),
	.key_offset = offsetof(struct ktix_sess, key),
	.head_offset = offsetof(struct ktix_sess, node),
	.automatic_shrinking = true,
};

static u64 sess_cost(const struct ktix_sess *s)
{
	return s->key.len + s->size;
}

static void sess_free(struct ktix_sess *s)
{
	kfree_sensitive(s->data);
	memzero_explicit(s, sizeof(*s));
	kmem_cache_free(ktix_sess_slab, s);
}

static void sess_free_rcu(struct rcu_head *head)
{
	sess_free(container_of(head, struct ktix_sess, rcu));
}

/**
 * ktix_sess_live() - whether a cached session may still be returned
 * @s: the entry
 * @now: the time, in seconds since the epoch
 *
 * Return: true if @s is linked and has not expired at @now.
 */
bool ktix_sess_live(const struct ktix_sess *s, time64_t now)
{
	return s->expires > now;
}

/*
 * Takes s out of the list and the counts and frees it after a grace period.
 * The caller has taken it out of the table, or replaced it there.
 */
static void sess_drop(struct ktix_cache *c, struct ktix_sess *s)
{
	lockdep_assert_held(&c->lock);
	list_del(&s->lru);
	s->dead = true;
	c->n--;
	c->bytes -= sess_cost(s);
	call_rcu(&s->rcu, sess_free_rcu);
}

static void sess_unlink(struct ktix_cache *c, struct ktix_sess *s)
{
	lockdep_assert_held(&c->lock);
	rhashtable_remove_fast(&c->ht, &s->node, ktix_sess_params);
	sess_drop(c, s);
}

/* Evicts least recently used entries until extra more fit. */
static void cache_make_room(struct ktix_net *kn, u64 extra_bytes,
			    unsigned int extra_n)
{
	struct ktix_cache *c = &kn->cache;
	struct ktix_sess *s;

	lockdep_assert_held(&c->lock);
	while (c->n + extra_n > c->max_entries ||
	       c->bytes + extra_bytes > c->max_bytes) {
		s = list_first_entry_or_null(&c->lru, struct ktix_sess, lru);
		if (!s)
			break;
		sess_unlink(c, s);
		KTIX_INC_STATS(kn, KTIX_MIB_SESS_EVICTIONS);
	}
}

/**
 * ktix_cache_put() - cache a session under its ID, replacing any entry
 * @kn: the namespace
 * @key: the session ID, zero-padded
 * @data: the DER-encoded session, copied
 * @size: its length in bytes
 * @lifetime: seconds it may live; 0 or more than the policy's
 *	session_lifetime means that
 * @extack: for the reason of a refusal
 *
 * Evicts the least recently used entries for room first.  Takes the
 * cache's spinlock; may sleep to allocate.
 *
 * Return: 0; -EMSGSIZE when @size exceeds the policy's session_max_size;
 * -ENOMEM, or an errno of the hash table when it could not grow.
 */
int ktix_cache_put(struct ktix_net *kn, const struct ktix_sess_key *key,
		   const u8 *data, u32 size, u32 lifetime,
		   struct netlink_ext_ack *extack)
{
	struct ktix_cache *c = &kn->cache;
	time64_t now = ktime_get_real_seconds();
	struct ktix_sess *s, *old;
	int err = 0;

	s = kmem_cache_zalloc(ktix_sess_slab, GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->data = kmemdup(data, size, GFP_KERNEL);
	if (!s->data) {
		kmem_cache_free(ktix_sess_slab, s);
		return -ENOMEM;
	}
	s->key = *key;
	s->size = size;
	s->created = now;

	spin_lock(&c->lock);
	if (size > c->max_size) {
		NL_SET_ERR_MSG(extack,
			       "the session is larger than the policy's session_max_size");
		err = -EMSGSIZE;
		goto out_unlock;
	}
	if (!lifetime || lifetime > c->max_lifetime)
		lifetime = c->max_lifetime;
	s->expires = now + lifetime;

	old = rhashtable_lookup_fast(&c->ht, key, ktix_sess_params);
	if (old) {
		err = rhashtable_replace_fast(&c->ht, &old->node, &s->node,
					      ktix_sess_params);
		if (err)
			goto out_unlock;
		sess_drop(c, old);
	}
	cache_make_room(kn, sess_cost(s), 1);
	if (!old) {
		err = rhashtable_insert_fast(&c->ht, &s->node, ktix_sess_params);
		if (err) {
			NL_SET_ERR_MSG(extack, "the cache's table could not grow");
			goto out_unlock;
		}
	}
	list_add_tail(&s->lru, &c->lru);
	c->n++;
	c->bytes += sess_cost(s);
	spin_unlock(&c->lock);

	KTIX_INC_STATS(kn, KTIX_MIB_SESS_PUTS);
	/* Does nothing when the worker is already queued. */
	queue_delayed_work(system_power_efficient_wq, &c->gc, CACHE_GC_PERIOD);
	return 0;

out_unlock:
	spin_unlock(&c->lock);
	sess_free(s);
	return err;
}

/**
 * ktix_cache_lookup_rcu() - find the live entry of a session ID
 * @kn: the namespace
 * @key: the session ID, zero-padded
 *
 * Called under rcu_read_lock(); the entry stays valid until it is
 * released.  Takes no lock on a miss; a hit is then counted, and the
 * entry made most recently used, by ktix_cache_hit(), which takes the
 * cache's spinlock.  A NULL answer is counted by ktix_cache_miss().
 *
 * Return: the entry, or NULL.
 */
struct ktix_sess *ktix_cache_lookup_rcu(struct ktix_net *kn,
					const struct ktix_sess_key *key)
{
	struct ktix_sess *s;

	s = rhashtable_lookup(&kn->cache.ht, key, ktix_sess_params);
	if (s && !ktix_sess_live(s, ktime_get_real_seconds()))
		return NULL;
	return s;
}

/**
 * ktix_cache_hit() - count a hit and make the entry most recently used
 * @kn: the namespace
 * @s: the entry ktix_cache_lookup_rcu() returned, under the same RCU read
 *	section
 */
void ktix_cache_hit(struct ktix_net *kn, struct ktix_sess *s)
{
	struct ktix_cache *c = &kn->cache;

	spin_lock(&c->lock);
	if (!s->dead)
		list_move_tail(&s->lru, &c->lru);
	spin_unlock(&c->lock);
	KTIX_INC_STATS(kn, KTIX_MIB_SESS_HITS);
}

/**
 * ktix_cache_miss() - count a lookup that found no live entry
 * @kn: the namespace
 */
void ktix_cache_miss(struct ktix_net *kn)
{
	KTIX_INC_STATS(kn, KTIX_MIB_SESS_MISSES);
}

/**
 * ktix_cache_del() - remove and wipe the entry of a session ID
 * @kn: the namespace
 * @key: the session ID, zero-padded
 *
 * Return: 0, or -ENOENT when no entry has that ID.
 */
int ktix_cache_del(struct ktix_net *kn, const struct ktix_sess_key *key)
{
	struct ktix_cache *c = &kn->cache;
	struct ktix_sess *s;
	int err = -ENOENT;

	spin_lock(&c->lock);
	s = rhashtable_lookup_fast(&c->ht, key, ktix_sess_params);
	if (s) {
		sess_unlink(c, s);
		err = 0;
	}
	spin_unlock(&c->lock);
	if (!err)
		KTIX_INC_STATS(kn, KTIX_MIB_SESS_DELETES);
	return err;
}

/**
 * ktix_cache_flush() - remove and wipe every entry
 * @kn: the namespace
 */
void ktix_cache_flush(struct ktix_net *kn)
{
	struct ktix_cache *c = &kn->cache;
	struct ktix_sess *s;
	unsigned int i;
	bool more = true;

	/* In batches, so that lookups and other CPUs are not held up. */
	while (more) {
		spin_lock(&c->lock);
		for (i = 0; i < CACHE_BATCH; i++) {
			s = list_first_entry_or_null(&c->lru, struct ktix_sess,
						     lru);
			if (!s)
				break;
			sess_unlink(c, s);
			KTIX_INC_STATS(kn, KTIX_MIB_SESS_DELETES);
		}
		more = !list_empty(&c->lru);
		spin_unlock(&c->lock);
		cond_resched();
	}
}

/**
 * ktix_cache_set_policy() - take the cache's limits from a policy
 * @kn: the namespace
 * @p: the new policy, already checked
 *
 * Evicts at once, least recently used first, what no longer fits.  The
 * new lifetime applies to sessions put afterwards.
 */
void ktix_cache_set_policy(struct ktix_net *kn, const struct ktix_policy *p)
{
	struct ktix_cache *c = &kn->cache;

	spin_lock(&c->lock);
	c->max_entries = p->cache_entries;
	c->max_bytes = p->cache_bytes;
	c->max_lifetime = p->session_lifetime;
	c->max_size = p->session_max_size;
	cache_make_room(kn, 0, 0);
	spin_unlock(&c->lock);
}

static void cache_gc(struct work_struct *work)
{
	struct ktix_cache *c = container_of(to_delayed_work(work),
					    struct ktix_cache, gc);
	struct ktix_net *kn = container_of(c, struct ktix_net, cache);
	time64_t now = ktime_get_real_seconds();
	struct rhashtable_iter iter;
	struct ktix_sess *s;
	unsigned int seen = 0;
	bool empty;

	rhashtable_walk_enter(&c->ht, &iter);
	rhashtable_walk_start(&iter);
	while ((s = rhashtable_walk_next(&iter))) {
		if (IS_ERR(s)) {
			if (PTR_ERR(s) == -EAGAIN)
				continue;	/* the table was resized */
			break;
		}
		if (ktix_sess_live(s, now))
			goto next;
		spin_lock(&c->lock);
		if (!s->dead) {
			sess_unlink(c, s);
			KTIX_INC_STATS(kn, KTIX_MIB_SESS_EXPIRATIONS);
		}
		spin_unlock(&c->lock);
next:
		if (++seen % CACHE_BATCH == 0) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);

	spin_lock(&c->lock);
	empty = !c->n;
	spin_unlock(&c->lock);
	/* The next put queues the worker again. */
	if (!empty)
		queue_delayed_work(system_power_efficient_wq, &c->gc,
				   CACHE_GC_PERIOD);
}

/**
 * ktix_cache_init() - set up a new namespace's cache
 * @kn: the namespace, its policy set
 *
 * Return: 0, or -ENOMEM.
 */
int ktix_cache_init(struct ktix_net *kn)
{
	struct ktix_cache *c = &kn->cache;

	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->lru);
	c->n = 0;
	c->bytes = 0;
	INIT_DELAYED_WORK(&c->gc, cache_gc);
	return rhashtable_init(&c->ht, &ktix_sess_params);
}

static void sess_free_now(void *ptr, void *arg)
{
	sess_free(ptr);
}

/**
 * ktix_cache_exit() - wipe and free every entry of a namespace that goes
 * @kn: the namespace; no request or worker can reach it any more
 */
void ktix_cache_exit(struct ktix_net *kn)
{
	struct ktix_cache *c = &kn->cache;

	/*
	 * The namespace has no socket left to ask: nothing reads or changes
	 * the table but the worker, stopped first.
	 */
	cancel_delayed_work_sync(&c->gc);
	rhashtable_free_and_destroy(&c->ht, sess_free_now, NULL);
	INIT_LIST_HEAD(&c->lru);
	c->n = 0;
	c->bytes = 0;
}

/**
 * ktix_cache_module_init() - create the slab of cache entries
 *
 * Return: 0, or -ENOMEM.
 */
int __init ktix_cache_module_init(void)
{
	ktix_sess_slab = KMEM_CACHE(ktix_sess, 0);
	return ktix_sess_slab ? 0 : -ENOMEM;
}

/**
 * ktix_cache_module_exit() - destroy the slab, once RCU frees are done
 */
void ktix_cache_module_exit(void)
{
	/* Entries freed after a grace period use the slab. */
	rcu_barrier();
	kmem_cache_destroy(ktix_sess_slab);
}
