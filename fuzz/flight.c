// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: how much of a client's peeked bytes ktixd reads during a
 * handshake (flight_take(), flight.c).  The first byte picks the TLS
 * version's rule; the rest are the bytes in the socket.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "ktixd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t take, off = 0, len;
	bool tls13, ccs = false;
	int records = 0;

	if (!size)
		return 0;
	tls13 = data[0] & 1;
	data++;
	size--;
	take = flight_take(data, size, tls13);
	if (take > size || (size && !take))
		__builtin_trap();
	/* Whole records, but for the first, which may be cut short. */
	while (off < take) {
		if (take - off < 5) {
			if (records)
				__builtin_trap();
			break;
		}
		len = 5 + ((size_t)data[off + 3] << 8 | data[off + 4]);
		if (take - off < len) {
			if (records)
				__builtin_trap();
			break;
		}
		/* Past the first: never a TLS 1.2 application_data record. */
		if (records && data[off] == 23 && !tls13)
			__builtin_trap();
		/* Nothing after an application_data record or after the
		 * record that follows a ChangeCipherSpec. */
		if (off + len < take && (data[off] == 23 || ccs))
			__builtin_trap();
		ccs = data[off] == 20;
		off += len;
		records++;
	}
	return 0;
}
