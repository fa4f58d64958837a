/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix: the ticket-key ring of a network namespace.
 */
#ifndef _KTIX_RING_H
#define _KTIX_RING_H

#include <linux/list.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <uapi/linux/ktix.h>

struct ktix_net;
struct ktix_policy;
struct netlink_ext_ack;

#define KTIX_KEY_MAX_LEN	32

struct ktix_key {
	struct list_head list;
	u8 name[KTIX_KEY_NAME_LEN];
	u8 aes[KTIX_KEY_MAX_LEN];
	u8 hmac[KTIX_KEY_MAX_LEN];
	u8 aes_len;
	u8 hmac_len;
	enum ktix_key_state state;
	time64_t created;
	time64_t encrypt_from;
	time64_t encrypt_until;		/* 0: until a manual rotation */
	time64_t decrypt_until;		/* 0: not yet known */
	bool scheduled;			/* its times came with it (KEY_ADD) */
};

struct ktix_ring {
	struct list_head keys;		/* oldest first */
	unsigned int nkeys;
	struct delayed_work work;	/* rotation and expiry */
	u64 generation;			/* bumped by every change, announced */
};

/* What KTIX_CMD_KEY_ADD asks for. */
struct ktix_key_params {
	const u8 *name;
	const u8 *aes;
	const u8 *hmac;
	unsigned int aes_len;
	unsigned int hmac_len;
	enum ktix_key_state state;
	bool has_decrypt_until;		/* else now + retention */
	time64_t decrypt_until;
	bool has_encrypt_from;		/* a scheduled next key */
	time64_t encrypt_from;
	time64_t encrypt_until;		/* 0: not given */
};

void ktix_ring_init(struct ktix_net *kn);
void ktix_ring_exit(struct ktix_net *kn);

/* All of these need kn->lock. */
int ktix_ring_prepare(struct ktix_net *kn);
bool ktix_ring_key_len_valid(unsigned int len);
int ktix_ring_add(struct ktix_net *kn, const struct ktix_key_params *p,
		  struct netlink_ext_ack *extack);
int ktix_ring_del(struct ktix_net *kn, const u8 *name,
		  struct netlink_ext_ack *extack);
int ktix_ring_rotate(struct ktix_net *kn, struct netlink_ext_ack *extack);
int ktix_ring_policy_fits(struct ktix_net *kn, const struct ktix_policy *p,
			  struct netlink_ext_ack *extack);
void ktix_ring_policy_changed(struct ktix_net *kn);

#endif /* _KTIX_RING_H */
