// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: session tickets against the mirrored ring.  Tickets are
 * OpenSSL's format (key name | IV | AES-CBC | HMAC-SHA256), made by
 * OpenSSL through SSL_CTX_set_tlsext_ticket_key_evp_cb with keys from the
 * mirror: no netlink round trip on the ticket path.  Each session carries
 * a ktix block (SSL_SESSION_set1_ticket_appdata, <ktix/ticket_block.h>): a
 * random session handle and the time of the full handshake, both kept
 * across renewals, and the time the ticket was issued.  A ticket without
 * one, another server's under a shared key, is renewed with one.  A ticket
 * resumes within the ticket lifetime of its issue and within
 * session-max-age of the full handshake (RFC 8446 4.6.1: renewed at every
 * use, a session would otherwise never end).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "tls_priv.h"

int tls_ticket_key_cb(SSL *s, unsigned char name[16], unsigned char iv[16],
		      EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	struct hs_info *info = tls_info(s);
	struct mirror_key k;
	bool primary = true;
	int ret = -1;

	if (enc) {
		if (!mirror_primary(&k))
			return 0;	/* no key yet: no ticket */
		memcpy(name, k.name, 16);
		if (RAND_bytes(iv, 16) <= 0)
			goto out;
	} else if (!mirror_find(name, &k, &primary)) {
		if (info)
			info->miss = KTIX_RESUME_MISS_UNKNOWN_KEY;
		return 0;		/* a full handshake, and a new ticket */
	}
	{
		OSSL_PARAM p[] = {
			OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
			OSSL_PARAM_octet_string(OSSL_MAC_PARAM_KEY, k.hmac,
						k.hmac_len),
			OSSL_PARAM_END,
		};
		EVP_CIPHER *c = k.aes_len == 32 ? tls_aes256 : tls_aes128;

		if (!EVP_MAC_CTX_set_params(hctx, p) ||
		    !EVP_CipherInit_ex(cctx, c, NULL, k.aes, iv, enc))
			goto out;
	}
	ret = primary ? 1 : 2;		/* 2: renew under the primary */
out:
	OPENSSL_cleanse(&k, sizeof(k));
	return ret;
}

/*
 * Puts the ktix block in @sess: the connection's handle (a new one for a
 * full handshake), the time of the session's full handshake (now, for a
 * full one) and the time now.  1, or 0 on failure.
 */
int ticket_appdata_set(struct hs_info *info, SSL_SESSION *sess)
{
	struct ktix_ticket_block ad = { .version = KTIX_TICKET_BLOCK_VERSION };
	uint64_t now = (uint64_t)time(NULL);

	if (!info->has_handle) {
		if (RAND_bytes(info->handle, sizeof(info->handle)) <= 0)
			return 0;
		info->has_handle = true;
	}
	if (!info->established)
		info->established = now;
	memcpy(ad.handle, info->handle, sizeof(ad.handle));
	ktix_ticket_time_set(ad.issued, now);
	ktix_ticket_time_set(ad.established, info->established);
	return SSL_SESSION_set1_ticket_appdata(sess, &ad, sizeof(ad));
}

bool ticket_appdata_get(SSL_SESSION *sess, struct ktix_ticket_block *out)
{
	void *data;
	size_t len;

	return SSL_SESSION_get0_ticket_appdata(sess, &data, &len) &&
	       !ktix_ticket_block_read(data, len, out);
}

bool session_age_ok(SSL *s, struct hs_info *info, uint64_t established)
{
	struct ssl_data *d = SSL_get_ex_data(s, tls_ex_index);
	uint64_t now = (uint64_t)time(NULL);

	if (!d || now > established + d->set->max_age) {
		info->miss = KTIX_RESUME_MISS_EXPIRED;
		return false;
	}
	return true;
}

/*
 * Whether the handle of @ad may resume: not revoked, and checked against
 * a tls_current mirror.  Sets the miss; takes the handle for the result.
 */
bool session_handle_may_resume(struct hs_info *info,
			       const struct ktix_ticket_block *ad)
{
	switch (mirror_revoked(ad->handle)) {
	case REV_CLEAR:
		memcpy(info->handle, ad->handle, sizeof(info->handle));
		info->has_handle = true;
		return true;
	case REV_REVOKED:
		info->miss = KTIX_RESUME_MISS_REVOKED;
		return false;
	default:
		info->miss = KTIX_RESUME_MISS_REVOKE_STALE;
		return false;
	}
}

int ticket_gen_cb(SSL *s, void *arg)
{
	struct hs_info *info = tls_info(s);
	SSL_SESSION *sess = SSL_get0_session(s);

	(void)arg;
	if (!info || !sess)
		return 0;
	SSL_SESSION_set_timeout(sess, (long)mirror_ticket_timeout());
	return ticket_appdata_set(info, sess);
}

/* Whether @sess carries application data at all, ktixd's or not. */
static bool has_appdata(SSL_SESSION *sess)
{
	void *data;
	size_t len;

	return SSL_SESSION_get0_ticket_appdata(sess, &data, &len) && len;
}

/*
 * A ticket under a key of the ring with no application data at all:
 * nginx's or HAProxy's, sharing the key file while a fleet moves to ktix
 * (a block of another ktixd version is refused: its handle might be
 * revoked).  It resumes in the narrow context foreign_session_in_context()
 * allows, within the ticket lifetime from the session's creation; having
 * no handle to revoke, it is renewed at once with one (ticket_gen_cb()).
 */
static SSL_TICKET_RETURN foreign_ticket(SSL *s, SSL_SESSION *ss,
					struct hs_info *info)
{
	uint64_t made = (uint64_t)SSL_SESSION_get_time(ss);
	uint64_t now = (uint64_t)time(NULL);

	if (!foreign_session_in_context(s, ss))
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	if (made > now + CLOCK_SKEW) {
		info->miss = KTIX_RESUME_MISS_FUTURE;
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	}
	if (now > made + mirror_ticket_lifetime()) {
		info->miss = KTIX_RESUME_MISS_EXPIRED;
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	}
	if (!session_age_ok(s, info, made))
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	info->established = made;
	info->ticket_used = true;
	info->miss = KTIX_RESUME_MISS_NONE;
	return SSL_TICKET_RETURN_USE_RENEW;
}

SSL_TICKET_RETURN tls_ticket_dec_cb(SSL *s, SSL_SESSION *ss,
				    const unsigned char *keyname,
				    size_t keyname_len,
				    SSL_TICKET_STATUS status, void *arg)
{
	struct hs_info *info = tls_info(s);
	struct ktix_ticket_block ad;
	uint64_t issued, now;

	(void)keyname; (void)keyname_len; (void)arg;
	if (!info)
		return SSL_TICKET_RETURN_ABORT;
	switch (status) {
	case SSL_TICKET_EMPTY:
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	case SSL_TICKET_NO_DECRYPT:
		if (info->miss == KTIX_RESUME_MISS_NONE)
			info->miss = KTIX_RESUME_MISS_BAD_TICKET;
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	case SSL_TICKET_SUCCESS:
	case SSL_TICKET_SUCCESS_RENEW:
		break;
	default:
		return SSL_TICKET_RETURN_ABORT;
	}
	if (!ticket_appdata_get(ss, &ad)) {
		if (!has_appdata(ss))
			return foreign_ticket(s, ss, info);
		/* A block ktixd cannot read (another version's): no handle. */
		info->miss = KTIX_RESUME_MISS_BAD_TICKET;
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	}
	if (!session_in_context(s, ss))
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	/* The lifetime is the policy's now: shortening it ends older tickets. */
	issued = ktix_ticket_time(ad.issued);
	now = (uint64_t)time(NULL);
	if (issued > now + CLOCK_SKEW) {
		/* Else it would outlive the ticket lifetime. */
		info->miss = KTIX_RESUME_MISS_FUTURE;
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	}
	if (now > issued + mirror_ticket_lifetime()) {
		info->miss = KTIX_RESUME_MISS_EXPIRED;
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	}
	if (!session_age_ok(s, info, ktix_ticket_time(ad.established)) ||
	    !session_handle_may_resume(info, &ad))
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	info->established = ktix_ticket_time(ad.established);
	info->ticket_used = true;
	info->miss = KTIX_RESUME_MISS_NONE;
	/*
	 * TLS 1.3: new tickets after every resumption, whatever key the
	 * ticket was under: clients that use each ticket once (RFC 8446
	 * appendix C.4) would otherwise resume only every second time.
	 */
	if (status == SSL_TICKET_SUCCESS &&
	    SSL_SESSION_get_protocol_version(ss) != TLS1_3_VERSION)
		return SSL_TICKET_RETURN_USE;
	return SSL_TICKET_RETURN_USE_RENEW;
}
