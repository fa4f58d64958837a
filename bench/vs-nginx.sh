#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vs-nginx.sh [--quick] hs|data|syscalls: ktix against nginx and HAProxy,
# in one VM boot.  Run by bench/run inside the test VM; prints "key value"
# lines.
#
#   CPU 1: the server under test, alone -- ktixd (one worker) and ktix-serve,
#          or one nginx worker (Debian's, with OpenSSL 3 and kTLS), or
#          HAProxy (Debian's 2.6, one thread, TLS in userspace: it has no
#          kTLS; it answers with "http-request return", no backend)
#   CPU 0: the client, bench/hsload (handshakes) or curl (data)
#
# hs:   handshakes per second, full and resumed (TLS 1.2 ticket and session
#       ID, TLS 1.3 PSK), in rounds that alternate the three servers, each
#       run checked: every connection resumed as the client saw it, and
#       the server counted the same (ktix: its offload counters; nginx:
#       $ssl_session_reused in its access log; HAProxy: ssl_fc_is_resumed
#       in its log).  Also where the CPU went: user and system time per
#       connection, by process.
# syscalls: system calls per connection, by process, counted with
#       strace -f -c: ktixd, ktix-serve, the nginx worker, HAProxy; for
#       each kind of handshake with 32 connections at once, and for TLS 1.2
#       tickets one at a time too (nothing to batch).
# data: MB/s of one large file by sendfile(2) over kTLS from ktix-serve,
#       from nginx with kTLS, and from nginx with userspace TLS.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
quick=0
[ "${1:-}" = --quick ] && { quick=1; shift; }
what=${1:?hs, data or syscalls}
BIN=build/bin
ulimit -n 8192
W=$(mktemp -d /tmp/vsnginx.XXXXXX)
cleanup() {
	[ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null
	kill "${KTIXD:-}" "${SERVE:-}" "${HAPROXY:-}" 2>/dev/null
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
# HAProxy as its users would set it up for this job: one thread, tickets
# (on by default) and its shared session cache, the same certificate and
# ciphers; 9445.
cat "$W/cert.pem" "$W/key.pem" > "$W/both.pem"
cat > "$W/haproxy.cfg" <<EOF
global
	nbthread 1
	maxconn 4096
	tune.ssl.cachesize 100000
	tune.ssl.lifetime 43200
	ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305
	ssl-default-bind-options ssl-min-ver TLSv1.2
defaults
	mode http
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend bench
	bind 127.0.0.1:9445 ssl crt $W/both.pem alpn http/1.1
	log stdout format raw local0
	log-format "%[ssl_fc_protocol] %[ssl_fc_is_resumed]"
	http-request return status 200 content-type text/html string "hello\n"
EOF
taskset -c 1 haproxy -f "$W/haproxy.cfg" -db > "$W/haproxy.log" 2>&1 &
HAPROXY=$!
taskset -c 1 "$BIN/ktixd" --cert "$W/cert.pem" --key "$W/key.pem" --socket "$W/k.sock" \
	--workers 1 --foreground 2>"$W/ktixd.log" &
KTIXD=$!
for _ in $(seq 100); do [ -S "$W/k.sock" ] && break; sleep 0.1; done
taskset -c 1 "$BIN/ktix-serve" --listen 127.0.0.1:8443 --root "$W/www" --socket "$W/k.sock" \
	> /dev/null &
SERVE=$!
sleep 1

stat_of() { awk -v n="$1" '$1 == n { print $2 }' /proc/net/ktix_stat; }

HZ=$(getconf CLK_TCK)

# ticks PID FIELD: the process's user (14) or system (15) clock ticks so far
ticks() {
	sed -E 's/^[0-9]+ \(.*\) //' "/proc/$1/stat" | awk -v f="$2" '{ print $(f - 2) }'
}

log_of() {	# log_of SERVER: its log of one line per connection
	case $1 in
	nginx) echo "$W/nginx/access.log" ;;
	haproxy) echo "$W/haproxy.log" ;;
	*) echo /dev/null ;;
	esac
}

reused_mark() {	# reused_mark SERVER KIND: the log's word for the kind
	case $1/$2 in
	nginx/KtixOffloadFull) echo . ;;
	nginx/*) echo r ;;
	haproxy/KtixOffloadFull) echo 0 ;;
	haproxy/*) echo 1 ;;
	esac
}

port_of() {	# port_of SERVER
	case $1 in ktix) echo 8443 ;; nginx) echo 9443 ;; haproxy) echo 9445 ;; esac
}

# hs_run SERVER PORT NAME CONNS HSLOAD-OPTIONS: one hsload run, checked;
# appends its raw counts to $W/hs.raw, summed over the rounds at the end.
hs_run() {
	local server=$1 port=$2 name=$3 n=$4 out before after kind="" lines0 pids p i=0
	local k="${server}_${name}" u0=() s0=()
	shift 4
	case $name in
	*_ticket) kind=KtixOffloadTicket ;;
	*_session_id) kind=KtixOffloadSessionId ;;
	*_psk) kind=KtixOffloadPsk ;;
	*) kind=KtixOffloadFull ;;
	esac
	before=$(stat_of "$kind")
	lines0=$(wc -l < "$(log_of "$server")" 2>/dev/null || echo 0)
	case $server in
	ktix) pids="$KTIXD $SERVE" ;;	# proc0 ktixd, proc1 ktix-serve
	nginx) pids=$(pgrep -P "$(cat "$W/nginx.pid")" | tr '\n' ' ') ;;
	haproxy) pids=$HAPROXY ;;
	esac
	for p in $pids; do u0+=("$(ticks "$p" 14)"); s0+=("$(ticks "$p" 15)"); done
	out=$(taskset -c 0 build/bench/hsload -p "$port" -n "$n" -c 32 -t 600 "$@")
	{
		for p in $pids; do
			echo "${k}_proc${i}_user $(($(ticks "$p" 14) - u0[i]))"
			echo "${k}_proc${i}_sys $(($(ticks "$p" 15) - s0[i]))"
			i=$((i + 1))
		done
		echo "${k}_conns $n"
		awk -v k="$k" '$1 == "seconds" { print k "_seconds", $2 }
			$1 == "resumed" { print k "_resumed", $2 }' <<< "$out"
		if [ "$server" = ktix ]; then
			after=$(stat_of "$kind")
			echo "${k}_counted $((after - before))"
		else
			sleep 0.2
			# The first connection of a resumed run is the full one.
			echo "${k}_counted $(tail -n +"$((lines0 + 1))" "$(log_of "$server")" |
				awk -v r="$(reused_mark "$server" "$kind")" '$2 == r' | wc -l)"
		fi
	} >> "$W/hs.raw"
}

if [ "$what" = syscalls ]; then
	# Slow under strace: few connections, each process counted alone.
	N=200
	[ "$quick" = 1 ] && N=100
	echo "connections $N"
	for p in 8443 9443 9445; do
		taskset -c 0 build/bench/hsload -p "$p" -n 100 -c 32 -2 -r > /dev/null
	done
	# count NAME PID PORT KIND CONCURRENCY HSLOAD-OPTIONS
	count() {
		local name=$1 pid=$2 port=$3 kind=$4 c=$5 st
		shift 5
		strace -f -c -o "$W/strace.$name" -p "$pid" 2>/dev/null &
		st=$!
		sleep 1		# attached
		taskset -c 0 build/bench/hsload -p "$port" -n "$N" -c "$c" "$@" > /dev/null
		sleep 0.5
		kill -INT "$st"
		wait "$st" 2>/dev/null || true
		# strace -c: "% time seconds usecs/call calls [errors] syscall"
		awk -v p="${kind}_$name" -v n="$N" '$NF == "total" { printf "%s_syscalls_per_conn %.1f\n", p, $4 / n }
			NF >= 5 && $1 ~ /^[0-9.]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" {
				printf "%s_%s_per_conn %.2f\n", p, $NF, $4 / n }' "$W/strace.$name"
	}
	nginx_worker=$(pgrep -P "$(cat "$W/nginx.pid")" | head -n 1)
	for m in "tls12_ticket 32 -2 -r" "tls12_session_id 32 -2 -r -s" "tls13_psk 32 -3 -r" \
		 "tls12_full 32 -2" "tls13_full 32 -3" "tls12_ticket_serial 1 -2 -r"; do
		set -- $m
		count ktixd "$KTIXD" 8443 "$@"
		count ktix_serve "$SERVE" 8443 "$@"
		count nginx "$nginx_worker" 9443 "$@"
		count haproxy "$HAPROXY" 9445 "$@"
	done
elif [ "$what" = hs ]; then
	N=2400 R=6
	[ "$quick" = 1 ] && N=300 R=3
	echo "connections_per_run $N"
	echo "rounds $R"
	# Warm both up (discarded).  Then each kind in R rounds of N/R
	# connections, ktix and nginx in turn and the first of the two
	# swapped each round, so that drift in the machine's speed (large on
	# a shared host) falls on both alike; the rounds are summed.
	for p in 8443 9443 9445; do
		taskset -c 0 build/bench/hsload -p "$p" -n 100 -c 32 > /dev/null
	done
	: > "$W/hs.raw"
	for m in "tls12_full -2" "tls12_ticket -2 -r" "tls12_session_id -2 -r -s" \
		 "tls13_full -3" "tls13_psk -3 -r"; do
		set -- $m
		for r in $(seq "$R"); do
			# Each server first, second and last in turn.
			case $((r % 3)) in
			1) order="ktix nginx haproxy" ;;
			2) order="nginx haproxy ktix" ;;
			0) order="haproxy ktix nginx" ;;
			esac
			for srv in $order; do
				hs_run "$srv" "$(port_of "$srv")" "$1" $((N / R)) "${@:2}"
			done
		done
	done
	# Per kind and server: handshakes per second of wall time and of the
	# server's own CPU time (user + system), the checks, and microseconds
	# of user and system CPU per connection by process.
	awk -v hz="$HZ" '
		{ sum[$1] += $2; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
		END {
			for (i = 1; i <= n; i++) {
				key = order[i]
				if (key !~ /_conns$/)
					continue
				k = substr(key, 1, length(key) - 6)
				c = sum[key]
				cpu = 0
				for (j = 0; (k "_proc" j "_user") in sum; j++)
					cpu += sum[k "_proc" j "_user"] + sum[k "_proc" j "_sys"]
				printf "%s_per_s %.1f\n", k, c / sum[k "_seconds"]
				printf "%s_per_cpu_s %s\n", k, (cpu > 0 ? sprintf("%.1f", c / (cpu / hz)) : "-")
				printf "%s_client_resumed %d\n", k, sum[k "_resumed"]
				printf "%s_server_counted %d\n", k, sum[k "_counted"]
				for (j = 0; (k "_proc" j "_user") in sum; j++) {
					printf "%s_proc%d_user_us_per_conn %.0f\n", k, j, sum[k "_proc" j "_user"] * 1e6 / hz / c
					printf "%s_proc%d_sys_us_per_conn %.0f\n", k, j, sum[k "_proc" j "_sys"] * 1e6 / hz / c
				}
			}
		}' "$W/hs.raw"
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
