#!/bin/sh
# dpsec-cli in a real terminal (tmux): tab completion of a command and
# of its arguments (keywords, values, SPIs), '?' help on a partial line, history recall with the Up arrow, precise errors,
# quit.
# Usage: cli_tmux.sh CLI-BINARY
set -eu
. "$(dirname "$0")/../e2e/lib.sh"
e2e_init cli_tmux

[ $# -eq 1 ] || e2e_fail "usage: $0 CLI-BINARY"
[ -x "$1" ] || e2e_fail "$1 is not an executable"
command -v tmux >/dev/null || e2e_fail "tmux is not installed (devtools/setup.sh)"
CLI=$(realpath "$1")
SOCK=dpsec-cli-$$
SESS=cli
export TMUX_TMPDIR="$TMP"
# Keep the exit status for e2e_cleanup, which reads $?.
trap 'rc=$?; tmux -L "$SOCK" kill-server 2>/dev/null; (exit $rc); e2e_cleanup' EXIT

tmux -L "$SOCK" new-session -d -s "$SESS" -x 200 -y 60 \
	"'$CLI' -l 0,1 --file-prefix '$E2E_PREFIX' --log-level=lib.eal:warning \
	 --vdev net_sim_inline0,wire=ring,peer=net_sim_inline1 \
	 --vdev net_sim_inline1,wire=ring,peer=net_sim_inline0 -- -i; \
	 echo CLI-EXITED-\$?; sleep 60"

screen() {
	tmux -L "$SOCK" capture-pane -p -t "$SESS" -S -200
}

# wait_for REGEX: until the screen matches (10 s).
wait_for() {
	i=0
	while ! screen | grep -Eq -- "$1"; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			screen >"$TMP/screen.txt"
			e2e_show "$TMP/screen.txt"
			e2e_fail "screen never showed /$1/"
		fi
		sleep 0.1
	done
}

keys() {
	tmux -L "$SOCK" send-keys -t "$SESS" "$@"
}

wait_for '^dpsec> ?$'

# Tab completes the verb: "port li" -> "port list".
keys 'port li' Tab
wait_for '^dpsec> port list ?$'
keys Enter
wait_for '^0 +net_sim_inline0 +net_sim_inline'
# ... and the first argument: keywords, and the objects that exist now.
keys 'show sa st' Tab
wait_for '^dpsec> show sa stats ?$'
keys Enter
wait_for '^DIR +SPI +PLACEMENT +PACKETS'
keys 'port info ' '?'
wait_for '^ *1 \[arguments\]: port info <port>'
keys '1' Enter
wait_for '^port 1: driver net_sim_inline'
echo "ok: tab completion"

# '?' on a partial line lists what may follow, with the usage of each.
keys 'sa ' '?'
wait_for 'sa move \[in\|out\] <spi> nic\|sw'
wait_for 'sa add <in\|out> <spi> <param>'
keys BSpace BSpace BSpace
echo "ok: ? help"

# Up recalls the last line, "port info 1"; it runs a second time.
keys Up
wait_for '^dpsec> port info 1 ?$'
keys Enter
i=0
while [ "$(screen | grep -Ec '^port 1: driver net_sim_inline')" -lt 2 ]; do
	i=$((i + 1))
	[ $i -le 100 ] || { screen >"$TMP/screen.txt"; e2e_show "$TMP/screen.txt"; e2e_fail "history: port info 1 did not run again"; }
	sleep 0.1
done
echo "ok: history"

# Tab past the first argument: sa add's keywords and their values, the
# SPIs that exist, what may follow an SA, the policy grammar.
keys 'sa add out 4096 aead_al' Tab
wait_for '^dpsec> sa add out 4096 aead_algo ?$'
keys 'aes-1' Tab
wait_for '^dpsec> sa add out 4096 aead_algo aes-128-gcm ?$'
keys 'aead_key 4c:80:cd:ef:bb:5d:10:da:90:6a:c7:3c:36:13:a6:34:ca:fe:ba:be mo' Tab
wait_for 'aead_key [0-9a-f:]+ mode ?$'
keys 'ipv4-t' Tab
wait_for 'mode ipv4-tunnel ?$'
keys 'src 192.0.2.1 dst 198.51.100.1 type no-o' Tab
wait_for 'dst 198.51.100.1 type no-offload ?$'
keys Enter
wait_for '^sa out 4096: created, sw'
keys 'sa move out 40' Tab
wait_for '^dpsec> sa move out 4096 ?$'
keys '?'
wait_for '^ *nic \[arguments\]: sa move'
wait_for '^ *sw \[arguments\]: sa move'
keys 's' Tab
wait_for '^dpsec> sa move out 4096 sw ?$'
keys Enter
wait_for '^sa out 4096: moved, sw'
keys 'sp add ipv4 out esp pro' Tab
wait_for '^dpsec> sp add ipv4 out esp protect ?$'
keys '?'
wait_for '^ *4096 \[arguments\]: sp add'
wait_for '^ *reqid \[arguments\]: sp add'
keys '40' Tab
wait_for '^dpsec> sp add ipv4 out esp protect 4096 ?$'
keys 'pri' Tab
wait_for 'protect 4096 pri ?$'
keys '10 proto u' Tab
wait_for 'pri 10 proto udp ?$'
keys Enter
wait_for '^sp out 1: added'
echo "ok: completion past the first argument"

# Bad lines are reported with the word that is wrong, as in command files.
keys 'sa add out 0' Enter
wait_for "error: sa add: word 2 '0': expected an SPI"
keys 'sa bogus' Enter
wait_for "error: sa: word 2 'bogus': expected one of add del show update move"
echo "ok: errors"

keys 'quit' Enter
wait_for '^CLI-EXITED-0$'
echo "ok: quit"
