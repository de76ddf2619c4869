#!/usr/bin/python3
"""dpsec-ipsec-gw against an independent IPsec peer on a real link
(doc/ipsec_gw.md): the gateway's unprotected port is net_af_packet on one
end of a veth pair, scapy's ESP (Debian's python3-scapy) is the peer on
the other end, each end in a network namespace the test creates and
removes. Traffic both ways, counted:

- out: clear packets enter the gateway's protected port (a sim_inline
  pcap wire); the peer captures the ESP the gateway sends on the veth and
  scapy decrypts every frame back to the packet that went in;
- in: the peer sends ESP that scapy encrypted; the gateway decrypts it and
  sends the inner packets out of its protected port, every one intact.

Two SA pairs: AES-128-GCM, and AES-128-CBC + HMAC-SHA-256-128 over NAT-T
(UDP 4500). Addresses: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 only;
the veth carries nothing else (IPv6 off on it). Needs root (ip netns).

  gw_veth_scapy.py <dpsec-ipsec-gw>
  gw_veth_scapy.py --peer <iface> <out.pcap> <in.pcap>   (inside the netns)
"""
import os
import subprocess
import sys
import tempfile
import time

K1 = bytes(range(0x30, 0x44))                    # GCM key + salt, out
K2 = bytes(range(0x50, 0x64))                    # GCM key + salt, in
C3, A3 = bytes(range(0x70, 0x80)), bytes(range(0x80, 0xa0))   # CBC, out
C4, A4 = bytes(range(0xa0, 0xb0)), bytes(range(0xb0, 0xd0))   # CBC, in
GW4, PEER4 = "192.0.2.1", "198.51.100.1"
N = 40


def hexs(b):
    return ":".join("%02x" % x for x in b)


CFG = f"""# gw_veth_scapy.py: port 0 = af_packet on the veth, port 1 = pcap wire
sa out 12289 aead_algo aes-128-gcm aead_key {hexs(K1)} \\
mode ipv4-tunnel src {GW4} dst {PEER4}
sa in 16385 aead_algo aes-128-gcm aead_key {hexs(K2)} \\
mode ipv4-tunnel src {PEER4} dst {GW4} replay_window 64
sa out 12290 cipher_algo aes-128-cbc cipher_key {hexs(C3)} \\
auth_algo sha256-hmac auth_key {hexs(A3)} \\
mode ipv4-tunnel src {GW4} dst {PEER4} udp-encap
sa in 16386 cipher_algo aes-128-cbc cipher_key {hexs(C4)} \\
auth_algo sha256-hmac auth_key {hexs(A4)} \\
mode ipv4-tunnel src {PEER4} dst {GW4} udp-encap replay_window 64
sp ipv4 out esp protect 12289 pri 1 src 203.0.113.0/26 dst 203.0.113.128/26
sp ipv4 out esp protect 12290 pri 1 src 203.0.113.64/26 dst 203.0.113.192/26
sp ipv4 in esp protect 16385 pri 1 src 203.0.113.128/26 dst 203.0.113.0/26
sp ipv4 in esp protect 16386 pri 1 src 203.0.113.192/26 dst 203.0.113.64/26
rt ipv4 dst {PEER4}/32 port 0
rt ipv4 dst 203.0.113.0/25 port 1
"""


def sas():
    from scapy.all import IP, UDP
    from scapy.layers.ipsec import ESP, SecurityAssociation

    t_out = IP(src=GW4, dst=PEER4)
    t_in = IP(src=PEER4, dst=GW4)
    return {
        12289: SecurityAssociation(ESP, spi=12289, crypt_algo="AES-GCM",
                                   crypt_key=K1, auth_algo="NULL",
                                   tunnel_header=t_out),
        16385: SecurityAssociation(ESP, spi=16385, crypt_algo="AES-GCM",
                                   crypt_key=K2, auth_algo="NULL",
                                   tunnel_header=t_in),
        12290: SecurityAssociation(ESP, spi=12290, crypt_algo="AES-CBC",
                                   crypt_key=C3, auth_algo="SHA2-256-128",
                                   auth_key=A3, tunnel_header=t_out,
                                   nat_t_header=UDP(sport=4500, dport=4500)),
        16386: SecurityAssociation(ESP, spi=16386, crypt_algo="AES-CBC",
                                   crypt_key=C4, auth_algo="SHA2-256-128",
                                   auth_key=A4, tunnel_header=t_in,
                                   nat_t_header=UDP(sport=4500, dport=4500)),
    }


def inner(src, dst, i):
    from scapy.all import IP, UDP, Raw

    p = IP(src=src, dst=dst, id=i) / UDP(sport=3000 + i, dport=4000) / \
        Raw(b"veth-%04d|" % i + bytes(range(256))[: 10 + (i * 37) % 240])
    return IP(bytes(p))


def peer(iface, out_pcap, in_pcap):
    """In the peer's netns: capture what the gateway sends, send ours."""
    from scapy.all import (UDP, AsyncSniffer, Ether, IP, sendp, wrpcap)

    sniffer = AsyncSniffer(iface=iface, store=True)
    sniffer.start()
    time.sleep(0.5)
    print("ready", flush=True)
    sys.stdin.readline()                 # the gateway forwards now
    sa = sas()
    frames = []
    for i in range(N):
        spi = 16385 if i % 2 == 0 else 16386
        src = "203.0.113.130" if spi == 16385 else "203.0.113.194"
        dst = "203.0.113.2" if spi == 16385 else "203.0.113.66"
        e = sa[spi].encrypt(inner(src, dst, i), seq_num=i + 1)
        if UDP in e:
            e[UDP].len = None
            e[UDP].chksum = 0
            e = IP(bytes(e))
        frames.append(Ether(src="02:00:00:00:be:ef", dst="ff:ff:ff:ff:ff:ff")
                      / e)
    wrpcap(in_pcap, frames)
    sendp(frames, iface=iface, verbose=False, inter=0.002)
    time.sleep(1.5)
    got = sniffer.stop()
    wrpcap(out_pcap, [f for f in got
                      if f.haslayer(IP) and f[IP].src == GW4])
    print("peer: sent %d, captured %d" % (len(frames), len(got)), flush=True)


def main():
    from scapy.all import IP, Ether, Raw, UDP, rdpcap, wrpcap  # noqa
    from scapy.layers.ipsec import ESP

    gw = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="dpsec-gw-veth-")
    tag = "%d" % (os.getpid() % 100000)
    ns_gw, ns_peer = "dpsec-gw" + tag, "dpsec-pe" + tag
    if_gw, if_peer = "dpg" + tag, "dpp" + tag
    fails = []

    def sh(*argv):
        r = subprocess.run(argv, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("%s: %s" % (" ".join(argv), r.stderr))

    try:
        sh("ip", "netns", "add", ns_gw)
        sh("ip", "netns", "add", ns_peer)
        sh("ip", "link", "add", if_gw, "netns", ns_gw, "type", "veth",
           "peer", "name", if_peer, "netns", ns_peer)
        for ns, ifc in ((ns_gw, if_gw), (ns_peer, if_peer)):
            sh("ip", "netns", "exec", ns, "sysctl", "-qw",
               "net.ipv6.conf.all.disable_ipv6=1")
            sh("ip", "netns", "exec", ns, "sysctl", "-qw",
               "net.ipv6.conf.default.disable_ipv6=1")
            sh("ip", "-n", ns, "link", "set", ifc, "up")
        clear = [inner("203.0.113.%d" % (1 if i % 2 == 0 else 65),
                       "203.0.113.%d" % (129 if i % 2 == 0 else 193), i)
                 for i in range(N)]
        clear_in = os.path.join(tmp, "clear_in.pcap")
        wrpcap(clear_in, [Ether(src="02:00:00:00:00:01",
                                dst="02:00:00:00:00:02") / p for p in clear])
        cfg = os.path.join(tmp, "gw.cfg")
        with open(cfg, "w") as f:
            f.write(CFG)
        out_cap = os.path.join(tmp, "peer_captured.pcap")
        in_sent = os.path.join(tmp, "peer_sent.pcap")
        clear_out = os.path.join(tmp, "clear_out.pcap")
        p = subprocess.Popen(["ip", "netns", "exec", ns_peer, sys.executable,
                              os.path.abspath(__file__), "--peer", if_peer,
                              out_cap, in_sent],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
        if p.stdout.readline().strip() != "ready":
            raise RuntimeError("the peer did not start")
        g = subprocess.Popen(["ip", "netns", "exec", ns_gw, gw,
                              "--no-huge", "--no-pci", "-m", "512",
                              "--no-shconf", "-l", "0,1",
                              "--log-level=lib.eal:warning",
                              "--vdev=net_af_packet0,iface=" + if_gw,
                              "--vdev=net_sim_inline1,wire=pcap,rx_pcap=%s,"
                              "tx_pcap=%s" % (clear_in, clear_out),
                              "--", "-p", "0x3", "-u", "0x1", "-f", cfg,
                              "--stats", "0", "--seconds", "6"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
        time.sleep(2.5)                 # EAL up, the clear packets sent
        p.stdin.write("go\n")
        p.stdin.flush()
        peer_out, _ = p.communicate(timeout=60)
        gw_out, _ = g.communicate(timeout=60)
        print(gw_out)
        print(peer_out)
        if g.returncode != 0 or "mbufs: all" not in gw_out:
            fails.append("gateway exit %d" % g.returncode)
        # out: every ESP frame the peer captured decrypts to a clear one
        sa = sas()
        want = {bytes(c) for c in clear}
        seen = set()
        for f in rdpcap(out_cap) if os.path.exists(out_cap) else []:
            ip = f[IP]
            if not ip.haslayer(ESP):
                fails.append("out: a frame that is not ESP: %s" % ip.summary())
                continue
            spi = ip[ESP].spi
            if spi not in (12289, 12290):
                fails.append("out: SPI %d" % spi)
                continue
            dec = bytes(sa[spi].decrypt(ip))
            if dec not in want:
                fails.append("out: SPI %d decrypts to a packet never sent" % spi)
            elif dec in seen:
                fails.append("out: a packet twice")
            seen.add(dec)
        if len(seen) != N:
            fails.append("out: %d of %d packets decrypted by scapy" %
                         (len(seen), N))
        # in: every packet the peer protected comes out intact
        want_in = {bytes(inner("203.0.113.130" if i % 2 == 0 else
                               "203.0.113.194",
                               "203.0.113.2" if i % 2 == 0 else
                               "203.0.113.66", i)) for i in range(N)}
        got_in = [bytes(f[IP]) for f in rdpcap(clear_out)] \
            if os.path.exists(clear_out) else []
        if sorted(got_in) != sorted(want_in):
            fails.append("in: %d packets out of the gateway, want the %d "
                         "scapy protected, intact" % (len(got_in), N))
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        fails.append(str(e))
    finally:
        for ns in (ns_gw, ns_peer):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    for f in fails:
        print("FAIL: " + f)
    if not fails:
        print("ok: %d packets each way between dpsec-ipsec-gw and scapy "
              "over a veth pair" % N)
    return 1 if fails else 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--peer":
        peer(sys.argv[2], sys.argv[3], sys.argv[4])
        sys.exit(0)
    sys.exit(main())
