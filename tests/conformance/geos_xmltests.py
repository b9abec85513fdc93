#!/usr/bin/python3
"""Replays GEOS's XML conformance cases through a geosrpc server.

    geos_xmltests.py [--server HOST:PORT] [--verbose] PATH...

PATH is a GEOS `tests/xmltester/tests` folder (or any of its subfolders or
.xml files). Without --server the runner starts $GEOSRPC_SERVER itself.
Every test of a file runs through the RPC, batched: one Compute per
operation and parameter set, b row-wise. Results are judged the way GEOS's
XMLTester judges them:

  geometries  both normalized, then equal exactly (compareTo);
  union       topologically equal, or exactly equal within the size-based
              snap tolerance (checkOverlaySuccess);
  buffer      BufferResultMatcher: same type, symmetric difference under
              0.1% of the expected area, boundaries within |distance|/100
              (discrete Hausdorff, densified by 0.25);
  numbers     equal, or within 0.1% relative;
  areatest    the overlay area identities hold within the given tolerance.

A file's <precisionModel scale=S> is honoured as XMLTester's fixed
precision factory would: inputs and expected results are rounded to the
1/S grid and overlays snap-round on it (grid_size 1/S).

The comparison operations (normalize, equals, areas, ...) also run through
the service. Exit status: 0 when every test passes or is a listed known
exception, 1 otherwise, 77 when PATH does not exist (CI without
../shared).
"""

import argparse
import collections
import math
import os
import re
import sys
import xml.etree.ElementTree as ElementTree

import geos_peer
import geosrpc

# Cases the service answers differently from GEOS by design, with the
# reason, keyed by (file name, case number, test number). An entry that
# starts passing fails the run, so the list stays honest.
_NAN = ("the service rejects non-finite coordinates before GEOS sees them "
        "(GEOS 3.11.1 crashes or stalls on some); XMLTester reads NaN and "
        "expects is_valid false")
KNOWN_EXCEPTIONS = {
    ("TestCentroid.xml", 10, 1):
        "the input has a stray ')' after the geometry, which GEOS's WKT "
        "reader ignores and the service's WKT precheck rejects",
    ("TestValid.xml", 37, 1): _NAN,
    ("TestValid.xml", 38, 1): _NAN,
    ("TestValid.xml", 39, 1): _NAN,
    ("TestValid.xml", 40, 1): _NAN,
    ("TestValid.xml", 44, 1): _NAN,
    ("TestValid.xml", 49, 1): _NAN,
}

SKIP = 77

# Every operation GEOS 3.11.1's XMLTester (tests/xmltester/XMLTester.cpp)
# knows, lower case, and simplifyDP/TP, which later XMLTesters add. Each is
# replayed by composing the service's own operations (Runner.plan);
# xmltester_ops.xml, beside this file, holds a case of each
# (--every_operation checks that the files given do).
XMLTESTER_OPS = frozenset("""
    relate relatestring isvalid issimple intersects contains overlaps within
    touches crosses disjoint covers coveredby equalstopo equalsexact
    equalsnorm iswithindistance distance intersection intersectionng
    intersectionsr intersectionsin union unionng unionsr difference
    differenceng differencesr symdifference symdifferenceng symdifferencesr
    getboundary getcentroid getinteriorpoint convexhull buffer
    buffermitredjoin buffersinglesided densify simplifydp simplifytp
    polygonize linemerge minclearance minclearanceline buildarea makevalid
    areatest overlayareatest unionlength unionarea""".split())


class Test:
    """One <test>: a row of some operation's batch."""

    def __init__(self, file, case, number, desc, op, args, expected, a, b):
        self.file, self.case, self.number, self.desc = file, case, number, desc
        self.op, self.args, self.expected = op, args, expected
        self.a, self.b = a, b
        self.passed = None
        self.actual = None

    @property
    def key(self):
        return (os.path.basename(self.file), self.case, self.number)

    def __str__(self):
        return (f"{os.path.basename(self.file)} case {self.case} test "
                f"{self.number} {self.op}({', '.join(self.args)}): "
                f"expected {self.expected[:80]!r}, got {str(self.actual)[:80]!r}")


def parse_file(path):
    """The file's tests and its precision grid (0 = floating)."""
    root = ElementTree.parse(path).getroot()
    grid = 0.0
    pm = root.find("precisionModel")
    if pm is not None and pm.get("scale"):
        grid = 1.0 / float(pm.get("scale"))
    tests = []
    for case_number, case in enumerate(root.findall("case"), start=1):
        desc = (case.findtext("desc") or "").strip()
        a = (case.findtext("a") or "").strip()
        b = (case.findtext("b") or "").strip() or None
        for test_number, test in enumerate(case.findall("test"), start=1):
            op = test.find("op")
            args = [op.get(f"arg{i}", "") for i in range(1, 5)]
            tests.append(Test(path, case_number, test_number, desc,
                              op.get("name", "").strip().lower(), args,
                              (op.text or "").strip(), a, b))
    return tests, grid


class Runner:
    def __init__(self, client):
        self.client = client

    # --- Service calls ----------------------------------------------------

    def call(self, op, a, b=None, params=None, encoding=None):
        """`op` on rows a (and b): WKT text or WKB bytes, sent as they are
        (WKB has no LINEARRING, so text must stay text); geometry results
        come back in a's form unless `encoding` says otherwise. Values, with
        None where a row failed or an input is None (an earlier step
        failed)."""
        groups = collections.defaultdict(list)
        for i in range(len(a)):
            if a[i] is not None and (b is None or b[i] is not None):
                groups[(type(a[i]), None if b is None else type(b[i]))].append(i)
        out = [None] * len(a)
        for (kind, _), rows in groups.items():
            try:
                result = self.client.compute(
                    op, [a[i] for i in rows],
                    None if b is None else [b[i] for i in rows], params=params,
                    result_encoding=encoding or
                    ("wkt" if kind is str else "wkb"))
            except geosrpc.ComputeError as e:
                # A parameter GEOS would reject (e.g. densify by 0):
                # XMLTester sees each such test raise.
                if e.code.name != "INVALID_ARGUMENT":
                    raise
                continue
            for i, v, m in zip(rows, result.values, result.mask):
                out[i] = None if m else v
        return out

    def inputs(self, texts, grid):
        """WKT stays text, hex WKB becomes bytes; on a fixed grid both are
        rounded to it, as XMLTester's fixed-precision reader does (text
        already on the grid is left alone: set_precision also drops
        collapsed rings, which the reader does not)."""
        out = [bytes.fromhex(t) if t.startswith("0") else t for t in texts]
        if grid > 0:
            rows = [i for i, t in enumerate(out)
                    if isinstance(t, bytes) or not on_grid(t, grid)]
            rounded = self.call("set_precision", [out[i] for i in rows],
                                params={"grid_size": grid, "mode": 1})
            for i, v in zip(rows, rounded):
                out[i] = v
        return out

    # --- Matchers: each judges a list of (test, actual WKB, expected WKB) --

    def exact(self, items):
        actual = self.call("normalize", [x for _, x, _ in items])
        expected = self.call("normalize", [y for _, _, y in items])
        ok = self.call("equals_exact", actual, expected)
        return [bool(v) for v in ok]

    def overlay(self, items):
        """checkOverlaySuccess: equals(), or equalsExact within the
        expected result's size-based snap tolerance."""
        same = self.call("equals", [y for _, _, y in items],
                         [x for _, x, _ in items])
        bounds = self.call("bounds", [y for _, _, y in items])
        out = []
        for (test, x, y), eq, bb in zip(items, same, bounds):
            if eq:
                out.append(True)
                continue
            tol = 0.0 if bb is None or math.isnan(bb[0]) else \
                min(bb[2] - bb[0], bb[3] - bb[1]) * 1e-9
            xn, yn = self.call("normalize", [x, y])
            ok = self.call("equals_exact", [yn], [xn],
                           params={"tolerance": tol})
            out.append(bool(ok[0]))
        return out

    def same_parts(self, items):
        """XMLTester collects line_merge's lines in a collection: compare the
        parts, normalized, in order."""
        out = []
        for _, x, y in items:
            px = self.client.compute("get_parts", [x])
            py = self.client.compute("get_parts", [y])
            nx = sorted(self.call("normalize", list(px.values)))
            ny = sorted(self.call("normalize", list(py.values)))
            out.append(len(nx) == len(ny) and
                       all(self.call("equals_exact", nx, ny)))
        return out

    def oriented_within(self, x, y, tol):
        """Whether every point of x lies within tol of y: XMLTester's
        oriented discrete Hausdorff distance. The symmetric distance decides
        when it is small enough; otherwise x is densified to tol and each
        of its vertices measured against y."""
        if x is None or y is None:
            return False
        haus = self.call("hausdorff_distance", [x], [y],
                         params={"densify": 0.25})[0]
        if haus is not None and haus <= tol:
            return True
        dense = self.call("segmentize", [x],
                          params={"max_segment_length": tol})
        points = self.client.compute(
            "get_parts", self.call("extract_unique_points", dense))
        if points.mask.any() or len(points.values) == 0:
            return False
        d = self.call("distance", list(points.values), [y] * len(points.values))
        return all(v is not None and v <= tol for v in d)

    def offset(self, items, distances):
        """SingleSidedBufferResultMatcher: both empty, or every point of the
        actual line within |distance|/100 of the expected one."""
        xs = [x for _, x, _ in items]
        ys = [y for _, _, y in items]
        empty_x = self.call("is_empty", xs)
        empty_y = self.call("is_empty", ys)
        return [bool(ex and ey) or
                self.oriented_within(x, y, max(abs(d) / 100, 1e-8))
                for x, y, ex, ey, d in zip(xs, ys, empty_x, empty_y, distances)]

    def buffer(self, items, distances):
        """BufferResultMatcher."""
        xs = [x for _, x, _ in items]
        ys = [y for _, _, y in items]
        types_x = self.call("get_type_id", xs)
        types_y = self.call("get_type_id", ys)
        empty_x = self.call("is_empty", xs)
        empty_y = self.call("is_empty", ys)
        area_y = self.call("area", ys)
        area_diff = self.call("area", self.call("symmetric_difference", xs, ys))
        bx, by = self.call("boundary", xs), self.call("boundary", ys)
        out = []
        for i, d in enumerate(distances):
            if empty_x[i] and empty_y[i]:
                out.append(True)
                continue
            if types_x[i] != types_y[i] or area_diff[i] is None:
                out.append(False)
                continue
            frac = 0 if area_diff[i] <= 0 else (
                area_diff[i] / area_y[i] if area_y[i] > 0 else math.inf)
            out.append(frac < 1e-3 and self.oriented_within(
                bx[i], by[i], max(abs(d) / 100, 1e-8)))
        return out

    # --- Running a file ---------------------------------------------------

    def run_file(self, path):
        tests, grid = parse_file(path)
        inputs = sorted({t.a for t in tests} | {t.b for t in tests if t.b})
        wkb = dict(zip(inputs, self.inputs(inputs, grid)))
        groups = collections.defaultdict(list)
        for t in tests:
            spec = self.plan(t, grid)
            if spec is None:
                t.passed, t.actual = False, "operation not replayed"
                continue
            groups[spec[0]].append((t, spec[1], spec[2]))
        for (kind, op, params), rows in groups.items():
            a = [wkb.get(args[0]) for _, args, _ in rows]
            b = [wkb.get(args[1]) for _, args, _ in rows] \
                if rows[0][1][1] is not None else None
            self.run_group(kind, op, dict(params), rows, a, b, grid)
        return tests

    def plan(self, t, grid):
        """((kind, service op, params), (a text, b text), extra) for a test,
        or None when the operation has no counterpart."""
        a, b = t.a, t.b
        if t.args[0].upper() == "B":
            a, b = b, a
        binary = (a, b)
        unary = (a, None)
        op, args = t.op, t.args
        predicates = {
            "intersects": "intersects", "contains": "contains",
            "overlaps": "overlaps", "within": "within", "touches": "touches",
            "crosses": "crosses", "disjoint": "disjoint", "covers": "covers",
            "coveredby": "covered_by", "equalstopo": "equals",
            "equalsexact": "equals_exact"}
        overlays = {
            "intersection": "intersection", "intersectionng": "intersection",
            # Snap-if-needed (OverlayNGRobust): GEOS's own intersection.
            "intersectionsin": "intersection",
            "union": "union", "unionng": "union",
            "difference": "difference", "differenceng": "difference",
            "symdifference": "symmetric_difference",
            "symdifferenceng": "symmetric_difference"}
        snap_rounded = {
            "intersectionsr": "intersection", "unionsr": "union",
            "differencesr": "difference",
            "symdifferencesr": "symmetric_difference"}
        unary_geometry = {
            "getboundary": "boundary", "getcentroid": "centroid",
            "convexhull": "convex_hull", "getinteriorpoint": "point_on_surface",
            "minclearanceline": "minimum_clearance_line",
            "buildarea": "build_area", "makevalid": "make_valid",
            "polygonize": "polygonize"}
        grid_params = (("grid_size", grid),) if grid > 0 else ()
        if op in predicates:
            return ("bool", predicates[op], ()), binary, None
        if op == "relate":
            return ("bool", "relate_pattern", (("pattern", args[2]),)), binary, None
        if op == "relatestring":
            return ("text", "relate", ()), binary, None
        if op in ("isvalid", "issimple"):
            return ("bool", "is_valid" if op == "isvalid" else "is_simple",
                    ()), unary, None
        if op == "iswithindistance":
            return ("bool", "dwithin", (("distance", float(args[2])),)), binary, None
        if op == "equalsnorm":
            return ("equalsnorm", "normalize", ()), binary, None
        if op in overlays:
            kind = "overlay" if op.startswith("union") else "geometry"
            if b is None:
                return (kind, "unary_union", grid_params), unary, None
            return (kind, overlays[op], grid_params), binary, None
        if op in snap_rounded or op == "symdifferencesr":
            scale = args[2] if b is not None else args[1]
            params = (("grid_size", 1.0 / float(scale or 1.0)),)
            if b is None:
                return ("geometry", "unary_union", params), unary, None
            return ("geometry", snap_rounded[op], params), binary, None
        if op == "linemerge":
            return ("parts", "line_merge", ()), unary, None
        if op == "buffersinglesided":
            # BufferBuilder::bufferLineSingleSided answers with the offset
            # line, not an area: the legacy offset curve.
            d = float(args[1] or 0)
            params = [("distance", d if args[3].strip() != "right" else -d),
                      ("legacy", True)]
            if args[2].strip():
                params.append(("quadsegs", max(int(float(args[2])), 1)))
            return ("offset", "offset_curve", tuple(params)), unary, None
        if op in unary_geometry:
            return ("geometry", unary_geometry[op], ()), unary, None
        if op == "densify":
            return ("geometry", "densify",
                    (("max_segment_length", float(args[1])),)), unary, None
        if op in ("simplifydp", "simplifytp"):
            return ("geometry", "simplify",
                    (("tolerance", float(args[1])),
                     ("preserve_topology", op == "simplifytp"))), unary, None
        if op in ("buffer", "buffermitredjoin"):
            # XMLTester reads its arguments with atof / atoi.
            radius = float(args[1] or 0)
            params = [("radius", radius)]
            if args[2].strip():
                # GEOS's BufferParameters: 0 segments is a bevel join, -n a
                # mitre join limited to n.
                q = int(float(args[2]))
                params.append(("quadsegs", max(q, 1)))
                if q == 0:
                    params.append(("join_style", 3))  # bevel
                elif q < 0:
                    params += [("join_style", 2), ("mitre_limit", float(-q))]  # mitre
            if op == "buffermitredjoin":
                params.append(("join_style", 2))  # mitre
            return ("buffer", "buffer", tuple(params)), unary, None
        if op == "distance":
            return ("number", "distance", ()), binary, None
        if op == "minclearance":
            return ("number", "minimum_clearance", ()), unary, None
        if op == "areatest":
            return ("areatest", "area", grid_params), binary, None
        if op == "overlayareatest":
            return ("overlayareatest", "area", ()), binary, None
        if op in ("unionlength", "unionarea"):
            return ("unionmeasure", op[len("union"):], ()), unary, None
        return None

    def run_group(self, kind, op, params, rows, a, b, grid):
        tests = [t for t, _, _ in rows]
        usable = [i for i in range(len(rows))
                  if a[i] is not None and (b is None or b[i] is not None)]
        for i in set(range(len(rows))) - set(usable):
            tests[i].passed, tests[i].actual = False, "input did not parse"
        tests = [tests[i] for i in usable]
        a = [a[i] for i in usable]
        b = None if b is None else [b[i] for i in usable]
        if not tests:
            return
        if kind == "areatest":
            return self.area_test(tests, a, b, params)
        if kind == "overlayareatest":
            return self.overlay_area_test(tests, a, b)
        if kind == "unionmeasure":
            # The unary union's length or area, within 0.1% (XMLTester).
            values = self.call(op, self.call("unary_union", a))
            for t, v in zip(tests, values):
                t.actual = v
                e = float(t.expected)
                t.passed = v is not None and abs(e - v) <= 1e-3 * abs(e)
            return
        if kind == "equalsnorm":
            an, bn = self.call("normalize", a), self.call("normalize", b)
            for t, v in zip(tests, self.call("equals_exact", an, bn)):
                t.actual = "exception" if v is None else str(v).lower()
                t.passed = t.actual == t.expected
            return
        values = self.call(op, a, b, params=params)
        if kind == "text":
            for t, v in zip(tests, values):
                t.actual = "exception" if v is None else v
                t.passed = t.actual == t.expected
            return
        if kind == "bool":
            for t, v in zip(tests, values):
                t.actual = "exception" if v is None else str(bool(v)).lower()
                t.passed = t.actual == t.expected
            return
        if kind == "number":
            for t, v in zip(tests, values):
                t.actual = v
                t.passed = v is not None and number_matches(t.expected, v, op)
            return
        # Geometry results, compared with the expected geometry.
        expected = self.inputs([t.expected for t in tests], grid)
        judged = [(t, v, e) for t, v, e in zip(tests, values, expected)]
        for t, v, e in judged:
            t.actual = "exception" if v is None else v
            if v is None or e is None:
                t.passed = t.expected == "exception" and v is None
        todo = [(t, v, e) for t, v, e in judged if t.passed is None]
        if not todo:
            return
        if kind == "overlay":
            verdicts = self.overlay(todo)
        elif kind == "parts":
            verdicts = self.same_parts(todo)
        elif kind == "offset":
            verdicts = self.offset(todo, [float(t.args[1] or 0) for t, _, _ in todo])
        elif kind == "buffer":
            verdicts = self.buffer(todo,
                                   [float(t.args[1] or 0) for t, _, _ in todo])
        else:
            verdicts = self.exact(todo)
        for (t, _, _), ok in zip(todo, verdicts):
            t.passed = ok

    def overlay_areas(self, tests, a, b, params=None):
        """Per test, the areas (A, B, A & B, A - B, B - A, A ^ B, A + B),
        or None where a step failed (the test is then failed)."""
        area = lambda g: self.call("area", g)
        columns = [area(a), area(b)] + [
            area(self.call(op, x, y, params=params))
            for op, x, y in (("intersection", a, b), ("difference", a, b),
                             ("difference", b, a),
                             ("symmetric_difference", a, b), ("union", a, b))]
        out = []
        for i, t in enumerate(tests):
            values = tuple(column[i] for column in columns)
            if any(v is None for v in values):
                t.passed, t.actual = False, "exception"
                values = None
            out.append(values)
        return out

    def area_test(self, tests, a, b, params):
        """XMLTester's areatest: four identities within the given
        tolerance."""
        for t, values in zip(tests, self.overlay_areas(tests, a, b, params)):
            if values is None:
                continue
            A, B, I, Dab, Dba, SD, U = values
            diff = max(abs(A - I - Dab), abs(B - I - Dba), abs(Dab + Dba - SD),
                       abs(I + SD - U))
            t.actual = diff
            t.passed = diff <= float(t.expected)

    def overlay_area_test(self, tests, a, b):
        """XMLTester's overlayareatest: five identities, their worst error
        over the inputs' areas under 1e-6 (0 when either input has no
        area); the expected value is not read."""
        for t, values in zip(tests, self.overlay_areas(tests, a, b)):
            if values is None:
                continue
            A, B, I, Dab, Dba, SD, U = values
            if A == 0 or B == 0:
                t.actual, t.passed = 0.0, True
                continue
            delta = max(abs(A - I - Dab), abs(B - I - Dba), abs(Dab + Dba - SD),
                        abs(I + SD - U), abs(U - I - Dab - Dba))
            t.actual = delta / (A + B)
            t.passed = t.actual < 1e-6


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def on_grid(wkt, grid):
    for token in _NUMBER.findall(wkt):
        v = float(token)
        if abs(round(v / grid) * grid - v) > 1e-12 * max(1.0, abs(v)):
            return False
    return True


def agrees(direct, actual):
    """Whether GEOS's direct answer is the service's."""
    if isinstance(actual, bytes):
        actual = actual.hex()
    if direct in ("true", "false", "exception") or actual in (
            "true", "false", "exception", None):
        return direct == actual
    return geos_peer.same_geometry(direct, actual)


def number_matches(expected, actual, op):
    if op == "minimum_clearance" and actual > 1.7976931348623157e308:
        actual = 1.7976931348623157e308  # XMLTester's Inf hack.
    e = {"nan": math.nan, "inf": math.inf}.get(expected.lower())
    e = float(expected) if e is None else e
    if e == 0:
        return actual == 0
    if math.isnan(e):
        return math.isnan(actual)
    return e == actual or abs(e - actual) / e < 1e-3


def xml_files(paths):
    for path in paths:
        if os.path.isfile(path):
            yield path
            continue
        for folder, _, names in sorted(os.walk(path)):
            for name in sorted(names):
                if name.endswith(".xml"):
                    yield os.path.join(folder, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--server", help="HOST:PORT of a running server")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--every_operation", action="store_true",
                        help="fail unless the files hold a test of every "
                        "operation XMLTester knows")
    args = parser.parse_args()
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        print(f"SKIPPED: no GEOS XML tests at {', '.join(missing)} (point the "
              f"runner at a GEOS tests/xmltester/tests folder)")
        return SKIP

    server = None
    target = args.server
    if target is None:
        import server_process
        server = server_process.start_server("--log_requests=false")
        target = server.target
    try:
        with geosrpc.Client(target) as client:
            runner = Runner(client)
            results = []
            for path in xml_files(args.paths):
                tests = runner.run_file(path)
                failed = sum(1 for t in tests if not t.passed)
                print(f"{os.path.relpath(path)}: {len(tests) - failed}/"
                      f"{len(tests)} passed")
                results += tests
    finally:
        if server is not None:
            server.proc.terminate()
            server.proc.wait()

    unexpected, fixed, excused, geos_own = [], [], [], []
    for t in results:
        reason = KNOWN_EXCEPTIONS.get(t.key)
        if t.passed and reason:
            fixed.append(t)
        elif not t.passed and reason:
            excused.append((t, reason))
        elif not t.passed:
            direct = geos_peer.answer(t)
            if direct is not None and agrees(direct, t.actual):
                geos_own.append(t)
            else:
                unexpected.append(t)
    if args.every_operation:
        untested = sorted(XMLTESTER_OPS - {t.op for t in results})
        if untested:
            print(f"no test of: {', '.join(untested)}")
            return 1
    passed = sum(1 for t in results if t.passed)
    print(f"\n{passed} of {len(results)} tests passed; "
          f"{len(geos_own)} fail in GEOS 3.11.1 itself; "
          f"{len(excused)} known exceptions; {len(unexpected)} failures")
    for t in geos_own:
        print(f"  GEOS's own: {t}\n         (GEOS called directly answers "
              f"the same as the service)")
    for t, reason in excused:
        print(f"  known: {t}\n         because {reason}")
    for t in unexpected:
        print(f"  FAILED: {t}" + (f"\n    a: {t.a[:200]}\n    b: {(t.b or '')[:200]}"
                                  if args.verbose else ""))
    for t in fixed:
        print(f"  now passes, remove from KNOWN_EXCEPTIONS: {t}")
    return 0 if not unexpected and not fixed else 1


if __name__ == "__main__":
    sys.exit(main())
