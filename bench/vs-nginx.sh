#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vs-nginx.sh [--quick] hs|data: ktix against nginx, in one VM boot.  Run by
# bench/run inside the test VM; prints "key value" lines.
#
#   CPU 1: the server under test, alone -- ktixd (one worker) and ktix-serve,
#          or one nginx worker (Debian's, with OpenSSL 3 and kTLS)
#   CPU 0: the client, bench/hsload (handshakes) or curl (data)
#
# hs:   handshakes per second, full and resumed (TLS 1.2 ticket and session
#       ID, TLS 1.3 PSK), each run checked: every connection resumed as the
#       client saw it, and the server counted the same (ktix: its offload
#       counters; nginx: $ssl_session_reused in its access log).
# data: MB/s of one large file by sendfile(2) over kTLS from ktix-serve,
#       from nginx with kTLS, and from nginx with userspace TLS.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
quick=0
[ "${1:-}" = --quick ] && { quick=1; shift; }
what=${1:?hs or data}
BIN=build/bin
ulimit -n 8192
W=$(mktemp -d /tmp/vsnginx.XXXXXX)
cleanup() {
	[ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null
	kill "${KTIXD:-}" "${SERVE:-}" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT

bench_cert "$W"
mkdir -p "$W/www" "$W/nginx"
echo "hello" > "$W/www/index.html"

# nginx as its users would set it up for this job; 9443 with kTLS, 9444
# without (userspace TLS).
cat > "$W/nginx.conf" <<EOF
user root;
worker_processes 1;
worker_cpu_affinity 10;
pid $W/nginx.pid;
error_log $W/nginx/error.log warn;
events { worker_connections 4096; }
http {
	log_format resumed '\$ssl_protocol \$ssl_session_reused';
	access_log $W/nginx/access.log resumed;
	client_body_temp_path $W/nginx/body;
	proxy_temp_path $W/nginx/proxy;
	fastcgi_temp_path $W/nginx/fastcgi;
	uwsgi_temp_path $W/nginx/uwsgi;
	scgi_temp_path $W/nginx/scgi;
	sendfile on;
	keepalive_timeout 0;
	ssl_certificate $W/cert.pem;
	ssl_certificate_key $W/key.pem;
	ssl_protocols TLSv1.2 TLSv1.3;
	ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
	ssl_session_tickets on;
	ssl_session_cache shared:SSL:64m;
	ssl_session_timeout 12h;
	server {
		listen 127.0.0.1:9443 ssl;
		root $W/www;
		ssl_conf_command Options KTLS;
	}
	server {
		listen 127.0.0.1:9444 ssl;
		root $W/www;
	}
}
EOF
taskset -c 1 nginx -c "$W/nginx.conf" -e "$W/nginx/error.log"
taskset -c 1 "$BIN/ktixd" --cert "$W/cert.pem" --key "$W/key.pem" --socket "$W/k.sock" \
	--workers 1 --foreground 2>"$W/ktixd.log" &
KTIXD=$!
for _ in $(seq 100); do [ -S "$W/k.sock" ] && break; sleep 0.1; done
taskset -c 1 "$BIN/ktix-serve" --listen 127.0.0.1:8443 --root "$W/www" --socket "$W/k.sock" \
	> /dev/null &
SERVE=$!
sleep 1

stat_of() { awk -v n="$1" '$1 == n { print $2 }' /proc/net/ktix_stat; }

# cpu_ticks PID...: user + system clock ticks the processes used so far
cpu_ticks() {
	local p t=0
	for p in "$@"; do
		t=$((t + $(sed -E 's/^[0-9]+ \(.*\) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
	done
	echo "$t"
}
HZ=$(getconf CLK_TCK)

# hs_run SERVER PORT NAME HSLOAD-OPTIONS: one hsload run, checked
hs_run() {
	local server=$1 port=$2 name=$3 out rate n before after kind=""
	shift 3
	n=$N
	case $name in
	*_ticket) kind=KtixOffloadTicket ;;
	*_session_id) kind=KtixOffloadSessionId ;;
	*_psk) kind=KtixOffloadPsk ;;
	*) kind=KtixOffloadFull ;;
	esac
	before=$(stat_of "$kind")
	local lines0
	lines0=$(wc -l < "$W/nginx/access.log" 2>/dev/null || echo 0)
	local pids c0 c1
	if [ "$server" = ktix ]; then
		pids="$KTIXD $SERVE"
	else
		pids=$(pgrep -P "$(cat "$W/nginx.pid")" | tr '\n' ' ')
	fi
	# shellcheck disable=SC2086
	c0=$(cpu_ticks $pids)
	out=$(taskset -c 0 build/bench/hsload -p "$port" -n "$n" -c 32 -t 600 "$@")
	# shellcheck disable=SC2086
	c1=$(cpu_ticks $pids)
	# Handshakes per second of the server's own CPU time (user + system).
	echo "${server}_${name}_per_cpu_s $(awk -v n="$n" -v t=$((c1 - c0)) -v hz="$HZ" \
		'BEGIN { if (t > 0) printf "%.1f", n / (t / hz); else print "-" }')"
	rate=$(awk '$1 == "handshakes_per_s" { print $2 }' <<< "$out")
	echo "${server}_${name}_per_s $rate"
	echo "${server}_${name}_client_resumed $(awk '$1 == "resumed" { print $2 }' <<< "$out")"
	if [ "$server" = ktix ]; then
		after=$(stat_of "$kind")
		echo "${server}_${name}_server_counted $((after - before))"
	else
		sleep 0.2
		# The first connection of a resumed run is the full one.
		echo "${server}_${name}_server_counted $(tail -n +"$((lines0 + 1))" "$W/nginx/access.log" |
			awk -v r="$([ "$kind" = KtixOffloadFull ] && echo . || echo r)" '$2 == r' | wc -l)"
	fi
}

if [ "$what" = hs ]; then
	N=2000
	[ "$quick" = 1 ] && N=300
	echo "connections_per_run $N"
	# Warm both up (discarded), then each kind on one server and the
	# other in turn, so that drift in the machine's speed hits both.
	taskset -c 0 build/bench/hsload -p 8443 -n 100 -c 32 > /dev/null
	taskset -c 0 build/bench/hsload -p 9443 -n 100 -c 32 > /dev/null
	for m in "tls12_full -2" "tls12_ticket -2 -r" "tls12_session_id -2 -r -s" \
		 "tls13_full -3" "tls13_psk -3 -r"; do
		set -- $m
		hs_run ktix 8443 "$@"
		hs_run nginx 9443 "$@"
	done
else
	MB=256
	[ "$quick" = 1 ] && MB=32
	head -c $((MB << 20)) /dev/urandom > "$W/www/big.bin"
	echo "file_mib $MB"
	fetch() {	# fetch PORT: bytes per second of one download
		taskset -c 0 curl -sk --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 \
			-o /dev/null -w '%{speed_download}' "https://127.0.0.1:$1/big.bin"
	}
	# The first download after boot is slow whoever serves it (caches,
	# the kernel's first AES-GCM): one to warm up, discarded.  Then two
	# rounds in turn; the better of each server's two is reported.
	fetch 8443 > /dev/null
	for s in "ktix_ktls 8443" "nginx_ktls 9443" "nginx_userspace 9444"; do
		set -- $s
		echo "$1" > "$W/best.$1"
	done
	for round in 1 2; do
		for s in "ktix_ktls 8443" "nginx_ktls 9443" "nginx_userspace 9444"; do
			set -- $s
			before=$(awk '$1 == "TlsTxSw" { print $2 }' /proc/net/tls_stat)
			bps=$(fetch "$2")
			after=$(awk '$1 == "TlsTxSw" { print $2 }' /proc/net/tls_stat)
			mbs=$(awk -v b="$bps" 'BEGIN { printf "%.1f", b / 1e6 }')
			echo "${1}_round${round}_mb_per_s $mbs"
			echo "${1}_round${round}_ktls_tx_sockets $((after - before))"
			echo "$mbs" >> "$W/best.$1"
		done
	done
	for s in ktix_ktls nginx_ktls nginx_userspace; do
		echo "${s}_mb_per_s $(tail -n +2 "$W/best.$s" | sort -g | tail -n 1)"
	done
fi
