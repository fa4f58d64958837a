// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl: base64, as key files and tickets come (OpenSSL's decoder).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "ktixctl.h"

int parse_base64(const char *s, size_t n, uint8_t *out, size_t *len)
{
	EVP_ENCODE_CTX *ctx;
	int outl = 0, fin = 0, err = -EINVAL;

	if (n > INT_MAX)
		return -EINVAL;
	ctx = EVP_ENCODE_CTX_new();
	if (!ctx)
		return -ENOMEM;
	/* OpenSSL's decoder; it skips white space and takes "=" padding. */
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, out, &outl, (const unsigned char *)s,
			     (int)n) >= 0 &&
	    EVP_DecodeFinal(ctx, out + outl, &fin) == 1) {
		*len = (size_t)outl + (size_t)fin;
		err = 0;
	}
	EVP_ENCODE_CTX_free(ctx);
	return err;
}
