// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix-nl: the module's counters in the Prometheus text exposition
 * format (version 0.0.4), for ktixctl stats --format prometheus (node
 * exporter's textfile collector) and ktixd's /metrics.
 *
 * Names follow Prometheus' conventions: a "ktix_" prefix, "_total" on
 * counters, "_bytes" for sizes, and one family per quantity with labels
 * for its parts (ktix_resumptions_total{kind="ticket"}), never a family
 * whose samples also count each other.  Every figure of the module is in
 * exactly one family; ktix_prom_check() says so, and the tests ask it.
 */
#include <inttypes.h>
#include <stdio.h>

#include "ktix_nl.h"

struct prom_sample {
	int attr;		/* KTIX_STATS_A_* */
	const char *labels;	/* "kind=\"ticket\"", or NULL */
};

struct prom_family {
	const char *name, *type, *help;
	struct prom_sample s[9];	/* ends at attr 0 */
};

#define ONE(a)			{ { KTIX_STATS_A_##a, NULL } }
#define L(a, k, v)		{ KTIX_STATS_A_##a, k "=\"" v "\"" }

static const struct prom_family families[] = {
	{ "ktix_ring_keys", "gauge", "Ticket keys in the ring.", ONE(RING_KEYS) },
	{ "ktix_session_cache_entries", "gauge",
	  "Sessions in the session-ID cache.", ONE(CACHE_ENTRIES) },
	{ "ktix_session_cache_bytes", "gauge",
	  "Bytes of the cached sessions and their IDs.", ONE(CACHE_BYTES) },
	{ "ktix_revoked_handles", "gauge", "Session handles revoked.",
	  ONE(REVOKED) },
	{ "ktix_revocation_set_bytes", "gauge",
	  "Bytes the revoked handles count against the policy's revoke_bytes.",
	  ONE(REVOKE_BYTES) },
	{ "ktix_policy_updates_total", "counter", "Policy changes applied.",
	  ONE(POLICY_UPDATES) },
	{ "ktix_key_rotations_total", "counter",
	  "Rotations of the ticket-key ring, by command or by the timer.",
	  ONE(ROTATIONS) },
	{ "ktix_keys_wiped_total", "counter",
	  "Ticket keys wiped on leaving the ring, for any reason.",
	  ONE(KEYS_WIPED) },
	{ "ktix_keys_expired_total", "counter",
	  "Retiring ticket keys wiped at their decrypt_until.",
	  ONE(KEYS_EXPIRED) },
	{ "ktix_keys_evicted_total", "counter",
	  "Retiring ticket keys wiped early to make room.", ONE(KEYS_EVICTED) },
	{ "ktix_session_cache_puts_total", "counter", "Sessions put in the cache.",
	  ONE(SESS_PUTS) },
	{ "ktix_session_cache_lookups_total", "counter",
	  "Session-ID cache lookups, by whether they found a live session.",
	  { L(SESS_HITS, "result", "hit"), L(SESS_MISSES, "result", "miss") } },
	{ "ktix_session_cache_deletes_total", "counter",
	  "Sessions removed by SESS_DEL and SESS_FLUSH.", ONE(SESS_DELETES) },
	{ "ktix_session_cache_evictions_total", "counter",
	  "Least recently used sessions evicted for room.", ONE(SESS_EVICTIONS) },
	{ "ktix_session_cache_expirations_total", "counter",
	  "Expired sessions purged.", ONE(SESS_EXPIRATIONS) },
	{ "ktix_revocations_total", "counter",
	  "Revocations accepted (a repeat counts again).", ONE(REVOCATIONS) },
	{ "ktix_revocations_expired_total", "counter",
	  "Revocations purged at their time.", ONE(REVOKE_EXPIRED) },
	{ "ktix_revocations_refused_total", "counter",
	  "Revocations refused at the policy's revoke_bytes bound.",
	  ONE(REVOKE_FULL) },
	{ "ktix_offloads_total", "counter", "Sockets handed to kTLS.",
	  ONE(OFFLOADS) },
	{ "ktix_offloads_by_version_total", "counter",
	  "Sockets handed to kTLS, by TLS version.",
	  { L(OFFLOAD_TLS12, "version", "1.2"),
	    L(OFFLOAD_TLS13, "version", "1.3") } },
	{ "ktix_offloads_by_cipher_total", "counter",
	  "Sockets handed to kTLS, by cipher.",
	  { L(OFFLOAD_AES_GCM_128, "cipher", "aes_gcm_128"),
	    L(OFFLOAD_AES_GCM_256, "cipher", "aes_gcm_256"),
	    L(OFFLOAD_CHACHA20_POLY1305, "cipher", "chacha20_poly1305"),
	    L(OFFLOAD_AES_CCM_128, "cipher", "aes_ccm_128") } },
	{ "ktix_full_handshakes_total", "counter",
	  "Sockets handed to kTLS after a full handshake.", ONE(OFFLOAD_FULL) },
	{ "ktix_resumptions_total", "counter",
	  "Sockets handed to kTLS after a resumed handshake, by kind.",
	  { L(OFFLOAD_TICKET, "kind", "ticket"),
	    L(OFFLOAD_SESSION_ID, "kind", "session_id"),
	    L(OFFLOAD_PSK, "kind", "psk") } },
	{ "ktix_offload_errors_total", "counter",
	  "Offloads refused, by reason.",
	  { L(OFFLOAD_ERR_SOCKET, "reason", "socket"),
	    L(OFFLOAD_ERR_ULP, "reason", "ulp"),
	    L(OFFLOAD_ERR_KEYS, "reason", "keys"),
	    L(OFFLOAD_ERR_KTLS, "reason", "ktls") } },
	{ "ktix_resume_misses_total", "counter",
	  "Full handshakes after a client's failed attempt to resume, by why.",
	  { L(RESUME_MISS_UNKNOWN_KEY, "reason", "unknown_key"),
	    L(RESUME_MISS_BAD_TICKET, "reason", "bad_ticket"),
	    L(RESUME_MISS_REVOKED, "reason", "revoked"),
	    L(RESUME_MISS_CACHE_MISS, "reason", "cache_miss"),
	    L(RESUME_MISS_EXPIRED, "reason", "expired"),
	    L(RESUME_MISS_CONTEXT, "reason", "context"),
	    L(RESUME_MISS_FUTURE, "reason", "future"),
	    L(RESUME_MISS_REVOKE_STALE, "reason", "revoke_stale") } },
	{ "ktix_key_updates_total", "counter",
	  "New keys set on a socket already on kTLS after a TLS 1.3 KeyUpdate.",
	  ONE(KEY_UPDATES) },
};

void ktix_prom_print(FILE *f, const struct ktix_stats *st)
{
	const struct prom_family *p;
	const struct prom_sample *s;

	for (p = families; p < families + sizeof(families) / sizeof(*p); p++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", p->name, p->help,
			p->name, p->type);
		for (s = p->s; s->attr; s++)
			fprintf(f, "%s%s%s%s %" PRIu64 "\n", p->name,
				s->labels ? "{" : "", s->labels ? s->labels : "",
				s->labels ? "}" : "", st->v[s->attr]);
	}
}

int ktix_prom_check(const char *prog)
{
	const struct ktix_stat_field *fl;
	const struct prom_family *p;
	const struct prom_sample *s;
	int missing = 0;

	for (fl = ktix_stat_fields; fl->name; fl++) {
		int n = 0;

		for (p = families; p < families + sizeof(families) / sizeof(*p); p++)
			for (s = p->s; s->attr; s++)
				n += s->attr == fl->type;
		if (n != 1) {
			fprintf(stderr, "%s: %s is in %d Prometheus families, not 1\n",
				prog, fl->name, n);
			missing++;
		}
	}
	return missing ? -1 : 0;
}
