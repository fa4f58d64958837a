// SPDX-License-Identifier: GPL-2.0
/* Fuzz target: ktixd's check of a server's request (request.c). */
#include <stdint.h>
#include <string.h>

#include "ktixd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request r;
	const char *why = NULL;
	size_t i;

	if (request_parse(data, size, &r, &why)) {
		if (!why)
			__builtin_trap();	/* every refusal says why */
		return 0;
	}
	/* An accepted ALPN list walks to its end exactly. */
	for (i = 0; i < r.alpn_len; i += 1u + r.alpn[i])
		if (!r.alpn[i])
			__builtin_trap();
	if (i != r.alpn_len)
		__builtin_trap();
	return 0;
}
