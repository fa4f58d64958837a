// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: what ktix-fleetd reads from etcd.  An etcd member, a proxy
 * or anyone on the path to the gateway can send any bytes as an answer,
 * and anyone who can write to etcd any values under the fleet's prefix.
 *
 * The first byte picks the reader: 0, a range answer (answer_range), each
 * of its entries then read as a key of the schedule and as a revocation
 * (record.c), and a key that reads opened under a KEK (wrap.c, which must
 * refuse it: the input cannot know the KEK); 1, a create-if-absent
 * transaction's answer (answer_txn); 2, a lease's answers
 * (answer_i64, answer_lease_ttl); 3, the rest as one value, read as a key
 * of the slot its first 8 bytes name and as a revocation (the JSON
 * without the base64 around it, where a fuzzer reaches it sooner); 4, a
 * watch's stream (watch_stream_feed), fed whole and in pieces whose size
 * the second byte gives: both ways must read the same events and flags,
 * each event's entry read as a key and as a revocation.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fleetd.h"

static const uint8_t kek[FLEETD_KEK_LEN] = { 1, 2, 3 };

void log_msg(int level, const char *fmt, ...)
{
	(void)level; (void)fmt;
}

static void value(const char *path, const uint8_t *v, size_t len,
		  uint64_t slot)
{
	uint8_t wrapped[RECORD_WRAPPED_LEN], material[RECORD_MATERIAL_LEN];
	uint8_t handle[KTIX_REVOKE_HANDLE_LEN];
	struct fleet_key k;
	uint64_t until;

	if (!record_key(v, len, slot, &k, wrapped)) {
		if (strlen(k.name) != 32 || k.encrypt_from != slot ||
		    k.encrypt_until <= k.encrypt_from ||
		    k.decrypt_until <= k.encrypt_until)
			abort();
		if (record_key_open(kek, "fuzz", &k, wrapped, material) !=
		    -EBADMSG)
			abort();	/* opened without the KEK */
	}
	if (!record_revocation(path, v, len, handle, &until) && !until)
		abort();
}

/* An event's entry: read as the fleet would; the events counted. */
static bool event(void *arg, const struct etcd_kv *kv, bool deleted)
{
	const char *tail = strrchr(kv->key, '/');

	if (!*kv->key)
		abort();
	(*(unsigned int *)arg)++;
	tail = tail ? tail + 1 : kv->key;
	if (!deleted)
		value(tail, kv->value, kv->value_len, strtoull(tail, NULL, 10));
	return deleted;
}

/*
 * The flags a stream's bytes give, fed @piece bytes at a time, the number
 * of events (*n) read and, if @partial, whether a message was left
 * unended.
 */
static int feed(const char *p, size_t len, size_t piece, unsigned int *n,
		bool *partial)
{
	struct watch_stream s;
	int flags = 0, r = 0;
	size_t at;

	if (watch_stream_init(&s))
		abort();
	for (at = 0; at < len && r >= 0; at += piece) {
		r = watch_stream_feed(&s, p + at, len - at < piece ? len - at : piece,
				      event, n);
		if (r > 0)
			flags |= r;
	}
	if (partial)
		*partial = watch_stream_partial(&s);
	watch_stream_free(&s);
	return r < 0 ? r : flags;
}

static int stream(const uint8_t *data, size_t size)
{
	unsigned int nw = 0, np = 0;
	bool pp;
	int whole, pieces;

	if (size < 1)
		return 0;
	whole = feed((const char *)data + 1, size - 1, size, &nw, NULL);
	pieces = feed((const char *)data + 1, size - 1, data[0] % 32 + 1, &np,
		      &pp);
	/*
	 * Whole or in pieces, a stream reads the same events.  In pieces
	 * it refuses nothing the whole reading takes, takes nothing the
	 * whole reading refuses, and may only see later where a message
	 * went wrong: still waiting for its end.
	 */
	if (nw != np || (pieces < 0 && whole >= 0) ||
	    (whole < 0 && pieces >= 0 && !pp) ||
	    (whole >= 0 && whole != pieces))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *ans;
	struct etcd_kvs kvs;
	struct etcd_kv kv;
	int64_t v;
	size_t i;

	if (size < 1)
		return 0;
	if (data[0] == 4)
		return stream(data + 1, size - 1);
	if (data[0] == 3) {
		uint64_t slot = 0;

		if (size < 9)
			return 0;
		for (i = 1; i < 9; i++)
			slot = slot << 8 | data[i];
		value("00112233445566778899aabbccddeeff", data + 9, size - 9,
		      slot);
		return 0;
	}
	ans = answer_parse((const char *)data + 1, size - 1);
	if (!ans)
		return 0;
	switch (data[0]) {
	case 0:
		if (answer_range(ans, &kvs))
			break;
		for (i = 0; i < kvs.n; i++) {
			const char *tail = strrchr(kvs.kv[i].key, '/');

			tail = tail ? tail + 1 : kvs.kv[i].key;
			if (strlen(kvs.kv[i].key) == 0)
				abort();
			value(tail, kvs.kv[i].value, kvs.kv[i].value_len,
			      strtoull(tail, NULL, 10));
		}
		etcd_kvs_free(&kvs);
		break;
	case 1:
		answer_txn(ans, &kv);
		etcd_kv_free(&kv);
		break;
	default:
		answer_i64(ans, "ID", &v);
		answer_lease_ttl(ans, &v);
		break;
	}
	json_object_put(ans);
	return 0;
}
