"""geosrpc-load against a real server: its counts and codes add up.

Run by ctest with $GEOSRPC_SERVER and $GEOSRPC_LOAD set.
"""

import json
import os
import subprocess
import tempfile
import unittest

from server_process import start_server


class LoadClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.load = os.environ["GEOSRPC_LOAD"]
        server = start_server("--workers=2")
        cls.server, cls.target = server.proc, server.target

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        assert cls.server.wait(timeout=60) == 0

    def run_load(self, *args):
        out = subprocess.run([self.load, f"--target={self.target}", "--json",
                              "--warmup=0s", *args],
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out)

    def test_request_count_rows_and_codes(self):
        report = self.run_load("--requests=40", "--duration=60s",
                               "--batch_rows=250", "--concurrency=3")
        self.assertGreaterEqual(report["requests"], 40)
        self.assertEqual(report["codes"], {"OK": report["requests"]})
        self.assertAlmostEqual(report["rows_per_second"] / 250,
                               report["requests_per_second"], delta=0.1)
        lat = report["latency_ms"]
        self.assertTrue(0 < lat["min"] <= lat["p50"] <= lat["p99"] <= lat["max"])

    def test_mixed_operations_and_open_loop(self):
        report = self.run_load("--dataset=polygons", "--batch_rows=20",
                               "--op=intersects,buffer,intersection",
                               "--rate=50", "--duration=1s")
        self.assertEqual(report["ops"], "intersects,buffer,intersection")
        self.assertEqual(set(report["codes"]), {"OK"})
        self.assertGreater(report["requests"], 20)

    def test_dataset_from_a_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".wkt") as f:
            f.write("POINT (0 0)\nPOINT (3 4)\nLINESTRING (0 0, 1 1)\n")
            f.flush()
            report = self.run_load(f"--dataset=file:{f.name}", "--requests=5",
                                   "--duration=60s", "--concurrency=1")
        self.assertEqual(report["codes"], {"OK": report["requests"]})
        self.assertAlmostEqual(report["rows_per_second"] / 3,
                               report["requests_per_second"], delta=0.1)

    def test_dataset_from_a_geojson_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".geojson") as f:
            json.dump({"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {},
                 "geometry": {"type": "Point", "coordinates": [i, i]}}
                for i in range(4)]}, f)
            f.flush()
            report = self.run_load(f"--dataset=file:{f.name}", "--requests=5",
                                   "--duration=60s", "--concurrency=1")
        self.assertEqual(report["codes"], {"OK": report["requests"]})
        self.assertAlmostEqual(report["rows_per_second"] / 4,
                               report["requests_per_second"], delta=0.1)

    def test_help_lists_the_flags_with_their_defaults(self):
        out = subprocess.run([self.load, "--help"], capture_output=True,
                             text=True, timeout=30)
        text = out.stdout + out.stderr
        self.assertNotIn("No flags matched", text)
        self.assertRegex(text, r"--batch_rows \(Rows per request\); "
                               r"default: 1000;")
        self.assertIn("--concurrency (Calls in flight)", text)

    def test_errors_are_counted_by_code(self):
        report = self.run_load("--op=buffer", "--param=quadsegs=0",
                               "--requests=5", "--duration=60s",
                               "--concurrency=1")
        self.assertEqual(report["codes"], {"INVALID_ARGUMENT": report["requests"]})


    def test_join_and_nearest_report_pairs(self):
        # Unit squares tiling [0, 10)^2: every seed point is in one or more.
        with tempfile.NamedTemporaryFile("w", suffix=".wkt") as f:
            f.write("".join(f"POLYGON (({x} {y}, {x + 1} {y}, {x + 1} {y + 1}, "
                            f"{x} {y + 1}, {x} {y}))\n"
                            for x in range(10) for y in range(10)))
            f.flush()
            join = self.run_load("--op=join", f"--set={f.name}",
                                 "--predicate=within", "--batch_rows=200",
                                 "--requests=10", "--duration=60s",
                                 "--concurrency=2")
            nearest = self.run_load("--op=nearest", f"--set={f.name}", "--k=2",
                                    "--batch_rows=200", "--requests=10",
                                    "--duration=60s", "--concurrency=2")
        for report in (join, nearest):
            self.assertEqual(report["codes"], {"OK": report["requests"]})
            self.assertGreater(report["pairs_per_second"], 0)
        # Random points fall inside one square each, almost surely.
        self.assertEqual(join["pairs"], join["requests"] * 200)
        self.assertGreaterEqual(nearest["pairs"], nearest["requests"] * 400)
        self.assertEqual(nearest["ops"], "nearest")

    def test_join_needs_a_set(self):
        out = subprocess.run([self.load, f"--target={self.target}",
                              "--op=join", "--requests=1"],
                             capture_output=True, text=True)
        self.assertEqual(out.returncode, 1)
        self.assertIn("--set=FILE or --layer=NAME", out.stderr)

if __name__ == "__main__":
    unittest.main(verbosity=2)
