/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libktix: what the files of the netlink client share, and nothing else
 * sees.
 */
#ifndef KTIX_NL_PRIV_H
#define KTIX_NL_PRIV_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>

struct nl_msg;

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
