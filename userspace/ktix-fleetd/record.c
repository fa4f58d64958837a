// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-fleetd: the values a fleet keeps in etcd, written and read.
 *
 * A key of the schedule (keys/SLOT) is a JSON object: its name (32 hex
 * digits), encrypt_from, encrypt_until, decrypt_until (seconds since the
 * epoch), its material wrapped under the KEK (base64) and the host that
 * made it.  The wrap's associated data is the name and the three times
 * (wrap_label()), so that whoever can write to etcd cannot give a key
 * other times, or move it to another slot, without the KEK.  A revocation
 * (revoke/HANDLE) is {"until": TIME, "by": HOST}.
 *
 * What etcd holds is trusted no further than the KEK: anything that does
 * not parse here is skipped by the caller and logged.  No I/O here:
 * fuzz/etcdans.c drives these functions with arbitrary bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "fleetd.h"

void wrap_label(const struct fleet_key *k, char *label, size_t size)
{
	snprintf(label, size, "%s %llu %llu %llu", k->name,
		 (unsigned long long)k->encrypt_from,
		 (unsigned long long)k->encrypt_until,
		 (unsigned long long)k->decrypt_until);
}

/* The whole of a value as one JSON object, or NULL. */
static struct json_object *value_parse(const uint8_t *value, size_t len)
{
	return answer_parse((const char *)value, len);
}

static int64_t get_int(struct json_object *o, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(o, name, &v) &&
	       json_object_is_type(v, json_type_int) ?
	       json_object_get_int64(v) : -1;
}

static const char *get_str(struct json_object *o, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(o, name, &v) &&
	       json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : NULL;
}

static bool is_hex(const char *s, size_t len)
{
	size_t i;

	if (strlen(s) != len)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int record_key(const uint8_t *value, size_t len, uint64_t slot,
	       struct fleet_key *k, uint8_t wrapped[RECORD_WRAPPED_LEN])
{
	struct json_object *o = value_parse(value, len);
	const char *name, *w;
	int64_t from, until, dec;
	uint8_t raw[RECORD_WRAPPED_LEN + 3];
	int n, err = -EBADMSG;

	memset(k, 0, sizeof(*k));
	if (!o)
		return -EBADMSG;
	name = get_str(o, "name");
	w = get_str(o, "wrapped");
	from = get_int(o, "encrypt_from");
	until = get_int(o, "encrypt_until");
	dec = get_int(o, "decrypt_until");
	/* The slot is the key's encrypt_from, as its etcd key says. */
	if (!name || !is_hex(name, 32) || !w || from <= 0 ||
	    (uint64_t)from != slot || until <= from || dec <= until)
		goto out;
	/* 92 bytes in base64: 124 characters, one '=' at the end. */
	if (strlen(w) != 4 * ((RECORD_WRAPPED_LEN + 2) / 3))
		goto out;
	n = EVP_DecodeBlock(raw, (const unsigned char *)w, (int)strlen(w));
	if (n != 3 * ((RECORD_WRAPPED_LEN + 2) / 3) ||
	    w[strlen(w) - 1] != '=' || w[strlen(w) - 2] == '=')
		goto out;
	memcpy(wrapped, raw, RECORD_WRAPPED_LEN);
	memcpy(k->name, name, 33);
	k->encrypt_from = (uint64_t)from;
	k->encrypt_until = (uint64_t)until;
	k->decrypt_until = (uint64_t)dec;
	err = 0;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	json_object_put(o);
	return err;
}

int record_key_open(const uint8_t *kek, const char *fleet,
		    const struct fleet_key *k,
		    const uint8_t wrapped[RECORD_WRAPPED_LEN],
		    uint8_t material[RECORD_MATERIAL_LEN])
{
	char label[128];

	wrap_label(k, label, sizeof(label));
	return kek_unwrap(kek, fleet, label, wrapped, RECORD_WRAPPED_LEN,
			  material);
}

int record_revocation(const char *hex, const uint8_t *value, size_t len,
		      uint8_t handle[KTIX_REVOKE_HANDLE_LEN], uint64_t *until)
{
	struct json_object *o;
	int64_t t;
	size_t i;

	if (!is_hex(hex, 2 * KTIX_REVOKE_HANDLE_LEN))
		return -EBADMSG;
	o = value_parse(value, len);
	t = o ? get_int(o, "until") : -1;
	json_object_put(o);
	if (t <= 0)
		return -EBADMSG;
	for (i = 0; i < KTIX_REVOKE_HANDLE_LEN; i++) {
		unsigned int b;

		sscanf(hex + 2 * i, "%2x", &b);
		handle[i] = (uint8_t)b;
	}
	*until = (uint64_t)t;
	return 0;
}
