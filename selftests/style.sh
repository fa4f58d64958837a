#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# style: static checks of the tree.  Native, no VM.
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh
B=${KTIX_BUILD:-build}

ktap_plan 7

ktap_test "checkpatch --strict: kmod/ and the uapi header are clean" make -s --no-print-directory checkpatch

uapi_self_contained() {
	# Only <linux/types.h>, and it compiles alone for userspace.
	local inc
	inc=$(grep -h '^#include' include/uapi/linux/ktix.h)
	[ "$inc" = "#include <linux/types.h>" ] || { echo "includes: $inc"; return 1; }
	echo '#include <linux/ktix.h>
int main(void) { return KTIX_A_MAX + KTIX_POLICY_A_MAX + KTIX_CMD_MAX > 0 ? 0 : 1; }' |
		cc -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude/uapi -x c - -o /dev/null
}
ktap_test "the uapi header is self-contained" uapi_self_contained

analyzer() {
	local f rc=0 out
	for f in userspace/libktix*/*.c userspace/common/*.c userspace/ktixctl/*.c userspace/ktixd/*.c \
		 userspace/ktix-serve/*.c bench/*.c; do
		out=$(cc -std=gnu11 -fanalyzer -Wall -Wextra -D_GNU_SOURCE -Iinclude/uapi \
			-DKTIX_TOOL_VERSION=\"0\" -Iuserspace/libktix -Iuserspace/libktix-nl \
			-Iuserspace/libktix-tls -Iuserspace/common -Iuserspace/ktixd $(pkg-config --cflags libnl-genl-3.0) \
			-c "$f" -o /dev/null 2>&1)
		[ -z "$out" ] || { echo "$out"; rc=1; }
	done
	return $rc
}
ktap_test "gcc -fanalyzer: userspace has no findings" analyzer

# Each program links only the libraries it uses: ktix-serve is a server
# on libktix alone, with no netlink and no OpenSSL in it.
serve_links_little() {
	local libs
	libs=$(ldd build/bin/ktix-serve) || return 1
	echo "$libs"
	! grep -Eq 'libnl|libssl|libcrypto' <<< "$libs" &&
		! nm build/bin/ktix-serve | grep -Eq ' [TU] (ktix_nl_|ktix_tls_)'
}
ktap_test "ktix-serve links neither libnl nor OpenSSL" serve_links_little

module_info() {
	modinfo kmod/ktix.ko | grep -E '^(version|alias|license|vermagic):'
	modinfo -F alias kmod/ktix.ko | grep -qx 'net-pf-16-proto-16-family-ktix' &&
		[ "$(modinfo -F version kmod/ktix.ko)" = "$(cat VERSION)" ] &&
		[ "$(modinfo -F license kmod/ktix.ko)" = GPL ]
}
ktap_test "ktix.ko carries its version, licence and genl family alias" module_info

man_pages() {
	local m out rc=0
	for m in man/*.[1-8]; do
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
		[ -z "$out" ] || { echo "$m: $out"; rc=1; }
	done
	return $rc
}
ktap_test "man pages render without warnings" man_pages

systemd_unit() {
	# As make install writes it; no warning at all, and sandboxed.
	local d out score
	d=$(mktemp -d)
	sed "s|@SBINDIR@|$PWD/$B/bin|" etc/ktixd.service.in > "$d/ktixd.service"
	out=$(systemd-analyze verify --man=no "$d/ktixd.service" 2>&1) || { echo "$out"; return 1; }
	[ -z "$out" ] || { echo "$out"; return 1; }
	score=$(systemd-analyze security --offline=yes "$d/ktixd.service" 2>&1 |
		sed -n 's/.*Overall exposure level for ktixd.service: \([0-9.]*\).*/\1/p')
	rm -rf "$d"
	echo "systemd-analyze security: exposure $score"
	awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }'
}
ktap_test "the systemd unit verifies cleanly and its exposure is 2.0 or less" systemd_unit

ktap_finish
