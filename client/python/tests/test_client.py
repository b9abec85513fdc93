"""Tests of the Python client against a real geosrpc server.

The server binary comes from $GEOSRPC_SERVER (ctest sets it). Expected
values are computed directly with numpy.
"""

import signal
import unittest

import grpc
import numpy as np

import geosrpc
from geosrpc.v1 import geometry_service_pb2 as pb
from server_process import start_server


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        server = start_server("--workers=2")
        cls.server, cls.target = server.proc, server.target
        cls.client = geosrpc.Client(cls.target, timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.server.send_signal(signal.SIGTERM)
        # A clean drain exits 0 (and, in sanitizer builds, leak-free).
        assert cls.server.wait(timeout=60) == 0

    def test_distance_from_numpy_points_matches_numpy(self):
        rng = np.random.default_rng(1)
        coords = rng.uniform(0, 10, size=(5000, 2))
        result = self.client.compute("distance", coords, b="POINT (5 5)")
        expected = np.hypot(coords[:, 0] - 5, coords[:, 1] - 5)
        self.assertEqual(result.values.dtype, np.float64)
        np.testing.assert_allclose(result.values, expected, rtol=1e-12)
        self.assertFalse(result.mask.any())
        self.assertEqual(result.summary.rows, 5000)

    def test_area_of_rectangles_matches_numpy(self):
        rng = np.random.default_rng(2)
        x, y = rng.uniform(0, 100, size=(2, 1000))
        w, h = rng.uniform(0.1, 10, size=(2, 1000))
        wkts = [f"POLYGON (({a} {b}, {a + c} {b}, {a + c} {b + d}, "
                f"{a} {b + d}, {a} {b}))"
                for a, b, c, d in zip(x, y, w, h)]
        result = self.client.compute("area", wkts)
        np.testing.assert_allclose(result.values, w * h, rtol=1e-9)

    def test_predicates_return_bool_arrays(self):
        rng = np.random.default_rng(3)
        coords = rng.uniform(-1, 2, size=(3000, 2))
        result = self.client.compute(
            "intersects", coords, b="POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))")
        inside = ((coords >= 0) & (coords <= 1)).all(axis=1)
        self.assertEqual(result.values.dtype, bool)
        np.testing.assert_array_equal(result.values, inside)

    def test_row_wise_operand(self):
        rng = np.random.default_rng(4)
        a, b = rng.uniform(0, 10, size=(2, 2000, 2))
        result = self.client.compute("distance", a, b)
        np.testing.assert_allclose(result.values,
                                   np.hypot(*(a - b).T), rtol=1e-12)

    def test_bad_rows_are_masked_with_messages(self):
        result = self.client.compute(
            "length", ["LINESTRING (0 0, 3 4)", "LINESTRING (0 0", "POINT (1 1)"])
        np.testing.assert_array_equal(result.mask, [False, True, False])
        self.assertEqual(result.values[0], 5)
        self.assertTrue(np.isnan(result.values[1]))
        self.assertEqual(result.codes[1], grpc.StatusCode.INVALID_ARGUMENT.value[0])
        self.assertIn("unclosed", result.messages[1])

    def test_geometry_results_in_the_requested_encoding(self):
        result = self.client.compute("envelope", ["LINESTRING (0 0, 2 1)"],
                                     result_encoding="wkt")
        self.assertEqual(result.values[0], "POLYGON ((0 0, 2 0, 2 1, 0 1, 0 0))")
        wkb = self.client.compute("envelope", ["LINESTRING (0 0, 2 1)"])
        self.assertIsInstance(wkb.values[0], bytes)
        self.assertEqual(wkb.values[0][:5], b"\x01\x03\x00\x00\x00")
        # WKB results feed straight back in.
        area = self.client.compute("area", list(wkb.values))
        self.assertEqual(area.values[0], 2)

    def test_parameters_are_typed_and_validated(self):
        result = self.client.compute("buffer", ["POINT (0 0)"],
                                     params={"radius": 1.0, "quadsegs": 1})
        area = self.client.compute("area", list(result.values))
        self.assertAlmostEqual(area.values[0], 2.0)  # A diamond.
        with self.assertRaises(geosrpc.ComputeError) as e:
            self.client.compute("buffer", ["POINT (0 0)"],
                                params={"quadsegs": 0})
        self.assertEqual(e.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("quadsegs", e.exception.message)
        with self.assertRaises(ValueError):
            self.client.compute("area", ["POINT (0 0)"], params={"radius": 1})

    def test_bounds_are_an_n_by_4_array(self):
        rng = np.random.default_rng(6)
        coords = rng.uniform(0, 10, size=(500, 2))
        result = self.client.compute("bounds", coords)
        self.assertEqual(result.values.shape, (500, 4))
        np.testing.assert_array_equal(result.values,
                                      np.hstack([coords, coords]))

    def test_text_results(self):
        result = self.client.compute(
            "relate", ["POINT (0 0)", "POINT (5 5)"],
            b="POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))")
        self.assertEqual(list(result.values), ["F0FFFF212", "FF0FFF212"])
        reason = self.client.compute(
            "is_valid_reason", ["POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"])
        self.assertTrue(reason.values[0].startswith("Self-intersection"))

    def test_crs_operations_take_string_parameters(self):
        # Web Mercator: x = R * longitude in radians, R = 6378137.
        result = self.client.compute(
            "transform", ["POINT (10 0)", "POINT (10 91)"],
            params={"from_crs": "EPSG:4326", "to_crs": "EPSG:3857"},
            result_encoding="wkt")
        self.assertEqual(result.values[0][:7], "POINT (")
        x = float(result.values[0][7:].split()[0])
        self.assertAlmostEqual(x, 6378137 * np.radians(10), places=6)
        self.assertEqual(list(result.mask), [False, True])
        with self.assertRaises(geosrpc.ComputeError) as e:
            self.client.compute("transform", ["POINT (0 0)"],
                                params={"to_crs": "EPSG:999999"})
        self.assertIn("transform.to_crs", str(e.exception))
        # A degree of the equator on WGS84 (pyproj.Geod.inv).
        length = self.client.compute("geodesic_length",
                                     ["LINESTRING (0 0, 1 0)"])
        self.assertAlmostEqual(length.values[0], 111319.49079327357, places=6)

    def test_parts_map_back_to_their_rows(self):
        result = self.client.compute(
            "get_parts",
            ["MULTIPOINT ((0 0), (1 1))", "GEOMETRYCOLLECTION EMPTY",
             "POINT (", "POINT (2 2)"],
            result_encoding="wkt")
        self.assertEqual(list(result.values),
                         ["POINT (0 0)", "POINT (1 1)", "POINT (2 2)"])
        np.testing.assert_array_equal(result.source_rows, [0, 0, 3])
        np.testing.assert_array_equal(result.mask, [False, False, True, False])

    def test_coordinates_map_back_to_their_rows(self):
        wkts = ["POINT (1 2)", "POINT (", "LINESTRING Z (0 0 1, 3 4 5)",
                "POINT EMPTY"]
        xy = self.client.compute("get_coordinates", wkts)
        np.testing.assert_array_equal(xy.values, [[1, 2], [0, 0], [3, 4]])
        np.testing.assert_array_equal(xy.source_rows, [0, 2, 2])
        np.testing.assert_array_equal(xy.mask, [False, True, False, False])
        xyz = self.client.compute("get_coordinates", wkts,
                                  params={"include_z": True})
        np.testing.assert_array_equal(
            xyz.values, [[1, 2, np.nan], [0, 0, 1], [3, 4, 5]])

    def test_union_all_reduces_the_batch(self):
        squares = [f"POLYGON (({x} 0, {x + 1} 0, {x + 1} 1, {x} 1, {x} 0))"
                   for x in range(100)]
        result = self.client.compute("union_all", squares)
        self.assertEqual(len(result.values), 1)
        area = self.client.compute("area", list(result.values))
        self.assertAlmostEqual(area.values[0], 100)
        with self.assertRaises(ValueError):
            self.client.compute_stream("union_all", squares)

    def test_streaming_large_inputs_matches_one_batch(self):
        rng = np.random.default_rng(5)
        coords = rng.uniform(0, 10, size=(25000, 2))
        coords[7777, 0] = np.nan  # One bad row, far from the first slice.
        # (Both NaN would be POINT EMPTY, which is valid.)
        streamed = self.client.compute_stream("distance", coords,
                                              b="POINT (1 1)", batch_rows=4000)
        whole = self.client.compute("distance", coords, b="POINT (1 1)")
        np.testing.assert_array_equal(streamed.mask, whole.mask)
        self.assertEqual(list(streamed.messages), [7777])
        np.testing.assert_array_equal(streamed.values[~streamed.mask],
                                      whole.values[~whole.mask])

    def test_list_operations(self):
        ops = self.client.list_operations()
        self.assertIn("distance", ops)
        self.assertTrue(ops["distance"].prepared_broadcast)
        self.assertEqual([p.name for p in ops["dwithin"].parameters],
                         ["distance"])


class BatchTest(unittest.TestCase):
    def test_points_go_as_coordinates(self):
        b = geosrpc.points(np.array([[1, 2]], dtype=np.int32))
        proto = b.to_proto()
        self.assertEqual(proto.encoding, pb.ENCODING_COORDINATES)
        self.assertEqual(proto.coordinates.kind, pb.COORDINATE_KIND_POINT)
        self.assertEqual(proto.coordinates.dimensions, 2)
        self.assertEqual(proto.coordinates.coords.hex(),
                         "000000000000f03f0000000000000040")
        # As WKB (set digests), the bytes the server reads them as.
        wkb = geosrpc._inputs.as_wkb(b)
        self.assertEqual(wkb.data.hex(),
                         "0101000000000000000000f03f0000000000000040")
        self.assertEqual(wkb.offsets.tolist(), [0, 21])

    def test_batch_of_text_and_slices(self):
        b = geosrpc.batch(["POINT (1 2)", "POINT (3 4)", "POINT (5 6)"])
        self.assertEqual(b.offsets.tolist(), [0, 11, 22, 33])
        s = b.slice(1, 3)
        self.assertEqual(s.data, b"POINT (3 4)POINT (5 6)")
        self.assertEqual(s.offsets.tolist(), [0, 11, 22])
        with self.assertRaises(TypeError):
            geosrpc.batch(["POINT (1 2)", b"\x01"])


if __name__ == "__main__":
    unittest.main()
