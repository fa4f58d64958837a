/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix: the block ktixd puts in every session it issues a ticket for
 * (OpenSSL's ticket application data, encrypted with the session), read
 * back by ktixd when the ticket returns and shown by ktixctl ticket
 * decode.  Its layout is its format in tickets that live for hours in
 * clients: a change is a new version.  Documentation/resumption.rst.
 *
 * Version 2 adds @established, the time of the session's full handshake,
 * which renewals keep, so that a session renewed at every use still ends
 * (RFC 8446 4.6.1); a version 1 block (25 bytes, no @established) reads as
 * established when it was issued.
 */
#ifndef KTIX_TICKET_BLOCK_H
#define KTIX_TICKET_BLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define KTIX_TICKET_BLOCK_VERSION	2
#define KTIX_TICKET_BLOCK_V1_LEN	25

struct ktix_ticket_block {
	uint8_t version;	/* KTIX_TICKET_BLOCK_VERSION */
	uint8_t handle[16];	/* the session's handle, for revocation */
	uint8_t issued[8];	/* when the ticket was issued */
	uint8_t established[8];	/* when the session was made (full handshake) */
};				/* times: big-endian seconds since the epoch */

_Static_assert(sizeof(struct ktix_ticket_block) == 33,
	       "the block's layout is its format in tickets");

static inline uint64_t ktix_ticket_time(const uint8_t b[8])
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static inline void ktix_ticket_time_set(uint8_t b[8], uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
}

/*
 * The block in @len bytes at @p, of version 1 or 2, as version 2 in @out:
 * 0, or -1 when it is no block of these versions.
 */
static inline int ktix_ticket_block_read(const void *p, size_t len,
					 struct ktix_ticket_block *out)
{
	const uint8_t *b = p;

	if (len == sizeof(*out) && b[0] == KTIX_TICKET_BLOCK_VERSION) {
		memcpy(out, p, len);
		return 0;
	}
	if (len == KTIX_TICKET_BLOCK_V1_LEN && b[0] == 1) {
		memcpy(out, p, len);
		out->version = KTIX_TICKET_BLOCK_VERSION;
		memcpy(out->established, out->issued, sizeof(out->issued));
		return 0;
	}
	return -1;
}

#endif /* KTIX_TICKET_BLOCK_H */
