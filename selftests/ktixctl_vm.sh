#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktixctl_vm: ktixctl against the real module, in the test VM as root.
# KTIX_BIN names the directory of the ktixctl to test (default build/bin).
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh
. selftests/lib/listen.sh
CTL=${KTIX_BIN:-build/bin}/ktixctl
KMOD=${KTIX_KMOD:-kmod/ktix.ko}
VERSION=$(cat VERSION)

json() {	# json PYTHON-EXPR [ARG...]: evaluate over the JSON on stdin as "d"
	python3 -c "import json, sys; d = json.load(sys.stdin); print($1)" "${@:2}"
}

ktap_plan 20

ktap_test "version shows the tool and the module" bash -c \
	"'$CTL' version | grep -qx 'module:   $VERSION' && '$CTL' version | grep -qx 'features: policy ring cache revoke stats offload schedule send-first'"

ktap_test "the bare command shows version and policy" bash -c \
	"out=\$('$CTL'); echo \"\$out\"; grep -q '^module:   $VERSION' <<< \"\$out\" && grep -qx 'max-keys          16' <<< \"\$out\""

bare_json() {
	local out
	out=$("$CTL" -j) || return 1
	echo "$out"
	[ "$(json 'd["version"]["module"], d["policy"]["max_keys"], d["version"]["features"]' <<< "$out")" = \
	  "$VERSION 16 ['policy', 'ring', 'cache', 'revoke', 'stats', 'offload', 'schedule', 'send-first']" ]
}
ktap_test "-j: one JSON document" bare_json

set_and_show() {
	"$CTL" policy set rotate-interval 2h max-keys 10 cache-bytes 1G session-max-size 4K || return 1
	"$CTL" policy
	[ "$("$CTL" -j policy | json 'd["rotate_interval"], d["max_keys"], d["cache_bytes"], d["session_max_size"]')" = \
	  "7200 10 1073741824 4096" ] || return 1
	"$CTL" policy | grep -qx 'rotate-interval   2h'
}
ktap_test "policy set, then show" set_and_show

refused() {
	local before out
	before=$("$CTL" -j policy)
	out=$("$CTL" policy set max-keys 65 2>&1) && return 1
	echo "$out"
	grep -q 'policy set: max-keys: .*(allowed: 2 to 64)' <<< "$out" || return 1
	out=$("$CTL" policy set retention 1h 2>&1) && return 1
	echo "$out"
	grep -q 'retention is shorter than the ticket lifetime' <<< "$out" || return 1
	[ "$before" = "$("$CTL" -j policy)" ] || { echo "a refused change changed the policy"; return 1; }
}
ktap_test "a refused change names the field and the reason, and changes nothing" refused

unprivileged() {
	local out
	out=$(setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all \
		"$CTL" policy set max-keys 20 2>&1) && return 1
	echo "$out"
	grep -q 'Operation not permitted (needs CAP_NET_ADMIN)' <<< "$out" &&
		setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all "$CTL" policy >/dev/null
}
ktap_test "without CAP_NET_ADMIN: reading works, changing is refused" unprivileged

keys() {
	local out primary
	out=$("$CTL" -j key list) || return 1
	echo "$out"
	# The ring is made on first use: a primary and a next key, 256-bit.
	[ "$(json '",".join(sorted(k["state"] for k in d)), {k["aes_bits"] for k in d}, all(len(k["name"]) == 32 for k in d)' <<< "$out")" = \
	  "next,primary {256} True" ] || return 1
	"$CTL" key rotate || return 1
	out=$("$CTL" -j key list)
	[ "$(json 'len(d), sorted(k["state"] for k in d)' <<< "$out")" = "3 ['next', 'primary', 'retiring']" ] || return 1
	primary=$(json '[k["name"] for k in d if k["state"] == "primary"][0]' <<< "$out")
	out=$("$CTL" key del "$primary" 2>&1) && return 1
	echo "$out"
	grep -q 'key del: Device or resource busy: the primary key encrypts' <<< "$out" || return 1
	"$CTL" key del "$(json '[k["name"] for k in d if k["state"] == "retiring"][0]' <<< "$("$CTL" -j key)")" || return 1
	[ "$("$CTL" -j key | json 'len(d)')" = 2 ] || return 1
	out=$(setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all "$CTL" key rotate 2>&1) && return 1
	grep -q 'needs CAP_NET_ADMIN' <<< "$out" &&
		setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all "$CTL" key list > /dev/null
}
ktap_test "key list, rotate, del; only admins change keys" keys

# The bash completion offers the ring's key names after "key del".
key_names_complete() {
	local names got
	[ -r /usr/share/bash-completion/bash_completion ] ||
		{ echo "no bash-completion (scripts/install-deps installs it)"; return 1; }
	names=$("$CTL" -j key list | json '" ".join(sorted(k["name"] for k in d))')
	got=$(bash -c '. /usr/share/bash-completion/bash_completion; . completion/ktixctl
		COMP_WORDS=("$1" key del ""); COMP_CWORD=3
		_ktixctl "$1" "" del; printf "%s\n" "${COMPREPLY[@]}" | sort | xargs' _ "$CTL")
	echo "offered: $got"
	[ -n "$names" ] && [ "$got" = "$names" ]
}
ktap_test "bash completion offers the ring's key names" key_names_complete

monitor() {
	local out n
	"$CTL" -j monitor > /tmp/ktix-monitor.json &
	local pid=$!
	"$CTL" monitor > /tmp/ktix-monitor.txt &
	local pid2=$!
	# Rotate until both have subscribed and printed (at most 20 tries).
	for n in $(seq 20); do
		"$CTL" key rotate || break
		sleep 0.5
		[ -s /tmp/ktix-monitor.json ] && [ -s /tmp/ktix-monitor.txt ] && break
	done
	kill "$pid" "$pid2"
	cat /tmp/ktix-monitor.json /tmp/ktix-monitor.txt
	out=$(head -n 1 /tmp/ktix-monitor.json | json 'd["group"], d["event"], d["generation"] > 0')
	[ "$out" = "ring rotate True" ] || return 1
	head -n 1 /tmp/ktix-monitor.txt | grep -qE '^ring rotate generation [0-9]+$'
}
ktap_test "monitor prints a rotation as it happens, text and JSON" monitor

NOBODY=(setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all)
SESSBENCH=${KTIX_BIN:-build/bin}/../bench/sessbench

# The ring as "name state" lines, sorted: what must not change on refusal.
ring() {
	"$CTL" -j key list | json '"\n".join(sorted(k["name"] + " " + k["state"] for k in d))'
}

nginx_round_trip() {
	local len out before name
	rm -f /tmp/k.* || return 1
	# Room for the keys imported and rotated here.
	"$CTL" policy set max-keys 64 || return 1
	for len in 80 48; do
		head -c "$len" /dev/urandom > "/tmp/k.$len" || return 1
		"$CTL" key import "/tmp/k.$len" || return 1
		# Imported as the primary, under the file's name.
		[ "$("$CTL" -j key list | json '[k["name"] for k in d if k["state"] == "primary"][0]')" = \
		  "$(head -c 16 "/tmp/k.$len" | od -An -tx1 | tr -d ' \n')" ] || { echo "not the primary"; return 1; }
		"$CTL" key export "/tmp/k.$len.out" --format nginx || return 1
		cmp "/tmp/k.$len" "/tmp/k.$len.out" || return 1
		[ "$(stat -c %a "/tmp/k.$len.out")" = 600 ] || return 1
		# Exported by name, and re-imported: the same key comes back.
		name=$(head -c 16 "/tmp/k.$len" | od -An -tx1 | tr -d ' \n')
		"$CTL" key rotate && "$CTL" key rotate || return 1
		"$CTL" key export "/tmp/k.$len.byname" --format nginx --name "$name" || return 1
		cmp "/tmp/k.$len" "/tmp/k.$len.byname" || return 1
		"$CTL" key del "$name" || return 1
		"$CTL" key import "/tmp/k.$len.byname" --state retiring || return 1
		"$CTL" key export "/tmp/k.$len.again" --format nginx --name "$name" || return 1
		cmp "/tmp/k.$len" "/tmp/k.$len.again" || return 1
		echo "nginx $len-byte key: imported, exported byte-identical, re-imported"
	done
	before=$(ring)
	out=$("$CTL" key export /tmp/k.80.out --format nginx 2>&1) && return 1
	echo "$out"
	grep -q 'File exists (remove it first)' <<< "$out" || return 1
	cmp /tmp/k.80 /tmp/k.80.out || return 1
	out=$("${NOBODY[@]}" "$CTL" key export /tmp/k.nobody --format nginx 2>&1) && return 1
	echo "$out"
	grep -q 'needs CAP_NET_ADMIN' <<< "$out" && [ ! -e /tmp/k.nobody ] || return 1
	[ "$before" = "$(ring)" ]
}
ktap_test "key import/export: nginx 48- and 80-byte files round-trip byte for byte" nginx_round_trip

haproxy_import() {
	local i out keys=() names=()
	"$CTL" policy set rotate-interval manual || return 1
	for i in 1 2 3; do
		keys[i]=$(head -c 80 /dev/urandom | base64 -w0) || return 1
		names[i]=$(base64 -d <<< "${keys[i]}" | head -c 16 | od -An -tx1 | tr -d ' \n')
	done
	printf '# haproxy tls-ticket-keys\n%s\n%s\n\n%s\n' "${keys[1]}" "${keys[2]}" "${keys[3]}" > /tmp/hap.keys
	"$CTL" key import /tmp/hap.keys || return 1
	out=$("$CTL" -j key list)
	echo "$out"
	# The second-last encrypts, the last is next, the others retire.
	[ "$(json '" ".join(k["state"] for n in sys.argv[1:] for k in d if k["name"] == n)' "${names[@]:1}" <<< "$out")" = \
	  "retiring primary next" ] || return 1
	# Exported for nginx: name | HMAC | AES from HAProxy's name | AES | HMAC.
	rm -f /tmp/hap.nginx
	"$CTL" key export /tmp/hap.nginx --format nginx || return 1
	base64 -d <<< "${keys[2]}" > /tmp/hap.2 || return 1
	cat <(head -c 16 /tmp/hap.2) <(tail -c 32 /tmp/hap.2) <(head -c 48 /tmp/hap.2 | tail -c 32) | cmp - /tmp/hap.nginx
}
ktap_test "key import: a HAProxy file's keys take its states; export reorders for nginx" haproxy_import

# The ring exported for HAProxy: retiring keys oldest first, then the
# primary and the next key, each line HAProxy's name | AES | HMAC in
# base64; imported again in another namespace, every key takes the state it
# had; and HAProxy itself, given the file, issues tickets under the ring's
# primary that ktixctl ticket decode opens (TLS 1.2 and 1.3).
haproxy_export() {
	local out n v names hp
	rm -f /tmp/hap.out /tmp/hap.again
	"$CTL" key export /tmp/hap.out --format haproxy || return 1
	[ "$(stat -c %a /tmp/hap.out)" = 600 ] || return 1
	out=$("$CTL" -j key list)
	# Keys of the primary's size only: a HAProxy file holds one size.
	n=$(json 'len([k for k in d if k["state"] != "next" and k["aes_bits"] == [p for p in d if p["state"] == "primary"][0]["aes_bits"]]) + 1' <<< "$out")
	[ "$(wc -l < /tmp/hap.out)" = "$n" ] || { echo "$(wc -l < /tmp/hap.out) lines for $n keys"; return 1; }
	# The file's names, in order, against the ring's states.
	names=$(while read -r l; do base64 -d <<< "$l" | head -c 16 | od -An -tx1 | tr -d ' \n'; echo; done < /tmp/hap.out)
	[ "$(json '" ".join(s[n] for s in [{k["name"]: k["state"] for k in d}] for n in sys.argv[1:])' $names <<< "$out")" = \
	  "$(printf 'retiring %.0s' $(seq $((n - 2))))primary next" ] || { echo "not retiring..., primary, next"; return 1; }
	# The keys HAProxy's own file gave come out as they went in.
	[ "$(tail -n 2 /tmp/hap.out)" = "$(printf '%s\n%s' "$(sed -n 3p /tmp/hap.keys)" "$(sed -n 5p /tmp/hap.keys)")" ] ||
		{ echo "the primary and next lines differ from the imported file's"; return 1; }
	# Imported elsewhere: the same states; exported again: the same lines.
	ip netns add hx || return 1
	ip netns exec hx "$CTL" policy set rotate-interval manual max-keys 64 &&
		ip netns exec hx "$CTL" key import /tmp/hap.out &&
		ip netns exec hx "$CTL" key export /tmp/hap.again --format haproxy ||
		{ ip netns del hx; return 1; }
	ip netns del hx
	[ "$(tail -n "$n" /tmp/hap.again)" = "$(cat /tmp/hap.out)" ] ||
		{ echo "exported from the other namespace, the lines differ"; return 1; }
	echo "$n keys: exported, imported in another namespace, exported again alike"
	# HAProxy with the file: its tickets open with the ring's primary.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout /tmp/hap.key -out /tmp/hap.crt -subj /CN=localhost 2>/dev/null || return 1
	cat /tmp/hap.crt /tmp/hap.key > /tmp/hap.pem
	printf '%s\n' global defaults '	mode http' '	timeout client 5s' '	timeout connect 5s' \
		'	timeout server 5s' frontend\ f \
		'	bind 127.0.0.1:8470 ssl crt /tmp/hap.pem tls-ticket-keys /tmp/hap.out' \
		'	http-request return status 200 content-type text/plain string hello' > /tmp/hap.cfg
	haproxy -f /tmp/hap.cfg -db > /tmp/hap.log 2>&1 &
	hp=$!
	wait_listen 8470 || { kill "$hp"; return 1; }
	for v in 1_2 1_3; do
		printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 openssl s_client -connect 127.0.0.1:8470 \
			-servername localhost "-tls$v" -sess_out "/tmp/hap.sess.$v" -ign_eof > /tmp/hap.t 2>&1
		"$CTL" -j ticket decode -f "/tmp/hap.sess.$v" > /tmp/hap.dec ||
			{ kill "$hp"; cat /tmp/hap.log; grep -E 'error|alert' /tmp/hap.t; return 1; }
		json '"TLS %s: HAProxy ticket under %s (%s), handle %s" % (d["version"], d["key"]["name"], d["key"]["state"], d["handle"])' < /tmp/hap.dec
		[ "$(json 'd["key"]["state"] + " " + str(d["handle"])' < /tmp/hap.dec)" = "primary None" ] ||
			{ kill "$hp"; return 1; }
	done
	kill "$hp"
	wait "$hp" 2>/dev/null
	return 0
}
ktap_test "key export --format haproxy: the ring in HAProxy's order, round-trips, and HAProxy encrypts with the primary" haproxy_export

bad_files() {
	local before out f
	before=$(ring)
	printf 'not base64 at all\n' > /tmp/bad.1
	head -c 50 /dev/urandom > /tmp/bad.2
	printf '%s\n%s\n' "$(head -c 48 /dev/urandom | base64 -w0)" "$(head -c 80 /dev/urandom | base64 -w0)" > /tmp/bad.3
	: > /tmp/bad.4
	for f in /tmp/bad.1 /tmp/bad.2 /tmp/bad.3 /tmp/bad.4 /tmp/no-such-file; do
		out=$("$CTL" key import "$f" 2>&1) && { echo "$f was accepted"; return 1; }
		echo "$out"
		grep -q "^ktixctl: key import: $f: " <<< "$out" || return 1
	done
	# A file whose key is in the ring already.
	out=$("$CTL" key import /tmp/k.80 2>&1) && return 1
	echo "$out"
	grep -q 'already in the ring' <<< "$out" || return 1
	[ "$before" = "$(ring)" ] || { echo "a refused import changed the ring"; return 1; }
}
ktap_test "key import: bad files are refused with the reason, and change nothing" bad_files

key_add() {
	local out name
	name=$("$CTL" key add --state retiring --aes-bits 128) || return 1
	out=$("$CTL" -j key list)
	[ "$(json '[(k["state"], k["aes_bits"]) for k in d if k["name"] == sys.argv[1]]' "$name" <<< "$out")" = \
	  "[('retiring', 128)]" ] || return 1
	out=$("$CTL" key add --name "$name" 2>&1) && return 1
	echo "$out"
	grep -q 'key add: File exists: a key with this name is in the ring' <<< "$out"
}
ktap_test "key add: a random key in the state asked, duplicate names refused" key_add

sessions() {
	local out id
	"$SESSBENCH" -n 5 -s 100 -k > /dev/null || return 1
	out=$("$CTL" -j session list)
	echo "$out"
	[ "$(json 'len(d), {s["size"] for s in d}, all(s["expires"] - s["created"] == 3600 for s in d)' <<< "$out")" = \
	  "5 {100} True" ] || return 1
	"$CTL" session list | grep -qE '^[0-9a-f]{64}  +100  ' || return 1
	id=$(json 'd[0]["id"]' <<< "$out")
	out=$("${NOBODY[@]}" "$CTL" session del "$id" 2>&1) && return 1
	grep -q 'needs CAP_NET_ADMIN' <<< "$out" || return 1
	"$CTL" session del "$id" || return 1
	out=$("$CTL" session del "$id" 2>&1) && return 1
	echo "$out"
	grep -q 'no session with this ID' <<< "$out" || return 1
	out=$("$CTL" session del 0g 2>&1) && return 1
	grep -q "'0g' is not a session ID" <<< "$out" || return 1
	[ "$("$CTL" -j session | json 'len(d)')" = 4 ] || return 1
	"$CTL" session flush || return 1
	[ "$("$CTL" -j session | json 'len(d)')" = 0 ]
}
ktap_test "session list, del, flush" sessions

revoke() {
	local out now
	now=$(date +%s)
	"$CTL" revoke 00112233445566778899aabbccddeeff --until +2h || return 1
	"$CTL" revoke ffeeddccbbaa99887766554433221100 || return 1
	out=$("$CTL" -j revoke list)
	echo "$out"
	[ "$(json 'sorted(r["handle"] for r in d["revoked"])' <<< "$out")" = \
	  "['00112233445566778899aabbccddeeff', 'ffeeddccbbaa99887766554433221100']" ] || return 1
	[ "$(json '[r["until"] for r in d["revoked"] if r["handle"].startswith("0011")][0] - int(sys.argv[1])' "$now" <<< "$out")" -ge 7200 ] || return 1
	"$CTL" revoke list | grep -q '^00112233445566778899aabbccddeeff  20' || return 1
	out=$("$CTL" revoke 0011 2>&1) && return 1
	grep -q "'0011' is not a session handle" <<< "$out" || return 1
	out=$("$CTL" revoke 00112233445566778899aabbccddeeff --until +60d 2>&1) && return 1
	echo "$out"
	grep -q 'Numerical result out of range: until is more than' <<< "$out" || return 1
	out=$("$CTL" revoke 00112233445566778899aabbccddeeff --until 2001-01-01T00:00:00Z 2>&1) && return 1
	grep -q 'until is not in the future' <<< "$out" || return 1
	out=$("${NOBODY[@]}" "$CTL" revoke 0102030405060708090a0b0c0d0e0f10 2>&1) && return 1
	grep -q 'needs CAP_NET_ADMIN' <<< "$out" || return 1
	# The handles identify clients' sessions: not for just anybody.
	out=$("${NOBODY[@]}" "$CTL" -j revoke list 2>&1) && return 1
	grep -q 'needs CAP_NET_ADMIN' <<< "$out" || return 1
	[ "$("$CTL" -j revoke list | json 'len(d["revoked"])')" = 2 ]
}
ktap_test "revoke, revoke list; bad handles and times refused" revoke

stats() {
	local out
	out=$("$CTL" -j stats) || return 1
	echo "$out"
	[ "$(json 'd["revoked"], d["revocations"], d["sess_puts"], d["sess_deletes"]' <<< "$out")" = "2 2 5 5" ] || return 1
	# The same figures as /proc/net/ktix_stat, name for name.
	diff <("$CTL" stats | awk '{ print $1, $2 }') <(awk '{ print $1, $2 }' /proc/net/ktix_stat)
}
ktap_test "stats: the figures of /proc/net/ktix_stat" stats

monitor_revoke() {
	"$CTL" -j monitor > /tmp/ktix-monitor-r.json &
	local pid=$! n
	for n in $(seq 20); do
		"$CTL" revoke 0a0b0c0d0e0f00000000000000000000 --until +1h || break
		sleep 0.5
		[ -s /tmp/ktix-monitor-r.json ] && break
	done
	kill "$pid"
	cat /tmp/ktix-monitor-r.json
	[ "$(head -n 1 /tmp/ktix-monitor-r.json | json 'd["group"], d["event"], d["handle"], d["until"] > 0')" = \
	  "revoke add 0a0b0c0d0e0f00000000000000000000 True" ]
}
ktap_test "monitor prints a revocation with its handle" monitor_revoke

not_loaded() {
	local out rc
	rmmod ktix || return 1
	out=$("$CTL" version 2>&1)
	rc=$?
	insmod "$KMOD" || return 1
	echo "$out"
	[ "$rc" = 1 ] && grep -q 'not loaded' <<< "$out"
}
ktap_test "module unloaded: ktixctl says so, exit 1" not_loaded

autoload() {
	# Installed where modprobe finds it, the module loads itself on
	# first use of the family (MODULE_ALIAS_GENL_FAMILY).  depmod over
	# Debian's whole tree takes a minute under TCG: it runs over a tree
	# of ktix.ko alone, bound over the real one for this test.
	local kdir=/lib/modules/$(uname -r) tree rc=0
	tree=$(mktemp -d) || return 1
	cp "$kdir"/modules.builtin* "$kdir"/modules.order "$tree/" &&
		mkdir "$tree/updates" && cp "$KMOD" "$tree/updates/" &&
		mount --bind "$tree" "$kdir" || { rm -rf "$tree"; return 1; }
	depmod && rmmod ktix && "$CTL" version && grep -q '^ktix ' /proc/modules ||
		rc=1
	umount "$kdir"
	rm -rf "$tree"
	return $rc
}
ktap_test "the family autoloads the installed module" autoload

ktap_finish
