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
#include <uapi/linux/ktix.h>

#include "main.h"
#include "netlink.h"
#include "policy.h"
#include "stats.h"

#define KTIX_FEATURES	((u64)KTIX_F_POLICY)

static struct genl_family ktix_genl_family;

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

	if (tb[KTIX_POLICY_A_ROTATE_INTERVAL]) {
		u32 v = nla_get_u32(tb[KTIX_POLICY_A_ROTATE_INTERVAL]);

		if (v && v < 60) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[KTIX_POLICY_A_ROTATE_INTERVAL],
					    "rotation interval must be 0 (manual) or at least 60 seconds");
			return -ERANGE;
		}
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
	if (!err) {
		kn->policy = p;
		KTIX_INC_STATS(kn, KTIX_MIB_POLICY_UPDATES);
	}
	mutex_unlock(&kn->lock);

	return err;
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
};

int __init ktix_genl_init(void)
{
	return genl_register_family(&ktix_genl_family);
}

void __exit ktix_genl_exit(void)
{
	genl_unregister_family(&ktix_genl_family);
}
