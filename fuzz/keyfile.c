// SPDX-License-Identifier: GPL-2.0
/* Fuzz target: ktixctl's key-file reader, nginx and HAProxy (keyfile.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktix_nl.h"
#include "ktixctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ktix_key_info keys[16];
	enum keyfile_format fmt;
	char why[256];
	uint8_t *buf;
	size_t n, i;
	int err;

	if (size > KEYFILE_MAX)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	err = keyfile_parse(buf, size, keys, 16, &n, &fmt, why, sizeof(why));
	free(buf);
	if (err && n)
		__builtin_trap();	/* an error returns no key */
	for (i = 0; !err && i < n; i++)
		if ((keys[i].aes_len != 16 && keys[i].aes_len != 32) ||
		    keys[i].hmac_len != keys[i].aes_len)
			__builtin_trap();
	return 0;
}
