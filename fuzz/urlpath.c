// SPDX-License-Identifier: GPL-2.0
/* Fuzz target: ktix-serve's URL to a path under the root (path.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1), out[2048];
	size_t i, j, n;

	if (!url)
		return 0;
	memcpy(url, data, size);
	url[size] = '\0';
	if (url_to_path(url, out, sizeof(out)) == 0) {
		/* Relative, and no segment climbs out. */
		n = strlen(out);
		if (n && out[0] == '/')
			__builtin_trap();
		for (i = 0; i <= n; i = j + 1) {
			for (j = i; j < n && out[j] != '/'; j++)
				;
			if (j - i == 2 && out[i] == '.' && out[i + 1] == '.')
				__builtin_trap();
		}
	}
	free(url);
	return 0;
}
