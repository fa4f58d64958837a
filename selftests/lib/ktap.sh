# SPDX-License-Identifier: GPL-2.0
#
# KTAP output for shell test suites, in the format of kselftest.h:
#
#   . selftests/lib/ktap.sh
#   ktap_plan 2
#   ktap_test "name" command args...     # ok when the command succeeds
#   ktap_skip "name" "reason"
#   ktap_finish                          # totals; exits 1 on any failure

KTAP_N=0
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0

ktap_plan() {
	echo "TAP version 13"
	echo "1..$1"
	KTAP_PLAN=$1
}

ktap_test() {
	local name=$1 out rc t0
	shift
	KTAP_N=$((KTAP_N + 1))
	echo "# RUN $name"
	t0=$(date +%s%N)
	out=$("$@" 2>&1)
	rc=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
	echo "# took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	if [ "$rc" -eq 0 ]; then
		KTAP_PASS=$((KTAP_PASS + 1))
		echo "ok $KTAP_N $name"
	else
		KTAP_FAIL=$((KTAP_FAIL + 1))
		echo "not ok $KTAP_N $name # exit status $rc"
	fi
}

ktap_skip() {
	KTAP_N=$((KTAP_N + 1))
	KTAP_SKIP=$((KTAP_SKIP + 1))
	echo "ok $KTAP_N $1 # SKIP $2"
}

ktap_finish() {
	[ "$KTAP_N" = "$KTAP_PLAN" ] ||
		echo "# Planned tests != run tests ($KTAP_PLAN != $KTAP_N)"
	echo "# Totals: pass:$KTAP_PASS fail:$KTAP_FAIL xfail:0 xpass:0 skip:$KTAP_SKIP error:0"
	[ "$KTAP_FAIL" -eq 0 ] && [ "$KTAP_N" = "$KTAP_PLAN" ]
	exit $?
}
