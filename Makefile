# SPDX-License-Identifier: GPL-2.0
#
# make            build kmod/ktix.ko and the userspace programs
# make check      install what is missing, build, run every test (native and
#                 in the VM; the kernel suites on 6.12 too) and print
#                 "N passed, N failed"
# make check-all  every suite on both builds and on both kernels
# make demo       boot the VM, load the module, show it working
# make fuzz       every libFuzzer target for FUZZ_RUNS (10^6) executions
# make checkpatch kernel style check of kmod/ and the uapi header
# make install    ktixd, ktix-serve, ktix-proxy, ktixctl (and its bash completion), man
#                 pages, ktix.h and libktix.a,
#                 the systemd unit and ktix.ko (DESTDIR=, PREFIX=/usr/local)
# make clean      remove everything the build made
#
# KDIR=DIR        kernel build directory (default: scripts/kdir, Debian's
#                 default kernel's headers)
# KVER=VERSION    shorthand for KDIR=/usr/src/linux-headers-VERSION
#                 (e.g. KVER=6.12.117+deb12-amd64)
# WERROR=1        warnings are errors (default in CI)
# SAN=1           build userspace with ASan and UBSan into build-san/

VERSION := $(shell cat VERSION)
KVER ?=
KDIR ?= $(if $(KVER),/usr/src/linux-headers-$(KVER),$(shell scripts/kdir))
# The other stock kernel of Debian 12 (6.12 beside the default 6.1): its
# module is built in a copy of the sources, build/kmod-VERSION/, and
# make check runs the kernel and end-to-end suites on it too.
KVER_OTHER ?= $(shell scripts/kdir --other)
KMOD_OTHER := build/kmod-$(KVER_OTHER)
PKG_CONFIG ?= pkg-config
CI ?=
WERROR ?= $(if $(filter true 1,$(CI)),1,0)
SAN ?= 0

B := $(if $(filter 1,$(SAN)),build-san,build)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS ?= -O2 -g
KTIX_CFLAGS = -std=gnu11 -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) \
	-D_GNU_SOURCE -DKTIX_TOOL_VERSION='"$(VERSION)"' \
	-Iinclude/uapi -Iinclude $(INC) \
	$(if $(filter 1,$(SAN)),$(SAN_FLAGS)) \
	-MMD -MP
KTIX_LDFLAGS = $(LDFLAGS) $(if $(filter 1,$(SAN)),$(SAN_FLAGS))
NL_LIBS = $(shell $(PKG_CONFIG) --libs libnl-genl-3.0)
CRYPTO_LIBS = $(shell $(PKG_CONFIG) --libs libssl libcrypto)
# ktixd's /metrics (HTTP by libmicrohttpd)
MHD_LIBS = $(shell $(PKG_CONFIG) --libs libmicrohttpd)
MHD_CFLAGS = $(shell $(PKG_CONFIG) --cflags libmicrohttpd)

# Three libraries, each in its own directory, and each program sees the
# headers of the ones it links and its own, nothing else:
#   libktix      the ktixd client API and the kTLS socket helpers (ktix.h,
#                the one installed); no libnl, no OpenSSL
#   libktix-nl   the netlink client of the module (ktix_nl.h, libnl-genl-3)
#   libktix-tls  record keys from OpenSSL (ktix_tls.h, ktix_keys.h)
# and, not installed, what the programs share beside (userspace/common:
# libktix-common.a, reading numbers with units, addresses, the event
# loops' client of ktixd; it comes before libktix.a on a link line).
LIBK := userspace/libktix
LIBNL := userspace/libktix-nl
LIBTLS := userspace/libktix-tls
COMMON := userspace/common
NL_CFLAGS = $(shell $(PKG_CONFIG) --cflags libnl-genl-3.0)
LIB_SRCS := $(wildcard $(LIBK)/*.c)
LIBNL_SRCS := $(wildcard $(LIBNL)/*.c)
LIBTLS_SRCS := $(wildcard $(LIBTLS)/*.c)
COMMON_SRCS := $(wildcard $(COMMON)/*.c)
CTL_SRCS := $(wildcard userspace/ktixctl/*.c)
D_SRCS := $(wildcard userspace/ktixd/*.c)
# ktixd's main loop and server, which benchmarks and fuzzers leave out.
KTIXD_LOOP := main server worker dispatch handshake reply rekey metrics
SERVE_SRCS := $(wildcard userspace/ktix-serve/*.c)
PROXY_SRCS := $(wildcard userspace/ktix-proxy/*.c)
FLEETD_SRCS := $(wildcard userspace/ktix-fleetd/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o)
LIB_PIC_OBJS := $(LIB_SRCS:%.c=$(B)/obj-pic/%.o)
LIB_SO := $(B)/lib/libktix.so.1.0.0
LIBNL_OBJS := $(LIBNL_SRCS:%.c=$(B)/obj/%.o)
LIBTLS_OBJS := $(LIBTLS_SRCS:%.c=$(B)/obj/%.o)
COMMON_OBJS := $(COMMON_SRCS:%.c=$(B)/obj/%.o)
LIBCOMMON := $(B)/lib/libktix-common.a
LIBS_ALL := $(B)/lib/libktix-nl.a $(B)/lib/libktix-tls.a $(B)/lib/libktix.a \
	$(LIBCOMMON)
CTL_OBJS := $(CTL_SRCS:%.c=$(B)/obj/%.o)
D_OBJS := $(D_SRCS:%.c=$(B)/obj/%.o)
SERVE_OBJS := $(SERVE_SRCS:%.c=$(B)/obj/%.o)
PROXY_OBJS := $(PROXY_SRCS:%.c=$(B)/obj/%.o)
FLEETD_OBJS := $(FLEETD_SRCS:%.c=$(B)/obj/%.o)
FLEETD_CFLAGS = $(shell $(PKG_CONFIG) --cflags libcurl json-c)
FLEETD_LIBS = $(shell $(PKG_CONFIG) --libs libcurl json-c)
KSFT_SUITES := ktix_genl ktix_ring ktix_cache ktix_offload tls_keys ktix_client \
	ktix_badrec ktix_revtool ktix_nlfuzz
KSFT_BINS := $(KSFT_SUITES:%=$(B)/selftests/%)

# The kselftest harness and checkpatch come from Debian's linux-source
# tarball at build time; they are never committed.
# The default kernel's source (package linux-source), whatever else is installed.
KSRC_TAR = $(wildcard /usr/src/linux-source-6.1.tar.xz)
KSRC := $(B)/ksrc
KSRC_FILES := tools/testing/selftests/kselftest_harness.h \
	tools/testing/selftests/kselftest.h \
	scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch \
	scripts/kernel-doc

SUITES ?=
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DESTDIR ?=

.PHONY: all kmod kmod-other userspace selftests check check-all check-run demo \
	demo-run deps \
	checkpatch install install-user install-lib install-dkms clean fuzz fuzz-build
.DEFAULT_GOAL := all
.SECONDEXPANSION:

all: kmod userspace

kmod:
	@test -n "$(KDIR)" || { echo "make: no kernel build directory (KDIR)" >&2; exit 1; }
	@test -f "$(KDIR)/Makefile" || { echo "make: $(KDIR): no kernel headers there (KVER=$(KVER))" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

kmod-other:
	@test -n "$(KVER_OTHER)" || { echo "make: no second stock kernel installed (scripts/install-deps installs 6.12)" >&2; exit 1; }
	@mkdir -p $(KMOD_OTHER)
	cp -r Kbuild VERSION kmod include $(KMOD_OTHER)/
	$(MAKE) -C /usr/src/linux-headers-$(KVER_OTHER) M=$(CURDIR)/$(KMOD_OTHER) modules

userspace: $(B)/bin/ktixctl $(B)/bin/ktixd $(B)/bin/ktix-serve $(B)/bin/ktix-fleetd \
	$(B)/bin/ktix-proxy \
	$(LIB_SO) \
	$(B)/bench/sessbench $(B)/bench/offloadbench $(B)/bench/hsload \
	$(B)/bench/ticketbench $(B)/bench/ringbench $(B)/bench/handoffbench

# Which headers each part sees.
INC_K := -I$(LIBK)
INC_NL := -I$(LIBNL) -I$(LIBTLS) $(NL_CFLAGS)
INC_ALL := -I$(LIBK) -I$(LIBNL) -I$(LIBTLS) $(NL_CFLAGS)
$(B)/obj/$(LIBK)/%.o: INC = $(INC_K)
$(B)/obj/$(LIBNL)/%.o: INC = $(INC_NL)
$(B)/obj/$(LIBTLS)/%.o: INC = -I$(LIBTLS)
$(B)/obj/$(COMMON)/%.o: INC = -I$(COMMON) $(INC_K)
$(B)/obj/userspace/ktix-serve/%.o: INC = $(INC_K) -I$(COMMON)
$(B)/obj/userspace/ktix-proxy/%.o: INC = $(INC_K) -I$(COMMON)
$(B)/obj/userspace/ktixctl/%.o: INC = -I$(LIBK) -I$(LIBNL) -I$(COMMON) $(NL_CFLAGS)
$(B)/obj/userspace/ktix-fleetd/%.o: INC = -I$(LIBNL) -I$(LIBTLS) -I$(COMMON) $(NL_CFLAGS) $(FLEETD_CFLAGS)
$(B)/obj/userspace/ktixd/%.o: INC = $(INC_ALL) -I$(COMMON) $(MHD_CFLAGS)
$(B)/obj/bench/%.o: INC = $(INC_ALL) -Iuserspace/ktixd -I$(COMMON)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(KTIX_CFLAGS) -c $< -o $@

$(B)/lib/libktix.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

# The shared library: the same sources built position-independent, only
# ktix.h's functions exported (libktix.map), soname libktix.so.1.
$(B)/obj-pic/$(LIBK)/%.o: $(LIBK)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(KTIX_CFLAGS) $(INC_K) -fPIC -c $< -o $@

$(LIB_SO): $(LIB_PIC_OBJS) $(LIBK)/libktix.map
	@mkdir -p $(dir $@)
	$(CC) $(KTIX_LDFLAGS) -shared -Wl,-soname,libktix.so.1 \
		-Wl,--version-script=$(LIBK)/libktix.map -Wl,--no-undefined \
		-o $@ $(LIB_PIC_OBJS)
	ln -sf libktix.so.1.0.0 $(B)/lib/libktix.so.1
	ln -sf libktix.so.1 $(B)/lib/libktix.so

# A program outside the tree, built the way a user builds one: against a
# copy of libktix installed with install-lib, through pkg-config
# (selftests/libktix_pkg.sh checks the copy, ktix_e2e runs the program).
PKGTEST := $(abspath $(B))/pkgtest
$(PKGTEST)/ktix_hello: selftests/pkgconfig/ktix_hello.c $(B)/lib/libktix.a \
		$(LIB_SO) $(LIBK)/ktix.h $(LIBK)/ktix.pc.in
	rm -rf $(PKGTEST)
	$(MAKE) --no-print-directory -s install-lib DESTDIR=$(PKGTEST)/root \
		PREFIX=/usr/local LIBDIR=/usr/local/lib
	mkdir -p $(PKGTEST)/src
	cp $< $(PKGTEST)/src/
	cd $(PKGTEST)/src && \
		export PKG_CONFIG_SYSROOT_DIR=$(PKGTEST)/root \
		PKG_CONFIG_LIBDIR=$(PKGTEST)/root/usr/local/lib/pkgconfig && \
		$(CC) -std=gnu11 -Wall -Wextra -Werror -o ../ktix_hello ktix_hello.c \
		$$($(PKG_CONFIG) --cflags --libs ktix)

$(B)/lib/libktix-nl.a: $(LIBNL_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(B)/lib/libktix-tls.a: $(LIBTLS_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(LIBCOMMON): $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(B)/bin/ktixctl: $(CTL_OBJS) $(B)/lib/libktix-nl.a $(B)/lib/libktix.a $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(KTIX_LDFLAGS) -o $@ $^ $(NL_LIBS) $(CRYPTO_LIBS)

$(B)/bin/ktixd: $(D_OBJS) $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(KTIX_LDFLAGS) -o $@ $^ $(NL_LIBS) $(CRYPTO_LIBS) $(MHD_LIBS) -lpthread

$(B)/bin/ktix-serve: $(SERVE_OBJS) $(LIBCOMMON) $(B)/lib/libktix.a
	@mkdir -p $(dir $@)
	$(CC) $(KTIX_LDFLAGS) -o $@ $^ -lhttp_parser

$(B)/bin/ktix-proxy: $(PROXY_OBJS) $(LIBCOMMON) $(B)/lib/libktix.a
	@mkdir -p $(dir $@)
	$(CC) $(KTIX_LDFLAGS) -o $@ $^

$(B)/bin/ktix-fleetd: $(FLEETD_OBJS) $(B)/lib/libktix-nl.a $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(KTIX_LDFLAGS) -o $@ $^ $(FLEETD_LIBS) $(NL_LIBS) $(CRYPTO_LIBS)

# ktixd's ticket path and ring mirror, without its main loop.
$(B)/bench/ticketbench $(B)/bench/ringbench: $(B)/bench/%: $(B)/obj/bench/%.o \
		$(B)/obj/bench/stubs.o $(filter-out $(KTIXD_LOOP:%=\%/%.o),$(D_OBJS)) \
		$(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(KTIX_LDFLAGS) -o $@ $^ $(NL_LIBS) $(CRYPTO_LIBS) -lpthread

$(B)/bench/%: $(B)/obj/bench/%.o $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(KTIX_LDFLAGS) -o $@ $^ $(NL_LIBS) $(CRYPTO_LIBS)

$(KSRC)/.stamp:
	@test -n "$(KSRC_TAR)" || { echo "make: /usr/src/linux-source-*.tar.xz not found: run scripts/install-deps" >&2; exit 1; }
	@mkdir -p $(KSRC)
	tar -xJf $(KSRC_TAR) -C $(KSRC) --strip-components=1 \
		$(addprefix $(notdir $(basename $(basename $(KSRC_TAR))))/,$(KSRC_FILES))
	@touch $@

selftests: $(KSFT_BINS) $(B)/selftests/tls_pipe \
	$(if $(filter 1,$(SAN)),,$(PKGTEST)/ktix_hello)

# The TLS client of the ktix-proxy tests (OpenSSL; not a kselftest).
$(B)/selftests/tls_pipe: selftests/tls_pipe.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(KTIX_CFLAGS) -o $@ $< $(KTIX_LDFLAGS) $(CRYPTO_LIBS)

$(B)/selftests/%: INC = $(INC_ALL)
$(B)/selftests/%: selftests/%.c $(LIBS_ALL) $(KSRC)/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(KTIX_CFLAGS) -DKTIX_EXPECT_VERSION='"$(VERSION)"' \
		-isystem $(KSRC)/tools/testing/selftests -o $@ $< $(LIBS_ALL) \
		$(KTIX_LDFLAGS) $(NL_LIBS) $(CRYPTO_LIBS) -lpthread

deps:
	@scripts/install-deps

# libFuzzer targets, one per parser of untrusted input (fuzz/*.c), built
# with clang into build-fuzz/; seeds in fuzz/corpus/NAME, what a run finds
# in build-fuzz/corpus/NAME.  Documentation/testing.rst.
FUZZ_CC ?= clang
FUZZ_RUNS ?= 1000000
FUZZ_TARGETS := sni request keyfile urlpath result ticket etcdans flight ticketdec
FZ := build-fuzz
FUZZ_FLAGS = -std=gnu11 -g -O1 -D_GNU_SOURCE -Wall -Wextra \
	$(if $(filter 1,$(WERROR)),-Werror) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Iinclude/uapi -Iinclude -I$(LIBK) -I$(LIBNL) -I$(LIBTLS) -I$(COMMON) -Iselftests \
	$(NL_CFLAGS)
# Each target sees the private headers of the one program it fuzzes.
FUZZ_INC_sni := -Iuserspace/ktixd
FUZZ_INC_request := -Iuserspace/ktixd
FUZZ_INC_ticket := -Iuserspace/ktixd
FUZZ_INC_flight := -Iuserspace/ktixd
FUZZ_INC_keyfile := -Iuserspace/ktixctl
FUZZ_INC_ticketdec := -Iuserspace/ktixctl
FUZZ_INC_urlpath := -Iuserspace/ktix-serve
FUZZ_INC_result := -I$(LIBK)
FUZZ_SRC_sni := userspace/ktixd/sni.c
FUZZ_SRC_request := userspace/ktixd/request.c
FUZZ_SRC_flight := userspace/ktixd/flight.c
FUZZ_LIBS_flight := $(CRYPTO_LIBS) -lpthread
FUZZ_SRC_keyfile := userspace/ktixctl/keyfile.c userspace/ktixctl/base64.c
FUZZ_LIBS_keyfile := $(CRYPTO_LIBS)
FUZZ_SRC_ticketdec := userspace/ktixctl/ticketdec.c userspace/ktixctl/base64.c
FUZZ_LIBS_ticketdec := $(CRYPTO_LIBS)
FUZZ_SRC_urlpath := userspace/ktix-serve/path.c
FUZZ_LIBS_urlpath := -lhttp_parser
FUZZ_SRC_result := $(LIBK)/client.c
FUZZ_INC_etcdans := -Iuserspace/ktix-fleetd $(shell $(PKG_CONFIG) --cflags json-c)
FUZZ_SRC_etcdans := $(addprefix userspace/ktix-fleetd/,answer.c record.c wrap.c)
FUZZ_LIBS_etcdans := $(shell $(PKG_CONFIG) --libs json-c) $(CRYPTO_LIBS)
FUZZ_SRC_ticket := $(filter-out $(KTIXD_LOOP:%=\%/%.c) %/secret.c,$(D_SRCS)) \
	$(LIB_SRCS) $(LIBNL_SRCS) $(LIBTLS_SRCS) $(COMMON_SRCS)
FUZZ_LIBS_ticket := $(NL_LIBS) $(CRYPTO_LIBS) -lpthread

$(FZ)/%: fuzz/%.c $$(FUZZ_SRC_$$*)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_INC_$*) -o $@ $^ $(FUZZ_LIBS_$*)

fuzz-build: $(FUZZ_TARGETS:%=$(FZ)/%)

# The kernel's netlink family: selftests/ktix_nlfuzz in the VM, FUZZ_RUNS
# messages from three processes (root, nobody, a user namespace's root).
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build kmod selftests
	selftests/fuzz.sh --runs $(FUZZ_RUNS) $(FUZZ_TARGETS)
	selftests/vm/run --quiet --timeout 3600 -- \
		build/selftests/ktix_nlfuzz -n $(FUZZ_RUNS) -s 3000

# check and demo first install what is missing, then start make afresh so
# that pkg-config and KDIR are looked up with the packages in place.
check: deps
	@$(MAKE) --no-print-directory check-run

# Every suite on both builds, then every suite again on the other kernel.
check-all: deps
	@$(MAKE) --no-print-directory check-run SUITES=all
	KTIX_VM_KERNEL=other selftests/run_tests all

# The sanitizer build (build-san/) of the userspace code runs in the suites
# too.  SUITES="a b" runs only those (see selftests/run_tests).  Each build
# uses every CPU.
NPROC := $(shell nproc 2>/dev/null || echo 1)
check-run:
	@$(MAKE) --no-print-directory -j$(NPROC) all selftests
	@$(MAKE) --no-print-directory kmod-other
	@$(MAKE) --no-print-directory -j$(NPROC) SAN=1 userspace selftests
	@$(MAKE) --no-print-directory -j$(NPROC) fuzz-build
	selftests/run_tests $(SUITES)

demo: deps
	@$(MAKE) --no-print-directory demo-run

demo-run: all
	selftests/vm/run --quiet -- scripts/demo

checkpatch: $(KSRC)/.stamp
	$(KSRC)/scripts/checkpatch.pl --no-tree --strict --show-types \
		--ignore FILE_PATH_CHANGES \
		-f $(filter-out %.mod.c,$(wildcard kmod/*.c)) kmod/*.h include/uapi/linux/ktix.h \
		include/ktix/tables.h

# The module's sources for DKMS, in $(DESTDIR)/usr/src/ktix-VERSION with
# dkms.conf: 'dkms install ktix/VERSION' then builds and installs it for a
# kernel (selftests/deb.sh checks it installs what ktix-dkms holds, whose
# DKMS builds for both stock kernels it makes).
DKMS_SRC = $(DESTDIR)/usr/src/ktix-$(VERSION)
install-dkms:
	@mkdir -p $(DKMS_SRC)/kmod $(DKMS_SRC)/include/uapi/linux $(DKMS_SRC)/include/ktix
	install -m 0644 Kbuild VERSION $(DKMS_SRC)/
	install -m 0644 kmod/Kbuild $(filter-out %.mod.c,$(wildcard kmod/*.c)) \
		kmod/*.h $(DKMS_SRC)/kmod/
	install -m 0644 include/uapi/linux/ktix.h $(DKMS_SRC)/include/uapi/linux/
	install -m 0644 include/ktix/tables.h $(DKMS_SRC)/include/ktix/
	sed 's|@VERSION@|$(VERSION)|g' dkms.conf.in > $(DKMS_SRC)/dkms.conf

# libktix alone: the header, the static and shared libraries, ktix.pc.
install-lib: $(B)/lib/libktix.a $(LIB_SO)
	install -D -m 0644 $(LIBK)/ktix.h $(DESTDIR)$(PREFIX)/include/ktix.h
	install -D -m 0644 $(B)/lib/libktix.a $(DESTDIR)$(LIBDIR)/libktix.a
	install -D -m 0644 $(LIB_SO) $(DESTDIR)$(LIBDIR)/libktix.so.1.0.0
	ln -sf libktix.so.1.0.0 $(DESTDIR)$(LIBDIR)/libktix.so.1
	ln -sf libktix.so.1 $(DESTDIR)$(LIBDIR)/libktix.so
	@mkdir -p $(DESTDIR)$(LIBDIR)/pkgconfig
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' $(LIBK)/ktix.pc.in \
		> $(DESTDIR)$(LIBDIR)/pkgconfig/ktix.pc

install: all install-user install-lib
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates modules_install

# The programs, their man pages, units and examples, without the module
# (Debian's packages take the module through DKMS).
install-user: $(B)/bin/ktixctl $(B)/bin/ktixd $(B)/bin/ktix-serve $(B)/bin/ktix-fleetd \
		$(B)/bin/ktix-proxy
	install -D -m 0755 $(B)/bin/ktixctl $(DESTDIR)$(PREFIX)/sbin/ktixctl
	install -D -m 0755 $(B)/bin/ktixd $(DESTDIR)$(PREFIX)/sbin/ktixd
	install -D -m 0755 $(B)/bin/ktix-serve $(DESTDIR)$(PREFIX)/bin/ktix-serve
	install -D -m 0755 $(B)/bin/ktix-proxy $(DESTDIR)$(PREFIX)/bin/ktix-proxy
	install -D -m 0755 $(B)/bin/ktix-fleetd $(DESTDIR)$(PREFIX)/sbin/ktix-fleetd
	install -D -m 0644 man/ktix-fleetd.8 $(DESTDIR)$(PREFIX)/share/man/man8/ktix-fleetd.8
	install -D -m 0644 man/ktix-fleetd.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/ktix-fleetd.conf.5
	install -D -m 0644 man/ktixctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/ktixctl.8
	install -D -m 0644 completion/ktixctl \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/ktixctl
	install -D -m 0644 man/ktixd.8 $(DESTDIR)$(PREFIX)/share/man/man8/ktixd.8
	install -D -m 0644 man/ktixd.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/ktixd.conf.5
	install -D -m 0644 man/ktix-serve.1 $(DESTDIR)$(PREFIX)/share/man/man1/ktix-serve.1
	install -D -m 0644 man/ktix-proxy.1 $(DESTDIR)$(PREFIX)/share/man/man1/ktix-proxy.1
	install -D -m 0644 etc/ktixd.conf $(DESTDIR)$(PREFIX)/share/doc/ktix/ktixd.conf.example
	install -D -m 0644 etc/ktix.sysusers $(DESTDIR)$(SYSUSERSDIR)/ktix.conf
	@mkdir -p $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' etc/ktixd.service.in \
		> $(DESTDIR)$(UNITDIR)/ktixd.service
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' etc/ktix-fleetd.service.in \
		> $(DESTDIR)$(UNITDIR)/ktix-fleetd.service
	install -D -m 0644 etc/ktix-fleetd.conf $(DESTDIR)$(PREFIX)/share/doc/ktix/ktix-fleetd.conf.example

clean:
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf build build-san build-fuzz build-deb

-include $(LIB_OBJS:.o=.d) $(LIB_PIC_OBJS:.o=.d) $(LIBNL_OBJS:.o=.d) $(LIBTLS_OBJS:.o=.d) $(COMMON_OBJS:.o=.d) $(CTL_OBJS:.o=.d) $(D_OBJS:.o=.d) $(SERVE_OBJS:.o=.d) $(PROXY_OBJS:.o=.d) $(FLEETD_OBJS:.o=.d) $(KSFT_BINS:=.d) \
	$(wildcard $(B)/obj/bench/*.d)
