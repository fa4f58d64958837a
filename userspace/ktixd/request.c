// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: a server's request, checked.
 *
 * A datagram of the Unix socket is a struct ktix_request, followed by a
 * struct ktix_request_alpn when KTIX_REQ_F_ALPN is set, or by a struct
 * ktix_request_revoke (and nothing else) for KTIX_REQ_F_REVOKE, or by a
 * struct ktix_request_key_update for KTIX_REQ_F_KEY_UPDATE (ktix.h).  The
 * bytes are a local server's, not to be trusted: every size, the magic,
 * the version, the flags and the ALPN list's inner lengths are checked
 * before anything is used, and what is wrong is said in words.
 */
#include <errno.h>
#include <string.h>

#include "ktix.h"
#include "ktixd.h"

/* Whether any of @n bytes is not zero. */
static bool memchr_inv(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return true;
	return false;
}

int request_parse(const void *buf, size_t n, struct request *out,
		  const char **why)
{
	const struct ktix_request *req = buf;
	const struct ktix_request_alpn *alpn;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (n < sizeof(*req) || req->magic != KTIX_HELPER_MAGIC ||
	    req->size != sizeof(*req)) {
		*why = "malformed request: not a struct ktix_request";
		return -EBADMSG;
	}
	out->req = *req;
	if (req->version != KTIX_HELPER_VERSION) {
		*why = "unsupported protocol version";
		return -EPROTONOSUPPORT;
	}
	if (req->flags & ~(uint32_t)(KTIX_REQ_F_ALPN | KTIX_REQ_F_REVOKE |
				     KTIX_REQ_F_SECRETS |
				     KTIX_REQ_F_KEY_UPDATE)) {
		*why = "unknown request flags";
		return -EINVAL;
	}
	if (req->flags & KTIX_REQ_F_REVOKE) {
		if (req->flags != KTIX_REQ_F_REVOKE) {
			*why = "a revocation takes no other flag";
			return -EINVAL;
		}
		if (n != sizeof(*req) + sizeof(out->revoke)) {
			*why = "malformed request: its size does not match its flags";
			return -EBADMSG;
		}
		memcpy(&out->revoke, (const char *)buf + sizeof(*req),
		       sizeof(out->revoke));
		out->is_revoke = true;
		return 0;
	}
	if (req->flags & KTIX_REQ_F_KEY_UPDATE) {
		if (req->flags != KTIX_REQ_F_KEY_UPDATE) {
			*why = "a key update takes no other flag";
			return -EINVAL;
		}
		if (n != sizeof(*req) + sizeof(out->key_update)) {
			*why = "malformed request: its size does not match its flags";
			return -EBADMSG;
		}
		memcpy(&out->key_update, (const char *)buf + sizeof(*req),
		       sizeof(out->key_update));
		if (out->key_update.update_requested > 1 ||
		    memchr_inv(out->key_update.reserved,
			       sizeof(out->key_update.reserved))) {
			*why = "malformed key update: update_requested is not 0 or 1, or reserved bytes are set";
			return -EINVAL;
		}
		out->is_key_update = true;
		return 0;
	}
	if (n != sizeof(*req) +
	    (req->flags & KTIX_REQ_F_ALPN ? sizeof(*alpn) : 0)) {
		*why = "malformed request: its size does not match its flags";
		return -EBADMSG;
	}
	if (!(req->flags & KTIX_REQ_F_ALPN))
		return 0;
	alpn = (const void *)((const char *)buf + sizeof(*req));
	/* Length-prefixed names, none empty, filling len exactly. */
	if (alpn->len < 2) {
		*why = "malformed ALPN list: empty";
		return -EINVAL;
	}
	for (i = 0; i < alpn->len; i += 1 + alpn->protos[i]) {
		if (!alpn->protos[i] || i + 1 + alpn->protos[i] > alpn->len) {
			*why = "malformed ALPN list: a name's length is wrong";
			return -EINVAL;
		}
	}
	memcpy(out->alpn, alpn->protos, alpn->len);
	out->alpn_len = alpn->len;
	return 0;
}
