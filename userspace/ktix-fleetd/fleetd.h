/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix-fleetd: what its parts share.  Documentation/fleet.rst is the
 * design; ktix-fleetd(8) the reference.
 */
#ifndef KTIX_FLEETD_H
#define KTIX_FLEETD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/ktix.h>

#define FLEETD_MAX_ENDPOINTS	8
#define FLEETD_NAME_MAX		64
#define FLEETD_KEK_LEN		32
/* The status socket: abstract, so one per network namespace. */
#define FLEETD_STATUS_SOCKET	"ktix-fleetd"

/* ---- settings (conf.c) ---- */

struct fleetd_config {
	char *endpoints[FLEETD_MAX_ENDPOINTS];
	size_t n_endpoints;
	char fleet[FLEETD_NAME_MAX + 1];
	char host[FLEETD_NAME_MAX + 1];	/* this host's name in the fleet */
	char *kek_path;
	bool foreground;
	/* seconds */
	uint32_t rotate_interval, lead_time, lease_ttl, retention;
	uint32_t ticket_lifetime, sync_interval;
};

/*
 * Reads the command line of "ktix-fleetd [options]" (and the file of
 * --config, first): 0 to run, 1 on an error (said), 2 after --help.
 */
int conf_parse(int argc, char **argv, struct fleetd_config *c);
void conf_free(struct fleetd_config *c);

/* ---- the etcd v3 JSON gateway, through libcurl and json-c (etcd.c) ---- */

struct etcd;

struct etcd_kv {
	char *key;			/* NUL-terminated (keys are text here) */
	uint8_t *value;
	size_t value_len;
	int64_t lease;
	int64_t create_revision;
};

struct etcd_kvs {
	struct etcd_kv *kv;
	size_t n;
};

/* Requests and bytes sent and received: the work a fleet costs etcd. */
struct etcd_counters {
	uint64_t requests, failures, bytes_out, bytes_in;
};

struct etcd *etcd_new(char *const *endpoints, size_t n, int timeout_ms);
void etcd_free(struct etcd *e);
/* The endpoint that answered last, for status and logs. */
const char *etcd_endpoint(const struct etcd *e);
const struct etcd_counters *etcd_counters(const struct etcd *e);
/* Why the last call failed, in words. */
const char *etcd_error(const struct etcd *e);

/*
 * Every key under @prefix (created at revision @min_create or later, when
 * not 0): 0, or -EIO (no endpoint answered), -EPROTO.
 */
int etcd_range_prefix(struct etcd *e, const char *prefix, int64_t min_create,
		      struct etcd_kvs *out);
void etcd_kvs_free(struct etcd_kvs *kvs);
/*
 * Creates @key with @value under @lease (0: none) if it does not exist:
 * 1 if created, 0 if it existed (*existing, when not NULL, is then its
 * value, to free), or a negative errno.
 */
int etcd_create(struct etcd *e, const char *key, const void *value,
		size_t len, int64_t lease, struct etcd_kv *existing);
/* A lease of @ttl seconds: its ID in *id. */
int etcd_lease_grant(struct etcd *e, int64_t ttl, int64_t *id);
/* Renews @id: its TTL left in *ttl (0: the lease is gone). */
int etcd_lease_keepalive(struct etcd *e, int64_t id, int64_t *ttl);
int etcd_lease_revoke(struct etcd *e, int64_t id);
void etcd_kv_free(struct etcd_kv *kv);

/* ---- etcd's answers, read without trusting their shape (answer.c) ---- */

struct json_object;

/* The answer's body: one JSON object, or NULL. */
struct json_object *answer_parse(const char *body, size_t len);
/* An integer field (etcd writes them as strings): 0, or -EPROTO. */
int answer_i64(struct json_object *o, const char *name, int64_t *v);
/* A range's "kvs" (entries that do not parse left out): 0, or -errno. */
int answer_range(struct json_object *ans, struct etcd_kvs *out);
/* A create-if-absent transaction: 1 created, 0 existed, or -EPROTO. */
int answer_txn(struct json_object *ans, struct etcd_kv *existing);
/* A keepalive's TTL left (0: the lease is gone): 0, or -EPROTO. */
int answer_lease_ttl(struct json_object *ans, int64_t *ttl);

/*
 * etcd's watch stream (answer.c): JSON messages one after another, in any
 * pieces.  Feeding it calls @fn for each event whose entry reads (@deleted
 * for a DELETE; a PUT's value is the entry's; @fn returns true when a
 * round must read etcd) and gives WATCH_* flags or'ed over the whole
 * messages the bytes complete, or -EPROTO (not etcd's stream: an error
 * message, a wrong shape, a message too long) or -ECANCELED (etcd ended
 * the watch).
 */
struct json_tokener;

typedef bool (*watch_event_fn)(void *arg, const struct etcd_kv *kv,
			       bool deleted);

struct watch_stream {
	struct json_tokener *hint;	/* fed piece by piece */
	struct json_tokener *whole;	/* a message's bytes at once */
	char *buf;			/* bytes not yet read as a message */
	size_t len, cap;
	size_t off;			/* where the next message starts */
	size_t hinted;			/* bytes the hint was fed */
};

#define WATCH_CREATED	1		/* the watch exists from now on */
#define WATCH_EVENTS	2		/* something under the prefix changed */
#define WATCH_DUE	4		/* ... that a round must read */

int watch_stream_init(struct watch_stream *s);
void watch_stream_free(struct watch_stream *s);
int watch_stream_feed(struct watch_stream *s, const char *data, size_t len,
		      watch_event_fn fn, void *arg);
/* Whether bytes of a message not yet ended are held. */
bool watch_stream_partial(const struct watch_stream *s);

/* ---- etcd's watch on the fleet's prefix, as a wake-up (watch.c) ---- */

struct watch;
struct pollfd;

struct watch_counters {
	uint64_t events, restarts;
	bool up;			/* created, and not broken since */
};

/* A watch on @prefix whose events go to @fn (see watch_stream_feed). */
struct watch *watch_new(char *const *endpoints, size_t n, const char *prefix,
			watch_event_fn fn, void *arg);
void watch_free(struct watch *w);
const struct watch_counters *watch_counters(const struct watch *w);
/*
 * Waits at most @timeout_ms for the watch and for @fds (their revents
 * set, as poll() does), gives the watch's events to its @fn and starts it
 * again when it broke: 1 when a round is due (the watch was made, or an
 * event asked for one), 0, or -errno.
 */
int watch_wait(struct watch *w, struct pollfd *fds, unsigned int n,
	       int timeout_ms);

/* ---- the key-encryption key (wrap.c) ---- */

/*
 * Reads the KEK: 32 bytes, raw or as 64 hex digits, from a file that no
 * other user may read.  0, or -errno with @why said.
 */
int kek_load(const char *path, uint8_t kek[FLEETD_KEK_LEN], const char **why);
/*
 * AES-256-GCM under the KEK, the fleet's name and @label (what the value
 * is: wrap_label() for a key) as associated data: nonce (12) |
 * ciphertext | tag (16).  @out has room for len + 28 bytes.
 */
int kek_wrap(const uint8_t *kek, const char *fleet, const char *label,
	     const uint8_t *in, size_t len, uint8_t *out);
/* The other way: 0, or -EBADMSG when it does not open. */
int kek_unwrap(const uint8_t *kek, const char *fleet, const char *label,
	       const uint8_t *in, size_t len, uint8_t *out);
#define KEK_OVERHEAD	28

/* ---- the fleet's state and its loop (fleet.c, schedule.c, sync.c) ---- */

struct ktix_nl;

struct fleet_key {
	char name[33];			/* hex */
	uint64_t encrypt_from, encrypt_until, decrypt_until;
};

#define FLEET_MAX_KEYS	64

struct fleet {
	const struct fleetd_config *cfg;
	struct etcd *etcd;
	struct watch *watch;		/* etcd's watch: rounds at once */
	struct ktix_nl *nl, *events;
	uint8_t kek[FLEETD_KEK_LEN];
	char prefix[128];		/* "/ktix/FLEET/" */

	int64_t lease;			/* this host's, 0: none */
	uint64_t lease_until;		/* when it may have ended (local) */
	bool leader;
	char leader_name[FLEETD_NAME_MAX + 1];

	struct fleet_key keys[FLEET_MAX_KEYS];
	size_t n_keys;

	uint64_t last_sync;		/* time of the last good sync */
	uint64_t cut_off_since;		/* 0: etcd reachable */
	/* counters */
	uint64_t syncs, sync_failures, takeovers, published, keys_loaded;
	uint64_t revocations_out, revocations_in;
	int64_t revoke_seen;		/* etcd revision read up to */
	uint64_t records_skipped;	/* entries of etcd that are not ours */
	int64_t skipped_logged;		/* create revision logged up to */
	/*
	 * Revocations this host gave its module from etcd: not to be sent
	 * back, nor given again (by the watch, then the round) unless later.
	 */
	struct {
		uint8_t handle[KTIX_REVOKE_HANDLE_LEN];
		uint64_t until;
	} applied[1024];
	size_t applied_next;
};

int fleet_open(struct fleet *f, const struct fleetd_config *cfg,
	       const uint8_t *kek);
void fleet_close(struct fleet *f);
/* The module's policy for a fleet: manual rotation, external keys. */
int fleet_policy(struct fleet *f);
/* Checks the fleet's record in etcd against the KEK, or makes it. */
int fleet_join(struct fleet *f);
/* One round: lease, leadership, schedule, keys and revocations. */
void fleet_tick(struct fleet *f);
/* An event of etcd's watch (a watch_event_fn): true when a round is due. */
bool fleet_event(void *arg, const struct etcd_kv *kv, bool deleted);
/* Local revocations, from the module's announcements, to etcd. */
void fleet_local_revocations(struct fleet *f);

/* ---- the values in etcd (record.c) ---- */

#define RECORD_MATERIAL_LEN	64	/* AES key, then HMAC key */
#define RECORD_WRAPPED_LEN	(RECORD_MATERIAL_LEN + KEK_OVERHEAD)

/* The associated data of a key's wrap: its name and its three times. */
void wrap_label(const struct fleet_key *k, char *label, size_t size);
/*
 * A key of the schedule from its value in etcd at keys/@slot: its name
 * and times in *k, its wrapped material in @wrapped.  0, or -EBADMSG.
 */
int record_key(const uint8_t *value, size_t len, uint64_t slot,
	       struct fleet_key *k, uint8_t wrapped[RECORD_WRAPPED_LEN]);
/* Unwraps it: 0, or -EBADMSG (another KEK, fleet, name or time). */
int record_key_open(const uint8_t *kek, const char *fleet,
		    const struct fleet_key *k,
		    const uint8_t wrapped[RECORD_WRAPPED_LEN],
		    uint8_t material[RECORD_MATERIAL_LEN]);
/* A revocation at revoke/@hex: its handle and end.  0, or -EBADMSG. */
int record_revocation(const char *hex, const uint8_t *value, size_t len,
		      uint8_t handle[KTIX_REVOKE_HANDLE_LEN], uint64_t *until);

/* The leader's part (schedule.c). */
/* 0, or the errno of reaching etcd (then the round ends there). */
int schedule_campaign(struct fleet *f, uint64_t now);
void schedule_publish(struct fleet *f, uint64_t now);
/* Everyone's part (sync.c): etcd's keys and revocations into the module. */
int sync_keys(struct fleet *f, uint64_t now);
int sync_revocations(struct fleet *f, uint64_t now);
/* One entry that etcd's watch brought, as a round would read it. */
void sync_key_entry(struct fleet *f, const struct etcd_kv *kv, uint64_t now);
void sync_revocation_entry(struct fleet *f, const struct etcd_kv *kv,
			   uint64_t now);

/* ---- status (status.c) ---- */

/* The JSON of "ktix-fleetd status -j"; free it. */
char *status_json(const struct fleet *f);
/* Serves status on the abstract socket: its fd, or -errno. */
int status_listen(void);
void status_answer(int lfd, const struct fleet *f);
/* "ktix-fleetd status [-j]": the exit status. */
int status_main(int argc, char **argv);

void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
extern bool use_syslog;

#endif /* KTIX_FLEETD_H */
