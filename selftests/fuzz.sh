#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fuzz.sh [--runs N | --seconds S] TARGET...: runs each libFuzzer target of
# build-fuzz/ on its seeds (fuzz/corpus/TARGET, read only) and what earlier
# runs found (build-fuzz/corpus/TARGET), as KTAP: a target passes when it
# ran to the end with no crash, leak or sanitizer report.  A finding is
# kept in build-fuzz/findings/, to be fixed and committed as a seed.
# make fuzz runs 10^6 executions each; make check a few seconds each.
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh
FZ=build-fuzz
limit=(-runs=1000000)
case ${1:-} in
--runs) limit=(-runs="$2"); shift 2 ;;
--seconds) limit=(-max_total_time="$2"); shift 2 ;;
esac
[ "$#" -gt 0 ] || { echo "usage: fuzz.sh [--runs N | --seconds S] TARGET..." >&2; exit 2; }

ktap_plan "$#"
one() {
	local t=$1 out rc execs secs start
	[ -x "$FZ/$t" ] || { echo "$FZ/$t is not built (make fuzz-build)"; return 1; }
	mkdir -p "$FZ/corpus/$t" "$FZ/findings"
	start=$(date +%s%N)
	out=$("$FZ/$t" "${limit[@]}" -print_final_stats=1 -artifact_prefix="$FZ/findings/$t-" \
		"$FZ/corpus/$t" "fuzz/corpus/$t" 2>&1)
	rc=$?
	secs=$(( ($(date +%s%N) - start) / 1000000 ))
	secs=$((secs / 1000)).$(printf '%03d' $((secs % 1000)))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' <<< "$out")
	echo "$t: ${execs:-?} executions in ${secs}s, corpus $(ls "$FZ/corpus/$t" | wc -l) inputs"
	[ "$rc" = 0 ] || { grep -E 'ERROR|SUMMARY|Test unit written' <<< "$out" | head -n 5; return 1; }
}
for t in "$@"; do
	ktap_test "fuzz target $t: no crash, leak or sanitizer report" one "$t"
done
ktap_finish
