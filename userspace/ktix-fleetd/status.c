// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-fleetd: "ktix-fleetd status [-j]", this host's view of its fleet.
 *
 * The daemon answers on an abstract Unix socket, which belongs to its
 * network namespace: "status" run in a host's namespace reaches that
 * host's daemon, and a second daemon in one namespace is refused at
 * start.  The answer is one JSON document; without -j it is printed for
 * people.  It holds no key material, only names and times.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fleetd.h"
#include "ktix_nl.h"

static socklen_t status_addr(struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* Abstract: a NUL, then the name. */
	memcpy(sun->sun_path + 1, FLEETD_STATUS_SOCKET,
	       sizeof(FLEETD_STATUS_SOCKET) - 1);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   sizeof(FLEETD_STATUS_SOCKET) - 1);
}

int status_listen(void)
{
	struct sockaddr_un sun;
	socklen_t len = status_addr(&sun);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, len) < 0 || listen(fd, 8) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Whether tickets are issued: a primary good for a ticket's lifetime. */
static bool issuing(const struct fleet *f, uint64_t now,
		    struct json_object *keys)
{
	struct ktix_key_list l;
	bool ok = false;
	size_t i;

	if (ktix_nl_key_list(f->nl, false, &l))
		return false;
	for (i = 0; i < l.n; i++) {
		const struct ktix_key_info *k = &l.keys[i];
		struct json_object *o = json_object_new_object();
		char hex[33];
		size_t j;

		for (j = 0; j < 16; j++)
			snprintf(hex + 2 * j, 3, "%02x", k->name[j]);
		json_object_object_add(o, "name", json_object_new_string(hex));
		json_object_object_add(o, "state", json_object_new_string(
					       ktix_key_state_name(k->state)));
		json_object_object_add(o, "encrypt_from",
				       json_object_new_int64((int64_t)k->encrypt_from));
		json_object_object_add(o, "encrypt_until",
				       json_object_new_int64((int64_t)k->encrypt_until));
		json_object_object_add(o, "decrypt_until",
				       json_object_new_int64((int64_t)k->decrypt_until));
		json_object_array_add(keys, o);
		if (k->state == KTIX_KEY_STATE_PRIMARY &&
		    (!k->decrypt_until ||
		     k->decrypt_until >= now + f->cfg->ticket_lifetime))
			ok = true;
	}
	ktix_key_list_free(&l);
	return ok;
}

char *status_json(const struct fleet *f)
{
	const struct etcd_counters *ec = etcd_counters(f->etcd);
	const struct watch_counters *wc = watch_counters(f->watch);
	struct json_object *o = json_object_new_object(), *a, *c;
	uint64_t now = (uint64_t)time(NULL);
	char *s;
	size_t i;

	json_object_object_add(o, "fleet", json_object_new_string(f->cfg->fleet));
	json_object_object_add(o, "host", json_object_new_string(f->cfg->host));
	a = json_object_new_array();
	for (i = 0; i < f->cfg->n_endpoints; i++)
		json_object_array_add(a, json_object_new_string(f->cfg->endpoints[i]));
	json_object_object_add(o, "endpoints", a);
	json_object_object_add(o, "endpoint",
			       json_object_new_string(etcd_endpoint(f->etcd)));
	json_object_object_add(o, "leader", json_object_new_boolean(f->leader));
	json_object_object_add(o, "leader_name",
			       json_object_new_string(f->leader_name));
	json_object_object_add(o, "last_sync",
			       json_object_new_int64((int64_t)f->last_sync));
	json_object_object_add(o, "behind", json_object_new_int64(
		f->last_sync ? (int64_t)(now - f->last_sync) : -1));
	json_object_object_add(o, "cut_off", json_object_new_boolean(f->cut_off_since));
	json_object_object_add(o, "watching", json_object_new_boolean(wc->up));
	json_object_object_add(o, "cut_off_since",
			       json_object_new_int64((int64_t)f->cut_off_since));
	a = json_object_new_array();
	json_object_object_add(o, "issuing_tickets",
			       json_object_new_boolean(issuing(f, now, a)));
	json_object_object_add(o, "keys", a);
	c = json_object_new_object();
#define N(name, v) json_object_object_add(c, name, json_object_new_int64((int64_t)(v)))
	N("syncs", f->syncs);
	N("sync_failures", f->sync_failures);
	N("takeovers", f->takeovers);
	N("keys_published", f->published);
	N("keys_loaded", f->keys_loaded);
	N("revocations_out", f->revocations_out);
	N("revocations_in", f->revocations_in);
	N("records_skipped", f->records_skipped);
	N("etcd_requests", ec->requests);
	N("etcd_failures", ec->failures);
	N("etcd_bytes_out", ec->bytes_out);
	N("etcd_bytes_in", ec->bytes_in);
	N("watch_events", wc->events);
	N("watch_restarts", wc->restarts);
#undef N
	json_object_object_add(o, "counters", c);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

void status_answer(int lfd, const struct fleet *f)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	char *s;

	if (fd < 0)
		return;
	s = status_json(f);
	if (s)
		send(fd, s, strlen(s), MSG_NOSIGNAL | MSG_DONTWAIT);
	free(s);
	close(fd);
}

static void when(const char *label, int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;

	if (t <= 0) {
		printf("%s-", label);
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime(&tt));
	printf("%s%s", label, buf);
}

static int64_t num(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) &&
	       json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : "";
}

static bool flag(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static void print_human(struct json_object *o)
{
	struct json_object *keys, *c, *eps;
	size_t i;

	printf("fleet:     %s\nhost:      %s (%s)\n", str(o, "fleet"),
	       str(o, "host"), flag(o, "leader") ? "leader" : "follower");
	printf("leader:    %s\n", *str(o, "leader_name") ? str(o, "leader_name") : "-");
	printf("etcd:      %s", str(o, "endpoint"));
	if (json_object_object_get_ex(o, "endpoints", &eps) &&
	    json_object_is_type(eps, json_type_array))
		printf(" (of %zu)", json_object_array_length(eps));
	printf(", %s\n", flag(o, "watching") ? "watched" :
	       "not watched (rounds every sync-interval)");
	when("last sync: ", num(o, "last_sync"));
	printf(", %lld s ago\n", (long long)num(o, "behind"));
	if (flag(o, "cut_off")) {
		when("cut off:   since ", num(o, "cut_off_since"));
		printf("\n");
	}
	printf("tickets:   %s\n", flag(o, "issuing_tickets") ? "issued" :
	       "withheld (no key good for a ticket's lifetime)");
	if (json_object_object_get_ex(o, "keys", &keys) &&
	    json_object_is_type(keys, json_type_array)) {
		printf("keys:\n");
		for (i = 0; i < json_object_array_length(keys); i++) {
			struct json_object *k = json_object_array_get_idx(keys, i);

			printf("  %s  %-8s  ", str(k, "name"), str(k, "state"));
			when("", num(k, "encrypt_from"));
			when("  ", num(k, "encrypt_until"));
			when("  ", num(k, "decrypt_until"));
			printf("\n");
		}
	}
	if (json_object_object_get_ex(o, "counters", &c) &&
	    json_object_is_type(c, json_type_object)) {
		printf("counters:");
		json_object_object_foreach(c, name, v)
			printf(" %s %lld", name, (long long)json_object_get_int64(v));
		printf("\n");
	}
}

int status_main(int argc, char **argv)
{
	struct sockaddr_un sun;
	socklen_t len = status_addr(&sun);
	struct json_object *o;
	char buf[65536];
	size_t got = 0;
	bool j = false;
	ssize_t n;
	int i, fd;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			j = true;
		} else {
			fprintf(stderr, "ktix-fleetd status: unexpected argument \"%s\"; usage: ktix-fleetd status [-j]\n",
				argv[i]);
			return 1;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, len) < 0) {
		fprintf(stderr, "ktix-fleetd status: no ktix-fleetd runs in this network namespace (%s)\n",
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	while (got < sizeof(buf) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 5000) <= 0)
			break;
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	o = json_tokener_parse(buf);
	if (!o) {
		fprintf(stderr, "ktix-fleetd status: no answer from ktix-fleetd\n");
		return 1;
	}
	if (j)
		printf("%s\n", buf);
	else
		print_human(o);
	json_object_put(o);
	return 0;
}
