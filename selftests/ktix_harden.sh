#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktix_harden: what an attacker or an unusual but legal client tries, in the
# test VM, with real clients: resumption across security contexts and
# server names, tickets from the future, descriptors smuggled to ktixd,
# clients that use each TLS 1.3 ticket once.
#
# KTIX_BIN names the directory of the binaries (default build/bin);
# E2E_ONLY=REGEX runs only the tests whose names match.
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh
BIN=${KTIX_BIN:-build/bin}
CTL=$BIN/ktixctl
W=$(mktemp -d /tmp/ktix_harden.XXXXXX)
. selftests/lib/e2e.sh

# try PORT SESSION [s_client options]: "Reused" or "New", then "page" or
# "nopage"
try() {
	local port=$1 sess=$2 out
	shift 2
	out=$(hello "$port" -sess_in "$sess" "$@")
	if grep -q '^Reused' <<< "$out"; then printf 'Reused'; else printf 'New'; fi
	if grep -q 'hello from ktix-serve' <<< "$out"; then echo ' page'; else echo ' nopage'; fi
}

# kind_opts K: the s_client options that offer a session of kind K (t, s, p)
kind_opts() {
	case $1 in
	t) echo -tls1_2 ;;
	s) echo -tls1_2 -no_ticket ;;
	p) echo -tls1_3 ;;
	esac
}

# sessions PORT PREFIX [s_client options]: a TLS 1.2 ticket, a TLS 1.2
# session ID and a TLS 1.3 PSK session from PORT, in PREFIX-{t,s,p}
sessions() {
	local port=$1 pre=$2
	shift 2
	hello "$port" -tls1_2 -sess_out "$pre-t" "$@" > /dev/null
	hello "$port" -tls1_2 -no_ticket -sess_out "$pre-s" "$@" > /dev/null
	hello "$port" -tls1_3 -sess_out "$pre-p" "$@" > /dev/null
	[ -s "$pre-t" ] && [ -s "$pre-s" ] && [ -s "$pre-p" ] || { echo "no session saved"; return 1; }
}

# each_kind WANT PORT PREFIX [s_client options]: the ticket, session ID and
# PSK sessions PREFIX-{t,s,p} offered to PORT each give WANT (what try says)
each_kind() {
	local want=$1 port=$2 pre=$3 k r
	shift 3
	for k in t s p; do
		r=$(try "$port" "$pre-$k" "$@" $(kind_opts $k))
		[ "$r" = "$want" ] || { echo "port $port, session $k: $r, not $want"; return 1; }
	done
}

# ---- set-up ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$W/ec.key" -out "$W/ec.pem" -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$W/ab.key" -out "$W/ab.pem" -subj /CN=a.test \
	-addext subjectAltName=DNS:a.test,DNS:b.test 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$W/cli.key" -out "$W/cli.pem" -subj /CN=client-one 2>/dev/null
mkdir -p "$W/www"
echo "hello from ktix-serve" > "$W/www/index.html"

ktap_plan 15

start_ktixd open || exit 1
start_serve open 8450 || exit 1

# ---- 1. the security context ----
verify_context() {
	local miss
	start_ktixd req --set client-ca="$W/cli.pem" --set verify-client=require || return 1
	start_serve req 8451 || return 1
	start_ktixd opt --set client-ca="$W/cli.pem" --set verify-client=optional || return 1
	start_serve opt 8452 || return 1
	sessions 8450 "$W/o" || return 1
	# The control: the same sessions resume on the helper they came from.
	each_kind "Reused page" 8450 "$W/o" || return 1
	each_kind "New nopage" 8451 "$W/o" || return 1
	echo "on verify-client=require: no ticket, session ID or PSK of the open helper resumes, no page"
	miss=$(stat_of KtixResumeMissContext)
	each_kind "New page" 8452 "$W/o" || return 1
	[ "$(stat_of KtixResumeMissContext)" = $((miss + 3)) ] ||
		{ echo "KtixResumeMissContext $miss -> $(stat_of KtixResumeMissContext), not +3"; return 1; }
	echo "on verify-client=optional: three full handshakes, KtixResumeMissContext $miss -> $((miss + 3))"
}
t "a session of a helper without client verification does not resume on one with it" verify_context

same_config() {
	# Two helpers with the same client verification: one context.
	start_ktixd req2 --set client-ca="$W/cli.pem" --set verify-client=require || return 1
	start_serve req2 8453 || return 1
	sessions 8451 "$W/r" -cert "$W/cli.pem" -key "$W/cli.key" || return 1
	each_kind "Reused page" 8453 "$W/r" -cert "$W/cli.pem" -key "$W/cli.key" || return 1
	echo "ticket, session ID and PSK resume across two helpers of the same configuration"
}
t "helpers of one configuration still resume each other's sessions" same_config

sni_binding() {
	local miss
	start_ktixd sni --cert "$W/ab.pem" --key "$W/ab.key" || return 1
	start_serve sni 8454 || return 1
	sessions 8454 "$W/a" -servername a.test || return 1
	miss=$(stat_of KtixResumeMissContext)
	each_kind "New page" 8454 "$W/a" -servername b.test || return 1
	each_kind "Reused page" 8454 "$W/a" -servername a.test || return 1
	# By the other certificate's name: another context as well.
	each_kind "New page" 8454 "$W/a" -servername localhost || return 1
	[ "$(stat_of KtixResumeMissContext)" = $((miss + 6)) ] ||
		{ echo "KtixResumeMissContext $miss -> $(stat_of KtixResumeMissContext), not +6"; return 1; }
	echo "sessions for a.test: full handshakes for b.test (same certificate) and localhost, resumed for a.test"
}
t "a session for one server name does not resume for another" sni_binding

future() {
	local miss exp r
	# A ticket made while the clock is two hours ahead, used after it is
	# set right: issued in the future.
	date -s '+2 hours' > /dev/null || return 1
	hello 8450 -tls1_2 -sess_out "$W/fut-t" > /dev/null
	hello 8450 -tls1_3 -sess_out "$W/fut-p" > /dev/null
	date -s '-2 hours' > /dev/null
	# A TLS 1.3 client checks the ticket's age by its own clock: this one's
	# is right, so it took the ticket two hours ago by its clock.
	python3 - "$W/fut-p" <<'EOF' || return 1
import base64, subprocess, sys
f = sys.argv[1]
txt = subprocess.run(["openssl", "sess_id", "-in", f, "-noout", "-text"],
                     capture_output=True, text=True).stdout
t = int([l for l in txt.splitlines() if "Start Time:" in l][0].split(":")[1])
pem = open(f).read().split("\n")
der = base64.b64decode("".join(l for l in pem if l and not l.startswith("-----")))
enc = lambda v: b"\xa1\x06\x02\x04" + v.to_bytes(4, "big")
if der.count(enc(t)) != 1:
    sys.exit("no start time in the session")
der = der.replace(enc(t), enc(t - 7200))
b = base64.b64encode(der).decode()
open(f, "w").write("-----BEGIN SSL SESSION PARAMETERS-----\n" +
    "\n".join(b[k:k + 64] for k in range(0, len(b), 64)) +
    "\n-----END SSL SESSION PARAMETERS-----\n")
EOF
	miss=$(stat_of KtixResumeMissFuture) exp=$(stat_of KtixResumeMissExpired)
	r=$(try 8450 "$W/fut-t" -tls1_2)
	[ "$r" = "New page" ] || { echo "TLS 1.2 ticket from the future: $r"; return 1; }
	r=$(try 8450 "$W/fut-p" -tls1_3)
	[ "$r" = "New page" ] || { echo "TLS 1.3 ticket from the future: $r"; return 1; }
	[ "$(stat_of KtixResumeMissFuture)" = $((miss + 2)) ] &&
		[ "$(stat_of KtixResumeMissExpired)" = "$exp" ] ||
		{ echo "KtixResumeMissFuture $miss -> $(stat_of KtixResumeMissFuture)"; return 1; }
	echo "tickets issued 2 h ahead: full handshakes, KtixResumeMissFuture $miss -> $((miss + 2))"
}
t "a ticket issued in the future is refused" future

# ---- 3. descriptors smuggled to ktixd ----
fd_leak() {
	local pid before after
	pid=$(cat "$W/open.pid")
	before=$(ls /proc/"$pid"/fd | wc -l)
	python3 - "$W/open.sock" <<'EOF' || return 1
import array, os, socket, struct, sys
p = sys.argv[1]
def anc(fds):
    return [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
r, w = os.pipe()
req = struct.pack("=IHHQII", 0x6b746978, 1, 24, 7, 0, 0)
cases = [
    (b"", [u.fileno(), t.fileno()]),                 # empty, two fds
    (b"", [r]),                                      # empty, a pipe
    (b"x", [u.fileno()]),                            # short
    (req[:16], [t.fileno()]),                        # truncated
    (req + b"extra", [t.fileno()]),                  # too long
    (struct.pack("=IHHQII", 0x6b746978, 9, 24, 7, 0, 0), [t.fileno()]),  # version
    (struct.pack("=IHHQII", 0x6b746978, 1, 24, 7, 0, 1), [t.fileno()]),  # flags
    (req, [u.fileno(), t.fileno()]),                 # two sockets
    (req, [r, w]),                                   # pipes
    (req, [u.fileno()]),                             # UDP
    # key updates (flag 8): sealed secrets that open for no socket, no
    # socket, a stream socket not on kTLS, another flag, a bad field
    (struct.pack("=IHHQII", 0x6b746978, 1, 24, 7, 0, 8) + bytes(144), [t.fileno()]),
    (struct.pack("=IHHQII", 0x6b746978, 1, 24, 7, 0, 8) + bytes(144), [u.fileno()]),
    (struct.pack("=IHHQII", 0x6b746978, 1, 24, 7, 0, 8) + bytes(100), [t.fileno()]),
    (struct.pack("=IHHQII", 0x6b746978, 1, 24, 7, 0, 9) + bytes(144), [t.fileno()]),
    (struct.pack("=IHHQII", 0x6b746978, 1, 24, 7, 0, 8) + bytes(136) + b"\x02" + bytes(7), [t.fileno()]),
    (struct.pack("=IHHQII", 0x6b746978, 1, 24, 7, 0, 8) + bytes(144), [r]),
]
answered = 0
for i in range(15):
    for payload, fds in cases:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(p)
        s.sendmsg([payload], anc(fds))
        s.settimeout(10)
        try:
            a = s.recv(4096)
        except socket.timeout:
            sys.exit("no answer to %r with %d fds" % (payload[:8], len(fds)))
        if len(a) < 20 or struct.unpack_from("i", a, 16)[0] >= 0:
            sys.exit("answer to a bad request is not an error: %r" % a[:24])
        answered += 1
        s.close()
print("%d malformed requests with descriptors: each answered with an errno" % answered)
EOF
	sleep 0.5
	after=$(ls /proc/"$pid"/fd | wc -l)
	echo "ktixd's descriptors: $before before, $after after"
	[ "$after" -le "$before" ] || { ls -l /proc/"$pid"/fd; return 1; }
	hello 8450 -tls1_3 | grep -q 'hello from ktix-serve' || { echo "ktixd no longer serves"; return 1; }
}
t "descriptors attached to malformed or empty requests are all closed" fd_leak

no_lost_answers() {
	# 400 requests, none read until all are sent: more than the socket
	# buffer holds (about 93 answers).  Every one is answered, in order.
	python3 - "$W/open.sock" <<'PY' || return 1
import array, socket, struct, sys, threading, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
N = 400
def send():
    for i in range(N):
        req = struct.pack("=IHHQII", 0x6b746978, 1, 24, i, 0, 0)
        s.sendmsg([req], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [u.fileno()]))])
t = threading.Thread(target=send)
t.start()
time.sleep(3)
s.settimeout(10)
got = []
try:
    while len(got) < N:
        a = s.recv(4096)
        got.append(struct.unpack_from("=Q", a, 8)[0])
except socket.timeout:
    pass
t.join(10)
print("%d requests, %d answers" % (N, len(got)))
sys.exit(0 if got == list(range(N)) else 1)
PY
	grep -c 'answer to a server lost' "$W/open.log" && return 1
	hello 8450 -tls1_3 | grep -q 'hello from ktix-serve'
}
t "ktixd never drops an answer: a server that reads late gets them all, in order" no_lost_answers

fair_share() {
	local out
	start_ktixd fair --set max-inflight=8 --deadline 4s || return 1
	start_serve fair 8455 || return 1
	# Server A: eight handshakes whose clients never speak.
	python3 - "$W/fair.sock" > "$W/fair.out" <<'PY' &
import array, socket, struct, sys, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(16)
cl = [socket.create_connection(l.getsockname()) for _ in range(8)]
sv = [l.accept()[0] for _ in range(8)]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
for i, c in enumerate(sv):
    req = struct.pack("=IHHQII", 0x6b746978, 1, 24, i, 0, 0)
    s.sendmsg([req], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [c.fileno()]))])
s.settimeout(8)
busy = 0
for _ in range(8):
    a = s.recv(4096)
    if struct.unpack_from("i", a, 16)[0] == -16:
        busy += 1
print("server A: %d of 8 busy" % busy)
PY
	sleep 1.5
	# Server B (ktix-serve) comes later: it still gets a handshake.
	out=$(hello 8455 -tls1_3)
	wait $!
	cat "$W/fair.out"
	grep -q 'hello from ktix-serve' <<< "$out" || { echo "server B was starved"; tail -n 2 "$W/serve-8455.log"; return 1; }
	grep -q 'server A: 1 of 8 busy' "$W/fair.out" || return 1
	echo "server B served while A held its share (7 of max-inflight 8)"
}
t "max-inflight is shared: one server cannot starve another" fair_share

serve_limits() {
	local i pids
	"$BIN/ktix-serve" --listen 127.0.0.1:8456 --root "$W/www" --socket "$W/open.sock" \
		--header-timeout 2s --idle-timeout 2s --handshake-timeout 4s --max-conns 4 \
		>>"$W/serve-8456.log" 2>&1 &
	echo $! > "$W/serve-8456.pid"
	for i in $(seq 50); do grep -q serving "$W/serve-8456.log" && break; sleep 0.1; done
	# A first handshake, slow under emulation, before the clocks start.
	hello 8456 -tls1_3 > /dev/null
	python3 - <<'PY' || return 1
import socket, ssl, sys, time
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
def tls():
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", 8456)), server_hostname="localhost")
    s.settimeout(8)
    return s
def closed_after(s, start):
    try:
        while s.recv(4096):
            pass
    except (ssl.SSLError, ConnectionResetError, OSError) as e:
        if isinstance(e, socket.timeout):
            return None
    return time.monotonic() - start
# Slowloris: a header one byte a second.
s = tls()
t0 = time.monotonic()
s.sendall(b"GET / HTTP/1.1\r\n")
try:
    for ch in b"Host: x\r\nX-Slow: " + b"a" * 10:
        time.sleep(1)
        s.sendall(bytes([ch]))
except (ssl.SSLError, OSError):
    pass
d = closed_after(s, t0)
print("slow header: closed after %.1f s" % d if d else "slow header: never closed")
if d is None or d > 6:
    sys.exit(1)
# An idle keep-alive connection.
s = tls()
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
got = s.recv(4096)
t0 = time.monotonic()
d = closed_after(s, t0)
print("idle keep-alive: first answer %r, closed after %.1f s" % (got[:15], d or -1))
if not got.startswith(b"HTTP/1.1 200") or d is None or d > 4:
    sys.exit(1)
PY
	grep -q 'no whole request header in time' "$W/serve-8456.log" &&
		grep -q 'closed: idle' "$W/serve-8456.log" || { cat "$W/serve-8456.log"; return 1; }
	# ktixd stopped: a connection waits for its answer 4 s, no longer.
	kill -STOP "$(cat "$W/open.pid")"
	python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", 8456)); s.settimeout(8); t = time.monotonic()
try:
    s.recv(1)
except OSError:
    pass
d = time.monotonic() - t
print("waiting for ktixd: closed after %.1f s" % d)
sys.exit(d > 6)
' || return 1
	kill -CONT "$(cat "$W/open.pid")"
	grep -q 'no answer from ktixd in time' "$W/serve-8456.log" || { echo "no handshake timeout"; return 1; }
	# Five connections that say nothing; the limit is 4.
	python3 -c '
import socket, time
c = [socket.create_connection(("127.0.0.1", 8456)) for _ in range(5)]
time.sleep(0.5)
c[4].settimeout(3)
print("fifth connection: %r (closed at once)" % c[4].recv(1))
'
	grep -q 'connections open (--max-conns): refusing' "$W/serve-8456.log" || { echo "no limit line"; return 1; }
	grep 'max-conns' "$W/serve-8456.log" | head -n 1
	sleep 2.5
	hello 8456 -tls1_3 | grep -q 'hello from ktix-serve' || { echo "not serving after"; return 1; }
}
t "ktix-serve: timeouts for slow headers, idle keep-alive and ktixd's answer; a connection limit" serve_limits

# ---- 5. secrets out of core dumps ----
core_dumps() {
	local pid n flags
	echo "$W/core.%p" > /proc/sys/kernel/core_pattern || return 1
	ulimit -c unlimited
	# SIGABRT dumps core and is not caught by the sanitizers; ASan would
	# also turn core dumps off (disable_coredump) in the _san run.
	export ASAN_OPTIONS=disable_coredump=0
	start_ktixd dump1 || return 1
	pid=$(cat "$W/dump1.pid")
	kill -ABRT "$pid"; sleep 1
	n=$(ls "$W"/core.* 2>/dev/null | wc -l)
	[ "$n" = 0 ] || { echo "a default ktixd left a core dump"; return 1; }
	rm -f "$W/dump1.pid"
	echo "ktixd killed by SIGABRT: no core dump"
	start_ktixd dump2 --set core-dumps=yes || return 1
	pid=$(cat "$W/dump2.pid")
	grep -q 'core-dumps = yes' "$W/dump2.log" || { echo "not logged"; return 1; }
	# The secure heap: one mapping, locked (lo) and not dumped (dd).
	flags=$(awk '/^VmFlags:/ && / dd/ && / lo/' /proc/"$pid"/smaps | head -n 1)
	[ -n "$flags" ] || { echo "no locked, undumped mapping"; return 1; }
	echo "secure heap $flags"
	kill -ABRT "$pid"
	# A sanitizer build's dump takes a while to write.
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	rm -f "$W/dump2.pid"
	[ -s "$W/core.$pid" ] || { echo "core-dumps = yes: no core dump"; ls "$W"; return 1; }
	echo "core-dumps = yes: a core dump of $(stat -c %s "$W/core.$pid") bytes"
	echo core > /proc/sys/kernel/core_pattern
}
t "ktixd leaves no core dump; with core-dumps = yes its keys' heap is locked and not dumped" core_dumps

# ---- 6. after the offload, the record layer still speaks TLS ----
bad_records() {
	local rc
	KTIX_PORT=8450 "$BIN/../selftests/ktix_badrec" > "$W/badrec.out" 2>&1
	rc=$?
	grep -E '^(ok|not ok)|Expected' "$W/badrec.out"
	[ "$rc" = 0 ] || return 1
	hello 8450 -tls1_3 | grep -q 'hello from ktix-serve' || { echo "not serving after"; return 1; }
}
t "after the offload: bad records get the alerts the RFCs name, then a FIN" bad_records

# A KeyUpdate through ktixd (ktix-serve --key-updates on): followed where
# the kernel's kTLS takes new keys; elsewhere ktixd opens the sealed
# secrets, says why it cannot, and the client gets a close_notify.
key_updates() {
	local can out
	start_serve open 8457 --key-updates on || return 1
	grep -q 'following TLS 1.3 KeyUpdates (--key-updates on)' "$W/serve-8457.log" ||
		{ cat "$W/serve-8457.log"; return 1; }
	can=$("$CTL" -j version | python3 -c 'import json, sys; print(json.load(sys.stdin)["ktls_rekey"])')
	# s_client's "K": a KeyUpdate that asks for the server's too.
	out=$( (sleep 1; echo K; sleep 1; printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'; sleep 2) |
		timeout 10 openssl s_client -connect 127.0.0.1:8457 -tls1_3 -servername localhost 2>&1)
	grep -q KEYUPDATE <<< "$out" || { echo "s_client sent no KeyUpdate"; return 1; }
	if [ "$can" = True ]; then
		grep -q 'hello from ktix-serve' <<< "$out" || { echo "no page after the KeyUpdate"; tail -n 3 "$W/serve-8457.log"; return 1; }
		grep -q ': key update$' "$W/serve-8457.log" || return 1
		grep -q 'key update, and ours as asked' "$W/open.log" || return 1
		echo "this kernel takes new keys: the KeyUpdate was followed and the page came"
	else
		grep -q "closed: key update: this kernel's kTLS cannot take new keys" "$W/serve-8457.log" ||
			{ tail -n 3 "$W/serve-8457.log"; return 1; }
		grep -q "key update: this kernel's kTLS cannot take new keys" "$W/open.log" || return 1
		! grep -q 'hello from ktix-serve' <<< "$out" || { echo "a page under keys it cannot have"; return 1; }
		grep -q 'closed' <<< "$out" || { echo "$out" | tail -n 5; return 1; }
		echo "this kernel cannot take new keys: ktixd said so, the client read a close_notify"
	fi
	kill "$(cat "$W/serve-8457.pid")"
}
t "a client's KeyUpdate goes through ktixd, followed where the kernel can" key_updates

# ---- 7. clients outside the project ----
one_use_tickets() {
	local i cur=$W/once-0 prev next r
	hello 8450 -tls1_3 -sess_out "$cur" > /dev/null
	for i in $(seq 10); do
		next=$W/once-$i
		r=$(hello 8450 -tls1_3 -sess_in "$cur" -sess_out "$next")
		grep -q '^Reused' <<< "$r" || { echo "connection $i: not resumed"; return 1; }
		prev=$(ticket_of "$cur") && r=$(ticket_of "$next") || return 1
		[ "$prev" != "$r" ] || { echo "connection $i: no new ticket"; return 1; }
		cur=$next
	done
	echo "ten TLS 1.3 connections in a row, each on the ticket of the one before: all resumed"
}
t "TLS 1.3: a new ticket after every resumption, so one-use tickets always resume" one_use_tickets

max_fragment() {
	local v len out
	head -c 65536 /dev/urandom > "$W/www/64k.bin"
	for v in 1.2 1.3; do
		for len in 512 1024 2048 4096; do
			out=$(printf 'GET /64k.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
				timeout 60 openssl s_client -connect 127.0.0.1:8450 -tls${v/./_} \
				-maxfraglen "$len" -ign_eof 2>&1 | python3 -c '
import hashlib, sys
t = sys.stdin.buffer.read()
i = t.find(b"\r\n\r\n", t.find(b"HTTP/1.1 200 OK"))
body = t[i + 4:i + 4 + 65536] if i >= 0 else b""
want = hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()
print("%d bytes %s" % (len(body), "intact" if hashlib.sha256(body).hexdigest() == want else "wrong"))
if b"data length too long" in t:
    print("client error: data length too long")
' "$W/www/64k.bin")
			grep -q 'max_record='"$len" <<< "$(tail -n 1 "$W/serve-8450.log")" ||
				{ echo "TLS $v maxfraglen $len: not reported"; tail -n 1 "$W/serve-8450.log"; return 1; }
			[ "$out" = "65536 bytes intact" ] || { echo "TLS $v maxfraglen $len: $out"; return 1; }
		done
		echo "TLS $v: max_fragment_length 512, 1024, 2048, 4096: 64 KiB arrives whole"
	done
}
t "max_fragment_length is honoured: records no larger than agreed, 64 KiB whole" max_fragment

alpn_http11() {
	local out
	out=$(hello 8450 -alpn h2,http/1.1)
	grep -q 'ALPN protocol: http/1.1' <<< "$out" || { echo "http/1.1 not agreed"; return 1; }
	grep -q 'alpn=http/1.1' <<< "$(tail -n 1 "$W/serve-8450.log")" || return 1
	out=$(hello 8450 -alpn h2)
	grep -q 'No ALPN negotiated' <<< "$out" || { echo "h2 agreed by an HTTP/1.1 server"; return 1; }
	grep -q 'hello from ktix-serve' <<< "$out" || return 1
	# A server's ALPN list that is not one: refused, with its reason.
	python3 - "$W/open.sock" <<'PY' || return 1
import array, socket, struct, sys
for protos in [b"\x00\x08http/1.1", b"\x09http/1.1", b"\x01"]:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    t = socket.socket()
    req = struct.pack("=IHHQII", 0x6b746978, 1, 24, 7, 0, 1)
    alpn = bytes([len(protos)]) + protos.ljust(255, b"\0")
    s.sendmsg([req + alpn], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [t.fileno()]))])
    s.settimeout(10)
    a = s.recv(4096)
    st, = struct.unpack_from("i", a, 16)
    err = a[884:884 + 256].split(b"\0")[0].decode()
    print("ALPN %r: %d %s" % (protos, st, err))
    if st != -22 or "ALPN" not in err:
        sys.exit(1)
PY
	echo "ktix-serve offers http/1.1 by ALPN; h2 alone is not agreed; bad lists refused"
}
t "ktix-serve offers http/1.1 by ALPN" alpn_http11

sanitizers() {
	! grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$W"/*.log
}
t "no sanitizer report in any daemon's log" sanitizers

ktap_finish
