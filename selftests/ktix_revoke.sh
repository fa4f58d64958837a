#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktix_revoke: logging sessions out, in the test VM, with two ktixds in one
# namespace (A and B, each with a ktix-serve) and real clients.
#
# - every kind of session (TLS 1.2 ticket, TLS 1.2 session ID, TLS 1.3
#   PSK) reports one handle, and once it is revoked none resumes;
# - ktix_revoke() under a stream of revocations from several processes
#   and resumptions: no session resumes, through A or B, once its
#   revocation is acknowledged (ktix_revtool stream);
# - a helper whose notifications were lost fails closed;
# - the set's bound: a clear refusal, nothing dropped.
#
# KTIX_BIN names the directory of the binaries (default build/bin);
# E2E_ONLY=REGEX runs only the tests whose names match.
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh
BIN=${KTIX_BIN:-build/bin}
CTL=$BIN/ktixctl
TOOL=${KTIX_BIN:-build/bin}/../selftests/ktix_revtool
W=$(mktemp -d /tmp/ktix_revoke.XXXXXX)
. selftests/lib/e2e.sh

# handle_of PORT: the handle of the last connection ktix-serve logged
handle_of() {
	tail -n 1 "$W/serve-$1.log" | grep -o 'handle=[0-9a-f]*' | cut -d= -f2
}

# drops_of PID: notifications the kernel dropped for the process's sockets
drops_of() {
	local inodes
	inodes=$(ls -l "/proc/$1/fd" 2>/dev/null | grep -o 'socket:\[[0-9]*\]' | tr -dc '0-9\n')
	awk -v list="$(echo $inodes)" '
		BEGIN { n = split(list, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		NR > 1 && ($10 in want) { d += $9 }
		END { print d + 0 }' /proc/net/netlink
}

# ---- set-up ----
site_setup

ktap_plan 4

start_ktixd a --workers 2 || exit 1
start_ktixd b --workers 2 || exit 1
start_serve a 8460 || exit 1
start_serve b 8461 || exit 1

# ---- every kind: one handle, and none resumes once revoked ----
kinds() {
	local k opts h h2 miss r
	miss=$(stat_of KtixResumeMissRevoked)
	for k in ticket session_id psk; do
		case $k in
		ticket) opts=(-tls1_2) ;;
		session_id) opts=(-tls1_2 -no_ticket) ;;
		psk) opts=(-tls1_3) ;;
		esac
		hello 8460 "${opts[@]}" -sess_out "$W/$k" > /dev/null
		h=$(handle_of 8460)
		[ ${#h} = 32 ] || { echo "$k: no handle for the full handshake"; return 1; }
		hello 8461 "${opts[@]}" -sess_in "$W/$k" | grep -q '^Reused' || { echo "$k: did not resume on B"; return 1; }
		[ "$(last_kind 8461)" = $k ] || { echo "$k: B says $(last_kind 8461)"; return 1; }
		h2=$(handle_of 8461)
		[ "$h2" = "$h" ] || { echo "$k: resumed with handle $h2, made with $h"; return 1; }
		"$CTL" revoke "$h" > /dev/null || return 1
		for r in 8460 8461; do
			hello $r "${opts[@]}" -sess_in "$W/$k" | grep -q '^New,' &&
				[ "$(last_kind $r)" = full ] || { echo "$k: resumed on $r after its revocation"; return 1; }
		done
		echo "$k: handle $h on both helpers; revoked: full handshakes"
	done
	[ "$(stat_of KtixResumeMissRevoked)" = $((miss + 6)) ] ||
		{ echo "KtixResumeMissRevoked: $miss -> $(stat_of KtixResumeMissRevoked), not +6"; return 1; }
}
t "every kind reports its handle on every helper; revoked, none resumes" kinds

# ---- the stream ----
stream() {
	local out
	out=$(timeout 400 "$TOOL" stream "$W/a.sock" "$W/b.sock" 48 4 2>&1)
	local rc=$?
	echo "$out"
	return $rc
}
t "ktix_revoke() amid revocations from 4 processes and resumptions: none resumes after the answer" stream

# ---- notifications lost: fail closed ----
behind() {
	local pid h good drops n=0 miss stale
	pid=$(cat "$W/b.pid")
	hello 8461 -tls1_3 -sess_out "$W/lost" > /dev/null
	h=$(handle_of 8461)
	hello 8461 -tls1_3 -sess_out "$W/kept" > /dev/null
	kill -STOP "$pid"
	# Revocations until B's notifications overflow its socket.
	while [ "$(drops_of "$pid")" = 0 ] && [ $n -lt 60000 ]; do
		"$TOOL" flood 4000 || { kill -CONT "$pid"; return 1; }
		n=$((n + 4000))
	done
	drops=$(drops_of "$pid")
	"$CTL" revoke "$h" > /dev/null || { kill -CONT "$pid"; return 1; }
	miss=$(stat_of KtixResumeMissRevoked) stale=$(stat_of KtixResumeMissRevokeStale)
	kill -CONT "$pid"
	echo "B stopped; $n revocations later it had lost $drops notifications"
	[ "$drops" -gt 0 ] || { echo "B's socket never overflowed"; return 1; }
	hello 8461 -tls1_3 -sess_in "$W/lost" | grep -q '^New,' || { echo "the revoked session resumed on B"; return 1; }
	echo "the session revoked while B was behind: a full handshake"
	echo "misses: revoked $miss -> $(stat_of KtixResumeMissRevoked), revoke_stale $stale -> $(stat_of KtixResumeMissRevokeStale)"
	grep -q 'notifications lost' "$W/b.log" || { echo "B did not say it was behind"; return 1; }
	# Caught up, B resumes what is not revoked.
	for good in $(seq 20); do
		hello 8461 -tls1_3 -sess_in "$W/kept" | grep -q '^Reused' && break
		sleep 0.5
	done
	[ "$good" -lt 20 ] || { echo "B never caught up"; return 1; }
	echo "B caught up: a session not revoked resumes again"
}
t "a helper whose notifications were lost refuses, then catches up" behind

# ---- the bound ----
bound() {
	local held out full h
	held=$(stat_of KtixRevoked)
	out=$("$CTL" policy set revoke-bytes 1M 2>&1) && { echo "a bound below the set was taken"; return 1; }
	echo "ktixctl: $out"
	[ "$(stat_of KtixRevoked)" = "$held" ] || { echo "entries were dropped"; return 1; }
	"$CTL" policy set revoke-bytes $(((held + 1) * 80)) || return 1
	hello 8460 -tls1_3 > /dev/null
	h=$(handle_of 8460)
	"$TOOL" revoke "$W/a.sock" "$h" || return 1
	full=$(stat_of KtixRevokeFull)
	hello 8460 -tls1_3 > /dev/null
	out=$("$TOOL" revoke "$W/a.sock" "$(handle_of 8460)") && { echo "revoked past the bound"; return 1; }
	echo "$out"
	grep -q 'No space left on device' <<< "$out" || return 1
	[ "$(stat_of KtixRevokeFull)" = $((full + 1)) ] || { echo "KtixRevokeFull did not move"; return 1; }
	[ "$(stat_of KtixRevokeBytes)" = $(((held + 1) * 80)) ] || { echo "KtixRevokeBytes: $(stat_of KtixRevokeBytes)"; return 1; }
	"$CTL" policy set revoke-bytes 128M
}
t "at the bound a revocation is refused with ENOSPC and counted; nothing is dropped" bound

ktap_finish
