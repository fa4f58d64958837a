// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: keeping secrets out of core dumps, swap and other processes.
 *
 * OpenSSL's secure heap is one mapping, locked in memory (mlock) and
 * marked MADV_DONTDUMP, with guard pages; the mirrored ticket keys are
 * allocated there, and so are the private parts of the certificates' keys
 * that OpenSSL keeps in BIGNUMs.  And ktixd makes itself non-dumpable: no
 * core dump, and no ptrace or /proc/PID/mem by another process of the
 * same user.  core-dumps = yes (for debugging) keeps the process dumpable;
 * the secure heap is still left out.  What the heap cannot cover (libnl's
 * receive buffers, OpenSSL's handshake state) is out of any dump only
 * while ktixd is non-dumpable.
 */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <syslog.h>

#include <openssl/crypto.h>

#include "ktixd.h"

/*
 * A power of two.  The ring's keys need little, but OpenSSL also takes
 * the ephemeral keys of handshakes in flight from it (BN_secure_new) and
 * fails an allocation when it is full: 1 MiB holds thousands.
 */
#define SECURE_HEAP_SIZE	(1 << 20)
#define SECURE_HEAP_MIN		16

int secret_mem_init(bool core_dumps)
{
	int r;

	if (!core_dumps && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		r = -errno;
		log_msg(LOG_ERR, "prctl(PR_SET_DUMPABLE): %s", strerror(-r));
		return r;
	}
	if (core_dumps)
		log_msg(LOG_WARNING,
			"core-dumps = yes: a core dump may hold session keys");
	r = CRYPTO_secure_malloc_init(SECURE_HEAP_SIZE, SECURE_HEAP_MIN);
	if (r == 0)
		log_msg(LOG_WARNING,
			"no secure heap: ticket keys are in ordinary memory");
	else if (r == 2)
		log_msg(LOG_WARNING,
			"the secure heap could not be locked in memory (RLIMIT_MEMLOCK): ticket keys may reach swap");
	return 0;
}

void secret_mem_done(void)
{
	CRYPTO_secure_malloc_done();
}
