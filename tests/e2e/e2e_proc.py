"""e2e_proc.py: process helpers shared by the e2e tests that drive real
programs (tls_server.py, gw_strongswan.py)."""
import subprocess
import threading
import time


def sh(*argv, env=None):
    """Run @argv; its stdout, or RuntimeError with what it printed."""
    r = subprocess.run(argv, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError("%s: %s%s" % (" ".join(argv), r.stdout,
                                         r.stderr.strip()))
    return r.stdout


class Reader(threading.Thread):
    """Collects a process's output lines (None last, at its end)."""

    def __init__(self, f):
        super().__init__(daemon=True)
        self.f, self.lines, self.cv = f, [], threading.Condition()

    def run(self):
        for raw in self.f:
            line = raw.decode(errors="replace").rstrip("\n")
            with self.cv:
                self.lines.append(line)
                self.cv.notify_all()
        with self.cv:
            self.lines.append(None)
            self.cv.notify_all()

    def wait_for(self, pred, timeout):
        """Until pred(lines) holds (True), or @timeout seconds pass or
        the output ends (pred's last value)."""
        end = time.time() + timeout
        with self.cv:
            while not pred(self.lines):
                left = end - time.time()
                if left <= 0 or (self.lines and self.lines[-1] is None):
                    return pred(self.lines)
                self.cv.wait(left)
            return True

    def text(self):
        return "\n".join(l for l in self.lines if l is not None)
