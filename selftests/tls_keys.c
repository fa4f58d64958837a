// SPDX-License-Identifier: GPL-2.0
/*
 * tls_keys: libktix's record-key derivation, natively (no kernel needed).
 *
 * Against RFC 8448's published TLS 1.3 trace, against an independent
 * computation in Python (hmac, hashlib) of HKDF-Expand-Label and of TLS
 * 1.2's PRF, and between the two ends of a real OpenSSL handshake over a
 * socketpair: what one side sends with, the other receives with.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/tls.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ktix_tls.h"
#include "kselftest_harness.h"
#include "lib/tls_pair.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* RFC 8448 3, "Simple 1-RTT Handshake": the server's application keys. */
TEST(rfc8448_server_application_keys)
{
	uint8_t secret[32], key[16], iv[12], want_key[16], want_iv[12];

	ASSERT_EQ(0, unhex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643",
			   secret, 32));
	ASSERT_EQ(0, unhex("9f02283b6c9c07efc26bb9f2ac92e356", want_key, 16));
	ASSERT_EQ(0, unhex("cf782b88dd83549aadf1e984", want_iv, 12));
	ASSERT_EQ(0, ktix_tls13_traffic_keys(EVP_sha256(), secret, 32, key, 16, iv));
	EXPECT_EQ(0, memcmp(want_key, key, 16));
	EXPECT_EQ(0, memcmp(want_iv, iv, 12));
}

static const char python[] =
	"import hashlib, hmac, struct, sys\n"
	"h = getattr(hashlib, sys.argv[2])\n"
	"def hmac_(k, m): return hmac.new(k, m, h).digest()\n"
	"if sys.argv[1] == 'tls13':\n"
	"    secret = bytes.fromhex(sys.argv[3]); n = int(sys.argv[4])\n"
	"    def label(l, size):\n"
	"        l = b'tls13 ' + l\n"
	"        info = struct.pack('>HB', size, len(l)) + l + b'\\x00'\n"
	"        out, t, i = b'', b'', 1\n"
	"        while len(out) < size:\n"
	"            t = hmac_(secret, t + info + bytes([i])); out += t; i += 1\n"
	"        return out[:size]\n"
	"    print(label(b'key', n).hex(), label(b'iv', 12).hex())\n"
	"else:\n"
	"    secret = bytes.fromhex(sys.argv[3])\n"
	"    seed = b'key expansion' + bytes.fromhex(sys.argv[5]) + bytes.fromhex(sys.argv[4])\n"
	"    n = int(sys.argv[6]); out = b''; a = seed\n"
	"    while len(out) < n:\n"
	"        a = hmac_(secret, a); out += hmac_(secret, a + seed)\n"
	"    print(out[:n].hex())\n";

/* Runs the Python above with args; its one line of output in out. */
static int run_python(const char *args, char *out, size_t n)
{
	char cmd[2048];
	FILE *p;
	int ok;

	snprintf(cmd, sizeof(cmd), "python3 -c \"$KTIX_PY\" %s", args);
	setenv("KTIX_PY", python, 1);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	ok = fgets(out, (int)n, p) != NULL;
	return pclose(p) == 0 && ok ? 0 : -1;
}

TEST(tls13_keys_agree_with_python)
{
	static const struct { const char *py; const EVP_MD *(*md)(void); size_t len, key; } c[] = {
		{ "sha256", EVP_sha256, 32, 16 },
		{ "sha384", EVP_sha384, 48, 32 },
		{ "sha256", EVP_sha256, 32, 32 },
	};
	char sec[2 * 48 + 1], args[256], out[256], mine[200], ivh[25];
	uint8_t secret[48], key[32], iv[12];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ASSERT_EQ(1, RAND_bytes(secret, (int)c[i].len));
		ASSERT_EQ(0, ktix_tls13_traffic_keys(c[i].md(), secret, c[i].len,
						     key, c[i].key, iv));
		hex(secret, c[i].len, sec);
		snprintf(args, sizeof(args), "tls13 %s %s %zu", c[i].py, sec, c[i].key);
		ASSERT_EQ(0, run_python(args, out, sizeof(out)));
		hex(key, c[i].key, mine);
		hex(iv, 12, ivh);
		strcat(mine, " ");
		strcat(mine, ivh);
		strcat(mine, "\n");
		EXPECT_STREQ(out, mine);
	}
}

TEST(tls12_key_block_agrees_with_python)
{
	static const struct { const char *py; const EVP_MD *(*md)(void); size_t len; } c[] = {
		{ "sha256", EVP_sha256, 40 },	/* AES-128-GCM: 2 x 16 + 2 x 4 */
		{ "sha384", EVP_sha384, 72 },	/* AES-256-GCM: 2 x 32 + 2 x 4 */
		{ "sha256", EVP_sha256, 88 },	/* CHACHA20: 2 x 32 + 2 x 12 */
	};
	uint8_t master[48], cr[32], sr[32], kb[88];
	char m[97], crh[65], srh[65], args[512], out[256], mine[180];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ASSERT_EQ(1, RAND_bytes(master, 48));
		ASSERT_EQ(1, RAND_bytes(cr, 32));
		ASSERT_EQ(1, RAND_bytes(sr, 32));
		ASSERT_EQ(0, ktix_tls12_key_block(c[i].md(), master, 48, cr, sr,
						  kb, c[i].len));
		hex(master, 48, m);
		hex(cr, 32, crh);
		hex(sr, 32, srh);
		snprintf(args, sizeof(args), "tls12 %s %s %s %s %zu", c[i].py, m,
			 crh, srh, c[i].len);
		ASSERT_EQ(0, run_python(args, out, sizeof(out)));
		hex(kb, c[i].len, mine);
		strcat(mine, "\n");
		EXPECT_STREQ(out, mine);
	}
}

/* Both ends of one real handshake. */
struct ends {
	SSL_CTX *sctx, *cctx;
	SSL *s, *c;
	int fd[2];
};

static int pair(struct ends *e, int version, const char *suite, int tickets)
{
	memset(e, 0, sizeof(*e));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, e->fd))
		return -1;
	e->sctx = SSL_CTX_new(TLS_server_method());
	e->cctx = SSL_CTX_new(TLS_client_method());
	if (!e->sctx || !e->cctx ||
	    tls_pair_configure(e->sctx, e->cctx, version, suite, tickets))
		return -1;
	e->s = SSL_new(e->sctx);
	e->c = SSL_new(e->cctx);
	SSL_set_fd(e->s, e->fd[0]);
	SSL_set_fd(e->c, e->fd[1]);
	return tls_pair_handshake(e->s, e->c);
}

static void ends_free(struct ends *e)
{
	SSL_free(e->s);
	SSL_free(e->c);
	SSL_CTX_free(e->sctx);
	SSL_CTX_free(e->cctx);
	close(e->fd[0]);
	close(e->fd[1]);
}

static void same_dir(struct __test_metadata *_metadata,
		     const struct ktix_tls_dir *a, const struct ktix_tls_dir *b)
{
	EXPECT_EQ(a->key_len, b->key_len);
	EXPECT_EQ(0, memcmp(a->key, b->key, a->key_len));
	EXPECT_EQ(0, memcmp(a->iv, b->iv, a->iv_len));
	EXPECT_EQ(0, memcmp(a->salt, b->salt, a->salt_len));
	EXPECT_EQ(0, memcmp(a->rec_seq, b->rec_seq, 8));
}

FIXTURE(ends) {
	struct ends e;
};

FIXTURE_VARIANT(ends) {
	int version;
	const char *suite;
	uint16_t cipher;
	int tickets;
};

FIXTURE_VARIANT_ADD(ends, tls12_aes_128_gcm) {
	TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", TLS_CIPHER_AES_GCM_128, 0,
};

FIXTURE_VARIANT_ADD(ends, tls12_chacha20_poly1305) {
	TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305",
	TLS_CIPHER_CHACHA20_POLY1305, 0,
};

FIXTURE_VARIANT_ADD(ends, tls13_aes_256_gcm_two_tickets) {
	TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", TLS_CIPHER_AES_GCM_256, 2,
};

FIXTURE_VARIANT_ADD(ends, tls13_aes_128_ccm) {
	TLS1_3_VERSION, "TLS_AES_128_CCM_SHA256", TLS_CIPHER_AES_CCM_128, 1,
};

FIXTURE_SETUP(ends)
{
	ASSERT_EQ(0, pair(&self->e, variant->version, variant->suite,
			  variant->tickets));
}

FIXTURE_TEARDOWN(ends)
{
	ends_free(&self->e);
}

TEST_F(ends, one_sends_with_what_the_other_receives_with)
{
	struct ktix_tls_keys s, c;
	uint8_t b;
	int fl = fcntl(self->e.fd[1], F_GETFL);

	/* The client's OpenSSL reads the tickets waiting for it. */
	fcntl(self->e.fd[1], F_SETFL, fl | O_NONBLOCK);
	EXPECT_GE(0, SSL_read(self->e.c, &b, 1));
	ASSERT_EQ(0, ktix_tls_keys(self->e.s, &s));
	ASSERT_EQ(0, ktix_tls_keys(self->e.c, &c));
	EXPECT_EQ(variant->cipher, s.cipher);
	EXPECT_EQ(variant->version == TLS1_3_VERSION ? TLS_1_3_VERSION :
		  TLS_1_2_VERSION, s.version);
	same_dir(_metadata, &s.tx, &c.rx);
	same_dir(_metadata, &c.tx, &s.rx);
	EXPECT_NE(0, memcmp(s.tx.key, s.rx.key, s.tx.key_len));
	/* 1.2: after Finished; 1.3: after the tickets. */
	EXPECT_EQ(variant->version == TLS1_3_VERSION ? variant->tickets : 1,
		  s.tx.rec_seq[7]);
	ktix_tls_keys_wipe(&s);
	ktix_tls_keys_wipe(&c);
}

TEST(keys_before_the_handshake_are_refused)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	SSL *ssl;
	struct ktix_tls_keys k;

	ASSERT_NE(NULL, ctx);
	ASSERT_EQ(0, ktix_tls_ctx_init(ctx));
	ssl = SSL_new(ctx);
	EXPECT_EQ(-EINVAL, ktix_tls_keys(ssl, &k));
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

TEST_HARNESS_MAIN
