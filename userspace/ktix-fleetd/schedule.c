// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-fleetd: the leader, and the schedule it alone writes.
 *
 * Leadership is the key /ktix/FLEET/leader, created only where it does
 * not exist (a transaction on its create revision) under the host's
 * lease: when the leader stops renewing it, etcd deletes the key one
 * lease-ttl later and the next host to campaign takes over.  A host that
 * cannot renew its lease stops acting as leader by its own clock, at the
 * latest when the lease may have ended.
 *
 * The schedule has fixed slots: slot N encrypts from N * rotate-interval
 * (seconds since the epoch) to (N + 1) * rotate-interval and decrypts for
 * the retention after.  The leader publishes every slot that starts
 * within lead-time + rotate-interval, each key in a transaction that
 * creates its slot only if the slot is empty: two leaders, even at once,
 * cannot publish two keys for one slot.  Hosts load each key as soon as
 * they see it and the module switches at its time: no host waits for a
 * message at the switch.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "fleetd.h"

int schedule_campaign(struct fleet *f, uint64_t now)
{
	const uint32_t ttl = f->cfg->lease_ttl;
	char key[192];
	struct etcd_kv cur;
	int64_t left;
	bool was = f->leader;
	int r, err = 0;

	snprintf(key, sizeof(key), "%sleader", f->prefix);
	if (f->lease) {
		r = etcd_lease_keepalive(f->etcd, f->lease, &left);
		err = r;
		if (!r && left > 0)
			f->lease_until = now + (uint64_t)left;
		else if (!r)
			f->lease = 0;		/* etcd let it go */
		/*
		 * Not renewed, and by our own clock it may have ended
		 * (a second early, for the clocks' difference): another
		 * host may lead by now.
		 */
		else if (now + 1 >= f->lease_until)
			f->lease = 0;
	}
	if (err)
		goto out;
	if (!f->lease) {
		f->leader = false;
		err = etcd_lease_grant(f->etcd, ttl, &f->lease);
		if (err)
			f->lease = 0;
		else
			f->lease_until = now + ttl;
	}
	if (!f->lease)
		goto out;
	r = etcd_create(f->etcd, key, f->cfg->host, strlen(f->cfg->host),
			f->lease, &cur);
	if (r == 1) {
		f->leader = true;
		snprintf(f->leader_name, sizeof(f->leader_name), "%s",
			 f->cfg->host);
	} else if (r == 0) {
		size_t i, n = cur.value_len < FLEETD_NAME_MAX ? cur.value_len :
			      FLEETD_NAME_MAX;

		f->leader = cur.lease == f->lease;
		/* For logs and status: what a host name may hold, no more. */
		for (i = 0; i < n; i++) {
			char ch = (char)cur.value[i];

			f->leader_name[i] = (ch >= 'a' && ch <= 'z') ||
					    (ch >= 'A' && ch <= 'Z') ||
					    (ch >= '0' && ch <= '9') ||
					    ch == '.' || ch == '_' || ch == '-' ?
					    ch : '?';
		}
		f->leader_name[n] = '\0';
		etcd_kv_free(&cur);
	} else {
		err = r;
	}
out:
	if (f->leader && !was) {
		f->takeovers++;
		log_msg(LOG_NOTICE, "leading fleet %s", f->cfg->fleet);
	} else if (!f->leader && was) {
		log_msg(LOG_NOTICE, "no longer leading fleet %s%s%s",
			f->cfg->fleet, *f->leader_name ? ": " : "",
			f->leader_name);
	}
	return err;
}

/* Whether the schedule (as last read) has a key for the slot at @from. */
static bool have_slot(const struct fleet *f, uint64_t from)
{
	size_t i;

	for (i = 0; i < f->n_keys; i++)
		if (f->keys[i].encrypt_from == from)
			return true;
	return false;
}

/* Makes and publishes the key of the slot at @from: 0, or -errno. */
static int publish_slot(struct fleet *f, uint64_t from, uint64_t now)
{
	const struct fleetd_config *c = f->cfg;
	uint8_t name[16], material[RECORD_MATERIAL_LEN];
	uint8_t wrapped[RECORD_WRAPPED_LEN];
	char b64[4 * ((sizeof(wrapped) + 2) / 3) + 1], key[192], label[128];
	struct fleet_key k = {
		.encrypt_from = from,
		.encrypt_until = from + c->rotate_interval,
		.decrypt_until = from + c->rotate_interval + c->retention,
	};
	const char *hex = k.name;
	struct json_object *o;
	const char *v;
	int64_t lease;
	size_t i;
	int r;

	if (RAND_bytes(name, sizeof(name)) != 1 ||
	    RAND_priv_bytes(material, sizeof(material)) != 1)
		return -EIO;
	for (i = 0; i < sizeof(name); i++)
		snprintf(k.name + 2 * i, 3, "%02x", name[i]);
	wrap_label(&k, label, sizeof(label));
	r = kek_wrap(f->kek, c->fleet, label, material, sizeof(material),
		     wrapped);
	OPENSSL_cleanse(material, sizeof(material));
	if (r)
		return r;
	EVP_EncodeBlock((unsigned char *)b64, wrapped, sizeof(wrapped));
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(hex));
	json_object_object_add(o, "encrypt_from", json_object_new_int64((int64_t)from));
	json_object_object_add(o, "encrypt_until", json_object_new_int64((int64_t)k.encrypt_until));
	json_object_object_add(o, "decrypt_until", json_object_new_int64((int64_t)k.decrypt_until));
	json_object_object_add(o, "wrapped", json_object_new_string(b64));
	json_object_object_add(o, "by", json_object_new_string(c->host));
	v = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	snprintf(key, sizeof(key), "%skeys/%020llu", f->prefix,
		 (unsigned long long)from);
	/* The key leaves etcd a while after it stops decrypting. */
	r = etcd_lease_grant(f->etcd, (int64_t)(k.decrypt_until - now) + 60,
			     &lease);
	if (!r)
		r = etcd_create(f->etcd, key, v, strlen(v), lease, NULL);
	json_object_put(o);
	if (r == 0) {
		etcd_lease_revoke(f->etcd, lease);	/* the slot was taken */
		return 0;
	}
	if (r < 0)
		return r;
	f->published++;
	log_msg(LOG_INFO, "published key %s for %llu to %llu", hex,
		(unsigned long long)from,
		(unsigned long long)k.encrypt_until);
	return 0;
}

void schedule_publish(struct fleet *f, uint64_t now)
{
	const uint64_t iv = f->cfg->rotate_interval;
	uint64_t from;

	/* Never past the lease: another host may lead by then. */
	for (from = now / iv * iv; from < now + f->cfg->lead_time + iv;
	     from += iv) {
		if (have_slot(f, from))
			continue;
		if (now + 1 >= f->lease_until)
			return;
		if (publish_slot(f, from, now) < 0) {
			log_msg(LOG_WARNING, "publishing the key for %llu: %s",
				(unsigned long long)from, etcd_error(f->etcd));
			return;
		}
	}
}
