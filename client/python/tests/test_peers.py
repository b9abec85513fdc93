"""The rest of Shapely 2.1 and PostGIS's favourites against peers.

Shapely 1.8 (Debian's python3-shapely) answers what it has: shapely.affinity,
polygon orientation, polygonize_full, substring and split. PostGIS 3
answers its own functions (ST_Subdivide, ST_SnapToGrid, ST_TileEnvelope,
ST_AsMVTGeom, ST_LineSubstring, ST_Split, ST_Affine) when a PostgreSQL with
the PostGIS extension is installed: the test starts a throwaway cluster of
its own on a Unix socket, and skips those cases, saying so, when there is
none. Both built against GEOS 3.11 here, so where PostGIS's steps are GEOS
calls the answers agree exactly.
"""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import numpy as np
from shapely import affinity, wkb, wkt
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient
from shapely.ops import polygonize_full, split, substring

import geosrpc
from geosrpc.v1 import geometry_service_pb2 as pb
from server_process import start_server


def random_polygons(n, rng):
    """Valid star-shaped polygons (a gap of over half a turn between two
    vertices' angles can make one invalid: those are drawn again)."""
    out = []
    while len(out) < n:
        cx, cy = rng.uniform(0, 100, size=2)
        k = int(rng.integers(3, 40))
        angles = np.sort(rng.uniform(0, 2 * np.pi, size=k))
        radii = rng.uniform(1, 10, size=k)
        ring = [(cx + r * np.cos(t), cy + r * np.sin(t))
                for r, t in zip(radii, angles)]
        polygon = Polygon(ring[::-1] if rng.uniform() < 0.5 else ring)
        if polygon.is_valid:
            out.append(polygon)
    return out


def random_lines(n, rng, simple=False):
    """Random lines; with `simple`, ones that do not cross themselves
    (GEOS's difference, behind split, also cuts a line where it does)."""
    if simple:
        out = []
        while len(out) < n:
            out += [g for g in random_lines(n, rng) if g.is_simple]
        return out[:n]
    return [wkt.loads("LINESTRING (" + ", ".join(
        f"{x} {y}" for x, y in rng.uniform(0, 100, size=(int(
            rng.integers(2, 12)), 2))) + ")") for _ in range(n)]


class PostGis:
    """A PostgreSQL cluster with PostGIS in a temporary folder, or None."""

    @staticmethod
    def start():
        initdbs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not initdbs:
            return None, "no PostgreSQL server installed"
        bindir = os.path.dirname(initdbs[-1])
        version = os.path.basename(os.path.dirname(bindir))
        if not glob.glob(f"/usr/share/postgresql/{version}/extension/"
                         "postgis.control"):
            return None, f"PostgreSQL {version} has no PostGIS extension"
        if shutil.which("psql") is None:
            return None, "no psql"
        folder = tempfile.mkdtemp(prefix="geosrpc-postgis-")
        # PostgreSQL refuses to run as root: as its own user then.
        as_user = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                return None, "running as root without runuser"
            as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(folder, "postgres")
        data = os.path.join(folder, "data")
        port = str(40000 + os.getpid() % 20000)
        try:
            subprocess.run(as_user + [os.path.join(bindir, "initdb"), "-D",
                                      data, "-A", "trust", "-U", "postgres"],
                           check=True, capture_output=True, timeout=120)
            subprocess.run(
                as_user + [os.path.join(bindir, "pg_ctl"), "-D", data, "-w",
                           "-l", os.path.join(folder, "log"), "-o",
                           f"-k {folder} -p {port} -c listen_addresses=''",
                           "start"],
                check=True, capture_output=True, timeout=120)
        except (subprocess.SubprocessError, OSError) as e:
            shutil.rmtree(folder, ignore_errors=True)
            return None, f"could not start PostgreSQL: {e}"
        db = PostGis(as_user, bindir, folder, data, port)
        try:
            db.query("CREATE EXTENSION postgis")
        except subprocess.CalledProcessError as e:
            db.stop()
            return None, f"could not create the extension: {e.stderr}"
        return db, ""

    def __init__(self, as_user, bindir, folder, data, port):
        self.as_user, self.bindir = as_user, bindir
        self.folder, self.data, self.port = folder, data, port

    def query(self, sql):
        """Rows of one-column text results."""
        out = subprocess.run(
            ["psql", "-h", self.folder, "-p", self.port, "-U", "postgres",
             "-At", "-v", "ON_ERROR_STOP=1", "-f", "-"], input=sql,
            check=True, capture_output=True, text=True, timeout=300)
        return out.stdout.splitlines()

    def stop(self):
        subprocess.run(self.as_user + [os.path.join(self.bindir, "pg_ctl"),
                                       "-D", self.data, "-m", "fast", "stop"],
                       capture_output=True, timeout=120)
        shutil.rmtree(self.folder, ignore_errors=True)


class PeerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        server = start_server("--workers=2")
        cls.server, cls.target = server.proc, server.target
        cls.client = geosrpc.Client(cls.target, timeout=120)
        cls.postgis, cls.why_no_postgis = PostGis.start()

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.server.send_signal(signal.SIGTERM)
        assert cls.server.wait(timeout=60) == 0
        if cls.postgis is not None:
            cls.postgis.stop()

    def compute(self, op, geoms, operand=None, **params):
        """`op` over WKB rows; `operand` is b (params may be named b)."""
        result = self.client.compute(op, [g.wkb for g in geoms],
                                     b=operand, params=params or None)
        self.assertFalse(result.mask.any(), result.messages)
        return [wkb.loads(v) for v in result.values]

    def assertSameGeometries(self, got, want, tolerance=1e-9):
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertTrue(g.equals_exact(w, tolerance), f"{g.wkt} != {w.wkt}")

    # --- Shapely 1.8 ---------------------------------------------------

    def test_affinity_matches_shapely(self):
        rng = np.random.default_rng(11)
        geoms = random_polygons(300, rng) + random_lines(300, rng)
        self.assertSameGeometries(
            self.compute("rotate", geoms, angle=37.5),
            [affinity.rotate(g, 37.5) for g in geoms])
        self.assertSameGeometries(
            self.compute("rotate", geoms, angle=1.2, use_radians=True,
                         origin=pb.TRANSFORM_ORIGIN_CENTROID),
            [affinity.rotate(g, 1.2, origin="centroid", use_radians=True)
             for g in geoms])
        self.assertSameGeometries(
            self.compute("scale", geoms, xfact=2.5, yfact=-0.5,
                         origin=pb.TRANSFORM_ORIGIN_POINT,
                         origin_x=3, origin_y=4),
            [affinity.scale(g, 2.5, -0.5, origin=(3, 4)) for g in geoms])
        self.assertSameGeometries(
            self.compute("skew", geoms, xs=20, ys=-15),
            [affinity.skew(g, 20, -15) for g in geoms])
        self.assertSameGeometries(
            self.compute("translate", geoms, xoff=-7, yoff=2.5),
            [affinity.translate(g, -7, 2.5) for g in geoms])
        m = [0.5, -1.5, 2, 0.25, 10, -20]
        self.assertSameGeometries(
            self.compute("affine", geoms, a=m[0], b=m[1], d=m[2], e=m[3],
                         xoff=m[4], yoff=m[5]),
            [affinity.affine_transform(g, m) for g in geoms])

    def test_orient_and_polygonize_full_match_shapely(self):
        rng = np.random.default_rng(12)
        polygons = random_polygons(300, rng)
        self.assertSameGeometries(
            self.compute("orient_polygons", polygons),
            [orient(g, 1.0) for g in polygons], 0)
        self.assertSameGeometries(
            self.compute("orient_polygons", polygons, exterior_cw=True),
            [orient(g, -1.0) for g in polygons], 0)

        lines = wkt.loads(
            "MULTILINESTRING ((0 0, 10 0, 10 10, 0 10, 0 0), (10 10, 12 12), "
            "(5 0, 5 10), (20 20, 30 20, 30 30, 20 20))")
        [got] = self.compute("polygonize_full", [lines])
        want = polygonize_full(lines)
        self.assertEqual(len(got.geoms), 4)
        for g, w in zip(got.geoms, want):
            self.assertEqual(len(g.geoms), len(w.geoms))
            self.assertTrue(g.equals(w) or (g.is_empty and w.is_empty))

    def test_substring_and_split_match_shapely(self):
        rng = np.random.default_rng(13)
        lines = random_lines(500, rng)
        for start, end in [(0.1, 0.7), (0, 1), (0.4, 0.4), (0.9, 1)]:
            self.assertSameGeometries(
                self.compute("line_substring", lines, start_fraction=start,
                             end_fraction=end),
                [substring(g, start, end, normalized=True) for g in lines])

        blade = wkt.loads("LINESTRING (0 50, 100 40)")
        lines = random_lines(300, rng, simple=True)
        got = self.compute("split", lines, blade.wkb)
        for g, line in zip(got, lines):
            want = split(line, blade)
            self.assertEqual(len(g.geoms), len(want.geoms), line.wkt)
            for x, y in zip(g.geoms, want.geoms):
                self.assertTrue(x.equals_exact(y, 1e-9), f"{x.wkt} {y.wkt}")
        polygons = random_polygons(200, rng)
        got = self.compute("split", polygons, blade.wkb)
        for g, polygon in zip(got, polygons):
            want = split(polygon, blade)
            self.assertEqual(len(g.geoms), len(want.geoms), polygon.wkt)
            self.assertAlmostEqual(g.area, polygon.area, delta=1e-9 * polygon.area)
        # A line split by a point on it.
        [got] = self.compute("split", [wkt.loads("LINESTRING (0 0, 10 0)")],
                             wkt.loads("POINT (4 0)").wkb)
        self.assertEqual(got.wkt, "GEOMETRYCOLLECTION (LINESTRING (0 0, 4 0), "
                                  "LINESTRING (4 0, 10 0))")

    # --- PostGIS -----------------------------------------------------------

    def postgis_or_skip(self):
        if self.postgis is None:
            self.skipTest(f"no PostGIS: {self.why_no_postgis}")
        return self.postgis

    def postgis_values(self, expression, geoms):
        """`expression` of g for each geometry, as hex EWKB ('' for NULL),
        one row each (set-returning expressions aggregate into a
        collection)."""
        values = ",".join(f"({i}, '{g.wkb_hex}'::geometry)"
                          for i, g in enumerate(geoms))
        return self.postgis_or_skip().query(
            f"SELECT coalesce(encode(ST_AsEWKB(({expression})), 'hex'), '') "
            f"FROM (VALUES {values}) AS t(i, g) ORDER BY i")

    def assertSameInPostGis(self, got, want_hex, normalize=True):
        """Each pair equal as ST_OrderingEquals judges (after ST_Normalize
        with `normalize`)."""
        db = self.postgis_or_skip()
        self.assertEqual(len(got), len(want_hex))
        pairs = ",".join(
            f"({i}, '{g.wkb_hex}'::geometry, "
            f"{'NULL' if not w else repr(w) + '::geometry'})"
            for i, (g, w) in enumerate(zip(got, want_hex)))
        wrap = "ST_Normalize" if normalize else ""
        # Shapely 1.8 keeps no SRID: compare without.
        rows = db.query(
            "SELECT i, ST_AsText(a), ST_AsText(b), coalesce(ST_OrderingEquals("
            f"{wrap}(a), {wrap}(ST_SetSRID(b, 0))), ST_IsEmpty(a)) FROM "
            f"(VALUES {pairs}) AS t(i, a, b) ORDER BY i")
        for row in rows:
            i, a, b, same = row.split("|")
            self.assertEqual(same, "t", f"row {i}: ours {a}, PostGIS's {b}")

    def test_subdivide_matches_postgis(self):
        rng = np.random.default_rng(14)
        geoms = random_polygons(100, rng) + random_lines(50, rng)
        for max_vertices in (5, 8, 16):
            result = self.client.compute("subdivide", [g.wkb for g in geoms],
                                         params={"max_vertices": max_vertices})
            self.assertFalse(result.mask.any(), result.messages)
            ours = [[] for _ in geoms]
            for row, value in zip(result.source_rows, result.values):
                ours[row].append(value.hex())
            theirs = self.postgis_or_skip().query(
                "SELECT i, encode(ST_AsEWKB(ST_Subdivide(g, "
                f"{max_vertices})), 'hex') FROM (VALUES " +
                ",".join(f"({i}, '{g.wkb_hex}'::geometry)"
                         for i, g in enumerate(geoms)) + ") AS t(i, g)")
            want = [[] for _ in geoms]
            for row in theirs:
                i, hexwkb = row.split("|")
                want[int(i)].append(hexwkb)
            # The same pieces, each in PostGIS's normal form, in any order.
            ours_normal = self.normal_forms(sum(ours, []))
            want_normal = self.normal_forms(sum(want, []))
            for i, (o, w) in enumerate(zip(ours, want)):
                self.assertEqual(len(o), len(w), f"row {i}: {geoms[i].wkt}")
                self.assertEqual(sorted(ours_normal[h] for h in o),
                                 sorted(want_normal[h] for h in w),
                                 f"row {i}: {geoms[i].wkt}")

    def normal_forms(self, hexes):
        """{hex EWKB: its ST_Normalize'd EWKT, SRID dropped}."""
        if not hexes:
            return {}
        values = ",".join(f"('{h}')" for h in set(hexes))
        rows = self.postgis_or_skip().query(
            "SELECT h, ST_AsText(ST_Normalize(ST_SetSRID(h::geometry, 0))) "
            f"FROM (VALUES {values}) AS t(h)")
        return dict(row.split("|") for row in rows)

    def test_snap_to_grid_and_line_substring_match_postgis(self):
        rng = np.random.default_rng(15)
        geoms = random_polygons(200, rng) + random_lines(200, rng)
        got = self.compute("snap_to_grid", geoms, size_x=3, size_y=1.5,
                           origin_x=0.5, origin_y=-0.25)
        want = self.postgis_values(
            "ST_SnapToGrid(g, ST_MakePoint(0.5, -0.25), 3, 1.5, 0, 0)", geoms)
        self.assertSameInPostGis(got, want, normalize=False)

        lines = random_lines(300, rng)
        got = self.compute("line_substring", lines, start_fraction=0.2,
                           end_fraction=0.65)
        want = self.postgis_values("ST_LineSubstring(g, 0.2, 0.65)", lines)
        db = self.postgis_or_skip()
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            [same] = db.query(f"SELECT ST_OrderingEquals(ST_SnapToGrid("
                              f"'{g.wkb_hex}'::geometry, 1e-9), "
                              f"ST_SnapToGrid('{w}'::geometry, 1e-9))")
            self.assertEqual(same, "t", g.wkt)

    def test_tiles_match_postgis(self):
        tiles = [wkt.loads(f"POINT ({x} {y})") for x in range(8)
                 for y in range(8)]
        got = self.compute("tile_envelope", tiles, zoom=3)
        want = self.postgis_values(
            "ST_TileEnvelope(3, ST_X(g)::int, ST_Y(g)::int)", tiles)
        self.assertSameInPostGis(got, want, normalize=False)
        got = self.compute("tile_envelope", tiles[:9], zoom=4, margin=0.125,
                           xmin=0, ymin=0, xmax=1000, ymax=500)
        want = self.postgis_values(
            "ST_TileEnvelope(4, ST_X(g)::int, ST_Y(g)::int, "
            "ST_MakeEnvelope(0, 0, 1000, 500), 0.125)", tiles[:9])
        self.assertSameInPostGis(got, want, normalize=False)

        # Points and lines take the same steps on both sides.
        rng = np.random.default_rng(16)
        lines = random_lines(300, rng)
        points = [wkt.loads(f"MULTIPOINT ({x} {y}, {x + 30} {y - 20})")
                  for x, y in rng.uniform(0, 100, size=(300, 2))]
        for geoms in (lines, points):
            got = self.compute("as_mvt_geom", geoms, xmin=20, ymin=10,
                               xmax=60, ymax=50, extent=512, buffer=32)
            want = self.postgis_values(
                "ST_AsMVTGeom(g, ST_MakeBox2D(ST_Point(20, 10), "
                "ST_Point(60, 50)), 512, 32, true)", geoms)
            self.assertSameInPostGis(got, want, normalize=False)
        # Polygons: within a tile unit of PostGIS's (which clips and
        # repairs them with Wagyu, rounding where they cross the clip edge
        # its own way, and may start rings elsewhere).
        polygons = random_polygons(300, rng)
        got = self.compute("as_mvt_geom", polygons, xmin=20, ymin=10,
                           xmax=60, ymax=50, extent=512, buffer=32)
        want = self.postgis_values(
            "ST_AsMVTGeom(g, ST_MakeBox2D(ST_Point(20, 10), "
            "ST_Point(60, 50)), 512, 32, true)", polygons)
        for g, w in zip(got, want):
            theirs = wkb.loads(bytes.fromhex(w)) if w else None
            # Where one drops a sliver of a few tile units, the other may
            # keep it.
            if theirs is None or g.is_empty:
                kept = g if theirs is None else theirs
                self.assertLessEqual(kept.area, 8, f"{g.wkt} {theirs}")
                continue
            self.assertTrue(g.is_valid)
            self.assertLessEqual(g.hausdorff_distance(theirs), 1.5,
                                 f"{g.wkt} {theirs.wkt}")


if __name__ == "__main__":
    unittest.main()
