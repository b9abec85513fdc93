"""The Python client with what users hold (Shapely geometries, GeoJSON,
GeoPandas frames, numpy arrays) against a real server, every answer checked
against Shapely 1.8 / GeoPandas 0.12 (Debian's) on the same geometries."""

import signal
import socket
import subprocess
import os
import time
import unittest

import grpc
import numpy as np
from shapely.geometry import (LineString, MultiPoint, Point, Polygon, box,
                              mapping, shape)
from shapely.geometry import CAP_STYLE, JOIN_STYLE

import geosrpc
from server_process import start_server

try:
    import geopandas
except ImportError:  # Tests of the GeoPandas helpers skip.
    geopandas = None


# Buffers: the server's default is 8 segments per quarter circle (GEOS's and
# Shapely 2's); Shapely 1.8's is 16, so the expected values name 8.


def shapes(n, seed=1):
    """Boxes, triangles, lines and points with small integer corners."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x, y = (int(v) for v in rng.integers(0, 10, size=2))
        w, h = (int(v) for v in rng.integers(1, 4, size=2))
        out.append([box(x, y, x + w, y + h),
                    Polygon([(x, y), (x + w, y), (x, y + h)]),
                    LineString([(x, y), (x + w, y + h), (x + 2 * w, y)]),
                    Point(x, y)][i % 4])
    return out


class ShapelyTest(unittest.TestCase):
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

    def assertSameGeometries(self, ours, theirs, tolerance=1e-9):
        self.assertEqual(len(ours), len(theirs))
        for i, (a, b) in enumerate(zip(ours, theirs)):
            self.assertTrue(a.equals_exact(b, tolerance) or
                            a.symmetric_difference(b).area < tolerance,
                            f"row {i}: {a.wkt} != {b.wkt}")

    def test_shapely_geometries_in_shapely_geometries_out(self):
        geoms = shapes(40)
        result = self.client.buffer(geoms, 0.5)
        self.assertSameGeometries(result.geometries(),
                                  [g.buffer(0.5, 8) for g in geoms])
        np.testing.assert_allclose(self.client.area(geoms).values,
                                   [g.area for g in geoms], rtol=1e-12)
        np.testing.assert_allclose(self.client.length(geoms).values,
                                   [g.length for g in geoms], rtol=1e-12)
        centroids = self.client.centroid(geoms).geometries()
        self.assertSameGeometries(centroids, [g.centroid for g in geoms])
        probe = Point(4, 4)
        np.testing.assert_allclose(self.client.distance(geoms, probe).values,
                                   [g.distance(probe) for g in geoms],
                                   rtol=1e-12)
        np.testing.assert_array_equal(
            self.client.intersects(geoms, box(2, 2, 6, 6)).values,
            [g.intersects(box(2, 2, 6, 6)) for g in geoms])

    def test_grouped_reductions_dissolve_like_geopandas(self):
        from shapely.ops import unary_union
        geoms = [g.buffer(0.3) for g in shapes(60, seed=3)]
        keys = np.asarray([i % 4 * 10 - 5 for i in range(60)])
        result = self.client.compute("union_all", geoms, group_keys=keys)
        np.testing.assert_array_equal(result.group_keys, [-5, 5, 15, 25])
        self.assertEqual(result.group_errors, {})
        self.assertSameGeometries(
            result.geometries(),
            [unary_union([g for g, k in zip(geoms, keys) if k == key])
             for key in (-5, 5, 15, 25)], tolerance=1e-6)
        bounds = self.client.compute("total_bounds", geoms, group_keys=keys)
        self.assertEqual(bounds.values.shape, (4, 4))
        for i, key in enumerate((-5, 5, 15, 25)):
            members = [g for g, k in zip(geoms, keys) if k == key]
            np.testing.assert_allclose(
                bounds.values[i], unary_union(members).bounds, rtol=1e-12)
        whole = self.client.compute("total_bounds", geoms)
        np.testing.assert_allclose(whole.values, unary_union(geoms).bounds,
                                   rtol=1e-12)

    def test_buffer_styles_by_shapely_names_and_numbers(self):
        line = LineString([(0, 0), (10, 0), (10, 10)])
        for cap in ("round", "flat", "square"):
            for join in ("round", "mitre", "bevel"):
                expected = line.buffer(1, 8, cap_style=getattr(CAP_STYLE, cap),
                                       join_style=getattr(JOIN_STYLE, join))
                ours = self.client.buffer(line, 1, cap_style=cap,
                                          join_style=join).geometries()
                self.assertSameGeometries(ours, [expected])
                # Shapely 1.8's constants are the proto's numbers.
                by_number = self.client.buffer(
                    line, 1, cap_style=getattr(CAP_STYLE, cap),
                    join_style=getattr(JOIN_STYLE, join)).geometries()
                self.assertSameGeometries(by_number, [expected])
        expected = Point(0, 0).buffer(2, 3)
        ours = self.client.buffer(Point(0, 0), 2, quad_segs=3).geometries()
        self.assertSameGeometries(ours, [expected])
        mitre = self.client.buffer(line, 1, join_style="mitre",
                                   mitre_limit=1.1).geometries()[0]
        self.assertSameGeometries(
            [mitre], [line.buffer(1, 8, join_style=JOIN_STYLE.mitre,
                                  mitre_limit=1.1)])
        # compute() takes the same names, and camelCase spellings.
        via_compute = self.client.compute(
            "buffer", line, params={"radius": 1, "capStyle": "flat"})
        self.assertSameGeometries(via_compute.geometries(),
                                  [line.buffer(1, 8, cap_style=CAP_STYLE.flat)])

    def test_parameters_are_checked_by_name_and_type(self):
        with self.assertRaisesRegex(
                ValueError, r"operation 'buffer' has no parameter 'quad_segs' "
                r"\(its parameters: radius, quadsegs, cap_style, join_style, "
                r"mitre_limit, single_sided\)"):
            self.client.compute("buffer", Point(0, 0),
                                params={"quad_segs": 2})
        with self.assertRaisesRegex(
                TypeError, "parameter 'radius' of 'buffer' takes a number, "
                "not str '1'"):
            self.client.compute("buffer", Point(0, 0), params={"radius": "1"})
        with self.assertRaisesRegex(
                ValueError, "parameter 'cap_style' of 'buffer' takes one of "
                "round, flat, square, not 'butt'"):
            self.client.buffer(Point(0, 0), 1, cap_style="butt")
        with self.assertRaises(TypeError):
            self.client.buffer(Point(0, 0), 1, quad_segs=2.5)
        with self.assertRaises(TypeError):
            self.client.buffer(Point(0, 0), 1, single_sided=1)
        with self.assertRaises(AttributeError):
            self.client.no_such_operation(Point(0, 0))
        # numpy numbers are numbers.
        area = self.client.buffer(Point(0, 0), np.float32(1),
                                  quad_segs=np.int64(1))
        self.assertAlmostEqual(self.client.area(area.values).values[0], 2)

    def test_operations_take_shapely_positional_parameters(self):
        line = LineString([(0, 0), (1, 0.01), (2, 0), (3, 1)])
        self.assertSameGeometries(self.client.simplify([line], 0.1)
                                  .geometries(), [line.simplify(0.1)])
        self.assertSameGeometries(
            self.client.simplify(line, tolerance=0.1).geometries(),
            [line.simplify(0.1)])
        pts = [Point(0, 0), Point(3, 4), Point(10, 0)]
        np.testing.assert_array_equal(
            self.client.dwithin(pts, Point(0, 0), 5).values,
            [True, True, False])
        with self.assertRaises(TypeError):
            self.client.area()

    def test_one_geometry_is_one_row(self):
        for one in (Point(1, 2), "POINT (1 2)", Point(1, 2).wkb,
                    {"type": "Point", "coordinates": [1, 2]},
                    {"type": "Feature", "properties": {},
                     "geometry": {"type": "Point", "coordinates": [1, 2]}},
                    MultiPoint([(0, 0), (1, 2)]),
                    np.array([1, 2], dtype=np.int8)):
            result = self.client.get_y(one)
            self.assertEqual(len(result.values), 1, repr(one))
        self.assertEqual(
            self.client.area(box(0, 0, 2, 3)).values.tolist(), [6])

    def test_numeric_arrays_of_any_dtype_are_points(self):
        for dtype in (np.int8, np.uint16, np.int32, np.int64, np.float32,
                      np.float64):
            coords = np.array([[3, 4], [6, 8], [0, 0]], dtype=dtype)
            result = self.client.distance(coords, Point(0, 0))
            np.testing.assert_allclose(result.values, [5, 10, 0])

    def test_geojson_dicts_features_and_null_geometries(self):
        geoms = shapes(12)
        collection = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"i": i},
             "geometry": None if i in (3, 7) else mapping(g)}
            for i, g in enumerate(geoms)]}
        result = self.client.area(collection)
        np.testing.assert_array_equal(np.flatnonzero(result.mask), [3, 7])
        self.assertEqual(result.errors[3][0], grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("null geometry", result.errors[3][1])
        expected = [g.area for g in geoms]
        for i in (3, 7):
            expected[i] = np.nan
        np.testing.assert_allclose(result.values, expected, rtol=1e-12)
        # Bare geometry dicts, and None in a list of Shapely geometries.
        dicts = self.client.length([mapping(g) for g in geoms])
        np.testing.assert_allclose(dicts.values, [g.length for g in geoms])
        with_none = self.client.length([geoms[0], None, geoms[2]])
        np.testing.assert_array_equal(with_none.mask, [False, True, False])
        self.assertEqual(with_none.errors[1], (grpc.StatusCode.INVALID_ARGUMENT,
                                               "a: no geometry (None)"))
        self.assertEqual(with_none.values[2], geoms[2].length)
        # Results as GeoJSON text read back as the same geometries.
        text = self.client.buffer(geoms, 1, result_encoding="geojson")
        self.assertSameGeometries([shape(__import__("json").loads(v))
                                   for v in text.values],
                                  [g.buffer(1, 8) for g in geoms])
        self.assertSameGeometries(text.geometries(),
                                  [g.buffer(1, 8) for g in geoms])

    def test_mixed_kinds_go_as_wkb(self):
        result = self.client.area([box(0, 0, 1, 1), "POLYGON ((0 0, 2 0, 2 2, "
                                   "0 0))", mapping(box(0, 0, 3, 3))])
        np.testing.assert_allclose(result.values, [1, 2, 9])

    def test_compute_stream_summary_and_order(self):
        geoms = shapes(3000, seed=4)
        probe = Point(5, 5)
        streamed = self.client.compute_stream("distance", geoms, probe,
                                              batch_rows=400)
        np.testing.assert_allclose(streamed.values,
                                   [g.distance(probe) for g in geoms])
        self.assertEqual(streamed.summary.rows, 3000)
        self.assertEqual(streamed.summary.result_rows, 3000)
        self.assertEqual(streamed.summary.error_rows, 0)
        self.assertGreaterEqual(streamed.summary.chunks, 8)
        bad = self.client.compute_stream("area", ["POINT (0 0)"] * 500 +
                                         ["POINT ("], batch_rows=100)
        self.assertEqual(bad.summary.error_rows, 1)
        self.assertEqual(dict(bad.summary.row_errors_by_code), {3: 1})
        self.assertEqual(list(bad.errors), [500])

    def test_per_call_timeout(self):
        with self.assertRaises(geosrpc.ComputeError) as e:
            self.client.buffer(shapes(20000), 1, quad_segs=64, timeout=1e-6)
        self.assertEqual(e.exception.code, grpc.StatusCode.DEADLINE_EXCEEDED)
        # The client's own timeout stands for the other calls.
        self.assertEqual(self.client.area(box(0, 0, 1, 1)).values[0], 1)

    def test_channel_options_and_round_robin(self):
        with geosrpc.Client(f"ipv4:{self.target}", timeout=30,
                            load_balancing_policy="round_robin",
                            channel_options=[("grpc.enable_retries", 1)]
                            ) as client:
            self.assertEqual(client.area(box(0, 0, 2, 2)).values[0], 4)

    def test_unavailable_before_any_response_is_retried(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        no_retry = geosrpc.Client(f"127.0.0.1:{port}", timeout=20,
                                  retry_unavailable=False)
        with self.assertRaises(geosrpc.ComputeError) as e:
            no_retry.list_operations()
        self.assertEqual(e.exception.code, grpc.StatusCode.UNAVAILABLE)
        no_retry.close()
        late = geosrpc.Client(f"127.0.0.1:{port}", timeout=20)
        proc = None

        def start_late():
            nonlocal proc
            time.sleep(0.2)
            proc = subprocess.Popen(
                [os.environ["GEOSRPC_SERVER"], f"--listen=127.0.0.1:{port}",
                 "--metrics_listen=127.0.0.1:0", "--workers=1"],
                stderr=subprocess.DEVNULL)
        import threading
        starter = threading.Thread(target=start_late)
        starter.start()
        try:
            self.assertEqual(late.area(box(0, 0, 1, 3)).values[0], 3)
        finally:
            starter.join()
            late.close()
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=60), 0)


@unittest.skipIf(geopandas is None, "GeoPandas is not installed "
                 "(Debian: python3-geopandas)")
class GeoPandasTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        server = start_server("--workers=2")
        cls.server = server.proc
        cls.client = geosrpc.Client(server.target, timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.server.send_signal(signal.SIGTERM)
        assert cls.server.wait(timeout=60) == 0

    def frame(self, n=24, seed=2):
        geoms = shapes(n, seed)
        return geopandas.GeoDataFrame(
            {"name": [f"g{i}" for i in range(n)], "value": np.arange(n) * 1.5},
            geometry=geoms, index=[100 + 3 * i for i in range(n)],
            crs="EPSG:3857")

    def test_compute_frame_keeps_index_properties_and_crs(self):
        gdf = self.frame()
        buffered = self.client.compute_frame(gdf, "buffer", radius=2,
                                             cap_style="square")
        self.assertIsInstance(buffered, geopandas.GeoDataFrame)
        self.assertEqual(list(buffered.index), list(gdf.index))
        self.assertEqual(list(buffered.columns), list(gdf.columns))
        self.assertEqual(list(buffered["name"]), list(gdf["name"]))
        self.assertEqual(buffered.crs, gdf.crs)
        expected = gdf.buffer(2, 8, cap_style=CAP_STYLE.square)
        for i in gdf.index:
            self.assertTrue(buffered.geometry[i].equals_exact(expected[i], 1e-9))
        areas = self.client.compute_frame(gdf, "area")
        np.testing.assert_allclose(areas["area"], gdf.area, rtol=1e-12)
        self.assertEqual(list(areas.index), list(gdf.index))
        series = self.client.compute_frame(gdf.geometry, "length")
        np.testing.assert_allclose(series, gdf.length, rtol=1e-12)
        self.assertEqual(list(series.index), list(gdf.index))
        bounds = self.client.compute_frame(gdf, "bounds")
        np.testing.assert_array_equal(bounds[["minx", "miny", "maxx", "maxy"]],
                                      gdf.bounds)

    def test_compute_frame_masks_missing_geometries(self):
        gdf = self.frame(6)
        gdf.loc[103, "geometry"] = None
        out = self.client.compute_frame(gdf, "area")
        self.assertTrue(np.isnan(out.loc[103, "area"]))
        self.assertEqual(list(out.attrs["geosrpc_errors"]), [103])
        self.assertEqual(out.attrs["geosrpc_errors"][103][0],
                         grpc.StatusCode.INVALID_ARGUMENT)
        # A GeoSeries and a GeoDataFrame are batches for compute too.
        self.assertEqual(len(self.client.area(gdf).values), 6)
        self.assertEqual(len(self.client.area(gdf.geometry).values), 6)

    def test_sjoin_matches_shapely(self):
        left = self.frame(40, seed=5)
        right = self.frame(15, seed=6).rename(columns={"value": "weight"})
        for predicate in ("intersects", "within", "contains"):
            joined = self.client.sjoin(left, right, predicate=predicate)
            expected = sorted(
                (li, ri) for li, lg in left.geometry.items()
                for ri, rg in right.geometry.items()
                if getattr(lg, predicate)(rg))
            got = sorted(zip(joined.index, joined["index_right"]))
            self.assertEqual(got, expected, predicate)
            self.assertEqual(joined.crs, left.crs)
            for li, row in joined.iterrows():
                self.assertEqual(row["name_left"], left.loc[li, "name"])
                self.assertEqual(row["name_right"],
                                 right.loc[row["index_right"], "name"])
                self.assertEqual(row["weight"],
                                 right.loc[row["index_right"], "weight"])
        left_join = self.client.sjoin(left, right, how="left",
                                      predicate="within")
        self.assertEqual(set(left_join.index), set(left.index))

    def test_sjoin_nearest_matches_shapely(self):
        left = self.frame(30, seed=7)
        right = self.frame(10, seed=8)
        joined = self.client.sjoin_nearest(left, right, distance_col="dist")
        for li, lg in left.geometry.items():
            distances = {ri: lg.distance(rg)
                         for ri, rg in right.geometry.items()}
            nearest = min(distances.values())
            expected = sorted(ri for ri, d in distances.items() if d == nearest)
            rows = joined.loc[[li]]
            self.assertEqual(sorted(rows["index_right"]), expected)
            np.testing.assert_allclose(rows["dist"], nearest)


if __name__ == "__main__":
    unittest.main()
