/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix: the block ktixd puts in every session it issues a ticket for
 * (OpenSSL's ticket application data, encrypted with the session), read
 * back by ktixd when the ticket returns and shown by ktixctl ticket
 * decode.  Its layout is its format in tickets that live for hours in
 * clients: a change is a new version, and a block of another version is
 * not ktixd's to read.  Documentation/resumption.rst.
 */
#ifndef KTIX_TICKET_BLOCK_H
#define KTIX_TICKET_BLOCK_H

#include <stdint.h>

#define KTIX_TICKET_BLOCK_VERSION	1

struct ktix_ticket_block {
	uint8_t version;	/* KTIX_TICKET_BLOCK_VERSION */
	uint8_t handle[16];	/* the session's handle, for revocation */
	uint8_t issued[8];	/* when the ticket was issued: big-endian seconds */
};

_Static_assert(sizeof(struct ktix_ticket_block) == 25,
	       "the block's layout is its format in tickets");

#endif /* KTIX_TICKET_BLOCK_H */
