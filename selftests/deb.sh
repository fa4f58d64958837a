#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian packages: dpkg-buildpackage -us -uc -b on a copy of the tree
# builds ktix-dkms, ktixd, libktix1 and libktix-dev; lintian finds no
# error; each holds what it should; make install-dkms installs the same
# DKMS sources.  The packages are left in build/deb
# for ktix_deb, which installs them in the test VM (a chroot over its
# root) and resumes a session through them and the DKMS-built module;
# with them DKMS's binary tarballs of ktix-dkms's sources for both stock
# kernels (dkms build here, at native speed: ktix_deb's DKMS installs
# them rather than compiling under TCG).
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh

VERSION=$(cat VERSION)
OUT=$(realpath -m "${KTIX_B:-build}")/deb
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

ktap_plan 5
if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null ||
   ! command -v lintian >/dev/null || ! [ -x /usr/bin/dh_dkms ]; then
	for _ in 1 2 3 4 5; do
		ktap_skip "deb" "dpkg-dev, debhelper, dh-dkms or lintian missing (scripts/install-deps installs them)"
	done
	ktap_finish
fi

built() {
	mkdir -p "$D/ktix-$VERSION"
	# The tree as git has it, with what is not committed yet.
	git ls-files -z --cached --others --exclude-standard |
		tar -c --null -T - | tar -x -C "$D/ktix-$VERSION" || return 1
	(cd "$D/ktix-$VERSION" && dpkg-buildpackage -us -uc -b -j"$(nproc)") > "$D/build.log" 2>&1 ||
		{ tail -n 30 "$D/build.log"; return 1; }
	ls "$D"/*.deb
	rm -rf "$OUT"
	mkdir -p "$OUT"
	cp "$D"/*.deb "$D"/*.changes "$D"/*.buildinfo "$OUT"/
	for p in ktix-dkms ktixd libktix1 libktix-dev; do
		ls "$OUT/${p}_$VERSION"_*.deb > /dev/null || { echo "no $p"; return 1; }
	done
	dkms_binaries
}

# DKMS's build of ktix-dkms's sources for each stock kernel, as DKMS
# binary tarballs: ktix_deb loads them before the package is configured,
# so that its postinst installs them instead of compiling under TCG (a
# few seconds here, minutes there).  The same sources, the same dkms.
dkms_binaries() {
	local k ko ks=() t=$D/dkmsbin
	k=$(scripts/kdir 2>/dev/null) && ks+=("${k##*/linux-headers-}")
	k=$(scripts/kdir --other 2>/dev/null) && [ -n "$k" ] && ks+=("$k")
	mkdir -p "$t/dkms"
	dpkg-deb -x "$OUT/ktix-dkms_${VERSION}_all.deb" "$t/x" &&
		dkms add -m ktix -v "$VERSION" --sourcetree "$t/x/usr/src" --dkmstree "$t/dkms" > /dev/null ||
		return 1
	mkdir -p "$t/merged"
	# mktarball takes one kernel: one tarball each, merged into one.
	for k in "${ks[@]}"; do
		dkms build -m ktix -v "$VERSION" -k "$k" --sourcetree "$t/x/usr/src" \
			--dkmstree "$t/dkms" > "$t/build.log" 2>&1 &&
			dkms mktarball -m ktix -v "$VERSION" -k "$k" --binaries-only \
				--archive "dkms-$k.tar.gz" --sourcetree "$t/x/usr/src" \
				--dkmstree "$t/dkms" > /dev/null 2>&1 &&
			tar -xzf "$t/dkms/ktix/$VERSION/tarball/dkms-$k.tar.gz" -C "$t/merged" ||
			{ tail -n 20 "$t/build.log"; return 1; }
		ko=$(ls "$t/dkms/ktix/$VERSION/$k/x86_64/module/"ktix.ko*) &&
			[ "$(modinfo -F version "$ko")" = "$VERSION" ] &&
			modinfo -F vermagic "$ko" | grep -q "^$k " ||
			{ echo "DKMS's ktix.ko for $k: $(modinfo -F version "$ko") $(modinfo -F vermagic "$ko")"; return 1; }
		echo "DKMS's build for $k: ktix $VERSION, vermagic $k"
	done
	tar -czf "$OUT/dkms-binaries.tar.gz" -C "$t/merged" .
}
ktap_test "dpkg-buildpackage -b builds ktix-dkms, ktixd, libktix1, libktix-dev (and DKMS's build of ktix-dkms)" built

lint() {
	local out
	out=$(lintian --fail-on error "$OUT"/*.changes 2>&1)
	local rc=$?
	echo "$out" | head -n 40
	echo "lintian: $(grep -c '^E:' <<< "$out") errors, $(grep -c '^W:' <<< "$out") warnings"
	return $rc
}
ktap_test "lintian finds no error" lint

# has DEB PATTERN...: each pattern matches a path in the package.
has() {
	local deb=$1 list p
	shift
	list=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
	for p in "$@"; do
		grep -qE "^\\.$p\$" <<< "$list" || { echo "$(basename "$deb"): no $p"; return 1; }
	done
}
contents() {
	has "$OUT"/ktix-dkms_*.deb "/usr/src/ktix-$VERSION/dkms.conf" \
		"/usr/src/ktix-$VERSION/kmod/offload.c" "/usr/src/ktix-$VERSION/include/uapi/linux/ktix.h" &&
	has "$OUT"/ktixd_*.deb /usr/sbin/ktixd /usr/sbin/ktixctl /usr/sbin/ktix-fleetd \
		/usr/bin/ktix-serve /usr/bin/ktix-proxy /lib/systemd/system/ktixd.service \
		/usr/lib/sysusers.d/ktix.conf /usr/share/man/man8/ktixd.8.gz \
		/usr/share/bash-completion/completions/ktixctl &&
	has "$OUT"/libktix1_*.deb "/usr/lib/[^/]*/libktix.so.1.0.0" "/usr/lib/[^/]*/libktix.so.1" &&
	has "$OUT"/libktix-dev_*.deb /usr/include/ktix.h "/usr/lib/[^/]*/libktix.so" \
		"/usr/lib/[^/]*/pkgconfig/ktix.pc" "/usr/lib/[^/]*/libktix.a"
}
ktap_test "each package holds what it should" contents

depends() {
	local d
	d=$(dpkg-deb -f "$OUT"/ktix-dkms_*.deb Depends)
	echo "ktix-dkms: $d"
	grep -q dkms <<< "$d" || return 1
	d=$(dpkg-deb -f "$OUT"/libktix-dev_*.deb Depends)
	echo "libktix-dev: $d"
	grep -q "libktix1 (= $VERSION)" <<< "$d" || return 1
	d=$(dpkg-deb -f "$OUT"/ktixd_*.deb Depends)
	echo "ktixd: $d"
	grep -q libssl3 <<< "$d" && grep -q libnl-genl-3 <<< "$d" && grep -q libmicrohttpd <<< "$d"
}
ktap_test "dependencies: dkms, libktix1 at the same version, the libraries ktixd links" depends

# Without packages, make install-dkms puts in /usr/src/ktix-VERSION what
# ktix-dkms does (the same sources and dkms.conf, whose builds deb's DKMS
# tarballs above prove), for 'dkms install ktix/VERSION'.
install_dkms() {
	local a=$D/install-dkms b=$D/deb-dkms
	make -s install-dkms DESTDIR="$a" || return 1
	dpkg-deb -x "$OUT"/ktix-dkms_*.deb "$b" || return 1
	grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$a/usr/src/ktix-$VERSION/dkms.conf" ||
		{ echo "dkms.conf does not say version $VERSION"; return 1; }
	diff -r "$a/usr/src/ktix-$VERSION" "$b/usr/src/ktix-$VERSION" &&
		echo "$(find "$a/usr/src/ktix-$VERSION" -type f | wc -l) files, the same in both"
}
ktap_test "make install-dkms installs what ktix-dkms holds" install_dkms
ktap_finish
