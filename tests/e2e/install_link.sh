#!/bin/sh
# `meson install --destdir` the build, check the installed files are where
# doc/building.md and doc/sim_inline.md say, then build two out-of-tree
# programs against the installed libdpsec.pc with the commands doc/building.md
# gives, verbatim, and run them with nothing else set: hello.c (dpsec, the
# plugin loaded with -d) and sim_api.c (sim_inline's private API, the plugin
# linked).
# Usage: install_link.sh PREFIX LIBDIR INCLUDEDIR PMD_INSTALL_DIR B_SANITIZE CC
# (meson's option values; PMD_INSTALL_DIR may be empty.)
set -eu
. "$(dirname "$0")/lib.sh"
e2e_init install_link

[ $# -eq 6 ] || e2e_fail "usage: $0 PREFIX LIBDIR INCLUDEDIR PMD_INSTALL_DIR B_SANITIZE CC"
PREFIX=$1 LIBDIR=$2 INCLUDEDIR=$3 PMDDIR=$4 SAN=$5 CC=$6
: "${DPSEC_BUILD_ROOT:?DPSEC_BUILD_ROOT is not set}"
: "${DPSEC_SOURCE_ROOT:?DPSEC_SOURCE_ROOT is not set}"
SRC=$(dirname "$0")/outoftree

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
	 "$INC/dpsec/dpsec.h" "$INC/dpsec/rte_pmd_sim_inline.h" \
	 "$PMD/librte_net_sim_inline.so"; do
	if [ -f "$f" ]; then
		echo "installed: ${f#$DEST}"
	else
		echo "installed files:" >&2
		(cd "$DEST" && find . -type f -o -type l) >&2
		e2e_fail "${f#$DEST} was not installed"
	fi
done

# The staged tree as an install under the custom prefix $DEST$PREFIX: meson
# writes every path of libdpsec.pc relative to its prefix= line (checked
# here), so with that line set to where the tree is, the .pc is what
# `meson setup --prefix=$DEST$PREFIX` would have installed.
PC=$LIB/pkgconfig/libdpsec.pc
grep -qx "prefix=$PREFIX" "$PC" || { e2e_show "$PC"; e2e_fail "libdpsec.pc: no line prefix=$PREFIX"; }
if grep -E '^(libdir|includedir|pmddir)=' "$PC" | grep -qv '=\${prefix}/'; then
	e2e_show "$PC"
	e2e_fail "libdpsec.pc: a path not under \${prefix} (absolute install dirs are not tested)"
fi
sed "s|^prefix=.*|prefix=$DEST$PREFIX|" "$PC" >"$PC.new" && mv "$PC.new" "$PC"

# As doc/building.md says for a prefix pkg-config does not search.
export PKG_CONFIG_PATH="$LIB/pkgconfig"
pkg-config --print-requires libdpsec >"$TMP/requires" ||
	e2e_fail "pkg-config libdpsec failed"
[ -s "$TMP/requires" ] || e2e_fail "libdpsec.pc requires nothing (expected libdpdk...)"
while read -r req; do
	pkg-config --exists "$req" || e2e_fail "libdpsec.pc requires '$req': not satisfied"
done <"$TMP/requires"
for v in libdir:"$LIB" includedir:"$INC" pmddir:"$PMD"; do
	got=$(pkg-config --variable="${v%%:*}" libdpsec)
	[ -n "$got" ] && [ "$(realpath "$got")" = "$(realpath "${v#*:}")" ] ||
		e2e_fail "libdpsec.pc: ${v%%:*} is '$got', the files are in ${v#*:}"
done

# A sanitized libdpsec needs the sanitizer runtimes in the program too:
# there `cc` is meson's compiler with the same -fsanitize (a plain build
# runs the system's cc as it is).
CCPATH=$PATH
if [ "$SAN" != none ]; then
	mkdir "$TMP/bin"
	printf '#!/bin/sh\nexec %s -fsanitize=%s "$@"\n' \
		"$(command -v "$CC")" "$SAN" >"$TMP/bin/cc"
	chmod +x "$TMP/bin/cc"
	CCPATH=$TMP/bin:$PATH
fi

# doc_build TAG SOURCE DIR: run the one command of the doc/building.md block
# after the marker "install_link.sh runs the next block verbatim: TAG" in
# DIR, on SOURCE copied to DIR/app.c; it must make DIR/app.
doc_build() {
	cmd=$(awk -v tag="$1" '
		index($0, "<!-- tests/e2e/install_link.sh runs the next block verbatim: " tag " -->") == 1 { m = 1; next }
		m == 1 && /^```/ { m = 2; next }
		m == 2 && /^```/ { exit }
		m == 2 { print }' "$DPSEC_SOURCE_ROOT/doc/building.md")
	[ -n "$cmd" ] || e2e_fail "doc/building.md: no block marked '$1'"
	echo "doc/building.md ($1):"
	echo "$cmd"
	mkdir "$3"
	cp "$2" "$3/app.c"
	(cd "$3" && PATH=$CCPATH sh -eu -c "$cmd") >"$3/cc.log" 2>&1 ||
		{ e2e_show "$3/cc.log"; e2e_fail "the documented command ($1) does not build $(basename "$2")"; }
	[ -x "$3/app" ] || e2e_fail "the documented command ($1) made no ./app"
}

# run_app NAME APP ARGS...: run APP as the doc says, no LD_LIBRARY_PATH;
# it must print "NAME: OK".
run_app() {
	name=$1
	shift
	rc=0
	env -u LD_LIBRARY_PATH ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
		timeout 60 "$@" >"$TMP/$name.out" 2>&1 || rc=$?
	cat "$TMP/$name.out"
	[ "$rc" = 0 ] || e2e_fail "$name failed (status $rc)"
	grep -q "^$name: OK" "$TMP/$name.out" || e2e_fail "no '$name: OK' line"
}

# uses_installed APP LIB.SO: APP loads the installed LIB.SO (not the build
# tree's), through what the documented command recorded.
uses_installed() {
	env -u LD_LIBRARY_PATH ldd "$1" >"$TMP/ldd.out" 2>&1 || true
	so=$(awk -v lib="$(basename "$2")" '
		$1 ~ lib && $2 == "=>" { print $3; exit }
		$1 ~ lib && $1 ~ /^\// { print $1; exit }' "$TMP/ldd.out")
	[ -n "$so" ] && [ "$(realpath "$so")" = "$(realpath "$2")" ] ||
		{ e2e_show "$TMP/ldd.out"; e2e_fail "$1 does not load the installed $2"; }
}

doc_build dpsec "$SRC/hello.c" "$TMP/hello"
uses_installed "$TMP/hello/app" "$LIB/libdpsec.so.0"
e2e_safe_plugin "$PMD/librte_net_sim_inline.so"
run_app hello "$TMP/hello/app" $(e2e_eal) -l 0 -d "$PLUGIN" \
	--vdev net_sim_inline0 --vdev net_sim_inline1
grep -q "^dpsec [0-9]" "$TMP/hello.out" || e2e_fail "no 'dpsec <version>' line"
grep -q "^dynfield dpsec_esp_sn registered" "$TMP/hello.out" ||
	e2e_fail "no 'dynfield ... registered' line"

doc_build "sim_inline API" "$SRC/sim_api.c" "$TMP/sim_api"
uses_installed "$TMP/sim_api/app" "$PMD/librte_net_sim_inline.so"
run_app sim_api "$TMP/sim_api/app" $(e2e_eal) -l 0 \
	--vdev net_sim_inline0 --vdev net_null0
