// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix-nl: the module's version and the features it implements.
 */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ktix_nl.h"
#include "nl_priv.h"

static int parse_version(struct nlattr **tb, void *arg)
{
	struct ktix_version_info *v = arg;

	if (!tb[KTIX_A_VERSION] || !tb[KTIX_A_FEATURES] ||
	    nla_len(tb[KTIX_A_FEATURES]) != sizeof(uint64_t))
		return -EBADMSG;
	snprintf(v->version, sizeof(v->version), "%.*s",
		 nla_len(tb[KTIX_A_VERSION]),
		 (const char *)nla_data(tb[KTIX_A_VERSION]));
	v->features = nla_get_u64(tb[KTIX_A_FEATURES]);
	return 0;
}

int ktix_nl_version(struct ktix_nl *nl, struct ktix_version_info *out)
{
	memset(out, 0, sizeof(*out));
	return ktix_nl_transact(nl, ktix_nl_msg(nl, KTIX_CMD_VERSION),
				parse_version, out);
}

const char *ktix_feature_name(unsigned int bit)
{
#define KTIX_FEATURE_NAME(value, name)	[__builtin_ctz(KTIX_F_##value)] = name,
	static const char *const names[] = {
#include <ktix/tables.h>
	};

	return bit < sizeof(names) / sizeof(names[0]) ? names[bit] : NULL;
}
