// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-fleetd: a client of etcd's v3 JSON gateway (/v3/kv/range,
 * /v3/kv/txn and the lease calls), on libcurl for HTTP and json-c for
 * JSON; answer.c reads the answers.
 *
 * Every call tries the endpoint that answered last, then the others in
 * turn, each within the timeout: a fleet goes on while a majority of its
 * members does, whichever of them a host can reach.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "fleetd.h"

struct etcd {
	CURL *curl;
	char *const *endpoints;
	size_t n, cur;
	int timeout_ms;
	struct etcd_counters counters;
	char error[768];
};

struct buf {
	char *p;
	size_t len;
};

static size_t buf_write(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t add = size * n;
	char *p;

	if (b->len + add > (16u << 20))
		return 0;	/* an answer of more than 16 MiB: not etcd's */
	p = realloc(b->p, b->len + add + 1);
	if (!p)
		return 0;
	memcpy(p + b->len, data, add);
	b->p = p;
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

struct etcd *etcd_new(char *const *endpoints, size_t n, int timeout_ms)
{
	struct etcd *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->curl = curl_easy_init();
	if (!e->curl) {
		free(e);
		return NULL;
	}
	e->endpoints = endpoints;
	e->n = n;
	e->timeout_ms = timeout_ms;
	return e;
}

void etcd_free(struct etcd *e)
{
	if (!e)
		return;
	curl_easy_cleanup(e->curl);
	free(e);
}

const char *etcd_endpoint(const struct etcd *e)
{
	return e->endpoints[e->cur];
}

const struct etcd_counters *etcd_counters(const struct etcd *e)
{
	return &e->counters;
}

const char *etcd_error(const struct etcd *e)
{
	return e->error;
}

/* One POST to one endpoint: 0 and the parsed answer, or -errno. */
static int post_one(struct etcd *e, size_t i, const char *path,
		    const char *body, struct json_object **out)
{
	struct buf b = { 0 };
	char url[512];
	long code = 0;
	CURLcode rc;

	snprintf(url, sizeof(url), "%s%s", e->endpoints[i], path);
	curl_easy_reset(e->curl);
	curl_easy_setopt(e->curl, CURLOPT_URL, url);
	curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, buf_write);
	curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, (long)e->timeout_ms);
	curl_easy_setopt(e->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)e->timeout_ms);
	curl_easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	e->counters.requests++;
	e->counters.bytes_out += strlen(body);
	rc = curl_easy_perform(e->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &code);
	e->counters.bytes_in += b.len;
	if (rc != CURLE_OK || code != 200) {
		if (rc != CURLE_OK)
			snprintf(e->error, sizeof(e->error), "%s: %s", url,
				 curl_easy_strerror(rc));
		else
			snprintf(e->error, sizeof(e->error),
				 "%s: HTTP %ld: %.120s", url, code,
				 b.p ? b.p : "");
		free(b.p);
		e->counters.failures++;
		return rc != CURLE_OK ? -EIO : -EPROTO;
	}
	*out = answer_parse(b.p, b.len);
	free(b.p);
	if (!*out) {
		snprintf(e->error, sizeof(e->error), "%s: not an answer of etcd",
			 url);
		e->counters.failures++;
		return -EPROTO;
	}
	return 0;
}

/* POSTs @req (consumed) to the endpoints in turn; *out is the answer. */
static int post(struct etcd *e, const char *path, struct json_object *req,
		struct json_object **out)
{
	const char *body = json_object_to_json_string_ext(req,
							  JSON_C_TO_STRING_PLAIN);
	int err = -EIO;
	size_t k;

	for (k = 0; k < e->n; k++) {
		size_t i = (e->cur + k) % e->n;

		err = post_one(e, i, path, body, out);
		if (!err) {
			e->cur = i;
			break;
		}
		if (err == -EPROTO)
			break;	/* etcd said no: another member says the same */
	}
	json_object_put(req);
	return err;
}

/* An answer of the wrong shape, said where the others are. */
static int proto(struct etcd *e, int err)
{
	if (err == -EPROTO) {
		snprintf(e->error, sizeof(e->error), "%s: not an answer of etcd",
			 e->endpoints[e->cur]);
		e->counters.failures++;
	}
	return err;
}

static struct json_object *b64(const void *data, size_t len)
{
	char *s = malloc(4 * ((len + 2) / 3) + 1);
	struct json_object *o;

	if (!s)
		return NULL;
	EVP_EncodeBlock((unsigned char *)s, data, (int)len);
	o = json_object_new_string(s);
	free(s);
	return o;
}

static struct json_object *i64(int64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "%lld", (long long)v);
	return json_object_new_string(s);
}

int etcd_range_prefix(struct etcd *e, const char *prefix, int64_t min_create,
		      struct etcd_kvs *out)
{
	struct json_object *req = json_object_new_object(), *ans = NULL;
	size_t len = strlen(prefix);
	char end[256];
	int err;

	memset(out, 0, sizeof(*out));
	if (!req || !len || len >= sizeof(end))
		return -EINVAL;
	/* The range's end: the prefix with its last byte one higher. */
	memcpy(end, prefix, len);
	end[len - 1]++;
	json_object_object_add(req, "key", b64(prefix, len));
	json_object_object_add(req, "range_end", b64(end, len));
	if (min_create > 0)
		json_object_object_add(req, "min_create_revision",
				       i64(min_create));
	err = post(e, "/v3/kv/range", req, &ans);
	if (err)
		return err;
	err = answer_range(ans, out);
	json_object_put(ans);
	return proto(e, err);
}

static struct json_object *put_op(const char *key, const void *value,
				  size_t len, int64_t lease)
{
	struct json_object *put = json_object_new_object();

	json_object_object_add(put, "key", b64(key, strlen(key)));
	json_object_object_add(put, "value", b64(value, len));
	if (lease)
		json_object_object_add(put, "lease", i64(lease));
	return put;
}

int etcd_create(struct etcd *e, const char *key, const void *value,
		size_t len, int64_t lease, struct etcd_kv *existing)
{
	struct json_object *req = json_object_new_object(), *ans = NULL;
	struct json_object *cmp = json_object_new_object(), *op, *range;
	struct json_object *arr;
	int err;

	if (existing)
		memset(existing, 0, sizeof(*existing));
	/* If the key was never created (create_revision 0): put it. */
	json_object_object_add(cmp, "target", json_object_new_string("CREATE"));
	json_object_object_add(cmp, "key", b64(key, strlen(key)));
	json_object_object_add(cmp, "create_revision", i64(0));
	arr = json_object_new_array();
	json_object_array_add(arr, cmp);
	json_object_object_add(req, "compare", arr);
	op = json_object_new_object();
	json_object_object_add(op, "request_put", put_op(key, value, len, lease));
	arr = json_object_new_array();
	json_object_array_add(arr, op);
	json_object_object_add(req, "success", arr);
	/* Else: read what is there. */
	range = json_object_new_object();
	json_object_object_add(range, "key", b64(key, strlen(key)));
	op = json_object_new_object();
	json_object_object_add(op, "request_range", range);
	arr = json_object_new_array();
	json_object_array_add(arr, op);
	json_object_object_add(req, "failure", arr);

	err = post(e, "/v3/kv/txn", req, &ans);
	if (err)
		return err;
	err = answer_txn(ans, existing);
	json_object_put(ans);
	return proto(e, err);
}

int etcd_lease_grant(struct etcd *e, int64_t ttl, int64_t *id)
{
	struct json_object *req = json_object_new_object(), *ans = NULL;
	int err;

	json_object_object_add(req, "TTL", i64(ttl));
	err = post(e, "/v3/lease/grant", req, &ans);
	if (err)
		return err;
	err = answer_i64(ans, "ID", id);
	json_object_put(ans);
	return proto(e, err ? err : *id ? 0 : -EPROTO);
}

int etcd_lease_keepalive(struct etcd *e, int64_t id, int64_t *ttl)
{
	struct json_object *req = json_object_new_object(), *ans = NULL;
	int err;

	json_object_object_add(req, "ID", i64(id));
	err = post(e, "/v3/lease/keepalive", req, &ans);
	if (err)
		return err;
	err = answer_lease_ttl(ans, ttl);
	json_object_put(ans);
	return proto(e, err);
}

int etcd_lease_revoke(struct etcd *e, int64_t id)
{
	struct json_object *req = json_object_new_object(), *ans = NULL;
	int err;

	json_object_object_add(req, "ID", i64(id));
	err = post(e, "/v3/lease/revoke", req, &ans);
	json_object_put(ans);
	return err;
}
