/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libktix-nl: the netlink client of the ktix module (libnl-genl-3).
 *
 * Every function returns 0 or a negative errno.  When the kernel refused a
 * request, ktix_nl_errmsg() gives its extended-ACK message ("" if none).
 */
#ifndef KTIX_NL_H
#define KTIX_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/ktix.h>

struct nl_msg;
struct nlattr;
struct ktix_nl;
struct ktix_tls_keys;	/* ktix_keys.h */

struct ktix_version_info {
	char version[64];
	uint64_t features;
};

struct ktix_policy_info {
	uint32_t rotate_interval;
	uint32_t retention;
	uint32_t ticket_lifetime;
	uint32_t max_keys;
	uint32_t cache_entries;
	uint64_t cache_bytes;
	uint32_t session_lifetime;
	uint32_t session_max_size;
	uint64_t revoke_bytes;
	uint32_t external_keys;
};

/* Bits for ktix_nl_policy_set(): which fields to send. */
enum {
	KTIX_POLICY_SET_ROTATE_INTERVAL	= 1 << 0,
	KTIX_POLICY_SET_RETENTION	= 1 << 1,
	KTIX_POLICY_SET_TICKET_LIFETIME	= 1 << 2,
	KTIX_POLICY_SET_MAX_KEYS	= 1 << 3,
	KTIX_POLICY_SET_CACHE_ENTRIES	= 1 << 4,
	KTIX_POLICY_SET_CACHE_BYTES	= 1 << 5,
	KTIX_POLICY_SET_SESSION_LIFETIME = 1 << 6,
	KTIX_POLICY_SET_SESSION_MAX_SIZE = 1 << 7,
	KTIX_POLICY_SET_REVOKE_BYTES	= 1 << 8,
	KTIX_POLICY_SET_EXTERNAL_KEYS	= 1 << 9,
};

/* One field of struct ktix_policy_info and its netlink attribute. */
struct ktix_policy_field {
	const char *name;	/* "rotate-interval" */
	int type;		/* KTIX_POLICY_A_* */
	unsigned int bit;	/* KTIX_POLICY_SET_* */
	size_t offset;		/* in struct ktix_policy_info */
	size_t size;		/* 4 (u32) or 8 (u64) */
	uint64_t min, max;	/* what the module accepts */
	uint64_t def;		/* a new namespace's value */
	enum ktix_policy_unit { KTIX_UNIT_SECONDS, KTIX_UNIT_COUNT,
				KTIX_UNIT_BYTES } unit;
};

/* Every field, in the order of the attributes; NULL name ends it. */
extern const struct ktix_policy_field ktix_policy_fields[];
uint64_t ktix_policy_field_get(const struct ktix_policy_info *p,
			       const struct ktix_policy_field *f);
void ktix_policy_field_set(struct ktix_policy_info *p,
			   const struct ktix_policy_field *f, uint64_t v);
const struct ktix_policy_field *ktix_policy_field_by_type(int type);

/*
 * Opens a generic netlink socket and resolves the "ktix" family.
 * -ENOENT: the module is not loaded (and could not be autoloaded).
 */
int ktix_nl_open(struct ktix_nl **out);
void ktix_nl_close(struct ktix_nl *nl);
const char *ktix_nl_errmsg(const struct ktix_nl *nl);
/*
 * The type of the attribute the kernel named as the offending one, or -1;
 * *outer is the type of the attribute nesting it, or -1 at the top level.
 */
int ktix_nl_err_attr(const struct ktix_nl *nl, int *outer);
/* The range the kernel's policy allows for that attribute, if it said. */
bool ktix_nl_err_range(const struct ktix_nl *nl, uint64_t *min, uint64_t *max);

int ktix_nl_version(struct ktix_nl *nl, struct ktix_version_info *out);
int ktix_nl_policy_get(struct ktix_nl *nl, struct ktix_policy_info *out);
int ktix_nl_policy_set(struct ktix_nl *nl, const struct ktix_policy_info *p,
		       unsigned int fields);

/*
 * The layer below, for commands this file has no wrapper for and for
 * tests that need to send what the wrappers never would.
 * ktix_nl_msg() starts a request for cmd; ktix_nl_transact() sends it,
 * frees it, and calls parse (if not NULL) with the attributes of each reply.
 */
typedef int (*ktix_nl_parse_fn)(struct nlattr **tb, void *arg);
struct nl_msg *ktix_nl_msg(struct ktix_nl *nl, uint8_t cmd);
struct nl_msg *ktix_nl_dump_msg(struct ktix_nl *nl, uint8_t cmd);
int ktix_nl_transact(struct ktix_nl *nl, struct nl_msg *msg,
		     ktix_nl_parse_fn parse, void *arg);
/*
 * As ktix_nl_transact(), for a command whose doit always answers with one
 * message: no ACK is asked for, and that reply (or an error) ends it.
 */
int ktix_nl_query(struct ktix_nl *nl, struct nl_msg *msg,
		  ktix_nl_parse_fn parse, void *arg);

/* A key of the ring, as KTIX_CMD_KEY_GET reports it or KEY_ADD takes it. */
struct ktix_key_info {
	uint8_t name[KTIX_KEY_NAME_LEN];
	uint32_t state;			/* enum ktix_key_state */
	uint32_t aes_bits;
	uint64_t created;
	uint64_t encrypt_from;
	uint64_t encrypt_until;		/* 0: until a manual rotation */
	uint64_t decrypt_until;		/* 0: not yet known */
	uint8_t aes_len, hmac_len;	/* 0 unless key material was asked for */
	uint8_t aes[32];
	uint8_t hmac[32];
};

struct ktix_key_list {
	uint64_t generation;
	size_t n;
	struct ktix_key_info *keys;
};

/*
 * Dumps the ring (material only for CAP_NET_ADMIN callers that ask).  A dump
 * the kernel marks as interrupted by a change is taken again.  Free the
 * list with ktix_key_list_free(), which wipes it.
 */
int ktix_nl_key_list(struct ktix_nl *nl, bool material,
		     struct ktix_key_list *out);
void ktix_key_list_free(struct ktix_key_list *list);
/* Adds k: name, aes, hmac, state (0 is next), decrypt_until if retiring. */
int ktix_nl_key_add(struct ktix_nl *nl, const struct ktix_key_info *k);
int ktix_nl_key_del(struct ktix_nl *nl, const uint8_t *name);
int ktix_nl_key_rotate(struct ktix_nl *nl, uint64_t *generation);
const char *ktix_key_state_name(uint32_t state);

/*
 * Listens to a multicast group (KTIX_MCGRP_RING, KTIX_MCGRP_REVOKE) on this
 * socket, which then should be used for nothing else.  ktix_nl_next_event()
 * waits up to timeout_ms (-1: for ever) for one notification: 0, or
 * -ETIMEDOUT, or -ENOBUFS when the kernel dropped some (re-read the state).
 */
struct ktix_event {
	uint32_t cmd;			/* KTIX_CMD_*_NOTIFY */
	uint32_t event;			/* enum ktix_{ring,revoke}_event */
	uint64_t generation;
	bool has_handle;		/* KTIX_REVOKE_EV_ADD: what was revoked */
	uint8_t handle[KTIX_REVOKE_HANDLE_LEN];
	uint64_t until;
};

int ktix_nl_subscribe(struct ktix_nl *nl, const char *group);
/*
 * Also listens to the generic netlink controller for the ktix family
 * coming and going (the module loaded or unloaded): ktix_nl_next_event()
 * then gives these as cmd KTIX_NL_FAMILY_NEW and KTIX_NL_FAMILY_DEL.
 */
int ktix_nl_watch_family(struct ktix_nl *nl);
/*
 * A larger receive buffer, for a socket that listens: SO_RCVBUFFORCE with
 * CAP_NET_ADMIN, else SO_RCVBUF (capped at net.core.rmem_max).
 */
int ktix_nl_set_rcvbuf(struct ktix_nl *nl, int bytes);
/* The socket's descriptor, to poll: readable when a notification waits. */
int ktix_nl_fd(const struct ktix_nl *nl);

/* Not KTIX_CMD_* (those are below 256): the family's comings and goings. */
#define KTIX_NL_FAMILY_NEW	0x100
#define KTIX_NL_FAMILY_DEL	0x101
int ktix_nl_next_event(struct ktix_nl *nl, int timeout_ms,
		       struct ktix_event *out);

/* A cached session, as KTIX_CMD_SESS_GET reports it. */
struct ktix_sess_info {
	uint8_t id[KTIX_SESS_ID_MAX_LEN];
	uint8_t id_len;
	uint32_t size;
	uint64_t created;
	uint64_t expires;
	uint8_t *data;			/* size bytes, or NULL if not asked */
};

struct ktix_sess_list {
	size_t n;
	struct ktix_sess_info *sess;
};

/* lifetime 0: the policy's session_lifetime. */
int ktix_nl_sess_put(struct ktix_nl *nl, const uint8_t *id, size_t id_len,
		     const uint8_t *data, size_t size, uint32_t lifetime);
/* -ENOENT on a miss.  Free with ktix_sess_info_free(), which wipes. */
int ktix_nl_sess_get(struct ktix_nl *nl, const uint8_t *id, size_t id_len,
		     struct ktix_sess_info *out);
void ktix_sess_info_free(struct ktix_sess_info *s);
/* Every live entry; data only for CAP_NET_ADMIN callers that ask. */
int ktix_nl_sess_list(struct ktix_nl *nl, bool data,
		      struct ktix_sess_list *out);
void ktix_sess_list_free(struct ktix_sess_list *list);
int ktix_nl_sess_del(struct ktix_nl *nl, const uint8_t *id, size_t id_len);
int ktix_nl_sess_flush(struct ktix_nl *nl);

struct ktix_revoke_info {
	uint8_t handle[KTIX_REVOKE_HANDLE_LEN];
	uint64_t until;
};

struct ktix_revoke_list {
	uint64_t generation;
	size_t n;
	struct ktix_revoke_info *revoked;
};

/* until 0: the kernel's default.  *generation (if not NULL): the new one. */
int ktix_nl_revoke_add(struct ktix_nl *nl, const uint8_t *handle,
		       uint64_t until, uint64_t *generation);
/* The same; *entry (if not NULL) is the entry as the kernel now holds it. */
int ktix_nl_revoke_add_entry(struct ktix_nl *nl, const uint8_t *handle,
			     uint64_t until, uint64_t *generation,
			     struct ktix_revoke_info *entry);
/* A consistent snapshot: a dump interrupted by a change is taken again. */
int ktix_nl_revoke_list(struct ktix_nl *nl, struct ktix_revoke_list *out);
/*
 * Every entry, whether or not the set changed during the dump: for a
 * mirror that reads the generation first (ktix_nl_revoke_generation())
 * and applies the notifications that came meanwhile afterwards.
 */
int ktix_nl_revoke_dump(struct ktix_nl *nl, struct ktix_revoke_list *out);
/* The set's generation now. */
int ktix_nl_revoke_generation(struct ktix_nl *nl, uint64_t *generation);
void ktix_revoke_list_free(struct ktix_revoke_list *list);

/* The figures of KTIX_CMD_STATS_GET, by attribute, and their names. */
struct ktix_stats {
	uint64_t v[KTIX_STATS_A_MAX + 1];
};

struct ktix_stat_field {
	const char *name;		/* as in /proc/net/ktix_stat */
	const char *key;		/* JSON key */
	int type;			/* KTIX_STATS_A_* */
};

/* Every figure, in the order of the attributes; NULL name ends it. */
extern const struct ktix_stat_field ktix_stat_fields[];
int ktix_nl_stats(struct ktix_nl *nl, struct ktix_stats *out);
/*
 * The counters in the Prometheus text exposition format (0.0.4), one
 * family per quantity (prom.c).  ktix_prom_check(): 0 when every figure
 * is in exactly one family, else -1 with a line on stderr each, after
 * "@prog: ".
 */
void ktix_prom_print(FILE *f, const struct ktix_stats *st);
int ktix_prom_check(const char *prog);

/* Names for the feature bits; NULL past the last one. */
const char *ktix_feature_name(unsigned int bit);

/*
 * Hands fd's record keys to kTLS (KTIX_CMD_OFFLOAD).  kind is an enum
 * ktix_offload_kind.  The request is wiped once sent.
 */
int ktix_nl_offload(struct ktix_nl *nl, int fd, const struct ktix_tls_keys *k,
		    uint32_t kind);
/*
 * The same, for a full handshake that followed a failed resumption: miss
 * (enum ktix_resume_miss, 0 for none) is counted by the module.
 */
int ktix_nl_offload_miss(struct ktix_nl *nl, int fd,
			 const struct ktix_tls_keys *k, uint32_t kind,
			 uint32_t miss);
/*
 * The same, with first_len bytes (at most KTIX_SEND_FIRST_MAX_LEN) that
 * the module sends on fd before kTLS takes it: the records the handshake
 * ended with (KTIX_OFFLOAD_A_SEND_FIRST, feature KTIX_F_SEND_FIRST).
 * -EAGAIN: the socket had no room for them and is unchanged.
 */
int ktix_nl_offload_send(struct ktix_nl *nl, int fd,
			 const struct ktix_tls_keys *k, uint32_t kind,
			 uint32_t miss, const void *first, size_t first_len);

#endif /* KTIX_NL_H */
