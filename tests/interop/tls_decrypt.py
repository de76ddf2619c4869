#!/usr/bin/python3
"""tls_decrypt.py: an independent TLS 1.2/1.3 record decryptor for captures.

Written from the RFCs with python3-cryptography's AEADs only (no TLS
library): HKDF-Expand-Label (RFC 8446 7.1), the traffic key calculation
(RFC 8446 7.3), the TLS 1.2 PRF and key block (RFC 5246 5, 6.3), AES-GCM
records (RFC 5288 3 for 1.2, RFC 8446 5.2/5.3 for 1.3) and ChaCha20-Poly1305
records (RFC 7905 2 for 1.2). It shares no code with dpsec.

  tls_decrypt.py --pcap F --keylog F --out DIR
                 [--expect-client F --expect-server F]
  tls_decrypt.py --pcap F --key-lines F --out DIR
                 [--expect-client F --expect-server F]

Keylog mode: the capture holds whole connections (handshake included). For
each TCP connection (numbered from 0 in the order of their first packet)
the two byte streams are rebuilt by TCP sequence number (segments out of
order and retransmissions are fine; a hole is an error), ClientHello and
ServerHello give the randoms, the suite and the version (supported_versions
for 1.3), the NSS key log gives the secrets, and every record after the
handshake is opened: TLS 1.3 handshake records up to the Finished with the
handshake traffic secret, then application traffic secrets (KeyUpdate
followed); TLS 1.2 everything after ChangeCipherSpec with the key block.

Key-lines mode (a capture of dpsec's transmitter: no handshake), one line
per direction to check:
  <src ip> <sport> <1.2|1.3> <aes-128-gcm|aes-256-gcm|chacha20-poly1305>
  <key hex> <iv hex> <tcp seq of first record> <first record number>
The iv is the 4-byte salt for TLS 1.2 AES-GCM, 12 bytes otherwise. Records
start exactly at that TCP sequence number; bytes before it are ignored.

Application data goes to DIR/conn<N>-<client|server>.bin (the client is
the SYN's sender; with no SYN in the capture, the ClientHello's sender, or
else the end with the higher port). With --expect-*, every decrypted
direction of that role must equal the file.

Exit status 0 only if at least one direction was checked and every
direction with keys decrypted and authenticated every record up to the
end of its stream (ending on a record boundary) and matched; 1 otherwise;
2 on bad usage. A TLS connection without keys in the key log is an error.
"""
import argparse
import hashlib
import hmac
import ipaddress
import os
import struct
import sys

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import (
        AESGCM, ChaCha20Poly1305)
except ImportError as e:
    print("tls_decrypt: FAIL: missing module: %s (install "
          "python3-cryptography; run with /usr/bin/python3)" % e,
          file=sys.stderr)
    sys.exit(1)

# Content types (RFC 8446 5.1, RFC 5246 6.2.1).
CT_CCS, CT_ALERT, CT_HANDSHAKE, CT_APPDATA = 20, 21, 22, 23
# Handshake types.
HS_CLIENT_HELLO, HS_SERVER_HELLO, HS_NST = 1, 2, 4
HS_FINISHED, HS_KEY_UPDATE = 20, 24
EXT_SUPPORTED_VERSIONS = 43
# RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest.
HRR_RANDOM = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
# RFC 8446 5.1/5.2: TLSPlaintext <= 2^14, TLSCiphertext <= 2^14 + 256;
# RFC 5246 6.2.3: TLSCiphertext <= 2^14 + 2048.
MAX_PLAIN = 1 << 14
MAX_CT13 = (1 << 14) + 256
MAX_CT12 = (1 << 14) + 2048
TAG_LEN = 16

# cipher name -> (key length, AEAD class)
CIPHERS = {
    "aes-128-gcm": (16, AESGCM),
    "aes-256-gcm": (32, AESGCM),
    "chacha20-poly1305": (32, ChaCha20Poly1305),
}
# suite id -> (name, cipher, hash) for the suites we can open
SUITES = {
    0x1301: ("TLS_AES_128_GCM_SHA256", "aes-128-gcm", "sha256"),
    0x1302: ("TLS_AES_256_GCM_SHA384", "aes-256-gcm", "sha384"),
    0x1303: ("TLS_CHACHA20_POLY1305_SHA256", "chacha20-poly1305", "sha256"),
    0xC02F: ("ECDHE-RSA-AES128-GCM-SHA256", "aes-128-gcm", "sha256"),
    0xC030: ("ECDHE-RSA-AES256-GCM-SHA384", "aes-256-gcm", "sha384"),
    0xCCA8: ("ECDHE-RSA-CHACHA20-POLY1305", "chacha20-poly1305", "sha256"),
    0xC02B: ("ECDHE-ECDSA-AES128-GCM-SHA256", "aes-128-gcm", "sha256"),
    0xC02C: ("ECDHE-ECDSA-AES256-GCM-SHA384", "aes-256-gcm", "sha384"),
    0xCCA9: ("ECDHE-ECDSA-CHACHA20-POLY1305", "chacha20-poly1305",
             "sha256"),
    0x009E: ("DHE-RSA-AES128-GCM-SHA256", "aes-128-gcm", "sha256"),
    0x009F: ("DHE-RSA-AES256-GCM-SHA384", "aes-256-gcm", "sha384"),
    0xCCAA: ("DHE-RSA-CHACHA20-POLY1305", "chacha20-poly1305", "sha256"),
    0x009C: ("AES128-GCM-SHA256", "aes-128-gcm", "sha256"),
    0x009D: ("AES256-GCM-SHA384", "aes-256-gcm", "sha384"),
}


class TlsError(Exception):
    pass


# ---------------------------------------------------------------- KDFs

def hmac_hash(hname, key, data):
    return hmac.new(key, data, hname).digest()


def hkdf_expand(hname, prk, info, length):
    """RFC 5869 2.3."""
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac_hash(hname, prk, t + info + bytes([i]))
        out += t
        i += 1
    return out[:length]


def hkdf_expand_label(hname, secret, label, context, length):
    """RFC 8446 7.1: HkdfLabel = uint16 length, opaque label<7..255> =
    "tls13 " + Label, opaque context<0..255>."""
    full = b"tls13 " + label
    info = (struct.pack("!H", length) + bytes([len(full)]) + full +
            bytes([len(context)]) + context)
    return hkdf_expand(hname, secret, info, length)


def tls13_traffic_keys(hname, secret, key_len):
    """RFC 8446 7.3: [sender]_write_key/_iv from a traffic secret."""
    return (hkdf_expand_label(hname, secret, b"key", b"", key_len),
            hkdf_expand_label(hname, secret, b"iv", b"", 12))


def tls13_next_secret(hname, secret):
    """RFC 8446 7.2: application_traffic_secret_N+1."""
    return hkdf_expand_label(hname, secret, b"traffic upd", b"",
                             hashlib.new(hname).digest_size)


def tls12_prf(hname, secret, label, seed, length):
    """RFC 5246 5: PRF = P_<hash>(secret, label + seed), where
    P_hash = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...,
    A(0) = seed, A(i) = HMAC(secret, A(i-1))."""
    seed = label + seed
    out, a = b"", seed
    while len(out) < length:
        a = hmac_hash(hname, secret, a)
        out += hmac_hash(hname, secret, a + seed)
    return out[:length]


def tls12_key_block(hname, master, client_random, server_random, cipher):
    """RFC 5246 6.3 (AEAD suites: no MAC keys); fixed IV: 4 bytes for
    AES-GCM (RFC 5288 3), 12 for ChaCha20-Poly1305 (RFC 7905 2)."""
    key_len = CIPHERS[cipher][0]
    iv_len = 12 if cipher == "chacha20-poly1305" else 4
    kb = tls12_prf(hname, master, b"key expansion",
                   server_random + client_random, 2 * (key_len + iv_len))
    ck, sk = kb[:key_len], kb[key_len:2 * key_len]
    civ = kb[2 * key_len:2 * key_len + iv_len]
    siv = kb[2 * key_len + iv_len:]
    return (ck, civ), (sk, siv)


# ------------------------------------------------------------- records

class RecordReader:
    """Opens the protected records of one direction.

    version: 0x0303 or 0x0304; cipher: a CIPHERS name; key, iv: the write
    key and IV (TLS 1.2 AES-GCM: the 4-byte salt); seq: the record number
    of the next record."""

    def __init__(self, version, cipher, key, iv, seq=0):
        key_len, aead = CIPHERS[cipher]
        if len(key) != key_len:
            raise TlsError("%s needs a %d-byte key, got %d" %
                           (cipher, key_len, len(key)))
        want_iv = 4 if (version == 0x0303 and aead is AESGCM) else 12
        if len(iv) != want_iv:
            raise TlsError("%s TLS %s needs a %d-byte iv, got %d" %
                           (cipher, "1.2" if version == 0x0303 else "1.3",
                            want_iv, len(iv)))
        self.version, self.cipher = version, cipher
        self.aead, self.iv, self.seq = aead(key), iv, seq
        self.aead_key = key
        self.gcm12 = version == 0x0303 and aead is AESGCM
        self.padded = 0         # TLS 1.3 records that carried padding

    def rekey(self, key, iv):
        self.aead = CIPHERS[self.cipher][1](key)
        self.aead_key, self.iv, self.seq = key, iv, 0

    def _xor_nonce(self):
        # RFC 8446 5.3 / RFC 7905 2: the 64-bit record number, padded
        # to the IV length, XORed with the IV.
        pad = b"\0" * (len(self.iv) - 8) + struct.pack("!Q", self.seq)
        return bytes(a ^ b for a, b in zip(self.iv, pad))

    def open(self, ctype, legacy_ver, body):
        """Return (content type, plaintext) of a protected record, or
        raise TlsError. The record number advances on success only."""
        if self.seq >= 1 << 64:
            raise TlsError("record number exhausted")
        if self.version == 0x0304:
            # RFC 8446 5.2: opaque_type 23, AAD = the 5-byte header.
            if len(body) > MAX_CT13:
                raise TlsError("record of %d bytes > 2^14 + 256" % len(body))
            if ctype != CT_APPDATA:
                raise TlsError("protected 1.3 record of type %d" % ctype)
            if len(body) < TAG_LEN + 1:
                raise TlsError("record of %d bytes: shorter than tag + "
                               "type" % len(body))
            aad = struct.pack("!BHH", ctype, legacy_ver, len(body))
            try:
                inner = self.aead.decrypt(self._xor_nonce(), body, aad)
            except InvalidTag:
                raise TlsError("record %d: bad tag" % self.seq)
            # RFC 8446 5.4: strip the zero padding; the last non-zero
            # byte is the real content type.
            end = len(inner)
            while end > 0 and inner[end - 1] == 0:
                end -= 1
            if end == 0:
                raise TlsError("record %d: no content type (all padding)"
                               % self.seq)
            rtype, plain = inner[end - 1], inner[:end - 1]
            if end < len(inner):
                self.padded += 1
            if len(inner) > MAX_PLAIN + 1:
                raise TlsError("record %d: inner plaintext too long" %
                               self.seq)
        else:
            if len(body) > MAX_CT12:
                raise TlsError("record of %d bytes > 2^14 + 2048" %
                               len(body))
            explicit = 8 if self.gcm12 else 0
            if len(body) < explicit + TAG_LEN:
                raise TlsError("record of %d bytes: shorter than nonce + "
                               "tag" % len(body))
            if self.gcm12:
                # RFC 5288 3: nonce = salt (4) || explicit nonce (8),
                # carried first in the record.
                nonce = self.iv + body[:8]
            else:
                nonce = self._xor_nonce()
            ct = body[explicit:]
            # RFC 5246 6.2.3.3: additional_data = seq_num + type +
            # version + length (of the plaintext).
            aad = struct.pack("!QBHH", self.seq, ctype, legacy_ver,
                              len(ct) - TAG_LEN)
            try:
                plain = self.aead.decrypt(nonce, ct, aad)
            except InvalidTag:
                raise TlsError("record %d: bad tag" % self.seq)
            if len(plain) > MAX_PLAIN:
                raise TlsError("record %d: plaintext too long" % self.seq)
            rtype = ctype
        self.seq += 1
        return rtype, plain


def split_records(stream, off=0):
    """Yield (offset, type, version, body) of the complete records of
    stream from off; the caller compares the last offset + length with
    len(stream) to see a partial record at the end."""
    while off + 5 <= len(stream):
        ctype, ver, length = struct.unpack_from("!BHH", stream, off)
        if length > MAX_CT12:
            raise TlsError("offset %d: record length %d > 2^14 + 2048 "
                           "(not a TLS record)" % (off, length))
        if ctype not in (CT_CCS, CT_ALERT, CT_HANDSHAKE, CT_APPDATA):
            raise TlsError("offset %d: unknown content type %d" %
                           (off, ctype))
        if off + 5 + length > len(stream):
            return
        yield off, ctype, ver, bytes(stream[off + 5:off + 5 + length])
        off += 5 + length


class HsBuffer:
    """Handshake messages may span records (RFC 8446 5.1)."""

    def __init__(self):
        self.buf = b""

    def feed(self, data):
        self.buf += data
        msgs = []
        while len(self.buf) >= 4:
            mlen = int.from_bytes(self.buf[1:4], "big")
            if len(self.buf) < 4 + mlen:
                break
            msgs.append((self.buf[0], self.buf[4:4 + mlen]))
            self.buf = self.buf[4 + mlen:]
        return msgs


def parse_hello(body, is_client):
    """ClientHello / ServerHello (RFC 8446 4.1.2/4.1.3, RFC 5246 7.4.1):
    return dict(random, version, suite[, suites])."""
    def need(n):
        if p + n > len(body):
            raise TlsError("%s truncated" %
                           ("ClientHello" if is_client else "ServerHello"))
    p = 0
    need(2 + 32 + 1)
    legacy = struct.unpack_from("!H", body, 0)[0]
    random = body[2:34]
    p = 34
    sid_len = body[p]
    p += 1
    need(sid_len)
    p += sid_len
    res = {"random": random, "version": legacy}
    if is_client:
        need(2)
        cs_len = struct.unpack_from("!H", body, p)[0]
        p += 2
        need(cs_len)
        res["suites"] = [struct.unpack_from("!H", body, p + i)[0]
                         for i in range(0, cs_len - 1, 2)]
        p += cs_len
        need(1)
        comp_len = body[p]
        p += 1
        need(comp_len)
        p += comp_len
    else:
        need(3)
        res["suite"] = struct.unpack_from("!H", body, p)[0]
        p += 3
    if p + 2 <= len(body):
        ext_len = struct.unpack_from("!H", body, p)[0]
        p += 2
        need(ext_len)
        end = p + ext_len
        while p + 4 <= end:
            etype, elen = struct.unpack_from("!HH", body, p)
            p += 4
            if p + elen > end:
                raise TlsError("hello extension %d overruns the "
                               "extensions block" % etype)
            if etype == EXT_SUPPORTED_VERSIONS and not is_client:
                if elen != 2:
                    raise TlsError("ServerHello supported_versions of "
                                   "length %d" % elen)
                res["version"] = struct.unpack_from("!H", body, p)[0]
            p += elen
    return res


# ------------------------------------------------------------- capture

def read_pcap(path):
    """Classic pcap (either byte order, us or ns): (linktype, [frames])."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise TlsError("%s: not a pcap file (too short)" % path)
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    elif magic == b"\x0a\x0d\x0d\x0a":
        raise TlsError("%s: pcapng is not read here; write classic pcap "
                       "(tcpdump -w, dumpcap -F pcap, editcap -F pcap)"
                       % path)
    else:
        raise TlsError("%s: not a pcap file" % path)
    linktype = struct.unpack_from(end + "I", data, 20)[0] & 0x0fffffff
    frames, off = [], 24
    while off + 16 <= len(data):
        incl, orig = struct.unpack_from(end + "II", data, off + 8)
        off += 16
        if off + incl > len(data):
            raise TlsError("%s: truncated packet record" % path)
        frames.append(data[off:off + incl])
        off += incl
    if off != len(data):
        raise TlsError("%s: %d trailing bytes" % (path, len(data) - off))
    return linktype, frames


def parse_frame(linktype, fr):
    """Return (src, sport, dst, dport, seq, flags, payload) of a TCP
    segment, or None. Every length is checked against the frame."""
    if linktype == 1:                       # DLT_EN10MB
        if len(fr) < 14:
            return None
        etype, p = struct.unpack_from("!H", fr, 12)[0], 14
        while etype in (0x8100, 0x88a8) and len(fr) >= p + 4:
            etype, p = struct.unpack_from("!H", fr, p + 2)[0], p + 4
    elif linktype == 113:                   # DLT_LINUX_SLL
        if len(fr) < 16:
            return None
        etype, p = struct.unpack_from("!H", fr, 14)[0], 16
    elif linktype in (101, 12, 14):         # raw IP
        if not fr:
            return None
        etype = 0x0800 if fr[0] >> 4 == 4 else 0x86dd
        p = 0
    elif linktype == 0:                     # DLT_NULL (host order AF)
        if len(fr) < 4:
            return None
        af = struct.unpack_from("<I", fr, 0)[0]
        if af > 0xffff:
            af = struct.unpack_from(">I", fr, 0)[0]
        etype, p = (0x0800 if af == 2 else 0x86dd), 4
    else:
        raise TlsError("link type %d not supported" % linktype)
    if etype == 0x0800:
        if len(fr) < p + 20 or fr[p] >> 4 != 4:
            return None
        ihl = (fr[p] & 15) * 4
        tot = struct.unpack_from("!H", fr, p + 2)[0]
        frag = struct.unpack_from("!H", fr, p + 6)[0]
        if ihl < 20 or tot < ihl or len(fr) < p + tot or fr[p + 9] != 6:
            return None
        if frag & 0x3fff:
            raise TlsError("IPv4 fragment in the capture: not handled")
        src = ipaddress.ip_address(bytes(fr[p + 12:p + 16]))
        dst = ipaddress.ip_address(bytes(fr[p + 16:p + 20]))
        l4, l4end = p + ihl, p + tot
    elif etype == 0x86dd:
        if len(fr) < p + 40 or fr[p] >> 4 != 6:
            return None
        plen = struct.unpack_from("!H", fr, p + 4)[0]
        nh = fr[p + 6]
        src = ipaddress.ip_address(bytes(fr[p + 8:p + 24]))
        dst = ipaddress.ip_address(bytes(fr[p + 24:p + 40]))
        l4, l4end = p + 40, p + 40 + plen
        if len(fr) < l4end:
            return None
        # hop-by-hop, routing, destination options
        while nh in (0, 43, 60):
            if l4 + 8 > l4end:
                return None
            nh, l4 = fr[l4], l4 + (fr[l4 + 1] + 1) * 8
        if nh != 6:
            return None
    else:
        return None
    if l4 + 20 > l4end:
        return None
    sport, dport, seq, _ack, offflags = struct.unpack_from("!HHIIH", fr, l4)
    doff = (offflags >> 12) * 4
    if doff < 20 or l4 + doff > l4end:
        return None
    return (str(src), sport, str(dst), dport, seq, offflags & 0x3f,
            bytes(fr[l4 + doff:l4end]))


TCP_SYN, TCP_ACK = 0x02, 0x10


class Direction:
    def __init__(self, src, sport, dst, dport):
        self.src, self.sport, self.dst, self.dport = src, sport, dst, dport
        self.segs = []          # (seq, payload)
        self.isn = None         # seq of the first payload byte (SYN + 1)
        self.syn_only = False   # sent a SYN without ACK: the client

    def name(self):
        return ("[%s]:%d" if ":" in self.src else "%s:%d") % (self.src,
                                                              self.sport)

    def stream(self, base=None):
        """The byte stream from base (default: SYN + 1, else the lowest
        sequence number seen) up to the first hole; returns (bytes,
        hole) with hole True when segments after a hole were left out."""
        if base is None:
            base = self.isn
        if base is None:
            if not self.segs:
                self.base = None
                return b"", False
            ref = self.segs[0][0]
            base = min((ref + (((s - ref + (1 << 31)) & 0xffffffff)
                               - (1 << 31))) & 0xffffffff
                       for s, _ in self.segs)
        self.base = base
        segs = []
        for s, pl in self.segs:
            rel = ((s - base + (1 << 31)) & 0xffffffff) - (1 << 31)
            if rel < 0:
                if rel + len(pl) <= 0:
                    continue
                pl, rel = pl[-rel:], 0
            segs.append((rel, pl))
        segs.sort(key=lambda x: x[0])
        out = bytearray()
        for rel, pl in segs:
            if rel > len(out):
                return bytes(out), True
            overlap = out[rel:rel + len(pl)]
            if overlap != pl[:len(overlap)]:
                raise TlsError("%s: retransmitted bytes at offset %d "
                               "differ from the first copy" %
                               (self.name(), rel))
            out += pl[len(overlap):]
        return bytes(out), False


def read_connections(path):
    """Return a list of [dir_a, dir_b] in order of first packet."""
    linktype, frames = read_pcap(path)
    dirs, conns = {}, []
    for fr in frames:
        t = parse_frame(linktype, fr)
        if t is None:
            continue
        src, sport, dst, dport, seq, flags, pl = t
        key = (src, sport, dst, dport)
        d = dirs.get(key)
        if d is None:
            d = dirs[key] = Direction(src, sport, dst, dport)
            rev = dirs.get((dst, dport, src, sport))
            if rev is None:
                conns.append([d, None])
            else:
                for c in conns:
                    if c[0] is rev:
                        c[1] = d
        if flags & TCP_SYN:
            d.isn = (seq + 1) & 0xffffffff
            d.syn_only = not flags & TCP_ACK
            seq = (seq + 1) & 0xffffffff
        if pl:
            d.segs.append((seq, pl))
    return conns


def roles(conn):
    """(client, server) of a connection; either may be None."""
    a, b = conn
    for x, y in ((a, b), (b, a)):
        if x is not None and x.syn_only:
            return x, y
    for x, y in ((a, b), (b, a)):
        if x is None:
            continue
        s, _ = x.stream()
        if len(s) >= 6 and s[0] == CT_HANDSHAKE and s[5] == HS_CLIENT_HELLO:
            return x, y
    if b is None:
        return a, None
    return (a, b) if a.sport > b.sport else (b, a)


# --------------------------------------------------------------- keylog

def read_keylog(path):
    """NSS key log: {(label, client random): secret}."""
    keys = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) != 3:
                raise TlsError("%s:%d: not an NSS key log line" % (path, n))
            try:
                cr, secret = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
            except ValueError:
                raise TlsError("%s:%d: bad hex" % (path, n))
            if len(cr) != 32:
                raise TlsError("%s:%d: client random of %d bytes" %
                               (path, n, len(cr)))
            keys[(parts[0], cr)] = secret
    return keys


# ----------------------------------------------------------- decryption

class DirResult:
    def __init__(self, role, name):
        self.role, self.name = role, name
        self.app = bytearray()
        self.records = 0        # protected records opened
        self.app_records = 0
        self.alerts = []
        self.key_updates = 0
        self.padded = 0         # TLS 1.3 records with zero padding
        self.error = None
        self.info = ""
        self.next_off = 0       # end of the record being handled
        self.app_keys = None    # (version, cipher, key, iv, stream offset)


def walk_protected(res, stream, off, reader, on_handshake):
    """Open every record of stream from off with reader. on_handshake(
    messages) handles handshake content; returns True when the reader's
    keys changed (the buffer it was fed ends there: RFC 8446 5.1 requires
    key changes on a record boundary)."""
    last = off
    for off, ctype, ver, body in split_records(stream, off):
        last = res.next_off = off + 5 + len(body)
        if ctype == CT_CCS and reader.version == 0x0304:
            # RFC 8446 D.4: middlebox-compatibility CCS, unprotected.
            if body != b"\x01":
                raise TlsError("offset %d: bad ChangeCipherSpec" % off)
            continue
        rtype, plain = reader.open(ctype, ver, body)
        res.records += 1
        if rtype == CT_APPDATA:
            res.app += plain
            res.app_records += 1
        elif rtype == CT_ALERT:
            if len(plain) != 2:
                raise TlsError("alert of %d bytes" % len(plain))
            res.alerts.append((plain[0], plain[1]))
        elif rtype == CT_HANDSHAKE:
            on_handshake(plain)
        else:
            raise TlsError("record %d: inner content type %d" %
                           (reader.seq - 1, rtype))
    res.padded = reader.padded
    if last != len(stream):
        raise TlsError("stream ends inside a record (offset %d, %d bytes "
                       "left)" % (last, len(stream) - last))


def decrypt_tls13(res, stream, off, hname, cipher, hs_secret, app_secret):
    key_len = CIPHERS[cipher][0]
    k, iv = tls13_traffic_keys(hname, hs_secret, key_len)
    reader = RecordReader(0x0304, cipher, k, iv)
    hsb = HsBuffer()
    state = {"secret": None}

    def on_handshake(plain):
        for mtype, body in hsb.feed(plain):
            if state["secret"] is None:
                if mtype == HS_FINISHED:
                    # RFC 8446 4.4.4/7.2: after Finished, application
                    # traffic secret 0 with record numbers from 0.
                    if hsb.buf:
                        raise TlsError("handshake data after Finished in "
                                       "the same record")
                    state["secret"] = app_secret
                    reader.rekey(*tls13_traffic_keys(hname, app_secret,
                                                     key_len))
                    res.app_keys = (0x0304, cipher, reader.aead_key,
                                    reader.iv, res.next_off)
            elif mtype == HS_KEY_UPDATE:
                if len(body) != 1 or body[0] > 1 or hsb.buf:
                    raise TlsError("bad KeyUpdate")
                state["secret"] = tls13_next_secret(hname, state["secret"])
                reader.rekey(*tls13_traffic_keys(hname, state["secret"],
                                                 key_len))
                res.key_updates += 1
            elif mtype != HS_NST:
                raise TlsError("post-handshake message type %d" % mtype)

    walk_protected(res, stream, off, reader, on_handshake)
    if state["secret"] is None:
        raise TlsError("no Finished: the handshake did not complete")


def decrypt_tls12(res, stream, off, cipher, key, iv):
    reader = RecordReader(0x0303, cipher, key, iv)
    hsb = HsBuffer()
    state = {"finished": False}

    def on_handshake(plain):
        for mtype, _body in hsb.feed(plain):
            if mtype == HS_FINISHED:
                state["finished"] = True
            elif not state["finished"]:
                raise TlsError("handshake type %d before Finished" % mtype)
            else:
                raise TlsError("renegotiation (handshake type %d): not "
                               "handled" % mtype)

    walk_protected(res, stream, off, reader, on_handshake)
    if not state["finished"]:
        raise TlsError("no Finished after ChangeCipherSpec")


def plaintext_prefix(stream, version_hint):
    """Handshake messages of the unprotected part of a stream and the
    offset of the first protected record (or None): TLS 1.3 protects
    every record of type 23; TLS 1.2 every record after a CCS."""
    hsb, msgs = HsBuffer(), []
    for off, ctype, _ver, body in split_records(stream):
        if ctype == CT_HANDSHAKE:
            msgs += hsb.feed(body)
        elif ctype == CT_CCS:
            if version_hint == 0x0303:
                return msgs, off + 5 + len(body)
        elif ctype == CT_APPDATA:
            return msgs, off
        elif ctype == CT_ALERT:
            return msgs, None
    return msgs, None


def first_hello(stream, is_client):
    """The first ClientHello, or the first ServerHello that is not a
    HelloRetryRequest (RFC 8446 4.1.4: after one, the client's second
    ClientHello keeps its random), from the unprotected records at the
    start of a stream. It comes before any protected record, so the walk
    ends there."""
    want = HS_CLIENT_HELLO if is_client else HS_SERVER_HELLO
    hsb = HsBuffer()
    for _off, ctype, _ver, body in split_records(stream):
        if ctype == CT_HANDSHAKE:
            for mtype, mbody in hsb.feed(body):
                if mtype != want:
                    continue
                h = parse_hello(mbody, is_client)
                if is_client or h["random"] != HRR_RANDOM:
                    return h
        elif ctype != CT_CCS:
            break
    raise TlsError("no %s" % ("ClientHello" if is_client else
                              "ServerHello"))


def decrypt_connection(n, conn, keys):
    client, server = roles(conn)
    out = []
    if client is None or server is None:
        return out
    cstream, chole = client.stream()
    sstream, shole = server.stream()
    if not cstream or cstream[0] != CT_HANDSHAKE:
        return out          # not TLS (or no data): not ours to judge
    rc, rs = DirResult("client", client.name()), DirResult("server",
                                                          server.name())
    rc.addr, rc.base = (client.src, client.sport), client.base
    rs.addr, rs.base = (server.src, server.sport), server.base
    out = [rc, rs]
    try:
        ch = first_hello(cstream, True)
        sh = first_hello(sstream, False)
        version, suite = sh["version"], sh["suite"]
        if suite not in SUITES:
            raise TlsError("suite 0x%04x not handled" % suite)
        sname, cipher, hname = SUITES[suite]
        info = "TLS %s %s" % ("1.3" if version == 0x0304 else "1.2",
                              sname)
        rc.info = rs.info = info
        cr = ch["random"]
    except TlsError as e:
        msg = str(e)
        for hole, stream, who in ((chole, cstream, "client"),
                                  (shole, sstream, "server")):
            if hole:
                msg += (" (hole in the %s's TCP stream after %d bytes: "
                        "missing segments)" % (who, len(stream)))
        rc.error = rs.error = msg
        return out
    for res, stream, hole, is_client in ((rc, cstream, chole, True),
                                         (rs, sstream, shole, False)):
        try:
            if hole:
                raise TlsError("hole in the TCP stream after %d bytes "
                               "(missing segments)" % len(stream))
            _, off = plaintext_prefix(stream, version)
            if off is None:
                raise TlsError("no protected records")
            side = "CLIENT" if is_client else "SERVER"
            if version == 0x0304:
                hs = keys.get((side + "_HANDSHAKE_TRAFFIC_SECRET", cr))
                app = keys.get((side + "_TRAFFIC_SECRET_0", cr))
                if hs is None or app is None:
                    raise TlsError("no %s_HANDSHAKE_TRAFFIC_SECRET / "
                                   "%s_TRAFFIC_SECRET_0 for client random "
                                   "%s in the key log" %
                                   (side, side, cr.hex()))
                decrypt_tls13(res, stream, off, hname, cipher, hs, app)
            elif version == 0x0303:
                master = keys.get(("CLIENT_RANDOM", cr))
                if master is None:
                    raise TlsError("no CLIENT_RANDOM for %s in the key log"
                                   % cr.hex())
                if len(master) != 48:
                    raise TlsError("master secret of %d bytes" %
                                   len(master))
                ckeys, skeys = tls12_key_block(hname, master, cr,
                                               sh["random"], cipher)
                k, iv = ckeys if is_client else skeys
                res.app_keys = (0x0303, cipher, k, iv, off)
                decrypt_tls12(res, stream, off, cipher, k, iv)
            else:
                raise TlsError("version 0x%04x not handled" % version)
        except TlsError as e:
            res.error = str(e)
    return out


def decrypt_key_lines(conns, path):
    """--key-lines mode: one DirResult per line."""
    lines = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            p = line.split()
            if len(p) != 8:
                raise TlsError("%s:%d: want 8 fields, got %d" %
                               (path, n, len(p)))
            try:
                src = str(ipaddress.ip_address(p[0]))
                sport, seq, recno = int(p[1]), int(p[6], 0), int(p[7], 0)
                key, iv = bytes.fromhex(p[4]), bytes.fromhex(p[5])
            except ValueError as e:
                raise TlsError("%s:%d: %s" % (path, n, e))
            if p[2] not in ("1.2", "1.3") or p[3] not in CIPHERS:
                raise TlsError("%s:%d: version 1.2|1.3, cipher %s" %
                               (path, n, "|".join(CIPHERS)))
            if not 0 <= sport <= 0xffff or not 0 <= seq <= 0xffffffff or \
               not 0 <= recno < 1 << 64:
                raise TlsError("%s:%d: port, seq or record number out of "
                               "range" % (path, n))
            lines.append((src, sport, 0x0303 if p[2] == "1.2" else 0x0304,
                          p[3], key, iv, seq, recno))
    if not lines:
        raise TlsError("%s: no key lines" % path)
    results = []
    for src, sport, ver, cipher, key, iv, seq, recno in lines:
        found = None
        for n, c in enumerate(conns):
            for d in c:
                if d is not None and d.src == src and d.sport == sport:
                    found = (n, c, d)
        res = DirResult("?", "%s:%d" % (src, sport))
        res.info = "TLS %s %s" % ("1.3" if ver == 0x0304 else "1.2", cipher)
        results.append(res)
        if found is None:
            res.error = "no TCP segments from %s:%d" % (src, sport)
            continue
        n, c, d = found
        client, _server = roles(c)
        res.conn, res.role = n, ("client" if d is client else "server")
        try:
            stream, hole = d.stream(seq)
            if hole:
                raise TlsError("hole in the TCP stream after %d bytes "
                               "(missing segments)" % len(stream))
            if not stream:
                raise TlsError("no bytes from TCP seq %u" % seq)
            reader = RecordReader(ver, cipher, key, iv, recno)

            def on_handshake(plain, res=res):
                for mtype, _b in HsBuffer().feed(plain):
                    if mtype == HS_KEY_UPDATE:
                        raise TlsError("KeyUpdate: key lines carry no "
                                       "traffic secret")
            walk_protected(res, stream, 0, reader, on_handshake)
        except TlsError as e:
            res.error = str(e)
    return results


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Decrypt and check the TLS records of a capture.")
    ap.add_argument("--pcap", required=True)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--keylog", help="NSS key log (SSLKEYLOGFILE format)")
    g.add_argument("--key-lines", help="raw keys, one direction a line")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--expect-client", help="the client's application data")
    ap.add_argument("--expect-server", help="the server's application data")
    ap.add_argument("--expect-suite", action="append", metavar="NAME",
                    help="the suite every connection must use "
                         "(OpenSSL/IANA name as printed)")
    ap.add_argument("--dump-key-lines", metavar="F",
                    help="keylog mode: write a --key-lines file for the "
                         "application keys of every direction (from the "
                         "first record under them, record number 0)")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    expect = {}
    try:
        for role, path in (("client", a.expect_client),
                           ("server", a.expect_server)):
            if path is not None:
                with open(path, "rb") as f:
                    expect[role] = f.read()
        os.makedirs(a.out, exist_ok=True)
        conns = read_connections(a.pcap)
        results = []
        if a.keylog is not None:
            keys = read_keylog(a.keylog)
            for n, c in enumerate(conns):
                for r in decrypt_connection(n, c, keys):
                    r.conn = n
                    results.append(r)
        else:
            results = decrypt_key_lines(conns, a.key_lines)
    except (TlsError, OSError) as e:
        print("tls_decrypt: FAIL: %s" % e, file=sys.stderr)
        return 1
    ok = bool(results)
    if not results:
        print("tls_decrypt: FAIL: no TLS connection found in %s" % a.pcap,
              file=sys.stderr)
    dump = []
    for r in results:
        conn = getattr(r, "conn", None)
        if a.expect_suite and r.error is None and \
           r.info.split()[-1] not in a.expect_suite:
            r.error = "suite %s, expected %s" % (r.info.split()[-1],
                                                 " or ".join(a.expect_suite))
        if r.error is None and r.app_keys is not None and \
           getattr(r, "base", None) is not None:
            ver, cipher, k, iv, off = r.app_keys
            dump.append("%s %d %s %s %s %s %d 0\n" % (
                r.addr[0], r.addr[1], "1.3" if ver == 0x0304 else "1.2",
                cipher, k.hex(), iv.hex(), (r.base + off) & 0xffffffff))
        if conn is not None and r.role in ("client", "server"):
            path = os.path.join(a.out, "conn%d-%s.bin" % (conn, r.role))
            with open(path, "wb") as f:
                f.write(r.app)
        if r.error is None and r.role in expect and \
           bytes(r.app) != expect[r.role]:
            exp = expect[r.role]
            diff = next((i for i, (x, y) in enumerate(zip(r.app, exp))
                         if x != y), min(len(r.app), len(exp)))
            r.error = ("application data differs from the expected file "
                       "(%d vs %d bytes, first difference at %d)" %
                       (len(r.app), len(exp), diff))
        line = ("conn %s %s %s: %s: %d records, %d application data "
                "records, %d bytes%s%s%s" %
                (conn, r.role, r.name, r.info, r.records, r.app_records,
                 len(r.app),
                 ", %d key updates" % r.key_updates if r.key_updates else "",
                 ", %d padded records" % r.padded if r.padded else "",
                 ", alerts %s" % r.alerts if r.alerts else ""))
        if r.error is not None:
            ok = False
            print("tls_decrypt: FAIL: %s: %s" % (line, r.error),
                  file=sys.stderr)
        elif not a.quiet:
            print("tls_decrypt: ok: %s%s" %
                  (line, ", matches" if r.role in expect else ""))
    if a.dump_key_lines is not None:
        with open(a.dump_key_lines, "w") as f:
            f.writelines(dump)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
