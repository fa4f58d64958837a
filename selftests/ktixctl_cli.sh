#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktixctl_cli: the command line of ktixctl where no module is needed: help,
# argument errors, and the message when the ktix module is not loaded.
# Native: the host has no ktix module, which is exactly the case tested.
# KTIX_BIN names the directory of the ktixctl to test (default build/bin).
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh
CTL=${KTIX_BIN:-build/bin}/ktixctl

# run WANT_STATUS PATTERN CMD...: CMD exits WANT_STATUS and its output
# (stdout and stderr) matches the extended regex PATTERN.
run() {
	local want=$1 pat=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	echo "$ $*"
	echo "$out"
	[ "$rc" = "$want" ] || { echo "exit status $rc, expected $want"; return 1; }
	grep -qE -- "$pat" <<< "$out" || { echo "output does not match /$pat/"; return 1; }
}

if ! grep -qw ktix /proc/modules 2>/dev/null && [ -r /proc/net/netlink ]; then
	loaded=0
else
	loaded=1
fi

ktap_plan 14

lists_commands() {
	local out c
	out=$("$@") || return 1
	for c in version policy key session revoke stats ticket monitor help; do
		grep -q "^  $c " <<< "$out" || { echo "'$c' missing from: $*"; return 1; }
	done
}
ktap_test "--help lists every command" lists_commands "$CTL" --help
ktap_test "help lists every command" lists_commands "$CTL" help
ktap_test "help version" run 0 'Usage: ktixctl \[-j\] version' "$CTL" help version
ktap_test "help policy names every field" bash -c "'$CTL' help policy | grep -c -E '^  (rotate-interval|retention|ticket-lifetime|max-keys|cache-entries|cache-bytes|session-lifetime|session-max-size|revoke-bytes) ' | grep -qx 9"
ktap_test "key: help, and a bad name refused before asking the kernel" bash -c "
	set -e
	'$CTL' help key | grep -q 'Usage: ktixctl \[-j\] key \[list\]'
	out=\$('$CTL' key del 00zz 2>&1) && exit 1; grep -q \"'00zz' is not a key name\" <<< \"\$out\"
	out=\$('$CTL' key del 2>&1) && exit 1; grep -q 'takes one NAME' <<< \"\$out\"
	out=\$('$CTL' key frob 2>&1) && exit 1; grep -q \"unknown argument 'frob'\" <<< \"\$out\""
key_files() {
	local d out f
	d=$(mktemp -d) || return 1
	printf 'not base64 at all\n' > "$d/text"
	head -c 50 /dev/zero | tr '\0' '\001' > "$d/binary"
	printf '%s\n%s\n' "$(head -c 48 /dev/urandom | base64 -w0)" "$(head -c 80 /dev/urandom | base64 -w0)" > "$d/mixed"
	printf '%s\n%s\n' "$(head -c 80 /dev/urandom | base64 -w0)" "$(head -c 79 /dev/urandom | base64 -w0)" > "$d/short"
	: > "$d/empty"
	head -c 70000 /dev/zero | tr '\0' 'A' > "$d/huge"
	# 80 bytes of text: HAProxy's, not an nginx key that happens to fit.
	head -c 80 /dev/zero | tr '\0' 'A' > "$d/text80"
	k=$(head -c 80 /dev/urandom | base64 -w0)
	printf '%s\n%s\n' "$k" "$k" > "$d/twice"
	for f in text:'line 1: not the base64 of a 48- or 80-byte key' \
		 binary:'neither an nginx key file (48 or 80 bytes; this has 50)' \
		 mixed:'line 2: keys of 48 and 80 bytes are mixed' \
		 short:'line 2: not the base64' \
		 empty:'no key' huge:'too large for a key file' \
		 text80:'line 1: not the base64' \
		 none:'No such file or directory'; do
		out=$("$CTL" key import "$d/${f%%:*}" 2>&1) && { echo "${f%%:*} accepted"; rm -rf "$d"; return 1; }
		echo "$out"
		grep -qF "key import: $d/${f%%:*}: ${f#*:}" <<< "$out" || { rm -rf "$d"; return 1; }
	done
	out=$("$CTL" key import "$d/twice" 2>&1)
	echo "$out"
	rm -rf "$d"
	# Sound files get as far as asking the module, absent here.
	grep -q 'not loaded\|have the same name' <<< "$out"
}
ktap_test "key import: bad key files refused with the line and reason, before the module" key_files
ktap_test "key add/export: bad options refused" bash -c "
	set -e
	out=\$('$CTL' key add --state foo 2>&1) && exit 1; grep -q \"state is next, primary or retiring, not 'foo'\" <<< \"\$out\"
	out=\$('$CTL' key add --aes-bits 192 2>&1) && exit 1; grep -q 'aes-bits is 128 or 256' <<< \"\$out\"
	out=\$('$CTL' key list --state next 2>&1) && exit 1; grep -q \"unexpected option '--state'\" <<< \"\$out\"
	out=\$('$CTL' key export /tmp/x 2>&1) && exit 1; grep -q 'format nginx or --format haproxy is needed' <<< \"\$out\"
	out=\$('$CTL' key export /tmp/x --format pem 2>&1) && exit 1; grep -q \"(not 'pem')\" <<< \"\$out\"
	out=\$('$CTL' key export /tmp/x --format haproxy --name 00112233445566778899aabbccddeeff 2>&1) && exit 1; grep -q 'a HAProxy file holds the ring' <<< \"\$out\"
	out=\$('$CTL' key import 2>&1) && exit 1; grep -q 'takes one FILE' <<< \"\$out\""
ktap_test "session, revoke, stats: bad arguments refused before asking the kernel" bash -c "
	set -e
	out=\$('$CTL' session del 0 2>&1) && exit 1; grep -q \"'0' is not a session ID\" <<< \"\$out\"
	out=\$('$CTL' session del 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00 2>&1) && exit 1; grep -q 'not a session ID' <<< \"\$out\"
	out=\$('$CTL' session frob 2>&1) && exit 1; grep -q \"unknown argument 'frob'\" <<< \"\$out\"
	out=\$('$CTL' revoke 2>&1) && exit 1; grep -q 'Usage: ktixctl revoke HANDLE' <<< \"\$out\"
	out=\$('$CTL' revoke 0011 2>&1) && exit 1; grep -q \"'0011' is not a session handle\" <<< \"\$out\"
	out=\$('$CTL' revoke 00112233445566778899aabbccddeeff --until tomorrow 2>&1) && exit 1; grep -q \"until 'tomorrow' is not a time\" <<< \"\$out\"
	out=\$('$CTL' revoke list extra 2>&1) && exit 1; grep -q 'takes no arguments' <<< \"\$out\"
	out=\$('$CTL' stats extra 2>&1) && exit 1; grep -q \"unknown argument 'extra'\" <<< \"\$out\"
	out=\$('$CTL' stats --format xml 2>&1) && exit 1; grep -q \"text or prometheus, not 'xml'\" <<< \"\$out\"
	out=\$('$CTL' stats --format 2>&1) && exit 1; grep -q 'text or prometheus' <<< \"\$out\"
	out=\$('$CTL' -j stats --format prometheus 2>&1) && exit 1; grep -q 'pick one' <<< \"\$out\"
	'$CTL' help session | grep -q 'Usage: ktixctl \[-j\] session \[list\]'
	'$CTL' help revoke | grep -q 'Usage: ktixctl revoke HANDLE'
	'$CTL' help stats | grep -q 'Usage: ktixctl \[-j\] stats'"
ktap_test "an unknown command is refused" run 1 "unknown command 'frobnicate'" "$CTL" frobnicate
ktap_test "an unknown option is refused" run 1 'Usage' "$CTL" --frobnicate
ktap_test "version takes no arguments" run 1 'takes no arguments' "$CTL" version extra
ktap_test "policy set refuses bad input before asking the kernel" bash -c "
	set -e
	out=\$('$CTL' policy set retention 5x 2>&1) && exit 1; grep -q \"retention: '5x' is not a valid duration\" <<< \"\$out\"
	out=\$('$CTL' policy set max-keys 99999999999 2>&1) && exit 1; grep -q 'not a valid number' <<< \"\$out\"
	out=\$('$CTL' policy set frob 1 2>&1) && exit 1; grep -q \"unknown name 'frob'\" <<< \"\$out\"
	out=\$('$CTL' policy set max-keys 3 max-keys 4 2>&1) && exit 1; grep -q 'given twice' <<< \"\$out\"
	out=\$('$CTL' policy set max-keys 2>&1) && exit 1; grep -q 'NAME VALUE pairs' <<< \"\$out\"
	out=\$('$CTL' policy set retention manual 2>&1) && exit 1; grep -q 'not a valid duration' <<< \"\$out\""
if [ "$loaded" = 0 ]; then
	ktap_test "no module: one line that says so and how to load it, exit 1" \
		bash -c "out=\$('$CTL' version 2>&1); rc=\$?; echo \"\$out\"; [ \$rc = 1 ] && [ \$(wc -l <<< \"\$out\") = 1 ] && grep -q 'ktix module is not loaded; load it with .modprobe ktix.' <<< \"\$out\""
	ktap_test "no module: the bare command and -j fail the same way" \
		bash -c "'$CTL' 2>&1 | grep -q 'not loaded' && ! '$CTL' -j >/dev/null 2>&1"
else
	ktap_skip "no module: one line that says so and how to load it, exit 1" "a ktix module is loaded here"
	ktap_skip "no module: the bare command and -j fail the same way" "a ktix module is loaded here"
fi

ktap_finish
