// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix-nl: the module's counters (KTIX_CMD_STATS_GET), with their
 * names as /proc/net/ktix_stat and ktixctl -j show them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ktix_nl.h"
#include "nl_priv.h"

#define STAT(n, k, t) { .name = n, .key = k, .type = KTIX_STATS_A_##t }

const struct ktix_stat_field ktix_stat_fields[] = {
	STAT("KtixRingKeys", "ring_keys", RING_KEYS),
	STAT("KtixCacheEntries", "cache_entries", CACHE_ENTRIES),
	STAT("KtixCacheBytes", "cache_bytes", CACHE_BYTES),
	STAT("KtixRevoked", "revoked", REVOKED),
	STAT("KtixRevokeBytes", "revoke_bytes", REVOKE_BYTES),
	STAT("KtixPolicyUpdates", "policy_updates", POLICY_UPDATES),
	STAT("KtixRotations", "rotations", ROTATIONS),
	STAT("KtixKeysWiped", "keys_wiped", KEYS_WIPED),
	STAT("KtixKeysExpired", "keys_expired", KEYS_EXPIRED),
	STAT("KtixKeysEvicted", "keys_evicted", KEYS_EVICTED),
	STAT("KtixSessPuts", "sess_puts", SESS_PUTS),
	STAT("KtixSessHits", "sess_hits", SESS_HITS),
	STAT("KtixSessMisses", "sess_misses", SESS_MISSES),
	STAT("KtixSessDeletes", "sess_deletes", SESS_DELETES),
	STAT("KtixSessEvictions", "sess_evictions", SESS_EVICTIONS),
	STAT("KtixSessExpirations", "sess_expirations", SESS_EXPIRATIONS),
	STAT("KtixRevocations", "revocations", REVOCATIONS),
	STAT("KtixRevokeExpired", "revoke_expired", REVOKE_EXPIRED),
	STAT("KtixRevokeFull", "revoke_full", REVOKE_FULL),
	STAT("KtixOffloads", "offloads", OFFLOADS),
	STAT("KtixOffloadTls12", "offload_tls12", OFFLOAD_TLS12),
	STAT("KtixOffloadTls13", "offload_tls13", OFFLOAD_TLS13),
	STAT("KtixOffloadAesGcm128", "offload_aes_gcm_128", OFFLOAD_AES_GCM_128),
	STAT("KtixOffloadAesGcm256", "offload_aes_gcm_256", OFFLOAD_AES_GCM_256),
	STAT("KtixOffloadChacha20Poly1305", "offload_chacha20_poly1305",
	     OFFLOAD_CHACHA20_POLY1305),
	STAT("KtixOffloadAesCcm128", "offload_aes_ccm_128", OFFLOAD_AES_CCM_128),
	STAT("KtixOffloadFull", "offload_full", OFFLOAD_FULL),
	STAT("KtixOffloadTicket", "offload_ticket", OFFLOAD_TICKET),
	STAT("KtixOffloadSessionId", "offload_session_id", OFFLOAD_SESSION_ID),
	STAT("KtixOffloadPsk", "offload_psk", OFFLOAD_PSK),
	STAT("KtixOffloadErrSocket", "offload_err_socket", OFFLOAD_ERR_SOCKET),
	STAT("KtixOffloadErrUlp", "offload_err_ulp", OFFLOAD_ERR_ULP),
	STAT("KtixOffloadErrKeys", "offload_err_keys", OFFLOAD_ERR_KEYS),
	STAT("KtixOffloadErrKtls", "offload_err_ktls", OFFLOAD_ERR_KTLS),
	STAT("KtixResumeMissUnknownKey", "resume_miss_unknown_key",
	     RESUME_MISS_UNKNOWN_KEY),
	STAT("KtixResumeMissBadTicket", "resume_miss_bad_ticket",
	     RESUME_MISS_BAD_TICKET),
	STAT("KtixResumeMissRevoked", "resume_miss_revoked", RESUME_MISS_REVOKED),
	STAT("KtixResumeMissCacheMiss", "resume_miss_cache_miss",
	     RESUME_MISS_CACHE_MISS),
	STAT("KtixResumeMissExpired", "resume_miss_expired", RESUME_MISS_EXPIRED),
	STAT("KtixResumeMissContext", "resume_miss_context", RESUME_MISS_CONTEXT),
	STAT("KtixResumeMissFuture", "resume_miss_future", RESUME_MISS_FUTURE),
	STAT("KtixResumeMissRevokeStale", "resume_miss_revoke_stale",
	     RESUME_MISS_REVOKE_STALE),
	{ .name = NULL },
};

static int parse_stats(struct nlattr **tb, void *arg)
{
	struct nlattr *a[KTIX_STATS_A_MAX + 1];
	struct ktix_stats *out = arg;
	const struct ktix_stat_field *f;

	if (!tb[KTIX_A_STATS] ||
	    nla_parse_nested(a, KTIX_STATS_A_MAX, tb[KTIX_A_STATS], NULL) < 0)
		return -EBADMSG;
	for (f = ktix_stat_fields; f->name; f++)
		if (get_u64(a[f->type], &out->v[f->type]))
			return -EBADMSG;
	return 0;
}

int ktix_nl_stats(struct ktix_nl *nl, struct ktix_stats *out)
{
	memset(out, 0, sizeof(*out));
	return ktix_nl_transact(nl, ktix_nl_msg(nl, KTIX_CMD_STATS_GET),
				parse_stats, out);
}
