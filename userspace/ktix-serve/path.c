// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-serve: a request's URL to a path under the root.
 *
 * The URL is the client's: http-parser finds its path, every %XX is
 * decoded (a malformed one, or one that decodes to NUL, refuses the
 * request), and no segment may be "..".  What comes out is relative: the
 * caller opens it under the root's directory descriptor, refusing
 * symlinks, so that nothing outside the root is reached.
 */
#include <string.h>

#include <http_parser.h>

#include "path.h"

static int unhex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * The URL's path, decoded, as a path under the root: "" for the root
 * itself.  -1 for one that is malformed or climbs out ("..").
 */
int url_to_path(const char *url, char *out, size_t max)
{
	struct http_parser_url u;
	size_t i, o = 0, off, len;

	http_parser_url_init(&u);
	if (http_parser_parse_url(url, strlen(url), 0, &u) ||
	    !(u.field_set & (1 << UF_PATH)))
		return -1;
	off = u.field_data[UF_PATH].off;
	len = u.field_data[UF_PATH].len;
	for (i = off; i < off + len; i++) {
		char ch = url[i];

		if (ch == '%') {
			int hi = i + 2 < off + len ? unhex(url[i + 1]) : -1;
			int lo = hi >= 0 ? unhex(url[i + 2]) : -1;

			if (lo < 0)
				return -1;
			ch = (char)(hi << 4 | lo);
			i += 2;
		}
		if (ch == '\0' || o + 1 >= max)
			return -1;
		out[o++] = ch;
	}
	out[o] = '\0';
	/* Every segment: no "..", and no leading slashes kept. */
	for (i = 0; i < o;) {
		size_t j = i;

		while (j < o && out[j] != '/')
			j++;
		if (j - i == 2 && out[i] == '.' && out[i + 1] == '.')
			return -1;
		i = j + 1;
	}
	while (out[0] == '/')
		memmove(out, out + 1, strlen(out));
	return 0;
}
