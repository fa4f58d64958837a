// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-fleetd: etcd's answers, read.  The v3 JSON gateway answers with a
 * JSON object; keys and values are base64 (OpenSSL's codec), 64-bit
 * integers strings.  Nothing here trusts the answer's shape: a member, a
 * proxy or anyone on the path may send anything, and a field of the wrong
 * type is an answer that is not etcd's (-EPROTO), never a crash.  No I/O
 * here: fuzz/etcdans.c drives these functions with arbitrary bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "fleetd.h"

struct json_object *answer_parse(const char *body, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (!body || !len || len > INT32_MAX)
		return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, body, (int)len);
	/* One whole object, nothing after it. */
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/*
 * A base64 string into a new buffer, NUL-terminated: its length, or -1.
 * An empty string is an empty value.
 */
static ssize_t unb64(struct json_object *s, uint8_t **out)
{
	const char *p;
	size_t n;
	int len;

	*out = NULL;
	if (!json_object_is_type(s, json_type_string))
		return -1;
	p = json_object_get_string(s);
	n = (size_t)json_object_get_string_len(s);
	if (n % 4 || n > INT32_MAX || strlen(p) != n)
		return -1;
	*out = malloc(n / 4 * 3 + 1);
	if (!*out)
		return -1;
	len = n ? EVP_DecodeBlock(*out, (const unsigned char *)p, (int)n) : 0;
	if (len < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	/* EVP_DecodeBlock counts the padding as zeros. */
	if (n && p[n - 1] == '=')
		len--;
	if (n > 1 && p[n - 2] == '=')
		len--;
	(*out)[len] = 0;
	return len;
}

int answer_i64(struct json_object *o, const char *name, int64_t *v)
{
	struct json_object *f;
	const char *s;
	char *end;

	*v = 0;
	if (!json_object_object_get_ex(o, name, &f))
		return 0;		/* etcd leaves zeros out */
	if (json_object_is_type(f, json_type_int)) {
		*v = json_object_get_int64(f);
		return 0;
	}
	if (!json_object_is_type(f, json_type_string))
		return -EPROTO;
	s = json_object_get_string(f);
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (!*s || *end || errno) {
		*v = 0;
		return -EPROTO;
	}
	return 0;
}

/* One entry of "kvs": 0, or -EPROTO. */
static int kv_parse(struct json_object *o, struct etcd_kv *kv)
{
	struct json_object *k, *v;
	ssize_t n;

	memset(kv, 0, sizeof(*kv));
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "key", &k))
		return -EPROTO;
	n = unb64(k, (uint8_t **)&kv->key);
	/* Keys are text here: one with a NUL in it is not ours. */
	if (n <= 0 || strlen(kv->key) != (size_t)n)
		goto bad;
	if (json_object_object_get_ex(o, "value", &v)) {
		n = unb64(v, &kv->value);
		if (n < 0)
			goto bad;
		kv->value_len = (size_t)n;
	}
	if (answer_i64(o, "lease", &kv->lease) ||
	    answer_i64(o, "create_revision", &kv->create_revision))
		goto bad;
	return 0;
bad:
	etcd_kv_free(kv);
	return -EPROTO;
}

void etcd_kv_free(struct etcd_kv *kv)
{
	free(kv->key);
	if (kv->value)
		OPENSSL_cleanse(kv->value, kv->value_len);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

void etcd_kvs_free(struct etcd_kvs *kvs)
{
	size_t i;

	for (i = 0; i < kvs->n; i++)
		etcd_kv_free(&kvs->kv[i]);
	free(kvs->kv);
	memset(kvs, 0, sizeof(*kvs));
}

int answer_range(struct json_object *ans, struct etcd_kvs *out)
{
	struct json_object *kvs;
	size_t n, i;

	memset(out, 0, sizeof(*out));
	if (!json_object_object_get_ex(ans, "kvs", &kvs))
		return 0;		/* nothing under the prefix */
	if (!json_object_is_type(kvs, json_type_array))
		return -EPROTO;
	n = json_object_array_length(kvs);
	out->kv = calloc(n ? n : 1, sizeof(*out->kv));
	if (!out->kv)
		return -ENOMEM;
	/* An entry that does not parse is left out; the others count. */
	for (i = 0; i < n; i++)
		if (!kv_parse(json_object_array_get_idx(kvs, i),
			      &out->kv[out->n]))
			out->n++;
	return 0;
}

int answer_txn(struct json_object *ans, struct etcd_kv *existing)
{
	struct json_object *v, *rs, *r0, *rr, *kvs;

	if (existing)
		memset(existing, 0, sizeof(*existing));
	if (json_object_object_get_ex(ans, "succeeded", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return -EPROTO;
		if (json_object_get_boolean(v))
			return 1;
	}
	if (!existing)
		return 0;
	/* The failure branch's range: what is there (maybe nothing now). */
	if (json_object_object_get_ex(ans, "responses", &rs) &&
	    json_object_is_type(rs, json_type_array) &&
	    json_object_array_length(rs) > 0 &&
	    (r0 = json_object_array_get_idx(rs, 0)) &&
	    json_object_object_get_ex(r0, "response_range", &rr) &&
	    json_object_object_get_ex(rr, "kvs", &kvs) &&
	    json_object_is_type(kvs, json_type_array) &&
	    json_object_array_length(kvs) > 0 &&
	    kv_parse(json_object_array_get_idx(kvs, 0), existing))
		return -EPROTO;
	return 0;
}

int answer_lease_ttl(struct json_object *ans, int64_t *ttl)
{
	struct json_object *res;

	/* A stream's answer: {"result": {...}}; no TTL when it is gone. */
	*ttl = 0;
	if (!json_object_object_get_ex(ans, "result", &res))
		return 0;
	if (!json_object_is_type(res, json_type_object))
		return -EPROTO;
	return answer_i64(res, "TTL", ttl);
}

/*
 * etcd's watch: one JSON object a message, {"result": {...}}, one after
 * another in whatever pieces the connection brings.  A message of more
 * than this is not etcd's (ours are a few hundred bytes: the watch's
 * events carry one key each).
 */
#define WATCH_MAX_MESSAGE	(1u << 20)

/* Strict JSON (no comments), one message after another. */
static void watch_tokener_flags(struct json_tokener *tok)
{
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
			       JSON_TOKENER_ALLOW_TRAILING_CHARS);
}

int watch_stream_init(struct watch_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->hint = json_tokener_new();
	s->whole = json_tokener_new();
	if (!s->hint || !s->whole) {
		watch_stream_free(s);
		return -ENOMEM;
	}
	watch_tokener_flags(s->hint);
	watch_tokener_flags(s->whole);
	return 0;
}

void watch_stream_free(struct watch_stream *s)
{
	if (s->hint)
		json_tokener_free(s->hint);
	if (s->whole)
		json_tokener_free(s->whole);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

/* One event of a message: WATCH_DUE when the round must read etcd. */
static int watch_event(struct json_object *ev, watch_event_fn fn, void *arg)
{
	struct json_object *t, *o;
	struct etcd_kv kv;
	bool deleted = false;
	int flags = 0;

	if (!json_object_is_type(ev, json_type_object))
		return WATCH_DUE;
	if (json_object_object_get_ex(ev, "type", &t)) {
		if (!json_object_is_type(t, json_type_string))
			return WATCH_DUE;
		deleted = !strcmp(json_object_get_string(t), "DELETE");
		if (!deleted && strcmp(json_object_get_string(t), "PUT"))
			return WATCH_DUE;
	}
	/* An entry that does not read: the round reads it, and says so. */
	if (!json_object_object_get_ex(ev, "kv", &o) || kv_parse(o, &kv))
		return WATCH_DUE;
	if (fn(arg, &kv, deleted))
		flags = WATCH_DUE;
	etcd_kv_free(&kv);
	return flags;
}

/* One whole message: WATCH_* flags, or -EPROTO, -ECANCELED. */
static int watch_message(struct json_object *o, watch_event_fn fn, void *arg)
{
	struct json_object *res, *v;
	int flags = 0;
	size_t i, n;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "result", &res) ||
	    !json_object_is_type(res, json_type_object))
		return -EPROTO;		/* {"error": ...} among others */
	if (json_object_object_get_ex(res, "canceled", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return -EPROTO;
		if (json_object_get_boolean(v))
			return -ECANCELED;
	}
	if (json_object_object_get_ex(res, "created", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return -EPROTO;
		if (json_object_get_boolean(v))
			flags |= WATCH_CREATED;
	}
	if (json_object_object_get_ex(res, "events", &v)) {
		if (!json_object_is_type(v, json_type_array))
			return -EPROTO;
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			flags |= WATCH_EVENTS |
				 watch_event(json_object_array_get_idx(v, i), fn, arg);
	}
	return flags;
}

/*
 * Bytes of the stream: each message read whole.  json-c's tokener, fed a
 * message in pieces, does not always read what it reads from the same
 * bytes at once (0.16 takes "1-" for 1 when the cut falls after the 1),
 * so what a message says must not depend on where the connection cut it.
 * The tokener fed piece by piece (s->hint) only says where a message may
 * end; there the bytes buffered since the message began are read again
 * at once (s->whole), and that reading is the one that counts.  When it
 * says the message goes on, the hint was wrong and the whole reading
 * becomes the hint.  A hint can also miss where a message went wrong:
 * the stream then waits for the end of a message that never comes (the
 * size limit below, or the connection's end, ends it), but never takes
 * what the whole reading would refuse.  @len bytes are taken a slice at a time, so that
 * what is buffered stays under a message and a slice.
 */
#define WATCH_SLICE	(64u << 10)

static int watch_stream_slice(struct watch_stream *s, const char *data,
			      size_t len, watch_event_fn fn, void *arg)
{
	struct json_object *o;
	struct json_tokener *t;
	enum json_tokener_error jerr;
	int flags = 0, r;
	size_t end;
	char *nb;

	if (s->len + len > s->cap) {
		nb = realloc(s->buf, s->len + len);
		if (!nb)
			return -ENOMEM;
		s->buf = nb;
		s->cap = s->len + len;
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;

	while (s->off < s->len) {
		o = json_tokener_parse_ex(s->hint, s->buf + s->hinted,
					  (int)(s->len - s->hinted));
		jerr = json_tokener_get_error(s->hint);
		json_object_put(o);
		if (jerr == json_tokener_continue) {
			s->hinted = s->len;
			break;
		}
		json_tokener_reset(s->whole);
		o = json_tokener_parse_ex(s->whole, s->buf + s->off,
					  (int)(s->len - s->off));
		jerr = json_tokener_get_error(s->whole);
		if (jerr == json_tokener_continue) {
			t = s->hint;
			s->hint = s->whole;
			s->whole = t;
			s->hinted = s->len;
			break;
		}
		end = json_tokener_get_parse_end(s->whole);
		if (jerr != json_tokener_success || !end ||
		    end > s->len - s->off) {
			json_object_put(o);
			return -EPROTO;
		}
		r = watch_message(o, fn, arg);
		json_object_put(o);
		if (r < 0)
			return r;
		flags |= r;
		s->off += end;
		s->hinted = s->off;
		json_tokener_reset(s->hint);
	}
	/* What is left is the start of the next message. */
	memmove(s->buf, s->buf + s->off, s->len - s->off);
	s->len -= s->off;
	s->hinted -= s->off;
	s->off = 0;
	if (s->len > WATCH_MAX_MESSAGE)
		return -EPROTO;
	return flags;
}

bool watch_stream_partial(const struct watch_stream *s)
{
	return s->len > 0;
}

int watch_stream_feed(struct watch_stream *s, const char *data, size_t len,
		      watch_event_fn fn, void *arg)
{
	int flags = 0, r;
	size_t n;

	while (len) {
		n = len > WATCH_SLICE ? WATCH_SLICE : len;
		r = watch_stream_slice(s, data, n, fn, arg);
		if (r < 0)
			return r;
		flags |= r;
		data += n;
		len -= n;
	}
	return flags;
}
