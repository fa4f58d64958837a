// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: an in-memory mirror of the kernel's ticket-key ring and
 * revocation set, so that the ticket path makes no system call.
 *
 * One thread listens to the "ring" and "revoke" multicast groups and, on
 * every notification (or a lost one: ENOBUFS), reads the whole state again
 * over a second netlink socket and swaps it in under a write lock.
 * Readers copy what they need under the read lock.  Key material leaves
 * this file only in the callers' copies, which they wipe.  The mirrored
 * keys live in OpenSSL's secure heap (secret_mem_init()): locked in
 * memory and left out of core dumps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openssl/crypto.h>

#include "ktix_nl.h"
#include "ktixd.h"

struct snapshot {
	uint64_t generation;		/* the ring's */
	size_t n_keys;
	struct mirror_key *keys;
	size_t n_revoked;
	uint8_t (*revoked)[KTIX_REVOKE_HANDLE_LEN];	/* sorted */
	uint32_t ticket_lifetime;
};

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static struct snapshot cur;
static pthread_t thread;
static atomic_bool stopping;
static struct ktix_nl *events, *query;
static void (*refresh_hook)(uint64_t generation);

void mirror_set_hook(void (*fn)(uint64_t generation))
{
	refresh_hook = fn;
}

static void snapshot_free(struct snapshot *s)
{
	if (s->keys)
		OPENSSL_secure_clear_free(s->keys, s->n_keys * sizeof(*s->keys));
	free(s->revoked);
	memset(s, 0, sizeof(*s));
}

static int cmp_handle(const void *a, const void *b)
{
	return memcmp(a, b, KTIX_REVOKE_HANDLE_LEN);
}

/* What a refresh reads again. */
enum {
	R_POLICY	= 1 << 0,
	R_KEYS		= 1 << 1,
	R_REVOKE	= 1 << 2,
	R_ALL		= R_POLICY | R_KEYS | R_REVOKE,
};

/*
 * Reads again what a notification said changed (a rotation: the keys
 * only; a policy change: the policy and the keys; a revocation: the set),
 * and swaps it in only if all of that was read.
 */
static int refresh(unsigned int what)
{
	struct ktix_policy_info pol = { 0 };
	struct ktix_revoke_list rl = { 0 };
	struct ktix_key_list kl = { 0 };
	struct snapshot s = { 0 };
	uint64_t generation;
	size_t i, tmp_n;
	void *tmp;
	int err = 0;

	if (what & R_POLICY)
		err = ktix_nl_policy_get(query, &pol);
	if (!err && (what & R_KEYS))
		err = ktix_nl_key_list(query, true, &kl);
	if (!err && (what & R_REVOKE))
		err = ktix_nl_revoke_list(query, &rl);
	if (err)
		goto out;
	s.keys = OPENSSL_secure_zalloc((kl.n ? kl.n : 1) * sizeof(*s.keys));
	s.revoked = calloc(rl.n ? rl.n : 1, sizeof(*s.revoked));
	if (!s.keys || !s.revoked) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < kl.n; i++) {
		const struct ktix_key_info *k = &kl.keys[i];
		struct mirror_key *m = &s.keys[s.n_keys];

		if (!k->aes_len || !k->hmac_len)
			continue;	/* no material: not ours to use */
		memcpy(m->name, k->name, sizeof(m->name));
		m->state = k->state;
		m->aes_len = k->aes_len;
		m->hmac_len = k->hmac_len;
		memcpy(m->aes, k->aes, k->aes_len);
		memcpy(m->hmac, k->hmac, k->hmac_len);
		m->encrypt_until = k->encrypt_until;
		m->decrypt_until = k->decrypt_until;
		s.n_keys++;
	}
	for (i = 0; i < rl.n; i++)
		memcpy(s.revoked[i], rl.revoked[i].handle,
		       KTIX_REVOKE_HANDLE_LEN);
	s.n_revoked = rl.n;
	qsort(s.revoked, s.n_revoked, KTIX_REVOKE_HANDLE_LEN, cmp_handle);

	/* Swap in what was read; s keeps what it replaced, to be freed. */
	pthread_rwlock_wrlock(&lock);
	if (what & R_KEYS) {
		tmp = cur.keys, cur.keys = s.keys, s.keys = tmp;
		tmp_n = cur.n_keys, cur.n_keys = s.n_keys, s.n_keys = tmp_n;
		cur.generation = kl.generation;
	}
	if (what & R_REVOKE) {
		tmp = cur.revoked, cur.revoked = s.revoked, s.revoked = tmp;
		tmp_n = cur.n_revoked, cur.n_revoked = s.n_revoked,
		s.n_revoked = tmp_n;
	}
	if (what & R_POLICY)
		cur.ticket_lifetime = pol.ticket_lifetime;
	generation = cur.generation;
	pthread_rwlock_unlock(&lock);
	log_msg(LOG_DEBUG, "mirror: read%s%s%s; ring generation %llu",
		what & R_POLICY ? " policy" : "", what & R_KEYS ? " keys" : "",
		what & R_REVOKE ? " revocations" : "",
		(unsigned long long)generation);
	if (refresh_hook)
		refresh_hook(generation);
out:
	snapshot_free(&s);
	ktix_key_list_free(&kl);
	ktix_revoke_list_free(&rl);
	return err;
}

static void *mirror_thread(void *arg)
{
	bool stale = false;

	(void)arg;
	while (!atomic_load(&stopping)) {
		unsigned int what = R_ALL;
		struct ktix_event ev;
		int err = ktix_nl_next_event(events, stale ? 1000 : 500, &ev);

		if (err == -ETIMEDOUT && !stale)
			continue;
		if (err && err != -ETIMEDOUT && err != -ENOBUFS)
			log_msg(LOG_WARNING, "mirror: notification: %s",
				strerror(-err));
		if (err == -ENOBUFS)
			log_msg(LOG_NOTICE,
				"mirror: notifications lost; reading everything again");
		/* Until a refresh succeeds, everything is read every second. */
		if (!err && !stale && ev.cmd == KTIX_CMD_RING_NOTIFY)
			what = ev.event == KTIX_RING_EV_POLICY ?
			       R_POLICY | R_KEYS : R_KEYS;
		else if (!err && !stale && ev.cmd == KTIX_CMD_REVOKE_NOTIFY)
			what = R_REVOKE;
		err = refresh(what);
		if (err)
			log_msg(LOG_ERR, "mirror: reading the ring: %s%s%s",
				strerror(-err), *ktix_nl_errmsg(query) ? ": " : "",
				ktix_nl_errmsg(query));
		stale = err != 0;
	}
	return NULL;
}

int mirror_start(void)
{
	int err;

	err = ktix_nl_open(&events);
	if (err)
		return err;
	err = ktix_nl_open(&query);
	if (err)
		goto err_events;
	atomic_store(&stopping, false);
	/* Subscribe first, read second: no change falls between them. */
	err = ktix_nl_subscribe(events, KTIX_MCGRP_RING);
	if (!err)
		err = ktix_nl_subscribe(events, KTIX_MCGRP_REVOKE);
	if (err)
		goto err_query;
	err = refresh(R_ALL);
	if (err)
		goto err_query;
	err = -pthread_create(&thread, NULL, mirror_thread, NULL);
	if (err)
		goto err_query;
	return 0;

err_query:
	ktix_nl_close(query);
	query = NULL;
err_events:
	ktix_nl_close(events);
	events = NULL;
	return err;
}

void mirror_stop(void)
{
	if (!events)
		return;
	atomic_store(&stopping, true);
	pthread_join(thread, NULL);
	ktix_nl_close(events);
	ktix_nl_close(query);
	events = query = NULL;
	pthread_rwlock_wrlock(&lock);
	snapshot_free(&cur);
	pthread_rwlock_unlock(&lock);
}

void mirror_set(const struct mirror_key *keys, size_t n, uint32_t lifetime)
{
	struct snapshot s = { .generation = 1, .ticket_lifetime = lifetime };

	s.keys = OPENSSL_secure_zalloc((n ? n : 1) * sizeof(*s.keys));
	s.revoked = calloc(1, sizeof(*s.revoked));
	if (!s.keys || !s.revoked) {
		snapshot_free(&s);
		return;
	}
	memcpy(s.keys, keys, n * sizeof(*keys));
	s.n_keys = n;
	pthread_rwlock_wrlock(&lock);
	snapshot_free(&cur);
	cur = s;
	pthread_rwlock_unlock(&lock);
}

static bool live(const struct mirror_key *k, uint64_t now)
{
	return !k->decrypt_until || now < k->decrypt_until;
}

bool mirror_primary(struct mirror_key *out)
{
	uint64_t now = (uint64_t)time(NULL);
	bool found = false;
	size_t i;

	pthread_rwlock_rdlock(&lock);
	for (i = 0; i < cur.n_keys; i++) {
		if (cur.keys[i].state == KTIX_KEY_STATE_PRIMARY &&
		    live(&cur.keys[i], now)) {
			*out = cur.keys[i];
			found = true;
			break;
		}
	}
	pthread_rwlock_unlock(&lock);
	return found;
}

bool mirror_find(const uint8_t *name, struct mirror_key *out, bool *primary)
{
	uint64_t now = (uint64_t)time(NULL);
	bool found = false;
	size_t i;

	pthread_rwlock_rdlock(&lock);
	for (i = 0; i < cur.n_keys; i++) {
		if (memcmp(cur.keys[i].name, name, KTIX_KEY_NAME_LEN))
			continue;
		if (live(&cur.keys[i], now)) {
			*out = cur.keys[i];
			*primary = cur.keys[i].state == KTIX_KEY_STATE_PRIMARY;
			found = true;
		}
		break;
	}
	pthread_rwlock_unlock(&lock);
	return found;
}

bool mirror_revoked(const uint8_t *handle)
{
	bool found;

	pthread_rwlock_rdlock(&lock);
	found = cur.n_revoked &&
		bsearch(handle, cur.revoked, cur.n_revoked,
			KTIX_REVOKE_HANDLE_LEN, cmp_handle);
	pthread_rwlock_unlock(&lock);
	return found;
}

uint32_t mirror_ticket_lifetime(void)
{
	uint32_t t;

	pthread_rwlock_rdlock(&lock);
	t = cur.ticket_lifetime;
	pthread_rwlock_unlock(&lock);
	return t;
}

uint32_t mirror_ticket_timeout(void)
{
	uint64_t now = (uint64_t)time(NULL);
	uint32_t life;
	size_t i;

	pthread_rwlock_rdlock(&lock);
	life = cur.ticket_lifetime;
	for (i = 0; i < cur.n_keys; i++) {
		const struct mirror_key *k = &cur.keys[i];

		if (k->state != KTIX_KEY_STATE_PRIMARY || !live(k, now))
			continue;
		if (k->decrypt_until && k->decrypt_until - now < life)
			life = (uint32_t)(k->decrypt_until - now);
		break;
	}
	pthread_rwlock_unlock(&lock);
	return life ? life : 7200;
}
