// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl: ticket-key files of nginx and HAProxy.
 *
 * nginx (ssl_session_ticket_key) reads one key a file, raw:
 *   48 bytes: name(16) | AES-128 key(16) | HMAC key(16)
 *   80 bytes: name(16) | HMAC key(32) | AES-256 key(32)
 * HAProxy (tls-ticket-keys) reads base64 lines of 48 or 80 bytes, each
 * name | AES key | HMAC key; of the last three, the second-last encrypts.
 * A file of 48 or 80 bytes that is not all text is nginx's; anything else
 * is read as HAProxy's.  Base64 is decoded and encoded by OpenSSL.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ktix_nl.h"
#include "ktixctl.h"

/* The largest key file read: HAProxy files hold a handful of lines. */

static void key_from_raw(struct ktix_key_info *k, const uint8_t *b,
			 size_t len, bool nginx)
{
	size_t half = (len - KTIX_KEY_NAME_LEN) / 2;

	memset(k, 0, sizeof(*k));
	memcpy(k->name, b, KTIX_KEY_NAME_LEN);
	k->aes_len = k->hmac_len = (uint8_t)half;
	if (nginx && len == 80) {
		memcpy(k->hmac, b + 16, half);
		memcpy(k->aes, b + 16 + half, half);
	} else {
		memcpy(k->aes, b + 16, half);
		memcpy(k->hmac, b + 16 + half, half);
	}
}

/* One base64 line of exactly 48 or 80 bytes; -EINVAL otherwise. */
static int decode_line(const char *line, size_t n, uint8_t *out, size_t *len)
{
	uint8_t buf[3 * (112 / 4) + 3];
	size_t got = 0;
	int err;

	if (n > 108 + 4)
		return -EINVAL;
	err = parse_base64(line, n, buf, &got);
	if (!err && got != 48 && got != 80)
		err = -EINVAL;
	if (!err) {
		*len = got;
		memcpy(out, buf, got);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return err;
}

static int read_file(const char *path, uint8_t *buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, KEYFILE_MAX, f);
	if (ferror(f)) {
		fclose(f);
		return -EIO;
	}
	if (n == KEYFILE_MAX && fgetc(f) != EOF) {
		fclose(f);
		return -EFBIG;
	}
	fclose(f);
	*len = n;
	return 0;
}

int keyfile_read(const char *path, struct ktix_key_info *keys, size_t max,
		 size_t *n, enum keyfile_format *fmt, char *why, size_t why_len)
{
	uint8_t *buf = malloc(KEYFILE_MAX + 1);
	size_t len = 0;
	int err;

	*n = 0;
	if (!buf)
		return -ENOMEM;
	err = read_file(path, buf, &len);
	if (err)
		snprintf(why, why_len, "%s", err == -EFBIG ?
			 "too large for a key file" : strerror(-err));
	else
		err = keyfile_parse(buf, len, keys, max, n, fmt, why, why_len);
	OPENSSL_cleanse(buf, KEYFILE_MAX + 1);
	free(buf);
	return err;
}

int keyfile_parse(uint8_t *buf, size_t len, struct ktix_key_info *keys,
		  size_t max, size_t *n, enum keyfile_format *fmt, char *why,
		  size_t why_len)
{
	size_t lineno = 0, rl = 0;
	char *line, *save = NULL;
	uint8_t raw[80];
	int err = 0;

	*n = 0;
	/*
	 * nginx's files are raw random bytes; text of the same size (all
	 * printable, as random bytes almost never are) is read as HAProxy's.
	 */
	for (rl = 0; rl < len; rl++)
		if (!isprint(buf[rl]) && !isspace(buf[rl]))
			break;
	if ((len == 48 || len == 80) && rl < len) {
		*fmt = KEYFILE_NGINX;
		key_from_raw(&keys[0], buf, len, true);
		*n = 1;
		goto out;
	}

	*fmt = KEYFILE_HAPROXY;
	buf[len] = '\0';
	if (rl < len) {
		snprintf(why, why_len,
			 "neither an nginx key file (48 or 80 bytes; this has %zu) nor HAProxy base64 lines",
			 len);
		err = -EINVAL;
		goto out;
	}
	for (line = strtok_r((char *)buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);

		lineno++;
		while (l && (line[l - 1] == '\r' || line[l - 1] == ' ' ||
			     line[l - 1] == '\t'))
			line[--l] = '\0';
		if (!l || line[0] == '#')
			continue;
		if (*n == max) {
			snprintf(why, why_len, "more than %zu keys", max);
			err = -E2BIG;
			goto out;
		}
		if (decode_line(line, l, raw, &rl)) {
			snprintf(why, why_len,
				 "line %zu: not the base64 of a 48- or 80-byte key",
				 lineno);
			err = -EINVAL;
			goto out;
		}
		if (*n && rl != (size_t)(16 + 2 * keys[0].aes_len)) {
			snprintf(why, why_len,
				 "line %zu: keys of 48 and 80 bytes are mixed",
				 lineno);
			err = -EINVAL;
			goto out;
		}
		key_from_raw(&keys[*n], raw, rl, false);
		(*n)++;
	}
	if (!*n) {
		snprintf(why, why_len,
			 "no key: neither an nginx key file (48 or 80 bytes) nor HAProxy base64 lines");
		err = -EINVAL;
	}
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	if (err) {
		OPENSSL_cleanse(keys, max * sizeof(*keys));
		*n = 0;
	}
	return err;
}

/* @buf[len] as a new file, mode 0600; never over an existing one. */
static int write_new(const char *path, const void *buf, size_t len,
		     char *why, size_t why_len)
{
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		snprintf(why, why_len, "%s%s", strerror(errno),
			 errno == EEXIST ? " (remove it first)" : "");
		return err;
	}
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd)) {
		err = -errno ?: -EIO;
		snprintf(why, why_len, "%s", strerror(-err));
		close(fd);
		unlink(path);
		return err;
	}
	if (close(fd)) {
		err = -errno;
		snprintf(why, why_len, "%s", strerror(-err));
		unlink(path);
	}
	return err;
}

static bool key_sizes_ok(const struct ktix_key_info *k)
{
	return k->aes_len == k->hmac_len && (k->aes_len == 16 || k->aes_len == 32);
}

int keyfile_write_nginx(const char *path, const struct ktix_key_info *k,
			char *why, size_t why_len)
{
	uint8_t buf[80];
	size_t len;
	int err;

	if (!key_sizes_ok(k)) {
		snprintf(why, why_len,
			 "nginx key files hold AES and HMAC keys of 16 or 32 bytes each");
		return -EINVAL;
	}
	memcpy(buf, k->name, 16);
	if (k->aes_len == 16) {
		memcpy(buf + 16, k->aes, 16);
		memcpy(buf + 32, k->hmac, 16);
		len = 48;
	} else {
		memcpy(buf + 16, k->hmac, 32);
		memcpy(buf + 48, k->aes, 32);
		len = 80;
	}
	err = write_new(path, buf, len, why, why_len);
	OPENSSL_cleanse(buf, sizeof(buf));
	return err;
}

int keyfile_write_haproxy(const char *path, const struct ktix_key_info *keys,
			  size_t n, char *why, size_t why_len)
{
	/* Each line: base64 of 80 bytes at most (108 characters), '\n'. */
	size_t line = 4 * ((80 + 2) / 3) + 1, len = 0, i;
	uint8_t raw[80];
	char *text;
	int err;

	for (i = 0; i < n; i++) {
		if (!key_sizes_ok(&keys[i]) || keys[i].aes_len != keys[0].aes_len) {
			snprintf(why, why_len,
				 "HAProxy key files hold keys of one size, AES and HMAC keys of 16 or 32 bytes each");
			return -EINVAL;
		}
	}
	text = malloc(n * line + 1);
	if (!text)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct ktix_key_info *k = &keys[i];

		memcpy(raw, k->name, 16);
		memcpy(raw + 16, k->aes, k->aes_len);
		memcpy(raw + 16 + k->aes_len, k->hmac, k->hmac_len);
		len += (size_t)EVP_EncodeBlock((unsigned char *)text + len, raw,
					       16 + 2 * k->aes_len);
		text[len++] = '\n';
	}
	err = write_new(path, text, len, why, why_len);
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(text, n * line + 1);
	free(text);
	return err;
}
