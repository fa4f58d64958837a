#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktix_faults: what breaks under load, in the test VM, with real clients
# and bench/hsload keeping resumptions going (-T: a line a second, a
# connection open past 10 s counts as hung):
#
# - ktixd killed (SIGKILL) and started again: no key and no session lost,
#   resumption back to 99 % within seconds, ktix-serve reconnects by
#   itself, no connection hangs;
# - ktix-serve killed with handshakes in flight: ktixd stays healthy;
# - the module unloaded and loaded again under ktixd: it notices, follows,
#   serves a full handshake at once, and resumes tickets under keys that
#   were imported again.
#
# KTIX_BIN names the directory of the binaries (default build/bin);
# E2E_ONLY=REGEX runs only the tests whose names match.
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh
BIN=${KTIX_BIN:-build/bin}
CTL=$BIN/ktixctl
HSLOAD=$BIN/../bench/hsload
KMOD=${KTIX_KMOD:-kmod/ktix.ko}
W=$(mktemp -d /tmp/ktix_faults.XXXXXX)
. selftests/lib/e2e.sh

# share FILE FROM TO: resumed / ended over the seconds FROM..TO of a
# timeline, as "RESUMED ENDED"
share() {
	awk -v a="$2" -v b="$3" '/^second / {
		s = $2 + 0
		if (s >= a && s <= b) { e += $4; r += $6 }
	} END { print r + 0, e + 0 }' "$1"
}

# at_least FILE FROM TO PERMILLE: the resumed share of those seconds is at
# least PERMILLE / 1000 (and something ended)
at_least() {
	local r e
	read -r r e <<< "$(share "$1" "$2" "$3")"
	echo "seconds $2-$3: $r of $e resumed"
	[ "$e" -gt 0 ] && [ $((r * 1000)) -ge $((e * $4)) ]
}

fds_of() {
	ls "/proc/$1/fd" | wc -l
}

# ---- set-up ----
site_setup

ktap_plan 3

start_ktixd a --workers 2 --deadline 3s || exit 1
start_serve a 8470 || exit 1

# ---- ktixd killed under load ----
kill_ktixd() {
	local serve pid2 rc
	serve=$(cat "$W/serve-8470.pid")
	hello 8470 -tls1_2 -no_ticket -sess_out "$W/sid" > /dev/null
	hello 8470 -tls1_2 -sess_out "$W/t12" > /dev/null
	"$HSLOAD" -p 8470 -3 -r -c 4 -T -t 22 -w 10000 > "$W/kill.tl" 2> "$W/kill.err" &
	local load=$!
	sleep 7
	stop a
	sleep 1
	start_ktixd a --workers 2 --deadline 3s || return 1
	wait $load
	rc=$?
	grep -E '^(completed|failed|resumed|hung)' "$W/kill.tl" | tr '\n' ' '; echo
	[ $rc = 0 ] || { echo "hsload: a connection hung"; cat "$W/kill.err"; return 1; }
	at_least "$W/kill.tl" 1 5 1000 || { echo "not all resumed before the kill"; return 1; }
	at_least "$W/kill.tl" 13 20 990 || { echo "resumption did not come back"; tail -n 12 "$W/a.log"; return 1; }
	kill -0 "$serve" || { echo "ktix-serve died"; return 1; }
	grep -q 'ktixd went away' "$W/serve-8470.log" || { echo "ktix-serve did not notice"; return 1; }
	# Sessions made before the kill: kept in the module.
	hello 8470 -tls1_2 -no_ticket -sess_in "$W/sid" | grep -q '^Reused' || { echo "session ID lost"; return 1; }
	hello 8470 -tls1_2 -sess_in "$W/t12" | grep -q '^Reused' || { echo "ticket key lost"; return 1; }
	echo "ktix-serve (pid $serve) reconnected by itself; a session ID and a ticket from before resume"
}
t "ktixd killed under resumption load: nothing lost, back to 99 %, no connection hangs" kill_ktixd

# ---- ktix-serve killed with handshakes in flight ----
kill_serve() {
	local pid fds0 fds i
	pid=$(cat "$W/a.pid")
	start_serve a 8471 || return 1
	sleep 0.5
	fds0=$(fds_of "$pid")
	"$HSLOAD" -p 8471 -3 -c 16 -T -t 8 -w 10000 > "$W/serve.tl" 2>&1 &
	local load=$!
	sleep 3
	stop serve-8471
	wait $load
	grep -E '^(completed|failed|hung)' "$W/serve.tl" | tr '\n' ' '; echo
	grep -q '^hung 0' "$W/serve.tl" || { echo "a connection hung"; return 1; }
	kill -0 "$pid" || { echo "ktixd died"; return 1; }
	# The handshakes it held end by their deadline (3 s).
	for i in $(seq 40); do
		fds=$(fds_of "$pid")
		[ "$fds" -le "$fds0" ] && break
		sleep 0.25
	done
	echo "ktixd descriptors: $fds0 before, $fds after"
	[ "$fds" -le "$fds0" ] || { ls -l "/proc/$pid/fd"; return 1; }
	grep -qiE 'AddressSanitizer|runtime error|segfault' "$W/a.log" && { echo "ktixd complained"; return 1; }
	start_serve a 8471 || return 1
	hello 8471 -tls1_3 -sess_out "$W/again" | grep -q 'hello from ktix-serve' || { echo "no page after"; return 1; }
	hello 8471 -tls1_3 -sess_in "$W/again" | grep -q '^Reused' || { echo "no resumption after"; return 1; }
	echo "a new ktix-serve is served: full and resumed"
}
t "ktix-serve killed with handshakes in flight: ktixd stays healthy" kill_serve

# ---- the module reloaded under ktixd ----
reload() {
	local pid rc t0 i ok=0
	pid=$(cat "$W/a.pid")
	"$CTL" key export "$W/primary.key" --format nginx || return 1
	hello 8470 -tls1_2 -sess_out "$W/r12" > /dev/null
	hello 8470 -tls1_3 -sess_out "$W/r13" > /dev/null
	"$HSLOAD" -p 8470 -3 -r -c 4 -T -t 24 -w 10000 > "$W/reload.tl" 2> "$W/reload.err" &
	local load=$!
	sleep 5
	rmmod ktix || { wait $load; return 1; }
	sleep 2
	insmod "$KMOD" || { wait $load; return 1; }
	t0=$(date +%s%N)
	# A full handshake at once.  The VM's two emulated CPUs are saturated
	# by the load (s_client alone takes a second or two): 5 s.
	for i in $(seq 50); do
		if hello 8470 -tls1_3 | grep -q 'hello from ktix-serve'; then
			ok=1
			break
		fi
		sleep 0.1
	done
	echo "first full handshake $(( ($(date +%s%N) - t0) / 1000000 )) ms after insmod (attempt $i)"
	[ $ok = 1 ] && [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ] || { grep -v resumed= "$W/a.log" | tail -n 20; wait $load; return 1; }
	# Before the keys are back, the old tickets cannot resume.
	hello 8470 -tls1_2 -sess_in "$W/r12" | grep -q '^New,' || { echo "a ticket resumed under no key"; wait $load; return 1; }
	"$CTL" key import "$W/primary.key" || { wait $load; return 1; }
	sleep 0.5
	hello 8470 -tls1_2 -sess_in "$W/r12" | grep -q '^Reused' || { echo "TLS 1.2 ticket not resumed after the import"; wait $load; return 1; }
	hello 8470 -tls1_3 -sess_in "$W/r13" | grep -q '^Reused' || { echo "TLS 1.3 PSK not resumed after the import"; wait $load; return 1; }
	echo "tickets issued before the reload resume under the imported key"
	wait $load
	rc=$?
	grep -E '^(completed|failed|resumed|hung)' "$W/reload.tl" | tr '\n' ' '; echo
	[ $rc = 0 ] || { echo "hsload: a connection hung"; cat "$W/reload.err"; return 1; }
	at_least "$W/reload.tl" 19 22 990 || { echo "the load did not resume again"; return 1; }
	[ "$(cat "$W/a.pid")" = "$pid" ] && kill -0 "$pid" || { echo "ktixd is not the same"; return 1; }
	grep -q 'module went away' "$W/a.log" && grep -q 'read again' "$W/a.log" ||
		{ echo "ktixd did not say"; tail "$W/a.log"; return 1; }
	echo "ktixd (pid $pid) followed the module out and back"
}
t "the module reloaded under load: ktixd follows, a full handshake at once, imported keys resume" reload

ktap_finish
