// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: ktixctl ticket decode (ticketdec.c).  A ticket is whatever
 * a client sent, and its text whatever an operator pasted.
 *
 * The first byte picks: 0, the rest as the text ticket_input() reads,
 * whose ticket is then opened with a ring of two keys (AES-128 and
 * AES-256); 1 and 2, the rest as a session, sealed under the first or
 * second key as OpenSSL seals tickets, so that what d2i_SSL_SESSION reads
 * is the fuzzer's: opening it says it holds a session or that it holds
 * none, nothing else.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "ktix_nl.h"
#include "ktixctl.h"

const char *prog = "fuzz";
bool json;

static struct ktix_key_info ring[2];

static void ring_init(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		memset(ring[i].name, 0x11 * (i + 1), sizeof(ring[i].name));
		ring[i].aes_len = ring[i].hmac_len = i ? 32 : 16;
		ring[i].aes_bits = i ? 256 : 128;
		memset(ring[i].aes, 0xa0 + i, sizeof(ring[i].aes));
		memset(ring[i].hmac, 0xb0 + i, sizeof(ring[i].hmac));
	}
}

static void open_one(const uint8_t *t, size_t len, bool sealed)
{
	const struct ktix_key_info *key;
	SSL_SESSION *sess;
	char why[256];
	int err;

	err = ticket_open(t, len, ring, 2, &key, &sess, why, sizeof(why));
	if (!err != !!sess || !err != !!key)
		abort();
	if (err && !*why)
		abort();
	if (sealed && err && err != -EPROTO)
		abort();	/* sealed right: only the session can be wrong */
	SSL_SESSION_free(sess);
}

/* The session @p[len] sealed under @k, as OpenSSL seals a ticket. */
static void seal_and_open(const struct ktix_key_info *k, const uint8_t *p,
			  size_t len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t *t = malloc(32 + len + 16 + 32);
	size_t maclen;
	int n = 0, f = 0;

	if (!c || !t)
		abort();
	memcpy(t, k->name, 16);
	memset(t + 16, 0x5a, 16);
	if (!EVP_EncryptInit_ex2(c, k->aes_len == 32 ? EVP_aes_256_cbc() :
				 EVP_aes_128_cbc(), k->aes, t + 16, NULL) ||
	    !EVP_EncryptUpdate(c, t + 32, &n, p, (int)len) ||
	    !EVP_EncryptFinal_ex(c, t + 32 + n, &f) ||
	    !EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, k->hmac, k->hmac_len,
		       t, 32 + (size_t)(n + f), t + 32 + n + f, 32, &maclen))
		abort();
	open_one(t, 32 + (size_t)(n + f) + 32, true);
	EVP_CIPHER_CTX_free(c);
	free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ticket_in in;
	char why[256];

	if (!ring[0].aes_len)
		ring_init();
	if (size < 1)
		return 0;
	if (data[0] == 1 || data[0] == 2) {
		seal_and_open(&ring[data[0] - 1], data + 1, size - 1);
		return 0;
	}
	if (ticket_input((const char *)data + 1, size - 1, &in, why,
			 sizeof(why))) {
		if (in.t || in.len || !*why)
			abort();	/* an error leaves nothing, and says why */
		return 0;
	}
	open_one(in.t, in.len, false);
	ticket_in_free(&in);
	return 0;
}
