// SPDX-License-Identifier: GPL-2.0
/*
 * ktix: the revoked session handles of a network namespace.
 *
 * A helper puts a random 16-byte handle in every session it makes; a
 * revoked handle must not be resumed by any helper (RFC 7486 6.3) until the
 * sessions that carry it can no longer be accepted.  Helpers mirror the
 * set incrementally: every change is announced on the "revoke" group with
 * the set's generation, an addition with its handle and time, so that a
 * mirror applies it without reading the set again; a helper that sees a
 * generation skipped knows it is behind, refuses to resume until it has
 * read the set again (the dump), and then applies what was announced
 * meanwhile.  The set only grows until entries run out of time, so
 * applying an announcement twice, or one the dump already showed, is
 * harmless.
 *
 * The set is bounded by the policy's revoke_bytes, counted at
 * KTIX_REVOKE_ENTRY_COST a handle (the entry and its share of the hash
 * table), and charged to the memory cgroup of whoever revokes.  At the
 * bound a revocation is refused with ENOSPC and counted, never dropped: a
 * revocation forgotten silently would let a logged-out session resume.
 *
 * Entries past their time are purged in batches, at most every
 * REVOKE_PURGE_GAP seconds: a purge walks the whole set, and one per
 * expiring entry would walk it a million times a day.  An entry kept a
 * little past its time only refuses a session that has run out anyway.
 *
 * Changes run under kn->lock; lookups and the dump walk the table under
 * RCU.
 */

#include <linux/netlink.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "main.h"
#include "netlink.h"
#include "revoke.h"
#include "stats.h"

/* The worker sleeps at most this long (seconds) between purges. */
#define REVOKE_MAX_SLEEP	86400
/* Purges are at least this far apart (seconds). */
#define REVOKE_PURGE_GAP	60

static struct kmem_cache *ktix_revoked_slab __ro_after_init;

static const struct rhashtable_params ktix_revoked_params = {
	.key_len = KTIX_REVOKE_HANDLE_LEN,
	.key_offset = offsetof(struct ktix_revoked, handle),
	.head_offset = offsetof(struct ktix_revoked, node),
	.automatic_shrinking = true,
};

static void revoke_changed(struct ktix_net *kn, u32 event,
			   const struct ktix_revoked *r)
{
	WRITE_ONCE(kn->revoke.generation, kn->revoke.generation + 1);
	ktix_genl_notify_revoke(kn->net, event, kn->revoke.generation,
				r ? r->handle : NULL, r ? r->until : 0);
}

static void revoked_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(ktix_revoked_slab,
			container_of(head, struct ktix_revoked, rcu));
}

/*
 * Removes every entry whose time is up and returns how many went; *next is
 * the earliest time left, or 0 for none.
 */
static unsigned int revoke_purge(struct ktix_net *kn, time64_t now,
				 time64_t *next)
{
	struct ktix_revoke *rv = &kn->revoke;
	struct rhashtable_iter iter;
	struct ktix_revoked *r;
	unsigned int gone = 0;

	lockdep_assert_held(&kn->lock);
	*next = 0;
	rhashtable_walk_enter(&rv->ht, &iter);
	rhashtable_walk_start(&iter);
	while ((r = rhashtable_walk_next(&iter))) {
		if (IS_ERR(r)) {
			if (PTR_ERR(r) == -EAGAIN)
				continue;
			break;
		}
		if (r->until > now) {
			if (!*next || r->until < *next)
				*next = r->until;
			continue;
		}
		rhashtable_remove_fast(&rv->ht, &r->node, ktix_revoked_params);
		WRITE_ONCE(rv->n, rv->n - 1);
		call_rcu(&r->rcu, revoked_free_rcu);
		gone++;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	if (gone)
		KTIX_ADD_STATS(kn, KTIX_MIB_REVOKE_EXPIRED, gone);
	return gone;
}

/* Runs the worker at @when, or REVOKE_PURGE_GAP after the last purge. */
static void revoke_schedule(struct ktix_net *kn, time64_t when)
{
	time64_t now = ktime_get_real_seconds();

	if (!when)
		return;
	when = max(when, kn->revoke.last_purge + REVOKE_PURGE_GAP);
	kn->revoke.next_purge = when;
	mod_delayed_work(system_power_efficient_wq, &kn->revoke.work,
			 when > now ?
			 min_t(time64_t, when - now, REVOKE_MAX_SLEEP) * HZ : 0);
}

/* How many handles @kn's policy lets it hold. */
static unsigned long ktix_revoke_max_entries(const struct ktix_net *kn)
{
	return div64_u64(kn->policy.revoke_bytes, KTIX_REVOKE_ENTRY_COST);
}

/**
 * ktix_revoke_fits() - whether @kn's set fits in @bytes
 * @kn: the namespace; its lock is held
 * @bytes: a revoke_bytes the policy would take
 *
 * A smaller bound is refused while the set holds more: revocations are
 * never forgotten to make room.
 *
 * Return: true if the handles held now fit in @bytes.
 */
bool ktix_revoke_fits(const struct ktix_net *kn, u64 bytes)
{
	return div64_u64(bytes, KTIX_REVOKE_ENTRY_COST) >= kn->revoke.n;
}

/**
 * ktix_revoke_add() - revoke a session handle, or extend its revocation
 * @kn: the namespace; its lock is held
 * @handle: KTIX_REVOKE_HANDLE_LEN bytes
 * @until: when the entry may go, or 0 for the longest a session made now
 *	can be accepted (retention plus rotation interval); set to the
 *	entry's time, which a second revocation may have made later
 * @extack: for the reason of a refusal
 *
 * Announces the change on the "revoke" group before it returns.
 *
 * Return: 0; -EINVAL or -ERANGE for @until; -ENOSPC when the set holds
 * what the policy's revoke_bytes allows (counted as KtixRevokeFull);
 * -ENOMEM.
 */
int ktix_revoke_add(struct ktix_net *kn, const u8 *handle, time64_t *until,
		    struct netlink_ext_ack *extack)
{
	struct ktix_revoke *rv = &kn->revoke;
	time64_t now = ktime_get_real_seconds(), next;
	struct ktix_revoked *r;
	int err;

	lockdep_assert_held(&kn->lock);
	if (!*until) {
		*until = now + kn->policy.retention + kn->policy.rotate_interval;
	} else if (*until <= now) {
		NL_SET_ERR_MSG(extack, "until is not in the future");
		return -EINVAL;
	} else if (*until > now + KTIX_REVOKE_MAX_SECS) {
		NL_SET_ERR_MSG(extack,
			       "until is more than KTIX_REVOKE_MAX_SECS (28 days) away");
		return -ERANGE;
	}

	r = rhashtable_lookup_fast(&rv->ht, handle, ktix_revoked_params);
	if (r) {
		/* Readers see the old time or the new one, both revoked. */
		if (*until > r->until)
			WRITE_ONCE(r->until, *until);
		*until = r->until;
		KTIX_INC_STATS(kn, KTIX_MIB_REVOCATIONS);
		revoke_changed(kn, KTIX_REVOKE_EV_ADD, r);
		return 0;
	}

	if (rv->n >= ktix_revoke_max_entries(kn) &&
	    revoke_purge(kn, now, &next)) {
		rv->last_purge = now;
		revoke_changed(kn, KTIX_REVOKE_EV_EXPIRE, NULL);
	}
	if (rv->n >= ktix_revoke_max_entries(kn)) {
		KTIX_INC_STATS(kn, KTIX_MIB_REVOKE_FULL);
		NL_SET_ERR_MSG(extack,
			       "the revocation set holds what the policy's revoke_bytes allows");
		return -ENOSPC;
	}

	r = kmem_cache_zalloc(ktix_revoked_slab, GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	memcpy(r->handle, handle, KTIX_REVOKE_HANDLE_LEN);
	r->until = *until;
	err = rhashtable_insert_fast(&rv->ht, &r->node, ktix_revoked_params);
	if (err) {
		kmem_cache_free(ktix_revoked_slab, r);
		return err;
	}
	WRITE_ONCE(rv->n, rv->n + 1);
	KTIX_INC_STATS(kn, KTIX_MIB_REVOCATIONS);
	revoke_changed(kn, KTIX_REVOKE_EV_ADD, r);

	/* Sooner than the worker's next run?  Then it runs sooner. */
	if (!rv->next_purge || *until < rv->next_purge)
		revoke_schedule(kn, *until);
	return 0;
}

static void revoke_work(struct work_struct *work)
{
	struct ktix_revoke *rv = container_of(to_delayed_work(work),
					      struct ktix_revoke, work);
	struct ktix_net *kn = container_of(rv, struct ktix_net, revoke);
	time64_t next;

	mutex_lock(&kn->lock);
	rv->last_purge = ktime_get_real_seconds();
	if (revoke_purge(kn, rv->last_purge, &next))
		revoke_changed(kn, KTIX_REVOKE_EV_EXPIRE, NULL);
	rv->next_purge = 0;
	revoke_schedule(kn, next);
	mutex_unlock(&kn->lock);
}

/**
 * ktix_revoke_module_init() - create the slab of revoked handles
 *
 * Return: 0, or -ENOMEM.
 */
int __init ktix_revoke_module_init(void)
{
	ktix_revoked_slab = KMEM_CACHE(ktix_revoked, SLAB_ACCOUNT);
	return ktix_revoked_slab ? 0 : -ENOMEM;
}

/**
 * ktix_revoke_module_exit() - destroy the slab, once RCU frees are done
 */
void ktix_revoke_module_exit(void)
{
	/* Entries freed after a grace period use the slab. */
	rcu_barrier();
	kmem_cache_destroy(ktix_revoked_slab);
}

/**
 * ktix_revoke_init() - set up a new namespace's revocation set
 * @kn: the namespace
 *
 * Return: 0, or -ENOMEM.
 */
int ktix_revoke_init(struct ktix_net *kn)
{
	kn->revoke.n = 0;
	kn->revoke.generation = 0;
	kn->revoke.next_purge = 0;
	kn->revoke.last_purge = 0;
	INIT_DELAYED_WORK(&kn->revoke.work, revoke_work);
	return rhashtable_init(&kn->revoke.ht, &ktix_revoked_params);
}

static void revoked_free(void *ptr, void *arg)
{
	kmem_cache_free(ktix_revoked_slab, ptr);
}

/**
 * ktix_revoke_exit() - free the set of a namespace that goes
 * @kn: the namespace; no request or worker can reach it any more
 */
void ktix_revoke_exit(struct ktix_net *kn)
{
	cancel_delayed_work_sync(&kn->revoke.work);
	rhashtable_free_and_destroy(&kn->revoke.ht, revoked_free, NULL);
	kn->revoke.n = 0;
}
