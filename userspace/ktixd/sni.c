// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: the server name of a ClientHello, read from the raw extension.
 *
 * The ClientHello callback runs before OpenSSL looks for a session to
 * resume, and before it parses server_name itself: ktixd reads the name
 * there to pick the certificate's context and to bind the session to the
 * name (RFC 6066 section 3).  The bytes are the client's: every length is
 * checked against what is left, and a name that is not a DNS host name
 * (RFC 6066 forbids a trailing dot and NUL; RFC 1123 letters, digits,
 * hyphens and dots, plus '_' as seen in the wild) is no name at all:
 * OpenSSL's own parser then decides whether the handshake goes on.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "ktixd.h"

#define SNI_HOST_NAME	0

int sni_parse(const uint8_t *ext, size_t len, char *out, size_t out_len)
{
	size_t list, i, n;

	if (!out_len)
		return -1;
	out[0] = '\0';
	/* ServerNameList: u16 length, then ServerName entries. */
	if (len < 2)
		return -1;
	list = (size_t)ext[0] << 8 | ext[1];
	if (list != len - 2 || list < 3)
		return -1;
	ext += 2;
	/* The first entry: u8 type, u16 length, name. */
	if (ext[0] != SNI_HOST_NAME)
		return -1;
	n = (size_t)ext[1] << 8 | ext[2];
	if (!n || n > list - 3 || n >= out_len || n > 255)
		return -1;
	ext += 3;
	for (i = 0; i < n; i++) {
		unsigned char ch = ext[i];

		if (!isalnum(ch) && ch != '-' && ch != '.' && ch != '_')
			goto bad;
		out[i] = (char)tolower(ch);
	}
	if (out[n - 1] == '.')
		goto bad;
	out[n] = '\0';
	return 0;
bad:
	out[0] = '\0';
	return -1;
}
