#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# style: static checks of the tree.  Native, no VM.
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh
B=${KTIX_BUILD:-build}

ktap_plan 12

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
		 userspace/ktix-serve/*.c userspace/ktix-proxy/*.c bench/*.c; do
		out=$(cc -std=gnu11 -fanalyzer -Wall -Wextra -D_GNU_SOURCE -Iinclude/uapi -Iinclude \
			-DKTIX_TOOL_VERSION=\"0\" -Iuserspace/libktix -Iuserspace/libktix-nl \
			-Iuserspace/libktix-tls -Iuserspace/common -Iuserspace/ktixd $(pkg-config --cflags libnl-genl-3.0) \
			-c "$f" -o /dev/null 2>&1)
		[ -z "$out" ] || { echo "$out"; rc=1; }
	done
	return $rc
}
ktap_test "gcc -fanalyzer: userspace has no findings" analyzer

# Each program links only the libraries it uses: ktix-serve and
# ktix-proxy are on libktix alone, with no netlink and no OpenSSL in them.
serve_links_little() {
	local libs p
	for p in ktix-serve ktix-proxy; do
		libs=$(ldd "build/bin/$p") || return 1
		echo "$p: $(xargs <<< "$libs")"
		! grep -Eq 'libnl|libssl|libcrypto' <<< "$libs" &&
			! nm "build/bin/$p" | grep -Eq ' [TU] (ktix_nl_|ktix_tls_)' || return 1
	done
}
ktap_test "ktix-serve and ktix-proxy link neither libnl nor OpenSSL" serve_links_little

# include/ktix/tables.h is the one place of the ABI's facts; what is not
# produced from it is checked against it here.
abi_tables() {
	cc -std=gnu11 -Wall -Wextra -Werror -Iinclude/uapi -Iinclude -fsyntax-only \
		selftests/abi_tables.c
}
ktap_test "every enum value of the uapi header has its name in ktix/tables.h" abi_tables

# ktixctl's help prints each field's range and default from the table;
# ktix.rst's policy table and ktixctl.8 must say the same.
policy_docs() {
	local help name lo hi def rc=0 para
	help=$(build/bin/ktixctl help policy) || return 1
	while read -r name lo hi def; do
		grep -Eq "^$name +$def +$lo to $hi( |\$)" Documentation/ktix.rst ||
			{ echo "ktix.rst: no row '$name $def $lo to $hi'"; rc=1; }
		para=$(awk -v n="$name" '$1 == ".BI" && $2 == n { p = 1; next }
			p && /^\.(TP|RE)/ { exit } p' man/ktixctl.8 | tr '\n' ' ')
		[[ $para == *"$lo to $hi"* && $para == *"default $def"* ]] ||
			{ echo "ktixctl.8: $name does not say '$lo to $hi' and 'default $def'"; rc=1; }
	done < <(awk '/^  [a-z-]+ / { n = $1 } /^ +\(.* to .*; default .*\)$/ {
			gsub(/[();]/, ""); print n, $1, $3, $5 }' <<< "$help")
	[ "$(grep -c '^ *(.* to .*; default' <<< "$help")" = \
	  "$(grep -c '^KTIX_POLICY(' include/ktix/tables.h)" ] ||
		{ echo "ktixctl help policy does not show every field"; rc=1; }
	return $rc
}
ktap_test "ktix.rst and ktixctl.8 give each policy field the module's range and default" policy_docs

# Every counter of the table has its row in ktix.rst's counters table.
counter_docs() {
	local name rc=0 n=0
	for name in $(grep -Eo '^KTIX_(GAUGE|COUNTER)\([A-Z0-9_]+, "[A-Za-z0-9]+"' \
			include/ktix/tables.h | grep -o '"[A-Za-z0-9]*"' | tr -d '"'); do
		n=$((n + 1))
		grep -q "^\`\`$name\`\` " Documentation/ktix.rst ||
			{ echo "ktix.rst: counter $name has no row"; rc=1; }
	done
	echo "$n counters"
	[ "$n" -ge 40 ] && return $rc
}
ktap_test "ktix.rst documents every counter the module has" counter_docs

# Every function a kmod file exports has its kernel-doc, which the
# kernel's own script reads without a warning.
kernel_doc() {
	local kd=build/ksrc/scripts/kernel-doc out missing
	[ -f "$kd" ] || { echo "$kd: run make selftests first"; return 1; }
	out=$(perl "$kd" -none kmod/*.c kmod/*.h 2>&1)
	[ -z "$out" ] || { echo "$out"; return 1; }
	missing=$(awk 'FNR == 1 { doc = 0 }
		/^\/\*\*/ { doc = 1 }
		/^[a-z].*\(/ && !/^static/ && !/^(module_|MODULE_)/ {
			if (!doc) print FILENAME ": " $0
		}
		/^}/ { doc = 0 }' kmod/*.c)
	[ -z "$missing" ] || { echo "no kernel-doc:"; echo "$missing"; return 1; }
	echo "$(grep -c '^/\*\*' kmod/*.c | awk -F: '{ n += $2 } END { print n }') kernel-doc blocks"
	# libktix's installed header: each function declared after its doc.
	out=$(perl "$kd" -none userspace/libktix/ktix.h 2>&1)
	[ -z "$out" ] || { echo "$out"; return 1; }
	missing=$(awk '/^\/\*\*/ { doc = 1 }
		/^[a-z].*\(/ && !/^#/ { if (!doc) print; doc = 0 }' userspace/libktix/ktix.h)
	[ -z "$missing" ] || { echo "ktix.h, no kernel-doc:"; echo "$missing"; return 1; }
}
ktap_test "every function kmod exports and ktix.h declares has kernel-doc, read cleanly" kernel_doc

# Documentation/ is reStructuredText that docutils reads without a warning
# (a table whose text overflows a column is an error there).
rst_docs() {
	/usr/bin/python3 - Documentation/*.rst <<'PYEOF'
import io, sys
import docutils.core
bad = 0
for f in sys.argv[1:]:
    err = io.StringIO()
    with open(f) as src:
        docutils.core.publish_doctree(src.read(), source_path=f,
            settings_overrides={"warning_stream": err, "report_level": 2})
    if err.getvalue():
        print(err.getvalue())
        bad = 1
print(len(sys.argv) - 1, "pages")
sys.exit(bad)
PYEOF
}
ktap_test "every page of Documentation/ parses cleanly (docutils)" rst_docs

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
	# As make install writes them; no warning at all, and sandboxed.
	local d out score u rc=0
	d=$(mktemp -d)
	for u in ktixd ktix-fleetd; do
		sed "s|@SBINDIR@|$PWD/$B/bin|" "etc/$u.service.in" > "$d/$u.service"
		out=$(systemd-analyze verify --man=no "$d/$u.service" 2>&1) || { echo "$out"; rc=1; continue; }
		[ -z "$out" ] || { echo "$u: $out"; rc=1; continue; }
		score=$(systemd-analyze security --offline=yes "$d/$u.service" 2>&1 |
			sed -n "s/.*Overall exposure level for $u.service: \([0-9.]*\).*/\1/p")
		echo "$u: systemd-analyze security: exposure $score"
		awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }' || rc=1
	done
	rm -rf "$d"
	return $rc
}
ktap_test "the systemd units verify cleanly and their exposure is 2.0 or less" systemd_unit

ktap_finish
