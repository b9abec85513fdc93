"""The /metrics endpoint of a real server: valid for promtool, and scraped by
a real Prometheus server (Debian's) that then answers a query for one of our
series. Needs $GEOSRPC_SERVER and the Python client on $PYTHONPATH."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

import geosrpc
from server_process import start_server


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MetricsProcessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        server = start_server("--log_requests=false")
        cls.server, cls.target = server.proc, server.target
        cls.metrics_port = server.metrics_port
        with geosrpc.Client(cls.target) as client:
            client.compute("area", ["POLYGON ((0 0, 1 0, 1 1, 0 0))"] * 250 +
                           ["POINT (1"])

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        assert cls.server.wait(timeout=60) == 0

    def scrape(self, port=None):
        url = f"http://127.0.0.1:{port or self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode()

    def test_promtool_accepts_the_exposition(self):
        text = self.scrape()
        self.assertIn('geosrpc_rows_processed_total{op="area"} 251', text)
        check = subprocess.run(["promtool", "check", "metrics"], input=text,
                               capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    @staticmethod
    def values(text):
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                values[name] = float(value)
        return values

    def test_process_series_and_memory_gauges_are_exported(self):
        values = self.values(self.scrape())
        # The Prometheus client conventions' process_* series, read from
        # /proc at the scrape: compare them with what /proc says now.
        with open(f"/proc/{self.server.pid}/status") as f:
            status = dict(l.split(":", 1) for l in f if ":" in l)
        rss = int(status["VmRSS"].split()[0]) * 1024
        self.assertGreater(values["process_resident_memory_bytes"], 0)
        self.assertLess(abs(values["process_resident_memory_bytes"] - rss),
                        0.5 * rss)
        self.assertEqual(values["process_threads"],
                         int(status["Threads"].split()[0]))
        self.assertGreater(values["process_open_fds"], 3)
        self.assertGreater(values["process_max_fds"],
                           values["process_open_fds"])
        self.assertGreater(values["process_start_time_seconds"],
                           time.time() - 3600)
        self.assertLess(values["process_start_time_seconds"], time.time())
        self.assertGreater(values["process_cpu_seconds_total"], 0)
        self.assertGreater(values["process_virtual_memory_bytes"], rss)
        # Nothing in flight between calls; the caches are empty.
        self.assertEqual(values["geosrpc_inflight_bytes"], 0)
        self.assertIn("geosrpc_inflight_bytes_limit", values)
        self.assertEqual(values["geosrpc_cached_sets"], 0)
        self.assertIn("geosrpc_operand_cache_bytes", values)

    def test_allocator_series_tell_live_objects_from_what_malloc_keeps(self):
        if os.environ.get("GEOSRPC_SANITIZE"):
            self.skipTest("a sanitizer's allocator replaces malloc")
        values = self.values(self.scrape())
        series = 'geosrpc_allocator_bytes{allocator="glibc",state="%s"}'
        for state in ("allocated", "free", "mapped"):
            self.assertIn(series % state, values)
        self.assertGreater(values[series % "allocated"], 0)
        self.assertGreaterEqual(values[series % "mapped"],
                                values[series % "free"])

    def test_allocator_series_under_jemalloc(self):
        if os.environ.get("GEOSRPC_SANITIZE"):
            self.skipTest("a sanitizer's allocator replaces malloc")
        jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
        if not os.path.exists(jemalloc):
            self.skipTest(f"{jemalloc} is absent (Debian's libjemalloc2)")
        server = start_server("--log_requests=false",
                              env={"LD_PRELOAD": jemalloc})
        try:
            with geosrpc.Client(server.target) as client:
                client.compute("buffer", ["POINT (0 0)"] * 1000,
                               params={"radius": 1})
            values = self.values(self.scrape(server.metrics_port))
        finally:
            server.proc.terminate()
            self.assertEqual(server.proc.wait(timeout=60), 0)
            server.proc.stderr.close()
        series = 'geosrpc_allocator_bytes{allocator="jemalloc",state="%s"}'
        state = {s: values[series % s] for s in (
            "allocated", "active", "metadata", "resident", "mapped",
            "retained")}
        self.assertGreater(state["allocated"], 0)
        # Live objects sit in active pages, which are resident and mapped.
        self.assertLessEqual(state["allocated"], state["active"])
        self.assertLessEqual(state["active"], state["resident"])
        self.assertLessEqual(state["active"], state["mapped"])
        self.assertFalse(any("allocator=\"glibc\"" in k for k in values))

    def test_a_prometheus_server_scrapes_and_answers_a_query(self):
        if shutil.which("prometheus") is None:
            self.fail("prometheus is not installed (scripts/install-deps.sh)")
        port = free_port()
        with tempfile.TemporaryDirectory() as d:
            config = os.path.join(d, "prometheus.yml")
            with open(config, "w") as f:
                f.write(f"""global:
  scrape_interval: 1s
scrape_configs:
  - job_name: geosrpc
    static_configs:
      - targets: ["127.0.0.1:{self.metrics_port}"]
""")
            prom = subprocess.Popen(
                ["prometheus", f"--config.file={config}",
                 f"--storage.tsdb.path={d}/data",
                 f"--web.listen-address=127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                query = ("http://127.0.0.1:%d/api/v1/query?query="
                         "geosrpc_rows_processed_total%%7Bop%%3D%%22area%%22%%7D"
                         % port)
                value = None
                deadline = time.monotonic() + 60
                while value is None and time.monotonic() < deadline:
                    time.sleep(0.5)
                    try:
                        with urllib.request.urlopen(query, timeout=5) as r:
                            result = json.load(r)["data"]["result"]
                    except OSError:
                        continue
                    if result:
                        value = float(result[0]["value"][1])
                        labels = result[0]["metric"]
                self.assertEqual(value, 251.0)
                self.assertEqual(labels["job"], "geosrpc")
            finally:
                prom.terminate()
                prom.wait(timeout=30)


if __name__ == "__main__":
    unittest.main(verbosity=2)
