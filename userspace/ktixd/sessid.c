// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: TLS 1.2 session IDs, in the kernel's cache: the DER of a
 * session, with its ktix block, put and got through libktix-nl.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ktix_nl.h"
#include "tls_priv.h"

int sessid_new_cb(SSL *s, SSL_SESSION *sess)
{
	unsigned int id_len;
	const unsigned char *id = SSL_SESSION_get_id(sess, &id_len);
	struct ktix_nl *nl = tls_thread_nl();
	struct hs_info *info = tls_info(s);
	struct ktix_ticket_block ad;
	unsigned char *der = NULL;
	int len, err;

	/* TLS 1.3 sessions travel in their tickets. */
	if (!nl || !info || !id_len || SSL_version(s) != TLS1_2_VERSION)
		return 0;
	/* Its handle, the ticket's if one was issued: one session, one. */
	if (!ticket_appdata_get(sess, &ad) && !ticket_appdata_set(info, sess))
		return 0;
	len = i2d_SSL_SESSION(sess, &der);
	if (len <= 0)
		return 0;
	err = ktix_nl_sess_put(nl, id, id_len, der, (size_t)len, 0);
	if (err)
		log_msg(LOG_WARNING, "session cache: put: %s%s%s",
			strerror(-err), *ktix_nl_errmsg(nl) ? ": " : "",
			ktix_nl_errmsg(nl));
	OPENSSL_clear_free(der, (size_t)len);
	return 0;		/* we kept no reference */
}

SSL_SESSION *sessid_get_cb(SSL *s, const unsigned char *id, int id_len,
			   int *copy)
{
	struct hs_info *info = tls_info(s);
	struct ktix_nl *nl = tls_thread_nl();
	struct ktix_sess_info si = { 0 };
	struct ktix_ticket_block ad;
	const unsigned char *p;
	SSL_SESSION *sess = NULL;
	int err;

	*copy = 0;
	if (!nl || id_len <= 0)
		return NULL;
	err = ktix_nl_sess_get(nl, id, (size_t)id_len, &si);
	if (err) {
		if (err != -ENOENT)
			log_msg(LOG_WARNING, "session cache: get: %s",
				strerror(-err));
		if (info)
			info->miss = KTIX_RESUME_MISS_CACHE_MISS;
		return NULL;
	}
	p = si.data;
	sess = d2i_SSL_SESSION(NULL, &p, si.size);
	ktix_sess_info_free(&si);
	if (!sess) {
		if (info)
			info->miss = KTIX_RESUME_MISS_CACHE_MISS;
		return NULL;
	}
	if (!session_in_context(s, sess)) {
		SSL_SESSION_free(sess);
		return NULL;
	}
	if (!ticket_appdata_get(sess, &ad)) {
		/* Not one of ours (no handle to check): not resumed. */
		if (info)
			info->miss = KTIX_RESUME_MISS_CACHE_MISS;
		SSL_SESSION_free(sess);
		return NULL;
	}
	if (!info ||
	    !session_age_ok(s, info, ktix_ticket_time(ad.established)) ||
	    !session_handle_may_resume(info, &ad)) {
		SSL_SESSION_free(sess);
		return NULL;
	}
	info->established = ktix_ticket_time(ad.established);
	return sess;
}

void sessid_remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
	unsigned int id_len;
	const unsigned char *id = SSL_SESSION_get_id(sess, &id_len);
	struct ktix_nl *nl = tls_thread_nl();

	(void)ctx;
	if (nl && id_len)
		ktix_nl_sess_del(nl, id, id_len);
}
