// SPDX-License-Identifier: GPL-2.0
/*
 * ktix: the generic netlink family "ktix".
 *
 * include/uapi/linux/ktix.h documents every command and attribute.  Each
 * command has its own attribute policy; a command with none accepts no
 * attribute at all (the genetlink core rejects them for us).
 */

#include <linux/netlink.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <uapi/linux/ktix.h>

#include "main.h"
#include "netlink.h"
#include "policy.h"
#include "stats.h"

#define KTIX_FEATURES	((u64)(KTIX_F_POLICY | KTIX_F_RING))

static struct genl_family ktix_genl_family;

/*
 * Cleared, and waited for, before the family goes: a rotation worker may be
 * announcing a change while the module is being unloaded.
 */
static bool ktix_genl_live;

enum {
	KTIX_MCGRP_RING_IDX,
};

static const struct genl_multicast_group ktix_mcgrps[] = {
	[KTIX_MCGRP_RING_IDX] = { .name = KTIX_MCGRP_RING },
};

static struct netlink_range_validation rotate_interval_range = {
	.min = 0, .max = 604800,
};

static struct netlink_range_validation retention_range = {
	.min = 60, .max = 1209600,
};

static struct netlink_range_validation ticket_lifetime_range = {
	.min = 60, .max = 604800,
};

static struct netlink_range_validation cache_entries_range = {
	.min = 1, .max = 10000000,
};

static struct netlink_range_validation cache_bytes_range = {
	.min = 65536, .max = 16ULL << 30,
};

static struct netlink_range_validation session_lifetime_range = {
	.min = 1, .max = 86400,
};

static struct netlink_range_validation session_max_size_range = {
	.min = 64, .max = 65000,
};

static const struct nla_policy ktix_policy_nl_policy[KTIX_POLICY_A_MAX + 1] = {
	[KTIX_POLICY_A_ROTATE_INTERVAL]	=
		NLA_POLICY_FULL_RANGE(NLA_U32, &rotate_interval_range),
	[KTIX_POLICY_A_RETENTION]	=
		NLA_POLICY_FULL_RANGE(NLA_U32, &retention_range),
	[KTIX_POLICY_A_TICKET_LIFETIME]	=
		NLA_POLICY_FULL_RANGE(NLA_U32, &ticket_lifetime_range),
	[KTIX_POLICY_A_MAX_KEYS]	=
		NLA_POLICY_RANGE(NLA_U32, 2, KTIX_MAX_KEYS_LIMIT),
	[KTIX_POLICY_A_CACHE_ENTRIES]	=
		NLA_POLICY_FULL_RANGE(NLA_U32, &cache_entries_range),
	[KTIX_POLICY_A_CACHE_BYTES]	=
		NLA_POLICY_FULL_RANGE(NLA_U64, &cache_bytes_range),
	[KTIX_POLICY_A_SESSION_LIFETIME] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &session_lifetime_range),
	[KTIX_POLICY_A_SESSION_MAX_SIZE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &session_max_size_range),
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
};

static const struct nla_policy ktix_key_cmd_nl_policy[KTIX_A_MAX + 1] = {
	[KTIX_A_KEY]		= NLA_POLICY_NESTED(ktix_key_nl_policy),
};

static const struct nla_policy ktix_key_get_nl_policy[KTIX_A_MAX + 1] = {
	[KTIX_A_FLAGS]		= NLA_POLICY_MASK(NLA_U32, KTIX_F_KEY_MATERIAL),
};

static int ktix_nl_version(struct sk_buff *skb, struct genl_info *info)
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

static int ktix_put_policy(struct sk_buff *msg, const struct ktix_policy *p)
{
	struct nlattr *nest;

	nest = nla_nest_start(msg, KTIX_A_POLICY);
	if (!nest)
		return -EMSGSIZE;

	if (nla_put_u32(msg, KTIX_POLICY_A_ROTATE_INTERVAL, p->rotate_interval) ||
	    nla_put_u32(msg, KTIX_POLICY_A_RETENTION, p->retention) ||
	    nla_put_u32(msg, KTIX_POLICY_A_TICKET_LIFETIME, p->ticket_lifetime) ||
	    nla_put_u32(msg, KTIX_POLICY_A_MAX_KEYS, p->max_keys) ||
	    nla_put_u32(msg, KTIX_POLICY_A_CACHE_ENTRIES, p->cache_entries) ||
	    nla_put_u64_64bit(msg, KTIX_POLICY_A_CACHE_BYTES, p->cache_bytes,
			      KTIX_POLICY_A_PAD) ||
	    nla_put_u32(msg, KTIX_POLICY_A_SESSION_LIFETIME,
			p->session_lifetime) ||
	    nla_put_u32(msg, KTIX_POLICY_A_SESSION_MAX_SIZE,
			p->session_max_size)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}

	nla_nest_end(msg, nest);
	return 0;
}

static int ktix_nl_policy_get(struct sk_buff *skb, struct genl_info *info)
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

static void ktix_policy_apply_u32(u32 *field, struct nlattr **tb, int type)
{
	if (tb[type])
		*field = nla_get_u32(tb[type]);
}

static int ktix_nl_policy_set(struct sk_buff *skb, struct genl_info *info)
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
	ktix_policy_apply_u32(&p.rotate_interval, tb,
			      KTIX_POLICY_A_ROTATE_INTERVAL);
	ktix_policy_apply_u32(&p.retention, tb, KTIX_POLICY_A_RETENTION);
	ktix_policy_apply_u32(&p.ticket_lifetime, tb,
			      KTIX_POLICY_A_TICKET_LIFETIME);
	ktix_policy_apply_u32(&p.max_keys, tb, KTIX_POLICY_A_MAX_KEYS);
	ktix_policy_apply_u32(&p.cache_entries, tb,
			      KTIX_POLICY_A_CACHE_ENTRIES);
	if (tb[KTIX_POLICY_A_CACHE_BYTES])
		p.cache_bytes = nla_get_u64(tb[KTIX_POLICY_A_CACHE_BYTES]);
	ktix_policy_apply_u32(&p.session_lifetime, tb,
			      KTIX_POLICY_A_SESSION_LIFETIME);
	ktix_policy_apply_u32(&p.session_max_size, tb,
			      KTIX_POLICY_A_SESSION_MAX_SIZE);

	err = ktix_policy_check(&p, info->extack);
	if (!err && p.max_keys < kn->ring.nkeys) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KTIX_POLICY_A_MAX_KEYS],
				    "the ring holds more keys than that: delete some first");
		err = -EBUSY;
	}
	if (!err) {
		kn->policy = p;
		ktix_ring_policy_changed(kn);
		KTIX_INC_STATS(kn, KTIX_MIB_POLICY_UPDATES);
	}
	mutex_unlock(&kn->lock);

	return err;
}

struct ktix_key_dump {
	unsigned int pos;
	bool material;
};

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

static int ktix_nl_key_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct ktix_key_dump *ctx = (struct ktix_key_dump *)cb->ctx;
	struct net *net = sock_net(cb->skb->sk);
	struct ktix_net *kn = ktix_pernet(net);
	u32 flags = 0;
	int err;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	if (info->attrs && info->attrs[KTIX_A_FLAGS])
		flags = nla_get_u32(info->attrs[KTIX_A_FLAGS]);
	if ((flags & KTIX_F_KEY_MATERIAL) &&
	    !netlink_ns_capable(cb->skb, net->user_ns, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG(cb->extack,
			       "key material needs CAP_NET_ADMIN");
		return -EPERM;
	}
	ctx->pos = 0;
	ctx->material = flags & KTIX_F_KEY_MATERIAL;

	mutex_lock(&kn->lock);
	err = ktix_ring_prepare(kn);
	mutex_unlock(&kn->lock);
	return err;
}

static int ktix_nl_key_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ktix_key_dump *ctx = (struct ktix_key_dump *)cb->ctx;
	struct ktix_net *kn = ktix_pernet(sock_net(skb->sk));
	const struct ktix_key *k;
	unsigned int i = 0;
	void *hdr;

	mutex_lock(&kn->lock);
	/* Marks the dump NLM_F_DUMP_INTR if the ring changed during it. */
	cb->seq = (u32)kn->generation + 1;
	list_for_each_entry(k, &kn->ring.keys, list) {
		if (i++ < ctx->pos)
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ktix_genl_family,
				  NLM_F_MULTI, KTIX_CMD_KEY_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (nla_put_u64_64bit(skb, KTIX_A_GENERATION, kn->generation,
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
 * Parses the KTIX_A_KEY nest of a request into tb, which must then hold
 * every attribute of required[].
 */
static int ktix_parse_key(struct genl_info *info, struct nlattr **tb,
			  const int *required, unsigned int n_required)
{
	unsigned int i;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KTIX_A_KEY)) {
		GENL_SET_ERR_MSG(info, "missing KTIX_A_KEY");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, KTIX_KEY_A_MAX, info->attrs[KTIX_A_KEY],
			       ktix_key_nl_policy, info->extack);
	if (err)
		return err;
	for (i = 0; i < n_required; i++) {
		if (!tb[required[i]]) {
			NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[KTIX_A_KEY],
					     required[i]);
			GENL_SET_ERR_MSG(info,
					 "the key lacks an attribute this command needs");
			return -EINVAL;
		}
	}
	return 0;
}

static int ktix_nl_key_add(struct sk_buff *skb, struct genl_info *info)
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
	if (p.aes_len != 16 && p.aes_len != 32) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KTIX_KEY_A_AES_KEY],
				    "the AES key must be 16 or 32 bytes");
		return -EINVAL;
	}
	if (p.hmac_len != 16 && p.hmac_len != 32) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KTIX_KEY_A_HMAC_KEY],
				    "the HMAC key must be 16 or 32 bytes");
		return -EINVAL;
	}
	p.state = tb[KTIX_KEY_A_STATE] ? nla_get_u32(tb[KTIX_KEY_A_STATE]) :
		  KTIX_KEY_STATE_NEXT;
	if (tb[KTIX_KEY_A_DECRYPT_UNTIL]) {
		if (p.state != KTIX_KEY_STATE_RETIRING) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[KTIX_KEY_A_DECRYPT_UNTIL],
					    "decrypt_until is for retiring keys only");
			return -EINVAL;
		}
		p.decrypt_until = nla_get_u64(tb[KTIX_KEY_A_DECRYPT_UNTIL]);
	}

	mutex_lock(&kn->lock);
	err = ktix_ring_add(kn, &p, info->extack);
	mutex_unlock(&kn->lock);
	return err;
}

static int ktix_nl_key_del(struct sk_buff *skb, struct genl_info *info)
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

static int ktix_nl_key_rotate(struct sk_buff *skb, struct genl_info *info)
{
	struct ktix_net *kn = ktix_pernet(genl_info_net(info));
	struct sk_buff *msg;
	u64 generation;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&kn->lock);
	err = ktix_ring_rotate(kn);
	generation = kn->generation;
	mutex_unlock(&kn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}

	hdr = genlmsg_put_reply(msg, info, &ktix_genl_family, 0,
				KTIX_CMD_KEY_ROTATE);
	if (!hdr || nla_put_u64_64bit(msg, KTIX_A_GENERATION, generation,
				      KTIX_A_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

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

	rcu_read_lock();
	if (READ_ONCE(ktix_genl_live))
		genlmsg_multicast_netns(&ktix_genl_family, net, msg, 0,
					KTIX_MCGRP_RING_IDX, GFP_ATOMIC);
	else
		nlmsg_free(msg);
	rcu_read_unlock();
}

static const struct genl_ops ktix_genl_ops[] = {
	{
		.cmd = KTIX_CMD_VERSION,
		.doit = ktix_nl_version,
	}, {
		.cmd = KTIX_CMD_POLICY_GET,
		.doit = ktix_nl_policy_get,
	}, {
		.cmd = KTIX_CMD_POLICY_SET,
		.doit = ktix_nl_policy_set,
		.policy = ktix_policy_set_nl_policy,
		.maxattr = KTIX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = KTIX_CMD_KEY_GET,
		.start = ktix_nl_key_dump_start,
		.dumpit = ktix_nl_key_dump,
		.policy = ktix_key_get_nl_policy,
		.maxattr = KTIX_A_MAX,
	}, {
		.cmd = KTIX_CMD_KEY_ADD,
		.doit = ktix_nl_key_add,
		.policy = ktix_key_cmd_nl_policy,
		.maxattr = KTIX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = KTIX_CMD_KEY_DEL,
		.doit = ktix_nl_key_del,
		.policy = ktix_key_cmd_nl_policy,
		.maxattr = KTIX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = KTIX_CMD_KEY_ROTATE,
		.doit = ktix_nl_key_rotate,
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
	.mcgrps = ktix_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ktix_mcgrps),
};

int __init ktix_genl_init(void)
{
	int err = genl_register_family(&ktix_genl_family);

	if (!err)
		WRITE_ONCE(ktix_genl_live, true);
	return err;
}

void __exit ktix_genl_exit(void)
{
	WRITE_ONCE(ktix_genl_live, false);
	synchronize_rcu();
	genl_unregister_family(&ktix_genl_family);
}
