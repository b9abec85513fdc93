"""The CRS operations through a real server, against independent peers:

- transform against PROJ's cs2cs (proj-bin) and pyproj (python3-pyproj) on
  the same points: EPSG:4326 to 3857, to UTM zone 33N (32633), to LAEA
  Europe (3035), and back, to 1e-6 m; the row's SRID when from_crs is unset;
  densified edges; bad CRSs (INVALID_ARGUMENT naming the parameter, with
  PROJ's reason) and coordinates outside a projection's domain (row errors).
- geodesic_area, geodesic_length and geodesic_distance against pyproj's Geod
  (Karney's algorithms) on the Natural Earth 1:10m countries (world-atlas,
  written out by tests/data/countries.js), to 1e-6 relative.

Each part skips, saying why, when its peer is missing; scripts/install-deps.sh
installs them all.
"""

import json
import math
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

import grpc
import numpy as np
import shapely.geometry

import geosrpc
from server_process import start_server

try:
    import pyproj
except ImportError:  # Skipped below, with the reason.
    pyproj = None

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CS2CS = shutil.which("cs2cs")
NODE = shutil.which("node")
COUNTRIES_JS = os.path.join(ROOT, "tests", "data", "countries.js")
HAVE_COUNTRIES = NODE is not None and os.path.isdir(
    os.path.join(ROOT, "tests", "data", "node_modules", "world-atlas"))

# EPSG code, longitude range, latitude range (inside the projection's domain)
# and whether cs2cs writes northing first (the CRS's own axis order).
TARGETS = {
    "EPSG:3857": ((-180, 180), (-85, 85), False),
    "EPSG:32633": ((9, 21), (0, 84), False),
    "EPSG:3035": ((-30, 40), (30, 75), True),
}


# (E)WKB, little-endian, written and read here (Debian's Shapely 1.8 has
# no vectorized WKB functions).
def point_wkb(x, y, srid=None):
    if srid is None:
        return struct.pack("<BIdd", 1, 1, x, y)
    return struct.pack("<BIIdd", 1, 0x20000001, srid, x, y)


def points_wkb(pts, srid=None):
    return [point_wkb(x, y, srid) for x, y in pts]


def line_wkb(coords, srid=None):
    head = (struct.pack("<BI", 1, 2) if srid is None else
            struct.pack("<BII", 1, 0x20000002, srid))
    return head + struct.pack("<I", len(coords)) + b"".join(
        struct.pack("<dd", x, y) for x, y in coords)


def polygon_wkb(rings, srid=None):
    head = (struct.pack("<BI", 1, 3) if srid is None else
            struct.pack("<BII", 1, 0x20000003, srid))
    out = head + struct.pack("<I", len(rings))
    for ring in rings:
        out += struct.pack("<I", len(ring)) + b"".join(
            struct.pack("<dd", x, y) for x, y in ring)
    return out


def read_wkb(data):
    """(srid or None, coordinates) of a little-endian 2D point or line
    string: (x, y) or [(x, y), ...]."""
    order, kind = struct.unpack_from("<BI", data)
    assert order == 1, "big-endian result"
    pos, srid = 5, None
    if kind & 0x20000000:
        (srid,) = struct.unpack_from("<I", data, pos)
        pos += 4
    kind &= 0xFFFF
    if kind == 1:
        return srid, struct.unpack_from("<dd", data, pos)
    assert kind == 2, f"WKB type {kind}"
    (n,) = struct.unpack_from("<I", data, pos)
    return srid, [struct.unpack_from("<dd", data, pos + 4 + 16 * i)
                  for i in range(n)]


def random_points(n, lon, lat, seed):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(*lon, n), rng.uniform(*lat, n)])


def cs2cs(points, to_crs, northing_first):
    """EPSG:4326 (latitude first, its own order) to `to_crs` with cs2cs."""
    text = "".join(f"{y!r} {x!r}\n" for x, y in points)
    out = subprocess.run([CS2CS, "-f", "%.10f", "EPSG:4326", to_crs],
                         input=text, capture_output=True, text=True,
                         check=True).stdout
    xy = np.array([[float(v) for v in line.split()[:2]]
                   for line in out.splitlines()])
    return xy[:, ::-1] if northing_first else xy


class CrsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        server = start_server("--metrics_listen=", "--log_requests=false")
        cls.server = server.proc
        cls.client = geosrpc.Client(server.target, timeout=600)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.server.terminate()
        assert cls.server.wait(timeout=60) == 0

    def transform(self, wkbs, **params):
        return self.client.compute("transform", list(wkbs), params=params)

    def coords(self, result, srid=None):
        """The points of a transform's result; each carries `srid`."""
        self.assertFalse(result.mask.any(), result.messages)
        out = []
        for w in result.values:
            got_srid, xy = read_wkb(w)
            if srid is not None:
                self.assertEqual(got_srid, srid)
            out.append(xy)
        return np.array(out)

    # --- transform ------------------------------------------------------

    def test_transform_matches_pyproj_and_cs2cs(self):
        if pyproj is None and CS2CS is None:
            self.skipTest("neither pyproj (python3-pyproj) nor cs2cs "
                          "(proj-bin) is installed")
        for i, (to_crs, (lon, lat, northing_first)) in enumerate(
                TARGETS.items()):
            with self.subTest(to_crs=to_crs):
                pts = random_points(1000, lon, lat, seed=i)
                result = self.transform(points_wkb(pts), from_crs="EPSG:4326",
                                        to_crs=to_crs)
                got = self.coords(result, srid=int(to_crs.split(":")[1]))
                if pyproj is not None:
                    t = pyproj.Transformer.from_crs("EPSG:4326", to_crs,
                                                    always_xy=True)
                    want = np.column_stack(t.transform(pts[:, 0], pts[:, 1]))
                    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
                if CS2CS is not None:
                    want = cs2cs(pts, to_crs, northing_first)
                    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)

    def test_round_trips_return_the_points(self):
        for i, (to_crs, (lon, lat, _)) in enumerate(TARGETS.items()):
            with self.subTest(to_crs=to_crs):
                pts = random_points(1000, lon, lat, seed=20 + i)
                there = self.transform(points_wkb(pts), from_crs="EPSG:4326",
                                       to_crs=to_crs)
                projected = self.coords(there, srid=int(to_crs[5:]))
                # Back by the SRID the results carry, from_crs unset.
                back = self.coords(
                    self.transform(there.values, to_crs="EPSG:4326"),
                    srid=4326)
                # Metres to degrees: a degree of latitude is at most
                # 111.7 km, of longitude less.
                to_degrees = 1 / 111_700
                # PROJ 9.1's inverse LAEA on the ellipsoid finds the
                # latitude from the authalic one by a truncated series:
                # 1.3 mm off at most here, in PROJ itself (pyproj's round
                # trip is as far off, to the nanometre).
                tolerance = 5e-3 if to_crs == "EPSG:3035" else 1e-6
                np.testing.assert_allclose(back, pts, rtol=0,
                                           atol=tolerance * to_degrees)
                if pyproj is not None:
                    t = pyproj.Transformer.from_crs("EPSG:4326", to_crs,
                                                    always_xy=True)
                    want = np.column_stack(t.transform(
                        projected[:, 0], projected[:, 1],
                        direction="INVERSE"))
                    np.testing.assert_allclose(back, want, rtol=0,
                                               atol=1e-6 * to_degrees)

    def test_latitude_first_when_always_xy_is_false(self):
        pts = random_points(100, (-180, 180), (-85, 85), seed=3)
        # EPSG:4326's own axis order: latitude, longitude.
        got = self.coords(self.transform(points_wkb(pts[:, ::-1]),
                                         from_crs="EPSG:4326",
                                         to_crs="EPSG:3857", always_xy=False))
        want = self.coords(self.transform(points_wkb(pts),
                                          from_crs="EPSG:4326",
                                          to_crs="EPSG:3857"))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)

    def test_proj_strings_and_wkt_name_crss(self):
        pts = random_points(50, (9, 21), (0, 84), seed=5)
        wkbs = points_wkb(pts)
        want = self.coords(self.transform(wkbs, from_crs="EPSG:4326",
                                          to_crs="EPSG:32633"))
        utm = "+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs"
        # No EPSG code: SRID 0 (not written).
        got = self.coords(self.transform(wkbs, from_crs="EPSG:4326",
                                         to_crs=utm))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
        self.assertIsNone(read_wkb(self.transform(
            wkbs[:1], from_crs="EPSG:4326", to_crs=utm).values[0])[0])
        if pyproj is not None:
            wkt2 = pyproj.CRS("EPSG:32633").to_wkt()
            got = self.coords(self.transform(wkbs, from_crs="EPSG:4326",
                                             to_crs=wkt2))
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)

    def test_densify_splits_edges_before_transforming(self):
        if pyproj is None:
            self.skipTest("pyproj (python3-pyproj) is not installed")
        result = self.client.compute(
            "transform", [line_wkb([(0, 40), (30, 60), (30, 61)])],
            params={"from_crs": "EPSG:4326", "to_crs": "EPSG:3035",
                    "densify": 2.0})
        self.assertFalse(result.mask.any(), result.messages)
        got = np.array(read_wkb(result.values[0])[1])
        # The first edge, 36.06 degrees long, in 19 equal parts; the second
        # kept whole.
        f = np.arange(19) / 19
        xs = np.concatenate([0 + f * 30, [30, 30]])
        ys = np.concatenate([40 + f * 20, [60, 61]])
        t = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3035",
                                        always_xy=True)
        want = np.column_stack(t.transform(xs, ys))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)

    def test_extreme_densify_is_a_row_error_and_empties_pass(self):
        rows = [line_wkb([(0, 0), (10, 10)]), line_wkb([]),
                point_wkb(1, 1), line_wkb([(0, 0), (1e-9, 0)])]
        for densify, mask in [(1e-300, [True, False, False, True]),
                              (1e-6, [True, False, False, False]),
                              (1e300, [False, False, False, False])]:
            with self.subTest(densify=densify):
                result = self.client.compute(
                    "transform", rows,
                    params={"from_crs": "EPSG:4326", "to_crs": "EPSG:3857",
                            "densify": densify})
                self.assertEqual(list(result.mask), mask, result.messages)
                if mask[0]:
                    self.assertIn("densify less", result.messages[0])
        for densify in (float("nan"), float("inf"), -1.0):
            with self.assertRaises(geosrpc.ComputeError):
                self.client.compute("transform", rows, params={
                    "to_crs": "EPSG:3857", "densify": densify})
        with self.assertRaises(geosrpc.ComputeError):
            self.client.compute("transform", rows, params={
                "to_crs": "+proj=merc " + "x" * 20000})

    def test_rows_without_srid_or_outside_the_domain_fail_alone(self):
        rows = [
            point_wkb(10, 50, srid=4326),
            point_wkb(10, 50),               # No SRID.
            point_wkb(10, 91, srid=4326),    # Beyond the pole.
            point_wkb(10, 50, srid=999999),  # Unknown to PROJ.
            line_wkb([(0, 0), (1, 1)], srid=4326),
        ]
        result = self.client.compute("transform", rows,
                                     params={"to_crs": "EPSG:3857"})
        self.assertEqual(list(result.mask), [False, True, True, True, False])
        self.assertIn("no SRID", result.messages[1])
        self.assertIn("cannot transform (10 91)", result.messages[2])
        self.assertIn("crs not found", result.messages[3])
        for row in (1, 2, 3):
            self.assertEqual(result.codes[row],
                             grpc.StatusCode.INVALID_ARGUMENT.value[0])
        self.assertTrue(np.isfinite(read_wkb(result.values[4])[1]).all())

    def test_bad_crs_is_invalid_argument_naming_the_parameter(self):
        wkbs = [point_wkb(0, 0)]
        for params, name, reason in [
            ({"to_crs": "EPSG:999999"}, "transform.to_crs", "crs not found"),
            ({"from_crs": "+proj=nosuch", "to_crs": "EPSG:3857"},
             "transform.from_crs", "nosuch"),
            ({"to_crs": "WGS 84"}, "transform.to_crs", "not looked up"),
            ({"from_crs": "EPSG:4326"}, "transform.to_crs", "requires"),
        ]:
            with self.subTest(params=params):
                with self.assertRaises(geosrpc.ComputeError) as e:
                    self.client.compute("transform", wkbs, params=params)
                self.assertEqual(e.exception.code,
                                 grpc.StatusCode.INVALID_ARGUMENT)
                self.assertIn(name, str(e.exception))
                self.assertIn(reason, str(e.exception))

    # --- geodesic measures ----------------------------------------------

    @classmethod
    def countries(cls):
        """The countries as WKB rows and as GeoJSON geometries (the same
        coordinates)."""
        if not hasattr(cls, "_countries"):
            with tempfile.TemporaryDirectory() as out:
                subprocess.run([NODE, COUNTRIES_JS, out], check=True,
                               capture_output=True)
                with open(os.path.join(out, "countries.hexwkb")) as f:
                    wkbs = [bytes.fromhex(line.strip()) for line in f]
                with open(os.path.join(out, "countries.geojson")) as f:
                    features = json.load(f)["features"]
            cls._countries = (wkbs, features)
        return cls._countries

    def need_countries_and_pyproj(self):
        if pyproj is None:
            self.skipTest("pyproj (python3-pyproj) is not installed")
        if not HAVE_COUNTRIES:
            self.skipTest("node or tests/data/node_modules (npm ci in "
                          "tests/data) is missing: no country outlines")

    @staticmethod
    def polygons(geometry):
        """A GeoJSON Polygon's or MultiPolygon's polygons, as lists of
        rings."""
        if geometry["type"] == "Polygon":
            return [geometry["coordinates"]]
        return geometry["coordinates"]

    def test_geodesic_area_and_length_of_every_country(self):
        self.need_countries_and_pyproj()
        wkbs, features = self.countries()
        area = self.client.compute("geodesic_area", wkbs)
        length = self.client.compute("geodesic_length", wkbs)
        self.assertFalse(area.mask.any(), area.messages)
        self.assertFalse(length.mask.any(), length.messages)
        geod = pyproj.Geod(ellps="WGS84")
        for i, feature in enumerate(features):
            want_area = want_length = 0.0
            for polygon in self.polygons(feature["geometry"]):
                for k, ring in enumerate(polygon):
                    x, y = zip(*ring)
                    a, _ = geod.polygon_area_perimeter(x, y)
                    want_area += abs(a) if k == 0 else -abs(a)
                    want_length += geod.line_length(x, y)
            name = feature["properties"].get("name")
            self.assertAlmostEqual(area.values[i], want_area,
                                   delta=1e-6 * want_area, msg=name)
            self.assertAlmostEqual(length.values[i], want_length,
                                   delta=1e-6 * want_length, msg=name)
        # And in the right units: published areas, in km2, within 20 %.
        by_name = {f["properties"].get("name"): i
                   for i, f in enumerate(features)}
        for name, km2 in [("Brazil", 8_515_767), ("Australia", 7_688_287),
                          ("Iceland", 102_775)]:
            if name in by_name:
                got = area.values[by_name[name]] / 1e6
                self.assertLess(abs(got - km2) / km2, 0.2, (name, got))

    def test_geodesic_distance_points_to_countries(self):
        self.need_countries_and_pyproj()
        wkbs, features = self.countries()
        geod = pyproj.Geod(ellps="WGS84")
        shapes = [shapely.geometry.shape(f["geometry"]) for f in features]
        # A few countries of moderate size, and points north of each, just
        # outside its bounds (so outside it), and far away; and a point
        # inside each.
        sizes = [sum(len(r) for p in self.polygons(f["geometry"]) for r in p)
                 for f in features]
        picks = sorted(range(len(features)), key=lambda i: sizes[i])
        picks = picks[len(picks) // 2:len(picks) // 2 + 6]
        rng = np.random.default_rng(11)
        a_rows, b_rows, want = [], [], []
        for i in picks:
            xmin, _, xmax, ymax = shapes[i].bounds
            for dy in (0.3, 2.0, 15.0):
                p = (rng.uniform(xmin, xmax), min(ymax + dy, 89.0))
                a_rows.append(point_wkb(*p))
                b_rows.append(wkbs[i])
                want.append(self.reference_distance(
                    geod, p, self.polygons(features[i]["geometry"])))
            inside = shapes[i].representative_point()
            a_rows.append(point_wkb(inside.x, inside.y))
            b_rows.append(wkbs[i])
            want.append(0.0)
        got = self.client.compute("geodesic_distance", a_rows, b_rows)
        self.assertFalse(got.mask.any(), got.messages)
        for k, (g, w) in enumerate(zip(got.values, want)):
            self.assertAlmostEqual(g, w, delta=1e-6 * w, msg=f"row {k}")

    @staticmethod
    def reference_distance(geod, p, polygons):
        """Point to the geodesic edges of `polygons`: every edge sampled at
        33 points (vectorized), then the three best edges narrowed by
        golden-section search."""
        e = np.concatenate([
            np.column_stack([np.asarray(r)[:-1], np.asarray(r)[1:]])
            for polygon in polygons for r in polygon])
        az, _, s12 = geod.inv(e[:, 0], e[:, 1], e[:, 2], e[:, 3])
        f = np.linspace(0, 1, 33)
        lon, lat, _ = geod.fwd(np.repeat(e[:, 0], f.size),
                               np.repeat(e[:, 1], f.size),
                               np.repeat(az, f.size),
                               np.repeat(s12, f.size) * np.tile(f, len(e)))
        _, _, d = geod.inv(np.full(lon.size, p[0]), np.full(lon.size, p[1]),
                           lon, lat)
        per_edge = d.reshape(len(e), f.size).min(axis=1)
        best = per_edge.min()
        g = (math.sqrt(5) - 1) / 2
        for k in np.argsort(per_edge)[:3]:
            def dist(t):
                x, y, _ = geod.fwd(e[k, 0], e[k, 1], az[k], t * s12[k])
                return geod.inv(p[0], p[1], x, y)[2]
            lo, hi = 0.0, 1.0
            for _ in range(80):
                m1, m2 = hi - g * (hi - lo), lo + g * (hi - lo)
                if dist(m1) < dist(m2):
                    hi = m2
                else:
                    lo = m1
            best = min(best, dist((lo + hi) / 2))
        return best

    def test_geodesic_distance_point_to_point(self):
        if pyproj is None:
            self.skipTest("pyproj (python3-pyproj) is not installed")
        a = random_points(500, (-180, 180), (-90, 90), seed=13)
        b = random_points(500, (-180, 180), (-90, 90), seed=17)
        got = self.client.compute("geodesic_distance", points_wkb(a),
                                  points_wkb(b))
        _, _, want = pyproj.Geod(ellps="WGS84").inv(a[:, 0], a[:, 1],
                                                     b[:, 0], b[:, 1])
        np.testing.assert_allclose(got.values, want, rtol=1e-9, atol=1e-9)

    def test_latitudes_beyond_90_and_projected_srids_are_row_errors(self):
        rows = [
            polygon_wkb([[(0, 0), (1, 0), (1, 91), (0, 0)]]),
            polygon_wkb([[(0, 0), (1e5, 0), (1e5, 1e5), (0, 0)]], srid=3857),
            polygon_wkb([[(0, 0), (1, 0), (1, 1), (0, 0)]]),
        ]
        for op in ("geodesic_area", "geodesic_length"):
            result = self.client.compute(op, rows)
            self.assertEqual(list(result.mask), [True, True, False], op)
            self.assertIn("latitude", result.messages[0])
            self.assertIn("SRID 3857", result.messages[1])
            self.assertGreater(result.values[2], 0)


if __name__ == "__main__":
    unittest.main()
