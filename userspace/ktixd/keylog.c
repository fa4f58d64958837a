// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: the key log, for Wireshark and tshark.
 *
 * Off unless the operator names a file (keylog-file in ktixd.conf, or the
 * environment's SSLKEYLOGFILE as browsers and curl read it).  Then every
 * handshake's secrets go to it, one NSS key log line each, as OpenSSL's
 * key log callback gives them: CLIENT_RANDOM for TLS 1.2, the handshake
 * and traffic secrets for TLS 1.3, full or resumed.  Whoever reads the
 * file decrypts every connection ktixd made while it was on: ktixd says
 * so loudly, creates it 0600 and refuses one that others can read or
 * that is a symbolic link.  Each line is one write() to a file opened
 * O_APPEND, so the workers' lines never interleave.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "ktixd.h"
#include "ktix_tls.h"

/* The longest line: a label, 64 hex digits of random, 96 of secret. */
#define KEYLOG_LINE_MAX	256

static int keylog_fd = -1;
static atomic_bool keylog_failed;

static void keylog_line(const SSL *ssl, const char *line)
{
	char buf[KEYLOG_LINE_MAX];
	size_t n = strlen(line);
	ssize_t w;

	(void)ssl;
	if (n + 1 > sizeof(buf))
		return;
	memcpy(buf, line, n);
	buf[n++] = '\n';
	w = write(keylog_fd, buf, n);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (w != (ssize_t)n && !atomic_exchange(&keylog_failed, true))
		log_msg(LOG_ERR, "key log: a line could not be written (%s); later failures are not logged",
			w < 0 ? strerror(errno) : "short write");
}

int keylog_open(const struct ktixd_config *c)
{
	const char *path = c->keylog_file, *from = "keylog-file";
	struct stat st;
	int fd, err;

	if (!path || !*path) {
		path = getenv("SSLKEYLOGFILE");
		from = "SSLKEYLOGFILE";
	}
	if (!path || !*path)
		return 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
		  O_NOCTTY, 0600);
	if (fd < 0) {
		err = -errno;
		log_msg(LOG_ERR, "%s %s: %s%s", from, path, strerror(-err),
			err == -ELOOP ? " (a symbolic link: name the file itself)" : "");
		return err;
	}
	if (fstat(fd, &st) || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) {
		log_msg(LOG_ERR, "%s %s: neither a regular file nor a pipe", from, path);
		close(fd);
		return -EINVAL;
	}
	if (S_ISREG(st.st_mode) && (st.st_mode & 0077)) {
		log_msg(LOG_ERR, "%s %s: others than its owner may open it (mode %04o); chmod 600 it",
			from, path, (unsigned int)(st.st_mode & 07777));
		close(fd);
		return -EPERM;
	}
	keylog_close();
	keylog_fd = fd;
	atomic_store(&keylog_failed, false);
	ktix_tls_set_keylog(keylog_line);
	log_msg(LOG_WARNING, "%s: writing the TLS secrets of every handshake to %s; whoever reads it can decrypt those connections. For debugging only.",
		from, path);
	return 0;
}

void keylog_close(void)
{
	ktix_tls_set_keylog(NULL);
	if (keylog_fd >= 0)
		close(keylog_fd);
	keylog_fd = -1;
}
