/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * ktix: the facts about the netlink ABI that more than one part of ktix
 * needs, each written once.  The uapi header names the attributes and
 * commands; this file says what each policy field accepts and what each
 * counter and enum value is called, as lines of macros.  A user defines
 * the macros of the tables it wants and includes this file where the
 * expansion goes (an enum, an array); the others expand to nothing, and
 * all are undefined again at the end:
 *
 *	#define KTIX_COUNTER(attr, proc, json)	KTIX_MIB_##attr,
 *	enum ktix_mib_field {
 *	#include <ktix/tables.h>
 *		__KTIX_MIB_MAX
 *	};
 *
 * The module, libktix, libktix-nl, ktixctl and ktixd use it.  The
 * module's build fails when a policy attribute or a counter of the uapi
 * header has no line here; selftests/abi_tables.c does the same for the
 * enums' names; the style suite checks Documentation/ktix.rst and
 * ktixctl(8) against "ktixctl help policy" and ktix.rst's counters against
 * this file.  It has no include guard, on purpose.  It is not installed
 * and is not ABI.
 *
 * Why not the kernel's YNL generator (tools/net/ynl/ynl-gen-c.py of
 * linux-source-6.12, tried): it cannot produce 6.1's per-command policies
 * as ktix needs them.  It refuses binary attributes with both a minimum
 * and a maximum length, its full ranges are const where 6.1 takes a
 * pointer to non-const, and it has the core validate every nest before
 * the handler runs, where ktix parses the nests that carry secrets itself
 * so that it can wipe them even when they do not parse.
 */
#ifndef KTIX_POLICY
#define KTIX_POLICY(attr, field, name, type, min, max, def, unit)
#endif
#ifndef KTIX_GAUGE
#define KTIX_GAUGE(attr, proc, json)
#endif
#ifndef KTIX_COUNTER
#define KTIX_COUNTER(attr, proc, json)
#endif
#ifndef KTIX_KEY_STATE_NAME
#define KTIX_KEY_STATE_NAME(value, name)
#endif
#ifndef KTIX_RING_EV_NAME
#define KTIX_RING_EV_NAME(value, name)
#endif
#ifndef KTIX_REVOKE_EV_NAME
#define KTIX_REVOKE_EV_NAME(value, name)
#endif
#ifndef KTIX_OFFLOAD_KIND_NAME
#define KTIX_OFFLOAD_KIND_NAME(value, name)
#endif
#ifndef KTIX_RESUME_MISS_NAME
#define KTIX_RESUME_MISS_NAME(value, name)
#endif
#ifndef KTIX_FEATURE_NAME
#define KTIX_FEATURE_NAME(value, name)
#endif

/*
 * The policy (KTIX_A_POLICY), in KTIX_POLICY_A_* order:
 * KTIX_POLICY(ATTR, field, name, type, min, max, default, unit)
 *   ATTR  the suffix of KTIX_POLICY_A_*
 *   field the member of struct ktix_policy and struct ktix_policy_info
 *   name  ktixctl's name for it
 *   type  U32 or U64, the attribute's
 *   default  a new namespace's value.  revoke-bytes' 128 MiB holds
 *         1677721 handles at KTIX_REVOKE_ENTRY_COST: 35 revocations a
 *         second, sustained, at the default 13 hours an entry lasts
 *         (retention plus rotation interval)
 *   unit  SECONDS, COUNT or BYTES: how ktixctl reads and prints it
 * Rules that tie fields together (retention >= ticket lifetime, enough
 * keys for the retention) are the module's, in kmod/policy.c.
 */
KTIX_POLICY(ROTATE_INTERVAL, rotate_interval, "rotate-interval", U32,
	    0, 604800, 3600, SECONDS)
KTIX_POLICY(RETENTION, retention, "retention", U32, 60, 1209600, 43200, SECONDS)
KTIX_POLICY(TICKET_LIFETIME, ticket_lifetime, "ticket-lifetime", U32,
	    60, 604800, 43200, SECONDS)
KTIX_POLICY(MAX_KEYS, max_keys, "max-keys", U32,
	    2, KTIX_MAX_KEYS_LIMIT, 16, COUNT)
KTIX_POLICY(CACHE_ENTRIES, cache_entries, "cache-entries", U32,
	    1, 10000000, 100000, COUNT)
KTIX_POLICY(CACHE_BYTES, cache_bytes, "cache-bytes", U64,
	    65536, 17179869184ULL, 67108864, BYTES)
KTIX_POLICY(SESSION_LIFETIME, session_lifetime, "session-lifetime", U32,
	    1, 86400, 3600, SECONDS)
KTIX_POLICY(SESSION_MAX_SIZE, session_max_size, "session-max-size", U32,
	    64, KTIX_SESS_DATA_MAX_LEN, 16384, BYTES)
KTIX_POLICY(REVOKE_BYTES, revoke_bytes, "revoke-bytes", U64,
	    1048576, 17179869184ULL, 134217728, BYTES)
KTIX_POLICY(EXTERNAL_KEYS, external_keys, "external-keys", U32, 0, 1, 0, COUNT)

/*
 * The counters of KTIX_CMD_STATS_GET and /proc/net/ktix_stat:
 * KTIX_GAUGE and KTIX_COUNTER(ATTR, proc name, JSON name), ATTR the
 * suffix of KTIX_STATS_A_*.
 * Gauges (the state now) first, then the counters, in the order
 * /proc/net/ktix_stat shows them; the module keeps the counters per CPU
 * in this order (enum ktix_mib_field), so the runs marked below must stay
 * in the order of the enums they follow.
 */
KTIX_GAUGE(RING_KEYS, "KtixRingKeys", "ring_keys")
KTIX_GAUGE(CACHE_ENTRIES, "KtixCacheEntries", "cache_entries")
KTIX_GAUGE(CACHE_BYTES, "KtixCacheBytes", "cache_bytes")
KTIX_GAUGE(REVOKED, "KtixRevoked", "revoked")
KTIX_GAUGE(REVOKE_BYTES, "KtixRevokeBytes", "revoke_bytes")

KTIX_COUNTER(POLICY_UPDATES, "KtixPolicyUpdates", "policy_updates")
KTIX_COUNTER(ROTATIONS, "KtixRotations", "rotations")
KTIX_COUNTER(KEYS_WIPED, "KtixKeysWiped", "keys_wiped")
KTIX_COUNTER(KEYS_EXPIRED, "KtixKeysExpired", "keys_expired")
KTIX_COUNTER(KEYS_EVICTED, "KtixKeysEvicted", "keys_evicted")
KTIX_COUNTER(SESS_PUTS, "KtixSessPuts", "sess_puts")
KTIX_COUNTER(SESS_HITS, "KtixSessHits", "sess_hits")
KTIX_COUNTER(SESS_MISSES, "KtixSessMisses", "sess_misses")
KTIX_COUNTER(SESS_DELETES, "KtixSessDeletes", "sess_deletes")
KTIX_COUNTER(SESS_EVICTIONS, "KtixSessEvictions", "sess_evictions")
KTIX_COUNTER(SESS_EXPIRATIONS, "KtixSessExpirations", "sess_expirations")
KTIX_COUNTER(REVOCATIONS, "KtixRevocations", "revocations")
KTIX_COUNTER(REVOKE_EXPIRED, "KtixRevokeExpired", "revoke_expired")
KTIX_COUNTER(REVOKE_FULL, "KtixRevokeFull", "revoke_full")
KTIX_COUNTER(OFFLOADS, "KtixOffloads", "offloads")
KTIX_COUNTER(OFFLOAD_TLS12, "KtixOffloadTls12", "offload_tls12")
KTIX_COUNTER(OFFLOAD_TLS13, "KtixOffloadTls13", "offload_tls13")
KTIX_COUNTER(OFFLOAD_AES_GCM_128, "KtixOffloadAesGcm128", "offload_aes_gcm_128")
KTIX_COUNTER(OFFLOAD_AES_GCM_256, "KtixOffloadAesGcm256", "offload_aes_gcm_256")
KTIX_COUNTER(OFFLOAD_CHACHA20_POLY1305, "KtixOffloadChacha20Poly1305",
	     "offload_chacha20_poly1305")
KTIX_COUNTER(OFFLOAD_AES_CCM_128, "KtixOffloadAesCcm128", "offload_aes_ccm_128")
/* by enum ktix_offload_kind, in its order */
KTIX_COUNTER(OFFLOAD_FULL, "KtixOffloadFull", "offload_full")
KTIX_COUNTER(OFFLOAD_TICKET, "KtixOffloadTicket", "offload_ticket")
KTIX_COUNTER(OFFLOAD_SESSION_ID, "KtixOffloadSessionId", "offload_session_id")
KTIX_COUNTER(OFFLOAD_PSK, "KtixOffloadPsk", "offload_psk")
KTIX_COUNTER(OFFLOAD_ERR_SOCKET, "KtixOffloadErrSocket", "offload_err_socket")
KTIX_COUNTER(OFFLOAD_ERR_ULP, "KtixOffloadErrUlp", "offload_err_ulp")
KTIX_COUNTER(OFFLOAD_ERR_KEYS, "KtixOffloadErrKeys", "offload_err_keys")
KTIX_COUNTER(OFFLOAD_ERR_KTLS, "KtixOffloadErrKtls", "offload_err_ktls")
/* by enum ktix_resume_miss, in its order */
KTIX_COUNTER(RESUME_MISS_UNKNOWN_KEY, "KtixResumeMissUnknownKey",
	     "resume_miss_unknown_key")
KTIX_COUNTER(RESUME_MISS_BAD_TICKET, "KtixResumeMissBadTicket",
	     "resume_miss_bad_ticket")
KTIX_COUNTER(RESUME_MISS_REVOKED, "KtixResumeMissRevoked",
	     "resume_miss_revoked")
KTIX_COUNTER(RESUME_MISS_CACHE_MISS, "KtixResumeMissCacheMiss",
	     "resume_miss_cache_miss")
KTIX_COUNTER(RESUME_MISS_EXPIRED, "KtixResumeMissExpired",
	     "resume_miss_expired")
KTIX_COUNTER(RESUME_MISS_CONTEXT, "KtixResumeMissContext",
	     "resume_miss_context")
KTIX_COUNTER(RESUME_MISS_FUTURE, "KtixResumeMissFuture", "resume_miss_future")
KTIX_COUNTER(RESUME_MISS_REVOKE_STALE, "KtixResumeMissRevokeStale",
	     "resume_miss_revoke_stale")
KTIX_COUNTER(KEY_UPDATES, "KtixKeyUpdates", "key_updates")

/*
 * Names of enum values, as ktixctl, ktixd's log and JSON print them:
 * KTIX_..._NAME(VALUE, name), VALUE the suffix of the enum's constants.
 */
KTIX_KEY_STATE_NAME(NEXT, "next")
KTIX_KEY_STATE_NAME(PRIMARY, "primary")
KTIX_KEY_STATE_NAME(RETIRING, "retiring")

KTIX_RING_EV_NAME(ADD, "add")
KTIX_RING_EV_NAME(DEL, "del")
KTIX_RING_EV_NAME(ROTATE, "rotate")
KTIX_RING_EV_NAME(EXPIRE, "expire")
KTIX_RING_EV_NAME(POLICY, "policy")

KTIX_REVOKE_EV_NAME(ADD, "add")
KTIX_REVOKE_EV_NAME(EXPIRE, "expire")

/* enum ktix_offload_kind: also how ktixd says a handshake resumed. */
KTIX_OFFLOAD_KIND_NAME(FULL, "full")
KTIX_OFFLOAD_KIND_NAME(TICKET, "ticket")
KTIX_OFFLOAD_KIND_NAME(SESSION_ID, "session_id")
KTIX_OFFLOAD_KIND_NAME(PSK, "psk")
KTIX_OFFLOAD_KIND_NAME(KEY_UPDATE, "key_update")

KTIX_RESUME_MISS_NAME(UNKNOWN_KEY, "unknown_key")
KTIX_RESUME_MISS_NAME(BAD_TICKET, "bad_ticket")
KTIX_RESUME_MISS_NAME(REVOKED, "revoked")
KTIX_RESUME_MISS_NAME(CACHE_MISS, "cache_miss")
KTIX_RESUME_MISS_NAME(EXPIRED, "expired")
KTIX_RESUME_MISS_NAME(CONTEXT, "context")
KTIX_RESUME_MISS_NAME(FUTURE, "future")
KTIX_RESUME_MISS_NAME(REVOKE_STALE, "revoke_stale")

/* Bits of KTIX_A_FEATURES, in bit order. */
KTIX_FEATURE_NAME(POLICY, "policy")
KTIX_FEATURE_NAME(RING, "ring")
KTIX_FEATURE_NAME(CACHE, "cache")
KTIX_FEATURE_NAME(REVOKE, "revoke")
KTIX_FEATURE_NAME(STATS, "stats")
KTIX_FEATURE_NAME(OFFLOAD, "offload")
KTIX_FEATURE_NAME(SCHEDULE, "schedule")
KTIX_FEATURE_NAME(SEND_FIRST, "send-first")

#undef KTIX_POLICY
#undef KTIX_GAUGE
#undef KTIX_COUNTER
#undef KTIX_KEY_STATE_NAME
#undef KTIX_RING_EV_NAME
#undef KTIX_REVOKE_EV_NAME
#undef KTIX_OFFLOAD_KIND_NAME
#undef KTIX_RESUME_MISS_NAME
#undef KTIX_FEATURE_NAME
