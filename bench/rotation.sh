#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rotation.sh [--quick]: ticket-key rotations under resumption load with
# 16 helpers on one host, in the test VM.  Run by bench/run; prints "key
# value" lines.
#
# 16 ktixd (one worker each), each with its ktix-serve on 127.0.0.N:8443.
# Three clients (selftests/lib/crosshost.py) take a session from one
# helper and offer it to the next, TLS 1.2 tickets and TLS 1.3 PSK in
# turn, all along.  First the way a fleet rotates, by schedule: every
# ROT seconds a key is added whose encrypt_from is LEAD seconds ahead
# (external-keys; every helper switches at that time by its own clock).
# Then the module's own rotation, KTIX_CMD_KEY_ROTATE (ktixctl key
# rotate) every ROT seconds: the next key, which every helper already
# holds, becomes primary as the announcement reaches each.  A miss is an
# offered session that got a full handshake; KtixResumeMissUnknownKey
# counts tickets under a key a helper did not have.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
quick=0
[ "${1:-}" = --quick ] && quick=1
BIN=build/bin
CTL=$BIN/ktixctl
H=16 ROT=4 LEAD=2 ROTATIONS=10
[ "$quick" = 1 ] && ROTATIONS=3
W=$(mktemp -d /tmp/rotation.XXXXXX)
cleanup() {
	kill $(jobs -p) 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT

bench_cert "$W"
mkdir -p "$W/www"
echo "hello from ktix-serve" > "$W/www/index.html"
hosts=()
for i in $(seq "$H"); do
	"$BIN/ktixd" --cert "$W/cert.pem" --key "$W/key.pem" --socket "$W/h$i.sock" \
		--workers 1 2> "$W/ktixd-$i.log" &
	for _ in $(seq 100); do [ -S "$W/h$i.sock" ] && break; sleep 0.1; done
	"$BIN/ktix-serve" --listen "127.0.0.$i:8443" --root "$W/www" --socket "$W/h$i.sock" \
		> /dev/null 2> "$W/serve-$i.log" &
	hosts+=("127.0.0.$i")
done
for _ in $(seq 100); do
	[ "$(ss -ltn | grep -c ':8443 ')" -ge "$H" ] && break
	sleep 0.1
done
echo "helpers $H"
echo "rotation_interval_s $ROT"
echo "rotations $ROTATIONS"

stat_of() { awk -v n="$1" '$1 == n { print $2 }' /proc/net/ktix_stat; }

# run NAME ROTATE-COMMAND: ROTATIONS rotations under the load
run() {
	local name=$1 u0 u1 load n miss err i
	shift
	u0=$(stat_of KtixResumeMissUnknownKey)
	python3 selftests/lib/crosshost.py --seconds $((ROT * ROTATIONS + ROT)) "${hosts[@]}" \
		> "$W/load-$name" &
	load=$!
	# The module's primary, twice a second: the rotations did happen.
	while kill -0 "$load" 2>/dev/null; do
		"$CTL" key list | awk '$2 == "primary" { print $1 }'
		sleep 0.5
	done > "$W/primaries-$name" &
	sleep "$ROT"
	for i in $(seq "$ROTATIONS"); do
		"$@" > /dev/null
		sleep "$ROT"
	done
	wait "$load"
	u1=$(stat_of KtixResumeMissUnknownKey)
	read -r n miss err <<< "$(tail -n 1 "$W/load-$name")"
	echo "${name}_resumptions $n"
	echo "${name}_misses $miss"
	echo "${name}_errors $err"
	echo "${name}_unknown_key $((u1 - u0))"
	echo "${name}_primaries_seen $(sort -u "$W/primaries-$name" | grep -c .)"
	grep -E '^(miss|error)' "$W/load-$name" | head -n 5 | sed "s/^/# ${name}: /" || true
}

# A key that encrypts from LEAD seconds from now, for ROT seconds more
# than the schedule needs, and decrypts for the ticket lifetime after.
scheduled_key() {
	local t
	t=$(( $(date +%s) + LEAD ))
	"$CTL" key add --encrypt-from "@$t" --encrypt-until "@$((t + 3 * ROT))" \
		--decrypt-until "@$((t + 3 * ROT + 43200))"
}

"$CTL" policy set rotate-interval 0 external-keys 1 > /dev/null
t=$(date +%s)
"$CTL" key add --encrypt-from "@$t" --encrypt-until "@$((t + 3 * ROT))" \
	--decrypt-until "@$((t + 3 * ROT + 43200))" > /dev/null
sleep 1
run scheduled scheduled_key
"$CTL" policy set external-keys 0 > /dev/null
"$CTL" key rotate > /dev/null
sleep 1
run manual "$CTL" key rotate
