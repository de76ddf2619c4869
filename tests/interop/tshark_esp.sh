#!/bin/sh
# tshark decrypts dpsec's ESP. For each case below dpsec-esp-tool encrypts
# a pcap of UDP packets (inner IPv4 or IPv6, varied ports and sizes);
# tshark, given the SA in its ESP SA table (UAT esp_sa), must
#   - decrypt every frame and check its ICV: esp.icv_good=1, icv_bad=0
#     (HMAC for AES-CBC/NULL, the GCM tag for AES-GCM),
#   - show the same inner packet as in the plaintext pcap: inner addresses,
#     UDP ports, UDP length and payload, a good inner UDP checksum,
#   - see SPI, sequence numbers 1..N and the next header dpsec sent;
# and with a wrong key (negative control) report icv_bad=1 for every frame,
# so that the check above is known to be real.
#
# tshark 4.0 (Debian bookworm) limitations, hence not in the list: its ESP
# SA table has 8 fields only (protocol, source, destination, SPI, encryption
# algorithm, encryption key, authentication algorithm, authentication key):
# no ESN, so SAs with ESN cannot be decrypted/authenticated (the SN-high is
# in the GCM AAD and the HMAC input but not on the wire); and its ESP
# algorithms do not include ChaCha20-Poly1305. Those combinations are
# covered against scapy by esp_interop.py.
#
# Usage: tshark_esp.sh /path/to/dpsec-esp-tool
set -eu
# shellcheck source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
e2e_init interop-tshark

[ $# -ge 1 ] || e2e_fail "usage: $0 DPSEC_ESP_TOOL"
TOOL=$1
[ -x "$TOOL" ] || e2e_fail "$TOOL is not an executable"
command -v tshark >/dev/null || e2e_fail "tshark not found (run devtools/setup.sh)"
[ -x /usr/bin/python3 ] || e2e_fail "/usr/bin/python3 not found"
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null ||
	e2e_fail "python3-scapy missing for /usr/bin/python3 (run devtools/setup.sh)"

N=12
NCASES=0

# gen FILE INNER_FAMILY: N UDP packets, sizes/ports varied.
gen() {
	/usr/bin/python3 - "$1" "$2" "$N" <<'PY'
import sys
from scapy.all import IP, IPv6, UDP, Ether, Raw, wrpcap
path, fam, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pk = []
for i in range(n):
    if fam == 4:
        l3 = IP(src="192.168.%d.%d" % (i, i + 1), dst="192.168.200.%d" % (i + 7),
                ttl=64 - i)
    else:
        l3 = IPv6(src="2001:db8:1::%x" % (i + 1), dst="2001:db8:2::%x" % (i + 9))
    size = [0, 1, 2, 3, 5, 13, 16, 31, 100, 257, 800, 1300][i % 12]
    pay = bytes((i * 37 + k) & 0xff for k in range(size))
    pk.append(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / l3 /
              UDP(sport=10000 + i * 7, dport=20000 + i) / Raw(pay))
wrpcap(path, pk)
PY
}

# inner_fields FILE IPOCC UDPOCC PREFS... : one line per frame, the inner
# packet's fields: occurrence IPOCC of the inner family's addresses and
# UDPOCC of the UDP fields (2 when an outer header of the same kind comes
# first: same-family tunnel, NAT-T). A missing occurrence prints empty.
inner_fields() {
	if_file=$1 if_ip=$2 if_udp=$3
	shift 3
	tshark -r "$if_file" -o udp.check_checksum:TRUE "$@" -T fields \
		-E separator='|' -E occurrence=a -E aggregator=';' \
		-e "$IP.src" -e "$IP.dst" -e udp.srcport -e udp.dstport \
		-e udp.length -e udp.payload -e udp.checksum.status |
	awk -F"|" -v ip="$if_ip" -v udp="$if_udp" '
		function occ(s, k,   a, n) { n = split(s, a, ";"); return k <= n ? a[k] : "" }
		{ printf "%s|%s", occ($1, ip), occ($2, ip)
		  for (i = 3; i <= 7; i++) printf "|%s", occ($i, udp)
		  printf "\n" }'
}

# run NAME MODE INNER OUTER NATT DPSEC_CIPHER DPSEC_AUTH CKEY AKEY
#     TSHARK_ENC TSHARK_AUTH NEXT_HDR
run() {
	name=$1 mode=$2 inner=$3 outer=$4 natt=$5 cipher=$6 auth=$7
	ckey=$8 akey=$9
	shift 9
	tenc=$1 tauth=$2 nh=$3
	NCASES=$((NCASES + 1))
	spi=$((0x2000 + NCASES))
	spihex=$(printf '0x%08x' "$spi")
	d=$TMP/$name
	mkdir -p "$d"
	echo "== $name"

	if [ "$mode" = tunnel ]; then
		if [ "$outer" = 4 ]; then src=172.16.0.1 dst=172.16.0.2; else src=2001:db8:ffff::1 dst=2001:db8:ffff::2; fi
	else
		# transport: the hosts are the packets' own addresses; use one
		# pair for every packet.
		if [ "$inner" = 4 ]; then src=10.0.0.1 dst=10.0.0.2; else src=2001:db8::1 dst=2001:db8::2; fi
	fi
	gen "$d/plain.pcap" "$inner" || e2e_fail "$name: cannot generate packets"
	if [ "$mode" = transport ]; then
		/usr/bin/python3 - "$d/plain.pcap" "$src" "$dst" <<'PY' || e2e_fail "$name: cannot rewrite addresses"
import sys
from scapy.all import IP, IPv6, rdpcap, wrpcap
path, src, dst = sys.argv[1:4]
out = []
for p in rdpcap(path):
    l3 = p[IP] if IP in p else p[IPv6]
    l3.src, l3.dst = src, dst
    if IP in p:
        del p[IP].chksum
    del p["UDP"].chksum
    out.append(p.__class__(bytes(p)))
wrpcap(path, out)
PY
	fi

	set -- --dir out --mode "$mode" --cipher "$cipher" --auth "$auth" \
		--spi "$spi" --src "$src" --dst "$dst" -i "$d/plain.pcap" -o "$d/esp.pcap"
	[ -n "$ckey" ] && set -- "$@" --ckey "$ckey"
	[ -n "$akey" ] && set -- "$@" --akey "$akey"
	[ "$natt" = natt ] && set -- "$@" --natt 41234:4500
	"$TOOL" "$@" >"$d/tool.out" 2>&1 ||
		{ e2e_show "$d/tool.out"; e2e_fail "$name: dpsec-esp-tool failed"; }

	if [ "$outer" = 4 ]; then fam=IPv4; else fam=IPv6; fi
	IP=ip
	[ "$inner" = 6 ] && IP=ipv6
	sa="\"$fam\",\"$src\",\"$dst\",\"$spihex\",\"$tenc\",\"0x$ckey\",\"$tauth\",\"${akey:+0x$akey}\""
	# A wrong key: last byte of the encryption key (or the auth key) flipped.
	if [ -n "$akey" ]; then
		bad="\"$fam\",\"$src\",\"$dst\",\"$spihex\",\"$tenc\",\"0x$ckey\",\"$tauth\",\"0x$(flip "$akey")\""
	else
		bad="\"$fam\",\"$src\",\"$dst\",\"$spihex\",\"$tenc\",\"0x$(flip "$ckey")\",\"$tauth\",\"\""
	fi
	P="-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE"

	ipocc=1 udpocc=1
	[ "$mode" = tunnel ] && [ "$inner" = "$outer" ] && ipocc=2
	[ "$natt" = natt ] && udpocc=2
	inner_fields "$d/plain.pcap" 1 1 >"$d/want.txt" 2>"$d/tshark.err" ||
		{ e2e_show "$d/tshark.err"; e2e_fail "$name: tshark cannot read the plaintext"; }
	# shellcheck disable=SC2086
	inner_fields "$d/esp.pcap" "$ipocc" "$udpocc" $P -o "uat:esp_sa:$sa" >"$d/got.txt" 2>"$d/tshark.err" ||
		{ e2e_show "$d/tshark.err"; e2e_fail "$name: tshark failed on dpsec's ESP"; }
	[ "$(wc -l <"$d/want.txt")" -eq "$N" ] || { e2e_show "$d/want.txt"; e2e_fail "$name: plaintext has not $N frames"; }
	if ! cmp -s "$d/want.txt" "$d/got.txt"; then
		diff "$d/want.txt" "$d/got.txt" >&2 || true
		e2e_fail "$name: tshark's decrypted inner packets differ from the plaintext (< plaintext, > decrypted)"
	fi
	if grep -v '|1$' "$d/want.txt" >/dev/null; then
		e2e_show "$d/want.txt"
		e2e_fail "$name: inner UDP checksums not all good"
	fi

	# ESP fields: SPI, SN, ICV verdicts, next header, outer encapsulation.
	# shellcheck disable=SC2086
	tshark -r "$d/esp.pcap" $P -o "uat:esp_sa:$sa" -T fields -E separator='|' \
		-e frame.protocols -e esp.spi -e esp.sequence -e esp.icv_good \
		-e esp.icv_bad -e esp.protocol >"$d/esp.txt" 2>"$d/tshark.err" ||
		{ e2e_show "$d/tshark.err"; e2e_fail "$name: tshark failed on dpsec's ESP"; }
	if [ "$natt" = natt ]; then encap=":udp:udpencap:esp:"; else encap=":esp:"; fi
	awk -F'|' -v spi="$spihex" -v nh="$nh" -v encap="$encap" -v n="$N" '
		{ seen++ }
		index($1, encap) == 0 { print "frame " NR ": protocols " $1 " lack " encap; bad++ }
		$2 != spi { print "frame " NR ": SPI " $2 " != " spi; bad++ }
		$3 != NR { print "frame " NR ": SN " $3; bad++ }
		$4 != 1 || $5 != 0 { print "frame " NR ": ICV good=" $4 " bad=" $5; bad++ }
		$6 + 0 != nh + 0 && $6 != sprintf("0x%02x", nh) { print "frame " NR ": next header " $6 " != " nh; bad++ }
		END { if (seen != n) { print "frames: " seen " != " n; bad++ } exit bad > 0 }' \
		"$d/esp.txt" >"$d/esp.check" ||
		{ cat "$d/esp.check" >&2; e2e_fail "$name: ESP fields as tshark sees them are wrong"; }

	# Negative control: a wrong key must give icv_bad on every frame.
	# shellcheck disable=SC2086
	tshark -r "$d/esp.pcap" $P -o "uat:esp_sa:$bad" -T fields -E separator='|' \
		-e esp.icv_good -e esp.icv_bad >"$d/neg.txt" 2>"$d/tshark.err" ||
		{ e2e_show "$d/tshark.err"; e2e_fail "$name: tshark failed (wrong-key control)"; }
	# (tshark adds the ICV verdict after dissecting the decrypted data; on
	# garbage that can throw first, leaving a frame without a verdict.)
	ngood=$(grep -c '^1|' "$d/neg.txt" || true)
	nbad=$(grep -c '^0|1$' "$d/neg.txt" || true)
	if [ "$ngood" -ne 0 ] || [ "$nbad" -lt 1 ]; then
		e2e_show "$d/neg.txt"
		e2e_fail "$name: with a wrong key tshark says $ngood ICVs good, $nbad bad"
	fi
	echo "   ok: $N frames decrypted, ICVs good; wrong key: 0 good, $nbad bad"
}

# flip HEX: HEX with its last byte inverted.
flip() {
	h=$1
	pre=${h%??}
	last=${h#"$pre"}
	printf '%s%02x' "$pre" $((0x$last ^ 0xff))
}

K16=000102030405060708090a0b0c0d0e0f
K32=${K16}101112131415161718191a1b1c1d1e1f
SALT=cafebabe
A20=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3
A32=${A20}b4b5b6b7b8b9babbbcbdbebf
GCM="AES-GCM with 16 octet ICV [RFC4106]"
CBC="AES-CBC [RFC3602]"
SHA1="HMAC-SHA-1-96 [RFC2404]"
SHA256="HMAC-SHA-256-128 [RFC4868]"

#   name                 mode      in out natt   cipher      auth       ckey         akey  tshark-enc tshark-auth nh
run gcm128-tun4         tunnel     4 4 nonatt aes-gcm-128 none       "$K16$SALT"  ""    "$GCM" NULL     4
run cbc128-sha1-tun4    tunnel     4 4 nonatt aes-cbc-128 sha1-96    "$K16"       "$A20" "$CBC" "$SHA1" 4
run gcm256-tun6         tunnel     6 6 nonatt aes-gcm-256 none       "$K32$SALT"  ""    "$GCM" NULL     41
run cbc256-sha256-6in4  tunnel     6 4 nonatt aes-cbc-256 sha256-128 "$K32"       "$A32" "$CBC" "$SHA256" 41
run cbc128-sha1-trans4  transport  4 4 nonatt aes-cbc-128 sha1-96    "$K16"       "$A20" "$CBC" "$SHA1" 17
run gcm128-trans6-natt  transport  6 6 natt   aes-gcm-128 none       "$K16$SALT"  ""    "$GCM" NULL     17
run null-sha256-tun4-natt tunnel   4 4 natt   null        sha256-128 ""           "$A32" NULL   "$SHA256" 4
run gcm128-4in6-natt    tunnel     4 6 natt   aes-gcm-128 none       "$K16$SALT"  ""    "$GCM" NULL     4

echo "tshark decrypted and authenticated dpsec's ESP in $NCASES cases"
