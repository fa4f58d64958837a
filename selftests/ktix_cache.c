// SPDX-License-Identifier: GPL-2.0
/*
 * ktix_cache: the session-ID cache (KTIX_CMD_SESS_*), the revocation set
 * (KTIX_CMD_REVOKE_*, the "revoke" group) and KTIX_CMD_STATS_GET.
 *
 * Runs inside the test VM (selftests/vm/run) as root with ktix.ko loaded.
 * Each test runs in a child process that first enters a network namespace
 * of its own: an empty cache and revocation set and the default policy.
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ktix_nl.h"
#include "kselftest_harness.h"
#include "lib/proc_stat.h"

static void fill(uint8_t *b, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

static void put(struct __test_metadata *_metadata, struct ktix_nl *nl,
		const char *id, size_t size, unsigned int seed, uint32_t life)
{
	uint8_t *data = malloc(size);
	int err;

	ASSERT_NE(NULL, data);
	fill(data, size, seed);
	err = ktix_nl_sess_put(nl, (const uint8_t *)id, strlen(id), data, size,
			       life);
	free(data);
	ASSERT_EQ(0, err) TH_LOG("put %s: %s: %s", id, strerror(-err),
				 ktix_nl_errmsg(nl));
}

/* 0 if id holds size bytes made from seed, else what is wrong. */
static int check(struct ktix_nl *nl, const char *id, size_t size,
		 unsigned int seed)
{
	struct ktix_sess_info s;
	uint8_t *want = malloc(size);
	int err;

	if (!want)
		return -ENOMEM;
	fill(want, size, seed);
	err = ktix_nl_sess_get(nl, (const uint8_t *)id, strlen(id), &s);
	if (!err && (s.size != size || memcmp(s.data, want, size) ||
		     s.id_len != strlen(id) || memcmp(s.id, id, s.id_len)))
		err = -EBADMSG;
	if (!err || err == -EBADMSG)
		ktix_sess_info_free(&s);
	free(want);
	return err;
}

static void set_cache(struct __test_metadata *_metadata, struct ktix_nl *nl,
		      uint32_t entries, uint64_t bytes, uint32_t life,
		      uint32_t max_size)
{
	struct ktix_policy_info p = {
		.cache_entries = entries, .cache_bytes = bytes,
		.session_lifetime = life, .session_max_size = max_size,
	};
	unsigned int f = (entries ? KTIX_POLICY_SET_CACHE_ENTRIES : 0) |
			 (bytes ? KTIX_POLICY_SET_CACHE_BYTES : 0) |
			 (life ? KTIX_POLICY_SET_SESSION_LIFETIME : 0) |
			 (max_size ? KTIX_POLICY_SET_SESSION_MAX_SIZE : 0);
	int err = ktix_nl_policy_set(nl, &p, f);

	ASSERT_EQ(0, err) TH_LOG("policy set: %s", ktix_nl_errmsg(nl));
}

static void assert_refused(struct __test_metadata *_metadata,
			   struct ktix_nl *nl, int got, int err)
{
	ASSERT_EQ(err, got) TH_LOG("got %s: %s", strerror(-got),
				   ktix_nl_errmsg(nl));
	EXPECT_NE(0, strlen(ktix_nl_errmsg(nl))) TH_LOG("no extended-ACK message");
	TH_LOG("refused as expected: %s: %s", strerror(-got), ktix_nl_errmsg(nl));
}

static bool listed(const struct ktix_sess_list *l, const char *id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->sess[i].id_len == strlen(id) &&
		    !memcmp(l->sess[i].id, id, l->sess[i].id_len))
			return true;
	return false;
}

static void drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		_exit(99);
}

FIXTURE(cache) {
	struct ktix_nl *nl;
};

FIXTURE_SETUP(cache)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, ktix_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(cache)
{
	ktix_nl_close(self->nl);
}

TEST_F(cache, put_get_del)
{
	struct ktix_sess_list l;
	time_t now = time(NULL);

	put(_metadata, self->nl, "session-a", 200, 1, 0);
	put(_metadata, self->nl, "session-b", 1, 2, 0);
	EXPECT_EQ(0, check(self->nl, "session-a", 200, 1));
	EXPECT_EQ(0, check(self->nl, "session-b", 1, 2));

	ASSERT_EQ(0, ktix_nl_sess_list(self->nl, false, &l));
	ASSERT_EQ(2, l.n);
	EXPECT_EQ(NULL, l.sess[0].data) TH_LOG("data given unasked");
	EXPECT_LE(now, (time_t)l.sess[0].created);
	/* The default lifetime is the policy's: an hour. */
	EXPECT_EQ(l.sess[0].created + 3600, l.sess[0].expires);
	ktix_sess_list_free(&l);

	EXPECT_EQ(2, ktix_stat(self->nl, KTIX_STATS_A_CACHE_ENTRIES));
	EXPECT_EQ(9 + 200 + 9 + 1,
		  ktix_stat(self->nl, KTIX_STATS_A_CACHE_BYTES));
	EXPECT_EQ(2, ktix_stat(self->nl, KTIX_STATS_A_SESS_PUTS));
	EXPECT_EQ(2, ktix_stat(self->nl, KTIX_STATS_A_SESS_HITS));
	EXPECT_EQ(2, proc_stat("/proc/net/ktix_stat", "KtixSessHits"));
	EXPECT_EQ(219, proc_stat("/proc/net/ktix_stat", "KtixCacheBytes"));

	ASSERT_EQ(0, ktix_nl_sess_del(self->nl, (const uint8_t *)"session-a", 9));
	EXPECT_EQ(-ENOENT, check(self->nl, "session-a", 200, 1));
	EXPECT_EQ(0, check(self->nl, "session-b", 1, 2));
	assert_refused(_metadata, self->nl,
		       ktix_nl_sess_del(self->nl, (const uint8_t *)"session-a", 9),
		       -ENOENT);
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_SESS_MISSES));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_SESS_DELETES));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_CACHE_ENTRIES));
}

TEST_F(cache, miss_says_so)
{
	struct ktix_sess_info s;

	assert_refused(_metadata, self->nl,
		       ktix_nl_sess_get(self->nl, (const uint8_t *)"nope", 4, &s),
		       -ENOENT);
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_SESS_MISSES));
}

TEST_F(cache, put_replaces)
{
	put(_metadata, self->nl, "same", 300, 1, 0);
	put(_metadata, self->nl, "same", 100, 2, 0);
	EXPECT_EQ(0, check(self->nl, "same", 100, 2));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_CACHE_ENTRIES));
	EXPECT_EQ(104, ktix_stat(self->nl, KTIX_STATS_A_CACHE_BYTES));
}

TEST_F(cache, largest_session_round_trips)
{
	struct ktix_sess_list l;

	set_cache(_metadata, self->nl, 0, 0, 0, 65000);
	put(_metadata, self->nl, "big", 65000, 3, 0);
	EXPECT_EQ(0, check(self->nl, "big", 65000, 3));
	/* A dump with data makes room for the largest session. */
	ASSERT_EQ(0, ktix_nl_sess_list(self->nl, true, &l));
	ASSERT_EQ(1, l.n);
	ASSERT_NE(NULL, l.sess[0].data);
	EXPECT_EQ(65000, l.sess[0].size);
	ktix_sess_list_free(&l);
}

TEST_F(cache, ttl)
{
	struct ktix_sess_list l;

	put(_metadata, self->nl, "short", 50, 1, 1);
	put(_metadata, self->nl, "long", 50, 2, 0);
	EXPECT_EQ(0, check(self->nl, "short", 50, 1));
	sleep(2);
	/* Never returned once expired, purged or not. */
	EXPECT_EQ(-ENOENT, check(self->nl, "short", 50, 1));
	ASSERT_EQ(0, ktix_nl_sess_list(self->nl, false, &l));
	EXPECT_FALSE(listed(&l, "short"));
	EXPECT_TRUE(listed(&l, "long"));
	ktix_sess_list_free(&l);
	/* The worker runs every 2 s while the cache is not empty. */
	sleep(3);
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_SESS_EXPIRATIONS));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_CACHE_ENTRIES));
	EXPECT_EQ(0, check(self->nl, "long", 50, 2));
}

TEST_F(cache, lifetime_capped_by_policy)
{
	struct ktix_sess_list l;

	set_cache(_metadata, self->nl, 0, 0, 60, 0);
	put(_metadata, self->nl, "capped", 10, 1, 86400);
	put(_metadata, self->nl, "shorter", 10, 1, 30);
	ASSERT_EQ(0, ktix_nl_sess_list(self->nl, false, &l));
	ASSERT_EQ(2, l.n);
	for (size_t i = 0; i < l.n; i++)
		EXPECT_EQ(l.sess[i].created + (l.sess[i].id_len == 6 ? 60 : 30),
			  l.sess[i].expires);
	ktix_sess_list_free(&l);
}

TEST_F(cache, lru_at_entry_cap)
{
	set_cache(_metadata, self->nl, 3, 0, 0, 0);
	put(_metadata, self->nl, "a", 10, 1, 0);
	put(_metadata, self->nl, "b", 10, 2, 0);
	put(_metadata, self->nl, "c", 10, 3, 0);
	/* a is now the most recently used: b goes first. */
	EXPECT_EQ(0, check(self->nl, "a", 10, 1));
	put(_metadata, self->nl, "d", 10, 4, 0);
	EXPECT_EQ(-ENOENT, check(self->nl, "b", 10, 2));
	EXPECT_EQ(0, check(self->nl, "a", 10, 1));
	EXPECT_EQ(0, check(self->nl, "c", 10, 3));
	EXPECT_EQ(0, check(self->nl, "d", 10, 4));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_SESS_EVICTIONS));
	EXPECT_EQ(3, ktix_stat(self->nl, KTIX_STATS_A_CACHE_ENTRIES));

	/* A smaller cap evicts at once, least recently used first. */
	set_cache(_metadata, self->nl, 1, 0, 0, 0);
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_CACHE_ENTRIES));
	EXPECT_EQ(0, check(self->nl, "d", 10, 4));
}

TEST_F(cache, lru_at_byte_cap)
{
	/* 65536 bytes: three 20000-byte sessions with 1-byte IDs fit. */
	set_cache(_metadata, self->nl, 0, 65536, 0, 30000);
	put(_metadata, self->nl, "1", 20000, 1, 0);
	put(_metadata, self->nl, "2", 20000, 2, 0);
	put(_metadata, self->nl, "3", 20000, 3, 0);
	EXPECT_EQ(0, check(self->nl, "1", 20000, 1));
	put(_metadata, self->nl, "4", 20000, 4, 0);
	EXPECT_EQ(-ENOENT, check(self->nl, "2", 20000, 2));
	EXPECT_EQ(0, check(self->nl, "1", 20000, 1));
	EXPECT_EQ(0, check(self->nl, "3", 20000, 3));
	EXPECT_EQ(0, check(self->nl, "4", 20000, 4));
	EXPECT_EQ(60003, ktix_stat(self->nl, KTIX_STATS_A_CACHE_BYTES));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_SESS_EVICTIONS));
}

TEST_F(cache, oversize_refused_and_nothing_lost)
{
	uint8_t data[65];

	set_cache(_metadata, self->nl, 0, 0, 0, 64);
	put(_metadata, self->nl, "kept", 64, 1, 0);
	fill(data, sizeof(data), 9);
	assert_refused(_metadata, self->nl,
		       ktix_nl_sess_put(self->nl, (const uint8_t *)"kept", 4,
					data, sizeof(data), 0), -EMSGSIZE);
	EXPECT_EQ(0, check(self->nl, "kept", 64, 1));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_CACHE_ENTRIES));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_SESS_PUTS));
}

TEST_F(cache, bad_attributes)
{
	uint8_t id[33] = { 1 }, data[4] = { 1 };
	struct nl_msg *msg;
	struct nlattr *nest;
	int outer;

	/* Too long and empty IDs, through the wrapper. */
	assert_refused(_metadata, self->nl,
		       ktix_nl_sess_put(self->nl, id, 33, data, 4, 0), -ERANGE);
	EXPECT_EQ(KTIX_SESS_A_ID, ktix_nl_err_attr(self->nl, &outer));
	EXPECT_EQ(KTIX_A_SESSION, outer);
	assert_refused(_metadata, self->nl,
		       ktix_nl_sess_put(self->nl, id, 0, data, 4, 0), -ERANGE);
	assert_refused(_metadata, self->nl,
		       ktix_nl_sess_put(self->nl, id, 4, data, 0, 0), -ERANGE);
	/* Lifetime beyond a day. */
	assert_refused(_metadata, self->nl,
		       ktix_nl_sess_put(self->nl, id, 4, data, 4, 86401), -ERANGE);
	EXPECT_EQ(KTIX_SESS_A_LIFETIME, ktix_nl_err_attr(self->nl, &outer));

	/* No data. */
	msg = ktix_nl_msg(self->nl, KTIX_CMD_SESS_PUT);
	ASSERT_NE(NULL, msg);
	nest = nla_nest_start(msg, KTIX_A_SESSION | NLA_F_NESTED);
	ASSERT_EQ(0, nla_put(msg, KTIX_SESS_A_ID, 4, id));
	nla_nest_end(msg, nest);
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl, msg, NULL, NULL), -EINVAL);

	/* No ID. */
	msg = ktix_nl_msg(self->nl, KTIX_CMD_SESS_DEL);
	ASSERT_NE(NULL, msg);
	nest = nla_nest_start(msg, KTIX_A_SESSION | NLA_F_NESTED);
	ASSERT_EQ(0, nla_put_u32(msg, KTIX_SESS_A_LIFETIME, 5));
	nla_nest_end(msg, nest);
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl, msg, NULL, NULL), -EINVAL);
	EXPECT_STREQ("the nest lacks an attribute this command needs",
		     ktix_nl_errmsg(self->nl));

	/* No session at all. */
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl,
					ktix_nl_msg(self->nl, KTIX_CMD_SESS_GET),
					NULL, NULL), -EINVAL);

	/* Data beyond what an attribute of the cache may hold. */
	{
		uint8_t *big = calloc(1, 65001);

		ASSERT_NE(NULL, big);
		assert_refused(_metadata, self->nl,
			       ktix_nl_sess_put(self->nl, id, 4, big, 65001, 0),
			       -ERANGE);
		EXPECT_EQ(KTIX_SESS_A_DATA, ktix_nl_err_attr(self->nl, &outer));
		free(big);
	}

	/* A dump lists them all: it takes no session. */
	msg = ktix_nl_dump_msg(self->nl, KTIX_CMD_SESS_GET);
	ASSERT_NE(NULL, msg);
	nest = nla_nest_start(msg, KTIX_A_SESSION | NLA_F_NESTED);
	ASSERT_EQ(0, nla_put(msg, KTIX_SESS_A_ID, 4, id));
	nla_nest_end(msg, nest);
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl, msg, NULL, NULL), -EINVAL);

	/* An unknown flag in a dump. */
	msg = ktix_nl_dump_msg(self->nl, KTIX_CMD_SESS_GET);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, KTIX_A_FLAGS, 1u << 7));
	EXPECT_EQ(-EINVAL, ktix_nl_transact(self->nl, msg, NULL, NULL));
	EXPECT_EQ(0, ktix_stat(self->nl, KTIX_STATS_A_CACHE_ENTRIES));
}

TEST_F(cache, flush)
{
	char id[16];
	int i;

	for (i = 0; i < 600; i++) {
		snprintf(id, sizeof(id), "id-%d", i);
		put(_metadata, self->nl, id, 40, (unsigned int)i, 0);
	}
	EXPECT_EQ(600, ktix_stat(self->nl, KTIX_STATS_A_CACHE_ENTRIES));
	ASSERT_EQ(0, ktix_nl_sess_flush(self->nl));
	EXPECT_EQ(0, ktix_stat(self->nl, KTIX_STATS_A_CACHE_ENTRIES));
	EXPECT_EQ(0, ktix_stat(self->nl, KTIX_STATS_A_CACHE_BYTES));
	EXPECT_EQ(600, ktix_stat(self->nl, KTIX_STATS_A_SESS_DELETES));
	EXPECT_EQ(-ENOENT, check(self->nl, "id-7", 40, 7));
}

TEST_F(cache, dump_of_many)
{
	struct ktix_sess_list l;
	char id[16];
	int i;

	for (i = 0; i < 3000; i++) {
		snprintf(id, sizeof(id), "%d", i);
		put(_metadata, self->nl, id, 64, (unsigned int)i, 0);
	}
	ASSERT_EQ(0, ktix_nl_sess_list(self->nl, true, &l));
	EXPECT_EQ(3000, l.n);
	for (i = 0; i < (int)l.n; i++) {
		uint8_t want[64];
		char s[33] = "";

		memcpy(s, l.sess[i].id, l.sess[i].id_len);
		fill(want, sizeof(want), (unsigned int)atoi(s));
		ASSERT_NE(NULL, l.sess[i].data);
		EXPECT_EQ(0, memcmp(want, l.sess[i].data, 64)) TH_LOG("id %s", s);
	}
	ktix_sess_list_free(&l);
}

TEST_F(cache, unprivileged_get_nothing_change_nothing)
{
	pid_t pid;
	int status;

	put(_metadata, self->nl, "secret", 100, 5, 0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ktix_revoke_list rl;
		struct ktix_sess_list l;
		struct ktix_sess_info s;
		struct ktix_stats st;
		struct ktix_nl *nl;
		uint8_t d[16] = { 0 };
		uint64_t g;

		drop_to_nobody();
		if (ktix_nl_open(&nl))
			_exit(10);
		/* What identifies a client's session is for admins. */
		if (ktix_nl_sess_get(nl, (const uint8_t *)"secret", 6, &s) != -EPERM)
			_exit(11);
		if (ktix_nl_sess_list(nl, true, &l) != -EPERM)
			_exit(12);
		if (ktix_nl_sess_list(nl, false, &l) != -EPERM)
			_exit(13);
		if (ktix_nl_revoke_list(nl, &rl) != -EPERM ||
		    ktix_nl_revoke_generation(nl, &g) != -EPERM)
			_exit(18);
		if (ktix_nl_subscribe(nl, KTIX_MCGRP_REVOKE) != -EPERM)
			_exit(19);
		/* Monitoring is open. */
		if (ktix_nl_stats(nl, &st))
			_exit(20);
		if (ktix_nl_sess_put(nl, (const uint8_t *)"x", 1, d, 8, 0) != -EPERM)
			_exit(14);
		if (ktix_nl_sess_del(nl, (const uint8_t *)"secret", 6) != -EPERM)
			_exit(15);
		if (ktix_nl_sess_flush(nl) != -EPERM)
			_exit(16);
		if (ktix_nl_revoke_add(nl, d, 0, NULL) != -EPERM)
			_exit(17);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("unprivileged child failed at step %d",
						  WEXITSTATUS(status));
	EXPECT_EQ(0, check(self->nl, "secret", 100, 5));
	EXPECT_EQ(0, ktix_stat(self->nl, KTIX_STATS_A_REVOKED));
}

TEST_F(cache, namespaces_have_their_own_caches)
{
	struct ktix_nl *other;
	uint8_t handle[16] = { 7 };

	put(_metadata, self->nl, "here", 10, 1, 0);
	ASSERT_EQ(0, ktix_nl_revoke_add(self->nl, handle, 0, NULL));
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, ktix_nl_open(&other));
	EXPECT_EQ(-ENOENT, check(other, "here", 10, 1));
	EXPECT_EQ(0, ktix_stat(other, KTIX_STATS_A_REVOKED));
	put(_metadata, other, "there", 10, 2, 0);
	/* The first socket still speaks for the first namespace. */
	EXPECT_EQ(-ENOENT, check(self->nl, "there", 10, 2));
	EXPECT_EQ(0, check(self->nl, "here", 10, 1));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_REVOKED));
	ktix_nl_close(other);
}

struct worker {
	struct ktix_nl *nl;
	int id;
	int errors;
};

#define WORKERS	4
#define ROUNDS	300

/*
 * Each worker puts and gets its own IDs, and puts and gets shared IDs that
 * every worker writes: a shared entry must always be whole, one writer's.
 */
static void *work(void *arg)
{
	struct worker *w = arg;
	uint8_t data[300], shared[300];
	char id[32];
	int r, k;

	for (r = 0; r < ROUNDS; r++) {
		snprintf(id, sizeof(id), "own-%d-%d", w->id, r % 50);
		fill(data, sizeof(data), (unsigned int)(w->id * 1000 + r % 50));
		if (ktix_nl_sess_put(w->nl, (uint8_t *)id, strlen(id), data,
				     sizeof(data), 0))
			w->errors++;
		if (check(w->nl, id, sizeof(data),
			  (unsigned int)(w->id * 1000 + r % 50)))
			w->errors++;

		snprintf(id, sizeof(id), "shared-%d", r % 8);
		memset(shared, w->id + 1, sizeof(shared));
		if (ktix_nl_sess_put(w->nl, (uint8_t *)id, strlen(id), shared,
				     sizeof(shared), 0))
			w->errors++;
		{
			struct ktix_sess_info s;
			int err = ktix_nl_sess_get(w->nl, (uint8_t *)id,
						   strlen(id), &s);

			if (err) {
				w->errors++;
				continue;
			}
			for (k = 1; k < (int)s.size; k++)
				if (s.data[k] != s.data[0] || s.data[0] < 1 ||
				    s.data[0] > WORKERS)
					break;
			if (s.size != sizeof(shared) || k != (int)s.size)
				w->errors++;
			ktix_sess_info_free(&s);
		}
	}
	return NULL;
}

TEST_F(cache, threads_put_and_get_at_once)
{
	struct worker w[WORKERS];
	pthread_t t[WORKERS];
	int i, errors = 0;

	for (i = 0; i < WORKERS; i++) {
		w[i].id = i;
		w[i].errors = 0;
		ASSERT_EQ(0, ktix_nl_open(&w[i].nl));
		ASSERT_EQ(0, pthread_create(&t[i], NULL, work, &w[i]));
	}
	for (i = 0; i < WORKERS; i++) {
		pthread_join(t[i], NULL);
		errors += w[i].errors;
		ktix_nl_close(w[i].nl);
	}
	EXPECT_EQ(0, errors);
	/* 50 own IDs a worker and 8 shared ones, nothing lost or doubled. */
	EXPECT_EQ(WORKERS * 50 + 8,
		  ktix_stat(self->nl, KTIX_STATS_A_CACHE_ENTRIES));
	EXPECT_EQ(2 * WORKERS * ROUNDS,
		  ktix_stat(self->nl, KTIX_STATS_A_SESS_PUTS));
	EXPECT_EQ(2 * WORKERS * ROUNDS,
		  ktix_stat(self->nl, KTIX_STATS_A_SESS_HITS));
}

/* Revocation. */

static struct ktix_nl *listener(struct __test_metadata *_metadata)
{
	struct ktix_nl *nl;

	ASSERT_EQ(0, ktix_nl_open(&nl));
	ASSERT_EQ(0, ktix_nl_subscribe(nl, KTIX_MCGRP_REVOKE));
	return nl;
}

static const struct ktix_revoke_info *find_revoked(const struct ktix_revoke_list *l,
						   const uint8_t *h)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!memcmp(l->revoked[i].handle, h, KTIX_REVOKE_HANDLE_LEN))
			return &l->revoked[i];
	return NULL;
}

TEST_F(cache, revoke_announced_to_every_listener)
{
	struct ktix_nl *ev1 = listener(_metadata), *ev2 = listener(_metadata);
	uint8_t h[16] = { 0xab, 0xcd };
	struct ktix_revoke_list l;
	struct ktix_event e;
	uint64_t gen, until = (uint64_t)time(NULL) + 600;
	int i;

	ASSERT_EQ(0, ktix_nl_revoke_add(self->nl, h, until, &gen));
	EXPECT_EQ(1, gen);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, ktix_nl_next_event(i ? ev2 : ev1, 5000, &e));
		EXPECT_EQ(KTIX_CMD_REVOKE_NOTIFY, e.cmd);
		EXPECT_EQ(KTIX_REVOKE_EV_ADD, e.event);
		EXPECT_EQ(gen, e.generation);
		ASSERT_TRUE(e.has_handle);
		EXPECT_EQ(0, memcmp(h, e.handle, 16));
		EXPECT_EQ(until, e.until);
	}
	ASSERT_EQ(0, ktix_nl_revoke_list(self->nl, &l));
	ASSERT_EQ(1, l.n);
	EXPECT_EQ(gen, l.generation);
	EXPECT_EQ(until, l.revoked[0].until);
	ktix_revoke_list_free(&l);

	/* Again: extended, never shortened. */
	ASSERT_EQ(0, ktix_nl_revoke_add(self->nl, h, until - 300, &gen));
	EXPECT_EQ(2, gen);
	ASSERT_EQ(0, ktix_nl_next_event(ev1, 5000, &e));
	EXPECT_EQ(until, e.until);
	ASSERT_EQ(0, ktix_nl_revoke_add(self->nl, h, until + 300, &gen));
	ASSERT_EQ(0, ktix_nl_revoke_list(self->nl, &l));
	ASSERT_EQ(1, l.n);
	EXPECT_EQ(until + 300, l.revoked[0].until);
	ktix_revoke_list_free(&l);
	EXPECT_EQ(3, ktix_stat(self->nl, KTIX_STATS_A_REVOCATIONS));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_REVOKED));
	ktix_nl_close(ev1);
	ktix_nl_close(ev2);
}

TEST_F(cache, revoke_default_until)
{
	struct ktix_revoke_list l;
	uint8_t h[16] = { 1 };
	uint64_t now = (uint64_t)time(NULL);

	ASSERT_EQ(0, ktix_nl_revoke_add(self->nl, h, 0, NULL));
	ASSERT_EQ(0, ktix_nl_revoke_list(self->nl, &l));
	ASSERT_EQ(1, l.n);
	/* retention (12 h) plus the rotation interval (1 h), by default. */
	EXPECT_LE(now + 46800, l.revoked[0].until);
	EXPECT_GE(now + 46802, l.revoked[0].until);
	ktix_revoke_list_free(&l);
}

TEST_F(cache, revoke_bad_input)
{
	uint8_t h[16] = { 2 };
	uint64_t now = (uint64_t)time(NULL);
	struct nl_msg *msg;
	struct nlattr *nest;
	int outer;

	assert_refused(_metadata, self->nl,
		       ktix_nl_revoke_add(self->nl, h, now - 10, NULL), -EINVAL);
	EXPECT_EQ(KTIX_REVOKE_A_UNTIL, ktix_nl_err_attr(self->nl, &outer));
	assert_refused(_metadata, self->nl,
		       ktix_nl_revoke_add(self->nl, h,
					  now + KTIX_REVOKE_MAX_SECS + 100, NULL),
		       -ERANGE);

	/* A handle of 15 bytes. */
	msg = ktix_nl_msg(self->nl, KTIX_CMD_REVOKE_ADD);
	ASSERT_NE(NULL, msg);
	nest = nla_nest_start(msg, KTIX_A_REVOKE | NLA_F_NESTED);
	ASSERT_EQ(0, nla_put(msg, KTIX_REVOKE_A_HANDLE, 15, h));
	nla_nest_end(msg, nest);
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl, msg, NULL, NULL), -ERANGE);
	EXPECT_EQ(KTIX_REVOKE_A_HANDLE, ktix_nl_err_attr(self->nl, &outer));

	/* No handle. */
	msg = ktix_nl_msg(self->nl, KTIX_CMD_REVOKE_ADD);
	ASSERT_NE(NULL, msg);
	nest = nla_nest_start(msg, KTIX_A_REVOKE | NLA_F_NESTED);
	ASSERT_EQ(0, nla_put_u64(msg, KTIX_REVOKE_A_UNTIL, now + 100));
	nla_nest_end(msg, nest);
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl, msg, NULL, NULL), -EINVAL);

	/* A time of 0. */
	msg = ktix_nl_msg(self->nl, KTIX_CMD_REVOKE_ADD);
	ASSERT_NE(NULL, msg);
	nest = nla_nest_start(msg, KTIX_A_REVOKE | NLA_F_NESTED);
	ASSERT_EQ(0, nla_put(msg, KTIX_REVOKE_A_HANDLE, 16, h));
	ASSERT_EQ(0, nla_put_u64(msg, KTIX_REVOKE_A_UNTIL, 0));
	nla_nest_end(msg, nest);
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl, msg, NULL, NULL), -EINVAL);
	EXPECT_EQ(KTIX_REVOKE_A_UNTIL, ktix_nl_err_attr(self->nl, &outer));

	/* No nest. */
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl,
					ktix_nl_msg(self->nl, KTIX_CMD_REVOKE_ADD),
					NULL, NULL), -EINVAL);
	EXPECT_EQ(0, ktix_stat(self->nl, KTIX_STATS_A_REVOKED));
}

TEST_F(cache, revoke_expires)
{
	struct ktix_nl *ev = listener(_metadata);
	uint8_t a[16] = { 3 }, b[16] = { 4 };
	uint64_t now = (uint64_t)time(NULL);
	struct ktix_revoke_list l;
	struct ktix_event e;

	ASSERT_EQ(0, ktix_nl_revoke_add(self->nl, a, now + 2, NULL));
	ASSERT_EQ(0, ktix_nl_revoke_add(self->nl, b, now + 600, NULL));
	ASSERT_EQ(0, ktix_nl_next_event(ev, 5000, &e));
	ASSERT_EQ(0, ktix_nl_next_event(ev, 5000, &e));
	ASSERT_EQ(0, ktix_nl_next_event(ev, 6000, &e));
	EXPECT_EQ(KTIX_REVOKE_EV_EXPIRE, e.event);
	EXPECT_EQ(3, e.generation);
	EXPECT_FALSE(e.has_handle);
	ASSERT_EQ(0, ktix_nl_revoke_list(self->nl, &l));
	ASSERT_EQ(1, l.n);
	EXPECT_NE(NULL, find_revoked(&l, b));
	ktix_revoke_list_free(&l);
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_REVOKE_EXPIRED));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_REVOKED));
	ktix_nl_close(ev);
}

static void set_revoke_bytes(struct __test_metadata *_metadata,
			     struct ktix_nl *nl, uint64_t bytes, int expect)
{
	struct ktix_policy_info p = { .revoke_bytes = bytes };
	int err = ktix_nl_policy_set(nl, &p, KTIX_POLICY_SET_REVOKE_BYTES);

	ASSERT_EQ(expect, err) TH_LOG("policy set: %s", ktix_nl_errmsg(nl));
}

/*
 * The bound is the policy's revoke-bytes at 80 bytes a handle: 1 MiB, the
 * least, holds 13107.  13107 requests take a while under emulation.
 */
TEST_F_TIMEOUT(cache, revoke_set_is_bounded, 600)
{
	uint64_t until = (uint64_t)time(NULL) + 3600;
	const uint32_t max = (1 << 20) / 80;
	struct ktix_policy_info pol;
	struct ktix_revoke_list l;
	uint8_t h[16] = { 0 };
	uint32_t i;
	int err = 0;

	ASSERT_EQ(0, ktix_nl_policy_get(self->nl, &pol));
	/* The default holds 25 logouts a second for 13 hours at least. */
	EXPECT_LE(25ull * 13 * 3600 * 80, pol.revoke_bytes);
	set_revoke_bytes(_metadata, self->nl, 1 << 20, 0);
	for (i = 0; i < max && !err; i++) {
		memcpy(h, &i, sizeof(i));
		err = ktix_nl_revoke_add(self->nl, h, until, NULL);
	}
	ASSERT_EQ(0, err) TH_LOG("revocation %u: %s", i, ktix_nl_errmsg(self->nl));
	EXPECT_EQ((uint64_t)max * 80,
		  ktix_stat(self->nl, KTIX_STATS_A_REVOKE_BYTES));
	h[15] = 1;
	assert_refused(_metadata, self->nl,
		       ktix_nl_revoke_add(self->nl, h, until, NULL), -ENOSPC);
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_REVOKE_FULL));
	/* Refused, never forgotten: all of them are still there. */
	ASSERT_EQ(0, ktix_nl_revoke_list(self->nl, &l));
	EXPECT_EQ(max, l.n);
	h[15] = 0;
	i = 12345;
	memcpy(h, &i, sizeof(i));
	EXPECT_NE(NULL, find_revoked(&l, h));
	ktix_revoke_list_free(&l);
	/* One already there may still be extended. */
	EXPECT_EQ(0, ktix_nl_revoke_add(self->nl, h, until + 60, NULL));
	/* A bound below what is held is refused: nothing is dropped. */
	ASSERT_EQ(0, ktix_nl_revoke_list(self->nl, &l));
	EXPECT_EQ(max, l.n);
	ktix_revoke_list_free(&l);
	set_revoke_bytes(_metadata, self->nl, 1 << 20, 0);
	set_revoke_bytes(_metadata, self->nl, (1 << 20) + 80, 0);
	h[15] = 1;
	EXPECT_EQ(0, ktix_nl_revoke_add(self->nl, h, until, NULL));
	set_revoke_bytes(_metadata, self->nl, 1 << 20, -EBUSY);
	EXPECT_EQ(max + 1, ktix_stat(self->nl, KTIX_STATS_A_REVOKED));
}

/* The reply and the announcement carry the entry as it now is. */
TEST_F(cache, revoke_reply_and_generation)
{
	struct ktix_nl *ev = listener(_metadata);
	uint64_t now = (uint64_t)time(NULL), gen = 0, g;
	struct ktix_revoke_info entry;
	uint8_t h[16] = { 9, 9 };
	struct ktix_event e;

	ASSERT_EQ(0, ktix_nl_revoke_generation(self->nl, &g));
	EXPECT_EQ(0, g);
	ASSERT_EQ(0, ktix_nl_revoke_add_entry(self->nl, h, now + 900, &gen,
					      &entry));
	EXPECT_EQ(1, gen);
	EXPECT_EQ(now + 900, entry.until);
	EXPECT_EQ(0, memcmp(entry.handle, h, 16));
	/* An earlier time keeps the later one, and says so. */
	ASSERT_EQ(0, ktix_nl_revoke_add_entry(self->nl, h, now + 600, &gen,
					      &entry));
	EXPECT_EQ(2, gen);
	EXPECT_EQ(now + 900, entry.until);
	ASSERT_EQ(0, ktix_nl_revoke_generation(self->nl, &g));
	EXPECT_EQ(2, g);
	ASSERT_EQ(0, ktix_nl_next_event(ev, 5000, &e));
	EXPECT_EQ(1, e.generation);
	ASSERT_EQ(0, ktix_nl_next_event(ev, 5000, &e));
	EXPECT_EQ(2, e.generation);
	EXPECT_EQ(now + 900, e.until);
	ktix_nl_close(ev);
}

TEST_HARNESS_MAIN
