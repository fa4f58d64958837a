// SPDX-License-Identifier: GPL-2.0
/*
 * ktix: the revoked session handles of a network namespace.
 *
 * A helper puts a random 16-byte handle in every ticket it issues; a
 * revoked handle must not be resumed by any helper (RFC 7486 6.3) until the
 * tickets that carry it can no longer be accepted.  Helpers mirror the set:
 * every change is announced, with the handle, on the "revoke" group, and
 * the dump serves a fresh mirror.  The set is bounded (KTIX_REVOKE_LIMIT)
 * and refuses, never forgets, when full: a revocation dropped silently
 * would let a logged-out session resume.
 *
 * Changes run under kn->lock; the dump walks the table under RCU.
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
		kfree_rcu(r, rcu);
		gone++;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	if (gone)
		KTIX_ADD_STATS(kn, KTIX_MIB_REVOKE_EXPIRED, gone);
	return gone;
}

static void revoke_schedule(struct ktix_net *kn, time64_t when)
{
	time64_t now = ktime_get_real_seconds();

	if (!when)
		return;
	mod_delayed_work(system_power_efficient_wq, &kn->revoke.work,
			 when > now ?
			 min_t(time64_t, when - now, REVOKE_MAX_SLEEP) * HZ : 0);
}

int ktix_revoke_add(struct ktix_net *kn, const u8 *handle, time64_t until,
		    struct netlink_ext_ack *extack)
{
	struct ktix_revoke *rv = &kn->revoke;
	time64_t now = ktime_get_real_seconds(), next;
	struct ktix_revoked *r;
	int err;

	lockdep_assert_held(&kn->lock);
	if (!until) {
		until = now + kn->policy.retention + kn->policy.rotate_interval;
	} else if (until <= now) {
		NL_SET_ERR_MSG(extack, "until is not in the future");
		return -EINVAL;
	} else if (until > now + KTIX_REVOKE_MAX_SECS) {
		NL_SET_ERR_MSG(extack,
			       "until is more than KTIX_REVOKE_MAX_SECS (28 days) away");
		return -ERANGE;
	}

	r = rhashtable_lookup_fast(&rv->ht, handle, ktix_revoked_params);
	if (r) {
		/* Readers see the old time or the new one, both revoked. */
		if (until > r->until)
			WRITE_ONCE(r->until, until);
		KTIX_INC_STATS(kn, KTIX_MIB_REVOCATIONS);
		revoke_changed(kn, KTIX_REVOKE_EV_ADD, r);
		return 0;
	}

	if (rv->n >= KTIX_REVOKE_LIMIT && revoke_purge(kn, now, &next))
		revoke_changed(kn, KTIX_REVOKE_EV_EXPIRE, NULL);
	if (rv->n >= KTIX_REVOKE_LIMIT) {
		NL_SET_ERR_MSG(extack,
			       "the revocation set is full (KTIX_REVOKE_LIMIT)");
		return -ENOSPC;
	}

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	memcpy(r->handle, handle, KTIX_REVOKE_HANDLE_LEN);
	r->until = until;
	err = rhashtable_insert_fast(&rv->ht, &r->node, ktix_revoked_params);
	if (err) {
		kfree(r);
		return err;
	}
	WRITE_ONCE(rv->n, rv->n + 1);
	KTIX_INC_STATS(kn, KTIX_MIB_REVOCATIONS);
	revoke_changed(kn, KTIX_REVOKE_EV_ADD, r);

	/* Sooner than the worker's next run?  Then it runs sooner. */
	if (!rv->next_purge || until < rv->next_purge) {
		rv->next_purge = until;
		revoke_schedule(kn, until);
	}
	return 0;
}

static void revoke_work(struct work_struct *work)
{
	struct ktix_revoke *rv = container_of(to_delayed_work(work),
					      struct ktix_revoke, work);
	struct ktix_net *kn = container_of(rv, struct ktix_net, revoke);
	time64_t next;

	mutex_lock(&kn->lock);
	if (revoke_purge(kn, ktime_get_real_seconds(), &next))
		revoke_changed(kn, KTIX_REVOKE_EV_EXPIRE, NULL);
	kn->revoke.next_purge = next;
	revoke_schedule(kn, next);
	mutex_unlock(&kn->lock);
}

int ktix_revoke_init(struct ktix_net *kn)
{
	kn->revoke.n = 0;
	kn->revoke.generation = 0;
	kn->revoke.next_purge = 0;
	INIT_DELAYED_WORK(&kn->revoke.work, revoke_work);
	return rhashtable_init(&kn->revoke.ht, &ktix_revoked_params);
}

static void revoked_free(void *ptr, void *arg)
{
	kfree(ptr);
}

void ktix_revoke_exit(struct ktix_net *kn)
{
	cancel_delayed_work_sync(&kn->revoke.work);
	rhashtable_free_and_destroy(&kn->revoke.ht, revoked_free, NULL);
	kn->revoke.n = 0;
}
