#!/bin/sh
# Install everything dpsec's build, tests and demo need on Debian bookworm,
# and fetch the DPDK driver SDK headers that libdpdk-dev does not ship.
# Idempotent; run as root (or with sudo available).
set -eu

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

PKGS="build-essential pkg-config meson ninja-build git ca-certificates
      dpdk dpdk-dev libdpdk-dev libipsec-mb-dev libssl-dev openssl libbsd-dev
      libcmocka-dev libpcap-dev libnuma-dev libelf-dev libjansson-dev
      python3 python3-scapy python3-cryptography python3-pyelftools tshark
      tcpdump iproute2 gnutls-bin doxygen tmux clang libclang-rt-14-dev
      dpkg-dev xz-utils valgrind ethtool python3-matplotlib
      strongswan-charon strongswan-swanctl libcharon-extra-plugins
      libstrongswan-standard-plugins"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done

# A deb-src entry so `apt-get source dpdk` works (the SDK headers).
SRCLIST=/etc/apt/sources.list.d/dpsec-deb-src.sources
need_update=
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
   ! grep -qs '^deb-src' /etc/apt/sources.list; then
	$SUDO tee "$SRCLIST" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	need_update=1
fi

if [ -n "$missing" ] || [ -n "$need_update" ]; then
	$SUDO apt-get update -q
fi
if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	# tshark asks whether non-root users may capture; answer no.
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		$SUDO debconf-set-selections
	$SUDO apt-get install -y -q --no-install-recommends $missing
	# strongswan-charon brings strongswan-starter, whose service runs a
	# charon for the whole machine where systemd is up. The tests start
	# their own, in network namespaces with a private /run
	# (tests/e2e/gw_strongswan.py); stop and disable the one we installed.
	case " $missing " in
	*" strongswan-charon "*)
		if [ -d /run/systemd/system ]; then
			$SUDO systemctl disable --now strongswan-starter.service \
				>/dev/null 2>&1 || true
		fi ;;
	esac
fi

# DPDK driver SDK headers from the source of exactly the installed version.
DPDK_VER=$(dpkg-query -W -f='${Version}' libdpdk-dev)
SDK_DIR=${DPSEC_DPDK_SDK:-/usr/local/share/dpsec/dpdk-sdk}
STAMP="$SDK_DIR/.version"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$DPDK_VER" ]; then
	tmp=$(mktemp -d)
	chmod 755 "$tmp"	# apt-get source drops privileges to _apt
	(cd "$tmp" && apt-get source -q --download-only "dpdk=$DPDK_VER" >/dev/null &&
	 dpkg-source --no-check -x dpdk_*.dsc src >/dev/null)
	$SUDO rm -rf "$SDK_DIR"
	$SUDO mkdir -p "$SDK_DIR/include"
	# Every header a DPDK build marks driver_sdk_headers, plus the
	# bus/vdev driver header; flat, as `enable_driver_sdk` installs them.
	(cd "$tmp/src" &&
	 for f in lib/eal/include/dev_driver.h lib/eal/include/bus_driver.h \
		  lib/ethdev/ethdev_driver.h lib/ethdev/ethdev_vdev.h \
		  lib/ethdev/ethdev_pci.h lib/ethdev/rte_flow_driver.h \
		  lib/ethdev/rte_mtr_driver.h lib/ethdev/rte_tm_driver.h \
		  lib/security/rte_security_driver.h \
		  lib/cryptodev/cryptodev_pmd.h \
		  drivers/bus/vdev/bus_vdev_driver.h; do
		[ -f "$f" ] && $SUDO cp "$f" "$SDK_DIR/include/"
	 done)
	# Keep the full source for reading (DPDK's own tests, drivers).
	$SUDO rm -rf "$SDK_DIR/src"
	$SUDO mv "$tmp/src" "$SDK_DIR/src"
	rm -rf "$tmp"
	echo "$DPDK_VER" | $SUDO tee "$STAMP" >/dev/null
	echo "setup: DPDK $DPDK_VER driver SDK headers in $SDK_DIR/include"
fi
