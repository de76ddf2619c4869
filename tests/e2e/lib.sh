# Shared helpers of the e2e tests (sourced by sh scripts; POSIX sh).
#
#   e2e_init NAME        unique names, a temp dir ($TMP) removed on exit
#   e2e_fail MSG...      print a failure and exit 1
#   e2e_safe_plugin SO   set PLUGIN to a path EAL's -d accepts for plugin SO
#   e2e_eal              print EAL args for a private, hugepage-less process
#   e2e_show FILE        print FILE framed, for failure messages

e2e_cleanup() {
	rc=$?
	[ -n "${E2E_TMP:-}" ] && rm -rf "$E2E_TMP"
	[ -n "${E2E_PLUGDIR:-}" ] && rm -rf "$E2E_PLUGDIR"
	# EAL's runtime directory of our --file-prefix (EAL leaves it behind).
	for d in /var/run/dpdk "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk" /tmp/dpdk; do
		[ -d "$d/$E2E_PREFIX" ] && rm -rf "${d:?}/$E2E_PREFIX"
	done
	if [ "$rc" = 0 ]; then
		echo "PASS: $E2E_NAME"
	else
		echo "FAIL: $E2E_NAME (exit $rc)"
	fi
	exit "$rc"
}

e2e_init() {
	E2E_NAME=$1
	E2E_PREFIX="dpsec-e2e-$1-$$"
	E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dpsec-e2e-$1.XXXXXX")
	E2E_PLUGDIR=
	TMP=$E2E_TMP
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

e2e_fail() {
	echo "FAIL: $E2E_NAME: $*" >&2
	exit 1
}

e2e_show() {
	echo "----- $1 -----" >&2
	cat "$1" >&2 || true
	echo "----- end of $1 -----" >&2
}

# Every directory from / down to the file, and the file itself, must not be
# world-writable, or EAL's -d refuses to load it (verify_perms() in
# eal_common_options.c, on the realpath).
e2e_path_is_safe() {
	p=$(realpath "$1") || return 1
	while :; do
		m=$(stat -L -c %a "$p") || return 1
		# the "others" digit: 2, 3, 6 or 7 means o+w
		case $m in
		*[2367]) return 1 ;;
		esac
		[ "$p" = / ] && return 0
		p=$(dirname "$p")
	done
}

# Set PLUGIN to a path of plugin $1 that EAL's -d accepts: the plugin itself
# when its directory chain is safe, else a copy in a fresh 0700 directory
# under $HOME/.cache/dpsec (removed on exit). Not in a subshell: the cleanup
# must know the directory.
e2e_safe_plugin() {
	[ -f "$1" ] || e2e_fail "plugin $1 does not exist"
	if e2e_path_is_safe "$1"; then
		PLUGIN=$(realpath "$1")
		return 0
	fi
	[ -n "${HOME:-}" ] || e2e_fail "plugin $1 is in a world-writable path and HOME is unset"
	(umask 077 && mkdir -p "$HOME/.cache/dpsec") ||
		e2e_fail "cannot create $HOME/.cache/dpsec"
	E2E_PLUGDIR=$(mktemp -d "$HOME/.cache/dpsec/plugin.XXXXXX") ||
		e2e_fail "cannot create a directory under $HOME/.cache/dpsec"
	chmod 0700 "$E2E_PLUGDIR"
	cp "$1" "$E2E_PLUGDIR/"
	PLUGIN=$E2E_PLUGDIR/$(basename "$1")
	chmod 0644 "$PLUGIN"
	e2e_path_is_safe "$PLUGIN" ||
		e2e_fail "no safe place for the plugin: $E2E_PLUGDIR or a parent is world-writable"
	echo "plugin copied to $PLUGIN (its own path is world-writable somewhere)"
}

e2e_eal() {
	echo "--no-huge --no-pci -m 512 --file-prefix $E2E_PREFIX"
}

# Sanitized builds: the plugin is instrumented, Debian's dpdk-testpmd is not,
# so the sanitizer runtimes must be preloaded into testpmd. $1 is meson's
# b_sanitize value, $2 the C compiler. Prints a value for LD_PRELOAD.
e2e_san_preload() {
	pre=
	case $1 in
	*address*) pre="$pre $($2 -print-file-name=libasan.so)" ;;
	esac
	case $1 in
	*undefined*) pre="$pre $($2 -print-file-name=libubsan.so)" ;;
	esac
	echo $pre
}

# First integer after "$2:" in the stats block of port $3 of testpmd output
# $1 (the last "NIC statistics for port N" block wins).
e2e_port_stat() {
	awk -v key="$2:" -v port="$3" '
		/NIC statistics for port/ { cur = $0; sub(/.*port /, "", cur); sub(/[^0-9].*/, "", cur); inblk = 1; next }
		/NIC extended statistics/ { inblk = 0 }
		/#####/ && !/NIC/ { inblk = 0 }
		inblk && cur == port {
			for (i = 1; i < NF; i++) if ($i == key) v = $(i + 1)
		}
		END { if (v == "") exit 1; print v }' "$1"
}

# xstat $2 of port $3 in testpmd output $1 ("show port xstats").
e2e_port_xstat() {
	awk -v key="$2:" -v port="$3" '
		/NIC extended statistics for port/ { cur = $0; sub(/.*port /, "", cur); sub(/[^0-9].*/, "", cur); inblk = 1; next }
		/NIC statistics for port/ { inblk = 0 }
		inblk && cur == port && $1 == key { v = $2 }
		END { if (v == "") exit 1; print v }' "$1"
}

# Two lcores (main + one forwarding lcore) on the CPUs this process may use;
# both on the same CPU when only one is available.
e2e_lcores() {
	set -- $(/usr/bin/python3 -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])')
	if [ $# -ge 2 ]; then
		echo "--lcores 0@$1,1@$2"
	else
		echo "--lcores 0@$1,1@$1"
	fi
}
