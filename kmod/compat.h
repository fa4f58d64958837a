/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix: what differs between the kernels ktix builds for (Debian 12's 6.1
 * and 6.12), in one place, so that no call site needs an #if.
 */
#ifndef _KTIX_COMPAT_H
#define _KTIX_COMPAT_H

#include <net/genetlink.h>

/**
 * ktix_dump_attrs() - the parsed attributes of a dump's request
 * @cb: the dump's callback, in .start or .dumpit
 *
 * Linux 6.2 moved them into the dumpit info's struct genl_info (Kbuild
 * finds which in the kernel's header).
 *
 * Return: the attribute table, or NULL when the command has no policy.
 */
static inline struct nlattr **ktix_dump_attrs(struct netlink_callback *cb)
{
#ifdef KTIX_DUMP_INFO_HAS_GENL_INFO
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _KTIX_COMPAT_H */
