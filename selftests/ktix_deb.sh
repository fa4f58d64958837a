#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktix_deb (test VM): the Debian packages selftests/deb.sh built
# (build/deb) installed with dpkg in a chroot over the VM's root (an
# overlay: the root itself is the host's, read-only), ktix-dkms's DKMS
# build loaded with modprobe, and a session resumed through the installed
# ktixd and ktix-serve; a program built with the installed libktix-dev
# through pkg-config serves over kTLS with libktix1.
set -u
cd "$(dirname "$0")/.." || exit 1
. selftests/lib/ktap.sh

DEBS=$(realpath build/deb)
W=$(mktemp -d /tmp/ktix-deb.XXXXXX)
R=$W/root
BIN=$W/bin
. selftests/lib/e2e.sh

teardown() {
	local f m
	for f in "$W"/*.pid; do
		[ -e "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	sleep 0.3
	for m in "$R$W" "$R/lib/modules/$(uname -r)" "$R/dev" "$R/sys" "$R/proc" "$R" "$W/ovl"; do
		mountpoint -q "$m" && umount -l "$m"
	done
	rm -rf --one-file-system "$W"
}
trap teardown EXIT

ktap_plan 4

installed() {
	local v
	ls "$DEBS"/*.deb >/dev/null 2>&1 ||
		{ echo "no packages in $DEBS: selftests/deb.sh builds them"; return 1; }
	mkdir -p "$W/ovl" "$R" "$BIN"
	mount -t tmpfs tmpfs "$W/ovl" && mkdir -p "$W/ovl/up" "$W/ovl/work" &&
		mount -t overlay overlay -o "lowerdir=/,upperdir=$W/ovl/up,workdir=$W/ovl/work" "$R" &&
		mount --bind /proc "$R/proc" && mount --bind /sys "$R/sys" &&
		mount --bind /dev "$R/dev" && mkdir -p "$R$W" && mount --bind "$W" "$R$W" ||
		{ echo "no chroot over the root"; return 1; }
	cp "$DEBS"/*.deb "$W/"
	# Nothing of the host's ktix: only the packages.
	rm -f "$R/usr/local/sbin/ktix"* "$R/usr/local/bin/ktix"*
	# No man-db index rebuild at each trigger: minutes under TCG.
	rm -f "$R/var/lib/man-db/auto-update"
	# DKMS installs for every kernel with headers: this VM runs one.  Its
	# modules directory in the chroot holds the kernel's index files and
	# headers link but none of the host's modules (ktix needs none): the
	# depmod of DKMS's install would read them all over 9p, minutes under
	# TCG, and modprobe ktix finds the module in what that depmod writes.
	for k in "$R"/lib/modules/*; do
		[ "${k##*/}" = "$(uname -r)" ] || rm -f "$k/build"
	done
	k=$R/lib/modules/$(uname -r)
	mount -t tmpfs tmpfs "$k" && mkdir -p "$k/kernel" &&
		cp -a /lib/modules/"$(uname -r)"/modules.builtin* /lib/modules/"$(uname -r)"/modules.order \
			/lib/modules/"$(uname -r)"/build "$k/" ||
		{ echo "no modules directory for the chroot"; return 1; }
	SECONDS=0
	chroot "$R" env DEBIAN_FRONTEND=noninteractive dpkg --unpack "$W"/*.deb > "$W/dpkg.log" 2>&1 ||
		{ tail -n 30 "$W/dpkg.log"; return 1; }
	echo "unpacked in ${SECONDS}s"
	# DKMS's build of these sources for this kernel (selftests/deb.sh made
	# it at native speed) as the package's prebuilt archive, which its
	# postinst loads (DKMS's "distribution specific archive") and then
	# installs, rather than compiling under TCG.
	if [ -e "$DEBS/dkms-binaries.tar.gz" ]; then
		mkdir -p "$W/dkmsbin" "$R/usr/share/ktix-dkms" &&
			tar -xzf "$DEBS/dkms-binaries.tar.gz" -C "$W/dkmsbin" &&
			find "$W/dkmsbin/dkms_main_tree" -mindepth 1 -maxdepth 1 ! -name "$(uname -r)" \
				-exec rm -rf {} + &&
			tar -czf "$R/usr/share/ktix-dkms/ktix-$(cat VERSION).dkms.tar.gz" -C "$W/dkmsbin" . ||
			{ echo "no prebuilt archive"; return 1; }
		rm -rf "$W/dkmsbin"
	fi
	chroot "$R" env DEBIAN_FRONTEND=noninteractive dpkg --configure -a >> "$W/dpkg.log" 2>&1 ||
		{ tail -n 30 "$W/dpkg.log"; return 1; }
	echo "configured at ${SECONDS}s"
	grep -E 'Building|Installing|Setting up|Loading tarball|skipped' "$W/dpkg.log"
	v=$(cat VERSION)
	chroot "$R" dpkg-query -W ktix-dkms ktixd libktix1 libktix-dev | tee "$W/q"
	[ "$(grep -c "	$v$" "$W/q")" = 4 ] &&
		chroot "$R" dkms status ktix | grep "ktix/$v, $(uname -r), x86_64: installed"
}
ktap_test "dpkg installs the four packages; their DKMS installs ktix.ko" installed

loaded() {
	local ko
	grep -q '^ktix ' /proc/modules && { rmmod ktix || return 1; }
	chroot "$R" modprobe ktix || return 1
	ko=$(chroot "$R" modinfo -n ktix)
	echo "$ko"
	[[ $ko == */updates/dkms/ktix.ko* ]] &&
		[ "$(cat /sys/module/ktix/srcversion)" = "$(chroot "$R" modinfo -F srcversion ktix)" ]
}
ktap_test "modprobe ktix loads the DKMS build" loaded

resumed() {
	local p
	for p in ktixd ktix-serve ktixctl; do
		d=/usr/sbin
		[ "$p" = ktix-serve ] && d=/usr/bin
		printf '#!/bin/sh\nexec chroot %s %s/%s "$@"\n' "$R" "$d" "$p" > "$BIN/$p"
		chmod +x "$BIN/$p"
	done
	site_setup
	start_ktixd a || return 1
	start_serve a 8443 || return 1
	hello 8443 -tls1_2 -sess_out "$W/s" | grep -q 'hello from ktix-serve' ||
		{ tail -n 3 "$W/a.log" "$W/serve-8443.log"; return 1; }
	hello 8443 -tls1_2 -sess_in "$W/s" | grep -q '^Reused' &&
		[ "$(last_kind 8443)" = ticket ] ||
		{ echo "not resumed: $(tail -n 1 "$W/serve-8443.log")"; return 1; }
	tail -n 2 "$W/serve-8443.log"
	"$BIN/ktixctl" stats | grep -E 'KtixOffload(Full|Ticket) '
	[ "$(stat_of KtixOffloadTicket)" = 1 ]
}
ktap_test "a ticket resumes through the installed ktixd, ktix-serve and module" resumed

library() {
	local out pid
	cp selftests/pkgconfig/ktix_hello.c "$W/"
	chroot "$R" sh -c "cd $W && cc -o ktix_hello ktix_hello.c \$(pkg-config --cflags --libs ktix)" ||
		return 1
	chroot "$R" ldd "$W/ktix_hello" | grep -E 'libktix.so.1 => (/usr)?/lib/x86_64-linux-gnu/libktix.so.1' ||
		{ chroot "$R" ldd "$W/ktix_hello"; return 1; }
	chroot "$R" "$W/ktix_hello" 8461 "$W/a.sock" > "$W/h.out" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		grep -q listening "$W/h.out" && break
		sleep 0.1
	done
	out=$(hello 8461)
	wait "$pid" || { cat "$W/h.out"; return 1; }
	cat "$W/h.out"
	grep -q 'hello from an installed libktix' <<< "$out"
}
ktap_test "libktix-dev: a program built with pkg-config runs on libktix1" library
ktap_finish
