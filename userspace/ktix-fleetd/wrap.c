// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-fleetd: the key-encryption key (KEK) and what it wraps.
 *
 * Every ticket key a fleet keeps in etcd is wrapped with AES-256-GCM
 * (OpenSSL) under the KEK, which is never written anywhere: a random
 * nonce, then the ciphertext, then the tag.  The associated data binds a
 * wrapped value to its fleet and a label (for a ticket key its name and
 * times, record.c), so that etcd's contents cannot be moved from one
 * fleet, key, slot or lifetime to another.  The KEK file must be
 * readable by its owner only (or come as a systemd credential, whose
 * directory systemd guards).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "fleetd.h"

#define NONCE	12
#define TAG	16

int kek_load(const char *path, uint8_t kek[FLEETD_KEK_LEN], const char **why)
{
	const char *cred = getenv("CREDENTIALS_DIRECTORY");
	uint8_t buf[FLEETD_KEK_LEN * 2 + 2];
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		*why = "cannot be opened";
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*why = "is not a regular file";
		err = -EINVAL;
		goto out;
	}
	/* A systemd credential's directory is guarded by systemd. */
	if ((st.st_mode & 077) &&
	    !(cred && !strncmp(path, cred, strlen(cred)))) {
		*why = "may be read by other users (chmod 600)";
		err = -EPERM;
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		*why = "cannot be read";
		err = -errno;
		goto out;
	}
	if (n == FLEETD_KEK_LEN) {
		memcpy(kek, buf, FLEETD_KEK_LEN);
	} else if (n == 64 || (n == 65 && buf[64] == '\n')) {
		buf[64] = '\0';
		if (OPENSSL_hexstr2buf_ex(kek, FLEETD_KEK_LEN, &len,
					  (const char *)buf, '\0') != 1 ||
		    len != FLEETD_KEK_LEN) {
			*why = "has 64 characters that are not hex digits";
			err = -EINVAL;
		}
	} else {
		*why = "is not 32 bytes, raw or as 64 hex digits";
		err = -EINVAL;
	}
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return err;
}

static int aad(EVP_CIPHER_CTX *ctx, const char *fleet, const char *label)
{
	static const char version[] = "ktix-fleet-v1";
	int len;

	/* Each part with its NUL: "a" "bc" and "ab" "c" differ. */
	return EVP_CipherUpdate(ctx, NULL, &len, (const uint8_t *)version,
				sizeof(version)) == 1 &&
	       EVP_CipherUpdate(ctx, NULL, &len, (const uint8_t *)fleet,
				(int)strlen(fleet) + 1) == 1 &&
	       EVP_CipherUpdate(ctx, NULL, &len, (const uint8_t *)label,
				(int)strlen(label) + 1) == 1;
}

int kek_wrap(const uint8_t *kek, const char *fleet, const char *label,
	     const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, ok;

	if (!ctx)
		return -ENOMEM;
	ok = RAND_bytes(out, NONCE) == 1 &&
	     EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, kek, out) == 1 &&
	     aad(ctx, fleet, label) &&
	     EVP_EncryptUpdate(ctx, out + NONCE, &n, in, (int)len) == 1 &&
	     EVP_EncryptFinal_ex(ctx, out + NONCE + n, &n) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG,
				 out + NONCE + len) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

int kek_unwrap(const uint8_t *kek, const char *fleet, const char *label,
	       const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx;
	size_t body;
	int n, ok;

	if (len < KEK_OVERHEAD)
		return -EBADMSG;
	body = len - KEK_OVERHEAD;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, kek, in) == 1 &&
	     aad(ctx, fleet, label) &&
	     EVP_DecryptUpdate(ctx, out, &n, in + NONCE, (int)body) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG,
				 (void *)(in + NONCE + body)) == 1 &&
	     EVP_DecryptFinal_ex(ctx, out + n, &n) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		OPENSSL_cleanse(out, body);
	return ok ? 0 : -EBADMSG;
}
