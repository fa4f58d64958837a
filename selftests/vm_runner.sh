#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm_runner: the test VM runner itself (selftests/vm/run) and its kernel-log
# check (selftests/vm/console-check).  Runs on the host; boots the VM a few
# times, about 15 seconds each.
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh

RUN=selftests/vm/run
CHECK=selftests/vm/console-check
DATA=selftests/vm/testdata

expect_status() {
	local want=$1 got
	shift
	"$@"
	got=$?
	[ "$got" = "$want" ] || { echo "exit status $got, expected $want: $*"; return 1; }
}

check_flags() {
	local out
	out=$($CHECK "$DATA/$1" 2>&1)
	[ $? = 1 ] || { echo "console-check passed $1"; return 1; }
	shift
	for p in "$@"; do
		grep -qF -- "$p" <<< "$out" || { echo "console-check did not print '$p':"; echo "$out"; return 1; }
	done
}

ktap_plan 12

ktap_test "console-check: a clean boot log passes" expect_status 0 $CHECK "$DATA/clean-boot.log"
ktap_test "console-check: a WARN with a refcount report fails and is shown" \
	check_flags warn-refcount.log "WARNING: CPU: 1 PID: 212" "refcount_t: underflow" "Call Trace:" "cut here"
ktap_test "console-check: a panic fails and is shown" \
	check_flags sysrq-crash.log "Kernel panic - not syncing" "Call Trace:"
ktap_test "console-check: a missing log is an error" expect_status 2 $CHECK "$DATA/no-such.log"

version_in_vm() {
	local out
	out=$($RUN --quiet -- ktixctl version) || { echo "exit status $?"; return 1; }
	echo "$out"
	grep -qx "module:   $(cat VERSION)" <<< "$out"
}
ktap_test "vm/run -- ktixctl version: exit 0, module version shown" version_in_vm
ktap_test "vm/run -- false: exit 1" expect_status 1 $RUN --quiet -- false
ktap_test "vm/run passes on the command's exit status" expect_status 7 $RUN --quiet -- sh -c 'exit 7'
ktap_test "vm/run fails when the guest kernel panics, though the command 'succeeds'" \
	expect_status 126 $RUN --quiet -- sh -c 'echo c > /proc/sysrq-trigger; true'
ktap_test "vm/run stops a guest at --timeout" expect_status 124 $RUN --quiet --timeout 25 -- sleep 600

no_leaks() {
	local a b
	a=$($RUN --quiet -- sh -c 'touch /var/ktix-leak /tmp/ktix-leak /root/ktix-leak && ktixctl policy set max-keys 30 && ktixctl -j policy') || return 1
	b=$($RUN --quiet -- sh -c 'ls /var/ktix-leak /tmp/ktix-leak /root/ktix-leak 2>/dev/null; ktixctl -j policy') || return 1
	echo "first run:  $a"
	echo "second run: $b"
	grep -q '"max_keys":30' <<< "$a" || return 1
	grep -q '"max_keys":16' <<< "$b" || { echo "state leaked into the second run"; return 1; }
	grep -q leak <<< "$b" && { echo "files leaked into the second run"; return 1; }
	[ ! -e /var/ktix-leak ] && [ ! -e /root/ktix-leak ] || { echo "files leaked to the host"; return 1; }
}
ktap_test "a second run starts from the same state; nothing reaches the host" no_leaks

host_tmp_visible() {
	# A project cloned under /tmp must be visible in the guest.
	local f rc
	f=$(mktemp /tmp/ktix-vm-test.XXXXXX) || return 1
	echo "from the host" > "$f"
	out=$($RUN --quiet -- cat "$f")
	rc=$?
	rm -f "$f"
	[ "$rc" = 0 ] && [ "$out" = "from the host" ]
}
ktap_test "the host's /tmp is visible in the guest (a clone may live there)" host_tmp_visible

same_twice() {
	local a b
	a=$($RUN --quiet -- ktixctl -j version) || return 1
	b=$($RUN --quiet -- ktixctl -j version) || return 1
	[ "$a" = "$b" ] || { echo "'$a' != '$b'"; return 1; }
}
ktap_test "the same command gives the same result twice" same_twice

ktap_finish
