"""Coordinate arrays (GeoArrow's layout) through a real server: Shapely's
creation functions, ragged arrays and *_xy, against Shapely 1.8 objects
built by hand and known answers.

The server binary comes from $GEOSRPC_SERVER (ctest sets it).
"""

import signal
import unittest

import grpc
import numpy as np
import shapely.wkb
from shapely import wkt
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

import geosrpc
from geosrpc import _coordinates
from geosrpc.v1 import geometry_service_pb2 as pb
from server_process import start_server

# Two polygons (one with a hole) and an empty one, in Shapely's ragged form
# (offsets bottom up: ring offsets, then geometry offsets).
POLYGON_COORDS = np.array([[0, 0], [4, 0], [4, 4], [0, 4], [0, 0],
                           [1, 1], [1, 2], [2, 2], [1, 1],
                           [10, 10], [11, 10], [11, 11], [10, 10]],
                          dtype=float)
POLYGON_OFFSETS = (np.array([0, 5, 9, 13]), np.array([0, 2, 3, 3]))
POLYGON_WKT = ["POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 1 2, 2 2, 1 1))",
               "POLYGON ((10 10, 11 10, 11 11, 10 10))", "POLYGON EMPTY"]


class CoordinateBatchTest(unittest.TestCase):
    def test_rows_as_wkb_equal_shapelys(self):
        batch = _coordinates.from_ragged_array(3, POLYGON_COORDS,
                                               POLYGON_OFFSETS)
        self.assertEqual(len(batch), 3)
        self.assertEqual([shapely.wkb.loads(g).wkt for g in batch.to_wkb()],
                         POLYGON_WKT)

    def test_slices_rebase_every_level(self):
        batch = _coordinates.from_ragged_array("polygon", POLYGON_COORDS,
                                               POLYGON_OFFSETS)
        tail = batch.slice(1, 3)
        self.assertEqual(len(tail), 2)
        np.testing.assert_array_equal(tail.offsets[0], [0, 1, 1])
        np.testing.assert_array_equal(tail.offsets[1], [0, 4])
        np.testing.assert_array_equal(tail.coords, POLYGON_COORDS[9:])

    def test_concatenate_promotes_and_widens(self):
        points = _coordinates.points(np.array([[1, 2], [np.nan, np.nan]]))
        multi = _coordinates.CoordinateBatch(
            pb.COORDINATE_KIND_MULTIPOINT,
            np.array([[3, 4, 5], [6, 7, 8]]), (np.array([0, 2]),))
        both = _coordinates.concatenate([points, multi])
        self.assertEqual(both.kind, pb.COORDINATE_KIND_MULTIPOINT)
        np.testing.assert_array_equal(both.offsets[0], [0, 1, 1, 3])
        np.testing.assert_array_equal(both.coords[:, :2],
                                      [[1, 2], [3, 4], [6, 7]])
        self.assertTrue(np.isnan(both.coords[0, 2]))
        lines = _coordinates.lines(np.zeros((1, 2, 2)))
        with self.assertRaises(ValueError):
            _coordinates.concatenate([points, lines])


class CoordinatesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        server = start_server("--workers=2")
        cls.server, cls.target = server.proc, server.target
        cls.client = geosrpc.Client(cls.target, timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.server.send_signal(signal.SIGTERM)
        assert cls.server.wait(timeout=60) == 0

    def test_points_from_arrays(self):
        xy = np.random.default_rng(2).uniform(-100, 100, size=(1000, 2))
        got = self.client.points(xy).geometries()
        self.assertEqual([(p.x, p.y) for p in got], [tuple(c) for c in xy])
        xyz = self.client.points([1, 2], [3, 4], [5, 6]).geometries()
        self.assertEqual([p.coords[0] for p in xyz], [(1, 3, 5), (2, 4, 6)])
        empty = self.client.points(np.array([[np.nan, np.nan]]))
        self.assertTrue(empty.geometries()[0].is_empty)

    def test_lines_rings_polygons_and_boxes(self):
        lines = self.client.linestrings(np.array([[[0, 0], [1, 1]],
                                                  [[2, 2], [3, 5]]]))
        self.assertEqual([g.wkt for g in lines.geometries()],
                         ["LINESTRING (0 0, 1 1)", "LINESTRING (2 2, 3 5)"])
        grouped = self.client.linestrings([[0, 0], [1, 1], [2, 2], [5, 5],
                                           [6, 6]], indices=[0, 0, 0, 1, 1])
        self.assertEqual([len(g.coords) for g in grouped.geometries()],
                         [3, 2])
        rings = self.client.linearrings([[0, 0], [1, 0], [1, 1], [5, 5],
                                         [6, 5], [6, 6], [5, 5]],
                                        indices=[0, 0, 0, 1, 1, 1, 1])
        got = rings.geometries()
        self.assertEqual(got[0].wkt, "LINEARRING (0 0, 1 0, 1 1, 0 0)")
        self.assertEqual(len(got[1].coords), 4)  # Already closed.
        short = self.client.linearrings([[0, 0], [1, 1]], indices=[0, 0])
        self.assertEqual(short.errors[0][0], grpc.StatusCode.INVALID_ARGUMENT)
        polygons = self.client.polygons(
            [[[0, 0], [4, 0], [4, 4], [0, 0]]],
            holes=[[[[1, 0.5], [2, 0.5], [2, 1.5], [1, 0.5]]]])
        self.assertEqual(polygons.geometries()[0].area, 8 - 0.5)
        boxes = self.client.box([0, 10], [0, 10], [1, 12], [2, 13])
        self.assertEqual([g.wkt for g in boxes.geometries()],
                         ["POLYGON ((1 0, 1 2, 0 2, 0 0, 1 0))",
                          "POLYGON ((12 10, 12 13, 10 13, 10 10, 12 10))"])
        cw = self.client.box(0, 0, 1, 2, ccw=False).geometries()[0]
        self.assertEqual(cw.wkt, "POLYGON ((0 0, 0 2, 1 2, 1 0, 0 0))")

    def test_ragged_arrays_round_trip(self):
        result = self.client.from_ragged_array(3, POLYGON_COORDS,
                                               POLYGON_OFFSETS)
        self.assertFalse(result.mask.any())
        got = result.geometries()
        for g, want in zip(got, POLYGON_WKT):
            self.assertTrue(g.equals(wkt.loads(want)) or g.is_empty, g.wkt)
        kind, coords, offsets = self.client.to_ragged_array(got)
        self.assertEqual(int(kind), 3)
        np.testing.assert_array_equal(coords, POLYGON_COORDS)
        for o, want in zip(offsets, POLYGON_OFFSETS):
            np.testing.assert_array_equal(o, want)
        # A single and a multi polygon: promoted, as Shapely does.
        mixed = [Polygon([(0, 0), (1, 0), (1, 1)]),
                 MultiPolygon([Polygon([(5, 5), (6, 5), (6, 6)]),
                               Polygon([(8, 8), (9, 8), (9, 9)])])]
        kind, coords, (rings, parts, geometries) = \
            self.client.to_ragged_array(mixed)
        self.assertEqual(int(kind), 6)
        np.testing.assert_array_equal(geometries, [0, 1, 3])
        np.testing.assert_array_equal(parts, [0, 1, 2, 3])
        np.testing.assert_array_equal(rings, [0, 4, 8, 12])
        self.assertEqual(len(coords), 12)
        with self.assertRaises(ValueError):
            self.client.to_ragged_array([Point(0, 0), LineString([(0, 0),
                                                                  (1, 1)])])

    def test_malformed_offsets_name_the_array(self):
        with self.assertRaises(geosrpc.ComputeError) as e:
            self.client.from_ragged_array(1, [[0, 0], [1, 1]],
                                          (np.array([0, 3]),))
        self.assertEqual(e.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("a.coordinates.geometry_offsets ends at 3",
                      e.exception.message)
        # A ring that is not closed is its row's error, not the batch's.
        open_ring = self.client.from_ragged_array(
            3, [[0, 0], [1, 0], [1, 1], [0, 1]],
            (np.array([0, 4]), np.array([0, 1])))
        self.assertEqual(open_ring.errors[0][0],
                         grpc.StatusCode.INVALID_ARGUMENT)

    def test_contains_and_intersects_xy(self):
        square = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)])
        rng = np.random.default_rng(4)
        x, y = rng.uniform(-5, 15, size=(2, 2000))
        x[:3], y[:3] = [0, 5, 10], [5, 5, 11]  # Boundary, inside, outside.
        inside = self.client.contains_xy(square, x, y).values
        want = [square.contains(Point(a, b)) for a, b in zip(x, y)]
        np.testing.assert_array_equal(inside, want)
        touching = self.client.intersects_xy(square, np.column_stack([x, y]))
        np.testing.assert_array_equal(
            touching.values, [square.intersects(Point(a, b))
                              for a, b in zip(x, y)])
        self.assertEqual(list(inside[:3]), [False, True, False])
        self.assertTrue(touching.values[0])

    def test_coordinate_results_of_any_operation(self):
        xy = np.random.default_rng(7).uniform(0, 100, size=(300, 2))
        result = self.client.compute("buffer", xy, params={"radius": 1},
                                     result_encoding="coordinates")
        kind, coords, (rings, geometries) = result.ragged_array()
        self.assertEqual(int(kind), 3)
        self.assertEqual(len(geometries), 301)
        areas = [g.area for g in result.geometries()]
        direct = [Point(p).buffer(1, 8).area for p in xy]
        np.testing.assert_allclose(areas, direct, rtol=1e-12)
        # Streamed in slices: the same arrays.
        streamed = self.client.compute_stream(
            "buffer", xy, batch_rows=70, params={"radius": 1},
            result_encoding="coordinates")
        np.testing.assert_array_equal(streamed.coordinates.coords,
                                      result.coordinates.coords)
        for a, b in zip(streamed.coordinates.offsets,
                        result.coordinates.offsets):
            np.testing.assert_array_equal(a, b)
        # Parts keep their rows.
        parts = self.client.compute(
            "get_parts", ["MULTIPOINT ((0 0), (1 1))", "POINT (2 2)"],
            result_encoding="coordinates")
        np.testing.assert_array_equal(parts.source_rows, [0, 0, 1])
        np.testing.assert_array_equal(parts.coordinates.coords,
                                      [[0, 0], [1, 1], [2, 2]])

    def test_failed_rows_are_empty_slots(self):
        result = self.client.compute(
            "centroid", ["POINT (1 2)", "POINT (1", "POINT (3 4)"],
            result_encoding="coordinates")
        np.testing.assert_array_equal(result.mask, [False, True, False])
        coords = result.coordinates.coords
        self.assertEqual(coords.shape, (3, 2))
        self.assertTrue(np.isnan(coords[1]).all())
        self.assertIsNone(result.geometries()[1])

    def test_collects_keep_row_order_per_index(self):
        xy = np.arange(20, dtype=float).reshape(10, 2)
        indices = [1, 0, 1, 1, 0, 2, 2, 0, 1, 2]
        result = self.client.multipoints(xy, indices=indices)
        np.testing.assert_array_equal(result.group_keys, [0, 1, 2])
        for key, got in zip(result.group_keys, result.geometries()):
            want = [tuple(xy[i]) for i in range(10) if indices[i] == key]
            self.assertEqual([p.coords[0] for p in got.geoms], want)
        whole = self.client.multipoints(xy).geometries()
        self.assertEqual(len(whole), 1)
        self.assertEqual([p.coords[0] for p in whole[0].geoms],
                         [tuple(c) for c in xy])
        collection = self.client.geometrycollections(
            [Point(0, 0), LineString([(0, 0), (1, 1)])]).geometries()[0]
        self.assertEqual(collection.wkt, "GEOMETRYCOLLECTION (POINT (0 0), "
                         "LINESTRING (0 0, 1 1))")

    def test_set_coordinates(self):
        geoms = [Point(0, 0), LineString([(0, 0), (1, 1), (2, 0)]),
                 Polygon([(0, 0), (1, 0), (1, 1)])]
        new = np.arange(16, dtype=float).reshape(8, 2)
        new[7] = new[4]  # The ring stays closed.
        got = self.client.set_coordinates(geoms, new).geometries()
        self.assertEqual(got[0].wkt, "POINT (0 1)")
        self.assertEqual(got[1].wkt, "LINESTRING (2 3, 4 5, 6 7)")
        self.assertEqual(list(got[2].exterior.coords),
                         [(8, 9), (10, 11), (12, 13), (8, 9)])
        # A ring left open is its row's error; a wrong count, the call's.
        new[7] = [14, 15]
        opened = self.client.set_coordinates(geoms, new)
        np.testing.assert_array_equal(opened.mask, [False, False, True])
        with self.assertRaises(ValueError):
            self.client.set_coordinates(geoms, new[:5])

    def test_count_coordinates(self):
        geoms = [Point(0, 0), LineString([(0, 0), (1, 1), (2, 0)]),
                 Polygon([(0, 0), (1, 0), (1, 1)]), None]
        self.assertEqual(self.client.count_coordinates(geoms), 1 + 3 + 4)

    def test_sets_of_numpy_points_go_by_digest(self):
        xy = np.random.default_rng(9).uniform(0, 10, size=(5000, 2))
        digest = geosrpc.set_digest(xy)
        first = self.client.join_result(np.array([[5.0, 5.0]]), set=xy,
                                        predicate="dwithin", distance=0.2)
        self.assertEqual(first.summary.set.digest, digest)
        want = np.flatnonzero(np.hypot(xy[:, 0] - 5, xy[:, 1] - 5) <= 0.2)
        np.testing.assert_array_equal(first.indices[1], want)


if __name__ == "__main__":
    unittest.main()
