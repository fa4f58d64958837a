// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: an in-memory mirror of the kernel's ticket-key ring and
 * revocation set, so that the ticket path makes no system call.
 *
 * One thread listens to the "ring" and "revoke" multicast groups and to
 * the generic netlink controller.  A ring or policy notification (or a lost
 * one: ENOBUFS) makes it read the keys and the policy again over a second
 * netlink socket and swap them in under a write lock.  Revocations are
 * mirrored incrementally: each announcement carries the handle and the
 * set's generation, and is applied as it comes.  A generation skipped, or
 * notifications lost, means the mirror is behind: until it has read the
 * generation and then the whole set again, every session with a handle
 * gets a full handshake (mirror_revoked() says REV_UNKNOWN): it fails
 * closed, never open.
 *
 * When the module goes (the controller announces the family deleted),
 * the mirror empties itself: no key, so no ticket is issued or accepted,
 * and no revocation known.  When it comes back, or whenever a read fails,
 * the thread opens both sockets again, resolves the family and its groups
 * anew, bumps mirror_nl_epoch() so that the workers reopen theirs, and
 * reads everything.
 *
 * A revocation the kernel has acknowledged is already in the events
 * socket's queue (or the queue overflowed, which the socket reports):
 * the kernel announces under its lock, before it answers.  So before it
 * says a handle is not revoked, mirror_revoked() makes sure that nothing
 * waits there: it takes event_lock, which the thread holds from reading
 * a notification to having applied it, and polls the socket; if anything
 * waits, it gives the thread up to DRAIN_MS to apply it, and then fails
 * closed.  A session is thus refused from the moment its revocation was
 * acknowledged, by every helper; only handshakes already past their check
 * at that moment may still resume it.
 *
 * Readers copy what they need under the read lock.  Key material leaves
 * this file only in the callers' copies, which they wipe.  The mirrored
 * keys live in OpenSSL's secure heap (secret_mem_init()): locked in
 * memory and left out of core dumps.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ktix_nl.h"
#include "ktixd.h"

/* The events socket's buffer: room for some 10000 announcements. */
#define EVENTS_RCVBUF	(8 << 20)
/* How long a revocation check waits for the thread to catch up. */
#define DRAIN_MS	50

struct snapshot {
	uint64_t generation;		/* the ring's */
	size_t n_keys;
	struct mirror_key *keys;
	uint32_t ticket_lifetime;
	bool external_keys;		/* the policy's: a fleet's keys */
	struct revset *revoked;
	uint64_t revoke_gen;		/* the last applied in order */
	bool revoke_current;		/* false: behind, so fail closed */
};

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
/* Held from reading a notification to having applied it; guards events. */
static pthread_mutex_t event_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot cur;
static pthread_t thread;
static atomic_bool stopping;
static int stop_fd = -1;		/* an eventfd: written to stop the thread */
static atomic_uint nl_epoch;
static atomic_bool module_gone;
static bool started;		/* the thread runs */
static struct ktix_nl *events, *query;
static void (*refresh_hook)(uint64_t generation);

unsigned int mirror_nl_epoch(void)
{
	return atomic_load(&nl_epoch);
}

bool mirror_module_gone(void)
{
	return atomic_load(&module_gone);
}

void mirror_set_hook(void (*fn)(uint64_t generation))
{
	refresh_hook = fn;
}

static void keys_free(struct mirror_key *keys, size_t n)
{
	if (keys)
		OPENSSL_secure_clear_free(keys, n * sizeof(*keys));
}

/* What a refresh reads again. */
enum {
	R_POLICY	= 1 << 0,
	R_KEYS		= 1 << 1,
	R_REVOKE	= 1 << 2,
	R_ALL		= R_POLICY | R_KEYS | R_REVOKE,
};

/*
 * The revocation set again: its generation first, then every entry, then
 * swapped in as current at that generation.  What was announced meanwhile
 * waits in the events socket, is applied next, and may repeat what the
 * dump showed: applying an entry twice changes nothing.
 */
static int revoke_reread(void)
{
	uint64_t now = (uint64_t)time(NULL), gen;
	struct ktix_revoke_list rl = { 0 };
	struct revset *set, *old;
	size_t i;
	int err;

	err = ktix_nl_revoke_generation(query, &gen);
	if (!err)
		err = ktix_nl_revoke_dump(query, &rl);
	if (err)
		return err;
	set = revset_new(rl.n);
	if (!set) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < rl.n && !err; i++)
		err = revset_add(set, rl.revoked[i].handle,
				 rl.revoked[i].until, now);
	if (err) {
		revset_free(set);
		goto out;
	}
	pthread_rwlock_wrlock(&lock);
	old = cur.revoked;
	cur.revoked = set;
	cur.revoke_gen = gen;
	cur.revoke_current = true;
	pthread_rwlock_unlock(&lock);
	revset_free(old);
	log_msg(LOG_DEBUG, "mirror: read %zu revocations; generation %llu",
		rl.n, (unsigned long long)gen);
out:
	ktix_revoke_list_free(&rl);
	return err;
}

/*
 * Reads again what a notification said changed (a rotation: the keys
 * only; a policy change: the policy and the keys; lost notifications or
 * a new start: the revocation set too), and swaps the keys and policy in
 * only if both were read.
 */
static int refresh(unsigned int what)
{
	struct ktix_policy_info pol = { 0 };
	struct ktix_key_list kl = { 0 };
	struct snapshot s = { 0 };
	uint64_t generation;
	size_t i, tmp_n;
	void *tmp;
	int err = 0;

	if (what & R_REVOKE)
		err = revoke_reread();
	if (!err && (what & R_POLICY))
		err = ktix_nl_policy_get(query, &pol);
	if (!err && (what & R_KEYS))
		err = ktix_nl_key_list(query, true, &kl);
	if (err || !(what & (R_POLICY | R_KEYS)))
		goto out;
	s.keys = OPENSSL_secure_zalloc((kl.n ? kl.n : 1) * sizeof(*s.keys));
	if (!s.keys) {
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
		m->encrypt_from = k->encrypt_from;
		m->encrypt_until = k->encrypt_until;
		m->decrypt_until = k->decrypt_until;
		s.n_keys++;
	}

	/* Swap in what was read; s keeps what it replaced, to be freed. */
	pthread_rwlock_wrlock(&lock);
	if (what & R_KEYS) {
		tmp = cur.keys, cur.keys = s.keys, s.keys = tmp;
		tmp_n = cur.n_keys, cur.n_keys = s.n_keys, s.n_keys = tmp_n;
		cur.generation = kl.generation;
	}
	if (what & R_POLICY) {
		cur.ticket_lifetime = pol.ticket_lifetime;
		cur.external_keys = pol.external_keys;
	}
	generation = cur.generation;
	pthread_rwlock_unlock(&lock);
	log_msg(LOG_DEBUG, "mirror: read%s%s%s; ring generation %llu",
		what & R_POLICY ? " policy" : "", what & R_KEYS ? " keys" : "",
		what & R_REVOKE ? " revocations" : "",
		(unsigned long long)generation);
	if (refresh_hook)
		refresh_hook(generation);
out:
	keys_free(s.keys, s.n_keys);
	ktix_key_list_free(&kl);
	return err;
}

/*
 * One revocation announcement.  Returns true if the mirror is behind and
 * must read the set again.
 */
static bool revoke_event(const struct ktix_event *ev)
{
	uint64_t now = (uint64_t)time(NULL);
	bool behind;

	pthread_rwlock_wrlock(&lock);
	if (ev->generation > cur.revoke_gen + 1)
		cur.revoke_current = false;	/* one was skipped */
	else if (ev->generation == cur.revoke_gen + 1)
		cur.revoke_gen = ev->generation;
	/* Older ones repeat what the last read showed: harmless. */
	if (ev->has_handle && cur.revoked &&
	    revset_add(cur.revoked, ev->handle, ev->until, now)) {
		log_msg(LOG_ERR, "mirror: out of memory for a revocation");
		cur.revoke_current = false;
	}
	behind = !cur.revoke_current;
	pthread_rwlock_unlock(&lock);
	return behind;
}

/* The module went: nothing is known any more, so nothing resumes. */
static void forget_all(void)
{
	struct mirror_key *keys;
	size_t n;

	pthread_rwlock_wrlock(&lock);
	keys = cur.keys, n = cur.n_keys;
	cur.keys = NULL;
	cur.n_keys = 0;
	cur.revoke_current = false;
	pthread_rwlock_unlock(&lock);
	keys_free(keys, n);
}

static void set_revoke_current(bool current)
{
	pthread_rwlock_wrlock(&lock);
	cur.revoke_current = current;
	pthread_rwlock_unlock(&lock);
}

/*
 * What waits in a socket being closed is lost: the mirror is behind
 * until it has read the set again.
 */
static void sockets_close(void)
{
	pthread_mutex_lock(&event_lock);
	set_revoke_current(false);
	ktix_nl_close(events);
	ktix_nl_close(query);
	events = query = NULL;
	pthread_mutex_unlock(&event_lock);
}

/*
 * Opens both sockets afresh and subscribes: the family and its groups are
 * resolved again, as they are new after the module is loaded again.
 * Subscribed first, read second (by the caller): no change falls between.
 */
static int sockets_open(void)
{
	int err;

	sockets_close();
	pthread_mutex_lock(&event_lock);
	err = ktix_nl_open(&events);
	if (!err)
		err = ktix_nl_open(&query);
	if (!err)
		ktix_nl_set_rcvbuf(events, EVENTS_RCVBUF);
	if (!err)
		err = ktix_nl_subscribe(events, KTIX_MCGRP_RING);
	if (!err)
		err = ktix_nl_subscribe(events, KTIX_MCGRP_REVOKE);
	if (!err)
		err = ktix_nl_watch_family(events);
	pthread_mutex_unlock(&event_lock);
	if (err) {
		sockets_close();
		return err;
	}
	atomic_fetch_add(&nl_epoch, 1);
	return 0;
}

/* Filled by mirror_set(), with no kernel: nothing is ever announced. */
static bool standalone;

/* Whether a notification (or an error) waits: true if it cannot tell. */
static bool event_waiting(void)
{
	struct pollfd p = { .fd = events ? ktix_nl_fd(events) : -1,
			    .events = POLLIN };

	if (p.fd < 0)
		return !standalone;
	return poll(&p, 1, 0) != 0;
}

/*
 * Waits up to @ms (-1: for ever) for a notification: true if one (or an
 * error) came.  mirror_stop() wakes it through stop_fd.
 */
static bool event_wait(int ms)
{
	struct pollfd p[2] = {
		{ .fd = ktix_nl_fd(events), .events = POLLIN },
		{ .fd = stop_fd, .events = POLLIN },
	};

	return poll(p, 2, ms) > 0 && p[0].revents;
}

/*
 * Waits up to DRAIN_MS for the thread to have applied every notification
 * the kernel has queued: false if it has not.
 */
static bool events_drained(void)
{
	struct timespec deadline;
	bool waiting;

	/* Usually nothing waits and nobody holds the lock: no clock read. */
	if (!pthread_mutex_trylock(&event_lock)) {
		waiting = event_waiting();
		pthread_mutex_unlock(&event_lock);
		if (!waiting)
			return true;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_nsec += DRAIN_MS * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (;;) {
		const struct timespec pause = { 0, 100 * 1000 };
		struct timespec now;

		if (pthread_mutex_clocklock(&event_lock, CLOCK_MONOTONIC,
					    &deadline))
			return false;
		waiting = event_waiting();
		pthread_mutex_unlock(&event_lock);
		if (!waiting)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline.tv_sec ||
		    (now.tv_sec == deadline.tv_sec &&
		     now.tv_nsec >= deadline.tv_nsec))
			return false;
		nanosleep(&pause, NULL);
	}
}

/* After a failure: the sockets again, then everything. */
static int reconnect(void)
{
	int err = sockets_open();

	return err ? err : refresh(R_ALL);
}

static void log_failure(int err, bool *quiet)
{
	if (*quiet)
		return;
	if (err == -ENOENT)
		log_msg(LOG_ERR, "mirror: the ktix module is not loaded; no ticket is issued or resumed until it is");
	else
		log_msg(LOG_ERR, "mirror: reading the ring: %s%s%s",
			strerror(-err), query && *ktix_nl_errmsg(query) ? ": " : "",
			query ? ktix_nl_errmsg(query) : "");
	*quiet = true;		/* once, until it works again */
}

static bool revoke_current(void)
{
	bool current;

	pthread_rwlock_rdlock(&lock);
	current = cur.revoke_current;
	pthread_rwlock_unlock(&lock);
	return current;
}

/*
 * What one event asks to read again (0: nothing); *gone is set when the
 * module went away.
 */
static unsigned int event_needs(const struct ktix_event *ev, bool *gone)
{
	switch (ev->cmd) {
	case KTIX_NL_FAMILY_DEL:
		log_msg(LOG_WARNING, "mirror: the ktix module went away; no ticket is issued or resumed until it is back");
		forget_all();
		atomic_store(&module_gone, true);
		*gone = true;
		return 0;
	case KTIX_NL_FAMILY_NEW:
		/* Back (or loaded again before we saw it go). */
		forget_all();
		return R_ALL;
	case KTIX_CMD_RING_NOTIFY:
		return ev->event == KTIX_RING_EV_POLICY ? R_POLICY | R_KEYS :
		       R_KEYS;
	case KTIX_CMD_REVOKE_NOTIFY:
		if (!revoke_event(ev))
			return 0;
		log_msg(LOG_NOTICE, "mirror: revocations skipped; reading the set again");
		return R_REVOKE;
	default:
		return 0;
	}
}

/*
 * States: connected (events read, each acted on); broken (a read failed:
 * the sockets are opened afresh every half second until everything is
 * read); gone (the module was unloaded: waits for the controller to
 * announce it again, without asking for it, which would load it).
 */
static void *mirror_thread(void *arg)
{
	const struct timespec pause = { 0, 500 * 1000000 };
	bool broken = false, gone = false, quiet = false;

	(void)arg;
	while (!atomic_load(&stopping)) {
		unsigned int what = 0;
		struct ktix_event ev;
		int err;

		if (broken) {
			err = reconnect();
			if (err) {
				log_failure(err, &quiet);
				nanosleep(&pause, NULL);
				continue;
			}
			log_msg(LOG_NOTICE, "mirror: ring and revocations read again");
			atomic_store(&module_gone, false);
			broken = quiet = false;
			continue;
		}
		/*
		 * Nothing to do until something is announced, except when
		 * behind: then the set is read again every half second.
		 */
		if (!event_wait(revoke_current() ? -1 : 500)) {
			/* Behind with nothing announced: read the set now. */
			if (!gone && !revoke_current() && refresh(R_REVOKE))
				broken = true;
			continue;
		}
		/* Read and applied under event_lock (mirror_revoked()). */
		pthread_mutex_lock(&event_lock);
		err = ktix_nl_next_event(events, 0, &ev);
		if (!err && gone) {
			if (ev.cmd == KTIX_NL_FAMILY_NEW)
				gone = false, broken = true;
		} else if (!err) {
			what = event_needs(&ev, &gone);
			broken = what == R_ALL;
		} else if (err != -ETIMEDOUT) {
			/* Everything may have changed. */
			set_revoke_current(false);
			what = R_ALL;
		}
		pthread_mutex_unlock(&event_lock);
		if (err == -ENOBUFS)
			log_msg(LOG_NOTICE, "mirror: notifications lost; reading everything again");
		else if (err && err != -ETIMEDOUT)
			log_msg(LOG_WARNING, "mirror: notification: %s",
				strerror(-err));
		if (broken)
			continue;
		if (!what)
			continue;
		err = refresh(what);
		if (err) {
			log_failure(err, &quiet);
			broken = true;
		}
	}
	return NULL;
}

int mirror_start(void)
{
	int err;

	atomic_store(&stopping, false);
	stop_fd = eventfd(0, EFD_CLOEXEC);
	if (stop_fd < 0)
		return -errno;
	err = reconnect();
	if (err)
		goto err;
	err = -pthread_create(&thread, NULL, mirror_thread, NULL);
	if (err)
		goto err;
	started = true;
	return 0;
err:
	sockets_close();
	close(stop_fd);
	stop_fd = -1;
	return err;
}

static void snapshot_free(struct snapshot *s)
{
	keys_free(s->keys, s->n_keys);
	revset_free(s->revoked);
	memset(s, 0, sizeof(*s));
}

void mirror_stop(void)
{
	if (started) {
		atomic_store(&stopping, true);
		eventfd_write(stop_fd, 1);
		pthread_join(thread, NULL);
		started = false;
	}
	if (stop_fd >= 0)
		close(stop_fd);
	stop_fd = -1;
	sockets_close();
	pthread_rwlock_wrlock(&lock);
	snapshot_free(&cur);
	pthread_rwlock_unlock(&lock);
}

void mirror_set(const struct mirror_key *keys, size_t n, uint32_t lifetime)
{
	struct snapshot s = { .generation = 1, .ticket_lifetime = lifetime,
			      .revoke_current = true };

	s.keys = OPENSSL_secure_zalloc((n ? n : 1) * sizeof(*s.keys));
	s.revoked = revset_new(0);
	if (!s.keys || !s.revoked) {
		snapshot_free(&s);
		return;
	}
	memcpy(s.keys, keys, n * sizeof(*keys));
	s.n_keys = n;
	standalone = true;
	pthread_rwlock_wrlock(&lock);
	snapshot_free(&cur);
	cur = s;
	pthread_rwlock_unlock(&lock);
}

static bool live(const struct mirror_key *k, uint64_t now)
{
	return !k->decrypt_until || now < k->decrypt_until;
}

/*
 * The index of the key that encrypts at @now, or -1: under the lock.  A
 * next key without encrypt_from waits for a rotation (manual mode); one
 * with it encrypts from then, as the primary it is about to become.
 */
static ssize_t clock_primary(uint64_t now)
{
	ssize_t best = -1;
	size_t i;

	for (i = 0; i < cur.n_keys; i++) {
		const struct mirror_key *k = &cur.keys[i];

		if (!live(k, now))
			continue;
		if (k->state != KTIX_KEY_STATE_PRIMARY &&
		    (k->state != KTIX_KEY_STATE_NEXT || !k->encrypt_from ||
		     k->encrypt_from > now))
			continue;
		if (best < 0 || k->encrypt_from > cur.keys[best].encrypt_from)
			best = (ssize_t)i;
	}
	return best;
}

/*
 * Whether tickets are withheld: with a fleet's keys (policy
 * external-keys), the key that encrypts stops decrypting before a ticket
 * issued now would expire.  That happens only to a host that heard of no
 * successor in time (cut off from its fleet): otherwise the primary
 * decrypts for at least the retention after it stops encrypting, and the
 * retention is at least the ticket lifetime.  A single host's own keys
 * (the module's rotation, an operator's) never withhold: a late rotation
 * there costs a full handshake at worst, and the lifetime hint says so.
 */
static atomic_bool withholding;
static atomic_ulong withheld;

unsigned long mirror_tickets_withheld(void)
{
	return atomic_load(&withheld);
}

bool mirror_primary(struct mirror_key *out)
{
	uint64_t now = (uint64_t)time(NULL);
	bool short_lived = false;
	ssize_t i;

	pthread_rwlock_rdlock(&lock);
	i = clock_primary(now);
	if (i >= 0) {
		*out = cur.keys[i];
		short_lived = cur.external_keys && out->decrypt_until &&
			      out->decrypt_until < now + cur.ticket_lifetime;
	}
	pthread_rwlock_unlock(&lock);
	if (short_lived) {
		OPENSSL_cleanse(out, sizeof(*out));
		atomic_fetch_add(&withheld, 1);
		if (!atomic_exchange(&withholding, true))
			log_msg(LOG_WARNING,
				"no tickets: the primary key stops decrypting before a ticket would expire, and no successor is known (a fleet host cut off?); full handshakes go on");
		return false;
	}
	if (i >= 0 && atomic_exchange(&withholding, false))
		log_msg(LOG_NOTICE, "tickets again: the primary key is good for their lifetime");
	return i >= 0;
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
			*primary = clock_primary(now) == (ssize_t)i;
			found = true;
		}
		break;
	}
	pthread_rwlock_unlock(&lock);
	return found;
}

enum mirror_rev mirror_revoked(const uint8_t *handle)
{
	uint64_t now = (uint64_t)time(NULL);
	enum mirror_rev r;

	if (!revoke_current() || !events_drained())
		return REV_UNKNOWN;
	pthread_rwlock_rdlock(&lock);
	if (!cur.revoke_current || !cur.revoked)
		r = REV_UNKNOWN;
	else if (revset_has(cur.revoked, handle, now))
		r = REV_REVOKED;
	else
		r = REV_CLEAR;
	pthread_rwlock_unlock(&lock);
	return r;
}

void mirror_revoke_local(const uint8_t *handle, uint64_t until)
{
	uint64_t now = (uint64_t)time(NULL);

	pthread_rwlock_wrlock(&lock);
	if (cur.revoked && revset_add(cur.revoked, handle, until, now))
		cur.revoke_current = false;	/* fail closed until read */
	pthread_rwlock_unlock(&lock);
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
	ssize_t i;

	pthread_rwlock_rdlock(&lock);
	life = cur.ticket_lifetime;
	i = clock_primary(now);
	if (i >= 0 && cur.keys[i].decrypt_until &&
	    cur.keys[i].decrypt_until - now < life)
		life = (uint32_t)(cur.keys[i].decrypt_until - now);
	pthread_rwlock_unlock(&lock);
	return life ? life : 7200;
}
