"""Three servers on loopback and clients balancing round_robin across them,
joining against a set sent digest first. The set starts out held by one
replica only: the others answer NOT_FOUND for its digest and the client
sends it again whole, on its own. Every call must succeed with the same
pairs; every replica must end up holding the set, having indexed it exactly
once (its geosrpc_set_build_seconds count), after which calls go by digest
alone; and the request logs must show each miss as a NOT_FOUND line.

Both clients are tried: the Python client, and the C++ client through
geosrpc-load --op=join (a second set, so that it meets the misses itself).
"""

import json
import os
import re
import subprocess
import tempfile
import threading
import unittest
import urllib.request

import numpy as np

import geosrpc
from server_process import start_server

CALLS = 12


def boxes(n, seed):
    """n random boxes in [0, 10)^2 as WKT, about 70 bytes each."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 10, size=(2, n))
    w, h = rng.uniform(0.05, 0.5, size=(2, n))
    return [f"POLYGON (({a:.6f} {b:.6f}, {a + c:.6f} {b:.6f}, "
            f"{a + c:.6f} {b + d:.6f}, {a:.6f} {b + d:.6f}, {a:.6f} {b:.6f}))"
            for a, b, c, d in zip(x, y, w, h)]


class JoinReplicasTest(unittest.TestCase):
    def setUp(self):
        self.servers = []
        for _ in range(3):
            server = start_server("--workers=1")
            lines = []
            reader = threading.Thread(
                target=lambda p=server.proc, l=lines: l.extend(p.stderr))
            reader.start()
            self.servers.append({"server": server, "log": lines,
                                 "reader": reader})
        self.target = "ipv4:" + ",".join(s["server"].target
                                         for s in self.servers)

    def tearDown(self):
        for s in self.servers:
            s["server"].proc.terminate()
            self.assertEqual(s["server"].proc.wait(timeout=60), 0)
            s["reader"].join(timeout=30)

    def builds(self, s):
        """How many sets replica `s` has indexed (sets sent whole)."""
        url = f"http://127.0.0.1:{s['server'].metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as r:
            text = r.read().decode()
        m = re.search(r"^geosrpc_set_build_seconds_count (\d+)", text, re.M)
        return int(m.group(1)) if m else 0

    def joins(self, s, code):
        return [c for c in (json.loads(l) for l in s["log"]
                            if l.startswith("{"))
                if c["method"] == "Join" and c["code"] == code]

    def test_digest_first_behind_round_robin(self):
        set_rows = boxes(1500, seed=1)
        self.assertGreater(sum(map(len, set_rows)), 64 << 10)
        a = np.random.default_rng(2).uniform(0, 10, size=(400, 2))

        # Replica 0 alone holds the set to begin with.
        first = self.servers[0]["server"].target
        with geosrpc.Client(first, digest_first_bytes=None) as one:
            expected = one.join(a, set=set_rows)
        self.assertGreater(expected.shape[1], 0)

        # Python: every call answers the same pairs, whichever replica.
        with geosrpc.Client(self.target, timeout=60,
                            load_balancing_policy="round_robin") as rr:
            results = [rr.join_result(a, set=set_rows) for _ in range(CALLS)]
        for r in results:
            np.testing.assert_array_equal(r.indices, expected)
        missed = sum(r.digest_missed for r in results)
        self.assertGreaterEqual(missed, 1)
        # Settled: the last calls go by digest alone, wherever they land.
        for r in results[-4:]:
            self.assertFalse(r.digest_missed or r.sent_whole)
        # A call indexes the set only where it was missing.
        self.assertLessEqual(sum(r.summary.index_seconds > 0 for r in results),
                             2)

        # C++ (geosrpc-load): a second set, so that it meets misses too.
        with tempfile.NamedTemporaryFile("w", suffix=".wkt") as f:
            f.write("\n".join(boxes(1500, seed=3)) + "\n")
            f.flush()
            load = subprocess.run(
                [os.environ["GEOSRPC_LOAD"],
                 "--target=" + ",".join(s["server"].target
                                        for s in self.servers),
                 "--op=join", f"--set={f.name}", "--batch_rows=400",
                 "--concurrency=1", f"--requests={CALLS}", "--duration=120s",
                 "--warmup=0s", "--json", "--progress=false"],
                capture_output=True, text=True, timeout=180)
        self.assertEqual(load.returncode, 0, load.stderr)
        report = json.loads(load.stdout)
        self.assertEqual(report["codes"], {"OK": report["requests"]})
        self.assertGreater(report["pairs"], 0)

        builds = [self.builds(s) for s in self.servers]
        for s in self.servers:
            s["server"].proc.terminate()
            s["server"].proc.wait(timeout=60)
            s["reader"].join(timeout=30)
        # Each replica indexed each of the two sets exactly once.
        self.assertEqual(builds, [2, 2, 2])
        not_found = [len(self.joins(s, "NOT_FOUND")) for s in self.servers]
        ok = [len(self.joins(s, "OK")) for s in self.servers]
        # Every miss was a digest-only call the client sent again whole.
        self.assertGreaterEqual(sum(not_found), missed + 1)
        self.assertEqual(sum(ok), 1 + CALLS + report["requests"])
        # round_robin spread the calls over every replica.
        self.assertTrue(all(n > 0 for n in ok), ok)
        for s in self.servers:
            for line in self.joins(s, "NOT_FOUND"):
                self.assertIn("send set.geometries", line["message"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
