// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: a set of revoked session handles, each with the time it may go.
 *
 * The mirror of the kernel's revocation set, which may hold a million
 * handles and takes one more at every announcement: a hash table with open
 * addressing and linear probing, kept at most half full, so that adding
 * and looking up cost a probe or two and adding needs no allocation but
 * the table's doubling.  Entries past their time are dropped when the
 * table would double, never one by one.
 *
 * Handles are random (RAND_bytes in ktixd), but one may be revoked by
 * whoever can reach ktixd's socket: the slot of a handle is a keyed mix of
 * its bytes, with a key drawn at start, so that nobody can choose handles
 * that pile into one run of slots.
 *
 * Not thread-safe: the mirror locks around it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "ktixd.h"

struct slot {
	uint8_t handle[KTIX_REVOKE_HANDLE_LEN];
	uint64_t until;			/* 0: empty */
};

struct revset {
	struct slot *slots;
	size_t cap;			/* a power of two */
	size_t n;
	uint64_t key[2];
};

static size_t slot_of(const struct revset *s, const uint8_t *h)
{
	uint64_t a, b;

	memcpy(&a, h, sizeof(a));
	memcpy(&b, h + sizeof(a), sizeof(b));
	a = (a ^ s->key[0]) * 0x9e3779b97f4a7c15ull;
	b = (b ^ s->key[1]) * 0xc2b2ae3d27d4eb4full;
	a ^= b ^ (a >> 29) ^ (b >> 32);
	return (size_t)(a * 0x94d049bb133111ebull >> 17) & (s->cap - 1);
}

static struct slot *find(const struct revset *s, const uint8_t *h)
{
	size_t i = slot_of(s, h);

	while (s->slots[i].until) {
		if (!memcmp(s->slots[i].handle, h, KTIX_REVOKE_HANDLE_LEN))
			return &s->slots[i];
		i = (i + 1) & (s->cap - 1);
	}
	return &s->slots[i];
}

struct revset *revset_new(size_t hint)
{
	struct revset *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	for (s->cap = 64; s->cap < 2 * hint; s->cap *= 2)
		;
	s->slots = calloc(s->cap, sizeof(*s->slots));
	if (!s->slots || RAND_bytes((unsigned char *)s->key,
				    sizeof(s->key)) <= 0) {
		free(s->slots);
		free(s);
		return NULL;
	}
	return s;
}

void revset_free(struct revset *s)
{
	if (!s)
		return;
	free(s->slots);
	free(s);
}

size_t revset_count(const struct revset *s)
{
	return s->n;
}

/* Into a table of @cap slots, keeping what is still in time at @now. */
static int rehash(struct revset *s, size_t cap, uint64_t now)
{
	struct slot *old = s->slots, *slot;
	size_t i, old_cap = s->cap;

	s->slots = calloc(cap, sizeof(*s->slots));
	if (!s->slots) {
		s->slots = old;
		return -ENOMEM;
	}
	s->cap = cap;
	s->n = 0;
	for (i = 0; i < old_cap; i++) {
		if (!old[i].until || old[i].until <= now)
			continue;
		slot = find(s, old[i].handle);
		*slot = old[i];
		s->n++;
	}
	free(old);
	return 0;
}

int revset_add(struct revset *s, const uint8_t *handle, uint64_t until,
	       uint64_t now)
{
	struct slot *slot;
	int err;

	if (!until)
		return -EINVAL;
	slot = find(s, handle);
	if (slot->until) {
		if (until > slot->until)
			slot->until = until;
		return 0;
	}
	if (2 * (s->n + 1) > s->cap) {
		/*
		 * What is still in time, at most a quarter full: so that a
		 * quarter of the table's adds pass before the next rehash.
		 */
		size_t i, live = 1, cap = 64;

		for (i = 0; i < s->cap; i++)
			live += s->slots[i].until > now;
		while (cap < 4 * live)
			cap *= 2;
		err = rehash(s, cap, now);
		if (err)
			return err;
		slot = find(s, handle);
	}
	memcpy(slot->handle, handle, KTIX_REVOKE_HANDLE_LEN);
	slot->until = until;
	s->n++;
	return 0;
}

bool revset_has(const struct revset *s, const uint8_t *handle, uint64_t now)
{
	const struct slot *slot = find(s, handle);

	return slot->until && slot->until > now;
}
