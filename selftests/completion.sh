#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktixctl's bash completion (completion/ktixctl) as bash-completion runs
# it: each case sets the words of a command line and the word being
# completed, calls the function, and compares what it offers.  Key names
# need the module: ktixctl_vm.sh completes them.
set -u
cd "$(dirname "$0")/.."
. selftests/lib/ktap.sh

CTL=$(realpath "${KTIX_BIN:-build/bin}/ktixctl")
BC=/usr/share/bash-completion/bash_completion

ktap_plan 9
if [ ! -r "$BC" ]; then
	for i in $(seq 9); do
		ktap_skip "completion" "bash-completion is not installed (scripts/install-deps installs it)"
	done
	exit 0
fi
# shellcheck disable=SC1090
. "$BC"
. completion/ktixctl

# offers "WORDS..." -- "EXPECTED": completes the last word of WORDS.
offers() {
	local want=$1 got
	shift
	COMP_WORDS=("$CTL" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_ktixctl "$CTL" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | xargs)
	[ "$got" = "$want" ] && return 0
	echo "ktixctl ${*}<TAB>: '$got', not '$want'"
	return 1
}

complete_is_set() {
	complete -p ktixctl | grep -q -- '-F _ktixctl'
}
ktap_test "the completion is registered for ktixctl" complete_is_set
ktap_test "commands" offers "help key monitor policy revoke session stats ticket version" ""

prefixes() {
	offers 'session stats' s && offers '--help --json' --
}
ktap_test "a command by its prefix; global options" prefixes

policy() {
	offers 'set show' policy '' &&
		offers 'retention revoke-bytes rotate-interval' policy set r &&
		offers 'max-keys' policy set rotate-interval 1h m &&
		offers 'manual' policy set rotate-interval '' &&
		offers '' policy set retention ''
}
ktap_test "policy: show, set, the policy's names from its help, manual" policy

key() {
	offers 'add del export import list rotate' key '' &&
		offers 'next primary retiring' key add --state '' &&
		offers '128 256' key add --aes-bits '' &&
		offers 'haproxy nginx' key export /tmp/k --format '' &&
		offers '--encrypt-from --encrypt-until' key add --encrypt-
}
ktap_test "key: subcommands, --state, --aes-bits, --format" key

files() {
	local d r
	d=$(mktemp -d)
	touch "$d/ticket.key"
	offers "$d/ticket.key" key import "$d/t"
	r=$?
	rm -rf "$d"
	return $r
}
ktap_test "key import and export complete files" files

others() {
	offers 'del flush list' session '' &&
		offers 'list' revoke '' &&
		offers '--until' revoke 00112233445566778899aabbccddeeff '' &&
		offers 'key' help k
}
ktap_test "session, revoke, help" others

stats() {
	offers '--format' stats '' &&
		offers 'prometheus text' stats --format '' &&
		offers 'prometheus' -j stats --format p
}
ktap_test "stats: --format, then text or prometheus" stats

no_module() {
	offers '' key del ''
}
ktap_test "key names without the module: nothing, and no error" no_module
ktap_finish
