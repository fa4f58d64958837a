#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktix_e2e: ktixd and ktix-serve against real clients, in the test VM.
#
#   openssl s_client, gnutls-cli, curl  --TCP 127.0.0.1:844x-->  ktix-serve
#                                                                  |  SCM_RIGHTS over
#                                                                  v  a Unix socket
#                                                                ktixd --OFFLOAD--> ktix.ko --> kTLS
#
# Every check looks at what the client saw (Reused, the bytes' hash), what
# ktix-serve logged (how the session resumed) and the module's counters.
# KTIX_BIN names the directory of the binaries (default build/bin);
# E2E_ONLY=REGEX runs only the tests whose names match (the others skip);
# E2E_SKIP=REGEX=REASON skips those whose names match, saying why (REASON
# has no "=").
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh
BIN=${KTIX_BIN:-build/bin}
CTL=$BIN/ktixctl
W=$(mktemp -d /tmp/ktix_e2e.XXXXXX)
. selftests/lib/e2e.sh

# sc PORT OUT [s_client options]: a GET of /10m.bin, the transcript in OUT
sc() {
	local port=$1 out=$2
	shift 2
	printf 'GET /10m.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
		timeout 120 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
		-ign_eof "$@" >"$out" 2>&1
}

# sc_failed FILE: why s_client failed, from its transcript (which holds the
# binary body too), and what kTLS counted
sc_failed() {
	echo "s_client failed; transcript $(stat -c %s "$1") bytes; its errors:"
	LC_ALL=C grep -a -E 'error|alert|errno|closed|DONE' "$1" | LC_ALL=C tr -c '[:print:]\n' '?' | tail -n 8
	grep -v ' 0$' /proc/net/tls_stat
}

# body_ok FILE: the HTTP body in an s_client transcript is the 10 MiB file
body_ok() {
	python3 - "$1" "$W/10m.sha256" <<'EOF'
import hashlib, sys
t = open(sys.argv[1], "rb").read()
want = open(sys.argv[2]).read().split()[0]
i = t.find(b"HTTP/1.1 200 OK\r\n")
j = t.find(b"\r\n\r\n", i)
if i < 0 or j < 0:
    sys.exit("no HTTP answer in the transcript")
n = int([l.split(b":")[1] for l in t[i:j].split(b"\r\n") if l.lower().startswith(b"content-length")][0])
got = hashlib.sha256(t[j + 4:j + 4 + n]).hexdigest()
print("body: %d bytes, sha256 %s" % (len(t[j + 4:j + 4 + n]), got))
sys.exit(0 if got == want and len(t[j + 4:j + 4 + n]) == n else 1)
EOF
}

# ---- set-up ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$W/ec.key" -out "$W/ec.pem" -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$W/rsa.key" \
	-out "$W/rsa.pem" -subj /CN=other.test -addext subjectAltName=DNS:other.test 2>/dev/null
mkdir -p "$W/www"
echo "hello from ktix-serve" > "$W/www/index.html"
head -c $((10 << 20)) /dev/urandom > "$W/www/10m.bin"
sha256sum "$W/www/10m.bin" > "$W/10m.sha256"
# A TLS client of the tests' own (selftests/tls_pipe.c)
TLS_PIPE=${KTIX_SELFTESTS:-$(dirname "$BIN")/selftests}/tls_pipe
# Short-lived state for the tests that wait on it.
"$CTL" policy set session-lifetime 1h >/dev/null

ktap_plan 49

start_ktixd a --workers 2 --deadline 3s || exit 1
start_serve a 8443 || exit 1
# A ticket that will be old by the end (the "expired" test).  The first
# handshake of a cold ktixd under ASan and TCG may pass the 3 s deadline:
# a few tries (the missing file failed that test now and then).
for _ in 1 2 3 4 5; do
	hello 8443 -tls1_2 -sess_out "$W/early" > /dev/null
	[ -s "$W/early" ] && break
	sleep 1
done
date +%s > "$W/early.time"

# ---- the version x cipher x resumption matrix ----
matrix() {	# matrix VERSION CIPHER
	local v=$1 c=$2 opts kinds s f
	if [ "$v" = 1.2 ]; then
		opts=(-tls1_2 -cipher "$c")
		kinds="ticket session_id"
	else
		opts=(-tls1_3 -ciphersuites "$c")
		kinds=psk
	fi
	for k in $kinds; do
		s=$W/sess-$v-$c-$k
		f=(); [ "$k" = session_id ] && f=(-no_ticket)
		hello 8443 "${opts[@]}" "${f[@]}" -sess_out "$s" > "$W/t" || { cat "$W/t"; return 1; }
		grep -q '^New,' "$W/t" || { echo "first connection not new"; cat "$W/t"; return 1; }
		[ "$(last_kind 8443)" = full ] || { echo "ktix-serve: $(tail -n1 "$W/serve-8443.log")"; return 1; }
		grep -q 'hello from ktix-serve' "$W/t" || { echo "no page"; return 1; }
		sc 8443 "$W/t" "${opts[@]}" "${f[@]}" -sess_in "$s" ||
			{ sc_failed "$W/t"; tail -n 3 "$W/serve-8443.log"; return 1; }
		grep -q "^Reused, TLSv$v, Cipher is $c" "$W/t" || { echo "$k: not reused"; grep -E '^(New|Reused)' "$W/t"; return 1; }
		[ "$(last_kind 8443)" = "$k" ] || { echo "ktix-serve says $(last_kind 8443), not $k"; return 1; }
		body_ok "$W/t" || { tail -n 3 "$W/serve-8443.log"; return 1; }
		echo "TLSv$v $c: full, then $k; 10 MiB intact"
	done
}
t "TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256: full, ticket, session ID" matrix 1.2 ECDHE-ECDSA-AES128-GCM-SHA256
t "TLS 1.2 ECDHE-ECDSA-AES256-GCM-SHA384: full, ticket, session ID" matrix 1.2 ECDHE-ECDSA-AES256-GCM-SHA384
t "TLS 1.2 ECDHE-ECDSA-CHACHA20-POLY1305: full, ticket, session ID" matrix 1.2 ECDHE-ECDSA-CHACHA20-POLY1305
t "TLS 1.3 TLS_AES_128_GCM_SHA256: full, PSK" matrix 1.3 TLS_AES_128_GCM_SHA256
t "TLS 1.3 TLS_AES_256_GCM_SHA384: full, PSK" matrix 1.3 TLS_AES_256_GCM_SHA384
t "TLS 1.3 TLS_CHACHA20_POLY1305_SHA256: full, PSK" matrix 1.3 TLS_CHACHA20_POLY1305_SHA256

# IPv6: the core cases over ::1, through a ktix-serve listening there:
# TLS 1.2 full, ticket and session ID, TLS 1.3 full and PSK, the page intact.
ipv6() {
	local p=8446 v k s f out
	ip -6 addr show dev lo | grep -q '::1/128' || { echo "no ::1 on lo"; return 1; }
	"$BIN/ktix-serve" --listen "[::1]:$p" --root "$W/www" --socket "$W/a.sock" \
		>> "$W/serve-$p.log" 2>&1 &
	echo $! > "$W/serve-$p.pid"
	for _ in $(seq 100); do
		grep -q serving "$W/serve-$p.log" 2>/dev/null && break
		sleep 0.1
	done
	get6() {	# get6 [s_client options]
		printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
			timeout 60 openssl s_client -connect "[::1]:$p" -servername localhost \
			-ign_eof "$@" 2>&1
	}
	for k in 1.2:ticket 1.2:session_id 1.3:psk; do
		v=${k%%:*}
		s=$W/v6-$k
		f=(); [ "${k#*:}" = session_id ] && f=(-no_ticket)
		out=$(get6 "-tls${v/./_}" "${f[@]}" -sess_out "$s")
		grep -q '^New,' <<< "$out" && grep -q 'hello from ktix-serve' <<< "$out" &&
			[ "$(last_kind $p)" = full ] || { echo "TLS $v over ::1: no full handshake"; tail -n 2 "$W/serve-$p.log"; return 1; }
		out=$(get6 "-tls${v/./_}" "${f[@]}" -sess_in "$s")
		grep -q "^Reused, TLSv$v" <<< "$out" && grep -q 'hello from ktix-serve' <<< "$out" &&
			[ "$(last_kind $p)" = "${k#*:}" ] || { echo "TLS $v over ::1: not resumed by ${k#*:}"; tail -n 2 "$W/serve-$p.log"; return 1; }
		tail -n 1 "$W/serve-$p.log" | grep -q '^\[::1\]:[0-9]*: ' || { echo "peer not logged as [::1]:PORT"; return 1; }
		echo "TLS $v over ::1: full, then ${k#*:}: $(tail -n 1 "$W/serve-$p.log" | cut -d' ' -f1)"
	done
	stop "serve-$p"
}
t "IPv6: over ::1, TLS 1.2 full, ticket and session ID, TLS 1.3 full and PSK" ipv6

gnutls() {
	local prio out
	for prio in "NORMAL:-VERS-ALL:+VERS-TLS1.2" "NORMAL:-VERS-ALL:+VERS-TLS1.3"; do
		out=$(timeout 60 gnutls-cli --insecure --resume --priority "$prio" -p 8443 127.0.0.1 \
			< /dev/null 2>&1)
		grep -q 'This is a resumed session' <<< "$out" || { echo "$prio: not resumed"; echo "$out" | tail; return 1; }
		echo "$prio: $(tail -n 1 "$W/serve-8443.log")"
		grep -qE 'resumed=(ticket|psk)' <<< "$(tail -n 1 "$W/serve-8443.log")" || return 1
	done
}
t "gnutls-cli --resume, TLS 1.2 and 1.3" gnutls

curl_both() {
	local v out
	for v in 1.2 1.3; do
		out=$(curl -sk --tlsv$v --tls-max $v -H 'Connection: close' \
			https://127.0.0.1:8443/ https://127.0.0.1:8443/10m.bin 2>&1 | tail -c +23 | sha256sum)
		[ "${out%% *}" = "$(cut -d' ' -f1 "$W/10m.sha256")" ] || { echo "TLS $v: body differs"; return 1; }
		tail -n 2 "$W/serve-8443.log"
		# curl offers a ticket or a session ID as it sees fit.
		tail -n 1 "$W/serve-8443.log" | grep -qE 'resumed=(ticket|session_id|psk)' || return 1
	done
}
t "curl: two URLs, the second connection resumes, over 1.2 and 1.3" curl_both

datapath() {
	local before after ulp _
	before=$(awk '$1 == "TlsTxSw" { print $2 }' /proc/net/tls_stat)
	# A connection kept open until ss has seen it offloaded (20 s at
	# most: a loaded machine takes its time over the handshake).
	rm -f "$W/seen"
	(for _ in $(seq 200); do [ -e "$W/seen" ] && break; sleep 0.1; done
	 printf 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n') |
		openssl s_client -connect 127.0.0.1:8443 -ign_eof >"$W/open.out" 2>&1 &
	for _ in $(seq 150); do
		ulp=$(ss -tni state established '( sport = :8443 )')
		grep -q 'tcp-ulp-tls' <<< "$ulp" && break
		sleep 0.1
	done
	touch "$W/seen"
	wait $!
	after=$(awk '$1 == "TlsTxSw" { print $2 }' /proc/net/tls_stat)
	echo "TlsTxSw $before -> $after"
	echo "$ulp" | head -4
	[ "$after" -gt "$before" ] && grep -q 'tcp-ulp-tls' <<< "$ulp"
}
t "the data path is kTLS: tls_stat moves and ss shows tcp-ulp-tls" datapath

two_helpers() {
	start_ktixd b --workers 1 || return 1
	start_serve b 8444 || return 1
	hello 8443 -tls1_2 -sess_out "$W/two-t" >/dev/null
	hello 8443 -tls1_2 -no_ticket -sess_out "$W/two-s" >/dev/null
	hello 8443 -tls1_3 -sess_out "$W/two-p" >/dev/null
	hello 8444 -tls1_2 -sess_in "$W/two-t" | grep -q '^Reused' &&
		[ "$(last_kind 8444)" = ticket ] || { echo "ticket not resumed on b"; return 1; }
	hello 8444 -tls1_2 -no_ticket -sess_in "$W/two-s" | grep -q '^Reused' &&
		[ "$(last_kind 8444)" = session_id ] || { echo "session ID not resumed on b"; return 1; }
	hello 8444 -tls1_3 -sess_in "$W/two-p" | grep -q '^Reused' &&
		[ "$(last_kind 8444)" = psk ] || { echo "PSK not resumed on b"; return 1; }
	echo "ticket, session ID and PSK from helper a resumed on helper b"
}
t "two ktixd processes share tickets and session IDs" two_helpers

restart() {
	hello 8443 -tls1_2 -sess_out "$W/rs-t" >/dev/null
	hello 8443 -tls1_2 -no_ticket -sess_out "$W/rs-s" >/dev/null
	stop a
	start_ktixd a --workers 2 --deadline 3s || return 1
	# ktix-serve reconnects at its next connection.
	hello 8443 -tls1_2 -sess_in "$W/rs-t" | grep -q '^Reused' &&
		[ "$(last_kind 8443)" = ticket ] || { echo "ticket lost"; tail -n 3 "$W/serve-8443.log"; return 1; }
	hello 8443 -tls1_2 -no_ticket -sess_in "$W/rs-s" | grep -q '^Reused' &&
		[ "$(last_kind 8443)" = session_id ] || { echo "session ID lost"; return 1; }
	echo "after kill -9 and a new ktixd: ticket and session ID resume"
}
t "kill -9 ktixd, start it again: earlier sessions still resume" restart

rotation() {
	local name t0 t1 miss
	# A primary of this test's own: the key deleted below must not be the
	# one the suite's early ticket (the "expired" test) was made under.
	"$CTL" key rotate >/dev/null || return 1
	# Until ktixd's mirror follows, tickets are under the old primary.
	for _ in $(seq 40); do
		hello 8443 -tls1_2 -sess_out "$W/rot" > "$W/t"
		t0=$(ticket_of "$W/rot") || return 1
		name=${t0:0:32}
		"$CTL" key list | grep -q "^$name  primary" && break
		sleep 0.25
	done
	"$CTL" key list | grep -q "^$name  primary" || { echo "ticket key $name is not the primary"; "$CTL" key list; return 1; }
	"$CTL" key rotate >/dev/null && "$CTL" key rotate >/dev/null
	"$CTL" key list
	# Renewed under the new primary once the mirror follows.
	for _ in $(seq 40); do
		hello 8443 -tls1_2 -sess_in "$W/rot" > "$W/t"
		grep -q '^Reused' "$W/t" && [ "$(last_kind 8443)" = ticket ] ||
			{ echo "old ticket did not resume"; return 1; }
		# s_client prints the session it ends with: the renewed ticket.
		t1=$(grep -A1 'TLS session ticket:' "$W/t" | tail -n 1 |
			sed -E 's/^ *0000 - //' | cut -c 1-47 | tr -d ' -')
		"$CTL" key list | grep -q "^$t1  primary" && break
		sleep 0.25
	done
	[ ${#t1} = 32 ] && [ "$t1" != "$name" ] ||
		{ echo "not renewed under the new primary: ${t1:-no ticket}"; return 1; }
	"$CTL" key list | grep -q "^$t1  primary" || { echo "renewed under $t1, not the primary"; return 1; }
	echo "after two rotations the ticket of key $name resumed and was renewed under $t1"
	miss=$(stat_of KtixResumeMissUnknownKey)
	"$CTL" key del "$name" || return 1
	for _ in $(seq 40); do
		hello 8443 -tls1_2 -sess_in "$W/rot" > "$W/t"
		grep -q '^New,' "$W/t" && break
		sleep 0.25
	done
	grep -q '^New,' "$W/t" && [ "$(last_kind 8443)" = full ] || { echo "not a full handshake"; return 1; }
	[ "$(stat_of KtixResumeMissUnknownKey)" = $((miss + 1)) ] || { echo "KtixResumeMissUnknownKey did not move"; return 1; }
	echo "key $name deleted: a full handshake, KtixResumeMissUnknownKey $miss -> $((miss + 1))"
}
t "rotated twice an old ticket resumes and is renewed; its key gone, a full handshake" rotation

# A fleet's schedule on one host: a key added with encrypt_from encrypts
# from that time (ktixd picks it by its own clock; the module makes it
# primary), and a primary that would stop decrypting before a ticket
# expires issues no ticket.
scheduled() {
	local ri t from b c d out
	ri=$("$CTL" -j policy | python3 -c 'import json, sys; print(json.load(sys.stdin)["rotate_interval"])')
	"$CTL" policy set rotate-interval 0 external-keys 1 >/dev/null || return 1
	! "$CTL" key rotate 2>/dev/null || { echo "key rotate not refused under external-keys"; return 1; }
	t=$(date +%s) from=$((t + 3))
	b=$("$CTL" key add --encrypt-from @$from --encrypt-until @$((from + 3600)) \
		--decrypt-until @$((from + 3600 + 43200))) || return 1
	hello 8443 -tls1_2 -sess_out "$W/sch1" > /dev/null
	[ "$(ticket_of "$W/sch1" | cut -c 1-32)" != "$b" ] || { echo "$b encrypted before its time"; return 1; }
	while [ "$(date +%s)" -lt "$from" ]; do sleep 0.1; done
	hello 8443 -tls1_2 -sess_out "$W/sch2" > /dev/null
	[ "$(ticket_of "$W/sch2" | cut -c 1-32)" = "$b" ] || { echo "at its time the tickets are not under $b"; return 1; }
	for _ in $(seq 30); do "$CTL" key list | grep -q "^$b  primary" && break; sleep 0.1; done
	"$CTL" key list | grep -q "^$b  primary" || { echo "the module did not make $b primary"; "$CTL" key list; return 1; }
	hello 8443 -tls1_2 -sess_in "$W/sch1" | grep -q '^Reused' || { echo "a ticket of the old primary did not resume"; return 1; }
	echo "scheduled key $b: primary at its time, tickets under it; the old key's ticket resumed"
	# A primary that stops decrypting in 10 minutes, lifetime 12 h.  Its
	# encrypt_from is after $b's (the clock picks the latest that has
	# begun), and it is in the past when added.
	t=$((from + 1))
	while [ "$(date +%s)" -le "$t" ]; do sleep 0.1; done
	c=$("$CTL" key add --encrypt-from @$t --decrypt-until @$((t + 600))) || return 1
	# Until ktixd's mirror hears of $c, tickets are under $b; never under $c.
	for _ in $(seq 50); do
		hello 8443 -tls1_2 -sess_out "$W/sch4" > "$W/t"
		grep -q 'hello from ktix-serve' "$W/t" || { echo "no page"; return 1; }
		grep -q 'TLS session ticket:' "$W/t" || break
		[ "$(ticket_of "$W/sch4" | cut -c 1-32)" != "$c" ] || { echo "a ticket under $c, which expires first"; return 1; }
		sleep 0.2
	done
	out=$(hello 8443 -tls1_2; hello 8443 -tls1_3)
	[ "$(grep -c 'hello from ktix-serve' <<< "$out")" = 2 ] || { echo "no page"; return 1; }
	! grep -qE 'TLS session ticket:|New Session Ticket' <<< "$out" || { echo "a ticket while $c is primary, which expires first"; return 1; }
	grep -q 'no tickets: the primary key stops decrypting' "$W/a.log" || return 1
	# A key good for the lifetime, after $c: tickets again.
	t=$((t + 1))
	while [ "$(date +%s)" -le "$t" ]; do sleep 0.1; done
	d=$("$CTL" key add --encrypt-from @$t --encrypt-until @$((t + 3600)) \
		--decrypt-until @$((t + 3600 + 43200))) || return 1
	for _ in $(seq 50); do
		hello 8443 -tls1_2 -sess_out "$W/sch3" > "$W/t"
		grep -q 'TLS session ticket:' "$W/t" && break
		sleep 0.2
	done
	[ "$(ticket_of "$W/sch3" | cut -c 1-32)" = "$d" ] || { echo "no ticket under $d"; return 1; }
	echo "under $c (10 min left) no ticket, with a page; under $d tickets again"
	"$CTL" policy set external-keys 0 rotate-interval "$ri" >/dev/null
}
t "scheduled keys encrypt from their time; no ticket that would outlive its key" scheduled

revoked() {
	local handle miss
	hello 8443 -tls1_3 -sess_out "$W/rev" >/dev/null
	handle=$(tail -n 1 "$W/serve-8443.log" | grep -o 'handle=[0-9a-f]*' | cut -d= -f2)
	[ ${#handle} = 32 ] || { echo "no handle logged"; return 1; }
	hello 8443 -tls1_3 -sess_in "$W/rev" | grep -q '^Reused' || { echo "did not resume before"; return 1; }
	"$CTL" revoke "$handle" >/dev/null || return 1
	sleep 0.5
	miss=$(stat_of KtixResumeMissRevoked)
	hello 8443 -tls1_3 -sess_in "$W/rev" | grep -q '^New,' &&
		[ "$(last_kind 8443)" = full ] || { echo "revoked session resumed"; return 1; }
	[ "$(stat_of KtixResumeMissRevoked)" = $((miss + 1)) ] || return 1
	echo "handle $handle revoked: full handshake, counted"
}
t "a revoked session handle gets a full handshake" revoked

flipped() {
	local miss
	hello 8443 -tls1_2 -sess_out "$W/flip" >/dev/null
	# Flip one byte inside the ticket's encrypted part.
	python3 - "$W/flip" "$W/flip.bad" <<'EOF' || return 1
import base64, sys
pem = open(sys.argv[1]).read().split("\n")
der = bytearray(base64.b64decode("".join(l for l in pem if l and not l.startswith("-----"))))
# The ticket is the [10] EXPLICIT element: A4 or AA tag, then an OCTET STRING.
i = der.find(b"\xaa\x81")
if i < 0:
    i = der.find(b"\xaa\x82")
if i < 0:
    sys.exit("no ticket in the session")
der[i + 40] ^= 0x01
b = base64.b64encode(bytes(der)).decode()
open(sys.argv[2], "w").write("-----BEGIN SSL SESSION PARAMETERS-----\n" +
    "\n".join(b[k:k + 64] for k in range(0, len(b), 64)) +
    "\n-----END SSL SESSION PARAMETERS-----\n")
EOF
	miss=$(stat_of KtixResumeMissBadTicket)
	hello 8443 -tls1_2 -sess_in "$W/flip.bad" > "$W/t"
	grep -q '^New,' "$W/t" && grep -q 'hello from ktix-serve' "$W/t" &&
		[ "$(last_kind 8443)" = full ] || { echo "no clean full handshake"; tail "$W/t"; return 1; }
	[ "$(stat_of KtixResumeMissBadTicket)" = $((miss + 1)) ] || { echo "KtixResumeMissBadTicket did not move"; return 1; }
	echo "a ticket with one byte flipped: full handshake, the page served, counted"
}
t "a ticket with one byte flipped gets a full handshake" flipped

expired_sid() {
	local miss
	"$CTL" policy set session-lifetime 1s >/dev/null || return 1
	hello 8443 -tls1_2 -no_ticket -sess_out "$W/exp" >/dev/null
	sleep 2.2
	miss=$(stat_of KtixResumeMissCacheMiss)
	hello 8443 -tls1_2 -no_ticket -sess_in "$W/exp" | grep -q '^New,' &&
		[ "$(last_kind 8443)" = full ] || { echo "an expired session resumed"; return 1; }
	"$CTL" policy set session-lifetime 1h >/dev/null
	[ "$(stat_of KtixResumeMissCacheMiss)" = $((miss + 1)) ] || return 1
	echo "expired session ID: full handshake, KtixResumeMissCacheMiss counted"
}
t "an expired session ID gets a full handshake" expired_sid

many() {
	local v out
	# One OpenSSL client process with all 200 connections open at once:
	# 200 s_client processes starting together starve each other under
	# emulation.  The default deadline (10 s).
	stop a
	start_ktixd a || return 1
	for v in 2 3; do
		out=$("$BIN/../bench/hsload" -p 8443 -$v -r -n 200 -c 200 -t 120) ||
			{ echo "$out"; grep 'handshake failed' "$W/a.log" | tail -n 3; return 1; }
		echo "TLS 1.$v: $(grep -E '^(completed|failed|resumed|seconds) ' <<< "$out" | tr '\n' ' ')"
	done
}
t "200 clients resume one session at once" many

stalled() {
	local out
	stop a
	start_ktixd a --workers 2 --deadline 3s || return 1
	# A client that connects and says nothing; another that does its job.
	python3 -c 'import socket, time; s = socket.create_connection(("127.0.0.1", 8443)); time.sleep(6)' &
	sleep 0.3
	out=$(hello 8443 -tls1_3)
	grep -q 'hello from ktix-serve' <<< "$out" || { echo "the good client was delayed or failed"; return 1; }
	wait $!
	grep -q 'did not finish within 3000ms' "$W/a.log" || { echo "no deadline in ktixd's log"; tail -n 5 "$W/a.log"; return 1; }
	grep 'did not finish' "$W/a.log" | tail -n 1
}
t "a stalled client is cut off at the deadline; others go on" stalled

garbage() {
	python3 -c '
import socket
s = socket.create_connection(("127.0.0.1", 8443))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 4)
s.settimeout(10)
try:
    d = s.recv(100)
except ConnectionResetError:
    d = b""
print("server answered %d bytes, then closed" % len(d))
' || return 1
	hello 8443 -tls1_2 | grep -q 'hello from ktix-serve' || return 1
	grep 'handshake failed' "$W/a.log" | tail -n 1
	grep -q 'handshake failed.*TLS' "$W/a.log"
}
t "plaintext instead of a ClientHello closes that connection only" garbage

reneg() {
	local out r
	# One connection: "R" on s_client's input asks for a renegotiation,
	# then a request.  Without the "R" the same pipeline gets the page
	# (the control); with it the connection must end there.
	for r in "" R; do
		out=$( (sleep 1; [ -n "$r" ] && echo R; sleep 1
			printf 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'; sleep 2) |
			timeout 20 openssl s_client -connect 127.0.0.1:8443 -tls1_2 2>&1)
		if [ -z "$r" ]; then
			grep -q 'hello from ktix-serve' <<< "$out" || { echo "control: no page"; return 1; }
			continue
		fi
		grep -q 'RENEGOTIATING' <<< "$out" || { echo "s_client did not try"; return 1; }
		grep -q 'hello from ktix-serve' <<< "$out" &&
			{ echo "the connection went on after a renegotiation attempt"; return 1; }
	done
	hello 8443 -tls1_2 | grep -q 'hello from ktix-serve' || return 1
	echo "renegotiation refused (the connection ended, no page); the next client is served"
}
t "a renegotiation attempt is refused without harm to others" reneg

bad_requests() {
	python3 - "$W/a.sock" <<'EOF' || return 1
import array, socket, struct, sys
p = sys.argv[1]
def ask(payload, fds=()):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(p)
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
    s.sendmsg([payload], anc)
    s.settimeout(10)
    r = s.recv(4096)
    status, = struct.unpack_from("i", r, 16)
    err = r[884:884 + 256].split(b"\0")[0].decode()
    print("status %d: %s" % (status, err))
    return status
req = struct.pack("=IHHQII", 0x6b746978, 1, 24, 7, 0, 0)
assert ask(b"garbage") < 0
assert ask(req) < 0                                  # no socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
assert ask(req, [u.fileno()]) < 0                     # not TCP
assert ask(struct.pack("=IHHQII", 0x6b746978, 9, 24, 7, 0, 0), [u.fileno()]) < 0
EOF
	hello 8443 -tls1_3 | grep -q 'hello from ktix-serve' || { echo "ktixd stopped serving"; return 1; }
	grep -c 'bad request' "$W/a.log"
}
t "malformed requests on the Unix socket are answered; ktixd goes on" bad_requests

http() {
	local u=https://127.0.0.1:8443 out
	mkdir -p "$W/outside"; echo secret > "$W/outside/secret.txt"
	ln -sf "$W/outside/secret.txt" "$W/www/link.txt"
	code() { curl -sk -o /dev/null -w '%{http_code}' "$@"; }
	[ "$(code "$u/")" = 200 ] || { echo "GET /"; return 1; }
	[ "$(code -I "$u/10m.bin")" = 200 ] || { echo "HEAD"; return 1; }
	curl -skI "$u/10m.bin" | grep -qi '^content-length: 10485760' || { echo "HEAD length"; return 1; }
	[ "$(code "$u/nothing")" = 404 ] || { echo "404"; return 1; }
	[ "$(code -X POST "$u/")" = 405 ] || { echo "405"; return 1; }
	[ "$(code --path-as-is "$u/../outside/secret.txt")" = 400 ] || { echo "../ not refused"; return 1; }
	[ "$(code --path-as-is "$u/%2e%2e/outside/secret.txt")" = 400 ] || { echo "%2e%2e not refused"; return 1; }
	[ "$(code "$u/link.txt")" = 404 ] || { echo "a symlink out of the root was followed"; return 1; }
	out=$(printf 'BREW / HTCPCP/1.0\r\n\r\n' | openssl s_client -quiet -connect 127.0.0.1:8443 2>/dev/null)
	grep -q '^HTTP/1.1 400' <<< "$out" || { echo "garbage request: $out"; return 1; }
	# Keep-alive: three requests on one connection, one handshake.
	before=$(wc -l < "$W/serve-8443.log")
	out=$(curl -sk -w '%{num_connects}\n' "$u/" "$u/" "$u/")
	[ "$(grep -c 'hello from ktix-serve' <<< "$out")" = 3 ] || { echo "keep-alive: $out"; return 1; }
	[ "$(($(wc -l < "$W/serve-8443.log") - before))" = 1 ] || { echo "keep-alive: more than one handshake"; return 1; }
	echo "GET, HEAD, 404, 405, 400, no escape by .., %2e%2e or a symlink; keep-alive"
}
t "ktix-serve: GET, HEAD, keep-alive, 400, 404, 405, nothing outside the root" http

# stalled_readers PORT LOG WORD N PROBE...: N clients (tls_pipe -S) that
# send what is on standard input and then read nothing, while the command
# PROBE (another client) runs again and again until LOG has N lines with
# WORD (their connections closed at --idle-timeout).  Says the slowest
# probe; fails if one took 2.5 s or more, or the N were not all closed.
# A server that waited for room for each one's close_notify (libktix's
# ktix_ktls_close(), a second at most) held its event loop N seconds
# over one or two sweeps.
stalled_readers() {
	local port=$1 log=$2 word=$3 n=$4 i pids=() t0 t1 ms max=0 reqs=0 up
	local input
	shift 4
	input=$(cat)
	for i in $(seq "$n"); do
		"$TLS_PIPE" -3 -S 30 127.0.0.1 "$port" <<< "$input" >/dev/null 2>"$W/stall-$port-$i.err" &
		pids+=($!)
	done
	# Their handshakes first: the slow probes to find are the loop's.
	for _ in $(seq 300); do
		[ "$(cat "$W/stall-$port-"*.err | grep -c holding)" -ge "$n" ] && break
		sleep 0.1
	done
	up=$(date +%s)
	while [ "$(grep -c -- "$word" "$log")" -lt "$n" ] && [ $(($(date +%s) - up)) -lt 30 ]; do
		t0=$(date +%s%N)
		"$@" || { echo "the probe failed"; kill "${pids[@]}"; return 1; }
		t1=$(date +%s%N)
		ms=$(( (t1 - t0) / 1000000 ))
		[ "$ms" -gt "$max" ] && max=$ms
		reqs=$((reqs + 1))
	done
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	echo "$(grep -c -- "$word" "$log") of $n clients that read nothing closed at --idle-timeout; $reqs probes meanwhile, the slowest $max ms"
	[ "$(grep -c -- "$word" "$log")" -ge "$n" ] && [ "$reqs" -gt 0 ] && [ "$max" -lt 2500 ]
}

# slow_reader PORT WANT: tls_pipe -D 1 sends standard input, reads
# nothing for a second, then reads to the end: the end of what it read
# must be the file WANT, and the server's end a close_notify (which waits
# for room in the loop when the last record fills the send buffer; how
# often that happens no test decides).
slow_reader() {
	local rc
	"$TLS_PIPE" -3 -D 1 127.0.0.1 "$1" > "$W/slow.out" 2> "$W/slow.err"
	rc=$?
	echo "a slow reader: $(stat -c %s "$W/slow.out") bytes, then $(tail -n 1 "$W/slow.err") (exit $rc)"
	[ $rc = 0 ] && tail -c "$(stat -c %s "$2")" "$W/slow.out" | cmp -s - "$2"
}

# Sixteen clients ask for 10 MiB and read nothing: each is closed at
# --idle-timeout without its close_notify (no room for it), and meanwhile
# ktix-serve answers another client at once.  A slow reader still gets
# all and the close_notify.
serve_stalled_readers() {
	local get=$'GET /10m.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r'
	start_serve a 8477 --idle-timeout 2s || return 1
	stalled_readers 8477 "$W/serve-8477.log" 'took nothing for too long' 16 \
		curl -sS -o /dev/null --cacert "$W/ec.pem" https://localhost:8477/ \
		<<< "$get" || return 1
	slow_reader 8443 "$W/www/10m.bin" <<< "$get"
}
t "ktix-serve: clients that read nothing cost their own connections only" serve_stalled_readers

hint() {
	local h
	"$CTL" policy set ticket-lifetime 5m retention 1h >/dev/null || return 1
	# Once ktixd's mirror has the new policy.
	for _ in $(seq 40); do
		h=$(hello 8443 -tls1_3 | grep -o 'lifetime hint: [0-9]*' | head -n 1 | grep -o '[0-9]*$')
		[ -n "$h" ] && [ "$h" -le 300 ] && [ "$h" -gt 0 ] && break
		sleep 0.25
	done
	"$CTL" policy set ticket-lifetime 12h retention 12h >/dev/null
	echo "ticket lifetime 300 s: hint $h s"
	[ -n "$h" ] && [ "$h" -le 300 ] && [ "$h" -gt 0 ]
}
t "the ticket lifetime hint follows the policy" hint

no_resume() {
	local out
	start_ktixd c --set tickets=no --set session-ids=no || return 1
	start_serve c 8445 || return 1
	hello 8445 -tls1_2 -sess_out "$W/nr" > "$W/t"
	grep -q 'TLS session ticket:' "$W/t" && { echo "a ticket was issued"; return 1; }
	# No ticket and no session ID: OpenSSL has nothing resumable to save.
	if [ -e "$W/nr" ]; then
		out=$(hello 8445 -tls1_2 -sess_in "$W/nr")
	else
		out=New,
	fi
	grep -q '^New,' <<< "$out" || { echo "resumed with tickets and session IDs off"; echo "$out" | grep -E '^(New|Reused)|Session-ID:|error'; tail -n 3 "$W/c.log"; return 1; }
	hello 8445 -tls1_3 | grep -q 'hello from ktix-serve' || return 1
	stop c
	stop serve-8445
	echo "tickets = no, session-ids = no: no ticket, no resumption, handshakes work"
}
t "tickets = no and session-ids = no turn resumption off" no_resume

sni_alpn() {
	local out
	stop a
	start_ktixd a --workers 2 --deadline 3s --cert "$W/rsa.pem" --key "$W/rsa.key" \
		--set alpn=h2,http/1.1 || return 1
	out=$(hello 8443 -servername other.test -alpn http/1.1)
	grep -q 'subject=CN = other.test' <<< "$out" || { echo "SNI other.test: wrong certificate"; return 1; }
	grep -q 'ALPN protocol: http/1.1' <<< "$out" || { echo "no ALPN"; return 1; }
	grep -q 'Peer signature type: RSA' <<< "$out" || echo "(RSA signature type not shown)"
	out=$(hello 8443 -servername localhost)
	grep -q 'subject=CN = localhost' <<< "$out" || { echo "default certificate not used"; return 1; }
	tail -n 2 "$W/serve-8443.log"
	grep -q 'sni=other.test alpn=http/1.1' "$W/serve-8443.log"
}
t "SNI picks the RSA or the ECDSA certificate; ALPN is agreed" sni_alpn

mtls() {
	local out
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$W/cli.key" -out "$W/cli.pem" -subj /CN=client-one 2>/dev/null
	stop a
	start_ktixd a --deadline 3s --set client-ca="$W/cli.pem" --set verify-client=require || return 1
	out=$(hello 8443 -tls1_3 -cert "$W/cli.pem" -key "$W/cli.key")
	grep -q 'hello from ktix-serve' <<< "$out" || { echo "verified client refused"; return 1; }
	out=$(hello 8443 -tls1_3)
	grep -q 'hello from ktix-serve' <<< "$out" && { echo "a client without a certificate was served"; return 1; }
	grep 'handshake failed' "$W/a.log" | tail -n 1
	grep -q 'peer did not return a certificate\|certificate required' "$W/a.log"
}
t "verify-client require: a client certificate is needed" mtls

busy() {
	local out
	stop a
	start_ktixd a --deadline 3s --set max-inflight=1 || return 1
	python3 -c 'import socket, time; s = socket.create_connection(("127.0.0.1", 8443)); time.sleep(4)' &
	in_ktixd "$(cat "$W/a.pid")" || return 1
	out=$(hello 8443 -tls1_3)
	wait $!
	grep -q 'hello from ktix-serve' <<< "$out" && { echo "served beyond max-inflight"; return 1; }
	tail -n 3 "$W/serve-8443.log" | grep 'busy'
}
t "beyond max-inflight a request is answered busy at once" busy

sigterm() {
	local t0 rc
	stop a
	# Its own child, to see its exit status.
	"$BIN/ktixd" --cert "$W/ec.pem" --key "$W/ec.key" --socket "$W/a.sock" \
		--foreground --deadline 3s >/dev/null 2>>"$W/a.log" &
	echo $! > "$W/a.pid"
	for _ in $(seq 100); do [ -S "$W/a.sock" ] && break; sleep 0.1; done
	# A handshake in flight (stalled) when SIGTERM comes: ktixd waits for it.
	python3 -c 'import socket, time; s = socket.create_connection(("127.0.0.1", 8443)); time.sleep(5)' &
	in_ktixd "$(cat "$W/a.pid")" || return 1
	t0=$(date +%s%N)
	kill -TERM "$(cat "$W/a.pid")"
	wait "$(cat "$W/a.pid")"
	rc=$?
	echo "ktixd exited with $rc after $(( ($(date +%s%N) - t0) / 1000000 ))ms"
	rm -f "$W/a.pid"
	wait
	grep 'SIGTERM\|Terminated' "$W/a.log" | tail -n 1
	[ "$rc" = 0 ] && [ ! -e "$W/a.sock" ] && grep -q 'did not finish' <<< "$(tail -n 3 "$W/a.log")"
}
t "SIGTERM finishes the handshakes in flight, then exits" sigterm

sighup() {
	local out
	cp "$W/ec.pem" "$W/cur.pem"; cp "$W/ec.key" "$W/cur.key"
	"$BIN/ktixd" --cert "$W/cur.pem" --key "$W/cur.key" --socket "$W/a.sock" \
		--foreground >/dev/null 2>>"$W/a.log" &
	echo $! > "$W/a.pid"
	for _ in $(seq 100); do [ -S "$W/a.sock" ] && break; sleep 0.1; done
	hello 8443 | grep -q 'subject=CN = localhost' || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$W/cur.key" -out "$W/cur.pem" -subj /CN=renewed.test 2>/dev/null
	kill -HUP "$(cat "$W/a.pid")"
	for _ in $(seq 40); do
		out=$(hello 8443)
		grep -q 'subject=CN = renewed.test' <<< "$out" && break
		sleep 0.25
	done
	grep -q 'subject=CN = renewed.test' <<< "$out" || { echo "certificate not reloaded"; return 1; }
	echo "after SIGHUP the renewed certificate is served"
}
t "SIGHUP loads the certificates again" sighup

client_api() {
	# The blocking call of libktix, an OpenSSL client on the other end.
	# ktixd a, after SIGTERM, is SIGHUP's (which E2E_SKIP may skip).
	[ -S "$W/a.sock" ] || start_ktixd a --workers 2 --deadline 3s || return 1
	KTIX_SOCK=$W/a.sock "$BIN/../selftests/ktix_client" > "$W/client.out" 2>&1
	local rc=$?
	grep -vE '^#  RUN|^#  +OK' "$W/client.out"
	[ "$rc" = 0 ] && grep -q 'pass:12 fail:0 xfail:0 xpass:0 skip:1' "$W/client.out"
}
t "libktix: ktix_handshake() blocking, then plaintext over kTLS; a KeyUpdate through ktixd; records in pieces" client_api

expired_ticket() {
	local age miss
	# The early ticket's configuration (the SIGHUP test left another
	# certificate: another security context, KtixResumeMissContext).
	stop a
	start_ktixd a --workers 2 --deadline 3s || return 1
	# ktix-serve reconnects at its next connection: a page first.
	for _ in $(seq 40); do
		hello 8443 > "$W/t"
		grep -q 'hello from ktix-serve' "$W/t" && break
		sleep 0.5
	done
	grep -q 'hello from ktix-serve' "$W/t" || {
		echo "ktix-serve serves no page through the new ktixd:"
		grep -E 'error|alert|Verify' "$W/t" | head -n 3
		tail -n 5 "$W/serve-8443.log"; tail -n 5 "$W/a.log"; return 1; }
	age=$(( $(date +%s) - $(cat "$W/early.time") ))
	# The policy's shortest lifetime is 60 s; most of it has passed already.
	[ "$age" -gt 61 ] || sleep $((62 - age))
	miss=$(stat_of KtixResumeMissExpired)
	"$CTL" policy set ticket-lifetime 60s retention 12h >/dev/null || return 1
	# ktixd's mirror follows the policy's notification: until it has,
	# the ticket may still resume (under load that takes a while).
	for _ in $(seq 40); do
		hello 8443 -tls1_2 -sess_in "$W/early" > "$W/t"
		grep -q '^New,' "$W/t" && break
		sleep 0.25
	done
	"$CTL" policy set ticket-lifetime 12h >/dev/null
	grep -q '^New,' "$W/t" && [ "$(last_kind 8443)" = full ] || {
		echo "no full handshake for the old ticket (last: $(last_kind 8443)); its ticket key $(ticket_of "$W/early" | cut -c 1-32)"
		grep -E '^(New|Reused)|error|alert' "$W/t" | head -n 3
		"$CTL" key list; "$CTL" policy; tail -n 5 "$W/serve-8443.log"; tail -n 5 "$W/a.log"; return 1; }
	[ "$(stat_of KtixResumeMissExpired)" = $((miss + 1)) ] ||
		{ echo "KtixResumeMissExpired did not move"; tail -n 2 "$W/a.log"; return 1; }
	echo "a ticket $(( $(date +%s) - $(cat "$W/early.time") ))s old, lifetime 60s: full handshake, counted"
}
t "a ticket older than the lifetime gets a full handshake" expired_ticket

counters() {
	"$CTL" stats | grep -E 'Offload(Full|Ticket|SessionId|Psk)|ResumeMiss'
	[ "$(stat_of KtixOffloadTicket)" -gt 0 ] && [ "$(stat_of KtixOffloadSessionId)" -gt 0 ] &&
		[ "$(stat_of KtixOffloadPsk)" -gt 0 ] && [ "$(stat_of KtixOffloadFull)" -gt 0 ]
}
t "the module counts handshakes by kind and misses by reason" counters

# The counters for Prometheus: promtool accepts them, each figure of
# /proc/net/ktix_stat is one sample of the same value, and a resumption
# moves its sample.
prometheus() {
	local before after
	command -v promtool >/dev/null ||
		{ echo "no promtool (scripts/install-deps installs Debian's prometheus)"; return 1; }
	"$CTL" stats --format prometheus > "$W/m1.prom" || return 1
	promtool check metrics < "$W/m1.prom" || { head -n 20 "$W/m1.prom"; return 1; }
	before=$(sed -n 's/^ktix_resumptions_total{kind="ticket"} //p' "$W/m1.prom")
	hello 8443 -tls1_2 -sess_out "$W/prom" >/dev/null
	hello 8443 -tls1_2 -sess_in "$W/prom" | grep -q '^Reused' ||
		{ echo "the ticket did not resume"; return 1; }
	"$CTL" stats --format prometheus > "$W/m2.prom" || return 1
	after=$(sed -n 's/^ktix_resumptions_total{kind="ticket"} //p' "$W/m2.prom")
	[ -n "$before" ] && [ "$after" = $((before + 1)) ] ||
		{ echo "ktix_resumptions_total{kind=\"ticket\"}: $before, then $after"; return 1; }
	[ "$after" = "$(stat_of KtixOffloadTicket)" ] ||
		{ echo "$after, but KtixOffloadTicket $(stat_of KtixOffloadTicket)"; return 1; }
	[ "$(grep -vc '^#' "$W/m2.prom")" = "$("$CTL" stats | wc -l)" ] ||
		{ echo "$(grep -vc '^#' "$W/m2.prom") samples for $("$CTL" stats | wc -l) counters"; return 1; }
	grep -E '^ktix_(resumptions|resume_misses)_total' "$W/m2.prom" | head -n 4
	! "$CTL" -j stats --format prometheus 2>/dev/null &&
		! "$CTL" stats --format xml 2>/dev/null
}
t "stats --format prometheus passes promtool and follows a resumption" prometheus

# session-max-age: a session renewed at each use still ends that long
# after its full handshake (RFC 8446 4.6.1).  TLS 1.3 (its ticket renewed
# at every resumption, the renewed one keeping the time of the full
# handshake) and TLS 1.2 by session ID: resumed 1.5 s after the full
# handshake, then, past 3 s, a full handshake counted as expired.
max_age() {
	local miss t0 dec
	start_ktixd x --set session-max-age=3s && start_serve x 8476 || return 1
	t0=$(date +%s)
	hello 8476 -tls1_3 -sess_out "$W/age-13" > /dev/null
	hello 8476 -tls1_2 -no_ticket -sess_out "$W/age-12" > /dev/null
	sleep 1.5
	hello 8476 -tls1_3 -sess_in "$W/age-13" -sess_out "$W/age-13.renewed" | grep -q '^Reused, TLSv1.3' &&
		hello 8476 -tls1_2 -no_ticket -sess_in "$W/age-12" | grep -q '^Reused, TLSv1.2' ||
		{ echo "not resumed within session-max-age"; tail -n 2 "$W/serve-8476.log"; return 1; }
	dec=$("$CTL" -j ticket decode -f "$W/age-13.renewed") || return 1
	echo "the renewed TLS 1.3 ticket: $(grep -o '"issued":[0-9]*,"established":[0-9]*' <<< "$dec") (full handshake at $t0)"
	[ "$(sed -n 's/.*"established":\([0-9]*\).*/\1/p' <<< "$dec")" -le $((t0 + 1)) ] ||
		{ echo "the renewal did not keep the full handshake's time"; return 1; }
	miss=$(stat_of KtixResumeMissExpired)
	sleep 2.5
	hello 8476 -tls1_3 -sess_in "$W/age-13.renewed" | grep -q '^New, TLSv1.3' &&
		hello 8476 -tls1_2 -no_ticket -sess_in "$W/age-12" | grep -q '^New, TLSv1.2' ||
		{ echo "resumed past session-max-age"; tail -n 2 "$W/serve-8476.log"; return 1; }
	echo "past 3 s: full handshakes; KtixResumeMissExpired $miss -> $(stat_of KtixResumeMissExpired)"
	[ "$(stat_of KtixResumeMissExpired)" = $((miss + 2)) ] || return 1
	stop serve-8476
	stop x
}
t "session-max-age ends a session renewed at every use, TLS 1.3 ticket and TLS 1.2 session ID" max_age

# ktixd --metrics: GET /metrics is what ktixctl prints, passes promtool,
# and follows a resumption made through another ktixd (the counters are
# the namespace's); other paths 404, other methods 405; a ktixd not asked
# listens on no TCP port; a taken port stops ktixd with one line.
metrics_http() {
	local before after code pid
	start_ktixd m --metrics 127.0.0.1:9465 || return 1
	grep -q 'metrics: the module.s counters at http://127.0.0.1:9465/metrics' "$W/m.log" ||
		{ echo "ktixd did not say where its metrics are"; cat "$W/m.log"; return 1; }
	curl -sS -D "$W/m3.head" http://127.0.0.1:9465/metrics > "$W/m3.prom" || return 1
	promtool check metrics < "$W/m3.prom" || { head -n 20 "$W/m3.prom"; return 1; }
	grep -qi '^content-type: text/plain; version=0.0.4' "$W/m3.head" ||
		{ echo "content type:"; cat "$W/m3.head"; return 1; }
	"$CTL" stats --format prometheus | cmp -s - "$W/m3.prom" ||
		{ echo "/metrics and ktixctl stats --format prometheus differ"; return 1; }
	before=$(sed -n 's/^ktix_resumptions_total{kind="psk"} //p' "$W/m3.prom")
	hello 8443 -tls1_3 -sess_out "$W/mprom" >/dev/null
	hello 8443 -tls1_3 -sess_in "$W/mprom" | grep -q '^Reused' ||
		{ echo "the session did not resume"; return 1; }
	after=$(curl -sS http://127.0.0.1:9465/metrics | sed -n 's/^ktix_resumptions_total{kind="psk"} //p')
	echo "ktix_resumptions_total{kind=\"psk\"}: $before, after a resumption $after"
	[ -n "$before" ] && [ "$after" = $((before + 1)) ] || return 1
	for req in "GET /" "GET /metrics/x" "POST /metrics" "DELETE /metrics"; do
		code=$(curl -s -o /dev/null -w '%{http_code}' -X "${req% *}" "http://127.0.0.1:9465${req#* }")
		echo "$req: $code"
		case $req in
		GET*) [ "$code" = 404 ] || return 1 ;;
		*) [ "$code" = 405 ] || return 1 ;;
		esac
	done
	[ "$(curl -sI -o /dev/null -w '%{http_code}' http://127.0.0.1:9465/metrics)" = 200 ] || return 1
	pid=$(cat "$W/a.pid")
	! ss -Htlnp | grep -q "pid=$pid," || { echo "ktixd a listens on TCP:"; ss -Htlnp | grep "pid=$pid,"; return 1; }
	# The port taken: the second ktixd stops, and says why.
	"$BIN/ktixd" --cert "$W/ec.pem" --key "$W/ec.key" --socket "$W/m2.sock" \
		--metrics 127.0.0.1:9465 2> "$W/m2.err" &
	pid=$!
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		echo "a second ktixd on the same metrics port runs"
		return 1
	fi
	grep 'metrics: cannot serve on 127.0.0.1:9465' "$W/m2.err"
	stop m
}
t "ktixd --metrics: /metrics passes promtool and follows a resumption; 404, 405; off by default" metrics_http

# ktixctl ticket decode on tickets s_client got from ktixd: the fields
# agree with what s_client and ktix-serve saw, in the session file, in hex
# and in base64 on standard input; a revocation shows; a flipped byte, an
# unknown key, garbage and a short ticket each get one line and exit 1;
# without CAP_NET_ADMIN nothing is opened.
ticket_decode() {
	local v f hex handle line
	for v in 1.2 1.3; do
		f=$W/td-$v
		hello 8443 "-tls${v/./_}" -sess_out "$f" > "$W/td.t" || return 1
		handle=$(tail -n 1 "$W/serve-8443.log" | grep -o 'handle=[0-9a-f]*' | cut -d= -f2)
		"$CTL" ticket decode -f "$f" > "$W/td.out" || return 1
		cat "$W/td.out"
		grep -q "^version *TLSv$v\$" "$W/td.out" &&
			grep -q "^cipher *$(sed -n 's/.*Cipher is //p' "$W/td.t" | head -n 1)\$" "$W/td.out" &&
			grep -q "^server name *localhost\$" "$W/td.out" &&
			grep -q "^handle *$handle\$" "$W/td.out" &&
			grep -q "^revoked *no\$" "$W/td.out" &&
			grep -q "^lifetime hint *[1-9][0-9]*s\$" "$W/td.out" ||
			{ echo "TLS $v: fields differ from s_client's (handle $handle)"; return 1; }
		hex=$(ticket_of "$f") || return 1
		"$CTL" -j ticket decode -f "$f" > "$W/td.json" || return 1
		"$CTL" -j ticket decode "$hex" > "$W/td.hex.json" || return 1
		python3 -c 'import base64, sys; print(base64.encodebytes(bytes.fromhex(sys.argv[1])).decode())' "$hex" |
			"$CTL" -j ticket decode -f - > "$W/td.b64.json" || return 1
		python3 - "$W/td.json" "$W/td.hex.json" "$W/td.b64.json" "$hex" "$handle" "$v" <<'EOF' || return 1
import json, sys
f, h, b = (json.load(open(p)) for p in sys.argv[1:4])
hexticket, handle, v = sys.argv[4:7]
assert f["key"]["name"] == hexticket[:32], (f["key"], hexticket[:32])
assert f["key"]["state"] == "primary", f["key"]
assert f["handle"] == handle and f["revoked"] is False, f
assert f["version"] == "TLSv" + v and f["sni"] == "localhost", f
assert f["length"] == len(hexticket) // 2 and f["lifetime_hint"] > 0, f
for o in (h, b):
    assert o["lifetime_hint"] is None, o
    o["lifetime_hint"] = f["lifetime_hint"]
    assert o == f, (o, f)
print("json: the same from the file, hex and base64")
EOF
	done
	# Revoked: shown as such.
	"$CTL" revoke "$handle" >/dev/null || return 1
	"$CTL" ticket decode "$hex" | grep '^revoked *yes, until ' || return 1
	# One line and exit 1 for each bad ticket.
	bad() {	# bad WHAT EXPECTED TICKET
		if "$CTL" ticket decode "$3" > /dev/null 2> "$W/td.err"; then
			echo "$1: decoded"; return 1
		fi
		line=$(cat "$W/td.err")
		echo "$1: $line"
		[ "$(wc -l < "$W/td.err")" = 1 ] && grep -q "$2" <<< "$line" ||
			{ echo "$1: expected '$2'"; return 1; }
	}
	bad "a flipped byte" "bad MAC under key ${hex:0:32}" \
		"${hex:0:100}$(printf '%x' $(( (0x${hex:100:1} + 1) % 16 )))${hex:101}" &&
		bad "an unknown key" "key ffffffffffffffffffffffffffffffff is not in the ring" \
			"ffffffffffffffffffffffffffffffff${hex:32}" &&
		bad "garbage" "neither hex, base64 nor an s_client -sess_out file" 'no ticket here!' &&
		bad "a short ticket" "not a ticket: 4 bytes" 00112233 || return 1
	# Without CAP_NET_ADMIN the keys are not given: nothing is opened.
	if setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$CTL" ticket decode "$hex" > "$W/td.np" 2>&1; then
		echo "decoded as nobody"; cat "$W/td.np"; return 1
	fi
	cat "$W/td.np"
	! grep -q '^version' "$W/td.np" && grep -q 'CAP_NET_ADMIN' "$W/td.np"
}
t "ktixctl ticket decode: real tickets as file, hex and base64; bad ones refused in one line" ticket_decode

# Living beside HAProxy: the ring exported in HAProxy's format, HAProxy
# issues tickets under its primary, and ktixd resumes them (TLS 1.2 and
# 1.3), renewing each with a ktix handle.  Another server's session
# resumes only for its server name.
foreign() {
	local v hp sess out miss handle
	# HAProxy encrypts with the second-last line: the ring needs a next
	# key after the primary (earlier tests may have left none).
	"$CTL" -j key list | grep -q '"state":"next"' || "$CTL" key add > /dev/null || return 1
	"$CTL" key export "$W/hap.keys" --format haproxy || return 1
	cat "$W/ec.pem" "$W/ec.key" > "$W/hap.pem"
	printf '%s\n' global defaults '	mode http' '	timeout client 5s' '	timeout connect 5s' \
		'	timeout server 5s' frontend\ f \
		"	bind 127.0.0.1:8471 ssl crt $W/hap.pem tls-ticket-keys $W/hap.keys" \
		'	http-request return status 200 content-type text/plain string hello-from-haproxy' \
		> "$W/hap.cfg"
	haproxy -f "$W/hap.cfg" -db > "$W/haproxy.log" 2>&1 &
	hp=$!
	echo "$hp" > "$W/haproxy.pid"
	wait_listen 8471 || return 1
	# TLS 1.3 resumes only under a suite of the session's hash (RFC 8446
	# 4.2.11): the client asks for the one ktixd prefers.
	for v in 1.2 1.3; do
		sess=$W/hap-$v
		hello 8471 "-tls${v/./_}" -ciphersuites TLS_AES_128_GCM_SHA256 -sess_out "$sess" |
			grep -q hello-from-haproxy ||
			{ echo "HAProxy did not answer"; cat "$W/haproxy.log"; return 1; }
		"$CTL" -j ticket decode -f "$sess" | grep -q '"handle":null' ||
			{ echo "not a HAProxy ticket under the ring"; return 1; }
		out=$(hello 8443 "-tls${v/./_}" -sess_in "$sess" -sess_out "$sess.renewed")
		grep -q "^Reused, TLSv$v" <<< "$out" && grep -q 'hello from ktix-serve' <<< "$out" ||
			{ echo "TLS $v: HAProxy's ticket did not resume on ktixd"; tail -n 1 "$W/serve-8443.log"; return 1; }
		echo "TLS $v: HAProxy's ticket resumed on ktixd: $(tail -n 1 "$W/serve-8443.log")"
		[ "$(last_kind 8443)" = "$([ $v = 1.2 ] && echo ticket || echo psk)" ] || return 1
		# Renewed with a handle, which the offload reports; s_client
		# keeps TLS 1.3's new tickets (not a renewed TLS 1.2 one).
		handle=$(tail -n 1 "$W/serve-8443.log" | grep -o 'handle=[0-9a-f]*' | cut -d= -f2)
		[ ${#handle} = 32 ] || { echo "TLS $v: no handle after the resumption"; return 1; }
		[ $v = 1.2 ] || "$CTL" -j ticket decode -f "$sess.renewed" | grep -q "\"handle\":\"$handle\"" ||
			{ echo "TLS $v: the new ticket has not the handle $handle"; return 1; }
	done
	# The other way: a ktixd whose sessions carry HAProxy's session-ID
	# context ("haproxy", as ticket decode shows it in HAProxy's tickets:
	# session-id-context) issues tickets under the same ring that HAProxy
	# resumes, TLS 1.2 and 1.3; they still resume on that ktixd, and not
	# on ktixd a (another context).
	"$CTL" -j ticket decode -f "$W/hap-1.2" | grep -q '"session_id_context":"686170726f7879"' ||
		{ echo "HAProxy's session-ID context is not \"haproxy\""; "$CTL" ticket decode -f "$W/hap-1.2"; return 1; }
	start_ktixd h --set session-id-context=haproxy --set foreign-tickets=no &&
		start_serve h 8474 || return 1
	# (and with foreign-tickets off, HAProxy's ticket is not taken: a bad
	# ticket for that ktixd, not a question of context)
	miss=$(stat_of KtixResumeMissBadTicket)
	hello 8474 -tls1_2 -sess_in "$W/hap-1.2" | grep -q '^New, ' &&
		[ "$(stat_of KtixResumeMissBadTicket)" = $((miss + 1)) ] ||
		{ echo "foreign-tickets = no: HAProxy's ticket taken, or not counted as bad"; return 1; }
	for v in 1.2 1.3; do
		sess=$W/kt-$v
		hello 8474 "-tls${v/./_}" -ciphersuites TLS_AES_128_GCM_SHA256 -sess_out "$sess" > /dev/null
		out=$(hello 8471 "-tls${v/./_}" -ciphersuites TLS_AES_128_GCM_SHA256 -sess_in "$sess")
		echo "TLS $v: ktixd's ticket on HAProxy: $(grep -E '^(New|Reused),' <<< "$out")"
		grep -q "^Reused, TLSv$v" <<< "$out" && grep -q hello-from-haproxy <<< "$out" || return 1
		hello 8474 "-tls${v/./_}" -ciphersuites TLS_AES_128_GCM_SHA256 -sess_in "$sess" |
			grep -q "^Reused, TLSv$v" || { echo "TLS $v: not resumed on its own ktixd"; return 1; }
		hello 8443 "-tls${v/./_}" -ciphersuites TLS_AES_128_GCM_SHA256 -sess_in "$sess" |
			grep -q "^New, " || { echo "TLS $v: resumed on a ktixd of another context"; return 1; }
	done
	stop serve-8474
	stop h
	# For another server name: a full handshake, counted as a context miss.
	miss=$(stat_of KtixResumeMissContext)
	hello 8443 -tls1_2 -servername other.test -sess_in "$W/hap-1.2" | grep -q '^New,' ||
		{ echo "resumed for another name"; return 1; }
	[ "$(stat_of KtixResumeMissContext)" = $((miss + 1)) ] ||
		{ echo "KtixResumeMissContext $miss, then $(stat_of KtixResumeMissContext)"; return 1; }
	kill "$hp"
	wait "$hp" 2>/dev/null
	return 0
}
t "HAProxy and ktixd resume each other's TLS 1.2 and 1.3 tickets under the exported ring (session-id-context)" foreign

# Living beside nginx: a 48-byte nginx key file, then an 80-byte one,
# imported as the primary; nginx, with the same file, issues TLS 1.2 and
# 1.3 tickets that ktixctl opens (no handle) and that resume on ktixd,
# renewed with a handle; ktixd's tickets resume on nginx.
nginx_tickets() {
	local v len ng=$W/nginx out sess handle ctx ok=0
	mkdir -p "$ng"
	head -c 48 /dev/urandom > "$ng/ticket.key"
	"$CTL" key import "$ng/ticket.key" || return 1
	nginx_start "$ng" 8472 <<EOF || return 1
	server {
		listen 127.0.0.1:8472 ssl;
		ssl_certificate $W/ec.pem;
		ssl_certificate_key $W/ec.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_session_tickets on;
		ssl_session_ticket_key $ng/ticket.key;
		location / { return 200 "hello-from-nginx\n"; }
	}
EOF
	# The 48-byte key, then an 80-byte one (nginx reloaded with it): each
	# imported as the primary, and nginx's tickets under each resume.
	for len in 48 80; do
	if [ "$len" = 80 ]; then
		head -c 80 /dev/urandom > "$ng/ticket.key"
		"$CTL" key import "$ng/ticket.key" || return 1
		nginx -c "$ng/nginx.conf" -e "$ng/error.log" -s reload || return 1
		sleep 1		# the new worker, with the new key
	fi
	for v in 1.2 1.3; do
		sess=$W/ng-$v
		hello 8472 "-tls${v/./_}" -ciphersuites TLS_AES_128_GCM_SHA256 -sess_out "$sess" |
			grep -q hello-from-nginx || { echo "nginx did not answer"; cat "$ng/error.log"; break; }
		"$CTL" -j ticket decode -f "$sess" > "$W/ng.dec" &&
			grep -q '"handle":null' "$W/ng.dec" &&
			grep -q "\"aes_bits\":$([ "$len" = 48 ] && echo 128 || echo 256)" "$W/ng.dec" ||
			{ echo "TLS $v: not a nginx ticket under the imported key"; cat "$W/ng.dec"; break; }
		out=$(hello 8443 "-tls${v/./_}" -ciphersuites TLS_AES_128_GCM_SHA256 -sess_in "$sess")
		grep -q "^Reused, TLSv$v" <<< "$out" && grep -q 'hello from ktix-serve' <<< "$out" ||
			{ echo "TLS $v: nginx's ticket did not resume on ktixd"; tail -n 1 "$W/serve-8443.log"; break; }
		handle=$(tail -n 1 "$W/serve-8443.log" | grep -o 'handle=[0-9a-f]*' | cut -d= -f2)
		[ ${#handle} = 32 ] || { echo "TLS $v: no handle after the resumption"; break; }
		echo "TLS $v, $len-byte key: nginx's ticket resumed on ktixd: $(tail -n 1 "$W/serve-8443.log")"
		ok=$((ok + 1))
	done
	done
	# The other way, under the 80-byte key: a ktixd with nginx's
	# session-ID context (nginx derives it from its certificate; ticket
	# decode shows it) issues tickets that nginx resumes.
	ctx=$("$CTL" -j ticket decode -f "$W/ng-1.2" | grep -o '"session_id_context":"[0-9a-f]*"' | cut -d'"' -f4)
	echo "nginx's session-ID context: $ctx"
	if [ -n "$ctx" ] && start_ktixd n --set "session-id-context=hex:$ctx" && start_serve n 8475; then
		for v in 1.2 1.3; do
			sess=$W/ktn-$v
			hello 8475 "-tls${v/./_}" -ciphersuites TLS_AES_128_GCM_SHA256 -sess_out "$sess" > /dev/null
			out=$(hello 8472 "-tls${v/./_}" -ciphersuites TLS_AES_128_GCM_SHA256 -sess_in "$sess")
			echo "TLS $v: ktixd's ticket on nginx: $(grep -E '^(New|Reused),' <<< "$out")"
			grep -q "^Reused, TLSv$v" <<< "$out" && grep -q hello-from-nginx <<< "$out" && ok=$((ok + 1))
		done
		stop serve-8475
		stop n
	fi
	nginx_stop "$ng"
	[ "$ok" = 6 ]
}
t "nginx and ktixd resume each other's TLS 1.2 and 1.3 tickets under imported 48- and 80-byte keys" nginx_tickets

# SSLKEYLOGFILE: a ktixd started with it names the file loudly and writes
# each handshake's secrets there; tshark, given the file, reads the HTTP
# request and answer of a capture of full and resumed connections, TLS 1.2
# (ticket, session ID) and 1.3 (PSK), whose records kTLS wrote.  A file
# others may read is refused; a ktixd not asked writes none.
keylog() {
	local p=8451 cap=$W/kl.pcap kl=$W/kl/keys.log tp n out
	command -v tshark >/dev/null && command -v tcpdump >/dev/null ||
		{ echo "no tshark or tcpdump (scripts/install-deps installs them)"; return 1; }
	mkdir -m 700 "$W/kl"
	install -m 644 /dev/null "$kl"
	SSLKEYLOGFILE=$kl "$BIN/ktixd" --cert "$W/ec.pem" --key "$W/ec.key" \
		--socket "$W/kl.sock" 2> "$W/kl-refused.log" &&
		{ echo "ktixd started with a key log of mode 644"; return 1; }
	grep 'chmod 600' "$W/kl-refused.log" || { cat "$W/kl-refused.log"; return 1; }
	rm "$kl"
	SSLKEYLOGFILE=$kl start_ktixd kl || return 1
	for _ in $(seq 50); do	# said once the socket listens
		grep -q "SSLKEYLOGFILE: writing the TLS secrets of every handshake to $kl" \
			"$W/kl.log" && break
		sleep 0.1
	done
	grep "SSLKEYLOGFILE: writing" "$W/kl.log" || { echo "no warning in ktixd's log:"; cat "$W/kl.log"; return 1; }
	[ "$(stat -c %a "$kl")" = 600 ] || { echo "key log mode $(stat -c %a "$kl")"; return 1; }
	start_serve kl $p || return 1
	for n in 12-full 12-ticket 12-sid 13-full 13-psk; do
		echo "keylog page $n" > "$W/www/kl-$n.txt"
	done
	tcpdump -i lo -U -s 0 -w "$cap" "tcp port $p or tcp port $((p + 1))" 2> "$W/tcpdump.log" &
	tp=$!
	for _ in $(seq 100); do
		grep -q listening "$W/tcpdump.log" && break
		sleep 0.1
	done
	get() {	# get PAGE [s_client options]
		local page=$1
		shift
		printf 'GET /kl-%s.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$page" |
			timeout 60 openssl s_client -connect "127.0.0.1:$p" -servername localhost \
			-ign_eof "$@" 2>&1
	}
	get 12-full -tls1_2 -sess_out "$W/kl12" | grep -q "keylog page 12-full" &&
		get 12-ticket -tls1_2 -sess_in "$W/kl12" | grep -q '^Reused' &&
		[ "$(last_kind $p)" = ticket ] &&
		get 12-full -tls1_2 -no_ticket -sess_out "$W/kl12s" >/dev/null &&
		get 12-sid -tls1_2 -no_ticket -sess_in "$W/kl12s" | grep -q '^Reused' &&
		[ "$(last_kind $p)" = session_id ] &&
		get 13-full -tls1_3 -sess_out "$W/kl13" | grep -q "keylog page 13-full" &&
		get 13-psk -tls1_3 -sess_in "$W/kl13" | grep -q '^Reused' &&
		[ "$(last_kind $p)" = psk ] ||
		{ kill "$tp"; echo "a connection failed"; tail -n 6 "$W/serve-$p.log"; return 1; }
	# tcpdump, stopped sooner, may lose what it had not read yet: a last
	# attempt on a closed port marks the end; once tcpdump wrote it, it
	# wrote all that came before.
	(exec 3<> "/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null
	for _ in $(seq 50); do
		[ "$(tcpdump -r "$cap" "tcp port $((p + 1))" 2>/dev/null | wc -l)" -ge 2 ] && break
		sleep 0.2
	done
	kill -INT "$tp"
	wait "$tp"
	grep -c . "$kl" | sed 's/^/key log lines: /'
	cut -d' ' -f1 "$kl" | sort | uniq -c
	# On the wire, neither request nor page in the clear.
	! grep -qaE 'keylog page|GET /kl-' "$cap" || { echo "plaintext in the capture"; return 1; }
	out=$(HOME=$W tshark -r "$cap" -o "tls.keylog_file:$kl" -Y http \
		-T fields -e tcp.stream -e http.request.uri -e http.response.code \
		-e http.file_data 2>&1)
	echo "$out"
	for n in 12-full 12-ticket 12-sid 13-full 13-psk; do
		grep -qP "\t/kl-$n.txt\t" <<< "$out" && grep -qP "\t200\tkeylog page $n\\\\n" <<< "$out" ||
			{ echo "kl-$n.txt: no request or no answer; $(tcpdump -r "$cap" \
				"tcp dst port $p and tcp[tcpflags] & tcp-syn != 0" 2>/dev/null | wc -l) connections captured"
			  return 1; }
	done
	[ "$(grep -cP '\t200\t' <<< "$out")" = 6 ] || { echo "not six answers 200"; return 1; }
	stop kl
	stop serve-$p
	# Not asked, none: ktixd 'a' has written no key log and said nothing.
	! grep -i 'keylog\|SSLKEYLOGFILE' "$W/a.log"
}
t "SSLKEYLOGFILE: tshark decrypts full and resumed kTLS connections, TLS 1.2 and 1.3" keylog

# ---- ktix-proxy: kTLS in front of a plain TCP service ----
# proxy_backend PORT MODE [REPLY]: selftests/lib/proxy_backend.py on PORT,
# its connections' bytes and log in $W/be-PORT/
proxy_backend() {
	local d=$W/be-$1
	mkdir -p "$d"
	start_bg "$d/out" ready "$W/be-$1.pid" \
		python3 selftests/lib/proxy_backend.py "$1" "$d" "${@:2}"
}

# start_proxy PORT BACKEND [OPTION...]: ktix-proxy on 127.0.0.1:PORT for
# ktixd a, its log in $W/proxy-PORT.log
start_proxy() {
	local port=$1 backend=$2
	shift 2
	start_bg "$W/proxy-$port.log" proxying "$W/proxy-$port.pid" \
		"$BIN/ktix-proxy" --listen "127.0.0.1:$port" --backend "$backend" \
		--socket "$W/a.sock" "$@"
}

# 8 MiB up, then the client's close_notify; the backend sees a FIN, and
# only then sends its 8 MiB down and closes, which the client gets as a
# close_notify: what each side sent arrives whole, in both directions,
# for TLS 1.2 and 1.3, full handshakes and resumed ones.
proxy_data() {
	local d=$W/be-9101 v kind n=0 rc log err
	head -c $((8 << 20)) /dev/urandom > "$W/up.bin"
	head -c $((8 << 20)) /dev/urandom > "$W/down.bin"
	proxy_backend 9101 collect "$W/down.bin" && start_proxy 8601 127.0.0.1:9101 || return 1
	for v in 2 3; do
		for kind in full resumed; do
			n=$((n + 1))
			if [ $kind = full ]; then
				"$TLS_PIPE" "-$v" -o "$W/pp-$v" 127.0.0.1 8601 < "$W/up.bin" > "$W/got.bin" 2> "$W/pipe.err"
			else
				"$TLS_PIPE" "-$v" -i "$W/pp-$v" 127.0.0.1 8601 < "$W/up.bin" > "$W/got.bin" 2> "$W/pipe.err"
			fi
			rc=$?
			err=$(xargs < "$W/pipe.err")
			log=$(tail -n 1 "$W/proxy-8601.log")
			echo "TLS 1.$v $kind: client: $err; proxy: ${log#*: }"
			[ $rc = 0 ] || { echo "the client's end was not a close_notify (exit $rc)"; return 1; }
			cmp -s "$W/up.bin" "$d/$n.in" || { echo "the backend did not get the upload whole"; return 1; }
			cmp -s "$W/down.bin" "$W/got.bin" || { echo "the client did not get the download whole"; return 1; }
			grep -q "^$n eof $((8 << 20))\$" "$d/log" || { echo "the backend saw no FIN"; cat "$d/log"; return 1; }
			case $kind in
			full) [[ $err == new* && $log == *resumed=full* ]] || return 1 ;;
			resumed) [[ $err == reused* && $log =~ resumed=(psk|ticket) ]] || return 1 ;;
			esac
			[[ $log == *"up=$((8 << 20)) down=$((8 << 20)) "*": closed" ]] || return 1
		done
	done
	echo "sha256 up $(sha256sum < "$W/up.bin" | cut -c1-16)..., down $(sha256sum < "$W/down.bin" | cut -c1-16)...: equal on the other side, 4 connections"
}
t "ktix-proxy: 8 MiB each way arrives whole, TLS 1.2 and 1.3, full and resumed, half-closed in order" proxy_data

# nginx as the backend, reading the PROXY protocol v2 header: curl's
# request reaches it as curl sent it, and nginx names curl's own address
# and port, and the address curl reached.
proxy_nginx() {
	local ng=$W/ngp out port
	nginx_start "$ng" 9102 <<EOF || return 1
	server {
		listen 127.0.0.1:9102 proxy_protocol;
		location / {
			return 200 "from=\$proxy_protocol_addr:\$proxy_protocol_port to=\$proxy_protocol_server_addr:\$proxy_protocol_server_port uri=\$request_uri x=\$http_x_ktix\n";
		}
	}
EOF
	start_proxy 8602 127.0.0.1:9102 --proxy-v2 --alpn http/1.1 ||
		{ nginx_stop "$ng"; return 1; }
	out=$(curl -sS --cacert "$W/ec.pem" -H 'X-Ktix: through' \
		-w 'port=%{local_port}' "https://localhost:8602/a/b?c=d")
	nginx_stop "$ng"
	echo "nginx: ${out%port=*}"
	echo "proxy: $(tail -n 1 "$W/proxy-8602.log")"
	port=${out##*port=}
	[[ $out == "from=127.0.0.1:$port to=127.0.0.1:8602 uri=/a/b?c=d x=through"* ]] &&
		tail -n 1 "$W/proxy-8602.log" | grep -q 'alpn=http/1.1 .*: closed'
}
t "ktix-proxy --proxy-v2: nginx reads curl's address from the header and gets curl's request" proxy_nginx

# A reset on either side becomes a reset on the other; a backend that is
# not there gives the client an orderly close_notify.
proxy_resets() {
	local rc
	proxy_backend 9103 reset && proxy_backend 9105 collect &&
		start_proxy 8603 127.0.0.1:9103 && start_proxy 8604 127.0.0.1:9104 &&
		start_proxy 8606 127.0.0.1:9105 || return 1
	# The client resets after its bytes: the backend's read says reset.
	head -c 65536 /dev/urandom | "$TLS_PIPE" -3 -R 127.0.0.1 8606 2>/dev/null
	for _ in $(seq 50); do
		grep -q ' reset ' "$W/be-9105/log" && break
		sleep 0.1
	done
	grep ' reset ' "$W/be-9105/log" || { echo "the backend saw no reset"; cat "$W/be-9105/log"; return 1; }
	echo "client reset: proxy: $(tail -n 1 "$W/proxy-8606.log")"
	# The backend resets at the client's first bytes: the client reads a reset.
	echo hello | "$TLS_PIPE" -3 127.0.0.1 8603 > /dev/null 2> "$W/pipe.err"
	rc=$?
	echo "backend reset: client: $(xargs < "$W/pipe.err") (exit $rc); proxy: $(tail -n 1 "$W/proxy-8603.log")"
	[ $rc = 4 ] || return 1
	tail -n 1 "$W/proxy-8603.log" | grep -q 'backend: Connection reset by peer' || return 1
	# No backend: the handshake completes, then a close_notify.
	echo hello | "$TLS_PIPE" -2 127.0.0.1 8604 > "$W/got.bin" 2> "$W/pipe.err"
	rc=$?
	echo "no backend: client: $(xargs < "$W/pipe.err") (exit $rc); proxy: $(tail -n 1 "$W/proxy-8604.log")"
	[ $rc = 0 ] && [ ! -s "$W/got.bin" ] &&
		tail -n 1 "$W/proxy-8604.log" | grep -q 'backend: Connection refused'
}
t "ktix-proxy: resets propagate both ways; a dead backend gives the client a close_notify" proxy_resets

# --idle-timeout ends a silent connection with a close_notify; over
# --max-conns a connection is closed at once, and said so in the log (the
# second comes while the first is open: 3 s of idleness leave time for it
# on a loaded machine).
proxy_limits() {
	local t0 t1 pid
	proxy_backend 9106 collect &&
		start_proxy 8605 127.0.0.1:9106 --idle-timeout 3s --max-conns 1 || return 1
	t0=$(date +%s%N)
	# A client that says nothing (sleep's own output away: it must not
	# hold the test's); s_client says "closed" at the server's close_notify.
	sleep 20 2>/dev/null | timeout 15 openssl s_client -connect 127.0.0.1:8605 \
		-servername localhost > "$W/idle.out" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		grep -q '^New, ' "$W/idle.out" && break
		sleep 0.1
	done
	# The second, while the first is open: closed before any handshake.
	echo hello | timeout 10 openssl s_client -connect 127.0.0.1:8605 > "$W/over.out" 2>&1
	grep -q 'refusing new ones' "$W/proxy-8605.log" || { echo "no refusal logged"; cat "$W/proxy-8605.log"; return 1; }
	for _ in $(seq 100); do
		grep -q '^closed' "$W/idle.out" && break
		sleep 0.1
	done
	t1=$(date +%s%N)
	kill "$pid" 2>/dev/null
	cat "$W/proxy-8605.log"
	echo "idle connection closed after $(( (t1 - t0) / 1000000 )) ms; the client read: $(grep -a -E '^(closed|read:errno)' "$W/idle.out")"
	grep -q 'idle (--idle-timeout)' "$W/proxy-8605.log" && [ $(( (t1 - t0) / 1000000 )) -lt 10000 ] &&
		grep -q '^closed' "$W/idle.out"
}
t "ktix-proxy: --idle-timeout closes a silent connection, --max-conns refuses one too many" proxy_limits

# proxy_probe PORT: an exchange through the proxy, its reply whole
proxy_probe() {
	echo small | "$TLS_PIPE" -3 127.0.0.1 "$1" 2>/dev/null | cmp -s - "$W/replies/small"
}

# Sixteen clients ask the backend for 8 MiB (more than the send buffer of
# a loopback connection and a pipe hold) and read nothing: closed at
# --idle-timeout, while another client's exchange passes at once.  A slow
# reader still gets all and the close_notify.
proxy_stalled_readers() {
	mkdir -p "$W/replies"
	head -c $((8 << 20)) /dev/urandom > "$W/replies/8m"
	echo "a short reply" > "$W/replies/small"
	proxy_backend 9107 collect "$W/replies" &&
		start_proxy 8607 127.0.0.1:9107 --idle-timeout 2s || return 1
	stalled_readers 8607 "$W/proxy-8607.log" 'idle (--idle-timeout)' 16 \
		proxy_probe 8607 <<< 8m || return 1
	slow_reader 8607 "$W/replies/8m" <<< 8m
}
t "ktix-proxy: clients that read nothing cost their own connections only" proxy_stalled_readers

# A server built outside the tree through pkg-config against an installed
# copy of libktix (make selftests: build/pkgtest, selftests/libktix_pkg.sh)
# has ktixd make its connection TLS and answers over kTLS.
installed_libktix() {
	local t=build/pkgtest out pid
	[ -x "$t/ktix_hello" ] || { echo "no $t/ktix_hello (make selftests builds it)"; return 1; }
	LD_LIBRARY_PATH=$t/root/usr/local/lib "$t/ktix_hello" 8460 "$W/a.sock" > "$W/khello.out" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		grep -q listening "$W/khello.out" && break
		sleep 0.1
	done
	out=$(hello 8460 -tls1_3)
	wait "$pid" || { cat "$W/khello.out"; grep -E 'error|alert' <<< "$out"; return 1; }
	cat "$W/khello.out"
	grep -q 'hello from an installed libktix' <<< "$out" &&
		grep -q '^handshake: TLS_.* resumed=full' "$W/khello.out"
}
t "a program built with pkg-config against an installed libktix.so serves over kTLS" installed_libktix

unload() {
	# Offloaded connections are kTLS's: ktixd gone, the module may go.
	stop a
	stop b
	sleep 0.2
	rmmod ktix && insmod "${KTIX_KMOD:-kmod/ktix.ko}" && echo "ktix unloaded and loaded again"
}
t "after the helpers stop the module unloads cleanly" unload


sanitizers() {
	# With KTIX_BIN=build-san/bin: every report of ASan, UBSan or LSan
	# (at a SIGTERM exit) lands in a daemon's log.
	! grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$W"/*.log
}
t "no sanitizer report in any daemon's log" sanitizers

ktap_finish
