/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix: the generic netlink family "ktix".
 */
#ifndef _KTIX_NETLINK_H
#define _KTIX_NETLINK_H

int ktix_genl_init(void);
void ktix_genl_exit(void);

#endif /* _KTIX_NETLINK_H */
