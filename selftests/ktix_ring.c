// SPDX-License-Identifier: GPL-2.0
/*
 * ktix_ring: the ticket-key ring (KTIX_CMD_KEY_*, the "ring" group).
 *
 * Runs inside the test VM (selftests/vm/run) as root with ktix.ko loaded.
 * Each test runs in a child process that first enters a network namespace
 * of its own: a fresh ring and the default policy, undone when it exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ktix_nl.h"
#include "kselftest_harness.h"
#include "lib/proc_stat.h"

static const struct ktix_key_info *by_state(const struct ktix_key_list *l,
					    uint32_t state, int *count)
{
	const struct ktix_key_info *k = NULL;
	size_t i;

	*count = 0;
	for (i = 0; i < l->n; i++) {
		if (l->keys[i].state == state) {
			k = &l->keys[i];
			(*count)++;
		}
	}
	return k;
}

static const struct ktix_key_info *by_name(const struct ktix_key_list *l,
					   const uint8_t *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!memcmp(l->keys[i].name, name, KTIX_KEY_NAME_LEN))
			return &l->keys[i];
	return NULL;
}

static struct ktix_key_info make_key(uint8_t tag, uint32_t state, int len)
{
	struct ktix_key_info k = { .state = state, .aes_len = len, .hmac_len = len };

	memset(k.name, tag, sizeof(k.name));
	memset(k.aes, tag ^ 0x5a, len);
	memset(k.hmac, tag ^ 0xa5, len);
	return k;
}

static void set_policy(struct __test_metadata *_metadata, struct ktix_nl *nl,
		       uint32_t rotate, uint32_t retention, uint32_t lifetime,
		       uint32_t max_keys)
{
	struct ktix_policy_info p = {
		.rotate_interval = rotate, .retention = retention,
		.ticket_lifetime = lifetime, .max_keys = max_keys,
	};
	int err = ktix_nl_policy_set(nl, &p, KTIX_POLICY_SET_ROTATE_INTERVAL |
				     KTIX_POLICY_SET_RETENTION |
				     KTIX_POLICY_SET_TICKET_LIFETIME |
				     KTIX_POLICY_SET_MAX_KEYS);

	ASSERT_EQ(0, err) TH_LOG("policy set: %s", ktix_nl_errmsg(nl));
}

static void assert_refused(struct __test_metadata *_metadata,
			   struct ktix_nl *nl, int got, int err)
{
	ASSERT_EQ(err, got);
	EXPECT_NE(0, strlen(ktix_nl_errmsg(nl))) TH_LOG("no extended-ACK message");
	TH_LOG("refused as expected: %s: %s", strerror(-got), ktix_nl_errmsg(nl));
}

/* The next notification on nl that is of event ev; its generation. */
static uint64_t wait_event(struct __test_metadata *_metadata,
			   struct ktix_nl *nl, uint32_t ev, int timeout_ms)
{
	struct ktix_event e;
	int err;

	for (;;) {
		err = ktix_nl_next_event(nl, timeout_ms, &e);
		ASSERT_EQ(0, err) TH_LOG("waiting for event %u: %s", ev,
					 strerror(-err));
		EXPECT_EQ(KTIX_CMD_RING_NOTIFY, e.cmd);
		EXPECT_FALSE(e.has_handle);
		if (e.event == ev)
			return e.generation;
	}
}

static struct ktix_nl *listener(struct __test_metadata *_metadata)
{
	struct ktix_nl *nl;

	ASSERT_EQ(0, ktix_nl_open(&nl));
	ASSERT_EQ(0, ktix_nl_subscribe(nl, KTIX_MCGRP_RING));
	return nl;
}

FIXTURE(ring) {
	struct ktix_nl *nl;
	struct ktix_key_list l;
};

FIXTURE_SETUP(ring)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, ktix_nl_open(&self->nl));
	memset(&self->l, 0, sizeof(self->l));
}

FIXTURE_TEARDOWN(ring)
{
	ktix_key_list_free(&self->l);
	ktix_nl_close(self->nl);
}

TEST_F(ring, made_on_first_use)
{
	const struct ktix_key_info *primary, *next;
	int np, nn;

	EXPECT_EQ(0, proc_stat("/proc/net/ktix_stat", "KtixRingKeys"));
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	ASSERT_EQ(2, self->l.n);
	primary = by_state(&self->l, KTIX_KEY_STATE_PRIMARY, &np);
	next = by_state(&self->l, KTIX_KEY_STATE_NEXT, &nn);
	ASSERT_EQ(1, np);
	ASSERT_EQ(1, nn);
	EXPECT_EQ(256, primary->aes_bits);
	EXPECT_EQ(0, primary->aes_len) TH_LOG("material given unasked");
	EXPECT_EQ(primary->encrypt_from + 3600, primary->encrypt_until);
	EXPECT_EQ(primary->encrypt_until + 43200, primary->decrypt_until);
	EXPECT_EQ(primary->encrypt_until, next->encrypt_from);
	EXPECT_NE(0, memcmp(primary->name, next->name, KTIX_KEY_NAME_LEN));
	EXPECT_LE(1, self->l.generation);
	EXPECT_EQ(2, proc_stat("/proc/net/ktix_stat", "KtixRingKeys"));
}

TEST_F(ring, material_only_for_admins_who_ask)
{
	static const uint8_t zero[32];
	struct ktix_key_list l = { 0 };
	pid_t pid;
	int status;

	ASSERT_EQ(0, ktix_nl_key_list(self->nl, true, &self->l));
	ASSERT_EQ(2, self->l.n);
	EXPECT_EQ(32, self->l.keys[0].aes_len);
	EXPECT_EQ(32, self->l.keys[0].hmac_len);
	EXPECT_NE(0, memcmp(zero, self->l.keys[0].aes, 32));
	EXPECT_NE(0, memcmp(self->l.keys[0].aes, self->l.keys[1].aes, 32));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ktix_nl *nl;

		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534) || ktix_nl_open(&nl))
			_exit(10);
		if (ktix_nl_key_list(nl, true, &l) != -EPERM ||
		    strcmp(ktix_nl_errmsg(nl), "key material needs CAP_NET_ADMIN"))
			_exit(11);
		if (ktix_nl_key_list(nl, false, &l) || l.n != 2 ||
		    l.keys[0].aes_len || l.keys[0].hmac_len)
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("unprivileged child failed at step %d",
						  WEXITSTATUS(status));
}

TEST_F(ring, rotate)
{
	const struct ktix_key_info *p0, *n0, *p1, *old;
	struct ktix_key_list after = { 0 };
	uint64_t gen;
	time_t now;
	int c;

	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	p0 = by_state(&self->l, KTIX_KEY_STATE_PRIMARY, &c);
	n0 = by_state(&self->l, KTIX_KEY_STATE_NEXT, &c);
	ASSERT_NE(NULL, p0);
	ASSERT_NE(NULL, n0);

	ASSERT_EQ(0, ktix_nl_key_rotate(self->nl, &gen));
	now = time(NULL);
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &after));
	EXPECT_EQ(gen, after.generation);
	EXPECT_LT(self->l.generation, gen);
	ASSERT_EQ(3, after.n);

	/* next -> primary -> retiring, and a fresh next. */
	p1 = by_state(&after, KTIX_KEY_STATE_PRIMARY, &c);
	EXPECT_EQ(1, c);
	ASSERT_NE(NULL, p1);
	EXPECT_EQ(0, memcmp(p1->name, n0->name, KTIX_KEY_NAME_LEN));
	old = by_name(&after, p0->name);
	ASSERT_NE(NULL, old);
	EXPECT_EQ(KTIX_KEY_STATE_RETIRING, old->state);
	EXPECT_GE(now + 5, (time_t)old->encrypt_until);
	EXPECT_GE(now + 43200 + 5, (time_t)old->decrypt_until);
	EXPECT_LE(now + 43200 - 5, (time_t)old->decrypt_until);
	by_state(&after, KTIX_KEY_STATE_NEXT, &c);
	EXPECT_EQ(1, c);
	EXPECT_EQ(1, proc_stat("/proc/net/ktix_stat", "KtixRotations"));
	ktix_key_list_free(&after);
}

TEST_F(ring, manual_mode_makes_no_keys_until_asked)
{
	int c;

	set_policy(_metadata, self->nl, 0, 43200, 43200, 16);
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	EXPECT_EQ(0, self->l.n);
	ktix_key_list_free(&self->l);

	ASSERT_EQ(0, ktix_nl_key_rotate(self->nl, NULL));
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	EXPECT_EQ(2, self->l.n);
	by_state(&self->l, KTIX_KEY_STATE_PRIMARY, &c);
	EXPECT_EQ(1, c);
	EXPECT_EQ(0, by_state(&self->l, KTIX_KEY_STATE_PRIMARY, &c)->encrypt_until);
}

TEST_F(ring, add)
{
	struct ktix_key_info a = make_key(0xa1, KTIX_KEY_STATE_PRIMARY, 16);
	struct ktix_key_info b = make_key(0xb2, KTIX_KEY_STATE_NEXT, 32);
	struct ktix_key_info c = make_key(0xc3, KTIX_KEY_STATE_NEXT, 32);
	struct ktix_key_info d = make_key(0xd4, KTIX_KEY_STATE_PRIMARY, 32);
	struct ktix_key_info r = make_key(0xe5, KTIX_KEY_STATE_RETIRING, 32);
	const struct ktix_key_info *k;

	set_policy(_metadata, self->nl, 0, 43200, 43200, 16);
	/* Nothing but a primary may be first. */
	assert_refused(_metadata, self->nl, ktix_nl_key_add(self->nl, &b), -EINVAL);
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &a)) TH_LOG("%s", ktix_nl_errmsg(self->nl));
	assert_refused(_metadata, self->nl, ktix_nl_key_add(self->nl, &a), -EEXIST);
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &b));
	assert_refused(_metadata, self->nl, ktix_nl_key_add(self->nl, &c), -EEXIST);

	/* Retiring keys may say when they stop; never in the past. */
	r.decrypt_until = time(NULL) - 10;
	assert_refused(_metadata, self->nl, ktix_nl_key_add(self->nl, &r), -EINVAL);
	r.decrypt_until = time(NULL) + 43200 + 60;
	assert_refused(_metadata, self->nl, ktix_nl_key_add(self->nl, &r), -ERANGE);
	r.decrypt_until = time(NULL) + 600;
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &r));

	/* A new primary retires the old one. */
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &d));
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, true, &self->l));
	ASSERT_EQ(4, self->l.n);
	k = by_name(&self->l, a.name);
	ASSERT_NE(NULL, k);
	EXPECT_EQ(KTIX_KEY_STATE_RETIRING, k->state);
	EXPECT_EQ(128, k->aes_bits);
	EXPECT_EQ(0, memcmp(a.aes, k->aes, 16));
	EXPECT_EQ(0, memcmp(a.hmac, k->hmac, 16));
	EXPECT_EQ(KTIX_KEY_STATE_PRIMARY, by_name(&self->l, d.name)->state);
	EXPECT_EQ(KTIX_KEY_STATE_NEXT, by_name(&self->l, b.name)->state);
	EXPECT_EQ(r.decrypt_until, by_name(&self->l, r.name)->decrypt_until);
}

/* A KEY_ADD nest with the given AES and HMAC lengths and an extra u32. */
static int add_raw(struct ktix_nl *nl, int aes_len, int hmac_len,
		   int extra_type, uint32_t extra)
{
	struct nl_msg *msg = ktix_nl_msg(nl, KTIX_CMD_KEY_ADD);
	uint8_t name[KTIX_KEY_NAME_LEN] = { 7 }, key[40] = { 1 };
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, KTIX_A_KEY | NLA_F_NESTED);
	nla_put(msg, KTIX_KEY_A_NAME, sizeof(name), name);
	if (aes_len)
		nla_put(msg, KTIX_KEY_A_AES_KEY, aes_len, key);
	if (hmac_len)
		nla_put(msg, KTIX_KEY_A_HMAC_KEY, hmac_len, key);
	if (extra_type)
		nla_put_u32(msg, extra_type, extra);
	nla_nest_end(msg, nest);
	return ktix_nl_transact(nl, msg, NULL, NULL);
}

TEST_F(ring, add_bad_attributes)
{
	int outer;

	set_policy(_metadata, self->nl, 0, 43200, 43200, 16);
	assert_refused(_metadata, self->nl, add_raw(self->nl, 20, 32, 0, 0), -EINVAL);
	EXPECT_EQ(KTIX_KEY_A_AES_KEY, ktix_nl_err_attr(self->nl, &outer));
	/* Lengths outside 16..32 fail the policy's range check. */
	assert_refused(_metadata, self->nl, add_raw(self->nl, 40, 32, 0, 0), -ERANGE);
	EXPECT_EQ(KTIX_KEY_A_AES_KEY, ktix_nl_err_attr(self->nl, &outer));
	assert_refused(_metadata, self->nl, add_raw(self->nl, 32, 8, 0, 0), -ERANGE);
	EXPECT_EQ(KTIX_KEY_A_HMAC_KEY, ktix_nl_err_attr(self->nl, &outer));
	assert_refused(_metadata, self->nl, add_raw(self->nl, 32, 0, 0, 0), -EINVAL);
	assert_refused(_metadata, self->nl,
		       add_raw(self->nl, 32, 32, KTIX_KEY_A_STATE, 9), -ERANGE);
	assert_refused(_metadata, self->nl,
		       add_raw(self->nl, 32, 32, KTIX_KEY_A_AES_BITS, 256), -EINVAL);
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl, ktix_nl_msg(self->nl, KTIX_CMD_KEY_ADD),
					NULL, NULL), -EINVAL);
	/* Nothing of it reached the ring. */
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	EXPECT_EQ(0, self->l.n);
}

TEST_F(ring, full_ring)
{
	struct ktix_key_info a = make_key(1, KTIX_KEY_STATE_PRIMARY, 32);
	struct ktix_key_info b = make_key(2, KTIX_KEY_STATE_NEXT, 32);
	struct ktix_key_info c = make_key(3, KTIX_KEY_STATE_RETIRING, 32);
	struct ktix_key_info d = make_key(4, KTIX_KEY_STATE_RETIRING, 32);

	set_policy(_metadata, self->nl, 0, 43200, 43200, 3);
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &a));
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &b));
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &c));
	assert_refused(_metadata, self->nl, ktix_nl_key_add(self->nl, &d), -ENOSPC);

	/* The policy cannot shrink below the ring. */
	assert_refused(_metadata, self->nl,
		       ktix_nl_policy_set(self->nl, &(struct ktix_policy_info){ .max_keys = 2 },
					  KTIX_POLICY_SET_MAX_KEYS), -EBUSY);

	/* Rotating a full ring wipes the retiring key closest to expiry. */
	ASSERT_EQ(0, ktix_nl_key_rotate(self->nl, NULL));
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	EXPECT_EQ(3, self->l.n);
	EXPECT_EQ(NULL, by_name(&self->l, c.name));
	EXPECT_EQ(KTIX_KEY_STATE_RETIRING, by_name(&self->l, a.name)->state);
	EXPECT_EQ(KTIX_KEY_STATE_PRIMARY, by_name(&self->l, b.name)->state);
	EXPECT_EQ(1, proc_stat("/proc/net/ktix_stat", "KtixKeysEvicted"));
}

TEST_F(ring, del)
{
	struct ktix_key_info a = make_key(1, KTIX_KEY_STATE_PRIMARY, 32);
	struct ktix_key_info r = make_key(2, KTIX_KEY_STATE_RETIRING, 32);
	uint8_t unknown[KTIX_KEY_NAME_LEN] = { 9 };
	long wiped;

	set_policy(_metadata, self->nl, 0, 43200, 43200, 16);
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &a));
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &r));
	wiped = proc_stat("/proc/net/ktix_stat", "KtixKeysWiped");

	assert_refused(_metadata, self->nl, ktix_nl_key_del(self->nl, unknown), -ENOENT);
	assert_refused(_metadata, self->nl, ktix_nl_key_del(self->nl, a.name), -EBUSY);
	ASSERT_EQ(0, ktix_nl_key_del(self->nl, r.name));
	EXPECT_EQ(wiped + 1, proc_stat("/proc/net/ktix_stat", "KtixKeysWiped"));
	/* The primary alone may go. */
	ASSERT_EQ(0, ktix_nl_key_del(self->nl, a.name));
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	EXPECT_EQ(0, self->l.n);
}

TEST_F(ring, retiring_key_expires)
{
	struct ktix_key_info a = make_key(1, KTIX_KEY_STATE_PRIMARY, 32);
	struct ktix_key_info r = make_key(2, KTIX_KEY_STATE_RETIRING, 32);
	struct ktix_nl *ev = listener(_metadata);
	uint64_t gen;

	set_policy(_metadata, self->nl, 0, 43200, 43200, 16);
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &a));
	r.decrypt_until = time(NULL) + 2;
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &r));

	gen = wait_event(_metadata, ev, KTIX_RING_EV_EXPIRE, 10000);
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	EXPECT_EQ(gen, self->l.generation);
	EXPECT_EQ(1, self->l.n);
	EXPECT_EQ(NULL, by_name(&self->l, r.name));
	EXPECT_EQ(1, proc_stat("/proc/net/ktix_stat", "KtixKeysExpired"));
	ktix_nl_close(ev);
}

/*
 * A policy change moves the keys' times and the ticket lifetime: helpers'
 * mirrors must hear of it, as of any other change of the ring.
 */
TEST_F(ring, policy_change_is_announced)
{
	struct ktix_nl *ev = listener(_metadata);
	const struct ktix_key_info *p;
	uint64_t before, gen;
	int c;

	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	before = self->l.generation;
	ktix_key_list_free(&self->l);
	set_policy(_metadata, self->nl, 1800, 43200, 3600, 32);
	gen = wait_event(_metadata, ev, KTIX_RING_EV_POLICY, 10000);
	EXPECT_LT(before, gen);
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	EXPECT_EQ(gen, self->l.generation);
	p = by_state(&self->l, KTIX_KEY_STATE_PRIMARY, &c);
	ASSERT_NE(NULL, p);
	/* Retimed to the new interval. */
	EXPECT_EQ(p->encrypt_from + 1800, p->encrypt_until);
	ktix_nl_close(ev);
}

TEST_F_TIMEOUT(ring, automatic_rotation_seen_by_two_listeners, 90)
{
	struct ktix_nl *ev1 = listener(_metadata), *ev2 = listener(_metadata);
	const struct ktix_key_info *p0, *p1;
	struct ktix_key_list after = { 0 };
	uint64_t g1, g2;
	int c;

	set_policy(_metadata, self->nl, 2, 60, 60, 64);
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	p0 = by_state(&self->l, KTIX_KEY_STATE_PRIMARY, &c);
	ASSERT_NE(NULL, p0);

	g1 = wait_event(_metadata, ev1, KTIX_RING_EV_ROTATE, 30000);
	g2 = wait_event(_metadata, ev2, KTIX_RING_EV_ROTATE, 30000);
	EXPECT_EQ(g1, g2);
	EXPECT_LT(self->l.generation, g1);

	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &after));
	EXPECT_LE(g1, after.generation);
	p1 = by_state(&after, KTIX_KEY_STATE_PRIMARY, &c);
	EXPECT_EQ(1, c);
	EXPECT_NE(0, memcmp(p0->name, p1->name, KTIX_KEY_NAME_LEN));
	EXPECT_EQ(KTIX_KEY_STATE_RETIRING, by_name(&after, p0->name)->state);
	EXPECT_LE(1, proc_stat("/proc/net/ktix_stat", "KtixRotations"));
	ktix_key_list_free(&after);
	ktix_nl_close(ev1);
	ktix_nl_close(ev2);
}

TEST_F(ring, manual_mode_never_rotates)
{
	struct ktix_nl *ev = listener(_metadata);
	struct ktix_event e;

	set_policy(_metadata, self->nl, 0, 60, 60, 16);
	ASSERT_EQ(0, ktix_nl_key_rotate(self->nl, NULL));
	wait_event(_metadata, ev, KTIX_RING_EV_ROTATE, 5000);
	/* Three seconds more than the automatic test's interval. */
	EXPECT_EQ(-ETIMEDOUT, ktix_nl_next_event(ev, 5000, &e));
	EXPECT_EQ(1, proc_stat("/proc/net/ktix_stat", "KtixRotations"));
	ktix_nl_close(ev);
}

TEST_F(ring, namespaces_have_their_own_rings)
{
	struct ktix_key_list other = { 0 };
	struct ktix_nl *nl;
	int c;

	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, ktix_nl_open(&nl));
	ASSERT_EQ(0, ktix_nl_key_list(nl, false, &other));
	ASSERT_EQ(2, other.n);
	EXPECT_NE(0, memcmp(by_state(&other, KTIX_KEY_STATE_PRIMARY, &c)->name,
			    by_state(&self->l, KTIX_KEY_STATE_PRIMARY, &c)->name,
			    KTIX_KEY_NAME_LEN));
	ktix_key_list_free(&other);
	ktix_nl_close(nl);
}

TEST_F(ring, unprivileged_changes_refused)
{
	struct ktix_key_info a = make_key(1, KTIX_KEY_STATE_PRIMARY, 32);
	struct ktix_nl *nl;

	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	ASSERT_EQ(0, setgroups(0, NULL));
	ASSERT_EQ(0, setresgid(65534, 65534, 65534));
	ASSERT_EQ(0, setresuid(65534, 65534, 65534));
	ASSERT_EQ(0, ktix_nl_open(&nl));
	EXPECT_EQ(-EPERM, ktix_nl_key_rotate(nl, NULL));
	EXPECT_EQ(-EPERM, ktix_nl_key_add(nl, &a));
	EXPECT_EQ(-EPERM, ktix_nl_key_del(nl, self->l.keys[0].name));
	ktix_nl_close(nl);
}

TEST_F(ring, unprivileged_read_changes_nothing)
{
	struct ktix_nl *events = listener(_metadata);
	struct ktix_event e;
	pid_t pid;
	int status;

	/* A reader without CAP_NET_ADMIN, in a namespace whose ring is empty. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ktix_key_list l = { 0 };
		struct ktix_nl *nl;

		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534) || ktix_nl_open(&nl) ||
		    ktix_nl_key_list(nl, false, &l))
			_exit(2);
		_exit(l.n == 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("the unprivileged read made keys");
	EXPECT_EQ(0, proc_stat("/proc/net/ktix_stat", "KtixRingKeys"));
	EXPECT_EQ(-ETIMEDOUT, ktix_nl_next_event(events, 300, &e))
		TH_LOG("an unprivileged read sent a ring event");
	/* The first privileged read makes them, and says so. */
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	EXPECT_EQ(2, self->l.n);
	wait_event(_metadata, events, KTIX_RING_EV_ADD, 2000);
	ktix_nl_close(events);
}

/* Sets external-keys (rotate-interval 0 first, which it needs). */
static int set_external(struct ktix_nl *nl, uint32_t on)
{
	struct ktix_policy_info p = { .external_keys = on };

	return ktix_nl_policy_set(nl, &p, KTIX_POLICY_SET_EXTERNAL_KEYS);
}

/* The ring until @name is primary, for at most @ms; 0 once it is. */
static int wait_primary(struct ktix_nl *nl, struct ktix_key_list *l,
			const uint8_t *name, int ms)
{
	const struct ktix_key_info *k;

	for (; ms > 0; ms -= 100) {
		ktix_key_list_free(l);
		if (ktix_nl_key_list(nl, false, l))
			return -1;
		k = by_name(l, name);
		if (k && k->state == KTIX_KEY_STATE_PRIMARY)
			return 0;
		usleep(100 * 1000);
	}
	return -1;
}

/*
 * A fleet's schedule: keys added with encrypt_from wait as next keys and
 * become the primary at that time, by the module's work alone; the
 * primary they replace retires, and a scheduled one keeps the
 * decrypt_until it came with.  With external-keys, KEY_ROTATE is refused
 * and nothing else changes the ring.
 */
TEST_F(ring, scheduled_keys_take_over_at_their_time)
{
	struct ktix_key_info a = make_key(0xa1, KTIX_KEY_STATE_PRIMARY, 32);
	struct ktix_key_info b = make_key(0xb2, KTIX_KEY_STATE_NEXT, 32);
	struct ktix_key_info c = make_key(0xc3, KTIX_KEY_STATE_NEXT, 32);
	struct ktix_nl *ev = listener(_metadata);
	uint64_t now = time(NULL), rot;
	const struct ktix_key_info *k;
	int n;

	set_policy(_metadata, self->nl, 0, 600, 300, 16);
	ASSERT_EQ(0, set_external(self->nl, 1)) TH_LOG("%s", ktix_nl_errmsg(self->nl));
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &a));
	b.encrypt_from = now + 2;
	b.encrypt_until = now + 5;
	b.decrypt_until = now + 5 + 400;
	c.encrypt_from = now + 5;
	c.encrypt_until = now + 8;
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &b)) TH_LOG("%s", ktix_nl_errmsg(self->nl));
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &c)) TH_LOG("%s", ktix_nl_errmsg(self->nl));
	rot = proc_stat("/proc/net/ktix_stat", "KtixRotations");

	/* Both wait, with the times they came with. */
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	by_state(&self->l, KTIX_KEY_STATE_NEXT, &n);
	EXPECT_EQ(2, n);
	k = by_name(&self->l, b.name);
	ASSERT_NE(NULL, k);
	EXPECT_EQ(b.encrypt_from, k->encrypt_from);
	EXPECT_EQ(b.encrypt_until, k->encrypt_until);
	EXPECT_EQ(b.decrypt_until, k->decrypt_until);

	/* The fleet's schedule is the only one. */
	assert_refused(_metadata, self->nl, ktix_nl_key_rotate(self->nl, NULL),
		       -EOPNOTSUPP);

	/* At encrypt_from, b is primary, announced, and a retires. */
	ASSERT_EQ(0, wait_primary(self->nl, &self->l, b.name, 5000));
	wait_event(_metadata, ev, KTIX_RING_EV_ROTATE, 5000);
	EXPECT_LE(b.encrypt_from, (uint64_t)time(NULL));
	k = by_name(&self->l, a.name);
	ASSERT_NE(NULL, k);
	EXPECT_EQ(KTIX_KEY_STATE_RETIRING, k->state);
	EXPECT_GE(k->decrypt_until, b.encrypt_from + 600);
	EXPECT_EQ(rot + 1, proc_stat("/proc/net/ktix_stat", "KtixRotations"));

	/* Then c, and b retires keeping its decrypt_until. */
	ASSERT_EQ(0, wait_primary(self->nl, &self->l, c.name, 5000));
	k = by_name(&self->l, b.name);
	ASSERT_NE(NULL, k);
	EXPECT_EQ(KTIX_KEY_STATE_RETIRING, k->state);
	EXPECT_EQ(b.decrypt_until, k->decrypt_until);

	/*
	 * Past its encrypt_until with no successor, c stays the primary:
	 * a host cut off from its fleet keeps encrypting with what it has.
	 */
	while ((uint64_t)time(NULL) <= c.encrypt_until + 1)
		usleep(200 * 1000);
	ASSERT_EQ(0, wait_primary(self->nl, &self->l, c.name, 100));
	EXPECT_EQ(rot + 2, proc_stat("/proc/net/ktix_stat", "KtixRotations"));
	ktix_nl_close(ev);
}

/* A key whose time has passed (a host that joins late) is primary at once. */
TEST_F(ring, scheduled_key_already_due_is_primary_at_once)
{
	struct ktix_key_info a = make_key(0xa1, KTIX_KEY_STATE_PRIMARY, 32);
	struct ktix_key_info b = make_key(0xb2, KTIX_KEY_STATE_NEXT, 32);
	struct ktix_key_info c = make_key(0xc3, KTIX_KEY_STATE_NEXT, 32);
	struct ktix_key_info o = make_key(0x0d, KTIX_KEY_STATE_NEXT, 32);
	uint64_t now = time(NULL);
	const struct ktix_key_info *k;

	set_policy(_metadata, self->nl, 0, 600, 300, 16);
	ASSERT_EQ(0, set_external(self->nl, 1));
	/* An empty ring takes a scheduled key without a primary. */
	b.encrypt_from = now - 100;
	b.encrypt_until = now - 10;
	b.decrypt_until = now + 300;
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &b)) TH_LOG("%s", ktix_nl_errmsg(self->nl));
	c.encrypt_from = now - 10;
	c.encrypt_until = now + 90;
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &c));
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	k = by_name(&self->l, c.name);
	ASSERT_NE(NULL, k);
	EXPECT_EQ(KTIX_KEY_STATE_PRIMARY, k->state);
	k = by_name(&self->l, b.name);
	ASSERT_NE(NULL, k);
	EXPECT_EQ(KTIX_KEY_STATE_RETIRING, k->state);
	EXPECT_EQ(b.decrypt_until, k->decrypt_until);
	/* An older slot that arrives late retires at once; c stays. */
	o.encrypt_from = now - 50;
	o.encrypt_until = now - 40;
	o.decrypt_until = now + 300;
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &o));
	ktix_key_list_free(&self->l);
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	k = by_name(&self->l, o.name);
	ASSERT_NE(NULL, k);
	EXPECT_EQ(KTIX_KEY_STATE_RETIRING, k->state);
	EXPECT_EQ(KTIX_KEY_STATE_PRIMARY, by_name(&self->l, c.name)->state);
	/* A primary added later is refused nothing: operators may still. */
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &a));
}

TEST_F(ring, schedule_refusals)
{
	struct ktix_key_info b = make_key(0xb2, KTIX_KEY_STATE_NEXT, 32);
	struct ktix_key_info c = make_key(0xc3, KTIX_KEY_STATE_NEXT, 32);
	struct ktix_key_info p = make_key(0xa1, KTIX_KEY_STATE_PRIMARY, 32);
	uint64_t now = time(NULL);

	/* Automatic rotation schedules its own keys. */
	set_policy(_metadata, self->nl, 3600, 43200, 43200, 16);
	b.encrypt_from = now + 60;
	assert_refused(_metadata, self->nl, ktix_nl_key_add(self->nl, &b), -EINVAL);
	assert_refused(_metadata, self->nl, set_external(self->nl, 1), -EINVAL);

	set_policy(_metadata, self->nl, 0, 600, 300, 16);
	p.encrypt_from = now + 60;
	assert_refused(_metadata, self->nl, ktix_nl_key_add(self->nl, &p), -EINVAL);
	b.encrypt_until = b.encrypt_from;
	assert_refused(_metadata, self->nl, ktix_nl_key_add(self->nl, &b), -EINVAL);
	b.encrypt_until = b.encrypt_from + 60;
	b.decrypt_until = b.encrypt_until;
	assert_refused(_metadata, self->nl, ktix_nl_key_add(self->nl, &b), -EINVAL);
	b.decrypt_until = b.encrypt_until + 601;
	assert_refused(_metadata, self->nl, ktix_nl_key_add(self->nl, &b), -ERANGE);
	b.decrypt_until = b.encrypt_until + 600;
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &b)) TH_LOG("%s", ktix_nl_errmsg(self->nl));
	/* One key a slot: another for the same encrypt_from is refused. */
	c.encrypt_from = b.encrypt_from;
	assert_refused(_metadata, self->nl, ktix_nl_key_add(self->nl, &c), -EEXIST);
	c.encrypt_from = b.encrypt_until;
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &c));
}

/*
 * A fleet takes over a ring the module made: external-keys wipes the next
 * key the module had made (it never encrypted), refuses another without
 * encrypt_from, and leaves the module's primary until a scheduled key
 * comes due; then it retires and decrypts for the retention.
 */
TEST_F(ring, external_keys_take_over_the_modules_own_ring)
{
	struct ktix_key_info b = make_key(0xb2, KTIX_KEY_STATE_NEXT, 32);
	struct ktix_key_info n = make_key(0x3e, KTIX_KEY_STATE_NEXT, 32);
	uint8_t own[KTIX_KEY_NAME_LEN], made[KTIX_KEY_NAME_LEN];
	const struct ktix_key_info *k;
	uint64_t wiped, now;
	int np, nn;

	set_policy(_metadata, self->nl, 3600, 43200, 43200, 16);
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	ASSERT_EQ(2, self->l.n);
	k = by_state(&self->l, KTIX_KEY_STATE_PRIMARY, &np);
	ASSERT_EQ(1, np);
	memcpy(own, k->name, sizeof(own));
	k = by_state(&self->l, KTIX_KEY_STATE_NEXT, &nn);
	ASSERT_EQ(1, nn);
	memcpy(made, k->name, sizeof(made));
	wiped = proc_stat("/proc/net/ktix_stat", "KtixKeysWiped");

	set_policy(_metadata, self->nl, 0, 600, 300, 16);
	ASSERT_EQ(0, set_external(self->nl, 1)) TH_LOG("%s", ktix_nl_errmsg(self->nl));
	ktix_key_list_free(&self->l);
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	EXPECT_EQ(1, self->l.n);
	EXPECT_EQ(NULL, by_name(&self->l, made));
	EXPECT_EQ(wiped + 1, proc_stat("/proc/net/ktix_stat", "KtixKeysWiped"));
	k = by_name(&self->l, own);
	ASSERT_NE(NULL, k);
	EXPECT_EQ(KTIX_KEY_STATE_PRIMARY, k->state);
	assert_refused(_metadata, self->nl, ktix_nl_key_add(self->nl, &n), -EINVAL);

	now = time(NULL);
	b.encrypt_from = now - 1;
	b.encrypt_until = now + 60;
	b.decrypt_until = now + 60 + 600;
	ASSERT_EQ(0, ktix_nl_key_add(self->nl, &b)) TH_LOG("%s", ktix_nl_errmsg(self->nl));
	ktix_key_list_free(&self->l);
	ASSERT_EQ(0, ktix_nl_key_list(self->nl, false, &self->l));
	EXPECT_EQ(KTIX_KEY_STATE_PRIMARY, by_name(&self->l, b.name)->state);
	k = by_name(&self->l, own);
	ASSERT_NE(NULL, k);
	EXPECT_EQ(KTIX_KEY_STATE_RETIRING, k->state);
	EXPECT_GE(k->decrypt_until, now + 600);
}

TEST_HARNESS_MAIN
