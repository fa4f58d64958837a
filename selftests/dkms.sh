#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS: 'make install-dkms' puts the module's sources and dkms.conf in
# /usr/src/ktix-VERSION (here under a temporary DESTDIR); 'dkms add' and
# 'dkms build' then build ktix.ko for each stock kernel whose headers are
# installed, in a DKMS tree of its own (--sourcetree, --dkmstree): the
# system's DKMS state is not touched, but for the signing key DKMS makes
# once in /var/lib/dkms when there is none, as it does on first use.
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh

VERSION=$(cat VERSION)
# The two stock kernels make check tests: the default and the other.
KERNELS=()
k=$(scripts/kdir 2>/dev/null) && KERNELS+=("${k##*/linux-headers-}")
k=$(scripts/kdir --other 2>/dev/null) && [ -n "$k" ] && KERNELS+=("$k")

ktap_plan $((1 + ${#KERNELS[@]}))
if ! command -v dkms >/dev/null; then
	for _ in $(seq $((1 + ${#KERNELS[@]}))); do
		ktap_skip "dkms" "dkms is not installed (scripts/install-deps installs it)"
	done
	ktap_finish
fi
if [ "$(id -u)" != 0 ]; then
	for _ in $(seq $((1 + ${#KERNELS[@]}))); do
		ktap_skip "dkms" "dkms build needs root (it signs the module with /var/lib/dkms's key)"
	done
	ktap_finish
fi

D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
mkdir -p "$D/dkms"
DK=(--sourcetree "$D/root/usr/src" --dkmstree "$D/dkms")

added() {
	make -s install-dkms DESTDIR="$D/root" || return 1
	grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$D/root/usr/src/ktix-$VERSION/dkms.conf" ||
		{ echo "dkms.conf does not say version $VERSION"; return 1; }
	dkms add -m ktix -v "$VERSION" "${DK[@]}" &&
		dkms status -m ktix "${DK[@]}" | grep -q "ktix/$VERSION: added"
}
ktap_test "make install-dkms, then dkms add ktix/$VERSION" added

built() {
	local k=$1 ko
	dkms build -m ktix -v "$VERSION" -k "$k" "${DK[@]}" > "$D/build-$k.log" 2>&1 ||
		{ tail -n 20 "$D/build-$k.log"; cat "$D/dkms/ktix/$VERSION/build/make.log" 2>/dev/null | tail -n 20; return 1; }
	ko=$D/dkms/ktix/$VERSION/$k/x86_64/module/ktix.ko
	[ -f "$ko" ] || ko=$ko.xz
	[ -f "$ko" ] || { echo "no ktix.ko in the DKMS tree"; find "$D/dkms" -name 'ktix.ko*'; return 1; }
	echo "$(modinfo -F version "$ko") for $(modinfo -F vermagic "$ko")"
	[ "$(modinfo -F version "$ko")" = "$VERSION" ] &&
		modinfo -F vermagic "$ko" | grep -q "^$k " &&
		dkms status -m ktix -k "$k" "${DK[@]}" | grep -q "ktix/$VERSION, $k, x86_64: built"
}
for k in "${KERNELS[@]}"; do
	ktap_test "dkms build ktix for $k" built "$k"
done
ktap_finish
