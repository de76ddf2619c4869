#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Soak with churn (doc/reliability.md, "Soak").

    soak.py CLI-BINARY [--seconds N] [--epoch S] [--json FILE]

Runs dpsec-cli on two ring-wired net_sim_inline ports, 2 lcores (the main
one takes the commands, a worker forwards), and for N seconds:

* traffic: "set fwd ipsec", packets looping port 0 -> 1 -> 0 through an
  outbound and an inbound SA bound by reqid (make-before-break);
* churn, as fast as the CLI takes it: the SA pair rekeyed (a new pair by
  the same reqid, placed in turn as inline protocol, inline crypto and in
  software; the old outbound SA deleted at once, the old inbound one a
  rekey later), the NIC SAs moved to software and back, their lifetimes
  updated, and short-lived inbound SAs created and destroyed on the NIC;
* NIC and wire faults: punted packets, duplicated and reordered frames;
* epochs of S seconds: "start tx_first" begins one, "stop" ends it (the
  wires drained); between epochs now and then "port stop all" / "port
  start all" (the NIC forgets nothing it should keep: dpsec puts the SAs
  back) and a capture sample of the forwarded frames.

Checked, per epoch: every packet accounted for (injected + frames the wire
duplicated = drained + dropped, each drop with its reason, only the
reasons the faults and the rekeys explain: REPLAY or NIC_FAILED for the
duplicates, at most as many; NO_SA for packets of an SA deleted under
them); no genuine packet lost (every one injected drained at the stop,
but those NO_SA took: a sequence number used twice would drop one as a
replay); the mbuf pool whole again after the stop; no command failed. Over the run: no
(SPI, sequence number) pair twice in the capture samples (tshark), the
CLI's RSS flat (sampled every second), a clean quit. Prints a table per
epoch and the series; exits 1 on any failure.
"""
import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time

KEY = "4c:80:cd:ef:bb:5d:10:da:90:6a:c7:3c:36:13:a6:34:ca:fe:ba:be"
KEY36 = ":".join("%02x" % (0x30 + i) for i in range(36))
TUNNEL = "mode ipv4-tunnel src 192.0.2.1 dst 198.51.100.1"
TYPES = ["inline-protocol-offload", "inline-crypto-offload", "no-offload"]
REQID = 7
# REPLAY: a duplicated frame caught by dpsec; NIC_FAILED: one caught by
# the NIC's replay check (inline protocol inbound, one window with
# software; the NIC's rx_sec_replay counts it, and also the ones its punt
# fault then hands up untouched, which dpsec drops as REPLAY); NO_SA: a
# packet of an SA deleted under it.
ALLOWED_DROPS = {"REPLAY", "NIC_FAILED", "NO_SA"}


class Fail(Exception):
    pass


class Cli:
    """dpsec-cli with its commands piped in and its output read back."""

    def __init__(self, binary, tmp):
        args = [binary, "-l", "0,1",
                "--vdev", "net_sim_inline0,wire=ring,peer=net_sim_inline1",
                "--vdev", "net_sim_inline1,wire=ring,peer=net_sim_inline0",
                "--log-level=lib.eal:warning", "--log-level=dpsec:error",
                "--", "--max-sa", "4096"]
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True,
                                  bufsize=1, cwd=tmp)
        self.out = queue.Queue()
        self.errors = []
        threading.Thread(target=self._read, args=(self.p.stdout, True),
                         daemon=True).start()
        threading.Thread(target=self._read, args=(self.p.stderr, False),
                         daemon=True).start()
        self.cmds = 0

    def _read(self, f, is_out):
        for line in f:
            if is_out:
                self.out.put(line.rstrip("\n"))
            elif line.startswith("error: "):
                self.errors.append(line.rstrip("\n"))

    def send(self, lines):
        self.p.stdin.write("".join(l + "\n" for l in lines))
        self.p.stdin.flush()
        self.cmds += len(lines)

    def json(self, cmd, key, timeout=60):
        """Run cmd (after everything sent before it) and return the JSON
        document with key that it prints."""
        self.send([cmd])
        end = time.time() + timeout
        while time.time() < end:
            try:
                line = self.out.get(timeout=max(0.01, end - time.time()))
            except queue.Empty:
                break
            if line.startswith("{"):
                d = json.loads(line)
                if key in d:
                    return d
        raise Fail("no reply to %r (CLI %s)" % (
            cmd, "exited %s" % self.p.poll() if self.p.poll() is not None
            else "silent"))

    def rss_kb(self):
        with open("/proc/%d/status" % self.p.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def sa_pair(spi, kind):
    """A new SA pair of the reqid, inbound first: the outbound one takes
    the traffic as soon as it exists (the newest of its reqid)."""
    port_out = "" if kind == "no-offload" else " port_id 0"
    port_in = "" if kind == "no-offload" else " port_id 1"
    return [
        f"sa add in {spi} aead_algo aes-128-gcm aead_key {KEY} {TUNNEL} "
        f"type {kind}{port_in} esn replay_window 1024 reqid {REQID}",
        f"sa add out {spi} aead_algo aes-128-gcm aead_key {KEY} {TUNNEL} "
        f"type {kind}{port_out} esn reqid {REQID}",
    ]


def xstats_sum(doc, name):
    return sum(p["xstats"].get(name, 0) for p in doc["ports"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--epoch", type=float, default=5)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="dpsec-soak-")
    cli = Cli(os.path.abspath(a.cli), tmp)
    series, epochs, captures = [], [], []
    t0 = time.time()
    gen, churn_spi, sa_ops = 0, 0x200000, 0
    old_in = []			# (time of its rekey, SPI)
    last_rekey = last_move = 0
    # To find which churn breaks what: SOAK_NO_REKEY, _MOVE, _CHURN=1;
    # SOAK_DEBUG=1 prints each epoch's non-zero port xstats.
    no_rekey = bool(os.environ.get("SOAK_NO_REKEY"))
    no_move = bool(os.environ.get("SOAK_NO_MOVE"))
    no_churn = bool(os.environ.get("SOAK_NO_CHURN"))
    moved_nic = True
    cur_kind = TYPES[0]
    try:
        cli.send(["set fwd ipsec", "set txport 0",
                  "set fault 0 seed 11", "set fault 1 seed 12",
                  "set fault 0 dup 0.0005", "set fault 1 reorder 0.0005",
                  "set fault 1 punt 0.001"]
                 + sa_pair(0x10000, TYPES[0]) +
                 ["sp add ipv4 out esp protect reqid %d pri 10 "
                  "src 10.1.0.0/16 dst 10.2.0.0/16" % REQID,
                  "sp add ipv4 in esp protect reqid %d pri 10 "
                  "src 10.1.0.0/16 dst 10.2.0.0/16" % REQID,
                  "sp commit"])
        cur = 0x10000
        sa_ops += 2
        cli.json("show mempool json", "mempool")
        check(not cli.errors, "set-up: %s" % cli.errors)
        epoch = 0
        while time.time() - t0 < a.seconds:
            if epoch % 4 == 3:
                cli.send(["port stop all", "port start all"])
            cli.send(["clear stats", "start tx_first 4"])
            cap = None
            if epoch % 3 == 0:
                cap = "cap%d.pcapng" % epoch
                cli.send(["capture start %s fwd" % cap])
                captures.append(cap)
            e_start, e_cmds, e_ops = time.time(), cli.cmds, sa_ops
            last_sample = 0
            batch_no = 0
            while time.time() - e_start < a.epoch:
                lines = []
                now = time.time()
                batch_no += 1
                if cap is not None and now - e_start >= 0.25:
                    lines.append("capture stop")	# a 0.25 s sample
                    cap = None
                # Rekey every 100 ms: the new pair first, then the old
                # outbound SA; an inbound one 300 ms after its rekey
                # (packets of it may still be on the wires).
                if now - last_rekey >= 0.1 and not no_rekey:
                    last_rekey = now
                    gen += 1
                    spi = 0x10000 + gen
                    kind = TYPES[gen % len(TYPES)]
                    lines += sa_pair(spi, kind)
                    lines.append("sa del out %d" % cur)
                    sa_ops += 3
                    old_in.append((now, cur))
                    cur, cur_kind = spi, kind
                while old_in and now - old_in[0][0] >= 0.3:
                    lines.append("sa del in %d" % old_in.pop(0)[1])
                    sa_ops += 1
                # The pair to software and back every 50 ms (NIC kinds).
                if (cur_kind != "no-offload" and not no_move and
                        now - last_move >= 0.05):
                    last_move = now
                    where = "sw" if moved_nic else "nic"
                    moved_nic = not moved_nic
                    lines += ["sa move out %d %s" % (cur, where),
                              "sa move in %d %s" % (cur, where)]
                    sa_ops += 2
                lines.append("sa update out %d soft_packets %d userdata %d"
                             % (cur, 1 << 40, batch_no))
                sa_ops += 1
                for _ in range(0 if no_churn else 16):
                    churn_spi += 1
                    lines.append(
                        f"sa add in {churn_spi} aead_algo aes-256-gcm "
                        f"aead_key {KEY36} mode transport "
                        f"type inline-crypto-offload port_id 1")
                    lines.append("sa del in %d" % churn_spi)
                    sa_ops += 2
                cli.send(lines)
                m = cli.json("show mempool json", "mempool")
                now = time.time()
                if now - last_sample >= 1:
                    last_sample = now
                    series.append({"t": round(now - t0, 1),
                                   "rss_kb": cli.rss_kb(),
                                   "pool_in_use": m["mempool"]["in_use"]})
            if cap is not None:
                cli.send(["capture stop"])
            dt = time.time() - e_start
            cli.send(["stop"])
            fwd = cli.json("show fwd stats json", "total")
            xs = cli.json("show port xstats all json", "ports")
            pool = cli.json("show mempool json", "mempool")["mempool"]
            t = fwd["total"]
            drops = {}
            for p in fwd["ports"]:
                for r, n in p["drops"].items():
                    drops[r] = drops.get(r, 0) + n
            rx = sum(p["rx"] for p in fwd["ports"])
            dups = xstats_sum(xs, "tx_fault_dup")
            lost = xstats_sum(xs, "tx_fault_drop")
            e = {"epoch": epoch, "seconds": round(dt, 2),
                 "cmds_per_s": round((cli.cmds - e_cmds) / dt),
                 "sa_ops_per_s": round((sa_ops - e_ops) / dt),
                 "rx_pps": round(rx / dt), "injected": t["injected"],
                 "dups": dups, "drained": t["drained"],
                 "dropped": t["dropped"], "drops": drops,
                 "pool_in_use": pool["in_use"], "rss_kb": cli.rss_kb()}
            epochs.append(e)
            print("epoch %(epoch)2d: %(seconds)5.2f s, %(cmds_per_s)5d cmd/s,"
                  " %(sa_ops_per_s)5d SA ops/s, %(rx_pps)8d pkt/s rx,"
                  " injected %(injected)d + dup %(dups)d = drained"
                  " %(drained)d + dropped %(dropped)d %(drops)s,"
                  " pool %(pool_in_use)d, RSS %(rss_kb)d kB" % e,
                  flush=True)
            if os.environ.get("SOAK_DEBUG"):
                for p in xs["ports"]:
                    print(p["port"], {k: v for k, v in p["xstats"].items()
                                      if v and "bytes" not in k})
            check(not cli.errors, "epoch %d: commands failed: %s"
                  % (epoch, cli.errors[:5]))
            check(t["tx_refused"] == 0 and t["not_ip"] == 0 and lost == 0,
                  "epoch %d: refused/not-ip/lost: %s" % (epoch, t))
            check(t["injected"] + dups == t["drained"] + t["dropped"],
                  "epoch %d: packets not accounted for: %s" % (epoch, e))
            check(set(drops) <= ALLOWED_DROPS,
                  "epoch %d: unexpected drop reasons %s" % (epoch, drops))
            # A sequence number used twice would drop a genuine packet
            # as a replay: every packet injected is still there at the
            # stop (drained; a duplicate of one may be drained too) but
            # for those of deleted SAs, and the replay drops are at most
            # the duplicates.
            nic_replay = xstats_sum(xs, "rx_sec_replay")
            replays = drops.get("REPLAY", 0) + drops.get("NIC_FAILED", 0)
            check(t["drained"] >= t["injected"] - drops.get("NO_SA", 0)
                  and replays <= dups
                  and drops.get("NIC_FAILED", 0) <= nic_replay,
                  "epoch %d: %d drained of %d injected (%d NO_SA); %d "
                  "REPLAY + NIC_FAILED drops (%d replays the NIC saw) for "
                  "%d duplicated frames: a sequence number used twice?"
                  % (epoch, t["drained"], t["injected"],
                     drops.get("NO_SA", 0), replays, nic_replay, dups))
            check(pool["in_use"] == 0, "epoch %d: %d mbufs not back"
                  % (epoch, pool["in_use"]))
            check(rx > 0, "epoch %d: no traffic" % epoch)
            epoch += 1

        # (SPI, SN) pairs of the sampled frames: each once.
        pairs, frames = set(), 0
        for c in captures:
            r = subprocess.run(["tshark", "-r", os.path.join(tmp, c), "-T",
                                "fields", "-e", "esp.spi", "-e",
                                "esp.sequence", "-Y", "esp"],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               timeout=600)
            check(r.returncode == 0, "tshark %s: %s" % (c, r.stderr))
            for line in r.stdout.splitlines():
                spi, seq = line.split("\t")
                key = (int(spi, 16), int(seq))
                check(key not in pairs, "(SPI, SN) %s seen twice" % (key,))
                pairs.add(key)
                frames += 1
        check(frames > 1000, "only %d ESP frames sampled" % frames)
        # RSS flat: the last third's peak within 16 MB of the first's.
        third = max(1, len(series) // 3)
        first = max(s["rss_kb"] for s in series[:third])
        last = max(s["rss_kb"] for s in series[-third:])
        check(last <= first + 16 * 1024, "RSS grew from %d to %d kB"
              % (first, last))
        cli.send(["quit"])
        rc = cli.p.wait(timeout=60)
        check(rc == 0, "dpsec-cli exited %d: %s" % (rc, cli.errors[:5]))
        summary = {"seconds": round(time.time() - t0, 1),
                   "epochs": len(epochs), "sa_ops": sa_ops,
                   "commands": cli.cmds, "esp_frames_sampled": frames,
                   "rss_kb_first_third_peak": first,
                   "rss_kb_last_third_peak": last}
        print("soak: PASS", json.dumps(summary))
        print("series (t s, RSS kB, pool in use):",
              " ".join("%s:%d:%d" % (s["t"], s["rss_kb"], s["pool_in_use"])
                       for s in series))
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"summary": summary, "epochs": epochs,
                           "series": series}, f, indent=1)
        return 0
    except Fail as e:
        print("soak: FAIL:", e)
        return 1
    finally:
        if cli.p.poll() is None:
            cli.p.kill()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
