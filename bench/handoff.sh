#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# handoff.sh [--quick]: the latency a handshake gains by going through
# ktixd (the Unix socket, the handshake there, KTIX_CMD_OFFLOAD) against
# the same handshake in-process with setsockopt(2).  Run by bench/run
# inside the test VM; prints bench/handoffbench's "key value" lines.
#
#   CPU 1: ktixd (one worker), or the benchmark's own server side
#   CPU 0: the benchmark's OpenSSL client
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
rounds=300
[ "${1:-}" = --quick ] && rounds=60
W=$(mktemp -d /tmp/handoff.XXXXXX)
cleanup() {
	kill "${KTIXD:-}" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
bench_cert "$W"
taskset -c 1 build/bin/ktixd --cert "$W/cert.pem" --key "$W/key.pem" --socket "$W/k.sock" \
	--workers 1 --foreground 2>"$W/ktixd.log" &
KTIXD=$!
for _ in $(seq 100); do [ -S "$W/k.sock" ] && break; sleep 0.1; done
build/bench/handoffbench -S "$W/k.sock" -c "$W/cert.pem" -k "$W/key.pem" -n "$rounds" ||
	{ tail -n 5 "$W/ktixd.log" >&2; exit 1; }
