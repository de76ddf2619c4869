#!/usr/bin/python3
"""tls_replay.py: dpsec's TLS record path on real OpenSSL and GnuTLS traffic.

  tls_replay.py DPSEC_TLS_REPLAY [--case NAME]... [--modes sw,nic]

1. tls_capture.py records real connections (TLS 1.2 and 1.3, AES-128-GCM,
   AES-256-GCM, ChaCha20-Poly1305; OpenSSL and GnuTLS at either end, IPv4
   and IPv6, TLS 1.3 padded records, 3.2 MB each way in the -bulk cases)
   with their NSS key logs and the bytes each side sent.
2. For each capture and each mode, dpsec-tls-replay decrypts both
   directions with dpsec read contexts (--offload sw: software; nic: on the
   TLS engine of net_sim_inline, which offloads AES-GCM and leaves
   ChaCha20 to software) and sends the plaintext again with dpsec write
   contexts (--tx, same mode) into tx.pcap with fresh keys (tx.keys).
3. Checks: what dpsec decrypted equals what each peer sent, byte for byte
   (through two TLS 1.3 KeyUpdates each way in the -keyupdate captures:
   the tool steps the traffic secret and calls dpsec_tls_rekey());
   in nic mode, AES-GCM records were decrypted by the NIC and ChaCha20 ran
   in software with the reason said; tls_decrypt.py (python3-cryptography,
   no dpsec code) opens every record of tx.pcap and gets the same bytes.
4. The lossy matrix (issue 11): four captures edited with scapy as a
   lossy network would deliver them, replayed with the NIC receiving
   (--offload nic, --rx-resync hint and device). Captures: the two bulk
   ones (TLS 1.3 AES-128-GCM, TLS 1.2 AES-256-GCM) and the two
   KeyUpdate ones (AES-128-GCM; ChaCha20-Poly1305, which the NIC leaves
   to software: one replay). Edits, each in both directions: (a)
   loss-retx: a segment lost, sent again two segments later; (b)
   duplicate: a segment sent again after the next; (c) swap: a segment's
   two halves in reverse order (within its record); (d) beyond-record:
   a segment's second half after the next segment's first (past the next
   record's header); (e) partial-retx: a segment's first half lost, the
   whole segment sent again after the next. Where: bulk, at 25% and 60%
   of each direction's data segments (one replay per edit); KeyUpdate, on
   the segment before, holding or after each KeyUpdate record (found by
   opening the records with tls_decrypt.py's pieces), the 15 edited
   copies as 15 connections of one capture. Checks per edited
   connection: exit 0, every byte equal to what the peer sent, no record
   error, two key updates each way in the KeyUpdate captures; AES-GCM:
   records decrypted by the NIC, and some not (software or MIXED) with
   at least one resync, except a duplicate in a bulk capture, which must
   leave every record to the NIC with no resync; device-driven resync on
   a bulk capture: at least 80% of the records the NIC's. The bulk
   captures once more, device-driven, on a NIC that holds at most 4
   packets of a record (--sim-args tls_hold_pkts=4): every byte, and
   MIXED records in each direction (the NIC's pieces of a 16 KB record
   turned back into ciphertext, the whole record opened in software).
   The ok lines
   give each direction's NIC / software / MIXED records and resyncs; a
   failure gives the dpsec-tls-replay command that repeats it
   (DPSEC_KEEP_TMP=1 keeps the edited capture).
Exit 0 only if every case passed. Temporary files live in a mkdtemp
directory that is removed (kept with DPSEC_KEEP_TMP=1).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"

DEFAULT_CASES = [
    "openssl-tls13-aes-128-gcm",
    "openssl-tls13-aes-256-gcm",
    "openssl-tls13-chacha20-poly1305",
    "openssl-tls12-aes-128-gcm",
    "openssl-tls12-aes-256-gcm",
    "openssl-tls12-chacha20-poly1305",
    "gnutls-tls13-aes-128-gcm",
    "gnutls-tls12-aes-256-gcm",
    "gnutls-tls12-chacha20-poly1305",
    "gnutlsserv-tls13-aes-256-gcm",
    "gnutlsserv-tls12-aes-128-gcm",
    "openssl-tls13-aes-128-gcm-padding",
    "openssl-tls13-aes-128-gcm-bulk",
    "openssl-tls12-aes-256-gcm-bulk",
    "gnutls-tls13-aes-128-gcm-keyupdate",
    "gnutls-tls13-chacha20-poly1305-keyupdate",
]

# ------------------------------------------------------------ lossy matrix
# Issue 11: real captures edited with scapy as a lossy network would have
# delivered them (the kernel here has no netem), replayed with the NIC
# receiving. Each edit works on one direction's data segments (a segment
# moved past the other direction's is no reorder for the receiver) and is
# made in both directions; a capture segment holds about one record (the
# peers write in lock-step), and dpsec-tls-replay cuts it into 1448-byte
# wire packets after the edit. The tool ignores timestamps (pcap wire);
# they are kept non-decreasing all the same.
LOSSY_BULK = ["openssl-tls13-aes-128-gcm-bulk",
              "openssl-tls12-aes-256-gcm-bulk"]
LOSSY_KEYUPDATE = ["gnutls-tls13-aes-128-gcm-keyupdate",
                   "gnutls-tls13-chacha20-poly1305-keyupdate"]
# Where: in the bulk captures at these fractions of each direction's data
# segments; in the KeyUpdate captures on the segment before (-1), holding
# (0) or after (+1) each KeyUpdate record, one edited copy of the
# connection per offset. The edited copies of a capture are connections
# of one capture, replayed together: the tool's start and its 300 ms of
# silence at the end are most of a replay's time.
BULK_AT = (0.25, 0.6)
# net_sim_inline's devargs for a NIC that holds 4 packets of a record.
HOLD_SMALL = "tls_hold_pkts=4"
KU_AT = ((-1, "before"), (0, "on"), (1, "after"))


def seg_split(p, at):
    """Two copies of TCP segment @p: its first @at payload bytes and the
    rest, lengths and checksums left for scapy to compute."""
    from scapy.all import IP, IPv6, TCP, Raw
    pl = bytes(p[TCP].payload)
    if not 0 < at < len(pl):
        raise RuntimeError("cannot split %d bytes at %d" % (len(pl), at))
    parts = []
    for off, chunk in ((0, pl[:at]), (at, pl[at:])):
        q = p.copy()
        q[TCP].remove_payload()
        q[TCP].add_payload(Raw(load=chunk))
        q[TCP].seq = (p[TCP].seq + off) & 0xffffffff
        del q[TCP].chksum
        if IP in q:
            del q[IP].len, q[IP].chksum
        else:
            del q[IPv6].plen
        parts.append(q)
    return parts


def plen(p):
    from scapy.all import TCP
    return len(bytes(p[TCP].payload))


def at_of(frames, p):
    """Where frame @p is in @frames (by identity: a duplicate is equal)."""
    return next(j for j, q in enumerate(frames) if q is p)


def replace(frames, p, new):
    k = at_of(frames, p)
    frames[k:k + 1] = new


def put_after(frames, p, new):
    k = at_of(frames, p)
    frames[k + 1:k + 1] = new


def edit_loss_retx(frames, segs, i):
    """(a) segment i lost, sent again after segment i+2"""
    del frames[at_of(frames, segs[i])]
    put_after(frames, segs[i + 2], [segs[i]])


def edit_duplicate(frames, segs, i):
    """(b) segment i sent again after segment i+1"""
    put_after(frames, segs[i + 1], [segs[i].copy()])


def edit_swap(frames, segs, i):
    """(c) segment i split in two halves, the second sent first (reordered
    within its record)"""
    a, b = seg_split(segs[i], plen(segs[i]) // 2)
    replace(frames, segs[i], [b, a])


def edit_beyond(frames, segs, i):
    """(d) the second half of segment i sent after the first half of
    segment i+1 (past the next record's header)"""
    a1, b1 = seg_split(segs[i], plen(segs[i]) // 2)
    a2, b2 = seg_split(segs[i + 1], plen(segs[i + 1]) // 2)
    replace(frames, segs[i], [a1])
    replace(frames, segs[i + 1], [a2, b1, b2])


def edit_partial_retx(frames, segs, i):
    """(e) segment i split in two halves, the first lost; after segment
    i+1 the whole segment again (a retransmission that covers the bytes
    received already)"""
    _, b = seg_split(segs[i], plen(segs[i]) // 2)
    replace(frames, segs[i], [b])
    put_after(frames, segs[i + 1], [segs[i].copy()])


# name, edit, whether the NIC loses the stream in a bulk capture: a
# duplicate of bytes it has passed is not for its engine (it stays in
# step, every record the NIC's); in the KeyUpdate captures the NIC loses
# the stream at each KeyUpdate whatever the edit.
EDITS = [("loss-retx", edit_loss_retx, True),
         ("duplicate", edit_duplicate, False),
         ("swap", edit_swap, True),
         ("beyond-record", edit_beyond, True),
         ("partial-retx", edit_partial_retx, True)]


def data_segments(frames):
    """{(source address, port): that direction's data segments}"""
    from scapy.all import TCP
    dirs = {}
    for p in frames:
        if TCP in p and plen(p) > 0:
            dirs.setdefault((p[1].src, p[TCP].sport), []).append(p)
    return dirs


def keyupdate_ends(pcap, keylog):
    """{(source address, port): the TCP sequence numbers just after each
    KeyUpdate record}: the records opened with tls_decrypt.py's pieces
    (the key log's secrets, stepped at each KeyUpdate)."""
    sys.path.insert(0, HERE)
    import tls_decrypt as td
    keys = td.read_keylog(keylog)
    ends = {}
    for conn in td.read_connections(pcap):
        client, server = td.roles(conn)
        cs, ss = client.stream()[0], server.stream()[0]
        cr = td.first_hello(cs, True)["random"]
        _, cipher, hname = td.SUITES[td.first_hello(ss, False)["suite"]]
        klen = td.CIPHERS[cipher][0]
        for d, stream, side in ((client, cs, "CLIENT"),
                                (server, ss, "SERVER")):
            _, off = td.plaintext_prefix(stream, 0x0304)
            secret = keys[(side + "_HANDSHAKE_TRAFFIC_SECRET", cr)]
            rd = td.RecordReader(0x0304, cipher,
                                 *td.tls13_traffic_keys(hname, secret, klen))
            hsb, app, e = td.HsBuffer(), False, []
            for roff, ctype, ver, body in td.split_records(stream, off):
                if ctype == td.CT_CCS:
                    continue
                rtype, plain = rd.open(ctype, ver, body)
                if rtype != td.CT_HANDSHAKE:
                    continue
                for mtype, _ in hsb.feed(plain):
                    if mtype == td.HS_FINISHED and not app:
                        app = True
                        secret = keys[(side + "_TRAFFIC_SECRET_0", cr)]
                    elif mtype == td.HS_KEY_UPDATE:
                        secret = td.tls13_next_secret(hname, secret)
                        e.append((d.base + roff + 5 + len(body))
                                 & 0xffffffff)
                    else:
                        continue
                    rd.rekey(*td.tls13_traffic_keys(hname, secret, klen))
            ends[(d.src, d.sport)] = e
    return ends


def edited(frames, positions, edit):
    """A copy of @frames with @edit made at @positions ({direction: [index
    into its data segments]}), timestamps kept non-decreasing."""
    frames = [p.copy() for p in frames]
    segs = data_segments(frames)
    for d, at in positions.items():
        for i in at:
            edit(frames, segs[d], i)
    last = 0
    for p in frames:
        if p.time < last:
            p.time = last
        last = p.time
    return frames


def bulk_positions(frames):
    pos = {}
    for d, segs in data_segments(frames).items():
        if len(segs) < 100:
            raise RuntimeError("%d data segments from %s, 100 wanted"
                               % (len(segs), d))
        pos[d] = [int(len(segs) * f) for f in BULK_AT]
    return pos


def keyupdate_positions(frames, ends, offset):
    """The index of the segment at @offset from each segment holding a
    KeyUpdate record's last byte, per direction."""
    from scapy.all import TCP
    pos = {}
    for d, segs in data_segments(frames).items():
        at = []
        for e in ends.get(d, []):
            k = next(j for j, p in enumerate(segs)
                     if 0 < (e - p[TCP].seq) & 0xffffffff <= plen(p))
            at.append(k + offset)
        if len(at) != 2 or at[0] + 3 > at[1] or at[1] + 3 > len(segs):
            raise RuntimeError("%s: KeyUpdate segments %s of %d: two, "
                               "apart, wanted" % (d, at, len(segs)))
        pos[d] = at
    return pos


def as_connection(frames, k):
    """@frames with the client's port made 40000 + @k: copy k of the
    connection, distinct from the others in one capture."""
    from scapy.all import TCP
    syn = frames[0][TCP]
    if syn.flags != "S":
        raise RuntimeError("the capture does not start with a SYN")
    cport, out = syn.sport, []
    for p in frames:
        q = p.copy()
        if q[TCP].sport == cport:
            q[TCP].sport = 40000 + k
        else:
            q[TCP].dport = 40000 + k
        del q[TCP].chksum
        out.append(q)
    return out


def summary_rows(text):
    rows = [SUMMARY.match(l) for l in text.splitlines()]
    return [r for r in rows if r]


def check_lossy_conn(rows, cap, case, out, resync, conn, loses):
    """The checks of one edited connection (@rows: its two summary
    lines; @loses: the NIC must lose the stream, else keep every
    record)."""
    errs = []
    chacha = "chacha20" in case
    keyupdate = case.endswith("-keyupdate")
    if len(rows) != 2:
        return ["conn %d: expected 2 summary lines, got %d" % (conn,
                                                               len(rows))]
    for r in rows:
        role = r.group(2)
        total, nic = int(r.group(6)), int(r.group(7))
        not_nic = int(r.group(8)) + int(r.group(9))
        if int(r.group(11)) != 0:
            errs.append("%s: %s record errors" % (role, r.group(11)))
        if int(r.group(12)) != (2 if keyupdate else 0):
            errs.append("%s: %s key updates followed" % (role,
                                                        r.group(12)))
        if chacha and (r.group(5) != "sw" or nic != 0):
            errs.append("%s: ChaCha20 on the NIC (%s, nic %d)"
                        % (role, r.group(5), nic))
        if chacha:
            pass
        elif not loses:
            if nic != total or int(r.group(13)) != 0:
                errs.append("%s: the NIC should keep the stream (nic %d of "
                            "%d, resyncs %s)" % (role, nic, total,
                                                 r.group(13)))
        else:
            if nic == 0:
                errs.append("%s: no record decrypted by the NIC" % role)
            if not_nic == 0:
                errs.append("%s: the NIC never lost the stream" % role)
            if int(r.group(13)) == 0:
                errs.append("%s: no resync" % role)
            # Device-driven resync brings the NIC back within about a
            # record; hints come too late for the tool's receive loop
            # (doc/tls_offload.md).
            if resync == "device" and not keyupdate and nic * 5 < total * 4:
                errs.append("%s: %d of %d records decrypted by the NIC"
                            % (role, nic, total))
        errs += data_errs(cap, case, out, conn, role)
    return errs


def data_errs(cap, case, out, conn, role):
    """What dpsec decrypted of @conn's @role direction against what the
    peer sent."""
    exp = os.path.join(cap, "%s_%s_sent.bin" % (case, role))
    got = os.path.join(out, "conn%d-%s.bin" % (conn, role))
    if not os.path.exists(got) or not same(got, exp):
        return ["%s: decrypted data differ from what the peer sent" % role]
    return []


def row_stats(rows):
    return "; ".join("%s nic %s sw %s mixed %s resyncs %s" %
                     (r.group(2), r.group(7), r.group(8), r.group(9),
                      r.group(13)) for r in rows)


def lossy_cases(replay, cap, work, case):
    """Yields (tag, errors, stats) for each edited copy of @case x resync
    mode. The copies (bulk: one per edit; KeyUpdate: one per edit and
    place) are connections of one capture (client ports 40000 + n),
    replayed once per resync mode (ChaCha20: once, the NIC declines it)."""
    from scapy.all import rdpcap, wrpcap
    src = os.path.join(cap, case + ".pcap")
    keylog = os.path.join(cap, case + ".keylog")
    frames = list(rdpcap(src))
    keyupdate = case in LOSSY_KEYUPDATE
    if keyupdate:
        ends = keyupdate_ends(src, keylog)
        places = [(" %s KeyUpdate" % where,
                   keyupdate_positions(frames, ends, offset))
                  for offset, where in KU_AT]
    else:
        places = [("", bulk_positions(frames))]
    conns, merged, t0 = [], [], 0
    for name, edit, loses in EDITS:
        for where, pos in places:
            f = as_connection(edited(frames, pos, edit), len(conns))
            # One connection after the other, times still non-decreasing.
            shift = t0 - f[0].time
            for p in f:
                p.time += shift
            t0 = f[-1].time + 1
            merged += f
            conns.append((name + where, loses or keyupdate))
    pcap = os.path.join(work, "lossy-%s.pcap" % case)
    wrpcap(pcap, merged)
    chacha = "chacha20" in case
    runs = [("hint", None)] if chacha else [("hint", None), ("device", None)]
    if not chacha and not keyupdate:
        # A NIC that holds 4 packets of a record at most: the rest of a
        # 16 KB record's packets go up unmarked, later ones marked.
        runs.append(("device", HOLD_SMALL))
    for resync, sim_args in runs:
        out = os.path.join(work, "lossy-%s-%s%s" % (case, resync,
                                                    "-hold" if sim_args
                                                    else ""))
        argv = [replay, "--", "--pcap", pcap, "--keylog", keylog, "--out",
                out, "--offload", "nic", "--rx-resync", resync]
        if sim_args:
            argv += ["--sim-args", sim_args]
        rc, text = run(argv, 120)
        rows = summary_rows(text)
        for n, (what, loses) in enumerate(conns):
            mine = [r for r in rows if int(r.group(1)) == n]
            if sim_args:
                errs = check_mixed_conn(mine, cap, case, out, n)
            else:
                errs = check_lossy_conn(mine, cap, case, out, resync, n,
                                        loses)
            if rc != 0:
                errs.insert(0, "exit %d:\n%s" % (rc, text[-3000:]))
            if errs:
                errs.append("repro: %s (conn %d: client port %d)"
                            % (" ".join(argv), n, 40000 + n))
            yield ("%s %s nic%s%s" % (case, what, "" if chacha else
                                      ", %s resync" % resync,
                                      ", " + sim_args if sim_args else ""),
                   errs, row_stats(mine))


def check_mixed_conn(rows, cap, case, out, conn):
    """A NIC with little room to hold a record's packets: every byte,
    no error, and MIXED records in each direction (the NIC's pieces
    turned back into ciphertext, the whole record opened in software)."""
    errs = []
    if len(rows) != 2:
        return ["conn %d: expected 2 summary lines, got %d" % (conn,
                                                               len(rows))]
    for r in rows:
        role = r.group(2)
        if int(r.group(11)) != 0:
            errs.append("%s: %s record errors" % (role, r.group(11)))
        if int(r.group(9)) == 0:
            errs.append("%s: no MIXED record" % role)
        errs += data_errs(cap, case, out, conn, role)
    return errs


SUMMARY = re.compile(
    r"conn (\d+) (client|server): TLS (1\.[23]) suite 0x([0-9a-f]+) "
    r"(\S+):.*records (\d+) \(nic (\d+), sw (\d+), mixed (\d+)\) "
    r"app bytes (\d+) errors (\d+) held \d+.* key updates (\d+) "
    r"resyncs (\d+)")
SENT = re.compile(r"conn (\d+) (client|server): sent again (\S+) ")


def run(argv, timeout):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout, text=True)
    return p.returncode, p.stdout


def same(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def check_case(replay, cap, case, mode, work, extra):
    errs = []
    out = os.path.join(work, "%s-%s" % (case, mode))
    rc, text = run([replay, "--", "--pcap", os.path.join(cap, case + ".pcap"),
                    "--keylog", os.path.join(cap, case + ".keylog"),
                    "--out", out, "--offload", mode, "--tx", mode] + extra,
                   120)
    lines = [l for l in text.splitlines() if l.startswith("conn ")]
    if rc != 0:
        errs.append("dpsec-tls-replay exit %d:\n%s" % (rc, text[-3000:]))
    rows = [SUMMARY.match(l) for l in lines]
    rows = [r for r in rows if r]
    if len(rows) != 2:
        errs.append("expected 2 summary lines, got:\n" + "\n".join(lines))
    chacha = "chacha20" in case
    keyupdate = case.endswith("-keyupdate")
    for r in rows:
        role, nic, sw = r.group(2), int(r.group(7)), int(r.group(8))
        if int(r.group(11)) != 0:
            errs.append("%s: %s record errors" % (role, r.group(11)))
        if mode == "sw" and nic != 0:
            errs.append("%s: %d NIC records with --offload sw" % (role, nic))
        # Records after a KeyUpdate reach the NIC before the new key:
        # software opens them until the NIC is back in step.
        if mode == "nic" and not chacha and (nic == 0 or
                                             (sw != 0 and not keyupdate)):
            errs.append("%s: AES-GCM on the NIC should decrypt every record "
                        "(nic %d, sw %d)" % (role, nic, sw))
        if int(r.group(12)) != (2 if keyupdate else 0):
            errs.append("%s: %s key updates followed" % (role,
                                                        r.group(12)))
        if mode == "nic" and chacha and nic != 0:
            errs.append("%s: ChaCha20 records on the NIC" % role)
        errs += data_errs(cap, case, out, int(r.group(1)), role)
    sent = [SENT.match(l) for l in lines]
    sent = [s for s in sent if s]
    if len(sent) != 2:
        errs.append("expected 2 'sent again' lines")
    for s in sent:
        want = "nic" if mode == "nic" and not chacha else "sw"
        if s.group(3) != want:
            errs.append("%s: sent by %s, expected %s" % (s.group(2),
                                                        s.group(3), want))
    rc, text = run([PY, os.path.join(HERE, "tls_decrypt.py"), "--pcap",
                    os.path.join(out, "tx.pcap"), "--key-lines",
                    os.path.join(out, "tx.keys"), "--out",
                    os.path.join(out, "txdec"), "--expect-client",
                    os.path.join(cap, case + "_client_sent.bin"),
                    "--expect-server",
                    os.path.join(cap, case + "_server_sent.bin")], 120)
    if rc != 0:
        errs.append("tls_decrypt.py on dpsec's TX: exit %d:\n%s"
                    % (rc, text[-2000:]))
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("replay", help="path of dpsec-tls-replay")
    ap.add_argument("--case", action="append")
    ap.add_argument("--modes", default="sw,nic")
    a = ap.parse_args()
    cases = a.case or DEFAULT_CASES
    work = tempfile.mkdtemp(prefix="dpsec-tls-replay-")
    fails = 0
    try:
        cap = os.path.join(work, "cap")
        argv = [PY, os.path.join(HERE, "tls_capture.py"), "--out", cap]
        for c in cases:
            argv += ["--case", c]
        rc, text = run(argv, 600)
        if rc != 0:
            print("FAIL: tls_capture.py exit %d\n%s" % (rc, text))
            return 1
        for case in cases:
            for mode in a.modes.split(","):
                # One case also on the OpenSSL backend of dpsec's crypto.
                extra = (["--backend", "openssl"]
                         if case == cases[0] and mode == "sw" else [])
                errs = check_case(a.replay, cap, case, mode, work, extra)
                tag = "%s %s%s" % (case, mode,
                                   " (openssl backend)" if extra else "")
                if errs:
                    fails += 1
                    print("FAIL %s:\n  %s" % (tag, "\n  ".join(errs)))
                else:
                    print("ok   %s" % tag)
        for case in LOSSY_BULK + LOSSY_KEYUPDATE:
            if case not in cases:
                continue
            for tag, errs, stats in lossy_cases(a.replay, cap, work, case):
                if errs:
                    fails += 1
                    print("FAIL lossy %s:\n  %s" % (tag, "\n  ".join(errs)))
                else:
                    print("ok   lossy %s (%s)" % (tag, stats))
    finally:
        if os.environ.get("DPSEC_KEEP_TMP") == "1":
            print("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("%d failed" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
