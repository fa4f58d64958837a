#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktixctl_vm: ktixctl against the real module, in the test VM as root.
# KTIX_BIN names the directory of the ktixctl to test (default build/bin).
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh
CTL=${KTIX_BIN:-build/bin}/ktixctl
KMOD=${KTIX_KMOD:-kmod/ktix.ko}
VERSION=$(cat VERSION)

json() {	# json PYTHON-EXPR: evaluate over the JSON on stdin as "d"
	python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"
}

ktap_plan 10

ktap_test "version shows the tool and the module" bash -c \
	"'$CTL' version | grep -qx 'module:   $VERSION' && '$CTL' version | grep -qx 'features: policy ring'"

ktap_test "the bare command shows version and policy" bash -c \
	"out=\$('$CTL'); echo \"\$out\"; grep -q '^module:   $VERSION' <<< \"\$out\" && grep -qx 'max-keys          16' <<< \"\$out\""

bare_json() {
	local out
	out=$("$CTL" -j) || return 1
	echo "$out"
	[ "$(json 'd["version"]["module"], d["policy"]["max_keys"], d["version"]["features"]' <<< "$out")" = \
	  "$VERSION 16 ['policy', 'ring']" ]
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
	# first use of the family (MODULE_ALIAS_GENL_FAMILY).
	local dir=/lib/modules/$(uname -r)/updates
	mkdir -p "$dir" && cp "$KMOD" "$dir/" && depmod || return 1
	rmmod ktix || return 1
	"$CTL" version || return 1
	grep -q '^ktix ' /proc/modules
}
ktap_test "the family autoloads the installed module" autoload

ktap_finish
