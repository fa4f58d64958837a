// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: SNI and ALPN: acknowledging the server name, and choosing the
 * application protocol from the server's list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls_priv.h"

/*
 * The certificate was chosen in the ClientHello callback; acknowledging
 * the name makes OpenSSL keep it in the session, where the next
 * resumption finds it.
 */
int sni_cb(SSL *s, int *alert, void *arg)
{
	(void)s; (void)alert; (void)arg;
	return SSL_TLSEXT_ERR_OK;
}

int alpn_cb(SSL *s, const unsigned char **out, unsigned char *outlen,
	    const unsigned char *in, unsigned int inlen, void *arg)
{
	struct ssl_data *d = SSL_get_ex_data(s, tls_ex_index);
	unsigned char *o;

	(void)arg;
	if (!d || (!d->alpn_len && !d->set->alpn))
		return SSL_TLSEXT_ERR_NOACK;
	/* The server's own list, else ktixd's alpn setting. */
	if (SSL_select_next_proto(&o, outlen,
				  d->alpn_len ? d->alpn : d->set->alpn,
				  (unsigned int)(d->alpn_len ? d->alpn_len :
						 d->set->alpn_len),
				  in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = o;
	return SSL_TLSEXT_ERR_OK;
}

/* "h2,http/1.1" to its wire format: length-prefixed names. */
int alpn_wire(const char *list, unsigned char **out, size_t *len)
{
	size_t n = strlen(list), i = 0, start = 0, pos = 0;
	unsigned char *w = malloc(n + 1);

	if (!w)
		return -ENOMEM;
	for (i = 0; i <= n; i++) {
		if (i < n && list[i] != ',')
			continue;
		if (i == start || i - start > 255) {
			free(w);
			return -EINVAL;
		}
		w[pos++] = (unsigned char)(i - start);
		memcpy(w + pos, list + start, i - start);
		pos += i - start;
		start = i + 1;
	}
	*out = w;
	*len = pos;
	return 0;
}
