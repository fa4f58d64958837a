// SPDX-License-Identifier: GPL-2.0
/*
 * abi_tables: <ktix/tables.h> against the uapi header, at compile time
 * (the style suite compiles it; there is nothing to run).  Every value of
 * each enum named there has its one line, and nothing more: a value added
 * to the uapi without its name, or a name left behind, fails the build of
 * this file.  The module checks the policy and the counters the same way
 * when it is built (BUILD_BUG_ON in kmod/netlink.c and kmod/stats.c).
 */
#include <linux/ktix.h>

#define KTIX_KEY_STATE_NAME(v, n)	KEY_STATE_##v,
enum { KEY_STATE_UNSPEC,
#include <ktix/tables.h>
	KEY_STATE_N };
_Static_assert((int)KEY_STATE_N == (int)__KTIX_KEY_STATE_LAST, "key states");

#define KTIX_RING_EV_NAME(v, n)	RING_EV_##v,
enum { RING_EV_UNSPEC,
#include <ktix/tables.h>
	RING_EV_N };
_Static_assert((int)RING_EV_N == (int)__KTIX_RING_EV_LAST, "ring events");

#define KTIX_REVOKE_EV_NAME(v, n)	REVOKE_EV_##v,
enum { REVOKE_EV_UNSPEC,
#include <ktix/tables.h>
	REVOKE_EV_N };
_Static_assert((int)REVOKE_EV_N == (int)__KTIX_REVOKE_EV_LAST, "revoke events");

#define KTIX_OFFLOAD_KIND_NAME(v, n)	OFFLOAD_KIND_##v,
enum { OFFLOAD_KIND_UNSPEC,
#include <ktix/tables.h>
	OFFLOAD_KIND_N };
_Static_assert((int)OFFLOAD_KIND_N == (int)__KTIX_OFFLOAD_KIND_LAST, "offload kinds");

#define KTIX_RESUME_MISS_NAME(v, n)	RESUME_MISS_##v,
enum { RESUME_MISS_NONE,
#include <ktix/tables.h>
	RESUME_MISS_N };
_Static_assert((int)RESUME_MISS_N == (int)__KTIX_RESUME_MISS_LAST, "resume misses");

/* Each name's line is its value's: the order is the enum's. */
#define KTIX_KEY_STATE_NAME(v, n)	\
	_Static_assert((int)KTIX_KEY_STATE_##v == (int)KEY_STATE_##v, #v);
#define KTIX_RING_EV_NAME(v, n)		\
	_Static_assert((int)KTIX_RING_EV_##v == (int)RING_EV_##v, #v);
#define KTIX_REVOKE_EV_NAME(v, n)	\
	_Static_assert((int)KTIX_REVOKE_EV_##v == (int)REVOKE_EV_##v, #v);
#define KTIX_OFFLOAD_KIND_NAME(v, n)	\
	_Static_assert((int)KTIX_OFFLOAD_KIND_##v == (int)OFFLOAD_KIND_##v, #v);
#define KTIX_RESUME_MISS_NAME(v, n)	\
	_Static_assert((int)KTIX_RESUME_MISS_##v == (int)RESUME_MISS_##v, #v);
#include <ktix/tables.h>

/* Feature bits: the n-th line is bit n, and every bit has a line. */
#define KTIX_FEATURE_NAME(v, n)	FEATURE_##v,
enum {
#include <ktix/tables.h>
	FEATURE_N };
#define KTIX_FEATURE_NAME(v, n)	\
	_Static_assert(KTIX_F_##v == 1 << FEATURE_##v, #v);
#include <ktix/tables.h>
#define KTIX_FEATURE_NAME(v, n)	| KTIX_F_##v
_Static_assert((0
#include <ktix/tables.h>
		) == (1 << FEATURE_N) - 1, "feature bits without a name");
