#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktixd_cli: ktixd's, ktix-serve's and ktix-fleetd's command lines and
# configuration files, natively (no module needed: every check here
# happens before a daemon talks to the kernel or to etcd).  KTIX_BIN
# names the binaries' directory.
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh
BIN=${KTIX_BIN:-build/bin}
D=$BIN/ktixd
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$W/k.pem" -out "$W/c.pem" -subj /CN=localhost 2>/dev/null

# fails_with "TEXT" CMD...: CMD exits 1, says TEXT on stderr, nothing on stdout
fails_with() {
	local want=$1 out err rc
	shift
	out=$("$@" 2>"$W/err")
	rc=$?
	err=$(cat "$W/err")
	echo "$err"
	[ "$rc" = 1 ] || { echo "exit status $rc, not 1"; return 1; }
	[ -z "$out" ] || { echo "stdout: $out"; return 1; }
	grep -qF -- "$want" <<< "$err" || { echo "expected: $want"; return 1; }
}

conf() {	# conf TEXT: a configuration file with TEXT, its path printed
	printf '%s\n' "$@" > "$W/conf"
	echo "$W/conf"
}

ktap_plan 20

help_and_version() {
	"$D" --help | grep -q '^Usage: ktixd' && "$D" --version | grep -qx "ktixd $(cat VERSION)" &&
		"$BIN/ktix-serve" --help | grep -q '^Usage: ktix-serve'
}
ktap_test "--help and --version" help_and_version

ktap_test "an unknown option says so" fails_with "Try 'ktixd --help'" "$D" --bogus
ktap_test "a stray argument says so" fails_with 'unexpected argument "extra"' "$D" --cert "$W/c.pem" extra
ktap_test "no certificate: says how to give one" fails_with 'no certificate: give --cert FILE' \
	"$D" --config "$(conf "")"
ktap_test "an unreadable certificate is named" fails_with "cannot read $W/nope.pem" \
	"$D" --cert "$W/nope.pem"
ktap_test "an unknown setting: file, line and name" fails_with "$W/conf:3: unknown setting \"colour\"" \
	"$D" --config "$(conf "# comment" "" "colour = blue")"
ktap_test "a line that is not key = value" fails_with "$W/conf:1: expected \"key = value\", got \"deadline 5s\"" \
	"$D" --config "$(conf "deadline 5s")"
ktap_test "a bad duration, with what is allowed" fails_with \
	"$W/conf:2: deadline: \"soon\" is not a duration from 10ms to 10m" \
	"$D" --config "$(conf "cert = $W/c.pem $W/k.pem" "deadline = soon")"
ktap_test "a number out of range" fails_with "workers: \"999\" is not a number in range (0 to 256)" \
	"$D" --config "$(conf "workers = 999")"
ktap_test "a bad choice lists the choices" fails_with 'min-version: "1.1" is not one of 1.2, 1.3' \
	"$D" --set min-version=1.1
ktap_test "verify-client without client-ca" fails_with 'verify-client needs client-ca' \
	"$D" --cert "$W/c.pem" --key "$W/k.pem" --set verify-client=require
ktap_test "a metrics address that is not ADDR:PORT is refused at start" fails_with \
	'ktixd: metrics: "9465" is not ADDR:PORT' "$D" --cert "$W/c.pem" --key "$W/k.pem" --metrics 9465
ktap_test "session-id-context: more than 32 bytes, or bad hex, is refused" fails_with \
	'session-id-context: "hex:abc" is not 1 to 32 bytes of text or hex:HEX' \
	"$D" --cert "$W/c.pem" --key "$W/k.pem" --set session-id-context=hex:abc
ktap_test "session-id-context with client verification is refused, saying why" fails_with \
	'session-id-context needs verify-client = none' "$D" --cert "$W/c.pem" --key "$W/k.pem" \
	--set client-ca="$W/c.pem" --set verify-client=require --set session-id-context=haproxy
ktap_test "session-max-age out of range, with what is allowed" fails_with \
	'session-max-age: "31d" is not a duration from 1s to 30d' "$D" --set session-max-age=31d
ktap_test "a missing --config file is an error" fails_with "$W/none.conf: No such file or directory" \
	"$D" --config "$W/none.conf"

example_parses() {
	# The shipped example, with a certificate that exists: the next step
	# is the module, so any message but a configuration error is right.
	sed "s|^cert = .*|cert = $W/c.pem $W/k.pem|" etc/ktixd.conf > "$W/example.conf"
	"$D" --config "$W/example.conf" --check 2>&1 | tee "$W/out"
	! grep -q 'example.conf:' "$W/out" &&
		grep -qE '^ktixd: (the ktix module: |configuration OK)' "$W/out"
}
ktap_test "the shipped etc/ktixd.conf parses" example_parses

serve_errors() {
	fails_with 'Usage: ktix-serve' "$BIN/ktix-serve" --root "$W" || return 1
	fails_with "(is ktixd running?)" "$BIN/ktix-serve" --listen 127.0.0.1:0 --root "$W" \
		--socket "$W/no.sock" || return 1
	fails_with "$W/none: No such file or directory" "$BIN/ktix-serve" --listen 127.0.0.1:0 \
		--root "$W/none"
}
ktap_test "ktix-serve: usage, no ktixd, no root" serve_errors

proxy_errors() {
	local P=$BIN/ktix-proxy
	"$P" --help | grep -q '^Usage: ktix-proxy' || return 1
	fails_with 'Usage: ktix-proxy' "$P" --listen 127.0.0.1:0 || return 1
	fails_with 'ktix-proxy: --backend "8080" is not ADDR:PORT' "$P" -l 127.0.0.1:0 -b 8080 || return 1
	fails_with 'ktix-proxy: --idle-timeout: "0s" is not a duration' "$P" -l :0 -b 127.0.0.1:1 --idle-timeout 0s || return 1
	fails_with 'ktix-proxy: --max-conns: "-1" is not a number' "$P" -l :0 -b 127.0.0.1:1 -n -1 || return 1
	fails_with 'ktix-proxy: --alpn: "h2,,x" is not a list' "$P" -l :0 -b 127.0.0.1:1 --alpn h2,,x || return 1
	fails_with "(is ktixd running?)" "$P" -l 127.0.0.1:0 -b 127.0.0.1:1 --socket "$W/no.sock"
}
ktap_test "ktix-proxy: usage, bad options, no ktixd" proxy_errors

# ktix-fleetd refuses what cannot work before it reaches etcd or the
# module; its example configuration parses.
fleetd_errors() {
	local F=$BIN/ktix-fleetd a
	head -c 32 /dev/urandom > "$W/kek"
	chmod 600 "$W/kek"
	a=(--endpoints http://127.0.0.1:1 --fleet web --kek "$W/kek")
	"$F" --help | grep -q '^Usage: ktix-fleetd' || return 1
	fails_with "--endpoints, --fleet and --kek are needed" "$F" --fleet web || return 1
	fails_with 'ktix-fleetd: --endpoints: "ftp://x" is not a list' "$F" "${a[@]}" --endpoints ftp://x || return 1
	fails_with "ktix-fleetd: --fleet: \"a/b\" is not 1 to 64 letters" "$F" "${a[@]}" --fleet a/b || return 1
	fails_with 'ktix-fleetd: --set: rotate-interval: "1x" is not a duration from 2s' \
		"$F" "${a[@]}" --set rotate-interval=1x || return 1
	fails_with 'ktix-fleetd: --set: no setting "bogus"' "$F" "${a[@]}" --set bogus=1 || return 1
	fails_with 'sync-interval (10s) must be at most half of lease-ttl (15s)' \
		"$F" "${a[@]}" --set sync-interval=10s || return 1
	fails_with 'lead-time (20s) must be at least twice lease-ttl (15s)' \
		"$F" "${a[@]}" --set lead-time=20s || return 1
	fails_with 'ticket-lifetime (46800s) is longer than retention (43200s)' \
		"$F" "${a[@]}" --set ticket-lifetime=13h || return 1
	printf 'fleet = web\nrotate-interval = soon\n' > "$W/f.conf"
	fails_with "$W/f.conf:2: rotate-interval: \"soon\" is not a duration" \
		"$F" --config "$W/f.conf" || return 1
	# The shipped example: every setting reads (the KEK is next).
	fails_with "ktix-fleetd: the KEK" "$F" --config etc/ktix-fleetd.conf --kek "$W/none"
}
ktap_test "ktix-fleetd: usage and every kind of bad setting, each named" fleetd_errors

ktap_finish
