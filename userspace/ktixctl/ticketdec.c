// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl: session tickets opened with the ring's keys.  No I/O here:
 * fuzz/ticketdec.c drives both functions with arbitrary bytes, for a
 * ticket is whatever a client sent, and its text whatever an operator
 * pasted.
 *
 * The format is OpenSSL's, which nginx and HAProxy share (RFC 5077 4's
 * recommendation): a 16-byte key name, a 16-byte IV, the session encrypted
 * with AES-CBC (128 or 256 bits, by the key), and an HMAC-SHA256 of all
 * that.  The session inside is OpenSSL's DER SSL_SESSION, read by
 * d2i_SSL_SESSION; nothing here parses it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "ktix_nl.h"
#include "ktixctl.h"

#define TICKET_NAME_LEN	16
#define TICKET_IV_LEN	16
#define TICKET_MAC_LEN	32
#define TICKET_MIN	(TICKET_NAME_LEN + TICKET_IV_LEN + 16 + TICKET_MAC_LEN)

static const char pem_begin[] = "-----BEGIN SSL SESSION PARAMETERS-----";

void ticket_in_free(struct ticket_in *in)
{
	free(in->t);
	memset(in, 0, sizeof(*in));
}

/* An s_client -sess_out file: its ticket, and the lifetime hint. */
static int ticket_from_session(const char *text, size_t len,
			       struct ticket_in *in, char *why, size_t why_len)
{
	const unsigned char *t;
	SSL_SESSION *sess;
	BIO *b;
	size_t n;

	b = BIO_new_mem_buf(text, (int)len);
	if (!b)
		return -ENOMEM;
	sess = PEM_read_bio_SSL_SESSION(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!sess) {
		snprintf(why, why_len, "not a TLS session file (its PEM does not read)");
		return -EINVAL;
	}
	SSL_SESSION_get0_ticket(sess, &t, &n);
	if (!n) {
		SSL_SESSION_free(sess);
		snprintf(why, why_len, "the session holds no ticket (the server sent none: a session ID)");
		return -ENOENT;
	}
	in->t = malloc(n);
	if (!in->t) {
		SSL_SESSION_free(sess);
		return -ENOMEM;
	}
	memcpy(in->t, t, n);
	in->len = n;
	in->has_hint = SSL_SESSION_has_ticket(sess);
	in->lifetime_hint = SSL_SESSION_get_ticket_lifetime_hint(sess);
	SSL_SESSION_free(sess);
	return 0;
}

int ticket_input(const char *text, size_t len, struct ticket_in *in,
		 char *why, size_t why_len)
{
	size_t i, n = 0;
	bool hex = true;
	char *s;
	int err = 0;

	memset(in, 0, sizeof(*in));
	*why = '\0';
	if (len > TICKET_TEXT_MAX) {
		snprintf(why, why_len, "more than %d bytes: not a ticket",
			 TICKET_TEXT_MAX);
		return -E2BIG;
	}
	if (memmem(text, len, pem_begin, sizeof(pem_begin) - 1))
		return ticket_from_session(text, len, in, why, why_len);

	/* Hex or base64, white space anywhere ignored. */
	s = malloc(len + 1);
	if (!s)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		if (isspace((unsigned char)text[i]))
			continue;
		if (!isxdigit((unsigned char)text[i]))
			hex = false;
		s[n++] = text[i];
	}
	s[n] = '\0';
	if (!n) {
		snprintf(why, why_len, "empty");
		err = -EINVAL;
		goto out;
	}
	/* As parse_base64() asks; hex takes half of it. */
	in->t = malloc(n + 3);
	if (!in->t) {
		err = -ENOMEM;
		goto out;
	}
	if (hex && n % 2 == 0) {
		if (!OPENSSL_hexstr2buf_ex(in->t, n, &in->len, s, '\0'))
			err = -EINVAL;
		goto check;
	}
	err = parse_base64(s, n, in->t, &in->len);
	if (err == -ENOMEM)
		goto out;
check:
	if (err || !in->len) {
		snprintf(why, why_len, "neither hex, base64 nor an s_client -sess_out file");
		err = -EINVAL;
	}
out:
	free(s);
	if (err)
		ticket_in_free(in);
	return err;
}

static void name_hex(const uint8_t *name, char *out)
{
	int i;

	for (i = 0; i < TICKET_NAME_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", name[i]);
}

int ticket_open(const uint8_t *t, size_t len, const struct ktix_key_info *keys,
		size_t n, const struct ktix_key_info **key, SSL_SESSION **sess,
		char *why, size_t why_len)
{
	const struct ktix_key_info *k = NULL;
	uint8_t mac[EVP_MAX_MD_SIZE], *plain = NULL;
	const unsigned char *p;
	char name[2 * TICKET_NAME_LEN + 1];
	EVP_CIPHER_CTX *c = NULL;
	size_t i, body, maclen = 0;
	int outl = 0, finl = 0, err;

	*key = NULL;
	*sess = NULL;
	if (len < TICKET_MIN || (len - TICKET_NAME_LEN - TICKET_IV_LEN -
				 TICKET_MAC_LEN) % 16) {
		snprintf(why, why_len, "not a ticket: %zu bytes, where a key name, an IV, AES-CBC blocks and an HMAC-SHA256 make at least %d and a multiple of 16",
			 len, TICKET_MIN);
		return -EINVAL;
	}
	name_hex(t, name);
	for (i = 0; i < n && !k; i++)
		if (keys[i].aes_len && !memcmp(keys[i].name, t, TICKET_NAME_LEN))
			k = &keys[i];
	if (!k) {
		snprintf(why, why_len, "key %s is not in the ring: deleted, expired, or another ring's",
			 name);
		return -ENOENT;
	}
	body = len - TICKET_MAC_LEN;
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, k->hmac, k->hmac_len,
		       t, body, mac, sizeof(mac), &maclen) ||
	    maclen != TICKET_MAC_LEN) {
		snprintf(why, why_len, "HMAC-SHA256 failed");
		return -ENOMEM;
	}
	if (CRYPTO_memcmp(mac, t + body, TICKET_MAC_LEN)) {
		snprintf(why, why_len, "bad MAC under key %s: altered, or not made with this key",
			 name);
		return -EBADMSG;
	}
	err = -ENOMEM;
	plain = malloc(body);
	c = EVP_CIPHER_CTX_new();
	if (!plain || !c)
		goto out;
	err = -EBADMSG;
	if (!EVP_DecryptInit_ex2(c, k->aes_len == 32 ? EVP_aes_256_cbc() :
				 EVP_aes_128_cbc(), k->aes,
				 t + TICKET_NAME_LEN, NULL) ||
	    !EVP_DecryptUpdate(c, plain, &outl, t + TICKET_NAME_LEN + TICKET_IV_LEN,
			       (int)(body - TICKET_NAME_LEN - TICKET_IV_LEN)) ||
	    !EVP_DecryptFinal_ex(c, plain + outl, &finl)) {
		snprintf(why, why_len, "its MAC holds under key %s, but it does not decrypt",
			 name);
		goto out;
	}
	p = plain;
	*sess = d2i_SSL_SESSION(NULL, &p, outl + finl);
	if (!*sess || p != plain + outl + finl) {
		SSL_SESSION_free(*sess);
		*sess = NULL;
		err = -EPROTO;
		snprintf(why, why_len, "decrypts under key %s, but holds no TLS session",
			 name);
		goto out;
	}
	*key = k;
	err = 0;
out:
	EVP_CIPHER_CTX_free(c);
	if (plain) {
		OPENSSL_cleanse(plain, body);	/* the master secret */
		free(plain);
	}
	OPENSSL_cleanse(mac, sizeof(mac));
	return err;
}
