#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# proxy.sh [--quick]: ktix-proxy against HAProxy (TCP mode, TLS terminated
# in HAProxy) and stunnel, as TLS terminators in front of one plain HTTP
# backend, in one VM boot.  Run inside the test VM:
#
#   selftests/vm/run --timeout 1800 --mem 2048 -- bench/proxy.sh [--quick]
#
#   CPU 1: the terminator under test, alone -- ktixd (one worker) and
#          ktix-proxy; or HAProxy 2.6 (one thread, TLS in userspace, no
#          kTLS, its session cache and tickets on); or stunnel4 (its
#          session cache; tickets as OpenSSL's defaults)
#   CPU 0: the client (bench/hsload, curl) and the backend (nginx, plain
#          HTTP, one worker), the same for the three
#
# hs:   handshakes per second, full and resumed (TLS 1.2 ticket and session
#       ID, TLS 1.3 PSK), each a GET of a 6-byte page through the
#       terminator; rounds alternate the three, the first swapped each
#       round.  "resumed" is what the client saw.
# data: MB/s of a 64 MiB download through the terminator (curl), best of
#       the rounds, and the terminator's CPU time per MB.
#
# Prints "key value" lines, then a table for bench/RESULTS.md.  RSA-2048.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
quick=0
[ "${1:-}" = --quick ] && quick=1
BIN=build/bin
ulimit -n 8192
W=$(mktemp -d /tmp/proxybench.XXXXXX)
cleanup() {
	[ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null
	kill "${KTIXD:-}" "${PROXY:-}" "${HAPROXY:-}" "${STUNNEL:-}" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT

bench_cert "$W"
cat "$W/cert.pem" "$W/key.pem" > "$W/both.pem"
mkdir -p "$W/www" "$W/nginx"
printf 'hello\n' > "$W/www/index.html"
head -c $((64 << 20)) /dev/urandom > "$W/www/big.bin"

# The backend: plain HTTP, on CPU 0 with the client.
cat > "$W/nginx.conf" <<EOF
user root;
worker_processes 1;
worker_cpu_affinity 01;
pid $W/nginx.pid;
error_log $W/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	client_body_temp_path $W/nginx/body;
	proxy_temp_path $W/nginx/proxy;
	fastcgi_temp_path $W/nginx/fastcgi;
	uwsgi_temp_path $W/nginx/uwsgi;
	scgi_temp_path $W/nginx/scgi;
	server {
		listen 127.0.0.1:9080 backlog=4096;
		root $W/www;
	}
}
EOF
nginx -c "$W/nginx.conf" -e "$W/nginx/error.log"

cat > "$W/haproxy.cfg" <<EOF
global
	nbthread 1
	maxconn 4096
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend tls
	bind 127.0.0.1:9446 ssl crt $W/both.pem
	default_backend plain
backend plain
	server s1 127.0.0.1:9080
EOF
taskset -c 1 haproxy -f "$W/haproxy.cfg" -db > "$W/haproxy.log" 2>&1 &
HAPROXY=$!

cat > "$W/stunnel.conf" <<EOF
foreground = yes
pid =
[tls]
accept = 127.0.0.1:9447
connect = 127.0.0.1:9080
cert = $W/cert.pem
key = $W/key.pem
EOF
taskset -c 1 stunnel4 "$W/stunnel.conf" > "$W/stunnel.log" 2>&1 &
STUNNEL=$!

taskset -c 1 "$BIN/ktixd" --cert "$W/cert.pem" --key "$W/key.pem" --socket "$W/k.sock" \
	--workers 1 --foreground 2>"$W/ktixd.log" &
KTIXD=$!
for _ in $(seq 100); do [ -S "$W/k.sock" ] && break; sleep 0.1; done
taskset -c 1 "$BIN/ktix-proxy" --listen 127.0.0.1:8446 --backend 127.0.0.1:9080 \
	--socket "$W/k.sock" > /dev/null 2>&1 &
PROXY=$!
sleep 1

HZ=$(getconf CLK_TCK)
port_of() { case $1 in ktix) echo 8446 ;; haproxy) echo 9446 ;; stunnel) echo 9447 ;; esac; }
pids_of() { case $1 in ktix) echo "$KTIXD $PROXY" ;; haproxy) echo "$HAPROXY" ;; stunnel) echo "$STUNNEL" ;; esac; }
# cpu PIDS: their user + system clock ticks so far
cpu() {
	local p t=0
	for p in $1; do
		t=$((t + $(sed -E 's/^[0-9]+ \(.*\) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
	done
	echo "$t"
}

# Each terminator answers through the backend before anything is timed.
for s in ktix haproxy stunnel; do
	out=$(curl -sS -k "https://127.0.0.1:$(port_of $s)/")
	[ "$out" = hello ] || { echo "$s: no answer through it: $out" >&2; exit 1; }
	taskset -c 0 build/bench/hsload -p "$(port_of $s)" -n 100 -c 32 > /dev/null
done

N=1200 R=4
[ "$quick" = 1 ] && N=300 R=2
echo "connections_per_run $N"
echo "rounds $R"
: > "$W/raw"
order=(ktix haproxy stunnel)
for m in "tls12_full -2" "tls12_ticket -2 -r" "tls12_session_id -2 -r -s" \
	 "tls13_full -3" "tls13_psk -3 -r"; do
	set -- $m
	name=$1
	shift
	for r in $(seq "$R"); do
		# rotate the order each round
		o=("${order[@]:$((r % 3))}" "${order[@]:0:$((r % 3))}")
		for s in "${o[@]}"; do
			c0=$(cpu "$(pids_of $s)")
			out=$(taskset -c 0 build/bench/hsload -p "$(port_of $s)" -n $((N / R)) -c 32 -t 600 "$@" || true)
			c1=$(cpu "$(pids_of $s)")
			awk -v k="${s}_$name" -v c=$((c1 - c0)) '$1 == "seconds" { print k "_seconds", $2 }
				$1 == "resumed" { print k "_resumed", $2 }
				$1 == "completed" { print k "_done", $2 }
				END { print k "_ticks", c }' <<< "$out" >> "$W/raw"
			echo "${s}_${name}_conns $((N / R))" >> "$W/raw"
		done
	done
done
# Sums over the rounds.
awk '{ v[$1] += $2 } END { for (k in v) print k, v[k] }' "$W/raw" | sort > "$W/sum"
cat "$W/sum"
val() { awk -v k="$1" '$1 == k { print $2 }' "$W/sum"; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }

# Throughput: best of the rounds, and CPU per MB on the terminator's CPU.
for s in ktix haproxy stunnel; do echo "${s}_mbps 0" ; done > "$W/data"
for r in $(seq "$R"); do
	for s in ktix haproxy stunnel; do
		c0=$(cpu "$(pids_of $s)")
		bps=$(taskset -c 0 curl -sS -k -o /dev/null -w '%{speed_download}' \
			"https://127.0.0.1:$(port_of $s)/big.bin")
		c1=$(cpu "$(pids_of $s)")
		echo "${s}_data_round$r $(awk -v b="$bps" 'BEGIN { printf "%.1f", b / 1e6 }') MB/s, $((c1 - c0)) ticks"
		echo "${s}_mbps $(awk -v b="$bps" 'BEGIN { printf "%.1f", b / 1e6 }')" >> "$W/data"
		echo "${s}_ticks_per_64mb $((c1 - c0))" >> "$W/data"
	done
done
awk '$1 ~ /_mbps$/ { if ($2 > m[$1]) m[$1] = $2 } $1 ~ /_ticks_per_64mb$/ { t[$1] += $2; n[$1]++ }
	END { for (k in m) print k, m[k]; for (k in t) printf "%s %.1f\n", k, t[k] / n[k] }' "$W/data" |
	sort > "$W/dsum"
cat "$W/dsum"
dval() { awk -v k="$1" '$1 == k { print $2 }' "$W/dsum"; }

echo
echo "| kind | ktix-proxy /s | HAProxy /s | stunnel /s | ktix/HAProxy | ktix/stunnel | resumed (client saw): ktix, HAProxy, stunnel |"
echo "|---|---|---|---|---|---|---|"
for m in tls12_full tls12_ticket tls12_session_id tls13_full tls13_psk; do
	k=$(rate "$(val "ktix_${m}_conns")" "$(val "ktix_${m}_seconds")")
	h=$(rate "$(val "haproxy_${m}_conns")" "$(val "haproxy_${m}_seconds")")
	s=$(rate "$(val "stunnel_${m}_conns")" "$(val "stunnel_${m}_seconds")")
	echo "| $m | $k | $h | $s | $(ratio "$k" "$h") | $(ratio "$k" "$s") | $(val "ktix_${m}_resumed"), $(val "haproxy_${m}_resumed"), $(val "stunnel_${m}_resumed") of $(val "ktix_${m}_conns") |"
done
echo
echo "| 64 MiB download | ktix-proxy | HAProxy | stunnel |"
echo "|---|---|---|---|"
echo "| MB/s, best of $R | $(dval ktix_mbps) | $(dval haproxy_mbps) | $(dval stunnel_mbps) |"
echo "| terminator CPU ticks (1/$HZ s) per download | $(dval ktix_ticks_per_64mb) | $(dval haproxy_ticks_per_64mb) | $(dval stunnel_ticks_per_64mb) |"
echo "| ratio ktix/HAProxy, ktix/stunnel (MB/s) | | $(ratio "$(dval ktix_mbps)" "$(dval haproxy_mbps)") | $(ratio "$(dval ktix_mbps)" "$(dval stunnel_mbps)") |"
