// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-fleetd: etcd's keys and revocations into this host's module.
 *
 * Every key of the schedule that the module does not have is unwrapped
 * and added as a scheduled next key with its times (KTIX_CMD_KEY_ADD with
 * encrypt_from): the module makes it the primary at its time, at once if
 * that has passed, so a host that joins late or comes back from a
 * partition catches up in one round.  What etcd holds is not trusted
 * further than the KEK: a value that does not parse (record.c) or does
 * not unwrap under the fleet's name and the key's name and times is
 * skipped, counted, and logged once.  Rounds read everything; etcd's
 * watch brings single entries between them (sync_*_entry), read the same
 * way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "fleetd.h"
#include "ktix_nl.h"

/*
 * An entry of etcd left out: counted each time, logged once (entries are
 * created once, so one not seen before has a newer create revision).
 */
static void skipped(struct fleet *f, const struct etcd_kv *kv,
		    const char *why)
{
	f->records_skipped++;
	if (kv->create_revision <= f->skipped_logged)
		return;
	f->skipped_logged = kv->create_revision;
	log_msg(LOG_WARNING, "etcd: %s %s: skipped", kv->key, why);
}

/* Unwraps a key and adds it to the module as scheduled. */
static int key_load(struct fleet *f, const struct fleet_key *k,
		    const uint8_t wrapped[RECORD_WRAPPED_LEN])
{
	struct ktix_key_info info = {
		.state = KTIX_KEY_STATE_NEXT, .aes_len = 32, .hmac_len = 32,
		.encrypt_from = k->encrypt_from,
		.encrypt_until = k->encrypt_until,
		.decrypt_until = k->decrypt_until,
	};
	uint8_t material[RECORD_MATERIAL_LEN];
	size_t i;
	int err;

	err = record_key_open(f->kek, f->cfg->fleet, k, wrapped, material);
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

/* Whether @name is among the module's @have. */
static bool known(char (*have)[33], size_t n_have, const char *name)
{
	size_t j;

	for (j = 0; j < n_have; j++)
		if (!strcmp(have[j], name))
			return true;
	return false;
}

/* A key's entry read: 0, or -EBADMSG (not a key of the schedule). */
static int key_read(struct fleet *f, const struct etcd_kv *kv,
		    const char *prefix, struct fleet_key *k,
		    uint8_t wrapped[RECORD_WRAPPED_LEN])
{
	size_t n = strlen(prefix);
	unsigned long long slot;
	char *end;

	/* An answer's keys are etcd's word: checked all the same. */
	if (strncmp(kv->key, prefix, n))
		return -EBADMSG;
	slot = strtoull(kv->key + n, &end, 10);
	if (*end || end == kv->key + n ||
	    record_key(kv->value, kv->value_len, slot, k, wrapped)) {
		skipped(f, kv, "is not a key of the schedule");
		return -EBADMSG;
	}
	return 0;
}

/*
 * A key the module lacks, given to it: whether it is one of the fleet's
 * (it unwrapped, whatever the module said).
 */
static bool key_give(struct fleet *f, const struct etcd_kv *kv,
		     const struct fleet_key *k,
		     const uint8_t wrapped[RECORD_WRAPPED_LEN])
{
	int err = key_load(f, k, wrapped);

	if (err == -EBADMSG) {
		skipped(f, kv, "does not unwrap under the KEK with its name and times");
		return false;
	}
	if (err) {
		log_msg(LOG_WARNING, "key %s: %s%s%s", k->name, strerror(-err),
			*ktix_nl_errmsg(f->nl) ? ": " : "",
			ktix_nl_errmsg(f->nl));
	} else {
		f->keys_loaded++;
		log_msg(LOG_INFO, "loaded key %s, from %llu", k->name,
			(unsigned long long)k->encrypt_from);
	}
	return true;
}

int sync_keys(struct fleet *f, uint64_t now)
{
	char prefix[160], have[KTIX_MAX_KEYS_LIMIT][33];
	struct etcd_kvs kvs;
	size_t i, n_have;
	int err;

	snprintf(prefix, sizeof(prefix), "%skeys/", f->prefix);
	err = etcd_range_prefix(f->etcd, prefix, 0, &kvs);
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
		const struct etcd_kv *kv = &kvs.kv[i];
		struct fleet_key *k = &f->keys[f->n_keys];
		uint8_t wrapped[RECORD_WRAPPED_LEN];

		if (key_read(f, kv, prefix, k, wrapped))
			continue;
		/* Run out: in etcd a while longer, in no ring. */
		if (k->decrypt_until <= now)
			continue;
		if (known(have, n_have, k->name) || key_give(f, kv, k, wrapped))
			f->n_keys++;
	}
	etcd_kvs_free(&kvs);
	return 0;
}

void sync_key_entry(struct fleet *f, const struct etcd_kv *kv, uint64_t now)
{
	char prefix[160], have[KTIX_MAX_KEYS_LIMIT][33];
	uint8_t wrapped[RECORD_WRAPPED_LEN];
	struct fleet_key k;
	size_t n_have;

	snprintf(prefix, sizeof(prefix), "%skeys/", f->prefix);
	if (key_read(f, kv, prefix, &k, wrapped) || k.decrypt_until <= now)
		return;
	/* The module's ring unreadable: the next round tries again. */
	if (!module_names(f, have, KTIX_MAX_KEYS_LIMIT, &n_have) &&
	    !known(have, n_have, k.name))
		key_give(f, kv, &k, wrapped);
}

/* Whether this host gave @handle to its module until @until already. */
static bool applied(const struct fleet *f, const uint8_t *handle,
		    uint64_t until)
{
	size_t i;

	for (i = 0; i < sizeof(f->applied) / sizeof(f->applied[0]); i++)
		if (!memcmp(f->applied[i].handle, handle,
			    KTIX_REVOKE_HANDLE_LEN) &&
		    f->applied[i].until >= until)
			return true;
	return false;
}

/*
 * A revocation's entry, under @prefix, given to the module: 0, or the
 * module's error (then not marked applied: the next round reads it again;
 * adding again only extends).
 */
static int revocation_give(struct fleet *f, const struct etcd_kv *kv,
			   const char *prefix, uint64_t now)
{
	uint8_t handle[KTIX_REVOKE_HANDLE_LEN];
	size_t slot = f->applied_next;
	uint64_t until;
	int err;

	if (record_revocation(kv->key + strlen(prefix), kv->value,
			      kv->value_len, handle, &until)) {
		skipped(f, kv, "is not a revocation");
		return 0;
	}
	if (until <= now || applied(f, handle, until))
		return 0;
	/* Marked first: the module's announcement of it is not sent back. */
	memcpy(f->applied[slot].handle, handle, sizeof(handle));
	f->applied[slot].until = until;
	f->applied_next = (slot + 1) % (sizeof(f->applied) / sizeof(f->applied[0]));
	err = ktix_nl_revoke_add(f->nl, handle, until, NULL);
	if (err) {
		memset(&f->applied[slot], 0, sizeof(f->applied[slot]));
		log_msg(LOG_WARNING, "revocation %s: %s%s%s",
			kv->key + strlen(prefix), strerror(-err),
			*ktix_nl_errmsg(f->nl) ? ": " : "",
			ktix_nl_errmsg(f->nl));
		return err;
	}
	f->revocations_in++;
	log_msg(LOG_INFO, "revocation %s from etcd, until %llu",
		kv->key + strlen(prefix), (unsigned long long)until);
	return 0;
}

int sync_revocations(struct fleet *f, uint64_t now)
{
	char prefix[160];
	struct etcd_kvs kvs;
	int64_t seen = f->revoke_seen, failed = 0;
	size_t i;
	int err;

	/*
	 * Only what was created since the last read: a revocation lives in
	 * etcd as long as a ticket, and each host would read each one at
	 * every round otherwise.
	 */
	snprintf(prefix, sizeof(prefix), "%srevoke/", f->prefix);
	err = etcd_range_prefix(f->etcd, prefix, f->revoke_seen + 1, &kvs);
	if (err)
		return err;
	for (i = 0; i < kvs.n; i++) {
		const struct etcd_kv *kv = &kvs.kv[i];

		/* Entries are created once: a newer one is a new one. */
		if (kv->create_revision <= f->revoke_seen ||
		    strncmp(kv->key, prefix, strlen(prefix)))
			continue;
		if (kv->create_revision > seen)
			seen = kv->create_revision;
		if (revocation_give(f, kv, prefix, now) &&
		    (!failed || kv->create_revision < failed))
			failed = kv->create_revision;
	}
	f->revoke_seen = failed && seen >= failed ? failed - 1 : seen;
	etcd_kvs_free(&kvs);
	return 0;
}

void sync_revocation_entry(struct fleet *f, const struct etcd_kv *kv,
			   uint64_t now)
{
	char prefix[160];

	snprintf(prefix, sizeof(prefix), "%srevoke/", f->prefix);
	if (!strncmp(kv->key, prefix, strlen(prefix)))
		revocation_give(f, kv, prefix, now);
}
