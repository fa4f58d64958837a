// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-proxy: the PROXY protocol version 2 header (HAProxy's
 * proxy-protocol.txt, section 2.2), sent to the backend before the
 * client's first byte when --proxy-v2 asks for it: the client's address
 * and port, the address it connected to, and as TLVs the ALPN protocol,
 * the server name (SNI) and the TLS version and cipher.
 */
#include <netinet/in.h>
#include <string.h>

#include "proxy.h"

static const unsigned char signature[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

#define PP2_VERSION_PROXY	0x21	/* version 2, command PROXY */
#define PP2_TCP4		0x11
#define PP2_TCP6		0x21
#define PP2_TYPE_ALPN		0x01
#define PP2_TYPE_AUTHORITY	0x02
#define PP2_TYPE_SSL		0x20
#define PP2_SUBTYPE_SSL_VERSION	0x21
#define PP2_SUBTYPE_SSL_CIPHER	0x23
#define PP2_CLIENT_SSL		0x01
#define PP2_CLIENT_CERT_SESS	0x04

struct out {
	char *p;
	size_t len, n;
	bool full;
};

static void put(struct out *o, const void *data, size_t len)
{
	if (o->n + len > o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->n, data, len);
	o->n += len;
}

static void put16(struct out *o, size_t v)
{
	unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	put(o, b, 2);
}

static void put_tlv(struct out *o, unsigned char type, const char *value)
{
	size_t len = strnlen(value, 255);

	if (!len)
		return;
	put(o, &type, 1);
	put16(o, len);
	put(o, value, len);
}

size_t ppv2_header(const struct conn *c, char *buf, size_t len)
{
	const struct ktix_result *r = &c->res;
	struct out o = { .p = buf, .len = len };
	unsigned char b[5];
	size_t ssl_at, ssl_len;

	put(&o, signature, sizeof(signature));
	b[0] = PP2_VERSION_PROXY;
	if (c->caddr.ss_family == AF_INET6 && c->laddr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)&c->caddr;
		const struct sockaddr_in6 *d = (const void *)&c->laddr;

		b[1] = PP2_TCP6;
		put(&o, b, 2);
		put16(&o, 0);	/* the length, below */
		put(&o, &s->sin6_addr, 16);
		put(&o, &d->sin6_addr, 16);
		put(&o, &s->sin6_port, 2);
		put(&o, &d->sin6_port, 2);
	} else if (c->caddr.ss_family == AF_INET &&
		   c->laddr.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)&c->caddr;
		const struct sockaddr_in *d = (const void *)&c->laddr;

		b[1] = PP2_TCP4;
		put(&o, b, 2);
		put16(&o, 0);
		put(&o, &s->sin_addr, 4);
		put(&o, &d->sin_addr, 4);
		put(&o, &s->sin_port, 2);
		put(&o, &d->sin_port, 2);
	} else {
		return 0;
	}
	put_tlv(&o, PP2_TYPE_ALPN, r->alpn);
	put_tlv(&o, PP2_TYPE_AUTHORITY, r->sni);
	/*
	 * PP2_TYPE_SSL: the client spoke TLS; verify is 0 only when it
	 * holds a certificate this server verified (in this session).
	 */
	ssl_at = o.n;
	b[0] = PP2_TYPE_SSL;
	put(&o, b, 1);
	put16(&o, 0);
	b[0] = PP2_CLIENT_SSL;
	if (r->flags & KTIX_RES_F_PEER_VERIFIED)
		b[0] |= PP2_CLIENT_CERT_SESS;
	b[1] = b[2] = b[3] = 0;
	b[4] = r->flags & KTIX_RES_F_PEER_VERIFIED ? 0 : 1;
	put(&o, b, 5);
	put_tlv(&o, PP2_SUBTYPE_SSL_VERSION,
		r->tls_version == 0x0304 ? "TLSv1.3" : "TLSv1.2");
	put_tlv(&o, PP2_SUBTYPE_SSL_CIPHER, r->cipher_name);
	if (o.full)
		return 0;
	ssl_len = o.n - ssl_at - 3;
	buf[ssl_at + 1] = (char)(ssl_len >> 8);
	buf[ssl_at + 2] = (char)ssl_len;
	buf[14] = (char)((o.n - 16) >> 8);
	buf[15] = (char)(o.n - 16);
	return o.n;
}
