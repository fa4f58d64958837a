// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-fleetd: one host's part of a fleet.
 *
 * In etcd, under /ktix/FLEET/:
 *
 *	fleet		created by the first host: a value wrapped under the
 *			KEK, which every later host must open (the right KEK,
 *			the right fleet)
 *	leader		the leader's host name, under its lease
 *	keys/SLOT	a ticket key (its times, wrapped material), SLOT its
 *			encrypt_from in 20 digits; created once, never
 *			changed, under a lease that ends after its
 *			decrypt_until
 *	revoke/HANDLE	a revoked session, under a lease that ends with it
 *
 * Each round (every sync-interval) a host renews its lease and campaigns
 * (schedule.c), and reads the keys and revocations into its module
 * (sync.c).  Between rounds etcd's watch on the prefix (watch.c) brings
 * each new key and revocation as it is written, read as a round reads
 * them; the leader's key deleted (its lease ran out) calls a round at
 * once, to campaign.  A host that cannot reach etcd keeps what it has:
 * the module switches to each key it already has at its time, and ktixd
 * stops issuing tickets once the last key would expire before them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "fleetd.h"
#include "ktix_nl.h"

#define CHECK_NAME	"fleet"

int fleet_open(struct fleet *f, const struct fleetd_config *cfg,
	       const uint8_t *kek)
{
	int err;

	memset(f, 0, sizeof(*f));
	f->cfg = cfg;
	memcpy(f->kek, kek, FLEETD_KEK_LEN);
	snprintf(f->prefix, sizeof(f->prefix), "/ktix/%s/", cfg->fleet);
	/*
	 * A member without a majority holds a request until it times out:
	 * short, so that a cut-off round ends soon and status answers.
	 */
	f->etcd = etcd_new(cfg->endpoints, cfg->n_endpoints, 500);
	if (!f->etcd)
		return -ENOMEM;
	f->watch = watch_new(cfg->endpoints, cfg->n_endpoints, f->prefix,
			     fleet_event, f);
	if (!f->watch)
		return -ENOMEM;
	err = ktix_nl_open(&f->nl);
	if (!err)
		err = ktix_nl_open(&f->events);
	if (!err)
		err = ktix_nl_subscribe(f->events, KTIX_MCGRP_REVOKE);
	return err;
}

void fleet_close(struct fleet *f)
{
	if (f->lease && f->etcd)
		etcd_lease_revoke(f->etcd, f->lease);	/* lead no longer */
	etcd_free(f->etcd);
	watch_free(f->watch);
	ktix_nl_close(f->nl);
	ktix_nl_close(f->events);
	OPENSSL_cleanse(f->kek, sizeof(f->kek));
}

int fleet_policy(struct fleet *f)
{
	const struct fleetd_config *c = f->cfg;
	struct ktix_policy_info p = {
		.rotate_interval = 0,
		.retention = c->retention,
		.ticket_lifetime = c->ticket_lifetime,
		.max_keys = KTIX_MAX_KEYS_LIMIT,
		.external_keys = 1,
	};
	int err;

	/* Manual rotation first: external keys need it. */
	err = ktix_nl_policy_set(f->nl, &p, KTIX_POLICY_SET_ROTATE_INTERVAL |
				 KTIX_POLICY_SET_RETENTION |
				 KTIX_POLICY_SET_TICKET_LIFETIME |
				 KTIX_POLICY_SET_MAX_KEYS);
	if (!err)
		err = ktix_nl_policy_set(f->nl, &p, KTIX_POLICY_SET_EXTERNAL_KEYS);
	if (err)
		log_msg(LOG_ERR, "the module's policy: %s%s%s", strerror(-err),
			*ktix_nl_errmsg(f->nl) ? ": " : "",
			ktix_nl_errmsg(f->nl));
	return err;
}

int fleet_join(struct fleet *f)
{
	static const char check[] = "ktix-fleet";
	uint8_t wrapped[sizeof(check) + KEK_OVERHEAD], plain[sizeof(check)];
	char key[192];
	struct etcd_kv old;
	int r;

	snprintf(key, sizeof(key), "%s%s", f->prefix, CHECK_NAME);
	r = kek_wrap(f->kek, f->cfg->fleet, CHECK_NAME,
		     (const uint8_t *)check, sizeof(check), wrapped);
	if (!r)
		r = etcd_create(f->etcd, key, wrapped, sizeof(wrapped), 0, &old);
	if (r < 0) {
		log_msg(LOG_ERR, "etcd: %s", etcd_error(f->etcd));
		return r;
	}
	if (r == 1) {
		log_msg(LOG_NOTICE, "fleet %s: made in etcd by this host",
			f->cfg->fleet);
		return 0;
	}
	r = old.value_len == sizeof(wrapped) &&
	    !kek_unwrap(f->kek, f->cfg->fleet, CHECK_NAME, old.value,
			old.value_len, plain) &&
	    !memcmp(plain, check, sizeof(check)) ? 0 : -EKEYREJECTED;
	etcd_kv_free(&old);
	if (r)
		log_msg(LOG_ERR, "fleet %s: the KEK does not open the fleet's record in etcd (%sfleet): another KEK, or another fleet's data",
			f->cfg->fleet, f->prefix);
	return r;
}

void fleet_tick(struct fleet *f)
{
	uint64_t now = (uint64_t)time(NULL);
	int err;

	/* etcd unreachable or without a majority: the round ends at once. */
	err = schedule_campaign(f, now);
	if (!err && f->leader)
		schedule_publish(f, now);
	if (!err)
		err = sync_keys(f, now);
	if (!err)
		err = sync_revocations(f, now);
	if (err) {
		f->sync_failures++;
		if (!f->cut_off_since) {
			f->cut_off_since = now;
			log_msg(LOG_WARNING, "etcd unreachable (%s): serving with the keys this host has",
				etcd_error(f->etcd));
		}
		return;
	}
	f->syncs++;
	f->last_sync = now;
	if (f->cut_off_since) {
		log_msg(LOG_NOTICE, "etcd reachable again after %llus: caught up",
			(unsigned long long)(now - f->cut_off_since));
		f->cut_off_since = 0;
	}
}

bool fleet_event(void *arg, const struct etcd_kv *kv, bool deleted)
{
	struct fleet *f = arg;
	size_t n = strlen(f->prefix);
	uint64_t now = (uint64_t)time(NULL);

	if (strncmp(kv->key, f->prefix, n))
		return true;		/* not under the prefix: read it all */
	if (deleted)
		return !strcmp(kv->key + n, "leader");	/* campaign now */
	if (!strncmp(kv->key + n, "keys/", 5))
		sync_key_entry(f, kv, now);
	else if (!strncmp(kv->key + n, "revoke/", 7))
		sync_revocation_entry(f, kv, now);
	return false;
}

/* A local revocation into etcd, once: create-only, so none comes back. */
static void revocation_out(struct fleet *f, const uint8_t *handle,
			   uint64_t until, uint64_t now)
{
	struct json_object *o = json_object_new_object();
	char key[192], hex[2 * KTIX_REVOKE_HANDLE_LEN + 1];
	const char *v;
	int64_t lease = 0;
	size_t i;
	int r;

	for (i = 0; i < KTIX_REVOKE_HANDLE_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", handle[i]);
	snprintf(key, sizeof(key), "%srevoke/%s", f->prefix, hex);
	json_object_object_add(o, "until", json_object_new_int64((int64_t)until));
	json_object_object_add(o, "by", json_object_new_string(f->cfg->host));
	v = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	r = until > now ? etcd_lease_grant(f->etcd, (int64_t)(until - now) + 60,
					   &lease) : -EINVAL;
	if (!r)
		r = etcd_create(f->etcd, key, v, strlen(v), lease, NULL);
	if (r == 1)
		f->revocations_out++;
	if (r == 0)
		etcd_lease_revoke(f->etcd, lease);	/* another host's */
	else if (r < 0)
		log_msg(LOG_WARNING, "revocation %s to etcd: %s", hex,
			etcd_error(f->etcd));
	json_object_put(o);
}

void fleet_local_revocations(struct fleet *f)
{
	uint64_t now = (uint64_t)time(NULL);
	struct ktix_event e;

	size_t i;

	while (ktix_nl_next_event(f->events, 0, &e) == 0) {
		if (e.cmd != KTIX_CMD_REVOKE_NOTIFY || !e.has_handle)
			continue;
		for (i = 0; i < sizeof(f->applied) / sizeof(f->applied[0]); i++)
			if (!memcmp(f->applied[i].handle, e.handle,
				    sizeof(e.handle)))
				break;
		if (i == sizeof(f->applied) / sizeof(f->applied[0]))
			revocation_out(f, e.handle, e.until, now);
	}
}
