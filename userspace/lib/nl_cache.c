// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix: the session-ID cache, the revocation set and the counters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "ktix_nl.h"
#include "nl_priv.h"

/* A request carrying KTIX_A_SESSION { ID [, DATA, LIFETIME] }. */
static struct nl_msg *sess_msg(struct ktix_nl *nl, uint8_t cmd,
			       const uint8_t *id, size_t id_len,
			       const uint8_t *data, size_t size,
			       uint32_t lifetime)
{
	struct nl_msg *msg = ktix_nl_msg_sized(nl, cmd, id_len + size);
	struct nlattr *nest;

	if (!msg)
		return NULL;
	nest = nla_nest_start(msg, KTIX_A_SESSION | NLA_F_NESTED);
	if (!nest || nla_put(msg, KTIX_SESS_A_ID, (int)id_len, id) ||
	    (data && nla_put(msg, KTIX_SESS_A_DATA, (int)size, data)) ||
	    (lifetime && nla_put_u32(msg, KTIX_SESS_A_LIFETIME, lifetime))) {
		ktix_nl_free_msg(msg);
		return NULL;
	}
	nla_nest_end(msg, nest);
	return msg;
}

int ktix_nl_sess_put(struct ktix_nl *nl, const uint8_t *id, size_t id_len,
		     const uint8_t *data, size_t size, uint32_t lifetime)
{
	struct nl_msg *msg;

	if (size > 65535 || id_len > 255)
		return -EMSGSIZE;
	msg = sess_msg(nl, KTIX_CMD_SESS_PUT, id, id_len, data, size, lifetime);
	return ktix_nl_transact(nl, msg, NULL, NULL);
}

static int parse_sess(struct nlattr *nest, struct ktix_sess_info *s)
{
	struct nlattr *a[KTIX_SESS_A_MAX + 1];

	memset(s, 0, sizeof(*s));
	if (!nest || nla_parse_nested(a, KTIX_SESS_A_MAX, nest, NULL) < 0 ||
	    get_bytes(a[KTIX_SESS_A_ID], s->id, sizeof(s->id), &s->id_len) ||
	    get_u32(a[KTIX_SESS_A_SIZE], &s->size) ||
	    get_u64(a[KTIX_SESS_A_CREATED], &s->created) ||
	    get_u64(a[KTIX_SESS_A_EXPIRES], &s->expires))
		return -EBADMSG;
	if (a[KTIX_SESS_A_DATA]) {
		if ((uint32_t)nla_len(a[KTIX_SESS_A_DATA]) != s->size)
			return -EBADMSG;
		s->data = malloc(s->size ? s->size : 1);
		if (!s->data)
			return -ENOMEM;
		memcpy(s->data, nla_data(a[KTIX_SESS_A_DATA]), s->size);
	}
	return 0;
}

void ktix_sess_info_free(struct ktix_sess_info *s)
{
	if (s->data) {
		explicit_bzero(s->data, s->size);
		free(s->data);
	}
	memset(s, 0, sizeof(*s));
}

static int parse_sess_one(struct nlattr **tb, void *arg)
{
	struct ktix_sess_info *s = arg;
	int err;

	ktix_sess_info_free(s);
	err = parse_sess(tb[KTIX_A_SESSION], s);
	if (!err && !s->data)
		err = -EBADMSG;
	if (err)
		ktix_sess_info_free(s);
	return err;
}

int ktix_nl_sess_get(struct ktix_nl *nl, const uint8_t *id, size_t id_len,
		     struct ktix_sess_info *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = ktix_nl_transact(nl, sess_msg(nl, KTIX_CMD_SESS_GET, id, id_len,
					    NULL, 0, 0),
			       parse_sess_one, out);
	if (err)
		ktix_sess_info_free(out);
	return err;
}

static int parse_sess_entry(struct nlattr **tb, void *arg)
{
	struct ktix_sess_list *list = arg;
	int err;

	if (grow_array(&list->sess, list->n, sizeof(*list->sess)))
		return -ENOMEM;
	err = parse_sess(tb[KTIX_A_SESSION], &list->sess[list->n]);
	if (err) {
		ktix_sess_info_free(&list->sess[list->n]);
		return err;
	}
	list->n++;
	return 0;
}

void ktix_sess_list_free(struct ktix_sess_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		ktix_sess_info_free(&list->sess[i]);
	free(list->sess);
	memset(list, 0, sizeof(*list));
}

int ktix_nl_sess_list(struct ktix_nl *nl, bool data,
		      struct ktix_sess_list *out)
{
	struct nl_msg *msg = ktix_nl_dump_msg(nl, KTIX_CMD_SESS_GET);
	int err;

	memset(out, 0, sizeof(*out));
	if (msg && data && nla_put_u32(msg, KTIX_A_FLAGS, KTIX_F_SESSION_DATA)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = ktix_nl_transact(nl, msg, parse_sess_entry, out);
	if (err)
		ktix_sess_list_free(out);
	return err;
}

int ktix_nl_sess_del(struct ktix_nl *nl, const uint8_t *id, size_t id_len)
{
	if (id_len > 255)
		return -EMSGSIZE;
	return ktix_nl_transact(nl, sess_msg(nl, KTIX_CMD_SESS_DEL, id, id_len,
					     NULL, 0, 0), NULL, NULL);
}

int ktix_nl_sess_flush(struct ktix_nl *nl)
{
	return ktix_nl_transact(nl, ktix_nl_msg(nl, KTIX_CMD_SESS_FLUSH),
				NULL, NULL);
}

static int parse_generation(struct nlattr **tb, void *arg)
{
	return get_u64(tb[KTIX_A_GENERATION], arg);
}

struct revoke_reply {
	uint64_t generation;
	struct ktix_revoke_info entry;
};

static int parse_revoke_entry(struct nlattr *nest, struct ktix_revoke_info *r)
{
	struct nlattr *a[KTIX_REVOKE_A_MAX + 1];
	uint8_t len;

	if (!nest || nla_parse_nested(a, KTIX_REVOKE_A_MAX, nest, NULL) < 0 ||
	    get_bytes(a[KTIX_REVOKE_A_HANDLE], r->handle, sizeof(r->handle),
		      &len) || len != sizeof(r->handle) ||
	    get_u64(a[KTIX_REVOKE_A_UNTIL], &r->until))
		return -EBADMSG;
	return 0;
}

static int parse_revoke_reply(struct nlattr **tb, void *arg)
{
	struct revoke_reply *out = arg;

	if (get_u64(tb[KTIX_A_GENERATION], &out->generation))
		return -EBADMSG;
	return parse_revoke_entry(tb[KTIX_A_REVOKE], &out->entry);
}

int ktix_nl_revoke_add(struct ktix_nl *nl, const uint8_t *handle,
		       uint64_t until, uint64_t *generation)
{
	return ktix_nl_revoke_add_entry(nl, handle, until, generation, NULL);
}

int ktix_nl_revoke_add_entry(struct ktix_nl *nl, const uint8_t *handle,
			     uint64_t until, uint64_t *generation,
			     struct ktix_revoke_info *entry)
{
	struct nl_msg *msg = ktix_nl_msg(nl, KTIX_CMD_REVOKE_ADD);
	struct revoke_reply rep = { 0 };
	struct nlattr *nest;
	int err;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, KTIX_A_REVOKE | NLA_F_NESTED);
	if (!nest ||
	    nla_put(msg, KTIX_REVOKE_A_HANDLE, KTIX_REVOKE_HANDLE_LEN, handle) ||
	    (until && nla_put_u64(msg, KTIX_REVOKE_A_UNTIL, until))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	err = ktix_nl_transact(nl, msg, parse_revoke_reply, &rep);
	if (!err && generation)
		*generation = rep.generation;
	if (!err && entry)
		*entry = rep.entry;
	return err;
}

static int parse_revoked(struct nlattr **tb, void *arg)
{
	struct ktix_revoke_list *list = arg;

	if (get_u64(tb[KTIX_A_GENERATION], &list->generation))
		return -EBADMSG;
	if (grow_array(&list->revoked, list->n, sizeof(*list->revoked)))
		return -ENOMEM;
	if (parse_revoke_entry(tb[KTIX_A_REVOKE], &list->revoked[list->n]))
		return -EBADMSG;
	list->n++;
	return 0;
}

void ktix_revoke_list_free(struct ktix_revoke_list *list)
{
	free(list->revoked);
	memset(list, 0, sizeof(*list));
}

int ktix_nl_revoke_generation(struct ktix_nl *nl, uint64_t *generation)
{
	*generation = 0;
	return ktix_nl_transact(nl, ktix_nl_msg(nl, KTIX_CMD_REVOKE_GET),
				parse_generation, generation);
}

int ktix_nl_revoke_dump(struct ktix_nl *nl, struct ktix_revoke_list *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = ktix_nl_transact(nl, ktix_nl_dump_msg(nl, KTIX_CMD_REVOKE_GET),
			       parse_revoked, out);
	if (err == -EINTR)
		err = 0;	/* what changed meanwhile was announced */
	if (err)
		ktix_revoke_list_free(out);
	return err;
}

int ktix_nl_revoke_list(struct ktix_nl *nl, struct ktix_revoke_list *out)
{
	int tries, err = -EINTR;

	memset(out, 0, sizeof(*out));
	for (tries = 0; tries < 5 && err == -EINTR; tries++) {
		ktix_revoke_list_free(out);
		err = ktix_nl_transact(nl, ktix_nl_dump_msg(nl, KTIX_CMD_REVOKE_GET),
				       parse_revoked, out);
	}
	if (err)
		ktix_revoke_list_free(out);
	return err;
}

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
