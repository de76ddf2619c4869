#!/bin/sh
# Newcomer's one command: install what dpsec needs (devtools/setup.sh), build
# it in build/, and run the IPsec gateway demo for a few seconds: two
# dpsec-ipsec-gw processes from config files, a WAN of simulated
# inline-offload NICs, hosts that check every packet (examples/ipsec-gw/
# demo.sh, doc/ipsec_gw.md "The demo"). Exits with the demo's status.
#   sh devtools/demo.sh [SECONDS]
set -eu
cd "$(dirname "$0")/.."

SECONDS_=${1:-5}
if [ "$(id -u)" = 0 ]; then
	sh devtools/setup.sh
else
	sudo sh devtools/setup.sh
fi

# An existing build/ reconfigures itself when meson files change (ninja
# does it); set it up only when it has never been configured.
if [ ! -f build/build.ninja ]; then
	meson setup build
fi
ninja -C build

exec sh examples/ipsec-gw/demo.sh build "$SECONDS_"
