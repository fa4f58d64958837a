// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix-nl: the namespace's policy (KTIX_CMD_POLICY_GET, _SET) and the
 * table of its fields, by name.
 */
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ktix_nl.h"
#include "nl_priv.h"

/* From <ktix/tables.h>, as the module's own policy is. */
#define KTIX_POLICY(attr, fld, nm, tp, lo, hi, dflt, un) {		\
	.name = nm, .type = KTIX_POLICY_A_##attr,			\
	.bit = KTIX_POLICY_SET_##attr,					\
	.offset = offsetof(struct ktix_policy_info, fld),		\
	.size = sizeof(((struct ktix_policy_info *)0)->fld),		\
	.min = lo, .max = hi, .def = dflt, .unit = KTIX_UNIT_##un,	\
},
const struct ktix_policy_field ktix_policy_fields[] = {
#include <ktix/tables.h>
	{ .name = NULL },
};

uint64_t ktix_policy_field_get(const struct ktix_policy_info *p,
			       const struct ktix_policy_field *f)
{
	const char *base = (const char *)p + f->offset;
	uint32_t v32;
	uint64_t v64;

	if (f->size == sizeof(v64)) {
		memcpy(&v64, base, sizeof(v64));
		return v64;
	}
	memcpy(&v32, base, sizeof(v32));
	return v32;
}

void ktix_policy_field_set(struct ktix_policy_info *p,
			   const struct ktix_policy_field *f, uint64_t v)
{
	char *base = (char *)p + f->offset;
	uint32_t v32 = (uint32_t)v;

	if (f->size == sizeof(v))
		memcpy(base, &v, sizeof(v));
	else
		memcpy(base, &v32, sizeof(v32));
}

const struct ktix_policy_field *ktix_policy_field_by_type(int type)
{
	const struct ktix_policy_field *f;

	for (f = ktix_policy_fields; f->name; f++)
		if (f->type == type)
			return f;
	return NULL;
}

static int parse_policy(struct nlattr **tb, void *arg)
{
	struct nlattr *p[KTIX_POLICY_A_MAX + 1];
	struct ktix_policy_info *out = arg;
	const struct ktix_policy_field *f;

	if (!tb[KTIX_A_POLICY] ||
	    nla_parse_nested(p, KTIX_POLICY_A_MAX, tb[KTIX_A_POLICY], NULL) < 0)
		return -EBADMSG;
	for (f = ktix_policy_fields; f->name; f++) {
		struct nlattr *a = p[f->type];

		if (!a || (size_t)nla_len(a) != f->size)
			return -EBADMSG;
		ktix_policy_field_set(out, f, f->size == 8 ? nla_get_u64(a) :
				      nla_get_u32(a));
	}
	return 0;
}

int ktix_nl_policy_get(struct ktix_nl *nl, struct ktix_policy_info *out)
{
	memset(out, 0, sizeof(*out));
	return ktix_nl_transact(nl, ktix_nl_msg(nl, KTIX_CMD_POLICY_GET),
				parse_policy, out);
}

int ktix_nl_policy_set(struct ktix_nl *nl, const struct ktix_policy_info *p,
		       unsigned int fields)
{
	struct nl_msg *msg = ktix_nl_msg(nl, KTIX_CMD_POLICY_SET);
	const struct ktix_policy_field *f;
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, KTIX_A_POLICY | NLA_F_NESTED);
	if (!nest)
		goto nla_put_failure;
	for (f = ktix_policy_fields; f->name; f++) {
		uint64_t v;

		if (!(fields & f->bit))
			continue;
		v = ktix_policy_field_get(p, f);
		if (f->size == 8 ? nla_put_u64(msg, f->type, v) :
		    nla_put_u32(msg, f->type, (uint32_t)v))
			goto nla_put_failure;
	}
	nla_nest_end(msg, nest);
	return ktix_nl_transact(nl, msg, NULL, NULL);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}
