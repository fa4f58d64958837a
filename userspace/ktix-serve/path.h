/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix-serve: a request's URL to a path under the root (path.c).
 */
#ifndef KTIX_SERVE_PATH_H
#define KTIX_SERVE_PATH_H

#include <stddef.h>

/*
 * The URL's path, decoded, into out (max bytes) as a path under the root:
 * "" for the root itself.  0, or -1 for one that is malformed, too long or
 * climbs out ("..").
 */
int url_to_path(const char *url, char *out, size_t max);

#endif /* KTIX_SERVE_PATH_H */
