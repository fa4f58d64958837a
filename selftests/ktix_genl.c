// SPDX-License-Identifier: GPL-2.0
/*
 * ktix_genl: the generic netlink family "ktix".
 *
 * Runs inside the test VM (selftests/vm/run) as root with ktix.ko loaded.
 * Every harness test runs in a child process of its own, so a test may
 * change its namespaces and credentials freely.  Tests that change the
 * policy of the VM's initial namespace put it back in the fixture teardown.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/tls.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include "ktix_nl.h"
#include "kselftest_harness.h"

#ifndef KTIX_EXPECT_VERSION
#error "KTIX_EXPECT_VERSION must be the version in the VERSION file"
#endif

#define ALL_FIELDS 0x1ff

static const struct ktix_policy_info defaults = {
	.rotate_interval = 3600,
	.retention = 43200,
	.ticket_lifetime = 43200,
	.max_keys = 16,
	.cache_entries = 100000,
	.cache_bytes = 64ULL << 20,
	.session_lifetime = 3600,
	.session_max_size = 16384,
	.revoke_bytes = 128ULL << 20,
};

/* KtixPolicyUpdates from /proc/net/ktix_stat of the current namespace. */
static long policy_updates(struct __test_metadata *_metadata)
{
	char name[64];
	long val, found = -1;
	FILE *f;

	f = fopen("/proc/net/ktix_stat", "r");
	ASSERT_NE(NULL, f) TH_LOG("/proc/net/ktix_stat: %s", strerror(errno));
	while (fscanf(f, "%63s %ld", name, &val) == 2)
		if (!strcmp(name, "KtixPolicyUpdates"))
			found = val;
	fclose(f);
	ASSERT_LE(0, found) TH_LOG("no KtixPolicyUpdates line");
	return found;
}

static void assert_policy_eq(struct __test_metadata *_metadata,
			     const struct ktix_policy_info *a,
			     const struct ktix_policy_info *b)
{
	const struct ktix_policy_field *f;

	for (f = ktix_policy_fields; f->name; f++)
		EXPECT_EQ(ktix_policy_field_get(a, f), ktix_policy_field_get(b, f))
			TH_LOG("policy field %s", f->name);
}

/* A POLICY_SET request whose nest holds one attribute of raw bytes. */
static struct nl_msg *policy_set_raw(struct ktix_nl *nl, int type,
				     const void *data, int len)
{
	struct nl_msg *msg = ktix_nl_msg(nl, KTIX_CMD_POLICY_SET);
	struct nlattr *nest;

	if (!msg)
		return NULL;
	nest = nla_nest_start(msg, KTIX_A_POLICY | NLA_F_NESTED);
	if (!nest || nla_put(msg, type, len, data)) {
		nlmsg_free(msg);
		return NULL;
	}
	nla_nest_end(msg, nest);
	return msg;
}

static int policy_set_u32(struct ktix_nl *nl, int type, uint32_t v)
{
	return ktix_nl_transact(nl, policy_set_raw(nl, type, &v, sizeof(v)),
				NULL, NULL);
}

/* The request was refused with err and a message, pointing at type. */
static void assert_refused(struct __test_metadata *_metadata,
			   struct ktix_nl *nl, int got, int err, int type,
			   int outer)
{
	int o, t;

	ASSERT_EQ(err, got);
	EXPECT_NE(0, strlen(ktix_nl_errmsg(nl)))
		TH_LOG("no extended-ACK message");
	TH_LOG("refused as expected: %s: %s", strerror(-got),
	       ktix_nl_errmsg(nl));
	if (type < 0)
		return;
	t = ktix_nl_err_attr(nl, &o);
	EXPECT_EQ(type, t) TH_LOG("the error names attribute %d", t);
	EXPECT_EQ(outer, o);
}

FIXTURE(genl) {
	struct ktix_nl *nl;
	struct ktix_policy_info saved;
};

FIXTURE_SETUP(genl)
{
	int err = ktix_nl_open(&self->nl);

	ASSERT_EQ(0, err) TH_LOG("ktix_nl_open: %s", strerror(-err));
	ASSERT_EQ(0, ktix_nl_policy_get(self->nl, &self->saved));
}

FIXTURE_TEARDOWN(genl)
{
	EXPECT_EQ(0, ktix_nl_policy_set(self->nl, &self->saved, ALL_FIELDS));
	ktix_nl_close(self->nl);
}

TEST_F(genl, version)
{
	struct ktix_version_info v;

	ASSERT_EQ(0, ktix_nl_version(self->nl, &v));
	EXPECT_STREQ(KTIX_EXPECT_VERSION, v.version);
	EXPECT_EQ(KTIX_F_POLICY, v.features & KTIX_F_POLICY);
	EXPECT_EQ(KTIX_F_RING, v.features & KTIX_F_RING);
}

TEST_F(genl, defaults)
{
	assert_policy_eq(_metadata, &defaults, &self->saved);
}

TEST_F(genl, unknown_command)
{
	/* The genetlink core answers unknown commands, with no message. */
	EXPECT_EQ(-EOPNOTSUPP, ktix_nl_transact(self->nl,
		  ktix_nl_msg(self->nl, KTIX_CMD_MAX + 1), NULL, NULL));
	EXPECT_EQ(-EOPNOTSUPP, ktix_nl_transact(self->nl,
		  ktix_nl_msg(self->nl, KTIX_CMD_UNSPEC), NULL, NULL));
	EXPECT_EQ(-EOPNOTSUPP, ktix_nl_transact(self->nl,
		  ktix_nl_msg(self->nl, 200), NULL, NULL));
}

TEST_F(genl, version_takes_no_attributes)
{
	struct nl_msg *msg = ktix_nl_msg(self->nl, KTIX_CMD_VERSION);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, KTIX_A_VERSION, 1));
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl, msg, NULL, NULL),
		       -EINVAL, KTIX_A_VERSION, -1);
}

TEST_F(genl, unknown_top_level_attribute)
{
	struct nl_msg *msg = ktix_nl_msg(self->nl, KTIX_CMD_POLICY_SET);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, KTIX_A_MAX + 7, 1));
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl, msg, NULL, NULL),
		       -EINVAL, KTIX_A_MAX + 7, -1);
}

TEST_F(genl, attribute_of_another_command)
{
	struct nl_msg *msg = ktix_nl_msg(self->nl, KTIX_CMD_POLICY_SET);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_string(msg, KTIX_A_VERSION, "9.9"));
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl, msg, NULL, NULL),
		       -EINVAL, KTIX_A_VERSION, -1);
}

TEST_F(genl, unknown_nested_attribute)
{
	uint32_t v = 1;

	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl,
					policy_set_raw(self->nl, KTIX_POLICY_A_MAX + 3,
						       &v, sizeof(v)),
					NULL, NULL),
		       -EINVAL, KTIX_POLICY_A_MAX + 3, KTIX_A_POLICY);
}

TEST_F(genl, wrong_length)
{
	uint16_t short_v = 8;
	uint64_t long_v = 8;

	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl,
					policy_set_raw(self->nl, KTIX_POLICY_A_MAX_KEYS,
						       &short_v, sizeof(short_v)),
					NULL, NULL),
		       -EINVAL, KTIX_POLICY_A_MAX_KEYS, KTIX_A_POLICY);
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl,
					policy_set_raw(self->nl, KTIX_POLICY_A_MAX_KEYS,
						       &long_v, sizeof(long_v)),
					NULL, NULL),
		       -EINVAL, KTIX_POLICY_A_MAX_KEYS, KTIX_A_POLICY);
}

TEST_F(genl, nest_without_nested_flag)
{
	/* libnl always sets NLA_F_NESTED: lay the nest out by hand. */
	struct {
		struct nlattr hdr;
		uint32_t val;
	} inner = {
		.hdr = { .nla_len = sizeof(inner), .nla_type = KTIX_POLICY_A_MAX_KEYS },
		.val = 20,
	};
	struct nl_msg *msg = ktix_nl_msg(self->nl, KTIX_CMD_POLICY_SET);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put(msg, KTIX_A_POLICY, sizeof(inner), &inner));
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl, msg, NULL, NULL),
		       -EINVAL, KTIX_A_POLICY, -1);
}

TEST_F(genl, missing_policy)
{
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl,
					ktix_nl_msg(self->nl, KTIX_CMD_POLICY_SET),
					NULL, NULL),
		       -EINVAL, -1, -1);
}

TEST_F(genl, empty_policy_nest)
{
	struct nl_msg *msg = ktix_nl_msg(self->nl, KTIX_CMD_POLICY_SET);
	struct nlattr *nest;

	ASSERT_NE(NULL, msg);
	nest = nla_nest_start(msg, KTIX_A_POLICY | NLA_F_NESTED);
	ASSERT_NE(NULL, nest);
	/* Plain nla_nest_end() would drop the empty nest altogether. */
	nla_nest_end_keep_empty(msg, nest);
	assert_refused(_metadata, self->nl,
		       ktix_nl_transact(self->nl, msg, NULL, NULL),
		       -EINVAL, KTIX_A_POLICY, -1);
}

TEST_F(genl, out_of_range)
{
	struct ktix_policy_info p = { .cache_bytes = 1024 };
	uint64_t lo, hi;

	assert_refused(_metadata, self->nl,
		       policy_set_u32(self->nl, KTIX_POLICY_A_MAX_KEYS,
				      KTIX_MAX_KEYS_LIMIT + 1),
		       -ERANGE, KTIX_POLICY_A_MAX_KEYS, KTIX_A_POLICY);
	ASSERT_TRUE(ktix_nl_err_range(self->nl, &lo, &hi));
	EXPECT_EQ(2, lo);
	EXPECT_EQ(KTIX_MAX_KEYS_LIMIT, hi);

	/* RFC 8446 4.6.1: a ticket lives seven days at most. */
	assert_refused(_metadata, self->nl,
		       policy_set_u32(self->nl, KTIX_POLICY_A_TICKET_LIFETIME,
				      7 * 86400 + 1),
		       -ERANGE, KTIX_POLICY_A_TICKET_LIFETIME, KTIX_A_POLICY);
	assert_refused(_metadata, self->nl,
		       policy_set_u32(self->nl, KTIX_POLICY_A_SESSION_LIFETIME,
				      86401),
		       -ERANGE, KTIX_POLICY_A_SESSION_LIFETIME, KTIX_A_POLICY);
	assert_refused(_metadata, self->nl,
		       policy_set_u32(self->nl, KTIX_POLICY_A_ROTATE_INTERVAL,
				      7 * 86400 + 1),
		       -ERANGE, KTIX_POLICY_A_ROTATE_INTERVAL, KTIX_A_POLICY);
	assert_refused(_metadata, self->nl,
		       ktix_nl_policy_set(self->nl, &p, KTIX_POLICY_SET_CACHE_BYTES),
		       -ERANGE, KTIX_POLICY_A_CACHE_BYTES, KTIX_A_POLICY);
}

TEST_F(genl, refused_change_changes_nothing)
{
	struct ktix_policy_info p = self->saved, after;
	long before = policy_updates(_metadata);

	/* Retention shorter than the ticket lifetime, with a valid field. */
	p.max_keys = 20;
	p.retention = 3600;
	assert_refused(_metadata, self->nl,
		       ktix_nl_policy_set(self->nl, &p,
					  KTIX_POLICY_SET_MAX_KEYS |
					  KTIX_POLICY_SET_RETENTION),
		       -EINVAL, -1, -1);

	/* Too few keys for 12 h of retention at one rotation an hour. */
	assert_refused(_metadata, self->nl,
		       policy_set_u32(self->nl, KTIX_POLICY_A_MAX_KEYS, 13),
		       -EINVAL, -1, -1);

	ASSERT_EQ(0, ktix_nl_policy_get(self->nl, &after));
	assert_policy_eq(_metadata, &self->saved, &after);
	EXPECT_EQ(before, policy_updates(_metadata));
}

TEST_F(genl, set_and_get)
{
	struct ktix_policy_info p = self->saved, after;
	long before = policy_updates(_metadata);

	p.rotate_interval = 7200;
	p.max_keys = 10;
	p.cache_bytes = 1ULL << 30;
	ASSERT_EQ(0, ktix_nl_policy_set(self->nl, &p,
					KTIX_POLICY_SET_ROTATE_INTERVAL |
					KTIX_POLICY_SET_MAX_KEYS |
					KTIX_POLICY_SET_CACHE_BYTES))
		TH_LOG("%s", ktix_nl_errmsg(self->nl));
	ASSERT_EQ(0, ktix_nl_policy_get(self->nl, &after));
	assert_policy_eq(_metadata, &p, &after);
	EXPECT_EQ(before + 1, policy_updates(_metadata));

	/* Manual rotation needs room for no retired keys. */
	p.rotate_interval = 0;
	p.max_keys = 2;
	ASSERT_EQ(0, ktix_nl_policy_set(self->nl, &p,
					KTIX_POLICY_SET_ROTATE_INTERVAL |
					KTIX_POLICY_SET_MAX_KEYS));
	ASSERT_EQ(0, ktix_nl_policy_get(self->nl, &after));
	assert_policy_eq(_metadata, &p, &after);
}

static void drop_to_nobody(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, setgroups(0, NULL));
	ASSERT_EQ(0, setresgid(65534, 65534, 65534));
	ASSERT_EQ(0, setresuid(65534, 65534, 65534));
}

TEST(unprivileged_caller_is_refused)
{
	struct ktix_policy_info p, after;
	struct ktix_version_info v;
	struct ktix_nl *nl;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop privileges from");
	drop_to_nobody(_metadata);

	ASSERT_EQ(0, ktix_nl_open(&nl));
	/* Reading is open to everyone... */
	EXPECT_EQ(0, ktix_nl_version(nl, &v));
	ASSERT_EQ(0, ktix_nl_policy_get(nl, &p));
	/* ...changing is not. */
	p.max_keys = 20;
	EXPECT_EQ(-EPERM, ktix_nl_policy_set(nl, &p, KTIX_POLICY_SET_MAX_KEYS));
	ASSERT_EQ(0, ktix_nl_policy_get(nl, &after));
	EXPECT_NE(20, after.max_keys);
	ktix_nl_close(nl);
}

TEST(foreign_user_namespace_is_refused)
{
	struct ktix_policy_info p;
	struct ktix_nl *nl;

	/* Every capability, but in a user namespace that does not own the
	 * network namespace.
	 */
	if (unshare(CLONE_NEWUSER))
		SKIP(return, "unshare(CLONE_NEWUSER): %s", strerror(errno));

	ASSERT_EQ(0, ktix_nl_open(&nl));
	ASSERT_EQ(0, ktix_nl_policy_get(nl, &p));
	p.max_keys = 20;
	EXPECT_EQ(-EPERM, ktix_nl_policy_set(nl, &p, KTIX_POLICY_SET_MAX_KEYS));
	ktix_nl_close(nl);
}

TEST(own_user_and_network_namespace_is_allowed)
{
	struct ktix_policy_info p, after;
	struct ktix_nl *nl;

	/* An unprivileged user administers the network namespace it made. */
	drop_to_nobody(_metadata);
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		SKIP(return, "unshare(CLONE_NEWUSER | CLONE_NEWNET): %s",
		     strerror(errno));

	ASSERT_EQ(0, ktix_nl_open(&nl));
	ASSERT_EQ(0, ktix_nl_policy_get(nl, &p));
	p.max_keys = 20;
	EXPECT_EQ(0, ktix_nl_policy_set(nl, &p, KTIX_POLICY_SET_MAX_KEYS))
		TH_LOG("%s", ktix_nl_errmsg(nl));
	ASSERT_EQ(0, ktix_nl_policy_get(nl, &after));
	EXPECT_EQ(20, after.max_keys);
	ktix_nl_close(nl);
}

TEST(network_namespace_has_own_state)
{
	struct ktix_policy_info init_p, p, after;
	struct ktix_nl *nl;
	long init_updates;
	int init_ns;

	init_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, init_ns);
	ASSERT_EQ(0, ktix_nl_open(&nl));
	ASSERT_EQ(0, ktix_nl_policy_get(nl, &init_p));
	ktix_nl_close(nl);
	init_updates = policy_updates(_metadata);

	ASSERT_EQ(0, unshare(CLONE_NEWNET));

	/* The family is there in the new namespace, with fresh state. */
	ASSERT_EQ(0, ktix_nl_open(&nl));
	ASSERT_EQ(0, ktix_nl_policy_get(nl, &p));
	assert_policy_eq(_metadata, &defaults, &p);
	EXPECT_EQ(0, policy_updates(_metadata));

	p.max_keys = 33;
	p.session_max_size = 4096;
	ASSERT_EQ(0, ktix_nl_policy_set(nl, &p, KTIX_POLICY_SET_MAX_KEYS |
					KTIX_POLICY_SET_SESSION_MAX_SIZE));
	EXPECT_EQ(1, policy_updates(_metadata));
	ktix_nl_close(nl);

	/* Back home: nothing of that is seen here. */
	ASSERT_EQ(0, setns(init_ns, CLONE_NEWNET));
	ASSERT_EQ(0, ktix_nl_open(&nl));
	ASSERT_EQ(0, ktix_nl_policy_get(nl, &after));
	assert_policy_eq(_metadata, &init_p, &after);
	EXPECT_EQ(init_updates, policy_updates(_metadata));
	ktix_nl_close(nl);
	close(init_ns);
}

TEST(many_network_namespaces)
{
	int i;

	/* Each child makes a namespace, changes its state and lets it die. */
	for (i = 0; i < 50; i++) {
		pid_t pid = fork();
		int status;

		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct ktix_policy_info p = { .max_keys = 40 };
			struct ktix_nl *nl;

			if (unshare(CLONE_NEWNET) || ktix_nl_open(&nl) ||
			    ktix_nl_policy_set(nl, &p, KTIX_POLICY_SET_MAX_KEYS))
				_exit(1);
			ktix_nl_close(nl);
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
}

/*
 * Requests that carry secrets (KEY_ADD, SESS_PUT, OFFLOAD) and fail: the
 * error ACK echoes the request (NETLINK_CAP_ACK off, as a client may
 * leave it), and the kernel wipes the secret's nest before it answers, so
 * the echo carries zeros where the secret was.  Each request is wrong in
 * an attribute nested beside the secret, so that the nest fails to parse.
 */
#define SECRET_BYTE 0xa7

static bool echo_has_secret(struct __test_metadata *_metadata, int fd,
			    struct nl_msg *msg, int *err)
{
	uint8_t buf[8192];
	struct nlmsgerr *e;
	ssize_t n, i;
	int run = 0;

	ASSERT_EQ((ssize_t)nlmsg_hdr(msg)->nlmsg_len,
		  send(fd, nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len, 0));
	n = recv(fd, buf, sizeof(buf), 0);
	ASSERT_LT((ssize_t)(NLMSG_HDRLEN + sizeof(*e)), n);
	ASSERT_EQ(NLMSG_ERROR, ((struct nlmsghdr *)buf)->nlmsg_type);
	e = NLMSG_DATA(buf);
	*err = e->error;
	/* The whole request came back: its length is the original's. */
	EXPECT_EQ(nlmsg_hdr(msg)->nlmsg_len, e->msg.nlmsg_len);
	for (i = 0; i < n; i++) {
		run = buf[i] == SECRET_BYTE ? run + 1 : 0;
		if (run >= 16)
			return true;
	}
	return false;
}

TEST(secrets_are_wiped_from_error_acks)
{
	uint8_t secret[32], name[16] = { 1 };
	struct nl_sock *sk = nl_socket_alloc();
	struct nlattr *nest, *dir;
	struct nl_msg *msg;
	int fd, family, err;

	memset(secret, SECRET_BYTE, sizeof(secret));
	ASSERT_NE(NULL, sk);
	ASSERT_EQ(0, genl_connect(sk));
	family = genl_ctrl_resolve(sk, KTIX_GENL_NAME);
	ASSERT_LT(0, family);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	ASSERT_LE(0, fd);

	/* KEY_ADD: a state out of range beside the keys. */
	msg = nlmsg_alloc();
	genlmsg_put(msg, 0, 1, family, 0, NLM_F_REQUEST | NLM_F_ACK,
		    KTIX_CMD_KEY_ADD, KTIX_GENL_VERSION);
	nest = nla_nest_start(msg, KTIX_A_KEY | NLA_F_NESTED);
	nla_put(msg, KTIX_KEY_A_NAME, 16, name);
	nla_put(msg, KTIX_KEY_A_AES_KEY, 32, secret);
	nla_put(msg, KTIX_KEY_A_HMAC_KEY, 32, secret);
	nla_put_u32(msg, KTIX_KEY_A_STATE, 99);
	nla_nest_end(msg, nest);
	EXPECT_FALSE(echo_has_secret(_metadata, fd, msg, &err));
	EXPECT_EQ(-ERANGE, err);
	nlmsg_free(msg);

	/* SESS_PUT: a lifetime out of range beside the session. */
	msg = nlmsg_alloc();
	genlmsg_put(msg, 0, 2, family, 0, NLM_F_REQUEST | NLM_F_ACK,
		    KTIX_CMD_SESS_PUT, KTIX_GENL_VERSION);
	nest = nla_nest_start(msg, KTIX_A_SESSION | NLA_F_NESTED);
	nla_put(msg, KTIX_SESS_A_ID, 4, "wipe");
	nla_put(msg, KTIX_SESS_A_DATA, 32, secret);
	nla_put_u32(msg, KTIX_SESS_A_LIFETIME, 0);
	nla_nest_end(msg, nest);
	EXPECT_FALSE(echo_has_secret(_metadata, fd, msg, &err));
	EXPECT_EQ(-ERANGE, err);
	nlmsg_free(msg);

	/* OFFLOAD: a record sequence of the wrong length beside the key. */
	msg = nlmsg_alloc();
	genlmsg_put(msg, 0, 3, family, 0, NLM_F_REQUEST | NLM_F_ACK,
		    KTIX_CMD_OFFLOAD, KTIX_GENL_VERSION);
	nest = nla_nest_start(msg, KTIX_A_OFFLOAD | NLA_F_NESTED);
	nla_put_u32(msg, KTIX_OFFLOAD_A_FD, 0);
	nla_put_u16(msg, KTIX_OFFLOAD_A_VERSION, TLS_1_3_VERSION);
	nla_put_u16(msg, KTIX_OFFLOAD_A_CIPHER, TLS_CIPHER_AES_GCM_256);
	nla_put_u32(msg, KTIX_OFFLOAD_A_KIND, KTIX_OFFLOAD_KIND_FULL);
	dir = nla_nest_start(msg, KTIX_OFFLOAD_A_TX | NLA_F_NESTED);
	nla_put(msg, KTIX_DIR_A_KEY, 32, secret);
	nla_put(msg, KTIX_DIR_A_REC_SEQ, 3, secret);
	nla_nest_end(msg, dir);
	nla_nest_end(msg, nest);
	EXPECT_FALSE(echo_has_secret(_metadata, fd, msg, &err));
	EXPECT_EQ(-ERANGE, err);
	nlmsg_free(msg);

	close(fd);
	nl_socket_free(sk);
}

TEST_HARNESS_MAIN
