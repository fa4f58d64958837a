# SPDX-License-Identifier: GPL-2.0
#
# wait_listen PORT: wait (5 s at most) until a TCP socket listens on PORT,
# for the servers the tests start in the background (HAProxy, nginx)
wait_listen() {
	local _
	for _ in $(seq 50); do
		ss -Htln "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	echo "nothing listens on port $1"
	return 1
}
