// SPDX-License-Identifier: GPL-2.0
/*
 * tls_keys: libktix's record-key derivation, natively (no kernel needed).
 *
 * Against RFC 8448's published TLS 1.3 trace, against an independent
 * computation in Python (hmac, hashlib) of HKDF-Expand-Label and of TLS
 * 1.2's PRF, and between the two ends of a real OpenSSL handshake over a
 * socketpair: what one side sends with, the other receives with; and the
 * sequence numbers after a client that cuts its Finished into 1-byte
 * records.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/tls.h>
#include <openssl/crypto.h>
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

/* Exactly n bytes from s, by OpenSSL's parser. */
static int unhex(const char *s, uint8_t *out, size_t n)
{
	size_t len = 0;

	return OPENSSL_hexstr2buf_ex(out, n, &len, s, '\0') && len == n ? 0 : -1;
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

/* Reads one whole TLS record from fd: header and body. */
static ssize_t read_record(int fd, uint8_t *buf, size_t max)
{
	size_t got = 0, want = 5;

	while (got < want) {
		ssize_t n = read(fd, buf + got, want - got);

		if (n <= 0)
			return -1;
		got += (size_t)n;
		if (got == 5) {
			want = 5 + ((size_t)buf[3] << 8 | buf[4]);
			if (want > max)
				return -1;
		}
	}
	return (ssize_t)got;
}

/*
 * Opens a TLS 1.3 record sent under the first keys of a new generation
 * (sequence number 0: the nonce is the iv itself).  Returns the length of
 * the inner plaintext, content type included, or -1.
 */
static int open_record(const struct ktix_tls_dir *d, uint16_t cipher,
		       const uint8_t *rec, size_t len, uint8_t *out)
{
	const EVP_CIPHER *c = cipher == TLS_CIPHER_AES_GCM_128 ? EVP_aes_128_gcm() :
			      cipher == TLS_CIPHER_AES_GCM_256 ? EVP_aes_256_gcm() :
			      cipher == TLS_CIPHER_AES_CCM_128 ? EVP_aes_128_ccm() :
			      EVP_chacha20_poly1305();
	bool ccm = cipher == TLS_CIPHER_AES_CCM_128;
	size_t clen = len - 5 - 16;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[12];
	int n = 0, m = 0, ok;

	memcpy(nonce, d->salt, d->salt_len);
	memcpy(nonce + d->salt_len, d->iv, d->iv_len);
	ok = ctx && len > 5 + 16 &&
	     EVP_DecryptInit_ex(ctx, c, NULL, NULL, NULL) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) &&
	     (!ccm || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
					  (void *)(rec + len - 16))) &&
	     EVP_DecryptInit_ex(ctx, NULL, NULL, d->key, nonce) &&
	     (!ccm || EVP_DecryptUpdate(ctx, NULL, &n, NULL, (int)clen)) &&
	     EVP_DecryptUpdate(ctx, NULL, &n, rec, 5) &&
	     EVP_DecryptUpdate(ctx, out, &n, rec + 5, (int)clen) &&
	     (ccm || (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
					   (void *)(rec + len - 16)) &&
		      EVP_DecryptFinal_ex(ctx, out + n, &m)));
	EVP_CIPHER_CTX_free(ctx);
	return ok ? n + m : -1;
}

/*
 * OpenSSL's client updates its keys (RFC 8446 4.6.3) and writes: the
 * server's secrets, moved on by ktix_tls_key_update(), open that record,
 * and the client's own, moved on the same way, give the same keys.
 */
TEST_F(ends, key_update_keys_open_the_peers_records)
{
	static const char msg[] = "under the next keys";
	struct ktix_tls_secrets ss, cs;
	struct ktix_tls_keys sk, ck;
	uint8_t rec[1024], plain[1024], b;
	int fl = fcntl(self->e.fd[1], F_GETFL), n;

	if (variant->version != TLS1_3_VERSION)
		SKIP(return, "KeyUpdate is TLS 1.3's");
	fcntl(self->e.fd[1], F_SETFL, fl | O_NONBLOCK);
	EXPECT_GE(0, SSL_read(self->e.c, &b, 1));	/* the tickets */
	fcntl(self->e.fd[1], F_SETFL, fl);
	ASSERT_EQ(0, ktix_tls_secrets(self->e.s, &ss));
	ASSERT_EQ(0, ktix_tls_secrets(self->e.c, &cs));
	EXPECT_EQ(variant->cipher, ss.cipher);
	EXPECT_EQ(0, memcmp(ss.rx, cs.tx, ss.len));

	ASSERT_EQ(1, SSL_key_update(self->e.c, SSL_KEY_UPDATE_NOT_REQUESTED));
	ASSERT_EQ((int)sizeof(msg), SSL_write(self->e.c, msg, sizeof(msg)));
	/* The KeyUpdate, under the old keys; then the data, under the new. */
	ASSERT_LT(0, read_record(self->e.fd[0], rec, sizeof(rec)));
	n = (int)read_record(self->e.fd[0], rec, sizeof(rec));
	ASSERT_LT(0, n);

	ASSERT_EQ(0, ktix_tls_key_update(&ss, false, true, &sk));
	EXPECT_EQ(0, sk.tx.key_len);		/* only the direction asked */
	EXPECT_EQ(TLS_1_3_VERSION, sk.version);
	EXPECT_EQ(0, sk.rx.rec_seq[7]);
	n = open_record(&sk.rx, sk.cipher, rec, (size_t)n, plain);
	ASSERT_EQ((int)sizeof(msg) + 1, n) TH_LOG("the next keys do not open the record");
	EXPECT_EQ(0, memcmp(plain, msg, sizeof(msg)));
	EXPECT_EQ(23, plain[sizeof(msg)]);	/* application_data */

	ASSERT_EQ(0, ktix_tls_key_update(&cs, true, false, &ck));
	same_dir(_metadata, &ck.tx, &sk.rx);
	EXPECT_EQ(0, memcmp(ss.rx, cs.tx, ss.len));
	ktix_tls_keys_wipe(&sk);
	ktix_tls_keys_wipe(&ck);
	ktix_tls_secrets_wipe(&ss);
	ktix_tls_secrets_wipe(&cs);
}

TEST(tls12_has_no_key_update)
{
	struct ends e;
	struct ktix_tls_secrets s;

	ASSERT_EQ(0, pair(&e, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", 0));
	EXPECT_EQ(-EOPNOTSUPP, ktix_tls_secrets(e.s, &s));
	ends_free(&e);
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

/*
 * A TLS 1.2 client that cuts every handshake message into 1-byte records,
 * its Finished too (RFC 5246 6.2.1 allows it): the server's receive
 * sequence number must count the records as they came.  The plaintext
 * records are cut as they are; the Finished is decrypted with the client's
 * write key and encrypted again a byte a record, through OpenSSL's AEADs.
 */
struct frag {
	SSL_CTX *sctx, *cctx;
	SSL *s, *c;
	BIO *s_in, *s_out, *c_in, *c_out;
	bool chacha, ccs;
	uint8_t key[32], iv[12];	/* the client's write key and IV */
	size_t key_len;
	uint64_t seq;			/* records sent after the CCS */
};

static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* The AEAD of one TLS 1.2 record at @seq: nonce, then AAD (RFC 5246 6.2.3.3). */
static int frag_aead(struct frag *f, bool enc, uint64_t seq, const uint8_t *expl,
		     const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t nonce[12], aad[13];
	int n, ok, i;

	memcpy(nonce, f->iv, 12);
	if (f->chacha) {
		put_be64(aad, seq);
		for (i = 0; i < 8; i++)
			nonce[4 + i] ^= aad[i];
	} else {
		memcpy(nonce + 4, expl, 8);
	}
	put_be64(aad, seq);
	aad[8] = SSL3_RT_HANDSHAKE;
	aad[9] = 3;
	aad[10] = 3;
	aad[11] = (uint8_t)(len >> 8);
	aad[12] = (uint8_t)len;
	ok = x && EVP_CipherInit_ex(x, f->chacha ? EVP_chacha20_poly1305() :
				    f->key_len == 16 ? EVP_aes_128_gcm() :
				    EVP_aes_256_gcm(), NULL, f->key, nonce, enc) &&
	     EVP_CipherUpdate(x, NULL, &n, aad, 13) &&
	     (len == 0 || EVP_CipherUpdate(x, out, &n, in, (int)len)) &&
	     (enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, tag)) &&
	     EVP_CipherFinal_ex(x, out + len, &n) &&
	     (!enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, tag));
	EVP_CIPHER_CTX_free(x);
	return ok ? 0 : -1;
}

/* The client's write key and IV, from its master secret (once it has one). */
static int frag_client_keys(struct frag *f)
{
	uint8_t master[48], cr[32], sr[32], kb[2 * 32 + 2 * 12];
	size_t ml = SSL_SESSION_get_master_key(SSL_get_session(f->c), master, 48);
	size_t il = f->chacha ? 12 : 4;
	const EVP_MD *md = f->key_len == 32 && !f->chacha ? EVP_sha384() :
			   EVP_sha256();

	SSL_get_client_random(f->c, cr, 32);
	SSL_get_server_random(f->c, sr, 32);
	if (!ml || ktix_tls12_key_block(md, master, ml, cr, sr, kb,
					2 * f->key_len + 2 * il))
		return -1;
	memcpy(f->key, kb, f->key_len);
	memcpy(f->iv, kb + 2 * f->key_len, il);
	return 0;
}

static void frag_record(struct frag *f, uint8_t type, const uint8_t *p,
			size_t len)
{
	uint8_t h[5] = { type, 3, 3, (uint8_t)(len >> 8), (uint8_t)len };

	BIO_write(f->s_in, h, 5);
	BIO_write(f->s_in, p, (int)len);
}

/* Moves what the client wrote to the server, cut into 1-byte records. */
static int frag_pump(struct frag *f)
{
	uint8_t buf[1 << 15], pt[256], rec[8 + 1 + 16];
	size_t off = 0, n, i, hl;
	int got;

	got = BIO_read(f->c_out, buf, sizeof(buf));
	n = got > 0 ? (size_t)got : 0;
	while (off + 5 <= n) {
		uint8_t type = buf[off];
		size_t len = (size_t)buf[off + 3] << 8 | buf[off + 4];
		const uint8_t *p = buf + off + 5;

		if (off + 5 + len > n)
			return -1;
		if (type == SSL3_RT_CHANGE_CIPHER_SPEC) {
			frag_record(f, type, p, len);
			f->ccs = true;
			if (frag_client_keys(f))
				return -1;
		} else if (type == SSL3_RT_HANDSHAKE && !f->ccs) {
			for (i = 0; i < len; i++)
				frag_record(f, type, p + i, 1);
		} else if (type == SSL3_RT_HANDSHAKE) {
			/* The encrypted Finished, record 0 under the new keys. */
			hl = f->chacha ? 0 : 8;
			if (len < hl + 16 || len - hl - 16 > sizeof(pt) ||
			    frag_aead(f, false, 0, p, p + hl, len - hl - 16, pt,
				      (uint8_t *)p + len - 16))
				return -1;
			for (i = 0; i < len - hl - 16; i++) {
				put_be64(rec, f->seq);
				if (frag_aead(f, true, f->seq, rec, pt + i, 1,
					      rec + hl, rec + hl + 1))
					return -1;
				f->seq++;
				frag_record(f, type, rec,
					    hl + 1 + 16);
			}
			OPENSSL_cleanse(pt, sizeof(pt));
		} else {
			frag_record(f, type, p, len);
		}
		off += 5 + len;
	}
	while ((got = BIO_read(f->s_out, buf, sizeof(buf))) > 0)
		BIO_write(f->c_in, buf, got);
	return 0;
}

FIXTURE(frag) {
	struct frag f;
};

FIXTURE_VARIANT(frag) {
	const char *suite;
	bool chacha;
	size_t key_len;
};

FIXTURE_VARIANT_ADD(frag, aes_128_gcm) {
	"ECDHE-ECDSA-AES128-GCM-SHA256", false, 16,
};

FIXTURE_VARIANT_ADD(frag, aes_256_gcm) {
	"ECDHE-ECDSA-AES256-GCM-SHA384", false, 32,
};

FIXTURE_VARIANT_ADD(frag, chacha20_poly1305) {
	"ECDHE-ECDSA-CHACHA20-POLY1305", true, 32,
};

FIXTURE_SETUP(frag)
{
	struct frag *f = &self->f;

	memset(f, 0, sizeof(*f));
	f->chacha = variant->chacha;
	f->key_len = variant->key_len;
	f->sctx = SSL_CTX_new(TLS_server_method());
	f->cctx = SSL_CTX_new(TLS_client_method());
	ASSERT_NE(NULL, f->sctx);
	ASSERT_NE(NULL, f->cctx);
	ASSERT_EQ(0, tls_pair_configure(f->sctx, f->cctx, TLS1_2_VERSION,
					variant->suite, 0));
	SSL_CTX_set_options(f->cctx, SSL_OP_NO_TICKET);
	f->s = SSL_new(f->sctx);
	f->c = SSL_new(f->cctx);
	f->s_in = BIO_new(BIO_s_mem());
	f->s_out = BIO_new(BIO_s_mem());
	f->c_in = BIO_new(BIO_s_mem());
	f->c_out = BIO_new(BIO_s_mem());
	SSL_set_bio(f->s, f->s_in, f->s_out);
	SSL_set_bio(f->c, f->c_in, f->c_out);
	SSL_set_accept_state(f->s);
	SSL_set_connect_state(f->c);
}

FIXTURE_TEARDOWN(frag)
{
	SSL_free(self->f.s);
	SSL_free(self->f.c);
	SSL_CTX_free(self->f.sctx);
	SSL_CTX_free(self->f.cctx);
}

TEST_F(frag, finished_in_one_byte_records_counts_every_record)
{
	struct frag *f = &self->f;
	struct ktix_tls_keys k;
	int i;

	/* The client stops at the server's Finished: it never gets it. */
	for (i = 0; i < 20 && !SSL_is_init_finished(f->s); i++) {
		SSL_do_handshake(f->c);
		ASSERT_EQ(0, frag_pump(f));
		SSL_do_handshake(f->s);
		ASSERT_EQ(0, frag_pump(f));
	}
	ASSERT_EQ(1, SSL_is_init_finished(f->s));
	/* 16 bytes of Finished (4 of header, 12 of verify_data): 16 records. */
	EXPECT_EQ(16, f->seq);
	ASSERT_EQ(0, ktix_tls_keys(f->s, &k));
	EXPECT_EQ(16, k.rx.rec_seq[7]);
	EXPECT_EQ(0, k.rx.rec_seq[6]);
	EXPECT_EQ(1, k.tx.rec_seq[7]);
	if (!f->chacha) {
		EXPECT_EQ(0, memcmp(k.rx.iv, k.rx.rec_seq, 8));
	}
	EXPECT_EQ(0, memcmp(k.rx.key, f->key, f->key_len));
	ktix_tls_keys_wipe(&k);
	OPENSSL_cleanse(f->key, sizeof(f->key));
}

TEST_HARNESS_MAIN
