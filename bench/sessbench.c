// SPDX-License-Identifier: GPL-2.0
/*
 * sessbench: the session-ID cache through netlink, measured.
 *
 *   sessbench [-n SESSIONS] [-s SIZE] [-t THREADS] [-r REVOCATIONS] [-m] [-k]
 *
 * Puts SESSIONS sessions of SIZE bytes (IDs of 32 bytes), then gets each
 * once, from THREADS threads with a netlink socket each, and prints
 * operations per second for both.  With -m it reads /proc/meminfo before
 * and after the puts, a second after each to let freed memory settle: the
 * larger growth of used memory (MemTotal - MemFree) and of Slab is the
 * kernel memory the cache costs, reported per session and against the
 * payload.
 * With -r it also revokes that many handles.  Unless -k, it flushes the
 * cache at the end.
 *
 * Needs CAP_NET_ADMIN and the module.  Prints "key value" lines, which
 * bench/run turns into bench/RESULTS.md.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ktix_nl.h"

struct job {
	unsigned int first, count, size;
	bool get;
	int err;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void make_id(uint8_t *id, unsigned int i)
{
	memset(id, 0x5a, KTIX_SESS_ID_MAX_LEN);
	memcpy(id, &i, sizeof(i));
}

static void *run(void *arg)
{
	struct job *j = arg;
	uint8_t id[KTIX_SESS_ID_MAX_LEN], *data;
	struct ktix_sess_info s;
	struct ktix_nl *nl;
	unsigned int i;

	data = malloc(j->size);
	if (!data || ktix_nl_open(&nl)) {
		free(data);
		j->err = -ENOMEM;
		return NULL;
	}
	for (i = j->first; i < j->first + j->count && !j->err; i++) {
		make_id(id, i);
		if (j->get) {
			j->err = ktix_nl_sess_get(nl, id, sizeof(id), &s);
			if (!j->err && s.size != j->size)
				j->err = -EBADMSG;
			if (!j->err)
				ktix_sess_info_free(&s);
		} else {
			memset(data, (int)i, j->size);
			j->err = ktix_nl_sess_put(nl, id, sizeof(id), data,
						  j->size, 0);
		}
		if (j->err)
			fprintf(stderr, "sessbench: %s %u: %s: %s\n",
				j->get ? "get" : "put", i, strerror(-j->err),
				ktix_nl_errmsg(nl));
	}
	ktix_nl_close(nl);
	free(data);
	return NULL;
}

static double phase(unsigned int n, unsigned int size, unsigned int threads,
		    bool get)
{
	struct job jobs[64];
	pthread_t t[64];
	unsigned int i, per = n / threads;
	double start = now_s();

	for (i = 0; i < threads; i++) {
		jobs[i] = (struct job) {
			.first = i * per, .size = size, .get = get,
			.count = i == threads - 1 ? n - i * per : per,
		};
		pthread_create(&t[i], NULL, run, &jobs[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		if (jobs[i].err)
			exit(1);
	}
	return n / (now_s() - start);
}

/* KiB of "MemTotal - MemFree" and of "Slab". */
static void meminfo(long *used, long *slab)
{
	char line[256];
	long total = 0, free_kib = 0, v;
	FILE *f = fopen("/proc/meminfo", "r");

	*slab = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemTotal: %ld", &v) == 1)
			total = v;
		else if (sscanf(line, "MemFree: %ld", &v) == 1)
			free_kib = v;
		else if (sscanf(line, "Slab: %ld", &v) == 1)
			*slab = v;
	}
	fclose(f);
	*used = total - free_kib;
}

int main(int argc, char **argv)
{
	unsigned int n = 100000, size = 200, threads = 1, revokes = 0, i;
	long used0 = 0, slab0 = 0, used1 = 0, slab1 = 0;
	struct ktix_policy_info p = { 0 };
	struct ktix_nl *nl;
	bool keep = false, mem = false;
	double put_rate, get_rate, start;
	int opt, err;

	while ((opt = getopt(argc, argv, "n:s:t:r:mkh")) != -1) {
		switch (opt) {
		case 'n': n = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 's': size = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 't': threads = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'r': revokes = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'k': keep = true; break;
		case 'm': mem = true; break;
		default:
			fprintf(stderr, "usage: sessbench [-n SESSIONS] [-s SIZE] [-t THREADS] [-r REVOCATIONS] [-m] [-k]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (!n || !size || size > 65000 || !threads || threads > 64) {
		fprintf(stderr, "sessbench: bad arguments\n");
		return 2;
	}
	err = ktix_nl_open(&nl);
	if (err) {
		fprintf(stderr, "sessbench: %s\n", strerror(-err));
		return 1;
	}
	/* Room for all of them, for as long as the run takes. */
	p.cache_entries = n;
	p.cache_bytes = (uint64_t)n * (size + KTIX_SESS_ID_MAX_LEN);
	if (p.cache_bytes < 65536)
		p.cache_bytes = 65536;
	p.session_max_size = size < 64 ? 64 : size;
	err = ktix_nl_policy_set(nl, &p, KTIX_POLICY_SET_CACHE_ENTRIES |
				 KTIX_POLICY_SET_CACHE_BYTES |
				 KTIX_POLICY_SET_SESSION_MAX_SIZE);
	if (!err)
		err = ktix_nl_sess_flush(nl);
	if (err) {
		fprintf(stderr, "sessbench: policy: %s: %s\n", strerror(-err),
			ktix_nl_errmsg(nl));
		return 1;
	}

	if (mem) {
		sleep(1);	/* let freed memory settle */
		meminfo(&used0, &slab0);
	}
	put_rate = phase(n, size, threads, false);
	if (mem) {
		sleep(1);
		meminfo(&used1, &slab1);
	}
	get_rate = phase(n, size, threads, true);

	printf("sessions %u\n", n);
	printf("session_bytes %u\n", size);
	printf("id_bytes %u\n", KTIX_SESS_ID_MAX_LEN);
	printf("threads %u\n", threads);
	printf("put_per_s %.0f\n", put_rate);
	printf("get_per_s %.0f\n", get_rate);
	if (mem) {
		/*
		 * Slab can grow more than used memory falls (the page cache
		 * gives some back meanwhile): the larger is the cost.
		 */
		long cost = used1 - used0 > slab1 - slab0 ? used1 - used0 :
			    slab1 - slab0;

		printf("payload_kib %.0f\n",
		       n * (double)(size + KTIX_SESS_ID_MAX_LEN) / 1024);
		printf("used_kib %ld\n", used1 - used0);
		printf("slab_kib %ld\n", slab1 - slab0);
		printf("cost_kib %ld\n", cost);
		printf("bytes_per_session %.0f\n", cost * 1024.0 / n);
		printf("cost_over_payload %.2f\n", cost * 1024.0 /
		       (n * (double)(size + KTIX_SESS_ID_MAX_LEN)));
		printf("cost_over_session_bytes %.2f\n",
		       cost * 1024.0 / (n * (double)size));
	}

	if (revokes) {
		uint8_t h[KTIX_REVOKE_HANDLE_LEN] = { 0 };

		start = now_s();
		for (i = 0; i < revokes && !err; i++) {
			memcpy(h, &i, sizeof(i));
			err = ktix_nl_revoke_add(nl, h, 0, NULL);
		}
		if (err) {
			fprintf(stderr, "sessbench: revoke: %s: %s\n",
				strerror(-err), ktix_nl_errmsg(nl));
			return 1;
		}
		printf("revoke_per_s %.0f\n", revokes / (now_s() - start));
	}
	if (!keep)
		ktix_nl_sess_flush(nl);
	ktix_nl_close(nl);
	return 0;
}
