/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libktix, inside: checking an answer of ktixd (client.c).
 */
#ifndef KTIX_RESULT_H
#define KTIX_RESULT_H

#include <stddef.h>

#include "ktix.h"

/*
 * Checks the @n bytes received into @res (at most sizeof(*res)): 0, and
 * every string terminated and what did not come zeroed, or -EPROTO when
 * it is not an answer of ktixd.
 */
int ktix_result_decode(struct ktix_result *res, size_t n);

#endif /* KTIX_RESULT_H */
