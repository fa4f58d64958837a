/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libktix-nl: what the files of the netlink client share, and nothing
 * else sees.
 */
#ifndef KTIX_NL_PRIV_H
#define KTIX_NL_PRIV_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>

#include "ktix_nl.h"

struct nl_msg;
struct nl_sock;

/* One socket to the family, and what its last request left behind. */
struct ktix_nl {
	struct nl_sock *sk;
	int family;
	int err;		/* errno of the last NLMSG_ERROR, 0 if none */
	int err_offset;		/* NLMSGERR_ATTR_OFFS, -1 if none */
	char errmsg[256];	/* NLMSGERR_ATTR_MSG */
	bool has_range;		/* NLMSGERR_ATTR_POLICY had a range */
	uint64_t range_min, range_max;
	int err_type;		/* the attribute err_offset points at */
	int err_outer;		/* the attribute nesting it, or -1 */
	bool done;		/* its ACK, error or dump end has arrived */
	bool reply_ends;	/* no ACK asked: its one reply ends it */
	uint32_t seq;		/* the request's: anything else is not its */
	bool intr;		/* the dump was interrupted by a change */
	ktix_nl_parse_fn parse;
	void *parse_arg;
	int parse_err;
};

/* libnl's error code as a negative errno. */
int ktix_nl_errno(int nlerr);

/*
 * A dump of cmd into out (KTIX_A_FLAGS = flags when not 0), taken again
 * while the module says something changed during it (NLM_F_DUMP_INTR),
 * up to 5 times.  free_out empties out before each try and on failure:
 * out is zeroed by the caller first.
 */
int ktix_nl_dump_consistent(struct ktix_nl *nl, uint8_t cmd, uint32_t flags,
			    ktix_nl_parse_fn parse, void *out,
			    void (*free_out)(void *out));

/* A reply's KTIX_A_GENERATION into the uint64_t at arg (ktix_nl_parse_fn). */
int ktix_nl_parse_generation(struct nlattr **tb, void *arg);

/* A request with room for payload bytes of attributes, and more. */
struct nl_msg *ktix_nl_msg_sized(struct ktix_nl *nl, uint8_t cmd,
				 size_t payload);

/* Frees a request, wiped first: requests may carry secrets. */
void ktix_nl_free_msg(struct nl_msg *msg);

static inline int get_u64(struct nlattr *a, uint64_t *out)
{
	if (!a || nla_len(a) != sizeof(uint64_t))
		return -EBADMSG;
	*out = nla_get_u64(a);
	return 0;
}

static inline int get_u32(struct nlattr *a, uint32_t *out)
{
	if (!a || nla_len(a) != sizeof(uint32_t))
		return -EBADMSG;
	*out = nla_get_u32(a);
	return 0;
}

static inline int get_bytes(struct nlattr *a, uint8_t *out, size_t max,
			    uint8_t *len)
{
	if (!a || (size_t)nla_len(a) > max)
		return -EBADMSG;
	memcpy(out, nla_data(a), nla_len(a));
	*len = (uint8_t)nla_len(a);
	return 0;
}

/*
 * Makes room in *array for element n, doubling: the capacity is 8, then
 * the next power of two.  -ENOMEM leaves *array as it was.
 */
static inline int grow_array(void *array, size_t n, size_t size)
{
	void **p = array, *grown;
	size_t cap;

	if (n && (n < 8 || (n & (n - 1))))
		return 0;
	cap = n ? 2 * n : 8;
	grown = realloc(*p, cap * size);
	if (!grown)
		return -ENOMEM;
	*p = grown;
	return 0;
}

#endif /* KTIX_NL_PRIV_H */
