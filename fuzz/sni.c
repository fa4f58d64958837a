// SPDX-License-Identifier: GPL-2.0
/* Fuzz target: ktixd's reader of a ClientHello's server_name (sni.c). */
#include <stdint.h>
#include <string.h>

#include "ktixd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[256];
	size_t i, n;

	if (sni_parse(data, size, out, sizeof(out))) {
		if (out[0])
			__builtin_trap();	/* a refusal leaves no name */
		return 0;
	}
	/* A name that passed: short, lower case, printable, no NUL. */
	n = strlen(out);
	if (!n || n > 255)
		__builtin_trap();
	for (i = 0; i < n; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			__builtin_trap();
	return 0;
}
