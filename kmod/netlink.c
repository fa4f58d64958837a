// SPDX-License-Identifier: GPL-2.0
/*
 * ktix: the generic netlink family "ktix".
 *
 * include/uapi/linux/ktix.h documents every command and attribute.  Each
 * command has its own attribute policy; a command with none accepts no
 * attribute at all (the genetlink core rejects them for us).  The family
 * runs its handlers in parallel (no genl_mutex): every handler locks what
 * it touches itself.
 */

#include <linux/netlink.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <uapi/linux/ktix.h>

#include "compat.h"
#include "main.h"
#include "netlink.h"
#include "offload.h"
#include "policy.h"
#include "stats.h"

#define KTIX_FEATURES	((u64)(KTIX_F_POLICY | KTIX_F_RING | KTIX_F_CACHE | \
			       KTIX_F_REVOKE | KTIX_F_STATS | KTIX_F_OFFLOAD | \
			       KTIX_F_SCHEDULE | KTIX_F_SEND_FIRST))

/* make KTIX_SERIAL_OPS=y: the serial build bench/run parallel compares. */
#ifdef KTIX_SERIAL_OPS
#define KTIX_PARALLEL_OPS	false
#else
#define KTIX_PARALLEL_OPS	true
#endif

static struct genl_family ktix_genl_family;

/*
 * Cleared, and waited for, before the family goes: a rotation worker may be
 * announcing a change while the module is being unloaded.
 */
static bool ktix_genl_live;

enum {
	KTIX_MCGRP_RING_IDX,
	KTIX_MCGRP_REVOKE_IDX,
};

/*
 * Who reads what: what identifies a client's session (session IDs, session
 * handles, and so the "revoke" group, which carries handles) is for
 * CAP_NET_ADMIN in the namespace's user namespace; the ring's events
 * (an event and a generation), the keys' names and times, the policy and
 * the counters are open, for monitoring.
 */
static const struct genl_multicast_group ktix_mcgrps[] = {
	[KTIX_MCGRP_RING_IDX] = { .name = KTIX_MCGRP_RING },
	[KTIX_MCGRP_REVOKE_IDX] = { .name = KTIX_MCGRP_REVOKE,
				    .flags = GENL_MCAST_CAP_NET_ADMIN },
};

/* Each field's range, from <ktix/tables.h>. */
#define KTIX_POLICY(attr, field, name, type, lo, hi, def, unit)			\
	[KTIX_POLICY_A_##attr] = { .min = lo, .max = hi },
static struct netlink_range_validation ktix_policy_ranges[KTIX_POLICY_A_MAX + 1] = {
#include <ktix/tables.h>
};

/* The policy's session_max_size narrows it further. */
static struct netlink_range_validation session_data_range = {
	.min = 1, .max = KTIX_SESS_DATA_MAX_LEN,
};

#define KTIX_POLICY(attr, field, name, type, lo, hi, def, unit)			\
	[KTIX_POLICY_A_##attr] =					\
		NLA_POLICY_FULL_RANGE(NLA_##type,			\
				      &ktix_policy_ranges[KTIX_POLICY_A_##attr]),
static const struct nla_policy ktix_policy_nl_policy[KTIX_POLICY_A_MAX + 1] = {
#include <ktix/tables.h>
};

#define KTIX_POLICY(attr, field, name, type, lo, hi, def, unit)	\
	KTIX_POLICY_N_##attr,
enum {
#include <ktix/tables.h>
	__KTIX_POLICY_N
};

static const struct nla_policy ktix_policy_set_nl_policy[KTIX_A_MAX + 1] = {
	[KTIX_A_POLICY]		= NLA_POLICY_NESTED(ktix_policy_nl_policy),
};

static const struct nla_policy ktix_key_nl_policy[KTIX_KEY_A_MAX + 1] = {
	[KTIX_KEY_A_NAME]	= NLA_POLICY_EXACT_LEN(KTIX_KEY_NAME_LEN),
	[KTIX_KEY_A_STATE]	= NLA_POLICY_RANGE(NLA_U32, KTIX_KEY_STATE_NEXT,
						   KTIX_KEY_STATE_RETIRING),
	[KTIX_KEY_A_AES_KEY]	= NLA_POLICY_RANGE(NLA_BINARY, 16, 32),
	[KTIX_KEY_A_HMAC_KEY]	= NLA_POLICY_RANGE(NLA_BINARY, 16, 32),
	[KTIX_KEY_A_DECRYPT_UNTIL] = { .type = NLA_U64 },
	[KTIX_KEY_A_ENCRYPT_FROM] = { .type = NLA_U64 },
	[KTIX_KEY_A_ENCRYPT_UNTIL] = { .type = NLA_U64 },
};

/*
 * The nests that carry secrets (keys, sessions) are checked against their
 * own policy in the handler, not by the genetlink core before it: so that
 * the handler runs, and wipes them, even when they fail to parse.
 */
static const struct nla_policy ktix_key_cmd_nl_policy[KTIX_A_MAX + 1] = {
	[KTIX_A_KEY]		= { .type = NLA_NESTED },
};

static const struct nla_policy ktix_key_get_nl_policy[KTIX_A_MAX + 1] = {
	[KTIX_A_FLAGS]		= NLA_POLICY_MASK(NLA_U32, KTIX_FLAG_KEY_MATERIAL),
};

static const struct nla_policy ktix_sess_nl_policy[KTIX_SESS_A_MAX + 1] = {
	[KTIX_SESS_A_ID]	= NLA_POLICY_RANGE(NLA_BINARY, 1,
						   KTIX_SESS_ID_MAX_LEN),
	[KTIX_SESS_A_DATA]	= NLA_POLICY_FULL_RANGE(NLA_BINARY,
							&session_data_range),
	[KTIX_SESS_A_LIFETIME]	= NLA_POLICY_FULL_RANGE(NLA_U32,
		&ktix_policy_ranges[KTIX_POLICY_A_SESSION_LIFETIME]),
};

static const struct nla_policy ktix_sess_cmd_nl_policy[KTIX_A_MAX + 1] = {
	[KTIX_A_SESSION]	= { .type = NLA_NESTED },
	[KTIX_A_FLAGS]		= NLA_POLICY_MASK(NLA_U32, KTIX_FLAG_SESSION_DATA),
};

static const struct nla_policy ktix_revoke_nl_policy[KTIX_REVOKE_A_MAX + 1] = {
	[KTIX_REVOKE_A_HANDLE]	= NLA_POLICY_EXACT_LEN(KTIX_REVOKE_HANDLE_LEN),
	[KTIX_REVOKE_A_UNTIL]	= { .type = NLA_U64 },
};

static const struct nla_policy ktix_revoke_cmd_nl_policy[KTIX_A_MAX + 1] = {
	[KTIX_A_REVOKE]		= NLA_POLICY_NESTED(ktix_revoke_nl_policy),
};

static struct netlink_range_validation fd_range = {
	.min = 0, .max = INT_MAX,
};

static const struct nla_policy ktix_dir_nl_policy[KTIX_DIR_A_MAX + 1] = {
	[KTIX_DIR_A_KEY]	= NLA_POLICY_RANGE(NLA_BINARY, 16, 32),
	[KTIX_DIR_A_IV]		= NLA_POLICY_RANGE(NLA_BINARY, 8, 12),
	[KTIX_DIR_A_SALT]	= NLA_POLICY_EXACT_LEN(4),
	[KTIX_DIR_A_REC_SEQ]	= NLA_POLICY_EXACT_LEN(8),
};

static const struct nla_policy ktix_offload_nl_policy[KTIX_OFFLOAD_A_MAX + 1] = {
	[KTIX_OFFLOAD_A_FD]	= NLA_POLICY_FULL_RANGE(NLA_U32, &fd_range),
	[KTIX_OFFLOAD_A_VERSION] = { .type = NLA_U16 },
	[KTIX_OFFLOAD_A_CIPHER]	= { .type = NLA_U16 },
	[KTIX_OFFLOAD_A_KIND]	= NLA_POLICY_RANGE(NLA_U32, KTIX_OFFLOAD_KIND_FULL,
						   KTIX_OFFLOAD_KIND_MAX),
	[KTIX_OFFLOAD_A_TX]	= NLA_POLICY_NESTED(ktix_dir_nl_policy),
	[KTIX_OFFLOAD_A_RX]	= NLA_POLICY_NESTED(ktix_dir_nl_policy),
	[KTIX_OFFLOAD_A_RX_NO_PAD] = { .type = NLA_FLAG },
	[KTIX_OFFLOAD_A_RESUME_MISS] = NLA_POLICY_RANGE(NLA_U32,
						       KTIX_RESUME_MISS_UNKNOWN_KEY,
						       KTIX_RESUME_MISS_MAX),
	[KTIX_OFFLOAD_A_SEND_FIRST] = NLA_POLICY_RANGE(NLA_BINARY, 1,
						       KTIX_SEND_FIRST_MAX_LEN),
};

static const struct nla_policy ktix_offload_cmd_nl_policy[KTIX_A_MAX + 1] = {
	[KTIX_A_OFFLOAD]	= { .type = NLA_NESTED },
};

static int ktix_nl_version_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &ktix_genl_family, 0,
				KTIX_CMD_VERSION);
	if (!hdr)
		goto nla_put_failure;

	if (nla_put_string(msg, KTIX_A_VERSION, KTIX_MODULE_VERSION) ||
	    nla_put_u64_64bit(msg, KTIX_A_FEATURES, KTIX_FEATURES, KTIX_A_PAD))
		goto nla_put_failure;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* Where each field of <ktix/tables.h> is in struct ktix_policy. */
struct ktix_policy_slot {
	int type;
	size_t offset;
	bool is_u64;
};

#define KTIX_POLICY_IS_U32	false
#define KTIX_POLICY_IS_U64	true
#define KTIX_POLICY(attr, field, name, type, lo, hi, def, unit)		\
	{ KTIX_POLICY_A_##attr, offsetof(struct ktix_policy, field),	\
	  KTIX_POLICY_IS_##type },
static const struct ktix_policy_slot ktix_policy_slots[] = {
#include <ktix/tables.h>
};

/* Every field, in a KTIX_A_POLICY nest. */
static int ktix_put_policy(struct sk_buff *msg, const struct ktix_policy *p)
{
	const struct ktix_policy_slot *a;
	struct nlattr *nest;
	int err = 0;

	nest = nla_nest_start(msg, KTIX_A_POLICY);
	if (!nest)
		return -EMSGSIZE;
	for (a = ktix_policy_slots; !err && a < ktix_policy_slots +
	     ARRAY_SIZE(ktix_policy_slots); a++) {
		const void *v = (const u8 *)p + a->offset;

		err = a->is_u64 ?
		      nla_put_u64_64bit(msg, a->type, *(const u64 *)v,
					KTIX_POLICY_A_PAD) :
		      nla_put_u32(msg, a->type, *(const u32 *)v);
	}
	if (err) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int ktix_nl_policy_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktix_net *kn = ktix_pernet(genl_info_net(info));
	struct ktix_policy p;
	struct sk_buff *msg;
	void *hdr;

	mutex_lock(&kn->lock);
	p = kn->policy;
	mutex_unlock(&kn->lock);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &ktix_genl_family, 0,
				KTIX_CMD_POLICY_GET);
	if (!hdr || ktix_put_policy(msg, &p)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* The fields given in @tb over those of @p. */
static void ktix_policy_apply(struct ktix_policy *p, struct nlattr **tb)
{
	const struct ktix_policy_slot *a;

	for (a = ktix_policy_slots;
	     a < ktix_policy_slots + ARRAY_SIZE(ktix_policy_slots); a++) {
		void *v = (u8 *)p + a->offset;

		if (!tb[a->type])
			continue;
		if (a->is_u64)
			*(u64 *)v = nla_get_u64(tb[a->type]);
		else
			*(u32 *)v = nla_get_u32(tb[a->type]);
	}
}

static int ktix_nl_policy_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktix_net *kn = ktix_pernet(genl_info_net(info));
	struct nlattr *tb[KTIX_POLICY_A_MAX + 1];
	struct ktix_policy p;
	bool any = false;
	int err, i;

	if (GENL_REQ_ATTR_CHECK(info, KTIX_A_POLICY)) {
		GENL_SET_ERR_MSG(info, "missing KTIX_A_POLICY: nothing to change");
		return -EINVAL;
	}

	err = nla_parse_nested(tb, KTIX_POLICY_A_MAX, info->attrs[KTIX_A_POLICY],
			       ktix_policy_nl_policy, info->extack);
	if (err)
		return err;

	for (i = 1; i <= KTIX_POLICY_A_MAX; i++)
		any |= !!tb[i];
	if (!any) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KTIX_A_POLICY],
				    "policy nest is empty: nothing to change");
		return -EINVAL;
	}

	mutex_lock(&kn->lock);
	p = kn->policy;
	ktix_policy_apply(&p, tb);

	err = ktix_policy_check(&p, info->extack);
	if (!err)
		err = ktix_ring_policy_fits(kn, &p, info->extack);
	/* Revocations are never forgotten to make room. */
	if (!err && !ktix_revoke_fits(kn, p.revoke_bytes)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KTIX_POLICY_A_REVOKE_BYTES],
				    "the revocation set holds more than that");
		err = -EBUSY;
	}
	if (!err) {
		kn->policy = p;
		ktix_ring_policy_changed(kn);
		ktix_cache_set_policy(kn, &p);
		KTIX_INC_STATS(kn, KTIX_MIB_POLICY_UPDATES);
	}
	mutex_unlock(&kn->lock);

	return err;
}

struct ktix_key_dump {
	unsigned int pos;
	bool material;
	bool refused;		/* material asked for without the right */
};

/*
 * A dump's .start cannot give an extended-ACK message in 6.1 (cb->extack
 * is set only around .dumpit), so a refusal decided there is reported by
 * the first .dumpit, ending the dump with the errno and the message.
 */

static int ktix_put_key(struct sk_buff *msg, const struct ktix_key *k,
			bool material)
{
	struct nlattr *nest = nla_nest_start(msg, KTIX_A_KEY);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put(msg, KTIX_KEY_A_NAME, KTIX_KEY_NAME_LEN, k->name) ||
	    nla_put_u32(msg, KTIX_KEY_A_STATE, k->state) ||
	    nla_put_u32(msg, KTIX_KEY_A_AES_BITS, k->aes_len * 8) ||
	    nla_put_u64_64bit(msg, KTIX_KEY_A_CREATED, k->created,
			      KTIX_KEY_A_PAD) ||
	    nla_put_u64_64bit(msg, KTIX_KEY_A_ENCRYPT_FROM, k->encrypt_from,
			      KTIX_KEY_A_PAD) ||
	    nla_put_u64_64bit(msg, KTIX_KEY_A_ENCRYPT_UNTIL, k->encrypt_until,
			      KTIX_KEY_A_PAD) ||
	    nla_put_u64_64bit(msg, KTIX_KEY_A_DECRYPT_UNTIL, k->decrypt_until,
			      KTIX_KEY_A_PAD) ||
	    (material &&
	     (nla_put(msg, KTIX_KEY_A_AES_KEY, k->aes_len, k->aes) ||
	      nla_put(msg, KTIX_KEY_A_HMAC_KEY, k->hmac_len, k->hmac)))) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int ktix_nl_key_get_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = ktix_dump_attrs(cb);
	struct ktix_key_dump *ctx = (struct ktix_key_dump *)cb->ctx;
	struct net *net = sock_net(cb->skb->sk);
	struct ktix_net *kn = ktix_pernet(net);
	bool admin;
	u32 flags = 0;
	int err;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	if (attrs && attrs[KTIX_A_FLAGS])
		flags = nla_get_u32(attrs[KTIX_A_FLAGS]);
	admin = netlink_ns_capable(cb->skb, net->user_ns, CAP_NET_ADMIN);
	ctx->pos = 0;
	ctx->material = flags & KTIX_FLAG_KEY_MATERIAL;
	ctx->refused = ctx->material && !admin;
	/*
	 * Making the first keys changes state and is announced: a reader
	 * without CAP_NET_ADMIN sees the ring as it is, empty or not.
	 */
	if (!admin)
		return 0;

	mutex_lock(&kn->lock);
	err = ktix_ring_prepare(kn);
	mutex_unlock(&kn->lock);
	return err;
}

static int ktix_nl_key_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ktix_key_dump *ctx = (struct ktix_key_dump *)cb->ctx;
	struct ktix_net *kn = ktix_pernet(sock_net(skb->sk));
	const struct ktix_key *k;
	unsigned int i = 0;
	void *hdr;

	if (ctx->refused) {
		NL_SET_ERR_MSG(cb->extack, "key material needs CAP_NET_ADMIN");
		return -EPERM;
	}
	mutex_lock(&kn->lock);
	/* Marks the dump NLM_F_DUMP_INTR if the ring changed during it. */
	cb->seq = (u32)kn->ring.generation + 1;
	list_for_each_entry(k, &kn->ring.keys, list) {
		if (i++ < ctx->pos)
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ktix_genl_family,
				  NLM_F_MULTI, KTIX_CMD_KEY_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (nla_put_u64_64bit(skb, KTIX_A_GENERATION, kn->ring.generation,
				      KTIX_A_PAD) ||
		    ktix_put_key(skb, k, ctx->material)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		ctx->pos++;
	}
	mutex_unlock(&kn->lock);
	return skb->len;
}

/*
 * Parses nest type of a request into tb (up to maxtype, by policy); the
 * nest must be there and hold every attribute of required[].  A missing
 * one is named in the extended ACK (NLMSGERR_ATTR_MISS_TYPE).
 */
static int ktix_parse_nest(struct genl_info *info, int type, struct nlattr **tb,
			   int maxtype, const struct nla_policy *policy,
			   const int *required, unsigned int n_required)
{
	unsigned int i;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, type)) {
		GENL_SET_ERR_MSG(info, "the request lacks the nest this command needs");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, maxtype, info->attrs[type], policy,
			       info->extack);
	if (err)
		return err;
	for (i = 0; i < n_required; i++) {
		if (!tb[required[i]]) {
			NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[type],
					     required[i]);
			GENL_SET_ERR_MSG(info,
					 "the nest lacks an attribute this command needs");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Wipes nest @type of a request once it is consumed, whatever the outcome
 * (as WireGuard wipes a private key): the skb is freed without it, and an
 * error ACK echoes the request without it.
 */
static void ktix_wipe_nest(struct genl_info *info, int type)
{
	struct nlattr *nest = info->attrs[type];

	if (nest)
		memzero_explicit(nla_data(nest), nla_len(nest));
}

static int ktix_parse_key(struct genl_info *info, struct nlattr **tb,
			  const int *required, unsigned int n_required)
{
	return ktix_parse_nest(info, KTIX_A_KEY, tb, KTIX_KEY_A_MAX,
			       ktix_key_nl_policy, required, n_required);
}

static int __ktix_nl_key_add(struct genl_info *info)
{
	struct ktix_net *kn = ktix_pernet(genl_info_net(info));
	struct nlattr *tb[KTIX_KEY_A_MAX + 1];
	struct ktix_key_params p = {};
	static const int required[] = {
		KTIX_KEY_A_NAME, KTIX_KEY_A_AES_KEY, KTIX_KEY_A_HMAC_KEY,
	};
	int err;

	err = ktix_parse_key(info, tb, required, ARRAY_SIZE(required));
	if (err)
		return err;
	p.name = nla_data(tb[KTIX_KEY_A_NAME]);
	p.aes = nla_data(tb[KTIX_KEY_A_AES_KEY]);
	p.aes_len = nla_len(tb[KTIX_KEY_A_AES_KEY]);
	p.hmac = nla_data(tb[KTIX_KEY_A_HMAC_KEY]);
	p.hmac_len = nla_len(tb[KTIX_KEY_A_HMAC_KEY]);
	if (!ktix_ring_key_len_valid(p.aes_len)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KTIX_KEY_A_AES_KEY],
				    "the AES key must be 16 or 32 bytes");
		return -EINVAL;
	}
	if (!ktix_ring_key_len_valid(p.hmac_len)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KTIX_KEY_A_HMAC_KEY],
				    "the HMAC key must be 16 or 32 bytes");
		return -EINVAL;
	}
	p.state = tb[KTIX_KEY_A_STATE] ? nla_get_u32(tb[KTIX_KEY_A_STATE]) :
		  KTIX_KEY_STATE_NEXT;
	p.has_decrypt_until = !!tb[KTIX_KEY_A_DECRYPT_UNTIL];
	if (p.has_decrypt_until)
		p.decrypt_until = nla_get_u64(tb[KTIX_KEY_A_DECRYPT_UNTIL]);
	p.has_encrypt_from = !!tb[KTIX_KEY_A_ENCRYPT_FROM];
	if (p.has_encrypt_from)
		p.encrypt_from = nla_get_u64(tb[KTIX_KEY_A_ENCRYPT_FROM]);
	if (tb[KTIX_KEY_A_ENCRYPT_UNTIL] && !p.has_encrypt_from) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KTIX_KEY_A_ENCRYPT_UNTIL],
				    "encrypt_until is for a scheduled key: give encrypt_from too");
		return -EINVAL;
	}
	if (tb[KTIX_KEY_A_ENCRYPT_UNTIL])
		p.encrypt_until = nla_get_u64(tb[KTIX_KEY_A_ENCRYPT_UNTIL]);

	mutex_lock(&kn->lock);
	/* In automatic mode the ring is made first, as any use makes it. */
	err = ktix_ring_prepare(kn);
	if (!err)
		err = ktix_ring_add(kn, &p, info->extack);
	mutex_unlock(&kn->lock);
	return err;
}

static int ktix_nl_key_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	int err = __ktix_nl_key_add(info);

	ktix_wipe_nest(info, KTIX_A_KEY);
	return err;
}

static int ktix_nl_key_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktix_net *kn = ktix_pernet(genl_info_net(info));
	struct nlattr *tb[KTIX_KEY_A_MAX + 1];
	static const int required[] = { KTIX_KEY_A_NAME };
	int err;

	err = ktix_parse_key(info, tb, required, ARRAY_SIZE(required));
	if (err)
		return err;

	mutex_lock(&kn->lock);
	err = ktix_ring_del(kn, nla_data(tb[KTIX_KEY_A_NAME]), info->extack);
	mutex_unlock(&kn->lock);
	return err;
}

/* Sends msg, allocated beforehand, as the reply: KTIX_A_GENERATION. */
static int ktix_reply_generation(struct sk_buff *msg, struct genl_info *info,
				 u8 cmd, u64 generation)
{
	void *hdr = genlmsg_put_reply(msg, info, &ktix_genl_family, 0, cmd);

	if (!hdr || nla_put_u64_64bit(msg, KTIX_A_GENERATION, generation,
				      KTIX_A_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int ktix_nl_key_rotate_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktix_net *kn = ktix_pernet(genl_info_net(info));
	struct sk_buff *msg;
	u64 generation;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&kn->lock);
	err = ktix_ring_rotate(kn, info->extack);
	generation = kn->ring.generation;
	mutex_unlock(&kn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}

	return ktix_reply_generation(msg, info, KTIX_CMD_KEY_ROTATE, generation);
}

/*
 * Parses the KTIX_A_SESSION nest of a request into tb and key; the nest
 * must hold an ID, and DATA too when data is true.
 */
static int ktix_parse_sess(struct genl_info *info, struct nlattr **tb,
			   struct ktix_sess_key *key, bool data)
{
	static const int required[] = { KTIX_SESS_A_ID, KTIX_SESS_A_DATA };
	int err;

	err = ktix_parse_nest(info, KTIX_A_SESSION, tb, KTIX_SESS_A_MAX,
			      ktix_sess_nl_policy, required, data ? 2 : 1);
	if (err)
		return err;
	memset(key, 0, sizeof(*key));
	key->len = nla_len(tb[KTIX_SESS_A_ID]);
	memcpy(key->id, nla_data(tb[KTIX_SESS_A_ID]), key->len);
	return 0;
}

static int __ktix_nl_sess_put(struct genl_info *info)
{
	struct ktix_net *kn = ktix_pernet(genl_info_net(info));
	struct nlattr *tb[KTIX_SESS_A_MAX + 1];
	struct ktix_sess_key key;
	u32 lifetime = 0;
	int err;

	err = ktix_parse_sess(info, tb, &key, true);
	if (err)
		return err;
	if (tb[KTIX_SESS_A_LIFETIME])
		lifetime = nla_get_u32(tb[KTIX_SESS_A_LIFETIME]);
	err = ktix_cache_put(kn, &key, nla_data(tb[KTIX_SESS_A_DATA]),
			     nla_len(tb[KTIX_SESS_A_DATA]), lifetime,
			     info->extack);
	if (err == -EMSGSIZE)
		NL_SET_BAD_ATTR(info->extack, tb[KTIX_SESS_A_DATA]);
	return err;
}

static int ktix_nl_sess_put_doit(struct sk_buff *skb, struct genl_info *info)
{
	int err = __ktix_nl_sess_put(info);

	ktix_wipe_nest(info, KTIX_A_SESSION);
	return err;
}

static int ktix_put_sess(struct sk_buff *msg, const struct ktix_sess *s,
			 bool data)
{
	struct nlattr *nest = nla_nest_start(msg, KTIX_A_SESSION);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put(msg, KTIX_SESS_A_ID, s->key.len, s->key.id) ||
	    nla_put_u32(msg, KTIX_SESS_A_SIZE, s->size) ||
	    nla_put_u64_64bit(msg, KTIX_SESS_A_CREATED, s->created,
			      KTIX_SESS_A_PAD) ||
	    nla_put_u64_64bit(msg, KTIX_SESS_A_EXPIRES, s->expires,
			      KTIX_SESS_A_PAD) ||
	    (data && nla_put(msg, KTIX_SESS_A_DATA, s->size, s->data))) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static size_t ktix_sess_msg_size(u32 size)
{
	return nla_total_size(0) + nla_total_size(KTIX_SESS_ID_MAX_LEN) +
	       nla_total_size(sizeof(u32)) +
	       2 * nla_total_size_64bit(sizeof(u64)) + nla_total_size(size);
}

static int ktix_nl_sess_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct ktix_net *kn = ktix_pernet(net);
	struct nlattr *tb[KTIX_SESS_A_MAX + 1];
	struct ktix_sess_key key;
	struct ktix_sess *s;
	struct sk_buff *msg;
	bool fits;
	u32 size;
	void *hdr;
	int err;

	err = ktix_parse_sess(info, tb, &key, false);
	if (err)
		return err;

	/* Sized by a first look; an entry replaced meanwhile is looked at again. */
	for (;;) {
		rcu_read_lock();
		s = ktix_cache_lookup_rcu(kn, &key);
		size = s ? s->size : 0;
		rcu_read_unlock();
		if (!s) {
			ktix_cache_miss(kn);
			NL_SET_ERR_MSG_ATTR(info->extack, tb[KTIX_SESS_A_ID],
					    "no session with this ID");
			return -ENOENT;
		}

		msg = genlmsg_new(ktix_sess_msg_size(size), GFP_KERNEL);
		if (!msg)
			return -ENOMEM;
		hdr = genlmsg_put_reply(msg, info, &ktix_genl_family, 0,
					KTIX_CMD_SESS_GET);
		if (!hdr) {
			nlmsg_free(msg);
			return -EMSGSIZE;
		}

		rcu_read_lock();
		s = ktix_cache_lookup_rcu(kn, &key);
		fits = s && s->size <= size;
		if (fits) {
			err = ktix_put_sess(msg, s, true);
			if (!err)
				ktix_cache_hit(kn, s);
		}
		rcu_read_unlock();
		if (fits)
			break;
		/* Gone or grown since the first look: look again. */
		nlmsg_free(msg);
	}
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* A dump's walk of a table, kept between the calls of the dump. */
struct ktix_walk {
	struct rhashtable_iter iter;
	bool data;
	/* A refusal found by .start, reported by the first .dumpit. */
	bool bad_attr;
};

static struct ktix_walk *ktix_walk_of(struct netlink_callback *cb)
{
	return *(struct ktix_walk **)cb->ctx;
}

static int ktix_nl_walk_start(struct netlink_callback *cb, struct rhashtable *ht)
{
	struct ktix_walk *w = kzalloc(sizeof(*w), GFP_KERNEL);

	if (!w)
		return -ENOMEM;
	rhashtable_walk_enter(ht, &w->iter);
	*(struct ktix_walk **)cb->ctx = w;
	return 0;
}

static int ktix_nl_walk_done(struct netlink_callback *cb)
{
	struct ktix_walk *w = ktix_walk_of(cb);

	if (w) {
		rhashtable_walk_exit(&w->iter);
		kfree(w);
	}
	return 0;
}

static int ktix_nl_sess_get_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = ktix_dump_attrs(cb);
	struct net *net = sock_net(cb->skb->sk);
	struct ktix_net *kn = ktix_pernet(net);
	struct ktix_walk *w;
	u32 flags = 0;
	int err;

	if (attrs && attrs[KTIX_A_FLAGS])
		flags = nla_get_u32(attrs[KTIX_A_FLAGS]);
	err = ktix_nl_walk_start(cb, &kn->cache.ht);
	if (err)
		return err;
	w = ktix_walk_of(cb);
	w->data = flags & KTIX_FLAG_SESSION_DATA;
	w->bad_attr = attrs && attrs[KTIX_A_SESSION];
	/* Room for the largest session the cache takes. */
	if (flags & KTIX_FLAG_SESSION_DATA)
		cb->min_dump_alloc = NLMSG_HDRLEN + GENL_HDRLEN +
			ktix_sess_msg_size(READ_ONCE(kn->cache.max_size));
	return 0;
}

static int ktix_nl_sess_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ktix_walk *w = ktix_walk_of(cb);
	time64_t now = ktime_get_real_seconds();
	struct ktix_sess *s;
	int err = 0;
	void *hdr;

	if (w->bad_attr) {
		NL_SET_ERR_MSG(cb->extack,
			       "a dump takes no session: it lists them all");
		return -EINVAL;
	}
	rhashtable_walk_start(&w->iter);
	for (s = rhashtable_walk_peek(&w->iter); s;
	     s = rhashtable_walk_next(&w->iter)) {
		if (IS_ERR(s)) {
			if (PTR_ERR(s) == -EAGAIN)
				continue;	/* resized: the walk restarts */
			err = PTR_ERR(s);
			break;
		}
		if (!ktix_sess_live(s, now))
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ktix_genl_family,
				  NLM_F_MULTI, KTIX_CMD_SESS_GET);
		if (!hdr)
			break;
		if (ktix_put_sess(skb, s, w->data)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	rhashtable_walk_stop(&w->iter);
	/* Not one entry fitted an empty message: it never will. */
	if (!err && s && !IS_ERR(s) && !skb->len)
		err = -EMSGSIZE;
	return err ?: skb->len;
}

static int ktix_nl_sess_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktix_net *kn = ktix_pernet(genl_info_net(info));
	struct nlattr *tb[KTIX_SESS_A_MAX + 1];
	struct ktix_sess_key key;
	int err;

	err = ktix_parse_sess(info, tb, &key, false);
	if (err)
		return err;
	err = ktix_cache_del(kn, &key);
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KTIX_SESS_A_ID],
				    "no session with this ID");
	return err;
}

static int ktix_nl_sess_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	ktix_cache_flush(ktix_pernet(genl_info_net(info)));
	return 0;
}

static int ktix_put_revoked(struct sk_buff *msg, const u8 *handle, u64 until)
{
	struct nlattr *nest = nla_nest_start(msg, KTIX_A_REVOKE);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put(msg, KTIX_REVOKE_A_HANDLE, KTIX_REVOKE_HANDLE_LEN, handle) ||
	    nla_put_u64_64bit(msg, KTIX_REVOKE_A_UNTIL, until,
			      KTIX_REVOKE_A_PAD)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int ktix_nl_revoke_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktix_net *kn = ktix_pernet(genl_info_net(info));
	static const int required[] = { KTIX_REVOKE_A_HANDLE };
	struct nlattr *tb[KTIX_REVOKE_A_MAX + 1];
	struct sk_buff *msg;
	time64_t until = 0;
	u64 generation;
	void *hdr;
	int err;

	err = ktix_parse_nest(info, KTIX_A_REVOKE, tb, KTIX_REVOKE_A_MAX,
			      ktix_revoke_nl_policy, required, 1);
	if (err)
		return err;
	if (tb[KTIX_REVOKE_A_UNTIL]) {
		u64 t = nla_get_u64(tb[KTIX_REVOKE_A_UNTIL]);

		if (!t || t > S64_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[KTIX_REVOKE_A_UNTIL],
					    "until is not a time");
			return -EINVAL;
		}
		until = t;
	}

	msg = genlmsg_new(nla_total_size_64bit(sizeof(u64)) +
			  nla_total_size(0) +
			  nla_total_size(KTIX_REVOKE_HANDLE_LEN) +
			  nla_total_size_64bit(sizeof(u64)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&kn->lock);
	err = ktix_revoke_add(kn, nla_data(tb[KTIX_REVOKE_A_HANDLE]), &until,
			      info->extack);
	generation = kn->revoke.generation;
	mutex_unlock(&kn->lock);
	if (err) {
		if (err != -ENOSPC && tb[KTIX_REVOKE_A_UNTIL])
			NL_SET_BAD_ATTR(info->extack, tb[KTIX_REVOKE_A_UNTIL]);
		nlmsg_free(msg);
		return err;
	}

	hdr = genlmsg_put_reply(msg, info, &ktix_genl_family, 0,
				KTIX_CMD_REVOKE_ADD);
	if (!hdr || nla_put_u64_64bit(msg, KTIX_A_GENERATION, generation,
				      KTIX_A_PAD) ||
	    ktix_put_revoked(msg, nla_data(tb[KTIX_REVOKE_A_HANDLE]), until)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int ktix_nl_revoke_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktix_net *kn = ktix_pernet(genl_info_net(info));
	struct sk_buff *msg;

	msg = genlmsg_new(nla_total_size_64bit(sizeof(u64)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	return ktix_reply_generation(msg, info, KTIX_CMD_REVOKE_GET,
				     READ_ONCE(kn->revoke.generation));
}

static int ktix_nl_revoke_get_start(struct netlink_callback *cb)
{
	return ktix_nl_walk_start(cb, &ktix_pernet(sock_net(cb->skb->sk))->revoke.ht);
}

static int ktix_nl_revoke_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ktix_net *kn = ktix_pernet(sock_net(skb->sk));
	struct ktix_walk *w = ktix_walk_of(cb);
	time64_t now = ktime_get_real_seconds();
	struct ktix_revoked *r;
	u64 generation;
	int err = 0;
	void *hdr;

	generation = READ_ONCE(kn->revoke.generation);
	/* Marks the dump NLM_F_DUMP_INTR if the set changed during it. */
	cb->seq = (u32)generation + 1;
	rhashtable_walk_start(&w->iter);
	for (r = rhashtable_walk_peek(&w->iter); r;
	     r = rhashtable_walk_next(&w->iter)) {
		u64 until;

		if (IS_ERR(r)) {
			if (PTR_ERR(r) == -EAGAIN)
				continue;
			err = PTR_ERR(r);
			break;
		}
		until = READ_ONCE(r->until);
		if (until <= now)
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ktix_genl_family,
				  NLM_F_MULTI, KTIX_CMD_REVOKE_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (nla_put_u64_64bit(skb, KTIX_A_GENERATION, generation,
				      KTIX_A_PAD) ||
		    ktix_put_revoked(skb, r->handle, until)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	rhashtable_walk_stop(&w->iter);
	return err ?: skb->len;
}

static int ktix_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktix_net *kn = ktix_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(ktix_stats_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &ktix_genl_family, 0,
				KTIX_CMD_STATS_GET);
	if (!hdr || ktix_stats_fill(msg, kn)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int __ktix_nl_offload(struct genl_info *info)
{
	struct ktix_net *kn = ktix_pernet(genl_info_net(info));
	static const int required[] = {
		KTIX_OFFLOAD_A_FD, KTIX_OFFLOAD_A_VERSION, KTIX_OFFLOAD_A_CIPHER,
		KTIX_OFFLOAD_A_KIND,
	};
	struct nlattr *tb[KTIX_OFFLOAD_A_MAX + 1];
	struct nlattr *tx[KTIX_DIR_A_MAX + 1], *rx[KTIX_DIR_A_MAX + 1];
	struct ktix_offload_req req = {};
	int err;

	err = ktix_parse_nest(info, KTIX_A_OFFLOAD, tb, KTIX_OFFLOAD_A_MAX,
			      ktix_offload_nl_policy, required,
			      ARRAY_SIZE(required));
	if (!err && tb[KTIX_OFFLOAD_A_TX]) {
		err = nla_parse_nested(tx, KTIX_DIR_A_MAX, tb[KTIX_OFFLOAD_A_TX],
				       ktix_dir_nl_policy, info->extack);
		req.tx = tx;
	}
	if (!err && tb[KTIX_OFFLOAD_A_RX]) {
		err = nla_parse_nested(rx, KTIX_DIR_A_MAX, tb[KTIX_OFFLOAD_A_RX],
				       ktix_dir_nl_policy, info->extack);
		req.rx = rx;
	}
	if (err)
		return err;		/* the caller wipes the nest */
	req.fd = nla_get_u32(tb[KTIX_OFFLOAD_A_FD]);
	req.version = nla_get_u16(tb[KTIX_OFFLOAD_A_VERSION]);
	req.cipher = nla_get_u16(tb[KTIX_OFFLOAD_A_CIPHER]);
	req.kind = nla_get_u32(tb[KTIX_OFFLOAD_A_KIND]);
	req.rx_no_pad = nla_get_flag(tb[KTIX_OFFLOAD_A_RX_NO_PAD]);
	if (tb[KTIX_OFFLOAD_A_RESUME_MISS])
		req.resume_miss = nla_get_u32(tb[KTIX_OFFLOAD_A_RESUME_MISS]);
	req.send_first = tb[KTIX_OFFLOAD_A_SEND_FIRST];
	return ktix_offload(kn, &req, info->extack);
}

static int ktix_nl_offload_doit(struct sk_buff *skb, struct genl_info *info)
{
	int err = __ktix_nl_offload(info);

	ktix_wipe_nest(info, KTIX_A_OFFLOAD);
	return err;
}

static void ktix_genl_multicast(struct net *net, struct sk_buff *msg,
				unsigned int group)
{
	rcu_read_lock();
	if (READ_ONCE(ktix_genl_live))
		genlmsg_multicast_netns(&ktix_genl_family, net, msg, 0, group,
					GFP_ATOMIC);
	else
		nlmsg_free(msg);
	rcu_read_unlock();
}

/**
 * ktix_genl_notify_revoke() - announce a change of the revocation set
 * @net: the namespace
 * @event: enum ktix_revoke_event
 * @generation: the set's generation after the change
 * @handle: the handle revoked (KTIX_REVOKE_EV_ADD), or NULL
 * @until: its time, with @handle
 *
 * Sends KTIX_CMD_REVOKE_NOTIFY to the "revoke" group of @net.  Does not
 * sleep; a message that cannot be allocated is not sent, and listeners
 * learn it from the next generation.
 */
void ktix_genl_notify_revoke(struct net *net, u32 event, u64 generation,
			     const u8 *handle, u64 until)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(nla_total_size(sizeof(u32)) +
			  nla_total_size_64bit(sizeof(u64)) +
			  nla_total_size(0) +
			  nla_total_size(KTIX_REVOKE_HANDLE_LEN) +
			  nla_total_size_64bit(sizeof(u64)), GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &ktix_genl_family, 0,
			  KTIX_CMD_REVOKE_NOTIFY);
	if (!hdr || nla_put_u32(msg, KTIX_A_EVENT, event) ||
	    nla_put_u64_64bit(msg, KTIX_A_GENERATION, generation, KTIX_A_PAD) ||
	    (handle && ktix_put_revoked(msg, handle, until))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	ktix_genl_multicast(net, msg, KTIX_MCGRP_REVOKE_IDX);
}

/**
 * ktix_genl_notify_ring() - announce a change of the key ring
 * @net: the namespace
 * @event: enum ktix_ring_event
 * @generation: the ring's generation after the change
 *
 * Sends KTIX_CMD_RING_NOTIFY to the "ring" group of @net.  Does not sleep.
 */
void ktix_genl_notify_ring(struct net *net, u32 event, u64 generation)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(nla_total_size(sizeof(u32)) +
			  nla_total_size_64bit(sizeof(u64)), GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &ktix_genl_family, 0,
			  KTIX_CMD_RING_NOTIFY);
	if (!hdr || nla_put_u32(msg, KTIX_A_EVENT, event) ||
	    nla_put_u64_64bit(msg, KTIX_A_GENERATION, generation, KTIX_A_PAD)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	ktix_genl_multicast(net, msg, KTIX_MCGRP_RING_IDX);
}

static const struct genl_ops ktix_genl_ops[] = {
	{
		.cmd = KTIX_CMD_VERSION,
		.doit = ktix_nl_version_doit,
	}, {
		.cmd = KTIX_CMD_POLICY_GET,
		.doit = ktix_nl_policy_get_doit,
	}, {
		.cmd = KTIX_CMD_POLICY_SET,
		.doit = ktix_nl_policy_set_doit,
		.policy = ktix_policy_set_nl_policy,
		.maxattr = KTIX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = KTIX_CMD_KEY_GET,
		.start = ktix_nl_key_get_start,
		.dumpit = ktix_nl_key_get_dumpit,
		.policy = ktix_key_get_nl_policy,
		.maxattr = KTIX_A_MAX,
	}, {
		.cmd = KTIX_CMD_KEY_ADD,
		.doit = ktix_nl_key_add_doit,
		.policy = ktix_key_cmd_nl_policy,
		.maxattr = KTIX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = KTIX_CMD_KEY_DEL,
		.doit = ktix_nl_key_del_doit,
		.policy = ktix_key_cmd_nl_policy,
		.maxattr = KTIX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = KTIX_CMD_KEY_ROTATE,
		.doit = ktix_nl_key_rotate_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = KTIX_CMD_SESS_PUT,
		.doit = ktix_nl_sess_put_doit,
		.policy = ktix_sess_cmd_nl_policy,
		.maxattr = KTIX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = KTIX_CMD_SESS_GET,
		.doit = ktix_nl_sess_get_doit,
		.start = ktix_nl_sess_get_start,
		.dumpit = ktix_nl_sess_get_dumpit,
		.done = ktix_nl_walk_done,
		.policy = ktix_sess_cmd_nl_policy,
		.maxattr = KTIX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = KTIX_CMD_SESS_DEL,
		.doit = ktix_nl_sess_del_doit,
		.policy = ktix_sess_cmd_nl_policy,
		.maxattr = KTIX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = KTIX_CMD_SESS_FLUSH,
		.doit = ktix_nl_sess_flush_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = KTIX_CMD_REVOKE_ADD,
		.doit = ktix_nl_revoke_add_doit,
		.policy = ktix_revoke_cmd_nl_policy,
		.maxattr = KTIX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = KTIX_CMD_REVOKE_GET,
		.doit = ktix_nl_revoke_get_doit,
		.start = ktix_nl_revoke_get_start,
		.dumpit = ktix_nl_revoke_get_dumpit,
		.done = ktix_nl_walk_done,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = KTIX_CMD_STATS_GET,
		.doit = ktix_nl_stats_get_doit,
	}, {
		.cmd = KTIX_CMD_OFFLOAD,
		.doit = ktix_nl_offload_doit,
		.policy = ktix_offload_cmd_nl_policy,
		.maxattr = KTIX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family ktix_genl_family __ro_after_init = {
	.ops = ktix_genl_ops,
	.n_ops = ARRAY_SIZE(ktix_genl_ops),
	.resv_start_op = KTIX_CMD_UNSPEC + 1,
	.name = KTIX_GENL_NAME,
	.version = KTIX_GENL_VERSION,
	.maxattr = KTIX_A_MAX,
	.module = THIS_MODULE,
	.netnsok = true,
	/*
	 * No handler needs the global genetlink mutex: each takes its
	 * namespace's lock, the cache's spinlock or RCU.  So requests of
	 * other namespaces and other helpers do not wait for each other.
	 */
	.parallel_ops = KTIX_PARALLEL_OPS,
	.mcgrps = ktix_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ktix_mcgrps),
};

/**
 * ktix_genl_init() - register the "ktix" generic netlink family
 *
 * Return: 0, or the errno of genl_register_family().
 */
int __init ktix_genl_init(void)
{
	int err;

	/* Every KTIX_POLICY_A_* but UNSPEC and PAD is in <ktix/tables.h>. */
	BUILD_BUG_ON(KTIX_POLICY_A_MAX - 1 - __KTIX_POLICY_N);
	err = genl_register_family(&ktix_genl_family);
	if (!err)
		WRITE_ONCE(ktix_genl_live, true);
	return err;
}

/**
 * ktix_genl_exit() - unregister the family
 *
 * Announcements stop first, and those in flight finish, so that no worker
 * multicasts on a family that is gone.
 */
void __exit ktix_genl_exit(void)
{
	WRITE_ONCE(ktix_genl_live, false);
	synchronize_rcu();
	genl_unregister_family(&ktix_genl_family);
}
