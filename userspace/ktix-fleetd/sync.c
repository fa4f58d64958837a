// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-fleetd: etcd's keys and revocations into this host's module.
 *
 * Every key of the schedule that the module does not have is unwrapped
 * and added as a scheduled next key with its times (KTIX_CMD_KEY_ADD with
 * encrypt_from): the module makes it the primary at its time, at once if
 * that has passed, so a host that joins late or comes back from a
 * partition catches up in one round.  What etcd holds is not trusted
 * further than the KEK: a value that does not parse or does not unwrap
 * under the fleet's and the key's names is skipped and logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "fleetd.h"
#include "ktix_nl.h"

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

/* A schedule entry's fields, checked: 0, or -EBADMSG. */
static int key_parse(struct json_object *o, struct fleet_key *k,
		     const char **wrapped)
{
	const char *name = get_str(o, "name");
	int64_t from = get_int(o, "encrypt_from"), until = get_int(o, "encrypt_until");
	int64_t dec = get_int(o, "decrypt_until");
	size_t i;

	*wrapped = get_str(o, "wrapped");
	if (!name || strlen(name) != 32 || !*wrapped || from <= 0 ||
	    until <= from || dec <= until)
		return -EBADMSG;
	for (i = 0; i < 32; i++)
		if (!strchr("0123456789abcdef", name[i]))
			return -EBADMSG;
	memset(k, 0, sizeof(*k));
	memcpy(k->name, name, 33);
	k->encrypt_from = (uint64_t)from;
	k->encrypt_until = (uint64_t)until;
	k->decrypt_until = (uint64_t)dec;
	return 0;
}

/* Unwraps a key and adds it to the module as scheduled. */
static int key_load(struct fleet *f, const struct fleet_key *k,
		    const char *wrapped)
{
	uint8_t raw[64 + KEK_OVERHEAD + 3];
	struct ktix_key_info info = {
		.state = KTIX_KEY_STATE_NEXT, .aes_len = 32, .hmac_len = 32,
		.encrypt_from = k->encrypt_from,
		.encrypt_until = k->encrypt_until,
		.decrypt_until = k->decrypt_until,
	};
	uint8_t material[64];
	size_t i;
	int len, err;

	if (strlen(wrapped) != 4 * ((64 + KEK_OVERHEAD + 2) / 3))
		return -EBADMSG;
	len = EVP_DecodeBlock(raw, (const unsigned char *)wrapped,
			      (int)strlen(wrapped));
	if (len < 64 + KEK_OVERHEAD)
		return -EBADMSG;
	err = kek_unwrap(f->kek, f->cfg->fleet, k->name, raw,
			 64 + KEK_OVERHEAD, material);
	if (err)
		return err;
	for (i = 0; i < 16; i++) {
		unsigned int b;

		sscanf(k->name + 2 * i, "%2x", &b);
		info.name[i] = (uint8_t)b;
	}
	memcpy(info.aes, material, 32);
	memcpy(info.hmac, material + 32, 32);
	err = ktix_nl_key_add(f->nl, &info);
	OPENSSL_cleanse(material, sizeof(material));
	OPENSSL_cleanse(&info, sizeof(info));
	return err;
}

/* The names of the keys the module has, as hex, for the round. */
static int module_names(struct fleet *f, char (*names)[33], size_t max,
			size_t *n)
{
	struct ktix_key_list l;
	size_t i, j;
	int err = ktix_nl_key_list(f->nl, false, &l);

	*n = 0;
	if (err)
		return err;
	for (i = 0; i < l.n && *n < max; i++, (*n)++)
		for (j = 0; j < 16; j++)
			snprintf(names[*n] + 2 * j, 3, "%02x", l.keys[i].name[j]);
	ktix_key_list_free(&l);
	return 0;
}

int sync_keys(struct fleet *f, uint64_t now)
{
	char prefix[160], have[KTIX_MAX_KEYS_LIMIT][33];
	struct etcd_kvs kvs;
	size_t i, j, n_have;
	int err;

	snprintf(prefix, sizeof(prefix), "%skeys/", f->prefix);
	err = etcd_range_prefix(f->etcd, prefix, &kvs);
	if (err)
		return err;
	err = module_names(f, have, KTIX_MAX_KEYS_LIMIT, &n_have);
	if (err) {
		log_msg(LOG_ERR, "the module's ring: %s", strerror(-err));
		etcd_kvs_free(&kvs);
		return 0;	/* etcd is fine: not a partition */
	}
	f->n_keys = 0;
	for (i = 0; i < kvs.n && f->n_keys < FLEET_MAX_KEYS; i++) {
		struct json_object *o = json_tokener_parse((char *)kvs.kv[i].value);
		struct fleet_key *k = &f->keys[f->n_keys];
		const char *wrapped;

		if (!o || key_parse(o, k, &wrapped)) {
			log_msg(LOG_WARNING, "etcd: %s is not a key of the schedule: skipped",
				kvs.kv[i].key);
			json_object_put(o);
			continue;
		}
		f->n_keys++;
		for (j = 0; j < n_have && strcmp(have[j], k->name); j++)
			;
		k->in_module = j < n_have;
		if (!k->in_module && k->decrypt_until > now) {
			err = key_load(f, k, wrapped);
			if (err)
				log_msg(LOG_WARNING, "key %s: %s%s%s", k->name,
					err == -EBADMSG ? "does not unwrap under the KEK" :
					strerror(-err),
					err != -EBADMSG && *ktix_nl_errmsg(f->nl) ? ": " : "",
					err != -EBADMSG ? ktix_nl_errmsg(f->nl) : "");
			else {
				k->in_module = true;
				f->keys_loaded++;
				log_msg(LOG_INFO, "loaded key %s, from %llu",
					k->name, (unsigned long long)k->encrypt_from);
			}
		}
		json_object_put(o);
	}
	etcd_kvs_free(&kvs);
	return 0;
}

int sync_revocations(struct fleet *f, uint64_t now)
{
	char prefix[160];
	struct etcd_kvs kvs;
	int64_t seen = f->revoke_seen;
	size_t i, j;
	int err;

	snprintf(prefix, sizeof(prefix), "%srevoke/", f->prefix);
	err = etcd_range_prefix(f->etcd, prefix, &kvs);
	if (err)
		return err;
	for (i = 0; i < kvs.n; i++) {
		const struct etcd_kv *kv = &kvs.kv[i];
		const char *hex = kv->key + strlen(prefix);
		uint8_t handle[KTIX_REVOKE_HANDLE_LEN];
		struct json_object *o;
		int64_t until;

		/* Entries are created once: a newer one is a new one. */
		if (kv->create_revision <= f->revoke_seen)
			continue;
		if (kv->create_revision > seen)
			seen = kv->create_revision;
		o = json_tokener_parse((char *)kv->value);
		until = o ? get_int(o, "until") : -1;
		json_object_put(o);
		if (strlen(hex) != 2 * KTIX_REVOKE_HANDLE_LEN || until <= 0)
			continue;
		for (j = 0; j < KTIX_REVOKE_HANDLE_LEN; j++) {
			unsigned int b;

			if (sscanf(hex + 2 * j, "%2x", &b) != 1)
				break;
			handle[j] = (uint8_t)b;
		}
		if (j < KTIX_REVOKE_HANDLE_LEN || (uint64_t)until <= now)
			continue;
		memcpy(f->applied[f->applied_next], handle, sizeof(handle));
		f->applied_next = (f->applied_next + 1) %
				  (sizeof(f->applied) / sizeof(f->applied[0]));
		err = ktix_nl_revoke_add(f->nl, handle, (uint64_t)until, NULL);
		if (err)
			log_msg(LOG_WARNING, "revocation %s: %s%s%s", hex,
				strerror(-err), *ktix_nl_errmsg(f->nl) ? ": " : "",
				ktix_nl_errmsg(f->nl));
		else
			f->revocations_in++;
	}
	f->revoke_seen = seen;
	etcd_kvs_free(&kvs);
	return 0;
}
