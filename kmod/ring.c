// SPDX-License-Identifier: GPL-2.0
/*
 * ktix: the ticket-key ring of a network namespace.
 *
 * Keys are next (decrypt only; becomes primary at the next rotation),
 * primary (the one key that encrypts) or retiring (decrypt only until
 * decrypt_until).  The ring is non-empty only with exactly one primary.
 * With automatic rotation (policy rotate_interval > 0) the module makes
 * its own keys when the namespace first needs them and a delayed work
 * rotates and expires them; with manual rotation only commands change the
 * ring, though retiring keys still expire, and next keys added with an
 * encrypt_from time (scheduled: a fleet's pre-published keys) are made
 * primary by the work at that time.  With the policy's external_keys the
 * module never makes a key itself.
 *
 * Everything here runs in process context under kn->lock.  A key that
 * leaves the ring is wiped whole before it is freed.
 */

#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "main.h"
#include "netlink.h"
#include "ring.h"
#include "stats.h"

/* The worker wakes at least this often (seconds) and retries this soon. */
#define RING_MAX_SLEEP	86400
#define RING_RETRY	10

static void ring_key_free(struct ktix_key *k)
{
	memzero_explicit(k, sizeof(*k));
	kfree(k);
}

static void ring_key_unlink(struct ktix_net *kn, struct ktix_key *k)
{
	list_del(&k->list);
	WRITE_ONCE(kn->ring.nkeys, kn->ring.nkeys - 1);
	ring_key_free(k);
	KTIX_INC_STATS(kn, KTIX_MIB_KEYS_WIPED);
}

static struct ktix_key *ring_key_find_state(struct ktix_net *kn,
					    enum ktix_key_state state)
{
	struct ktix_key *k;

	list_for_each_entry(k, &kn->ring.keys, list)
		if (k->state == state)
			return k;
	return NULL;
}

static struct ktix_key *ring_key_find_name(struct ktix_net *kn, const u8 *name)
{
	struct ktix_key *k;

	list_for_each_entry(k, &kn->ring.keys, list)
		if (!memcmp(k->name, name, KTIX_KEY_NAME_LEN))
			return k;
	return NULL;
}

static void ring_key_link(struct ktix_net *kn, struct ktix_key *k)
{
	list_add_tail(&k->list, &kn->ring.keys);
	WRITE_ONCE(kn->ring.nkeys, kn->ring.nkeys + 1);
}

/* The times of the primary and next keys follow from the policy. */
static void ring_retime(struct ktix_net *kn)
{
	const struct ktix_policy *p = &kn->policy;
	struct ktix_key *primary = ring_key_find_state(kn, KTIX_KEY_STATE_PRIMARY);
	struct ktix_key *next = ring_key_find_state(kn, KTIX_KEY_STATE_NEXT);

	if (primary && !primary->scheduled) {
		primary->encrypt_until = p->rotate_interval ?
			primary->encrypt_from + p->rotate_interval : 0;
		primary->decrypt_until = p->rotate_interval ?
			primary->encrypt_until + p->retention : 0;
	}
	/* The unscheduled next key; scheduled ones keep their times. */
	list_for_each_entry(next, &kn->ring.keys, list)
		if (next->state == KTIX_KEY_STATE_NEXT && !next->scheduled)
			break;
	if (list_entry_is_head(next, &kn->ring.keys, list))
		next = NULL;
	if (next) {
		next->encrypt_from = primary && p->rotate_interval ?
				     primary->encrypt_until : 0;
		next->encrypt_until = next->encrypt_from && p->rotate_interval ?
			next->encrypt_from + p->rotate_interval : 0;
		next->decrypt_until = next->encrypt_until ?
			next->encrypt_until + p->retention : 0;
	}
}

static void ring_schedule(struct ktix_net *kn)
{
	time64_t now = ktime_get_real_seconds(), when = 0;
	struct ktix_key *k;

	list_for_each_entry(k, &kn->ring.keys, list) {
		time64_t t = 0;

		if (k->state == KTIX_KEY_STATE_PRIMARY && kn->policy.rotate_interval)
			t = k->encrypt_until;
		else if (k->state == KTIX_KEY_STATE_RETIRING)
			t = k->decrypt_until;
		else if (k->state == KTIX_KEY_STATE_NEXT && k->scheduled)
			t = k->encrypt_from;
		if (t && (!when || t < when))
			when = t;
	}
	if (!when)
		cancel_delayed_work(&kn->ring.work);
	else
		mod_delayed_work(system_power_efficient_wq, &kn->ring.work,
				 when > now ?
				 min_t(time64_t, when - now, RING_MAX_SLEEP) * HZ : 0);
}

static void ring_changed(struct ktix_net *kn, enum ktix_ring_event ev)
{
	kn->ring.generation++;
	ring_schedule(kn);
	ktix_genl_notify_ring(kn->net, ev, kn->ring.generation);
}

static struct ktix_key *ring_key_new_random(void)
{
	struct ktix_key *k = kzalloc(sizeof(*k), GFP_KERNEL);

	if (!k)
		return NULL;
	get_random_bytes(k->name, sizeof(k->name));
	get_random_bytes(k->aes, sizeof(k->aes));
	get_random_bytes(k->hmac, sizeof(k->hmac));
	k->aes_len = sizeof(k->aes);
	k->hmac_len = sizeof(k->hmac);
	k->created = ktime_get_real_seconds();
	return k;
}

/* Wipe the retiring key closest to expiry to make room; false if none. */
static bool ring_evict_one(struct ktix_net *kn)
{
	struct ktix_key *k, *victim = NULL;

	list_for_each_entry(k, &kn->ring.keys, list)
		if (k->state == KTIX_KEY_STATE_RETIRING &&
		    (!victim || k->decrypt_until < victim->decrypt_until))
			victim = k;
	if (!victim)
		return false;
	ring_key_unlink(kn, victim);
	KTIX_INC_STATS(kn, KTIX_MIB_KEYS_EVICTED);
	return true;
}

/**
 * ktix_ring_prepare() - give an empty ring its first keys
 * @kn: the namespace; its lock is held
 *
 * With automatic rotation, an empty ring gets a random primary and a
 * random next key, as on any first use; with manual rotation, nothing.
 *
 * Return: 0, or -ENOMEM.
 */
int ktix_ring_prepare(struct ktix_net *kn)
{
	struct ktix_key *primary, *next;

	lockdep_assert_held(&kn->lock);
	if (kn->ring.nkeys || !kn->policy.rotate_interval)
		return 0;

	primary = ring_key_new_random();
	next = ring_key_new_random();
	if (!primary || !next) {
		if (primary)
			ring_key_free(primary);
		if (next)
			ring_key_free(next);
		return -ENOMEM;
	}
	primary->state = KTIX_KEY_STATE_PRIMARY;
	primary->encrypt_from = primary->created;
	next->state = KTIX_KEY_STATE_NEXT;
	ring_key_link(kn, primary);
	ring_key_link(kn, next);
	ring_retime(kn);
	ring_changed(kn, KTIX_RING_EV_ADD);
	return 0;
}

/* A scheduled key keeps the decrypt_until it came with. */
static void ring_key_retire(struct ktix_net *kn, struct ktix_key *k, time64_t now)
{
	k->state = KTIX_KEY_STATE_RETIRING;
	k->encrypt_until = now;
	if (!k->scheduled || !k->decrypt_until)
		k->decrypt_until = now + kn->policy.retention;
}

/*
 * Makes the scheduled key whose encrypt_from came last (and has come)
 * the primary; the primary and any scheduled key overtaken retire.  A
 * scheduled key older than a scheduled primary (a slot that arrived
 * late) retires at once instead.  Whether anything changed.
 */
static bool ring_promote_due(struct ktix_net *kn, time64_t now)
{
	struct ktix_key *k, *due = NULL, *primary;

	list_for_each_entry(k, &kn->ring.keys, list)
		if (k->state == KTIX_KEY_STATE_NEXT && k->scheduled &&
		    k->encrypt_from <= now &&
		    (!due || k->encrypt_from > due->encrypt_from))
			due = k;
	if (!due)
		return false;
	primary = ring_key_find_state(kn, KTIX_KEY_STATE_PRIMARY);
	if (primary && primary->scheduled &&
	    primary->encrypt_from >= due->encrypt_from) {
		list_for_each_entry(k, &kn->ring.keys, list)
			if (k->state == KTIX_KEY_STATE_NEXT && k->scheduled &&
			    k->encrypt_from <= now)
				ring_key_retire(kn, k, now);
		return true;
	}
	list_for_each_entry(k, &kn->ring.keys, list)
		if (k != due && (k->state == KTIX_KEY_STATE_PRIMARY ||
				 (k->state == KTIX_KEY_STATE_NEXT &&
				  k->scheduled && k->encrypt_from <= now)))
			ring_key_retire(kn, k, now);
	due->state = KTIX_KEY_STATE_PRIMARY;
	KTIX_INC_STATS(kn, KTIX_MIB_ROTATIONS);
	return true;
}

static int ring_rotate(struct ktix_net *kn)
{
	struct ktix_key *primary, *next, *fresh;
	time64_t now = ktime_get_real_seconds();

	/* Made first, so that a failure changes nothing. */
	fresh = ring_key_new_random();
	if (!fresh)
		return -ENOMEM;

	primary = ring_key_find_state(kn, KTIX_KEY_STATE_PRIMARY);
	next = ring_key_find_state(kn, KTIX_KEY_STATE_NEXT);

	/*
	 * Room comes from the keys already retiring, before the primary joins
	 * them: its tickets are the newest.
	 */
	while (kn->ring.nkeys >= kn->policy.max_keys && ring_evict_one(kn))
		;
	if (primary)
		ring_key_retire(kn, primary, now);

	/* The published key starts encrypting; without one, the fresh key. */
	if (!next) {
		next = fresh;
		ring_key_link(kn, next);
		fresh = ring_key_new_random();
	}
	next->state = KTIX_KEY_STATE_PRIMARY;
	next->encrypt_from = now;

	/* A fresh next key, where there is room (max_keys 2 has none). */
	if (fresh && kn->ring.nkeys < kn->policy.max_keys) {
		fresh->state = KTIX_KEY_STATE_NEXT;
		ring_key_link(kn, fresh);
	} else if (fresh) {
		ring_key_free(fresh);
	}
	ring_retime(kn);
	KTIX_INC_STATS(kn, KTIX_MIB_ROTATIONS);
	return 0;
}

/**
 * ktix_ring_rotate() - rotate now, and announce it
 * @kn: the namespace; its lock is held
 * @extack: for the reason of a refusal
 *
 * The next key (without one, a fresh random key) becomes the primary,
 * the primary retires, and a fresh next key is made; when the ring is
 * full, the retiring key closest to expiry is wiped early.
 *
 * Return: 0; -EOPNOTSUPP with the policy's external_keys (the keys and
 * their schedule come from outside); -ENOMEM.
 */
int ktix_ring_rotate(struct ktix_net *kn, struct netlink_ext_ack *extack)
{
	int err;

	lockdep_assert_held(&kn->lock);
	if (kn->policy.external_keys) {
		NL_SET_ERR_MSG(extack,
			       "the keys come from outside (policy external-keys): schedule the next one with encrypt_from");
		return -EOPNOTSUPP;
	}
	err = ring_rotate(kn);
	if (!err)
		ring_changed(kn, KTIX_RING_EV_ROTATE);
	return err;
}

/**
 * ktix_ring_key_len_valid() - whether a ticket key has a usable length
 * @len: the length of an AES or HMAC key, in bytes
 *
 * Tickets are encrypted with AES-128 or AES-256 and authenticated with
 * HMAC-SHA256 keyed with 16 or 32 bytes, as OpenSSL and nginx make them.
 *
 * Return: true for 16 and 32.
 */
bool ktix_ring_key_len_valid(unsigned int len)
{
	return len == 16 || len == 32;
}

/**
 * ktix_ring_policy_fits() - whether the ring fits a new policy
 * @kn: the namespace; its lock is held
 * @p: the policy about to be set
 * @extack: for the reason of a refusal
 *
 * Keys are never dropped to fit a smaller max_keys.
 *
 * Return: 0, or -EBUSY when the ring holds more keys than @p allows.
 */
int ktix_ring_policy_fits(struct ktix_net *kn, const struct ktix_policy *p,
			  struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&kn->lock);
	if (p->max_keys < kn->ring.nkeys) {
		NL_SET_ERR_MSG(extack,
			       "the ring holds more keys than that: delete some first");
		return -EBUSY;
	}
	return 0;
}

/* The next key without a schedule, or NULL. */
static struct ktix_key *ring_key_unscheduled_next(struct ktix_net *kn)
{
	struct ktix_key *k;

	list_for_each_entry(k, &kn->ring.keys, list)
		if (k->state == KTIX_KEY_STATE_NEXT && !k->scheduled)
			return k;
	return NULL;
}

/* The rules for a scheduled key's times: 0, -EINVAL, -ERANGE, -EEXIST. */
static int ring_schedule_check(struct ktix_net *kn,
			       const struct ktix_key_params *p,
			       struct netlink_ext_ack *extack)
{
	time64_t last = max(p->encrypt_from, p->encrypt_until);
	struct ktix_key *k;

	if (!p->has_encrypt_from)
		return 0;
	if (p->state != KTIX_KEY_STATE_NEXT) {
		NL_SET_ERR_MSG(extack, "encrypt_from schedules a next key only");
		return -EINVAL;
	}
	if (kn->policy.rotate_interval) {
		NL_SET_ERR_MSG(extack,
			       "scheduled keys need manual rotation (rotate-interval 0): the module rotates on its own");
		return -EINVAL;
	}
	if (p->encrypt_from <= 0 ||
	    (p->encrypt_until && p->encrypt_until <= p->encrypt_from)) {
		NL_SET_ERR_MSG(extack,
			       "encrypt_from must be a time, and before encrypt_until");
		return -EINVAL;
	}
	if (p->has_decrypt_until && p->decrypt_until <= last) {
		NL_SET_ERR_MSG(extack,
			       "decrypt_until must come after encrypt_from and encrypt_until");
		return -EINVAL;
	}
	if (p->has_decrypt_until &&
	    p->decrypt_until - last > kn->policy.retention) {
		NL_SET_ERR_MSG(extack,
			       "decrypt_until is later than the policy's retention allows");
		return -ERANGE;
	}
	list_for_each_entry(k, &kn->ring.keys, list)
		if (k->state == KTIX_KEY_STATE_NEXT && k->scheduled &&
		    k->encrypt_from == p->encrypt_from) {
			NL_SET_ERR_MSG(extack,
				       "a key is scheduled for that encrypt_from already");
			return -EEXIST;
		}
	return 0;
}

/**
 * ktix_ring_add() - add a key to the ring, and announce it
 * @kn: the namespace; its lock is held
 * @p: the key and its state; its material is copied
 * @extack: for the reason of a refusal
 *
 * A primary added retires the current one.  A next key with encrypt_from
 * (manual rotation only) is scheduled: it keeps the times it came with
 * and becomes the primary at encrypt_from, at once if that has passed.
 *
 * The key lengths are the caller's to check, with ktix_ring_key_len_valid(),
 * where the attribute that is wrong can be named.
 *
 * Return: 0; -EINVAL (decrypt_until for a key that is not retiring or
 * scheduled, or in the past; no primary yet for a key that is neither one
 * nor scheduled; an unscheduled next key under external_keys; times of a
 * scheduled key out of order); -EEXIST (the name is taken, a second
 * unscheduled next key, or a key scheduled for the same time); -ENOSPC
 * (the ring holds the policy's max_keys); -ERANGE (decrypt_until beyond
 * the retention); -ENOMEM.
 */
int ktix_ring_add(struct ktix_net *kn, const struct ktix_key_params *p,
		  struct netlink_ext_ack *extack)
{
	time64_t now = ktime_get_real_seconds();
	struct ktix_key *k, *primary;
	bool promoted;
	int err;

	lockdep_assert_held(&kn->lock);
	if (p->has_decrypt_until && p->state != KTIX_KEY_STATE_RETIRING &&
	    !p->has_encrypt_from) {
		NL_SET_ERR_MSG(extack,
			       "decrypt_until is for retiring or scheduled keys only");
		return -EINVAL;
	}
	err = ring_schedule_check(kn, p, extack);
	if (err)
		return err;
	if (ring_key_find_name(kn, p->name)) {
		NL_SET_ERR_MSG(extack, "a key with this name is in the ring");
		return -EEXIST;
	}
	if (kn->ring.nkeys >= kn->policy.max_keys) {
		NL_SET_ERR_MSG(extack, "the ring is full (policy max_keys)");
		return -ENOSPC;
	}
	primary = ring_key_find_state(kn, KTIX_KEY_STATE_PRIMARY);
	if (p->state == KTIX_KEY_STATE_NEXT && !p->has_encrypt_from &&
	    kn->policy.external_keys) {
		NL_SET_ERR_MSG(extack,
			       "the keys come from outside (policy external-keys): a next key needs encrypt_from");
		return -EINVAL;
	}
	if (p->state == KTIX_KEY_STATE_NEXT && !p->has_encrypt_from &&
	    ring_key_unscheduled_next(kn)) {
		NL_SET_ERR_MSG(extack,
			       "the ring has a next key: delete it first, or add this one as primary");
		return -EEXIST;
	}
	if (p->state != KTIX_KEY_STATE_PRIMARY && !primary &&
	    !p->has_encrypt_from) {
		NL_SET_ERR_MSG(extack,
			       "the ring has no primary key: add one as primary first");
		return -EINVAL;
	}
	if (p->has_decrypt_until && p->decrypt_until <= now) {
		NL_SET_ERR_MSG(extack, "decrypt_until is in the past");
		return -EINVAL;
	}
	if (!p->has_encrypt_from &&
	    p->decrypt_until > now + kn->policy.retention) {
		NL_SET_ERR_MSG(extack,
			       "decrypt_until is later than the policy's retention allows");
		return -ERANGE;
	}

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	memcpy(k->name, p->name, KTIX_KEY_NAME_LEN);
	memcpy(k->aes, p->aes, p->aes_len);
	memcpy(k->hmac, p->hmac, p->hmac_len);
	k->aes_len = p->aes_len;
	k->hmac_len = p->hmac_len;
	k->state = p->state;
	k->created = now;

	if (p->state == KTIX_KEY_STATE_PRIMARY) {
		if (primary)
			ring_key_retire(kn, primary, now);
		k->encrypt_from = now;
	} else if (p->state == KTIX_KEY_STATE_RETIRING) {
		k->encrypt_until = now;
		k->decrypt_until = p->has_decrypt_until ? p->decrypt_until :
				   now + kn->policy.retention;
	} else if (p->has_encrypt_from) {
		k->scheduled = true;
		k->encrypt_from = p->encrypt_from;
		k->encrypt_until = p->encrypt_until;
		k->decrypt_until = p->has_decrypt_until ? p->decrypt_until : 0;
	}
	ring_key_link(kn, k);
	promoted = ring_promote_due(kn, now);
	ring_retime(kn);
	ring_changed(kn, promoted ? KTIX_RING_EV_ROTATE : KTIX_RING_EV_ADD);
	return 0;
}

/**
 * ktix_ring_del() - delete and wipe a key, and announce it
 * @kn: the namespace; its lock is held
 * @name: KTIX_KEY_NAME_LEN bytes
 * @extack: for the reason of a refusal
 *
 * Return: 0; -ENOENT (no key of that name); -EBUSY (the primary, while
 * other keys remain: rotate first).
 */
int ktix_ring_del(struct ktix_net *kn, const u8 *name,
		  struct netlink_ext_ack *extack)
{
	struct ktix_key *k;

	lockdep_assert_held(&kn->lock);
	k = ring_key_find_name(kn, name);
	if (!k) {
		NL_SET_ERR_MSG(extack, "no key with this name in the ring");
		return -ENOENT;
	}
	if (k->state == KTIX_KEY_STATE_PRIMARY && kn->ring.nkeys > 1) {
		NL_SET_ERR_MSG(extack,
			       "the primary key encrypts: rotate first, or delete the other keys");
		return -EBUSY;
	}
	ring_key_unlink(kn, k);
	ring_retime(kn);
	ring_changed(kn, KTIX_RING_EV_DEL);
	return 0;
}

/**
 * ktix_ring_policy_changed() - follow a new policy's times
 * @kn: the namespace; its lock is held
 *
 * Recomputes every key's times and the next rotation, wipes the
 * unscheduled next key when the policy has external_keys, and announces
 * KTIX_RING_EV_POLICY so that helpers read the ring again.
 */
void ktix_ring_policy_changed(struct ktix_net *kn)
{
	struct ktix_key *next;

	lockdep_assert_held(&kn->lock);
	/*
	 * With external keys only a scheduled key becomes the primary: the
	 * unscheduled next key (the module's own, or one staged for a manual
	 * rotation, which external keys refuse) never encrypted, and never
	 * will.  It goes, so that a fleet's host holds no key of its own.
	 */
	next = kn->policy.external_keys ? ring_key_unscheduled_next(kn) : NULL;
	if (next)
		ring_key_unlink(kn, next);
	ring_retime(kn);
	/* Key times and the ticket lifetime moved: mirrors must re-read. */
	ring_changed(kn, KTIX_RING_EV_POLICY);
}

static void ring_work(struct work_struct *work)
{
	struct ktix_ring *ring = container_of(to_delayed_work(work),
					      struct ktix_ring, work);
	struct ktix_net *kn = container_of(ring, struct ktix_net, ring);
	time64_t now = ktime_get_real_seconds();
	struct ktix_key *k, *tmp, *primary;
	bool expired = false, rotated = false, due;

	mutex_lock(&kn->lock);
	list_for_each_entry_safe(k, tmp, &kn->ring.keys, list) {
		if (k->state == KTIX_KEY_STATE_RETIRING && k->decrypt_until <= now) {
			ring_key_unlink(kn, k);
			KTIX_INC_STATS(kn, KTIX_MIB_KEYS_EXPIRED);
			expired = true;
		}
	}
	/* Manual rotation: the scheduled key whose time has come. */
	if (!kn->policy.rotate_interval && ring_promote_due(kn, now)) {
		ring_retime(kn);
		rotated = true;
	}
	primary = ring_key_find_state(kn, KTIX_KEY_STATE_PRIMARY);
	due = primary && kn->policy.rotate_interval &&
	      primary->encrypt_until <= now;
	if (due)
		rotated = !ring_rotate(kn);

	if (rotated)
		ring_changed(kn, KTIX_RING_EV_ROTATE);
	else if (expired)
		ring_changed(kn, KTIX_RING_EV_EXPIRE);
	else
		ring_schedule(kn);
	/* A rotation that found no memory is tried again, not at once. */
	if (due && !rotated)
		mod_delayed_work(system_power_efficient_wq, &kn->ring.work,
				 RING_RETRY * HZ);
	mutex_unlock(&kn->lock);
}

/**
 * ktix_ring_init() - set up a new namespace's empty ring
 * @kn: the namespace
 */
void ktix_ring_init(struct ktix_net *kn)
{
	INIT_LIST_HEAD(&kn->ring.keys);
	kn->ring.nkeys = 0;
	INIT_DELAYED_WORK(&kn->ring.work, ring_work);
}

/**
 * ktix_ring_exit() - stop the rotation worker, wipe and free every key
 * @kn: the namespace that goes
 */
void ktix_ring_exit(struct ktix_net *kn)
{
	struct ktix_key *k, *tmp;

	cancel_delayed_work_sync(&kn->ring.work);
	list_for_each_entry_safe(k, tmp, &kn->ring.keys, list) {
		list_del(&k->list);
		ring_key_free(k);
	}
	WRITE_ONCE(kn->ring.nkeys, 0);
}
