// SPDX-License-Identifier: LGPL-2.1-or-later
/* Fuzz target: libktix's check of an answer of ktixd (client.c). */
#include <stdint.h>
#include <string.h>

#include "result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ktix_result r;

	if (size > sizeof(r))
		return 0;
	memset(&r, 0xa5, sizeof(r));
	memcpy(&r, data, size);
	if (ktix_result_decode(&r, size))
		return 0;
	/* Every string ends inside its field. */
	if (strnlen(r.cipher_name, sizeof(r.cipher_name)) == sizeof(r.cipher_name) ||
	    strnlen(r.sni, sizeof(r.sni)) == sizeof(r.sni) ||
	    strnlen(r.alpn, sizeof(r.alpn)) == sizeof(r.alpn) ||
	    strnlen(r.peer, sizeof(r.peer)) == sizeof(r.peer) ||
	    strnlen(r.error, sizeof(r.error)) == sizeof(r.error))
		__builtin_trap();
	return 0;
}
