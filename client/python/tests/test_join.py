"""join, nearest and list_layers of the Python client against a real server.

Expected pairs come from Shapely 1.8 (Debian's python3-shapely) on the same
geometries: its STRtree for envelope queries, its predicates and distances
by brute force for the rest (Shapely 1.8's tree has neither predicates nor
k nearest). Geometries go to the server as Shapely's WKB, so both sides
see the same coordinates.
"""

import hashlib
import os
import signal
import tempfile
import unittest
import warnings

import grpc
import numpy as np
from shapely import wkt
from shapely.geometry import LineString, Point, Polygon, box
from shapely.strtree import STRtree

import geosrpc
from geosrpc import client as client_module
from server_process import start_server

PREDICATES = {
    "intersects": lambda a, s: a.intersects(s),
    "within": lambda a, s: a.within(s),
    "contains": lambda a, s: a.contains(s),
    "overlaps": lambda a, s: a.overlaps(s),
    "crosses": lambda a, s: a.crosses(s),
    "touches": lambda a, s: a.touches(s),
    "covers": lambda a, s: a.covers(s),
    "covered_by": lambda a, s: a.covered_by(s),
    "contains_properly": lambda a, s: a.relate_pattern(s, "T**FF*FF*"),
}


def grid_geometries(n, rng):
    """Points, boxes, lines and triangles with small integer coordinates,
    so that geometries share vertices and edges (touches, overlaps,
    crosses) and GEOS decides every case exactly."""
    out = []
    for i in range(n):
        x, y = (int(v) for v in rng.integers(0, 8, size=2))
        w, h = (int(v) for v in rng.integers(1, 4, size=2))
        kind = i % 4
        if kind == 0:
            out.append(Point(x, y))
        elif kind == 1:
            out.append(box(x, y, x + w, y + h))
        elif kind == 2:
            out.append(LineString([(x, y), (x + w, y + h - 2)]))
        else:
            out.append(Polygon([(x, y), (x + w, y), (x, y + h)]))
    return out


def random_geometries(n, rng):
    """Points, boxes, segments and coarse discs at random coordinates."""
    out = []
    for i in range(n):
        x, y = rng.uniform(0, 20, size=2)
        kind = i % 4
        if kind == 0:
            out.append(Point(x, y))
        elif kind == 1:
            out.append(box(x, y, x + rng.uniform(0.1, 2), y + rng.uniform(0.1, 2)))
        elif kind == 2:
            out.append(LineString([(x, y), (x + rng.uniform(-2, 2),
                                            y + rng.uniform(-2, 2))]))
        else:
            out.append(Point(x, y).buffer(rng.uniform(0.1, 1.5), 3))
    return out


def pairs(found):
    """(2, n) int64 from [(a row, set row), ...]."""
    return np.array(found, dtype=np.int64).reshape(-1, 2).T


def brute_join(a, s, test):
    return pairs([(i, j) for i, ga in enumerate(a) if ga is not None
                  for j, gs in enumerate(s) if test(ga, gs)])


def brute_nearest(a, s, k=1, max_distance=None, exclusive=False,
                  all_matches=True):
    """Pairs and distances, nearest first, ties by set row."""
    found, distances = [], []
    for i, ga in enumerate(a):
        if ga is None or ga.is_empty:
            continue
        near = sorted((ga.distance(gs), j) for j, gs in enumerate(s)
                      if not gs.is_empty and not (exclusive and ga.equals(gs)))
        if max_distance is not None:
            near = [(d, j) for d, j in near if d <= max_distance]
        if not near:
            continue
        if all_matches:
            kth = near[min(k, len(near)) - 1][0]
            near = [(d, j) for d, j in near if d <= kth]
        else:
            near = near[:k]
        found += [(i, j) for _, j in near]
        distances += [d for d, _ in near]
    return pairs(found), np.array(distances, dtype=np.float64)


class JoinTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        rng = np.random.default_rng(11)
        cls.layer_geoms = grid_geometries(60, rng)
        cls.layer_path = os.path.join(cls.dir.name, "shapes.wkt")
        with open(cls.layer_path, "w") as f:
            f.write("".join(g.wkt + "\n" for g in cls.layer_geoms))
        server = start_server("--workers=2", "--metrics_listen=",
                              f"--layer=shapes={cls.layer_path}")
        cls.server, cls.target = server.proc, server.target
        cls.client = geosrpc.Client(cls.target, timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.server.send_signal(signal.SIGTERM)
        assert cls.server.wait(timeout=60) == 0
        cls.dir.cleanup()

    def test_every_predicate_matches_shapely(self):
        rng = np.random.default_rng(1)
        a, s = grid_geometries(120, rng), grid_geometries(100, rng)
        for name, test in PREDICATES.items():
            with self.subTest(predicate=name):
                got = self.client.join([g.wkb for g in a], set=[g.wkb for g in s],
                                       predicate=name)
                self.assertEqual(got.dtype, np.int64)
                np.testing.assert_array_equal(got, brute_join(a, s, test))
                if name == "intersects":
                    self.assertGreater(got.shape[1], 100)

    def test_envelope_matches_shapelys_strtree_query(self):
        rng = np.random.default_rng(2)
        a, s = random_geometries(150, rng), random_geometries(200, rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 1.8's STRtree deprecation
            tree = STRtree(s)
            expected = pairs([(i, j) for i, g in enumerate(a)
                              for j in sorted(tree.query_items(g))])
        got = self.client.join([g.wkb for g in a], set=[g.wkb for g in s],
                               predicate="envelope")
        np.testing.assert_array_equal(got, expected)

    def test_dwithin_with_distances(self):
        rng = np.random.default_rng(3)
        a, s = random_geometries(150, rng), random_geometries(150, rng)
        got, distances = self.client.join(
            [g.wkb for g in a], set=[g.wkb for g in s], predicate="dwithin",
            distance=1.5, return_distance=True)
        expected = brute_join(a, s, lambda x, y: x.distance(y) <= 1.5)
        np.testing.assert_array_equal(got, expected)
        self.assertEqual(distances.dtype, np.float64)
        np.testing.assert_array_equal(
            distances, [a[i].distance(s[j]) for i, j in expected.T])

    def test_nearest_matches_brute_force(self):
        rng = np.random.default_rng(4)
        a, s = random_geometries(120, rng), random_geometries(150, rng)
        a_wkb, s_wkb = [g.wkb for g in a], [g.wkb for g in s]
        for k, max_distance, all_matches in [(1, None, True), (3, None, True),
                                             (4, 2.0, False)]:
            with self.subTest(k=k, max_distance=max_distance):
                got, d = self.client.nearest(
                    a_wkb, set=s_wkb, k=k, max_distance=max_distance,
                    all_matches=all_matches, return_distance=True)
                want, want_d = brute_nearest(a, s, k, max_distance,
                                             all_matches=all_matches)
                np.testing.assert_array_equal(got, want)
                np.testing.assert_array_equal(d, want_d)

    def test_nearest_ties_and_exclusive(self):
        # Integer points: many neighbours at exactly equal distances.
        grid = [Point(x, y) for x in range(6) for y in range(6)]
        pts = np.array([[g.x, g.y] for g in grid])
        got = self.client.nearest(pts, set=pts, exclusive=True)
        want, _ = brute_nearest(grid, grid, exclusive=True)
        np.testing.assert_array_equal(got, want)
        self.assertEqual(got.shape[1], 16 * 4 + 16 * 3 + 4 * 2)
        one = self.client.nearest(pts, set=pts, exclusive=True, k=2,
                                  all_matches=False)
        want, _ = brute_nearest(grid, grid, k=2, exclusive=True,
                                all_matches=False)
        np.testing.assert_array_equal(one, want)
        self.assertEqual(one.shape[1], 2 * len(grid))
        # Not exclusive: each point is its own nearest.
        own = self.client.nearest(pts, set=pts)
        np.testing.assert_array_equal(own, np.vstack([np.arange(36)] * 2))

    def test_row_errors_leave_rows_without_pairs(self):
        a = ["POINT (1 1)", "POINT (1", "POINT (5 5)", "POINT EMPTY"]
        s = ["POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))", "POINT EMPTY",
             "POLYGON ((4 4, 6 4, 6 6, 4 6, 4 4))"]
        result = self.client.join_result(a, set=s, predicate="within")
        np.testing.assert_array_equal(result.indices, [[0, 2], [0, 2]])
        self.assertIsNone(result.distances)
        self.assertEqual(list(result.errors), [1])
        code, message = result.errors[1]
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("unclosed", message)
        self.assertEqual(result.summary.rows, 4)
        self.assertEqual(result.summary.error_rows, 1)
        self.assertEqual(result.summary.set.rows, 3)
        self.assertEqual(result.summary.set.indexed, 2)  # The empty is out.
        np.testing.assert_array_equal(
            self.client.join(a, set=s, predicate="within"), result.indices)

    def test_set_rows_that_fail_are_reported(self):
        result = self.client.join_result(
            ["POINT (1 1)"], set=["POINT (1 1)", "POINT (2", "POINT (1 1)"])
        np.testing.assert_array_equal(result.indices, [[0, 0], [0, 2]])
        self.assertEqual(list(result.set_errors), [1])
        self.assertEqual(result.set_errors[1][0],
                         grpc.StatusCode.INVALID_ARGUMENT)

    def test_large_set_goes_by_digest_first(self):
        rng = np.random.default_rng(5)
        s = [g.wkb for g in random_geometries(1200, rng)]
        batch = geosrpc.batch(s)
        self.assertGreater(len(batch.data), 64 << 10)
        a = rng.uniform(0, 20, size=(300, 2))
        first = self.client.join_result(a, set=batch, predicate="dwithin",
                                        distance=0.5)
        self.assertTrue(first.digest_missed)
        self.assertGreater(first.summary.index_seconds, 0)
        self.assertEqual(first.summary.set.digest, geosrpc.set_digest(batch))
        second = self.client.join_result(a, set=batch, predicate="dwithin",
                                         distance=0.5)
        self.assertFalse(second.digest_missed)
        self.assertEqual(second.summary.index_seconds, 0)
        np.testing.assert_array_equal(second.indices, first.indices)
        self.assertGreater(first.indices.shape[1], 0)
        # Nearest names the same set by digest too.
        near = self.client.nearest_result(a, set=batch)
        self.assertFalse(near.digest_missed)
        # Turned off, the set goes whole (and the server finds it held).
        with geosrpc.Client(self.target, digest_first_bytes=None) as whole:
            again = whole.join_result(a, set=batch, predicate="dwithin",
                                      distance=0.5)
        self.assertFalse(again.digest_missed)
        np.testing.assert_array_equal(again.indices, first.indices)

    def test_layers_by_name(self):
        layers = self.client.list_layers()
        self.assertEqual(list(layers), ["shapes"])
        info = layers["shapes"]
        self.assertEqual(info.rows, 60)
        self.assertEqual(info.indexed, 60)
        wkts = [g.wkt for g in self.layer_geoms]
        self.assertEqual(info.digest, geosrpc.set_digest(wkts))
        rng = np.random.default_rng(6)
        a = grid_geometries(50, rng)
        by_layer = self.client.join([g.wkb for g in a], layer="shapes",
                                    predicate="touches")
        layer = [wkt.loads(w) for w in wkts]
        np.testing.assert_array_equal(
            by_layer, brute_join(a, layer, PREDICATES["touches"]))
        near = self.client.nearest([g.wkb for g in a], layer="shapes", k=2)
        np.testing.assert_array_equal(near, brute_nearest(a, layer, k=2)[0])

    def test_whole_call_failures_raise(self):
        with self.assertRaises(geosrpc.ComputeError) as e:
            self.client.join(["POINT (0 0)"], layer="nowhere")
        self.assertEqual(e.exception.code, grpc.StatusCode.NOT_FOUND)
        with self.assertRaises(geosrpc.ComputeError) as e:
            self.client.join(["POINT (0 0)"] * 10, set=["POINT (0 0)"],
                             max_pairs=5)
        self.assertEqual(e.exception.code, grpc.StatusCode.RESOURCE_EXHAUSTED)
        with self.assertRaises(geosrpc.ComputeError) as e:
            self.client.nearest(["POINT (0 0)"], set=["POINT (0 0)"],
                                max_distance=-1)
        self.assertEqual(e.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        with self.assertRaises(ValueError):
            self.client.join(["POINT (0 0)"], set=["POINT (0 0)"],
                             predicate="near")
        with self.assertRaises(ValueError):
            self.client.join(["POINT (0 0)"])


class SetDigestTest(unittest.TestCase):
    def test_known_answer(self):
        self.assertEqual(
            geosrpc.set_digest(["POINT (1 2)", "LINESTRING (0 0, 1 1)"]),
            "sha256:f72aedcd576dbbbd0c24e4cd9598a43414ab0a2f5f64d048cad2356cf7"
            "b1d3c9")

    def test_blocks_hash_as_one_stream(self):
        rng = np.random.default_rng(7)
        rows = [bytes(rng.integers(0, 256, size=int(n), dtype=np.uint8))
                for n in rng.integers(0, 40, size=500)]
        batch = geosrpc.batch(rows)
        h = hashlib.sha256(bytes([1]) + len(rows).to_bytes(8, "little"))
        for r in rows:
            h.update(len(r).to_bytes(8, "little") + r)
        expected = "sha256:" + h.hexdigest()
        self.assertEqual(geosrpc.set_digest(batch), expected)
        saved = client_module._DIGEST_BLOCK
        try:
            for block in (1, 7, 100):
                client_module._DIGEST_BLOCK = block
                self.assertEqual(geosrpc.set_digest(batch), expected)
        finally:
            client_module._DIGEST_BLOCK = saved
        self.assertEqual(geosrpc.set_digest([]), "sha256:" + hashlib.sha256(
            bytes([1]) + bytes(8)).hexdigest())


if __name__ == "__main__":
    unittest.main()
