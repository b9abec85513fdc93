"""Three servers on loopback, geosrpc-load (the C++ client) balancing
round_robin across them; one server is stopped mid-run. Every request must
complete (the client retries UNAVAILABLE), and the servers' request logs must
add up to exactly the rows the client sent: nothing lost, nothing doubled."""

import json
import os
import signal
import subprocess
import threading
import time
import unittest

from server_process import start_server

ROWS = 200


class ReplicasTest(unittest.TestCase):
    def start(self):
        server = start_server("--metrics_listen=", "--workers=1",
                              "--shutdown_grace=30s", "--drain_delay=1s")
        proc = server.proc
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stderr))
        reader.start()
        return {"proc": proc, "target": server.target, "log": lines,
                "reader": reader}

    def test_a_replica_stops_mid_run_and_nothing_is_lost_or_doubled(self):
        servers = [self.start() for _ in range(3)]
        load = subprocess.Popen(
            [os.environ["GEOSRPC_LOAD"],
             "--target=" + ",".join(s["target"] for s in servers),
             "--op=distance", f"--batch_rows={ROWS}", "--concurrency=6",
             "--duration=6s", "--warmup=0s", "--json", "--progress=false"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        victim = servers[1]
        victim["proc"].send_signal(signal.SIGTERM)
        self.assertEqual(victim["proc"].wait(timeout=60), 0)
        out, err = load.communicate(timeout=120)
        self.assertEqual(load.returncode, 0, err)
        report = json.loads(out)
        for s in servers:
            if s is not victim:
                s["proc"].terminate()
                self.assertEqual(s["proc"].wait(timeout=60), 0)
        for s in servers:
            s["reader"].join(timeout=30)

        # Nothing lost: every call the client made succeeded.
        self.assertGreater(report["requests"], 30)
        self.assertEqual(report["codes"], {"OK": report["requests"]})
        # Nothing doubled: the servers computed exactly the rows sent.
        computed = []
        for s in servers:
            calls = [json.loads(l) for l in s["log"] if l.startswith("{")]
            computed.append(sum(c["rows"] for c in calls
                                if c["op"] == "distance" and c["code"] == "OK"))
        self.assertEqual(sum(computed), report["requests"] * ROWS, computed)
        # round_robin used every replica, the stopped one until it stopped.
        self.assertTrue(all(c > 0 for c in computed), computed)


if __name__ == "__main__":
    unittest.main(verbosity=2)
