# SPDX-License-Identifier: GPL-2.0
#
# The end-to-end suites' common steps: daemons known by pid files in $W,
# binaries from $BIN, real clients.  Source after setting W and BIN.

. selftests/lib/listen.sh

# Each test runs in a subshell (ktap_test): daemons are known by pid files,
# and never hold the test's output pipe.
cleanup() {
	local f
	for f in "$W"/*.pid; do
		[ -e "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	sleep 0.2
	rm -rf "$W"
}
trap cleanup EXIT

# t NAME FUNCTION: ktap_test, unless E2E_ONLY leaves it out or E2E_SKIP
# (REGEX=REASON, the reason after the last '=') names it
t() {
	if [ -n "${E2E_ONLY:-}" ] && ! [[ $1 =~ $E2E_ONLY ]]; then
		ktap_skip "$1" "not selected by E2E_ONLY"
	elif [ -n "${E2E_SKIP:-}" ] && [[ $1 =~ ${E2E_SKIP%=*} ]]; then
		ktap_skip "$1" "${E2E_SKIP##*=}"
	else
		ktap_test "$@"
	fi
}

# in_ktixd PID [PORT]: wait (5 s at most) until ktixd PID holds a connection
# to PORT (8443): the handshake is in its hands, not in ktix-serve's queue
in_ktixd() {
	local _
	for _ in $(seq 50); do
		ss -Htnp state established "( sport = :${2:-8443} )" | grep -q "pid=$1," && return 0
		sleep 0.1
	done
	echo "ktixd $1 never got the connection"
	return 1
}

stat_of() {	# stat_of NAME: the module's counter
	awk -v n="$1" '$1 == n { print $2 }' /proc/net/ktix_stat
}

# site_setup: a certificate for localhost ($W/ec.pem, $W/ec.key) and a
# page ($W/www/index.html, "hello from ktix-serve")
site_setup() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$W/ec.key" -out "$W/ec.pem" -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
	mkdir -p "$W/www"
	echo "hello from ktix-serve" > "$W/www/index.html"
}

# start_ktixd NAME [ktixd options]: a ktixd on $W/NAME.sock, log $W/NAME.log
start_ktixd() {
	local name=$1 i
	shift
	"$BIN/ktixd" --cert "$W/ec.pem" --key "$W/ec.key" --socket "$W/$name.sock" \
		--foreground "$@" >/dev/null 2>>"$W/$name.log" &
	echo $! > "$W/$name.pid"
	disown
	for i in $(seq 100); do
		[ -S "$W/$name.sock" ] && return 0
		sleep 0.1
	done
	echo "ktixd $name did not start:"; cat "$W/$name.log"
	return 1
}

# start_bg LOG WORD PIDFILE CMD...: CMD in the background, its output
# appended to LOG and its pid in PIDFILE; waits (10 s at most) for WORD
# in LOG, and shows LOG if it does not come
start_bg() {
	local log=$1 word=$2 pidfile=$3 i
	shift 3
	"$@" >>"$log" 2>&1 &
	echo $! > "$pidfile"
	disown
	for i in $(seq 100); do
		grep -q -- "$word" "$log" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$log"
	return 1
}

# start_serve NAME PORT [OPTION...]: a ktix-serve on 127.0.0.1:PORT using
# ktixd NAME, its output in $W/serve-PORT.log
start_serve() {
	local name=$1 port=$2
	shift 2
	start_bg "$W/serve-$port.log" serving "$W/serve-$port.pid" \
		"$BIN/ktix-serve" --listen "127.0.0.1:$port" --root "$W/www" \
		--socket "$W/$name.sock" "$@"
}

# nginx_start DIR PORT < SERVER: nginx (Debian's, as root, one worker)
# with its files in DIR and the server block on standard input inside its
# http block; waits until PORT listens.  Stop it with nginx_stop DIR.
nginx_start() {
	local ng=$1
	mkdir -p "$ng"
	{
		cat <<EOF
user root;
worker_processes 1;
pid $ng/nginx.pid;
error_log $ng/error.log warn;
events { worker_connections 64; }
http {
	access_log $ng/access.log;
	client_body_temp_path $ng/body;
	proxy_temp_path $ng/proxy;
	fastcgi_temp_path $ng/fastcgi;
	uwsgi_temp_path $ng/uwsgi;
	scgi_temp_path $ng/scgi;
EOF
		cat
		echo "}"
	} > "$ng/nginx.conf"
	nginx -c "$ng/nginx.conf" -e "$ng/error.log" || { cat "$ng/error.log"; return 1; }
	wait_listen "$2" || { nginx_stop "$ng"; return 1; }
}

nginx_stop() {
	kill "$(cat "$1/nginx.pid")" 2>/dev/null
}

# stop NAME: kill -9 the daemon of NAME.pid and wait until it is gone
stop() {
	local pid i
	pid=$(cat "$W/$1.pid" 2>/dev/null) || return 0
	kill -9 "$pid" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$W/$1.pid" "$W/$1.sock"
}

# The last connection ktix-serve on PORT logged: "resumed=KIND"
last_kind() {
	tail -n 1 "$W/serve-$1.log" | grep -o 'resumed=[a-z_]*' | cut -d= -f2
}

# hello PORT [s_client options]: a handshake, the page, and its transcript
hello() {
	local port=$1
	shift
	printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
		timeout 60 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
		-ign_eof "$@" 2>&1
}


# ticket_of FILE: the session ticket in an s_client session file, in hex
ticket_of() {
	python3 - "$1" <<'EOF'
import base64, sys
pem = open(sys.argv[1]).read().split("\n")
der = base64.b64decode("".join(l for l in pem if l and not l.startswith("-----")))
def length(b, i):
    if b[i] < 0x80:
        return b[i], i + 1
    n = b[i] & 0x7f
    return int.from_bytes(b[i + 1:i + 1 + n], "big"), i + 1 + n
# SSL_SESSION's ticket: [10] EXPLICIT (0xaa) OCTET STRING.
for i in range(len(der)):
    if der[i] != 0xaa:
        continue
    n, j = length(der, i + 1)
    if j < len(der) and der[j] == 0x04:
        m, k = length(der, j + 1)
        if k + m == j + n:
            print(der[k:k + m].hex())
            sys.exit(0)
sys.exit("no ticket")
EOF
}
