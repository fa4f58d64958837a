#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm_runner: the test VM runner itself (selftests/vm/run) and its kernel-log
# check (selftests/vm/console-check) and its suite batches (selftests/vm/
# suites).  Runs on the host; boots the VM six times, about 12 seconds each.
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

# One boot answers several tests: the version, its JSON form (compared with
# a later boot's) and a file of the host's /tmp (a clone may live there).
HOSTFILE=$(mktemp /tmp/ktix-vm-test.XXXXXX) || exit 1
OUT=$(mktemp -d) || exit 1
trap 'rm -rf "$HOSTFILE" "$OUT"' EXIT
echo "from the host" > "$HOSTFILE"
# (The guest cannot write to the host: its answers come on stdout.)
$RUN --quiet -- sh -c "ktixctl version && ktixctl -j version && cat $HOSTFILE" \
	> "$OUT/version" 2>&1
echo $? > "$OUT/version.rc"
tr -d '\r' < "$OUT/version" | grep '"ktls_rekey"' > "$OUT/json.1"
tr -d '\r' < "$OUT/version" | grep -x 'from the host' > "$OUT/host"

version_in_vm() {
	cat "$OUT/version"
	[ "$(cat "$OUT/version.rc")" = 0 ] || { echo "exit status $(cat "$OUT/version.rc")"; return 1; }
	grep -qx "module:   $(cat VERSION)" "$OUT/version"
}
ktap_test "vm/run -- ktixctl version: exit 0, module version shown" version_in_vm

# Several suites in one boot (selftests/vm/suites, as run_tests does): a
# pass, a failure, one out of time, one that panics the guest, one never run.
cat > "$OUT/list" <<EOT
passes	60	echo "# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0"
fails	60	false
slow	3	sleep 600
panics	60	echo c > /proc/sysrq-trigger
never	60	true
EOT
$RUN --quiet -- selftests/vm/suites "$OUT/list" > "$OUT/suites" 2>&1
echo $? > "$OUT/suites.rc"

suites_framed() {
	local want
	tr -d '\r' < "$OUT/suites" | grep '^# =====' > "$OUT/frames"
	cat "$OUT/frames"
	for want in "suite passes:" "end passes 0 " "suite fails: false" "end fails 1 " \
		"end slow 124 " "suite panics:"; do
		grep -qF "# ===== $want" "$OUT/frames" || { echo "no frame '# ===== $want'"; return 1; }
	done
	grep -q 'end panics\|suite never' "$OUT/frames" && { echo "ran on after the panic"; return 1; }
	return 0
}
ktap_test "vm/suites: each suite framed with its status, 124 past its time, none after a panic" suites_framed

panic_fails() {
	grep -q 'Kernel panic' "$OUT/suites" || tail -n 5 "$OUT/suites"
	[ "$(cat "$OUT/suites.rc")" = 126 ] || { echo "exit status $(cat "$OUT/suites.rc"), expected 126"; return 1; }
}
ktap_test "vm/run fails when the guest kernel panics, whatever the command" panic_fails
ktap_test "vm/run stops a guest at --timeout" expect_status 124 $RUN --quiet --timeout 15 -- sleep 600

no_leaks() {
	local a b
	a=$($RUN --quiet -- sh -c 'touch /var/ktix-leak /tmp/ktix-leak /root/ktix-leak && ktixctl policy set max-keys 30 && ktixctl -j policy') || return 1
	# This boot also ends with a status of its own, for the next test.
	b=$($RUN --quiet -- sh -c "ls /var/ktix-leak /tmp/ktix-leak /root/ktix-leak 2>/dev/null; ktixctl -j version; ktixctl -j policy; exit 7")
	echo $? > "$OUT/seven.rc"
	echo "first run:  $a"
	echo "second run: $b"
	grep -q '"max_keys":30' <<< "$a" || return 1
	grep -q '"max_keys":16' <<< "$b" || { echo "state leaked into the second run"; return 1; }
	grep -q leak <<< "$b" && { echo "files leaked into the second run"; return 1; }
	[ ! -e /var/ktix-leak ] && [ ! -e /root/ktix-leak ] || { echo "files leaked to the host"; return 1; }
	tr -d '\r' <<< "$b" | grep '"ktls_rekey"' > "$OUT/json.2"
}
ktap_test "a second run starts from the same state; nothing reaches the host" no_leaks

seven() {
	[ "$(cat "$OUT/seven.rc" 2>/dev/null)" = 7 ] ||
		{ echo "exit status $(cat "$OUT/seven.rc" 2>/dev/null), expected 7"; return 1; }
}
ktap_test "vm/run passes on the command's exit status" seven

host_tmp_visible() {
	[ "$(cat "$OUT/host" 2>/dev/null)" = "from the host" ]
}
ktap_test "the host's /tmp is visible in the guest (a clone may live there)" host_tmp_visible

same_twice() {
	[ -s "$OUT/json.1" ] && cmp "$OUT/json.1" "$OUT/json.2" ||
		{ echo "'$(cat "$OUT/json.1")' != '$(cat "$OUT/json.2" 2>/dev/null)'"; return 1; }
}
ktap_test "the same command gives the same result twice" same_twice

ktap_finish
