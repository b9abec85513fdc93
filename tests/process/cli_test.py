"""The geosrpc CLI against a real server: list, compute (WKT, hex WKB and
GeoJSON in; CSV and JSON out; broadcast and row-wise b), join, nearest and
layers (a layer loaded at start-up), demo and --help."""

import json
import os
import re
import subprocess
import tempfile
import unittest

from server_process import start_server


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        # Unit squares [i, i+1] x [0, 1], i = 0..9.
        cls.squares = os.path.join(cls.dir.name, "squares.wkt")
        with open(cls.squares, "w") as f:
            f.write("".join(f"POLYGON (({i} 0, {i + 1} 0, {i + 1} 1, {i} 1, "
                            f"{i} 0))\n" for i in range(10)))
        server = start_server("--metrics_listen=", "--log_requests=false",
                              f"--layer=squares={cls.squares}")
        cls.server = server.proc
        cls.flags = [f"--server={server.target}"]

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        assert cls.server.wait(timeout=60) == 0
        cls.dir.cleanup()

    def cli(self, *args):
        out = subprocess.run([os.environ["GEOSRPC_CLI"], *args, *self.flags],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def write(self, name, text):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_list(self):
        out = self.cli("list")
        self.assertRegex(out, r"distance +arity=2 result=DOUBLE prepared")
        self.assertIn("buffer.quadsegs: int = 8 in [1, 1000]", out)

    def test_compute_transform_with_a_proj_string_and_wkt(self):
        def point(line):
            x, y = re.fullmatch(r"0,POINT \((\S+) (\S+)\),,", line).groups()
            return float(x), float(y)

        a = self.write("lonlat.wkt", "POINT (15 0)\nPOINT (15 91)\n")
        out = self.cli("compute", "--op=transform", f"--a={a}",
                       "--param=from_crs=EPSG:4326,to_crs=+proj=utm +zone=33 "
                       "+datum=WGS84")
        lines = out.splitlines()
        # The central meridian at the equator: 500 km east, 0 north.
        x, y = point(lines[1])
        self.assertAlmostEqual(x, 500000, places=6)
        self.assertAlmostEqual(y, 0, places=6)
        self.assertRegex(lines[2], r"^1,,3,.*cannot transform \(15 91\)")
        wkt = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,'
               '298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",'
               '0.0174532925199433]]')
        utm = self.write("utm.wkt", "POINT (500000 0)\n")
        out = self.cli("compute", "--op=transform", f"--a={utm}",
                       f"--param=from_crs=EPSG:32633,to_crs={wkt}")
        x, y = point(out.splitlines()[1])
        self.assertAlmostEqual(x, 15, places=9)
        self.assertAlmostEqual(y, 0, places=9)
        line = self.write("line.wkt", "LINESTRING (0 0, 1 0)\n")
        out = self.cli("compute", "--op=geodesic_length", f"--a={line}",
                       "--format=json")
        self.assertAlmostEqual(json.loads(out)[0]["value"],
                               111319.49079327357, places=6)

    def test_compute_wkt_to_csv_with_a_bad_row(self):
        a = self.write("a.wkt", "LINESTRING (0 0, 3 4)\nPOINT (1\nPOINT (0 0)\n")
        out = self.cli("compute", "--op=length", f"--a={a}")
        self.assertEqual(out.splitlines(), [
            "row,value,error_code,error_message", "0,5,,",
            "1,,3,a: invalid WKT: unclosed '('", "2,0,,"])

    def test_compute_stream_rows_answers_as_one_call(self):
        a = self.write("lines.wkt", "".join(
            f"LINESTRING (0 0, {i} {i})\n" if i != 7 else "POINT (1\n"
            for i in range(1, 24)))
        whole = self.cli("compute", "--op=length", f"--a={a}")
        streamed = self.cli("compute", "--op=length", f"--a={a}",
                            "--stream_rows=5")
        self.assertEqual(streamed, whole)
        self.assertIn("6,,3,a: invalid WKT", streamed)
        out = subprocess.run([os.environ["GEOSRPC_CLI"], "compute",
                              "--op=union_all", f"--a={a}", "--stream_rows=5",
                              *self.flags],
                             capture_output=True, text=True, timeout=120)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("'union_all' reduces the whole batch", out.stderr)

    def test_compute_geojson_to_json_with_broadcast_b(self):
        a = self.write("a.geojson", json.dumps({
            "type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {},
                 "geometry": {"type": "Point", "coordinates": [3, 4]}},
                {"type": "Feature", "properties": {},
                 "geometry": {"type": "Point", "coordinates": [6, 8]}}]}))
        rows = json.loads(self.cli("compute", "--op=distance", f"--a={a}",
                                   "--b_wkt=POINT (0 0)", "--format=json"))
        self.assertEqual(rows, [{"row": 0, "value": 5}, {"row": 1, "value": 10}])

    def test_compute_hex_rows_with_row_wise_b_and_geometry_output(self):
        # a: POINT (1 2), POINT (3 4); b, row-wise: POINT (0 0), POINT (3 4).
        a = self.write("a.hex", "0101000000000000000000F03F0000000000000040\n"
                                "010100000000000000000008400000000000001040\n")
        b = self.write("b.hex", "010100000000000000000000000000000000000000\n"
                                "010100000000000000000008400000000000001040\n")
        out = self.cli("compute", "--op=union", f"--a={a}", f"--b={b}")
        self.assertEqual(out.splitlines()[1:], [
            '0,"MULTIPOINT (1 2, 0 0)",,', "1,POINT (3 4),,"])

    def test_compute_geojson_features_one_row_each_null_geometry_fails_its_row(self):
        a = self.write("null.geojson", json.dumps({
            "type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"name": "a ] b"},
                 "geometry": {"type": "LineString",
                              "coordinates": [[0, 0], [3, 4]]}},
                {"type": "Feature", "properties": {}, "geometry": None},
                {"type": "Feature", "properties": {},
                 "geometry": {"type": "Point", "coordinates": [1, 1]}}]}))
        rows = json.loads(self.cli("compute", "--op=length", f"--a={a}",
                                   "--format=json"))
        self.assertEqual(rows, [
            {"row": 0, "value": 5},
            {"row": 1, "error": {"code": 3,
                                 "message": "a: GeoJSON: null geometry"}},
            {"row": 2, "value": 0}])

    def test_compute_newline_delimited_geojson(self):
        a = self.write("a.ndjson", "\n".join(json.dumps(g) for g in [
            {"type": "Point", "coordinates": [3, 4]},
            {"type": "Feature", "properties": {"id": 2},
             "geometry": {"type": "Point", "coordinates": [6, 8]}}]) + "\n")
        out = self.cli("compute", "--op=distance", f"--a={a}",
                       "--b_wkt=POINT (0 0)")
        self.assertEqual(out.splitlines()[1:], ["0,5,,", "1,10,,"])

    def test_compute_geojson_text_sequence(self):
        # RFC 8142: records open with the record separator; a null geometry
        # is its row's error; numbers print in their shortest form.
        a = self.write("a.geojsons", "".join("\x1e" + json.dumps(g) + "\n" for g in [
            {"type": "Point", "coordinates": [1.2, 1.6]},
            {"type": "Feature", "properties": {}, "geometry": None},
            {"type": "Feature", "properties": {"id": 2},
             "geometry": {"type": "Point", "coordinates": [0.1, 0.2]}}]))
        out = self.cli("compute", "--op=distance", f"--a={a}",
                       "--b_wkt=POINT (0 0)")
        self.assertEqual(out.splitlines()[1:], [
            "0,2,,", "1,,3,a: GeoJSON: null geometry",
            f"2,{repr(0.223606797749979)},,"])

    def test_malformed_geojson_names_the_byte(self):
        a = self.write("bad.geojson", '{"type": "FeatureCollection", '
                                      '"features": [{"type": "Feature",}]}')
        out = subprocess.run([os.environ["GEOSRPC_CLI"], "compute",
                              "--op=area", f"--a={a}", *self.flags],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 1)
        self.assertIn("GeoJSON: expected a string key at byte 62", out.stderr)

    def test_join_csv_with_a_bad_row(self):
        # Inside square 3, on the edge of 6 and 7, a bad row, outside.
        a = self.write("probe.wkt", "POINT (3.5 0.5)\nPOINT (7 0.5)\n"
                                    "POINT (1\nPOINT (-5 -5)\n")
        out = self.cli("join", f"--a={a}", f"--set={self.squares}",
                       "--predicate=intersects")
        self.assertEqual(out.splitlines(), [
            "a_row,set_row,error_code,error_message", "0,3,,", "1,6,,",
            "1,7,,", "2,,3,a: invalid WKT: unclosed '('"])
        by_layer = self.cli("join", f"--a={a}", "--layer=squares")
        self.assertEqual(by_layer, out)

    def test_join_dwithin_json_with_distances(self):
        a = self.write("near.wkt", "POINT (0.5 2)\nPOINT (2.5 0.5)\n")
        rows = json.loads(self.cli(
            "join", f"--a={a}", f"--set={self.squares}", "--predicate=dwithin",
            "--distance=1", "--return_distance", "--format=json"))
        self.assertEqual(rows, [
            {"a_row": 0, "set_row": 0, "distance": 1},
            {"a_row": 1, "set_row": 1, "distance": 0.5},
            {"a_row": 1, "set_row": 2, "distance": 0},
            {"a_row": 1, "set_row": 3, "distance": 0.5}])

    def test_nearest_k_ties_and_options(self):
        a = self.write("far.wkt", "POINT (5 3)\nPOINT (0.5 0.5)\n")
        out = self.cli("nearest", f"--a={a}", "--layer=squares", "--k=3",
                       "--return_distance")
        # Ties with the third nearest stay (squares 3 and 6).
        self.assertEqual(out.splitlines(), [
            "a_row,set_row,distance,error_code,error_message",
            "0,4,2,,", "0,5,2,,", "0,3,2.23606797749979,,",
            "0,6,2.23606797749979,,", "1,0,0,,", "1,1,0.5,,", "1,2,1.5,,"])
        out = self.cli("nearest", f"--a={a}", f"--set={self.squares}",
                       "--all_matches=false", "--max_distance=2.5")
        self.assertEqual(out.splitlines()[1:], ["0,4,,", "1,0,,"])
        same = self.write("same.wkt", "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))\n")
        out = self.cli("nearest", f"--a={same}", "--layer=squares",
                       "--exclusive")
        self.assertEqual(out.splitlines()[1:], ["0,1,,"])

    def test_layers(self):
        out = self.cli("layers")
        self.assertRegex(out, r"^squares +rows=10 indexed=10 vertices=50 "
                              r"bytes=\d+ bounds=\[0,0,10,1\] sha256:[0-9a-f]{64}$")

    def test_join_refuses_bad_arguments(self):
        a = self.write("one.wkt", "POINT (0 0)\n")
        for args, message in [
                (["--predicate=near", f"--set={self.squares}"],
                 "unknown join predicate 'near'"),
                ([], "give one of --set=FILE or --layer=NAME"),
                (["--layer=nowhere"], "NOT_FOUND"),
        ]:
            out = subprocess.run([os.environ["GEOSRPC_CLI"], "join", f"--a={a}",
                                  *args, *self.flags],
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(out.returncode, 1, args)
            self.assertIn(message, out.stderr)

    def test_help_lists_the_flags_with_their_defaults(self):
        out = subprocess.run([os.environ["GEOSRPC_CLI"], "--help"],
                             capture_output=True, text=True, timeout=30)
        text = out.stdout + out.stderr
        self.assertNotIn("No flags matched", text)
        self.assertRegex(text, r"--op \(Operation name")
        self.assertRegex(text, r'--input_format \([^;]*\);\s*default: "auto";')
        self.assertRegex(text, r'--server \(Server address\); default: '
                               r'"127.0.0.1:50051";')

    def test_client_binaries_link_no_geos(self):
        for binary in (os.environ["GEOSRPC_CLI"], os.environ["GEOSRPC_LOAD"]):
            libs = subprocess.run(["ldd", binary], capture_output=True,
                                  text=True, check=True).stdout
            self.assertNotIn("libgeos", libs, binary)

    def test_demo_runs_the_seed_workload(self):
        out = self.cli("demo", "--rows=5000", "--repeat=1")
        self.assertRegex(out, r"run 1: 5000 rows in [0-9.]+ s = \d+ rows/s")


if __name__ == "__main__":
    unittest.main(verbosity=2)
