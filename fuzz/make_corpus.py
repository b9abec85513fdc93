#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<harness>/ (committed; rerun
after changing this file).

Valid and broken geometries of every type and flavour -- ISO and extended
WKB, Z/M/ZM, SRID, both byte orders; WKT; GeoJSON -- and a few requests
(ComputeRequest for compute_fuzzer; a leading byte, 0 for JoinRequest or 1
for NearestRequest, then the request, for join_fuzzer), written from text
format with protoc --encode.

    python3 fuzz/make_corpus.py
"""

import hashlib
import math
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROTO = os.path.join(ROOT, "proto")

TYPES = {"Point": 1, "LineString": 2, "Polygon": 3, "MultiPoint": 4,
         "MultiLineString": 5, "MultiPolygon": 6, "GeometryCollection": 7}


def wkb(geom, dims="", iso=False, big=False, srid=None):
    """WKB for (type, payload): Point (x, y[, z[, m]]) or None for empty;
    LineString [points]; Polygon [rings]; Multi*/GeometryCollection
    [members as (type, payload)]."""
    kind, payload = geom
    order = ">" if big else "<"
    code = TYPES[kind]
    if iso:
        code += {"": 0, "Z": 1000, "M": 2000, "ZM": 3000}[dims]
    else:
        code |= (0x80000000 if "Z" in dims else 0) | \
                (0x40000000 if "M" in dims else 0)
        if srid is not None:
            code |= 0x20000000
    out = struct.pack(order + "BI", 0 if big else 1, code)
    if srid is not None and not iso:
        out += struct.pack(order + "I", srid)
    n = 2 + len(dims)

    def point(p):
        p = tuple(p) + (0.0,) * (n - len(p))
        return struct.pack(order + "d" * n, *p[:n])

    if kind == "Point":
        return out + point(payload if payload is not None
                           else (math.nan,) * n)
    if kind == "LineString":
        return out + struct.pack(order + "I", len(payload)) + \
            b"".join(point(p) for p in payload)
    if kind == "Polygon":
        out += struct.pack(order + "I", len(payload))
        for ring in payload:
            out += struct.pack(order + "I", len(ring)) + \
                b"".join(point(p) for p in ring)
        return out
    out += struct.pack(order + "I", len(payload))
    return out + b"".join(wkb(m, dims, iso, big) for m in payload)


SQUARE = [(0, 0, 1, 2), (4, 0, 1, 2), (4, 4, 1, 2), (0, 4, 1, 2), (0, 0, 1, 2)]
HOLE = [(1, 1), (2, 1), (2, 2), (1, 2), (1, 1)]
GEOMETRIES = {
    "point": ("Point", (1.5, -2.5, 3, 4)),
    "point_empty": ("Point", None),
    "line": ("LineString", [(0, 0, 1, 1), (1, 1, 2, 2), (2, 0, 3, 3)]),
    "line_empty": ("LineString", []),
    "polygon": ("Polygon", [SQUARE, HOLE]),
    "polygon_empty": ("Polygon", []),
    "multipoint": ("MultiPoint", [("Point", (0, 0)), ("Point", (1, 1))]),
    "multiline": ("MultiLineString", [("LineString", [(0, 0), (1, 1)]),
                                      ("LineString", [])]),
    "multipolygon": ("MultiPolygon", [("Polygon", [SQUARE]),
                                      ("Polygon", [HOLE])]),
    "collection": ("GeometryCollection", [
        ("Point", None), ("LineString", [(0, 0), (2, 2)]),
        ("GeometryCollection", [("Polygon", [SQUARE])])]),
    "collection_empty": ("GeometryCollection", []),
}

# Broken on purpose: each must be refused before GEOS reads it.
LINE = wkb(GEOMETRIES["line"])
BROKEN = {
    "truncated": LINE[:-3],
    "trailing": LINE + b"\x00",
    "claims_points": bytes.fromhex("0102000000ffffffff"),
    "claims_rings": bytes.fromhex("0103000000ffffff7f"),
    "claims_members": bytes.fromhex("0107000000ffffffff"),
    "byte_order": b"\x02" + LINE[1:],
    "type_circularstring": bytes.fromhex("0108000000"),
    "type_zero": bytes.fromhex("010000000000000000000000000000000000000000"),
    "member_type": wkb(("MultiPoint", [("LineString", [(0, 0), (1, 1)])])),
    "nan": wkb(("LineString", [(0, 0), (math.nan, 1)])),
    "inf": wkb(("Point", (math.inf, 0))),
    "huge": wkb(("LineString", [(-1e308, 0), (1e308, 0)])),
    "empty_in_multipoint": wkb(("MultiPoint", [("Point", None)])),
    "line_one_point": wkb(("LineString", [(0, 0)])),
    "ring_two_points": wkb(("Polygon", [[(0, 0), (0, 0)]])),
    "ring_open": wkb(("Polygon", [[(0, 0), (1, 0), (1, 1), (0, 1)]])),
    "hole_in_empty_shell": wkb(("Polygon", [[], HOLE])),
    "deep": wkb(("GeometryCollection", [("GeometryCollection", [
        ("GeometryCollection", [("Point", (0, 0))])])])) ,
}
deep = ("Point", (0, 0))
for _ in range(40):
    deep = ("GeometryCollection", [deep])
BROKEN["nested_40"] = wkb(deep)

WKT = {
    "point": "POINT (1 2)", "point_z": "POINT Z (1 2 3)",
    "point_m": "POINT M (1 2 4)", "point_zm": "POINT ZM (1 2 3 4)",
    "point_empty": "POINT EMPTY",
    "line": "LINESTRING (0 0, 1 1, 2 0)", "line_empty": "LINESTRING EMPTY",
    "polygon": "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 1, 2 2, 1 2, 1 1))",
    "multipoint": "MULTIPOINT ((0 0), (1 1))",
    "multipoint_bare": "MULTIPOINT (0 0, 1 1)",
    "multiline": "MULTILINESTRING ((0 0, 1 1), EMPTY)",
    "multipolygon": "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), EMPTY)",
    "collection": "GEOMETRYCOLLECTION (POINT EMPTY, LINESTRING (0 0, 1 1), "
                  "GEOMETRYCOLLECTION (POLYGON ((0 0, 1 0, 0 1, 0 0))))",
    "srid": "SRID=4326;POINT (1 2)",
    "linearring": "LINEARRING (0 0, 1 0, 1 1, 0 0)",
    "big": "LINESTRING (-1e149 0, 1e149 1)",
    "tiny": "POLYGON ((0 0, 1e-155 0, 1e-155 1e-155, 0 0))",
    # Broken.
    "huge": "POINT (1e308 1)",
    "nan": "POINT (nan 1)",
    "unclosed": "POLYGON ((0 0, 1 0",
    "stray_paren": "POINT (1 2))",
    "empty_in_multipoint": "MULTIPOINT (EMPTY, (1 1))",
    "deep": "GEOMETRYCOLLECTION (" * 40 + "POINT (0 0)" + ")" * 40,
    "nul": "POINT (1\x00 2)",
}

GEOJSON = {
    "point": '{"type":"Point","coordinates":[1,2]}',
    "point_z": '{"type":"Point","coordinates":[1,2,3]}',
    "line": '{"type":"LineString","coordinates":[[0,0],[1,1],[2,0]]}',
    "polygon": '{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],'
               '[0,0]],[[1,1],[2,1],[2,2],[1,2],[1,1]]]}',
    "multipoint": '{"type":"MultiPoint","coordinates":[[0,0],[1,1]]}',
    "multiline": '{"type":"MultiLineString","coordinates":[[[0,0],[1,1]]]}',
    "multipolygon": '{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],'
                    '[1,1],[0,0]]]]}',
    "collection": '{"type":"GeometryCollection","geometries":[{"type":'
                  '"Point","coordinates":[]},{"type":"LineString",'
                  '"coordinates":[[0,0],[1,1]]}]}',
    "feature": '{"type":"Feature","properties":{"name":"a ] { \\" b"},'
               '"geometry":{"type":"Point","coordinates":[1,2]}}',
    "collection_of_features": '{"type":"FeatureCollection","features":[]}',
    # Broken.
    "null": "null",
    "null_geometry": '{"type":"Feature","properties":{},"geometry":null}',
    "huge": '{"type":"Point","coordinates":[1e308,1]}',
    "unterminated": '{"type":"Point","coordinates":[1,2]',
    "escaped_nul": '{"type":"Point","p":"\\\x00","coordinates":[1,2]}',
    "deep": '{"type":"GeometryCollection","geometries":[' * 40 + "]}" * 40,
}


def text_bytes(b):
    """Bytes as a protobuf text-format string literal."""
    return '"' + "".join(
        chr(c) if 32 <= c < 127 and chr(c) not in '"\\' else "\\%03o" % c
        for c in b) + '"'


def batch(encoding, rows):
    offsets, data, at = [0], b"", 0
    for r in rows:
        data += r
        at += len(r)
        offsets.append(at)
    return "encoding: %s data: %s %s" % (
        encoding, text_bytes(data),
        " ".join("offsets: %d" % o for o in offsets))


def coordinates(kind, dims, values, geometry=(), part=(), ring=()):
    """A GeometryBatch of a coordinate array, in text format."""
    fields = "".join(" %s_offsets: %d" % (name, o)
                     for name, offsets in (("geometry", geometry),
                                           ("part", part), ("ring", ring))
                     for o in offsets)
    return ("encoding: ENCODING_COORDINATES coordinates { kind: %s "
            "dimensions: %d coords: %s%s }" % (
                kind, dims,
                text_bytes(struct.pack("<%dd" % len(values), *values)),
                fields))


def encode(message, text):
    return subprocess.run(
        ["protoc", "-I", PROTO, "--encode=geosrpc.v1." + message,
         "geosrpc/v1/geometry_service.proto"],
        input=text.encode(), stdout=subprocess.PIPE, check=True).stdout


def digest(encoding_number, rows):
    h = hashlib.sha256(bytes([encoding_number]))
    h.update(struct.pack("<Q", len(rows)))
    for r in rows:
        h.update(struct.pack("<Q", len(r)) + r)
    return "sha256:" + h.hexdigest()


def write(harness, name, data):
    folder = os.path.join(HERE, "corpus", harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    for harness in ("wkb_fuzzer", "hex_wkb_fuzzer", "wkt_fuzzer",
                    "geojson_fuzzer", "compute_fuzzer", "join_fuzzer"):
        # Seeds written here are replaced; regression_* inputs (what the
        # fuzzers found) stay.
        folder = os.path.join(HERE, "corpus", harness)
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            if not name.startswith("regression_"):
                os.remove(os.path.join(folder, name))
    for name, geom in GEOMETRIES.items():
        for dims in ("", "Z", "M", "ZM"):
            for iso in (False, True):
                for big in (False, True):
                    tag = "%s_%s%s_%s" % (name, dims.lower() or "xy",
                                          "_iso" if iso else "_ext",
                                          "xdr" if big else "ndr")
                    b = wkb(geom, dims, iso, big)
                    write("wkb_fuzzer", tag, b)
                    if not big and dims in ("", "ZM"):
                        # The first byte: 0 for hex text as is.
                        write("hex_wkb_fuzzer", tag, b"\x00" + b.hex().encode())
        write("wkb_fuzzer", name + "_srid",
              wkb(geom, "Z", iso=False, big=True, srid=4326))
        write("hex_wkb_fuzzer", name + "_bytes", b"\x01" + wkb(geom))
    for name, b in BROKEN.items():
        write("wkb_fuzzer", "broken_" + name, b)
        write("hex_wkb_fuzzer", "broken_" + name, b"\x03" + b)
    write("hex_wkb_fuzzer", "broken_odd", b"\x000101000")
    write("hex_wkb_fuzzer", "broken_junk", b"\x0001zz")
    for name, text in WKT.items():
        write("wkt_fuzzer", name, text.encode())
    for name, text in GEOJSON.items():
        write("geojson_fuzzer", name, text.encode())

    square = WKT["polygon"].encode()
    rows_wkt = [b"POINT (1 1)", square, b"LINESTRING (0 0, 5 5)",
                b"POLYGON ((0 0", b"POINT EMPTY",
                b"GEOMETRYCOLLECTION (POINT EMPTY, LINESTRING (0 0, 1 1))"]
    rows_wkb = [wkb(GEOMETRIES[n]) for n in
                ("point", "line", "polygon", "multipolygon", "collection")]
    wkt_batch = batch("ENCODING_WKT", rows_wkt)
    wkb_batch = batch("ENCODING_WKB", rows_wkb)
    computes = {
        "area": "operation { op: OP_CODE_AREA } a { %s }" % wkt_batch,
        "bounds_wkb": "operation { op: OP_CODE_BOUNDS } a { %s }" % wkb_batch,
        "buffer": "operation { op: OP_CODE_BUFFER buffer { radius: 1 "
                  "quadsegs: 2 } } a { %s } chunk_rows: 2" % wkt_batch,
        "distance_broadcast": "operation { op: OP_CODE_DISTANCE } a { %s } "
                              "b_broadcast { encoding: ENCODING_WKT data: "
                              "\"POINT (3 0)\" }" % wkt_batch,
        "intersects_prepared": "operation { op: OP_CODE_INTERSECTS } a { %s } "
                               "b_broadcast { encoding: ENCODING_WKB data: %s }"
                               % (wkb_batch, text_bytes(rows_wkb[2])),
        "intersection_rows": "operation { op: OP_CODE_INTERSECTION overlay { "
                             "grid_size: 0.5 } } a { %s } b_rows { %s }"
                             % (wkt_batch, wkt_batch),
        "union_all": "operation { op: OP_CODE_UNION_ALL } a { %s }" % wkb_batch,
        "get_parts": "operation { op: OP_CODE_GET_PARTS } a { %s } "
                     "result_encoding: ENCODING_GEOJSON" % wkt_batch,
        "get_coordinates": "operation { op: OP_CODE_GET_COORDINATES "
                           "coordinates { include_z: true } } a { %s }"
                           % wkb_batch,
        "to_wkt": "operation { op: OP_CODE_TO_WKT wkt { rounding_precision: 3 "
                  "} } a { %s }" % wkb_batch,
        "to_wkb_hex": "operation { op: OP_CODE_TO_WKB wkb { hex: true iso: "
                      "true include_srid: true } } a { %s }" % batch(
                          "ENCODING_HEX_WKB", [r.hex().encode()
                                               for r in rows_wkb]),
        "relate_pattern": "operation { op: OP_CODE_RELATE_PATTERN "
                          "relate_pattern { pattern: \"T*F**FFF*\" } } a { %s }"
                          " b_broadcast { encoding: ENCODING_WKT data: "
                          "\"POINT (1 1)\" }" % wkt_batch,
        "make_valid": "operation { op: OP_CODE_MAKE_VALID } a { %s }" % batch(
            "ENCODING_WKT", [b"POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))"]),
        "geojson_rows": "operation { op: OP_CODE_CENTROID } a { %s }" % batch(
            "ENCODING_GEOJSON", [g.encode() for g in (
                GEOJSON["point"], GEOJSON["polygon"], GEOJSON["feature"],
                GEOJSON["null_geometry"])]),
        # Coordinate arrays in and out: polygons with a hole to buffer,
        # points through transform's coordinate kernel, WKT to coordinates
        # (mixed results), multipolygons to their parts.
        "coordinates_buffer": "operation { op: OP_CODE_BUFFER buffer { "
                              "radius: 0.5 } } a { %s } result_encoding: "
                              "ENCODING_COORDINATES chunk_rows: 1" % coordinates(
                                  "COORDINATE_KIND_POLYGON", 2,
                                  [0, 0, 4, 0, 4, 4, 0, 0, 1, 1, 2, 1, 2, 2, 1, 1],
                                  geometry=[0, 2, 2], ring=[0, 4, 8]),
        "coordinates_transform": "operation { op: OP_CODE_TRANSFORM transform "
                                 "{ from_crs: \"EPSG:4326\" to_crs: "
                                 "\"EPSG:3857\" } } a { %s } result_encoding: "
                                 "ENCODING_COORDINATES" % coordinates(
                                     "COORDINATE_KIND_POINT", 3,
                                     [10, 50, 1, 0, 91, 2, 1, 2, 3]),
        "coordinates_out": "operation { op: OP_CODE_ENVELOPE } a { %s } "
                           "result_encoding: ENCODING_COORDINATES" % wkt_batch,
        "coordinates_parts": "operation { op: OP_CODE_GET_PARTS } a { %s } "
                             "result_encoding: ENCODING_COORDINATES" % coordinates(
                                 "COORDINATE_KIND_MULTIPOLYGON", 2,
                                 [0, 0, 1, 0, 1, 1, 0, 0, 5, 5, 6, 5, 6, 6, 5, 5],
                                 geometry=[0, 2], part=[0, 1, 2],
                                 ring=[0, 4, 8]),
        "bad_offsets": "operation { op: OP_CODE_AREA } a { encoding: "
                       "ENCODING_WKT data: \"POINT (1 1)\" offsets: 0 "
                       "offsets: 20 }",
    }
    for name, text in computes.items():
        write("compute_fuzzer", name, encode("ComputeRequest", text))

    layer_rows = wkt_batch
    joins = {
        "intersects": "a { %s } set { geometries { %s } } predicate: "
                      "JOIN_PREDICATE_INTERSECTS return_distance: true"
                      % (wkt_batch, wkb_batch),
        "dwithin_layer": "a { %s } set { layer: \"layer\" } predicate: "
                         "JOIN_PREDICATE_DWITHIN distance: 2 chunk_rows: 1"
                         % wkt_batch,
        "envelope_layer": "a { %s } set { layer: \"layer\" } predicate: "
                          "JOIN_PREDICATE_ENVELOPE max_pairs: 3" % wkb_batch,
        "digest": "a { %s } set { digest: \"%s\" } predicate: "
                  "JOIN_PREDICATE_CONTAINS" % (
                      wkt_batch, digest(1, rows_wkb)),
    }
    for name, text in joins.items():
        write("join_fuzzer", "join_" + name, b"\x00" + encode("JoinRequest",
                                                              text))
    nearests = {
        "k2": "a { %s } set { geometries { %s } } k: 2 return_distance: true"
              % (wkt_batch, wkb_batch),
        "layer_bounded": "a { %s } set { layer: \"layer\" } k: 3 "
                         "max_distance: 5 all_matches: false "
                         "return_distance: true" % wkt_batch,
        "exclusive": "a { %s } set { geometries { %s } } exclusive: true"
                     % (layer_rows, wkt_batch),
    }
    for name, text in nearests.items():
        write("join_fuzzer", "nearest_" + name,
              b"\x01" + encode("NearestRequest", text))


if __name__ == "__main__":
    sys.exit(main())
