#!/bin/sh
# `meson install --destdir` the build, check the installed files are where
# doc/building.md and doc/sim_inline.md say, then build an out-of-tree program
# against the installed libdpsec.pc and run it with the installed plugin.
# Usage: install_link.sh PREFIX LIBDIR INCLUDEDIR PMD_INSTALL_DIR B_SANITIZE CC
# (meson's option values; PMD_INSTALL_DIR may be empty.)
set -eu
. "$(dirname "$0")/lib.sh"
e2e_init install_link

[ $# -eq 6 ] || e2e_fail "usage: $0 PREFIX LIBDIR INCLUDEDIR PMD_INSTALL_DIR B_SANITIZE CC"
PREFIX=$1 LIBDIR=$2 INCLUDEDIR=$3 PMDDIR=$4 SAN=$5 CC=$6
: "${DPSEC_BUILD_ROOT:?DPSEC_BUILD_ROOT is not set}"
SRC=$(dirname "$0")/outoftree/hello.c

under_prefix() { # absolute option values stay, relative ones are under PREFIX
	case $1 in
	/*) echo "$1" ;;
	*) echo "$PREFIX/$1" ;;
	esac
}

DEST=$TMP/root
meson install -C "$DPSEC_BUILD_ROOT" --no-rebuild --destdir "$DEST" \
	>"$TMP/install.log" 2>&1 ||
	{ e2e_show "$TMP/install.log"; e2e_fail "meson install failed"; }

LIB=$DEST$(under_prefix "$LIBDIR")
INC=$DEST$(under_prefix "$INCLUDEDIR")
if [ -n "$PMDDIR" ]; then
	PMD=$DEST$(under_prefix "$PMDDIR")
else
	PMD=$LIB/dpdk/pmds-23.0
fi

for f in "$LIB/libdpsec.so" "$LIB/libdpsec.a" "$LIB/pkgconfig/libdpsec.pc" \
	 "$INC/dpsec/dpsec.h" "$PMD/librte_net_sim_inline.so"; do
	if [ -f "$f" ]; then
		echo "installed: ${f#$DEST}"
	else
		echo "installed files:" >&2
		(cd "$DEST" && find . -type f -o -type l) >&2
		e2e_fail "${f#$DEST} was not installed"
	fi
done

# Our own flags from the installed .pc with the destdir as sysroot; the flags
# of what it requires from the system without (a sysroot would mangle those).
# pkgconf counts the virtual root as depth 1: depth 2 is libdpsec alone.
export PKG_CONFIG_PATH="$LIB/pkgconfig"
CFLAGS=$(PKG_CONFIG_SYSROOT_DIR=$DEST pkg-config --maximum-traverse-depth=2 \
	--cflags --libs libdpsec) || e2e_fail "pkg-config libdpsec failed"
pkg-config --print-requires libdpsec >"$TMP/requires"
[ -s "$TMP/requires" ] || e2e_fail "libdpsec.pc requires nothing (expected libdpdk...)"
while read -r req; do
	pkg-config --exists "$req" || e2e_fail "libdpsec.pc requires '$req': not satisfied"
done <"$TMP/requires"
REQS=$(awk '{ print $1 }' "$TMP/requires")
DEPFLAGS=$(pkg-config --cflags --libs $REQS) ||
	e2e_fail "pkg-config of libdpsec's requirements ($REQS) failed"
echo "pkg-config libdpsec: $CFLAGS (requires: $(echo $REQS))"
case " $CFLAGS " in
*" -I$INC/dpsec "*) ;;
*) e2e_fail "libdpsec.pc: cflags lack -I<includedir>/dpsec: $CFLAGS" ;;
esac
case " $CFLAGS " in
*" -L$LIB "*) ;;
*) e2e_fail "libdpsec.pc: libs lack -L<libdir>: $CFLAGS" ;;
esac
case " $CFLAGS " in
*" -ldpsec "*) ;;
*) e2e_fail "libdpsec.pc: libs lack -ldpsec: $CFLAGS" ;;
esac

SANFLAGS=
[ "$SAN" = none ] || SANFLAGS="-fsanitize=$SAN"
$CC -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $SANFLAGS \
	-o "$TMP/hello" "$SRC" $CFLAGS $DEPFLAGS >"$TMP/cc.log" 2>&1 ||
	{ e2e_show "$TMP/cc.log"; e2e_fail "the out-of-tree program does not build"; }

e2e_safe_plugin "$PMD/librte_net_sim_inline.so"
LD_LIBRARY_PATH="$LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	timeout 60 "$TMP/hello" $(e2e_eal) -l 0 -d "$PLUGIN" \
	--vdev net_sim_inline0 --vdev net_sim_inline1 >"$TMP/hello.out" 2>&1 || rc=$?
cat "$TMP/hello.out"
[ "${rc:-0}" = 0 ] || e2e_fail "the out-of-tree program failed (status $rc)"
grep -q "^dpsec [0-9]" "$TMP/hello.out" || e2e_fail "no 'dpsec <version>' line"
grep -q "^hello: OK" "$TMP/hello.out" || e2e_fail "no 'hello: OK' line"
# It must have used the installed libdpsec, not the build tree's.
LD_LIBRARY_PATH="$LIB" ldd "$TMP/hello" | grep -q "$LIB/libdpsec.so" ||
	e2e_fail "hello is not linked against the installed libdpsec.so"
