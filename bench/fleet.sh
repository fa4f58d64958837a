#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fleet.sh [--quick]: a fleet's figures, in one VM boot.  Run by bench/run
# inside the test VM; prints "key value" lines.  Hosts are network
# namespaces h1..h50 on a bridge with a three-member etcd (e1..e3), as in
# selftests/ktix_fleet.sh; rotate-interval is $ROT seconds throughout.
#
#   rot:   three hosts under resumption load spread over them (each client
#          takes a session from one host and offers it to the next), first
#          ktix (ktixd, ktix-serve, ktix-fleetd), then nginx (Debian's)
#          sharing a ticket-key file the usual way: every $ROT seconds a new
#          key file is copied to each host in turn (the old key kept to
#          decrypt) and each nginx is reloaded.  Misses per rotation.
#   prop3: with those three hosts, each key from the leader's "published"
#          to another host's "loaded" (log lines stamped as they come), and
#          each revocation from `ktixctl revoke` on h1 to "revocation ...
#          from etcd" on the others.  p50 and p99 in milliseconds.
#   prop50: the same with 50 hosts, each running ktix-fleetd only.
#   etcd:  requests and bytes each host's ktix-fleetd sends and receives
#          per round, the leader's extra per rotation, and h1's per
#          revocation (from the status counters), at 3 and at 50 hosts.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
quick=0
[ "${1:-}" = --quick ] && quick=1
BIN=build/bin
ROT=6
ROTATIONS=10 REVOKES=10 HOSTS50=50
[ "$quick" = 1 ] && ROTATIONS=4 REVOKES=5 HOSTS50=12
NET=10.78.0
W=$(mktemp -d /tmp/fleetbench.XXXXXX)
ED=$(mktemp -d /dev/shm/fleetbench.XXXXXX)
ENDPOINTS=http://$NET.201:2379,http://$NET.202:2379,http://$NET.203:2379
ulimit -n 8192

cleanup() {
	local n
	for n in $(ip netns list | awk '/^(h[0-9]+|e[0-9])( |$)/ { print $1 }'); do
		ip netns pids "$n" | xargs -r kill -9 2>/dev/null
		ip netns del "$n"
	done
	ip link del kfbb0 2>/dev/null
	rm -rf "$W" "$ED"
}
trap cleanup EXIT

ip link add kfbb0 type bridge
ip addr add "$NET.1/24" dev kfbb0
ip link set kfbb0 up
ns() {	# ns NAME ADDR
	ip netns add "$1"
	ip link add "v$1" type veth peer name eth0 netns "$1"
	ip link set "v$1" master kfbb0 up
	ip -n "$1" addr add "$2/24" dev eth0
	ip -n "$1" link set eth0 up
	ip -n "$1" link set lo up
}
ip_of() { echo "$NET.$((10 + $1))"; }

# Lines of a daemon's output, each after the time it came (seconds).
stamp() {
	local l
	while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done
}

cluster=""
for m in 1 2 3; do cluster+="${cluster:+,}e$m=http://$NET.20$m:2380"; done
for m in 1 2 3; do
	ns "e$m" "$NET.20$m"
	ip netns exec "e$m" etcd --name "e$m" --data-dir "$ED/e$m" \
		--listen-client-urls "http://$NET.20$m:2379" \
		--advertise-client-urls "http://$NET.20$m:2379" \
		--listen-peer-urls "http://$NET.20$m:2380" \
		--initial-advertise-peer-urls "http://$NET.20$m:2380" \
		--initial-cluster "$cluster" --initial-cluster-token ktix-bench \
		--initial-cluster-state new > "$W/etcd-e$m.log" 2>&1 &
done
for _ in $(seq 150); do
	ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" endpoint health > /dev/null 2>&1 && break
	sleep 0.2
done

head -c 32 /dev/urandom > "$W/kek"
chmod 600 "$W/kek"
KTIX_BENCH_CERT=ec bench_cert "$W" > /dev/null
mkdir -p "$W/www"
echo "hello from the fleet" > "$W/www/index.html"

fleetd() {	# fleetd H: ktix-fleetd in hH, its output stamped
	ip netns exec "h$1" "$BIN/ktix-fleetd" --endpoints "$ENDPOINTS" --fleet bench \
		--kek "$W/kek" --host "host$1" --foreground \
		--set rotate-interval=${ROT}s --set lead-time=20s --set lease-ttl=10s \
		--set retention=60s --set ticket-lifetime=60s 2>&1 | stamp > "$W/fleetd-$1.log" &
}
status() {	# status H EXPR: a value of hH's "ktix-fleetd status -j"
	ip netns exec "h$1" "$BIN/ktix-fleetd" status -j |
		python3 -c 'import json, sys; s = json.load(sys.stdin); print('"$2"')'
}
synced() {	# synced H...: wait until each has synced once
	local h
	for h in "$@"; do
		for _ in $(seq 300); do
			ip netns exec "h$h" "$BIN/ktix-fleetd" status -j 2>/dev/null |
				grep -q '"syncs":[1-9]' && break
			sleep 0.2
		done
	done
}

# ---- three hosts, ktix ----
for h in 1 2 3; do
	ns "h$h" "$(ip_of "$h")"
	fleetd "$h"
done
synced 1 2 3
for h in 1 2 3; do
	ip netns exec "h$h" "$BIN/ktixd" --cert "$W/cert.pem" --key "$W/key.pem" \
		--socket "$W/$h.sock" --foreground > /dev/null 2>&1 &
	for _ in $(seq 100); do [ -S "$W/$h.sock" ] && break; sleep 0.1; done
	ip netns exec "h$h" "$BIN/ktix-serve" --listen "$(ip_of "$h"):8443" --root "$W/www" \
		--socket "$W/$h.sock" > "$W/serve-$h.log" 2>&1 &
	for _ in $(seq 100); do grep -q serving "$W/serve-$h.log" && break; sleep 0.1; done
done

# load PORT SECONDS: resumptions across the three hosts; prints a line
# per miss, then "n misses errors"
load() {
	python3 selftests/lib/crosshost.py --seconds "$2" --port "$1" \
		--marker "hello from the fleet" "$(ip_of 1)" "$(ip_of 2)" "$(ip_of 3)"
}

secs=$((ROT * ROTATIONS))
k0=$(status 2 's["counters"]["keys_loaded"]')
load 8443 "$secs" > "$W/load-ktix"
k1=$(status 2 's["counters"]["keys_loaded"]')
read -r n miss err <<< "$(tail -n 1 "$W/load-ktix")"
echo "ktix_resumptions $n"
echo "ktix_misses $miss"
echo "ktix_errors $err"
echo "ktix_rotations $((secs / ROT))"
echo "ktix_keys_loaded $((k1 - k0))"

# ---- three hosts, nginx sharing a key file ----
echo "# $(date +%T) nginx" >&2
# One key file for the fleet from the start, as its operators would have.
head -c 80 /dev/urandom > "$W/first.key"
for h in 1 2 3; do
	mkdir -p "$W/ng$h/tmp"
	cp "$W/first.key" "$W/ng$h/previous.key"
	cp "$W/first.key" "$W/ng$h/current.key"
	cat > "$W/ng$h/nginx.conf" <<EOF
user root;
worker_processes 1;
pid $W/ng$h/nginx.pid;
error_log $W/ng$h/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $W/ng$h/tmp;
	proxy_temp_path $W/ng$h/tmp;
	fastcgi_temp_path $W/ng$h/tmp;
	uwsgi_temp_path $W/ng$h/tmp;
	scgi_temp_path $W/ng$h/tmp;
	keepalive_timeout 0;
	server {
		listen $(ip_of "$h"):9443 ssl;
		ssl_certificate $W/cert.pem;
		ssl_certificate_key $W/key.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_session_cache off;
		ssl_session_timeout 60s;
		ssl_session_tickets on;
		ssl_session_ticket_key $W/ng$h/current.key;
		ssl_session_ticket_key $W/ng$h/previous.key;
		root $W/www;
	}
}
EOF
	ip netns exec "h$h" nginx -c "$W/ng$h/nginx.conf"
done
# The usual rotation: a new key file, to each host in turn, then a reload.
rotate_nginx() {
	local h
	head -c 80 /dev/urandom > "$W/new.key"
	for h in 1 2 3; do
		cp "$W/ng$h/current.key" "$W/ng$h/previous.key"
		cp "$W/new.key" "$W/ng$h/current.key"
		kill -HUP "$(cat "$W/ng$h/nginx.pid")"
	done
}
sleep 1
start=$EPOCHREALTIME
(
	for _ in $(seq "$ROTATIONS"); do
		sleep "$ROT"
		echo "$EPOCHREALTIME" >> "$W/rotations"
		rotate_nginx
		echo "$EPOCHREALTIME" >> "$W/rotated"
	done
) &
rotator=$!
load 9443 "$secs" > "$W/load-nginx"
wait "$rotator"
read -r n miss err <<< "$(tail -n 1 "$W/load-nginx")"
echo "nginx_resumptions $n"
echo "nginx_misses $miss"
echo "nginx_errors $err"
echo "nginx_rotations $ROTATIONS"
# When the misses came: before the first rotation (none expected), while
# the new key file went round, or after (old workers finishing).
python3 - "$W" "$start" <<'EOF'
import sys
w, start = sys.argv[1], float(sys.argv[2])
began = [float(x) for x in open(w + "/rotations")]
ended = [float(x) for x in open(w + "/rotated")]
misses = [float(l.split(" at ")[1].split()[0]) for l in open(w + "/load-nginx") if l.startswith("miss ")]
before = sum(1 for m in misses if m < began[0])
during = sum(1 for m in misses if any(b <= m <= e + 1 for b, e in zip(began, ended)))
print("nginx_misses_before_first_rotation %d" % before)
print("nginx_misses_within_1s_of_a_rotation %d" % during)
print("nginx_rotation_ms_mean %.0f" % (1000 * sum(e - b for b, e in zip(began, ended)) / len(began)))
EOF
for h in 1 2 3; do kill "$(cat "$W/ng$h/nginx.pid")"; done

# ---- propagation and etcd's work ----
# counters H...: "requests bytes_out bytes_in rounds" summed over the hosts
# (the JSONs gathered first, read by one Python: a start of Python is
# slow in the VM, and fifty of them would stretch the window measured)
counters() {
	local h
	for h in "$@"; do
		ip netns exec "h$h" "$BIN/ktix-fleetd" status -j > "$W/st-$h.json"
	done
	python3 - "$W" "$@" <<'EOF'
import json, sys
t = [0, 0, 0, 0]
for h in sys.argv[2:]:
    c = json.load(open("%s/st-%s.json" % (sys.argv[1], h)))["counters"]
    t[0] += c["etcd_requests"]; t[1] += c["etcd_bytes_out"]
    t[2] += c["etcd_bytes_in"]; t[3] += c["syncs"] + c["sync_failures"]
print(*t)
EOF
}
leader() {
	ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" get /ktix/bench/leader --print-value-only |
		sed 's/^host//'
}

# measure TAG HOSTS: key propagation over $ROTATIONS rotations, etcd's
# work per round, then $REVOKES revocations from h1
measure() {
	local tag=$1 n=$2 h l t0 c0 c1 f0 f1 hex others
	others=$(seq 1 "$n")
	l=$(leader)
	t0=$EPOCHREALTIME
	c0=$(counters $others)
	f0=$(counters "$l")
	sleep $((ROT * ROTATIONS))
	c1=$(counters $others)
	f1=$(counters "$l")
	# Per round, every host alike; the leader's extra per rotation.
	python3 - "$tag" "$n" "$c0" "$c1" "$f0" "$f1" "$ROTATIONS" \
		"$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" <<'EOF'
import sys
tag, n = sys.argv[1], int(sys.argv[2])
c0, c1, f0, f1 = (list(map(int, a.split())) for a in sys.argv[3:7])
rot = int(sys.argv[7])
d = [b - a for a, b in zip(c0, c1)]
lf = [b - a for a, b in zip(f0, f1)]
rounds = d[3]
per = [x / rounds for x in d[:3]]
print("%s_round_requests %.2f" % (tag, per[0]))
print("%s_round_bytes_out %.0f" % (tag, per[1]))
print("%s_round_bytes_in %.0f" % (tag, per[2]))
print("%s_rounds_per_host_per_s %.2f" % (tag, rounds / n / float(sys.argv[8])))
extra = [lf[i] - per[i] * lf[3] for i in range(3)]
print("%s_rotation_requests %.2f" % (tag, extra[0] / rot))
print("%s_rotation_bytes_out %.0f" % (tag, extra[1] / rot))
print("%s_rotation_bytes_in %.0f" % (tag, extra[2] / rot))
EOF
	# Revocations from h1, one every two seconds, each seen on the others.
	c0=$(counters 1)
	f0=$(counters 2)
	: > "$W/revoked"
	for _ in $(seq "$REVOKES"); do
		hex=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
		echo "$EPOCHREALTIME $hex" >> "$W/revoked"
		ip netns exec h1 "$BIN/ktixctl" revoke "$hex" > /dev/null
		sleep 2
	done
	sleep 3
	c1=$(counters 1)
	f1=$(counters 2)
	python3 - "$tag" "$n" "$W" "$t0" "$l" "$c0" "$c1" "$f0" "$f1" "$REVOKES" <<'EOF'
import re, sys
tag, n, w, t0, leader = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), sys.argv[5]
c0, c1, f0, f1 = (list(map(int, a.split())) for a in sys.argv[6:10])
nrev = int(sys.argv[10])
pub, loaded, rev = {}, [], {}
for line in open(w + "/revoked"):
    t, hx = line.split()
    rev[hx] = float(t)
keyp, revp = [], []
missing = 0
for h in range(1, n + 1):
    for line in open("%s/fleetd-%d.log" % (w, h)):
        m = re.match(r"(\S+) ktix-fleetd: published key (\w+)", line)
        if m and float(m.group(1)) >= t0:
            pub[m.group(2)] = float(m.group(1))
for h in range(1, n + 1):
    if str(h) == leader:
        continue
    seen = set()
    for line in open("%s/fleetd-%d.log" % (w, h)):
        m = re.match(r"(\S+) ktix-fleetd: loaded key (\w+)", line)
        if m:
            loaded.append((m.group(2), float(m.group(1))))
        m = re.match(r"(\S+) ktix-fleetd: revocation (\w+) from etcd", line)
        if m and m.group(2) in rev and h != 1:
            revp.append(float(m.group(1)) - rev[m.group(2)])
            seen.add(m.group(2))
    if h != 1:
        missing += len(set(rev) - seen)
for name, t in loaded:
    if name in pub:
        keyp.append(t - pub[name])
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] * 1000 if v else float("nan")
print("%s_key_samples %d" % (tag, len(keyp)))
print("%s_key_p50_ms %.0f" % (tag, pct(keyp, 50)))
print("%s_key_p99_ms %.0f" % (tag, pct(keyp, 99)))
print("%s_key_max_ms %.0f" % (tag, pct(keyp, 100)))
print("%s_rev_samples %d" % (tag, len(revp)))
print("%s_rev_missing %d" % (tag, missing))
print("%s_rev_p50_ms %.0f" % (tag, pct(revp, 50)))
print("%s_rev_p99_ms %.0f" % (tag, pct(revp, 99)))
print("%s_rev_max_ms %.0f" % (tag, pct(revp, 100)))
# h1's requests and bytes beyond h2's (both poll alike) per revocation
d1 = [b - a for a, b in zip(c0, c1)]
d2 = [b - a for a, b in zip(f0, f1)]
print("%s_revoke_requests %.2f" % (tag, (d1[0] - d2[0] * d1[3] / d2[3]) / nrev))
print("%s_revoke_bytes_out %.0f" % (tag, (d1[1] - d2[1] * d1[3] / d2[3]) / nrev))
EOF
}

echo "# $(date +%T) propagation, three hosts" >&2
measure prop3 3

# ---- fifty hosts, ktix-fleetd only ----
# (ktixd and ktix-serve of the first three hosts are not needed now)
for h in 1 2 3; do
	for p in $(ip netns pids "h$h"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = ktix-fleetd ] || kill "$p" 2>/dev/null || true
	done
done
echo "# $(date +%T) fifty hosts" >&2
for h in $(seq 4 "$HOSTS50"); do
	ns "h$h" "$(ip_of "$h")"
	fleetd "$h"
done
synced $(seq 4 "$HOSTS50")
echo "prop50_hosts $HOSTS50"
measure prop50 "$HOSTS50"
echo "etcd_version $(etcd --version | awk '/etcd Version/ { print $3 }')"
