#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libktix as a user gets it from 'make install-lib': the header, the
# shared library with its soname and versioned symbols (ktix.h's
# functions, nothing private), ktix.pc, and a program outside the tree
# built through pkg-config against that copy (make selftests builds it in
# build/pkgtest; ktix_e2e runs it against ktixd).
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh

T=$(realpath "${KTIX_B:-build}")/pkgtest
ROOT=$T/root
LIB=$ROOT/usr/local/lib
SO=$LIB/libktix.so.1.0.0

ktap_plan 6

installed() {
	local f rc=0
	for f in usr/local/include/ktix.h usr/local/lib/libktix.a \
		 usr/local/lib/libktix.so.1.0.0 usr/local/lib/libktix.so.1 \
		 usr/local/lib/libktix.so usr/local/lib/pkgconfig/ktix.pc; do
		[ -e "$ROOT/$f" ] || { echo "missing: $f (run make selftests)"; rc=1; }
	done
	[ "$(readlink "$LIB/libktix.so")" = libktix.so.1 ] &&
		[ "$(readlink "$LIB/libktix.so.1")" = libktix.so.1.0.0 ] ||
		{ echo "the symlinks are not libktix.so -> libktix.so.1 -> libktix.so.1.0.0"; rc=1; }
	return $rc
}
ktap_test "install-lib installs the header, both libraries, the links and ktix.pc" installed

soname() {
	readelf -d "$SO" | grep -F '(SONAME)' | grep -qF '[libktix.so.1]' ||
		{ readelf -d "$SO" | grep SONAME; return 1; }
}
ktap_test "the soname is libktix.so.1" soname

# The functions ktix.h declares, against what the library exports.
exported() {
	local want got
	want=$(grep -oE '^[a-z][a-z_ 0-9*]*[ *](ktix_[a-z0-9_]+)\(' userspace/libktix/ktix.h |
		grep -oE 'ktix_[a-z0-9_]+\(' | tr -d '(' | sort | xargs)
	got=$(nm -D --defined-only "$SO" | awk '$2 == "T" { print $3 }' | sort | xargs)
	echo "ktix.h: $(wc -w <<< "$want") functions"
	# Each at a version of libktix.map: KTIX_1, or a later KTIX_1.N.
	[ "$(sed -E 's/@@KTIX_1(\.[0-9]+)?( |$)/\2/g' <<< "$got")" = "$want" ] && return 0
	echo "exported: $got"
	echo "ktix.h:   $want"
	return 1
}
ktap_test "it exports ktix.h's functions, each at a version KTIX_1[.N], nothing else" exported

pkgconfig() {
	local out
	export PKG_CONFIG_SYSROOT_DIR=$ROOT PKG_CONFIG_LIBDIR=$LIB/pkgconfig
	out=$(pkg-config --modversion ktix && pkg-config --cflags --libs ktix) || return 1
	echo "$out"
	grep -qx "$(cat VERSION)" <<< "$out" &&
		grep -q -- "-I$ROOT/usr/local/include" <<< "$out" &&
		grep -q -- "-L$LIB -lktix" <<< "$out"
}
ktap_test "pkg-config --cflags --libs ktix names the installed copy" pkgconfig

linked() {
	LD_LIBRARY_PATH=$LIB ldd "$T/ktix_hello" | grep -F "libktix.so.1 => $LIB/libktix.so.1" ||
		{ LD_LIBRARY_PATH=$LIB ldd "$T/ktix_hello"; return 1; }
	# What the program needs from libktix, all at KTIX_1.
	! objdump -T "$T/ktix_hello" | grep ' ktix_' | grep -v KTIX_1
}
ktap_test "the program outside the tree links libktix.so.1 at version KTIX_1" linked

runs() {
	local out rc
	out=$(LD_LIBRARY_PATH=$LIB "$T/ktix_hello" 8999 /nonexistent/ktixd.sock)
	rc=$?
	echo "$out"
	[ "$rc" = 2 ] && [ "$out" = "no ktixd: No such file or directory" ]
}
ktap_test "it runs, and without ktixd says so" runs
ktap_finish
