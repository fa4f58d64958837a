#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktix_fleet: a fleet in one VM.  Each host is a network namespace (hA,
# hB, hC; hD joins late) with its own ring, ktixd, ktix-serve and
# ktix-fleetd; three etcd members run in namespaces e1, e2, e3; a bridge in
# the VM's own namespace joins them all by veth pairs (10.77.0.0/24).
# Clients (openssl s_client, curl) run in the VM's namespace.
#
# KTIX_BIN names the directory of the binaries (default build/bin);
# E2E_ONLY=REGEX runs only the tests whose names match.
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh
BIN=${KTIX_BIN:-build/bin}
CTL=$BIN/ktixctl
W=$(mktemp -d /tmp/ktix_fleet.XXXXXX)
# etcd's data directories: in memory where there is a tmpfs (the VM's
# /dev/shm), so that searching them is quick.
ED=$(mktemp -d /dev/shm/ktix_fleet.XXXXXX 2>/dev/null || echo "$W")
. selftests/lib/e2e.sh

# Short times, so that a test sees many rotations and failovers.
ROTATE=2 LEAD=8 LEASE=2 RETENTION=60 LIFETIME=60
NET=10.77.0
HOSTS="A B C"
declare -A IP=([A]=$NET.11 [B]=$NET.12 [C]=$NET.13 [D]=$NET.14 [V]=$NET.15
	[e1]=$NET.21 [e2]=$NET.22 [e3]=$NET.23)
ENDPOINTS=http://$NET.21:2379,http://$NET.22:2379,http://$NET.23:2379

fleet_cleanup() {
	local n
	cleanup_pids
	for n in hA hB hC hD hV e1 e2 e3; do ip netns del "$n" 2>/dev/null; done
	ip link del kfb0 2>/dev/null
	rm -rf "$W" "$ED"
}
cleanup_pids() {
	local f
	for f in "$W"/*.pid; do
		[ -e "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	sleep 0.2
}
trap fleet_cleanup EXIT

# netns NAME ADDR: a namespace on the bridge
netns() {
	ip netns add "$1"
	ip link add "v$1" type veth peer name eth0 netns "$1"
	ip link set "v$1" master kfb0 up
	ip -n "$1" addr add "$2/24" dev eth0
	ip -n "$1" link set eth0 up
	ip -n "$1" link set lo up
}

# on H CMD...: run CMD in host H's namespace
on() {
	local h=$1
	shift
	ip netns exec "h$h" "$@"
}

start_etcd() {	# start_etcd N: member eN
	local n=$1 cluster=""
	for m in 1 2 3; do cluster+="${cluster:+,}e$m=http://${IP[e$m]}:2380"; done
	ip netns exec "e$n" etcd --name "e$n" --data-dir "$ED/etcd-e$n" \
		--listen-client-urls "http://${IP[e$n]}:2379" \
		--advertise-client-urls "http://${IP[e$n]}:2379" \
		--listen-peer-urls "http://${IP[e$n]}:2380" \
		--initial-advertise-peer-urls "http://${IP[e$n]}:2380" \
		--initial-cluster "$cluster" --initial-cluster-token ktix-test \
		--initial-cluster-state new >>"$W/etcd-e$n.log" 2>&1 &
	echo $! > "$W/etcd-e$n.pid"
	disown
}

etcd_healthy() {
	local _
	for _ in $(seq 100); do
		ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" endpoint health >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" endpoint health
	return 1
}

# start_host H: ktix-fleetd, then ktixd and ktix-serve, in namespace hH
start_host() {
	start_fleetd "$1"
	synced "$1"
	start_daemons "$1"
}

synced() {	# synced H: wait (10 s at most) for host H's first sync
	local i
	for i in $(seq 100); do
		[ "$(status "$1" '["counters"]["syncs"]' 2>/dev/null)" -ge 1 ] 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# start_daemons H: ktixd and ktix-serve in namespace hH
start_daemons() {
	local h=$1 i
	ip netns exec "h$h" "$BIN/ktixd" --cert "$W/ec.pem" --key "$W/ec.key" --socket "$W/$h.sock" \
		--foreground >/dev/null 2>>"$W/ktixd-$h.log" &
	echo $! > "$W/ktixd-$h.pid"
	disown
	for i in $(seq 100); do [ -S "$W/$h.sock" ] && break; sleep 0.1; done
	ip netns exec "h$h" "$BIN/ktix-serve" --listen "${IP[$h]}:8443" --root "$W/www" \
		--socket "$W/$h.sock" >>"$W/serve-$h.log" 2>&1 &
	echo $! > "$W/serve-$h.pid"
	disown
	for i in $(seq 100); do grep -q serving "$W/serve-$h.log" && return 0; sleep 0.1; done
	cat "$W/serve-$h.log" "$W/ktixd-$h.log"
	return 1
}

start_fleetd() {	# start_fleetd H [--set ...]
	local h=$1
	ip netns exec "h$h" "$BIN/ktix-fleetd" --endpoints "$ENDPOINTS" --fleet test \
		--kek "$W/kek" --host "host$h" --foreground \
		--set rotate-interval=${ROTATE}s --set lead-time=${LEAD}s \
		--set lease-ttl=${LEASE}s --set retention=${RETENTION}s \
		--set ticket-lifetime=${LIFETIME}s --set sync-interval=1s "${@:2}" \
		>>"$W/fleetd-$h.log" 2>&1 &
	echo $! > "$W/fleetd-$h.pid"
	disown
}

# status H KEY: a field of host H's "ktix-fleetd status -j"
status() {
	on "$1" "$BIN/ktix-fleetd" status -j 2>/dev/null |
		python3 -c 'import json, sys; v = json.load(sys.stdin)'"$2"'; print(str(v).lower() if isinstance(v, bool) else v)'
}

# fhello H [s_client options]: a page from host H
fhello() {
	local h=$1
	shift
	printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
		timeout 30 openssl s_client -connect "${IP[$h]}:8443" -servername localhost \
		-ign_eof "$@" 2>&1
}

# resume FROM TO OPTS: a session made on FROM offered to TO: "Reused" or "New"
resume() {
	local from=$1 to=$2 out
	shift 2
	fhello "$from" -sess_out "$W/s-$from" "$@" > /dev/null
	out=$(fhello "$to" -sess_in "$W/s-$from" "$@")
	grep -q 'hello from ktix-serve' <<< "$out" || { echo "nopage"; tail -n 5 <<< "$out" >&2; return; }
	if grep -q '^Reused' <<< "$out"; then echo Reused; else echo New; fi
}

# etcd_slots: the newest slot of the schedule in etcd (its encrypt_from)
etcd_slots() {
	ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" get --prefix /ktix/test/keys/ --keys-only |
		grep -o '[0-9]*$' | sort -n | tail -n 1 | sed 's/^0*//'
}

leader_of() {	# the host whose fleetd leads, as etcd says, or ""
	ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" --command-timeout=2s \
		get /ktix/test/leader --print-value-only 2>/dev/null | sed -n 's/^host//p'
}

# ---- set-up ----
site_setup
head -c 32 /dev/urandom > "$W/kek"
chmod 600 "$W/kek"
ip link add kfb0 type bridge
ip addr add "$NET.1/24" dev kfb0
ip link set kfb0 up
for m in 1 2 3; do netns "e$m" "${IP[e$m]}"; done
for h in $HOSTS D; do netns "h$h" "${IP[$h]}"; done

ktap_plan 16

for m in 1 2 3; do start_etcd "$m"; done
etcd_healthy || exit 1
for h in $HOSTS; do start_host "$h" || exit 1; done

# ---- the fleet ----
forms() {
	local _ h l n keys
	for _ in $(seq 50); do
		l=$(leader_of)
		[ -n "$l" ] && [ "$(status A '["counters"]["syncs"]')" -ge 2 ] && break
		sleep 0.2
	done
	[ -n "$l" ] || { echo "no leader"; tail -n 5 "$W"/fleetd-*.log; return 1; }
	n=0
	for h in $HOSTS; do [ "$(status "$h" '["leader"]')" = true ] && n=$((n + 1)); done
	[ "$n" = 1 ] || { echo "$n leaders"; return 1; }
	# Each host loads a key at its next round: a second apart at most.
	for _ in $(seq 30); do
		keys=$(on A "$CTL" key list | awk 'NR > 1 { print $1 }' | sort)
		[ "$(on B "$CTL" key list | awk 'NR > 1 { print $1 }' | sort)" = "$keys" ] &&
			[ "$(on C "$CTL" key list | awk 'NR > 1 { print $1 }' | sort)" = "$keys" ] && break
		keys=
		sleep 0.2
	done
	[ -n "$keys" ] || { echo "the hosts do not hold the same keys"; on A "$CTL" key list; on B "$CTL" key list; return 1; }
	echo "leader host$l; every host holds the same $(wc -l <<< "$keys") keys"
	on A "$CTL" key list
	on A "$BIN/ktix-fleetd" status
}
t "three hosts form a fleet: one leader, the same keys everywhere" forms

cross_host() {
	local r
	# s_client for one pair each way, then every pair by Python's ssl.
	r=$(resume A B -tls1_2)
	[ "$r" = Reused ] || { echo "s_client: TLS 1.2 ticket from A on B: $r"; return 1; }
	r=$(resume B A -tls1_3)
	[ "$r" = Reused ] || { echo "s_client: TLS 1.3 PSK from B on A: $r"; return 1; }
	python3 selftests/lib/crosshost.py --each "${IP[A]}" "${IP[B]}" "${IP[C]}" || return 1
	echo "TLS 1.2 tickets and TLS 1.3 PSKs of every host resume on every other (s_client, Python's ssl)"
}
t "a ticket and a PSK from any host resume on every other" cross_host

# Behind a load balancer: HAProxy (TCP, round robin over A, B and C) sends
# a client's second connection to another host than its first.  curl and
# gnutls-cli resume there: the hosts' ktix-serve logs say which host did
# the full handshake and which the resumed one.
lb_hosts() {	# lb_hosts REGEX: the hosts whose log gained a matching line
	local h
	for h in $HOSTS; do
		tail -n +"$(( ${LB_BEFORE[$h]} + 1 ))" "$W/serve-$h.log" | grep -qE "$1" && echo "$h"
	done
}
lb() {
	local v client out full resumed h
	declare -gA LB_BEFORE
	printf '%s\n' global '	maxconn 256' defaults '	mode tcp' '	timeout connect 5s' \
		'	timeout client 30s' '	timeout server 30s' frontend\ fleet \
		"	bind $NET.1:9443" '	default_backend hosts' backend\ hosts \
		'	balance roundrobin' "	server A ${IP[A]}:8443" \
		"	server B ${IP[B]}:8443" "	server C ${IP[C]}:8443" > "$W/haproxy.cfg"
	haproxy -f "$W/haproxy.cfg" -db > "$W/haproxy.log" 2>&1 &
	echo $! > "$W/haproxy.pid"
	disown
	for _ in $(seq 50); do ss -ltn | grep -q "$NET.1:9443" && break; sleep 0.1; done
	# curl offers TLS 1.2 sessions by ID only (ktix_e2e sees it resume
	# so), and session IDs stay with their host (fleet.rst): its TLS 1.2
	# is not a fleet case.
	for v in 1.2 1.3; do
		for client in curl gnutls-cli; do
			[ "$client$v" = curl1.2 ] && continue
			for h in $HOSTS; do LB_BEFORE[$h]=$(wc -l < "$W/serve-$h.log"); done
			if [ "$client" = curl ]; then
				out=$(curl -sSk --tlsv1.3 --resolve "localhost:9443:$NET.1" \
					-H 'Connection: close' https://localhost:9443/ https://localhost:9443/ 2>&1)
				[ "$(grep -c 'hello from ktix-serve' <<< "$out")" = 2 ] ||
					{ echo "curl TLS $v: $out"; return 1; }
			else
				out=$(timeout 60 gnutls-cli --insecure --resume -p 9443 "$NET.1" \
					--priority "NORMAL:-VERS-ALL:+VERS-TLS$v" < /dev/null 2>&1)
				grep -q 'This is a resumed session' <<< "$out" ||
					{ echo "gnutls-cli TLS $v: not resumed"; tail -n 5 <<< "$out"; return 1; }
			fi
			sleep 0.3
			# gnutls-cli's first TLS 1.3 connection hangs up right
			# after the handshake, before ktix-serve has it offloaded:
			# HAProxy passes on its FIN, or resets the connection.
			full=$(lb_hosts 'resumed=full|shut its side down before the offload|reset before the offload')
			resumed=$(lb_hosts 'resumed=(ticket|psk)')
			[ -n "$full" ] && [ -n "$resumed" ] && [ "$full" != "$resumed" ] ||
				{ echo "$client TLS $v: full handshake on '$full', resumed on '$resumed'"
				  for h in $HOSTS; do tail -n +"$(( ${LB_BEFORE[$h]} + 1 ))" "$W/serve-$h.log" | sed "s/^/$h: /"; done
				  tail -n 20 <<< "$out"; return 1; }
			echo "$client TLS $v through HAProxy: full handshake on $full, resumed on $resumed"
		done
	done
	kill "$(cat "$W/haproxy.pid")"
}
t "behind HAProxy (round robin): gnutls-cli and curl resume on the next host" lb

# Resumptions spread over the hosts, through at least 20 rotations:
# Python's ssl (OpenSSL), three clients at once, each taking a session
# from one host and offering it to the next (selftests/lib/crosshost.py).
rotations() {
	local k0 k1 out n miss err
	k0=$(status A '["counters"]["keys_loaded"]')
	out=$(python3 selftests/lib/crosshost.py --seconds $((ROTATE * 21)) \
		"${IP[A]}" "${IP[B]}" "${IP[C]}")
	k1=$(status A '["counters"]["keys_loaded"]')
	grep -v '^[0-9]* [0-9]* [0-9]*$' <<< "$out"
	read -r n miss err <<< "$(tail -n 1 <<< "$out")"
	echo "$n cross-host resumptions (TLS 1.2 and 1.3) in $((ROTATE * 21)) s, $((k1 - k0)) keys loaded on A: $miss missed, $err errors"
	[ $((k1 - k0)) -ge 20 ] || { echo "fewer than 20 rotations"; return 1; }
	[ "$n" -ge 100 ] && [ "$err" = 0 ] && [ $((miss * 1000)) -le "$n" ]
}
t "through 20 scheduled rotations cross-host resumption stays at 99.9 %" rotations

no_key_in_etcd() {
	local h
	# Every key of every host: the fleet's keys are the same everywhere,
	# so each is exported once, from the first host that has it; one
	# shell a host (a key may expire between the list and its export).
	for h in $HOSTS; do
		on "$h" env CTL="$CTL" W="$W" bash -c '
			for name in $("$CTL" key list | awk "NR > 1 { print \$1 }"); do
				[ -e "$W/exp-$name" ] ||
					"$CTL" key export "$W/exp-$name" --format nginx --name "$name" >/dev/null 2>&1
			done'
	done
	python3 - "$W" "$ED" <<'EOF' || return 1
import glob, os, re, sys
w = sys.argv[1]
keys = [open(p, "rb").read() for p in glob.glob(w + "/exp-*")]
# nginx's 80-byte file: name (16), HMAC key (32), AES key (32): each key,
# and each half of each.
secrets = set()
for k in keys:
    for a, b in ((16, 48), (48, 80), (16, 32), (32, 48), (48, 64), (64, 80)):
        secrets.add(k[a:b])
size = 0
chunks = []
for d in glob.glob(sys.argv[2] + "/etcd-e*/"):
    for root, _, files in os.walk(d):
        for f in files:
            # WAL files are preallocated: most of their bytes are zeros.
            # A megabyte of zeros is kept as its first 32 bytes only (a
            # secret cannot lie further into it); every other byte is
            # searched, in the order of the file.
            with open(os.path.join(root, f), "rb") as fh:
                while True:
                    c = fh.read(1 << 20)
                    if not c:
                        break
                    size += len(c)
                    chunks.append(c[:32] if c.count(0) == len(c) else c)
            chunks.append(b"|")
data = b"".join(chunks)
found = [s.hex() for s in secrets if s in data]
print("%d keys (%d byte strings) searched in %d bytes of etcd's data (%d not zero): %d found" %
      (len(keys), len(secrets), size, len(data), len(found)))
sys.exit(1 if found or not keys or not size else 0)
EOF
}
t "etcd's data directories hold no key material in the clear" no_key_in_etcd

revocation() {
	local handle t0 t1 r _
	fhello A -tls1_3 -sess_out "$W/rv" > /dev/null
	handle=$(tail -n 1 "$W/serve-A.log" | grep -o 'handle=[0-9a-f]*' | cut -d= -f2)
	[ ${#handle} = 32 ] || { echo "no handle"; return 1; }
	r=$(fhello B -tls1_3 -sess_in "$W/rv" | grep -c '^Reused')
	[ "$r" = 1 ] || { echo "did not resume on B before"; return 1; }
	t0=$(date +%s%N)
	on A "$CTL" revoke "$handle" >/dev/null || return 1
	for _ in $(seq 100); do
		on B "$CTL" -j revoke list 2>/dev/null | grep -q "$handle" &&
			on C "$CTL" -j revoke list 2>/dev/null | grep -q "$handle" && break
		sleep 0.05
	done
	t1=$(date +%s%N)
	for h in B C; do
		fhello "$h" -tls1_3 -sess_in "$W/rv" | grep -q '^New' ||
			{ echo "the revoked session resumed on $h"; return 1; }
	done
	echo "revoked on A: in B's and C's modules within $(( (t1 - t0) / 1000000 )) ms; full handshakes there"
}
t "a revocation on one host reaches the others" revocation

# etcd's watch wakes a host at once: host V reads etcd on its own every
# 30 s only, yet a revocation on A reaches V's module within seconds.
watched() {
	local handle t0 t1 w0 w1 _
	netns hV "${IP[V]}"
	start_fleetd V --set sync-interval=30s --set lease-ttl=60s \
		--set lead-time=120s --set rotate-interval=60s
	synced V || { echo "V did not sync"; tail -n 5 "$W/fleetd-V.log"; return 1; }
	for _ in $(seq 50); do [ "$(status V '["watching"]')" = true ] && break; sleep 0.2; done
	[ "$(status V '["watching"]')" = true ] || { echo "V's watch is not up"; tail -n 5 "$W/fleetd-V.log"; return 1; }
	w0=$(status V '["counters"]["watch_events"]')
	handle=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
	t0=$(date +%s%N)
	on A "$CTL" revoke "$handle" >/dev/null || return 1
	for _ in $(seq 100); do
		on V "$CTL" -j revoke list 2>/dev/null | grep -q "$handle" && break
		sleep 0.05
	done
	t1=$(date +%s%N)
	on V "$CTL" -j revoke list | grep -q "$handle" ||
		{ echo "the revocation is not on V after 5 s"; tail -n 5 "$W/fleetd-V.log"; return 1; }
	w1=$(status V '["counters"]["watch_events"]')
	[ "$w1" -gt "$w0" ] || { echo "no wake-up counted ($w0 -> $w1)"; return 1; }
	echo "sync-interval 30 s, watched: A's revocation in V's module within $(( (t1 - t0) / 1000000 )) ms; watch_events $w0 -> $w1"
	kill "$(cat "$W/fleetd-V.pid")"
	rm -f "$W/fleetd-V.pid"
	sleep 0.5
	ip netns del hV
}
t "etcd's watch: a host that reads etcd every 30 s gets a revocation at once" watched

leader_killed() {
	local l l2 _ p0 p1 t0
	l=$(leader_of)
	[ -n "$l" ] || { echo "no leader"; return 1; }
	t0=$(date +%s%N)
	kill -9 "$(cat "$W/fleetd-$l.pid")"
	for _ in $(seq 100); do
		l2=$(leader_of)
		[ -n "$l2" ] && [ "$l2" != "$l" ] && break
		sleep 0.1
	done
	[ -n "$l2" ] && [ "$l2" != "$l" ] || { echo "no new leader"; return 1; }
	echo "host$l's fleetd killed: host$l2 leads after $(( ($(date +%s%N) - t0) / 1000000 )) ms (lease-ttl ${LEASE}s)"
	for _ in $(seq 20); do [ "$(status "$l2" '["leader"]')" = true ] && break; sleep 0.2; done
	[ "$(status "$l2" '["leader"]')" = true ] || { echo "host$l2 does not know it leads"; return 1; }
	p0=$(status "$l2" '["counters"]["keys_published"]')
	sleep $((ROTATE * 2 + 1))
	p1=$(status "$l2" '["counters"]["keys_published"]')
	[ "$p1" -gt "$p0" ] || { echo "the new leader published nothing"; return 1; }
	start_fleetd "$l"
	sleep 2
	[ "$(leader_of)" = "$l2" ] || { echo "the leader changed when host$l came back"; return 1; }
	echo "rotations go on: $((p1 - p0)) keys published by host$l2"
}
t "the leader's fleetd killed: another host leads within the lease, rotations go on" leader_killed

one_key_a_slot() {
	ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" get --prefix /ktix/test/keys/ --print-value-only |
		python3 -c '
import json, sys
slots = {}
for line in sys.stdin:
    line = line.strip()
    if not line: continue
    k = json.loads(line)
    slots.setdefault(k["encrypt_from"], set()).add(k["name"])
two = [s for s, n in slots.items() if len(n) > 1]
print("%d slots in etcd, %d with two keys" % (len(slots), len(two)))
sys.exit(1 if two or not slots else 0)' || return 1
	for h in $HOSTS; do
		on "$h" "$CTL" -j key list | python3 -c '
import json, sys
keys = json.load(sys.stdin)
froms = [k["encrypt_from"] for k in keys]
dup = len(froms) - len(set(froms))
sys.exit(1 if dup else 0)' || { echo "host $h: two keys for one slot"; on "$h" "$CTL" key list; return 1; }
	done
}
t "no slot ever gets two keys" one_key_a_slot

# Host D joins late, and its ring was the module's own: its ktixd served
# (tickets under the module's keys) before its ktix-fleetd started.
late_join() {
	local r own made p _
	start_daemons D || return 1
	fhello D -tls1_2 -sess_out "$W/own" > /dev/null
	own=$(on D "$CTL" key list | awk '$2 == "primary" { print $1 }')
	made=$(on D "$CTL" key list | awk '$2 == "next" { print $1 }')
	[ ${#own} = 32 ] && [ ${#made} = 32 ] || { echo "D's module made no keys"; on D "$CTL" key list; return 1; }
	[ "$(ticket_of "$W/own" | cut -c 1-32)" = "$own" ] || { echo "D's ticket is not under its own key $own"; return 1; }
	start_fleetd D
	synced D || { echo "D's fleetd did not sync"; tail -n 5 "$W/fleetd-D.log"; return 1; }
	on D "$CTL" key list
	! on D "$CTL" key list | grep -q "^$made " || { echo "the next key D's module made is still there"; return 1; }
	on D "$CTL" key list | grep -q "^$own  retiring" || { echo "D's own primary $own does not retire"; return 1; }
	p=$(on D "$CTL" key list | awk '$2 == "primary" { print $1 }')
	on A "$CTL" key list | grep -q "^$p " || { echo "D's primary $p is not in A's ring"; return 1; }
	# The module's own key decrypts for the retention: D's earlier ticket.
	fhello D -tls1_2 -sess_in "$W/own" | grep -q '^Reused' ||
		{ echo "D's ticket from before its fleetd did not resume on D"; return 1; }
	# ktixd's mirror follows the ring's notification: then D's tickets are
	# under the fleet's keys (the primary changes every rotation).
	for _ in $(seq 20); do
		fhello D -tls1_2 -sess_out "$W/d-new" > /dev/null
		p=$(ticket_of "$W/d-new" | cut -c 1-32)
		[ "$p" != "$own" ] && break
		sleep 0.2
	done
	[ "$p" != "$own" ] || { echo "D still issues tickets under its own key $own"; return 1; }
	on A "$CTL" key list | grep -q "^$p " || { echo "D's ticket is under $p, which A lacks"; return 1; }
	r=$(resume A D -tls1_2)
	[ "$r" = Reused ] || { echo "a ticket of A on the late host D: $r"; return 1; }
	r=$(resume D B -tls1_3)
	[ "$r" = Reused ] || { echo "a PSK of D on B: $r"; return 1; }
	echo "host D joined late: its own next key wiped, its own primary retiring (its earlier ticket resumes on D); it resumes A's tickets and B resumes its PSKs"
}
t "a host that joins late, its ring the module's own: every live key at once, its own keys retire" late_join

status_json() {
	local h l
	for h in $HOSTS; do
		on "$h" "$BIN/ktix-fleetd" status -j | python3 -c '
import json, sys
s = json.load(sys.stdin)
for k in ("fleet", "host", "endpoints", "leader", "last_sync", "behind", "keys", "issuing_tickets", "counters", "watching"):
    assert k in s, k
assert s["watching"] is True, s
assert s["fleet"] == "test" and s["issuing_tickets"] is True and s["behind"] <= 2, s
assert all("aes" not in json.dumps(k) for k in s["keys"])
' || return 1
	done
	on A "$BIN/ktix-fleetd" status
	! "$BIN/ktix-fleetd" status 2>/dev/null || { echo "status answered outside every host's namespace"; return 1; }
}
t "ktix-fleetd status [-j]: leader, sync, keys, tickets, counters" status_json

bad_start() {
	local out
	out=$(on A "$BIN/ktix-fleetd" --endpoints "$ENDPOINTS" --fleet test --kek "$W/kek" 2>&1)
	grep -q 'another ktix-fleetd runs in this network namespace' <<< "$out" || { echo "$out"; return 1; }
	head -c 32 /dev/urandom > "$W/kek2"; chmod 600 "$W/kek2"
	ip netns add hX
	out=$(ip netns exec hX "$BIN/ktix-fleetd" --endpoints "http://127.0.0.1:1" --fleet test --kek "$W/kek2" 2>&1; echo "rc=$?")
	grep -q 'etcd cannot be reached' <<< "$out" && grep -q 'rc=1' <<< "$out" || { echo "$out"; return 1; }
	chmod 644 "$W/kek2"
	out=$(ip netns exec hX "$BIN/ktix-fleetd" --endpoints "$ENDPOINTS" --fleet test --kek "$W/kek2" 2>&1)
	grep -q 'may be read by other users' <<< "$out" || { echo "$out"; return 1; }
	ip link add vhX type veth peer name eth0 netns hX
	ip link set vhX master kfb0 up
	ip -n hX addr add "$NET.19/24" dev eth0; ip -n hX link set eth0 up
	chmod 600 "$W/kek2"
	out=$(ip netns exec hX "$BIN/ktix-fleetd" --endpoints "$ENDPOINTS" --fleet test --kek "$W/kek2" 2>&1; echo "rc=$?")
	ip netns del hX
	grep -q 'the KEK does not open' <<< "$out" && grep -q 'rc=1' <<< "$out" || { echo "$out"; return 1; }
	echo "a second fleetd in a namespace, no etcd, a KEK others may read, another KEK: each refused with its reason"
}
t "ktix-fleetd refuses to start with a clear reason" bad_start

# Whoever can write to etcd cannot make a key the hosts take: values that
# do not parse are skipped, and a real key given other times does not
# unwrap (its times are in the wrap's associated data).  The key moved is
# one whose time is up (gone from every module, not yet from etcd), as an
# attacker would bring an old key back.
forged() {
	local old new s0 s1 slot _ now
	s0=$(status A '["counters"]["records_skipped"]')
	for _ in $(seq $((RETENTION + ROTATE + 10))); do
		now=$(date +%s)
		old=$(ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" get --prefix /ktix/test/keys/ \
			--print-value-only | python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line and json.loads(line)["decrypt_until"] < int(sys.argv[1]) - 2:
        print(line)
        break' "$now")
		[ -n "$old" ] && break
		sleep 1
	done
	[ -n "$old" ] || { echo "no key of etcd's has run out yet"; return 1; }
	slot=$(( (now / ROTATE + 1000) * ROTATE ))
	new=$(python3 -c '
import json, sys
k = json.loads(sys.argv[1])
k["encrypt_from"] = int(sys.argv[2]); k["encrypt_until"] = k["encrypt_from"] + 2
k["decrypt_until"] = k["encrypt_until"] + 3600
print(json.dumps(k))' "$old" "$slot")
	ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" put "/ktix/test/keys/$(printf %020d "$slot")" "$new" >/dev/null &&
	ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" put /ktix/test/keys/x '{"name": 1}' >/dev/null &&
	ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" put /ktix/test/revoke/zz 'not json' >/dev/null || return 1
	sleep 3
	s1=$(status A '["counters"]["records_skipped"]')
	for h in $HOSTS; do
		! on "$h" "$CTL" key list | grep -q "^$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["name"])' "$old") " ||
			{ echo "host $h took the key back"; on "$h" "$CTL" key list; return 1; }
		grep -q 'does not unwrap under the KEK with its name and times' "$W/fleetd-$h.log" ||
			{ echo "host $h did not say why"; tail -n 5 "$W/fleetd-$h.log"; return 1; }
		[ "$(status "$h" '["issuing_tickets"]')" = true ] || { echo "host $h stopped issuing tickets"; return 1; }
	done
	ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" del --prefix /ktix/test/keys/x >/dev/null
	ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" del /ktix/test/revoke/zz >/dev/null
	ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" del "/ktix/test/keys/$(printf %020d "$slot")" >/dev/null
	[ "$s1" -gt "$s0" ] || { echo "nothing counted as skipped ($s0 -> $s1)"; return 1; }
	grep -h 'skipped' "$W"/fleetd-A.log | sort -u
	echo "a key of $(date -u -d @"$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["decrypt_until"])' "$old")" +%T) moved to a slot of its own, with an hour to decrypt: refused on every host; garbage skipped; records_skipped $s0 -> $s1"
}
t "entries in etcd without the KEK's seal are skipped: garbage, an old key given new times" forged

# A host cut off from etcd (routes to every member blackholed; clients
# still reach it) keeps serving with the keys it has.
partition() {
	local m _ keys_c keys_a r
	for m in 1 2 3; do on C ip route add blackhole "${IP[e$m]}/32"; done
	r=$(resume C A -tls1_3)
	[ "$r" = Reused ] || { echo "just cut off, C's PSK on A: $r"; return 1; }
	for _ in $(seq 50); do [ "$(status C '["cut_off"]')" = true ] && break; sleep 0.2; done
	[ "$(status C '["cut_off"]')" = true ] || { echo "C does not know it is cut off"; return 1; }
	# Its last key runs out: tickets stop, pages do not.
	for _ in $(seq $((LEAD + ROTATE * 2 + 10))); do
		[ "$(status C '["issuing_tickets"]')" = false ] && break
		sleep 1
	done
	[ "$(status C '["issuing_tickets"]')" = false ] || { echo "C still issues tickets"; on C "$CTL" key list; return 1; }
	fhello C -tls1_3 > "$W/cut.out"
	grep -q 'hello from ktix-serve' "$W/cut.out" || { echo "C stopped serving"; return 1; }
	! grep -q 'New Session Ticket' "$W/cut.out" || { echo "C issued a ticket"; return 1; }
	# What C encrypts under (its primary, when it has one), A has.
	keys_c=$(on C "$CTL" key list | awk '$2 == "primary" { print $1 }')
	on A "$CTL" key list | grep -q "^$keys_c " ||
		{ echo "C's primary $keys_c is not in A's ring"; on A "$CTL" key list; return 1; }
	for m in 1 2 3; do on C ip route del blackhole "${IP[e$m]}/32"; done
	for _ in $(seq 50); do [ "$(status C '["cut_off"]')" = false ] && break; sleep 0.2; done
	sleep 1
	[ "$(status C '["issuing_tickets"]')" = true ] || { echo "C did not catch up"; return 1; }
	r=$(resume C B -tls1_2)
	[ "$r" = Reused ] || { echo "after the partition, C's ticket on B: $r"; return 1; }
	for _ in $(seq 50); do [ "$(status C '["watching"]')" = true ] && break; sleep 0.2; done
	[ "$(status C '["watching"]')" = true ] || { echo "C's watch did not come back"; tail -n 5 "$W/fleetd-C.log"; return 1; }
	echo "cut off: C served, withheld tickets when its keys ran out, held no key A lacks; back: caught up, watching again"
}
t "a host cut off from etcd keeps serving, stops issuing tickets when it must, catches up" partition

# etcd loses a member, then its majority.
etcd_members() {
	local s0 s1 keys0 keys1 h r out
	# Sessions of B's, to offer C once etcd has no majority.
	fhello B -tls1_2 -sess_out "$W/pre-t" > /dev/null
	fhello B -tls1_3 -sess_out "$W/pre-p" > /dev/null
	[ -s "$W/pre-t" ] && [ -s "$W/pre-p" ] || { echo "no session from B"; return 1; }
	kill -9 "$(cat "$W/etcd-e3.pid")"
	# The two left elect a leader if e3 was it.
	for _ in $(seq 50); do
		ETCDCTL_API=3 etcdctl --endpoints "http://${IP[e1]}:2379,http://${IP[e2]}:2379" \
			endpoint health >/dev/null 2>&1 && break
		sleep 0.2
	done
	s0=$(etcd_slots)
	sleep $((ROTATE * 2 + 1))
	s1=$(etcd_slots)
	[ "$s1" -gt "$s0" ] || { echo "one member down: no key published ($s0 -> $s1)"; return 1; }
	r=$(resume A B -tls1_3)
	[ "$r" = Reused ] || { echo "one member down: $r"; tail -n 2 "$W/ktixd-B.log"; on B "$CTL" key list; return 1; }
	echo "one member down: the fleet goes on"
	kill -9 "$(cat "$W/etcd-e2.pid")"
	keys0=$(on A "$CTL" key list | awk 'NR > 1 { print $1 }' | sort)
	# The keys published ahead run out at once everywhere: A first.
	for _ in $(seq $((LEAD + ROTATE * 2 + 10))); do
		[ "$(status A '["issuing_tickets"]')" = false ] && break
		sleep 1
	done
	# Sessions from before still resume elsewhere: the hosts decrypt.
	# (Each offered in its own version: a TLS 1.2 session offered in a
	# hello that allows TLS 1.3 gets TLS 1.3, and a full handshake.)
	for r in t p; do
		out=$(fhello C -sess_in "$W/pre-$r" "$([ $r = t ] && echo -tls1_2 || echo -tls1_3)")
		grep -q '^Reused' <<< "$out" || {
			echo "no majority: B's session ($r, ticket key $(ticket_of "$W/pre-$r" | cut -c 1-32)) did not resume on C"
			grep -E 'Verify|Session-ID:|error' <<< "$out" | head -n 5
			on C "$CTL" key list; tail -n 3 "$W/ktixd-C.log"; return 1; }
	done
	for h in $HOSTS D; do
		[ -e "$W/fleetd-$h.pid" ] || continue
		[ "$(status "$h" '["issuing_tickets"]')" = false ] ||
			{ echo "$h issues tickets under a key about to run out"; on "$h" "$CTL" key list; return 1; }
		fhello "$h" -tls1_3 | grep -q 'hello from ktix-serve' || { echo "$h stopped serving"; return 1; }
	done
	keys1=$(on A "$CTL" key list | awk 'NR > 1 { print $1 }' | sort)
	[ -z "$(comm -13 <(echo "$keys0") <(echo "$keys1"))" ] || { echo "a key appeared without etcd"; return 1; }
	echo "no majority: every host serves and decrypts, tickets withheld once the keys ran out, no key made"
	start_etcd 2; start_etcd 3
	etcd_healthy || return 1
	sleep 2
	[ "$(status A '["cut_off"]')" = false ] || { echo "A did not reconnect"; return 1; }
}
t "an etcd member down: the fleet goes on; the majority down: hosts serve, no key is made" etcd_members

# Every ktix-fleetd stopped as systemd would (SIGTERM: it gives its lease
# back and exits), so that a sanitizer build's leak check runs; then no
# report in any log.
sanitizers() {
	local f pid _
	for f in "$W"/fleetd-*.pid; do
		pid=$(cat "$f")
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		! kill -0 "$pid" 2>/dev/null || { echo "$f: still running 10 s after SIGTERM"; return 1; }
		rm -f "$f"
	done
	! grep -lE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$W"/fleetd-*.log "$W"/ktixd-*.log
}
t "no sanitizer report in any daemon's log" sanitizers
ktap_finish
