/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix: install a finished handshake's record keys into kTLS.
 */
#ifndef _KTIX_OFFLOAD_H
#define _KTIX_OFFLOAD_H

#include <linux/types.h>

struct ktix_net;
struct netlink_ext_ack;
struct nlattr;

/* KTIX_CMD_OFFLOAD, parsed: tx and rx are KTIX_DIR_A_* tables or NULL. */
struct ktix_offload_req {
	int fd;
	u16 version;
	u16 cipher;
	u32 kind;
	struct nlattr **tx;
	struct nlattr **rx;
	bool rx_no_pad;
	u32 resume_miss;	/* enum ktix_resume_miss */
	struct nlattr *send_first;	/* records to send before kTLS, or NULL */
};

/* Wipes the keys in the request whatever the outcome. */
int ktix_offload(struct ktix_net *kn, const struct ktix_offload_req *req,
		 struct netlink_ext_ack *extack);
void ktix_offload_wipe(const struct ktix_offload_req *req);

#endif /* _KTIX_OFFLOAD_H */
