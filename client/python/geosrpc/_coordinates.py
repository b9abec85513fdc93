"""Coordinate arrays: geometries as numpy coordinates plus offsets.

The v1 API's CoordinateArray is GeoArrow's native layout, which is what
Shapely 2's to_ragged_array returns and from_ragged_array takes: one kind of
geometry, interleaved x, y[, z] float64 coordinates, and offsets from each
level (geometries, parts, rings) into the next. Sending numpy coordinates
this way costs 16 bytes a 2D point and no per-row encoding.

Shapely's ragged form lists offsets from the bottom level up: (geometry
offsets,) for lines and multipoints, (ring offsets, geometry offsets) for
polygons, (part offsets, geometry offsets) for multilines and (ring, part,
geometry offsets) for multipolygons. CoordinateBatch keeps them top down.

Thread-safety: CoordinateBatch is immutable once built; functions are pure.
"""

from __future__ import annotations

import dataclasses
import struct
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from geosrpc.v1 import geometry_service_pb2 as pb

# Shapely's GeometryType numbering, and names, to the API's kinds.
_SHAPELY_TYPES = {0: pb.COORDINATE_KIND_POINT,
                  1: pb.COORDINATE_KIND_LINESTRING,
                  3: pb.COORDINATE_KIND_POLYGON,
                  4: pb.COORDINATE_KIND_MULTIPOINT,
                  5: pb.COORDINATE_KIND_MULTILINESTRING,
                  6: pb.COORDINATE_KIND_MULTIPOLYGON}
_NAMES = {"point": 0, "linestring": 1, "polygon": 3, "multipoint": 4,
          "multilinestring": 5, "multipolygon": 6}
_TO_SHAPELY = {kind: t for t, kind in _SHAPELY_TYPES.items()}

# Offsets levels each kind uses, top down.
_LEVELS = {pb.COORDINATE_KIND_POINT: (),
           pb.COORDINATE_KIND_LINESTRING: ("geometry",),
           pb.COORDINATE_KIND_MULTIPOINT: ("geometry",),
           pb.COORDINATE_KIND_POLYGON: ("geometry", "ring"),
           pb.COORDINATE_KIND_MULTILINESTRING: ("geometry", "part"),
           pb.COORDINATE_KIND_MULTIPOLYGON: ("geometry", "part", "ring")}

_FAMILY = {pb.COORDINATE_KIND_POINT: "points",
           pb.COORDINATE_KIND_MULTIPOINT: "points",
           pb.COORDINATE_KIND_LINESTRING: "lines",
           pb.COORDINATE_KIND_MULTILINESTRING: "lines",
           pb.COORDINATE_KIND_POLYGON: "polygons",
           pb.COORDINATE_KIND_MULTIPOLYGON: "polygons"}
_MULTI = {pb.COORDINATE_KIND_POINT: pb.COORDINATE_KIND_MULTIPOINT,
          pb.COORDINATE_KIND_LINESTRING: pb.COORDINATE_KIND_MULTILINESTRING,
          pb.COORDINATE_KIND_POLYGON: pb.COORDINATE_KIND_MULTIPOLYGON}


def _offsets(values: Any, name: str) -> np.ndarray:
    a = np.asarray(values)
    if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
        raise ValueError(f"{name} must be a 1-D integer array")
    if a.size and a.min() < 0:
        raise ValueError(f"{name} holds a negative offset")
    return a.astype(np.int64, copy=False)


@dataclasses.dataclass
class CoordinateBatch:
    """Rows of one kind as coordinates (a v1 CoordinateArray)."""

    kind: int                      # pb.CoordinateKind
    coords: np.ndarray             # float64, (n, 2) or (n, 3)
    offsets: Tuple[np.ndarray, ...] = ()  # top down: _LEVELS[kind]
    srid: int = 0
    encoding: int = pb.ENCODING_COORDINATES
    missing: Optional[np.ndarray] = None

    def __post_init__(self):
        coords = np.asarray(self.coords, dtype=np.float64)
        if coords.ndim != 2 or coords.shape[1] not in (2, 3):
            raise ValueError(
                f"coords must have shape (n, 2) or (n, 3), got {coords.shape}")
        self.coords = coords
        levels = _LEVELS.get(self.kind)
        if levels is None:
            raise ValueError(f"unknown coordinate kind {self.kind}")
        if len(self.offsets) != len(levels):
            raise ValueError(
                f"{pb.CoordinateKind.Name(self.kind)} takes "
                f"{len(levels)} offsets arrays, got {len(self.offsets)}")
        self.offsets = tuple(_offsets(o, f"{level} offsets")
                             for o, level in zip(self.offsets, levels))

    def __len__(self) -> int:
        if not self.offsets:
            return len(self.coords)
        return max(len(self.offsets[0]) - 1, 0)

    def to_proto(self) -> pb.GeometryBatch:
        array = pb.CoordinateArray(
            kind=self.kind, dimensions=self.coords.shape[1],
            coords=np.ascontiguousarray(self.coords, dtype="<f8").tobytes(),
            srid=self.srid)
        for level, o in zip(_LEVELS[self.kind], self.offsets):
            getattr(array, f"{level}_offsets").extend(o.tolist())
        return pb.GeometryBatch(encoding=pb.ENCODING_COORDINATES,
                                coordinates=array)

    def slice(self, start: int, stop: int) -> "CoordinateBatch":
        """Rows [start, stop), with offsets rebased to 0."""
        lo, hi = start, stop
        offsets = []
        for o in self.offsets:
            part = o[lo:hi + 1] if len(o) else np.zeros(1, dtype=np.int64)
            offsets.append(part - part[0])
            lo, hi = int(part[0]), int(part[-1])
        return CoordinateBatch(self.kind, self.coords[lo:hi], tuple(offsets),
                               self.srid)

    def point_wkb(self) -> Tuple[bytes, np.ndarray]:
        """A batch of points as WKB rows, with numpy alone: (data, n+1
        offsets)."""
        dims = self.coords.shape[1]
        fields = [("order", "u1"), ("type", "<u4")]
        if self.srid:
            fields.append(("srid", "<u4"))
        fields.append(("xyz", "<f8", (dims,)))
        rows = np.empty(len(self.coords), dtype=np.dtype(fields))
        rows["order"] = 1
        rows["type"] = (1 | (0x80000000 if dims == 3 else 0) |
                        (0x20000000 if self.srid else 0))
        if self.srid:
            rows["srid"] = self.srid
        rows["xyz"] = self.coords
        size = rows.dtype.itemsize
        return rows.tobytes(), np.arange(len(rows) + 1, dtype=np.uint64) * size

    def to_wkb(self) -> List[bytes]:
        """Each row as little-endian WKB (as the server writes the rows of a
        coordinate batch, so digests agree)."""
        dims = self.coords.shape[1]
        flag = 0x80000000 if dims == 3 else 0
        srid = 0x20000000 if self.srid else 0

        def header(t: int, outer: bool) -> bytes:
            if outer and self.srid:
                return struct.pack("<BII", 1, t | flag | srid, self.srid)
            return struct.pack("<BI", 1, t | flag)

        def line(begin: int, end: int) -> bytes:
            return (struct.pack("<I", end - begin) +
                    self.coords[begin:end].astype("<f8").tobytes())

        def polygon(rings: np.ndarray, begin: int, end: int,
                    outer: bool) -> bytes:
            return header(3, outer) + struct.pack("<I", end - begin) + b"".join(
                line(rings[r], rings[r + 1]) for r in range(begin, end))

        k = self.kind
        if k == pb.COORDINATE_KIND_POINT:
            return [header(1, True) + c.astype("<f8").tobytes()
                    for c in self.coords]
        g = self.offsets[0]
        rows = []
        for i in range(len(self)):
            b, e = int(g[i]), int(g[i + 1])
            if k == pb.COORDINATE_KIND_LINESTRING:
                rows.append(header(2, True) + line(b, e))
            elif k == pb.COORDINATE_KIND_POLYGON:
                rows.append(polygon(self.offsets[1], b, e, True))
            elif k == pb.COORDINATE_KIND_MULTIPOINT:
                rows.append(header(4, True) + struct.pack("<I", e - b) +
                            b"".join(header(1, False) +
                                     self.coords[c].astype("<f8").tobytes()
                                     for c in range(b, e)))
            elif k == pb.COORDINATE_KIND_MULTILINESTRING:
                p = self.offsets[1]
                rows.append(header(5, True) + struct.pack("<I", e - b) +
                            b"".join(header(2, False) + line(p[j], p[j + 1])
                                     for j in range(b, e)))
            else:
                p, r = self.offsets[1], self.offsets[2]
                rows.append(header(6, True) + struct.pack("<I", e - b) +
                            b"".join(polygon(r, p[j], p[j + 1], False)
                                     for j in range(b, e)))
        return rows


def points(coords: Any, y: Any = None, z: Any = None) -> CoordinateBatch:
    """Points from an (n, 2) or (n, 3) numeric array (a (2,) or (3,) array
    is one point), or from x, y[, z] arrays. NaN, NaN is an empty point."""
    if y is not None:
        columns = [coords, y] + ([z] if z is not None else [])
        coords = np.column_stack([np.asarray(c, dtype=np.float64).ravel()
                                  for c in columns])
    coords = np.asarray(coords)
    if coords.dtype.kind not in "iuf":
        raise TypeError(f"points takes numbers, not dtype {coords.dtype}")
    if coords.ndim == 1 and coords.shape[0] in (2, 3):
        coords = coords.reshape(1, -1)
    if coords.ndim != 2 or coords.shape[1] not in (2, 3):
        raise ValueError(
            f"coords must have shape (n, 2) or (n, 3), got {coords.shape}")
    return CoordinateBatch(pb.COORDINATE_KIND_POINT, coords)


def _grouped(coords: Any, indices: Any, what: str
             ) -> Tuple[np.ndarray, np.ndarray]:
    """Coordinates and the offsets of their groups: an (n, m, d) array is n
    groups of m; an (N, d) array with `indices` (N non-decreasing integers
    from 0, none skipped) groups by index."""
    coords = np.asarray(coords, dtype=np.float64)
    if indices is None:
        if coords.ndim != 3:
            raise ValueError(f"{what}: coords must have shape (n, m, 2|3) "
                             f"without indices, got {coords.shape}")
        n, m = coords.shape[:2]
        return (coords.reshape(n * m, coords.shape[2]),
                np.arange(n + 1, dtype=np.int64) * m)
    indices = np.asarray(indices)
    if coords.ndim != 2 or indices.shape != (len(coords),):
        raise ValueError(f"{what}: with indices, coords must be (N, 2|3) and "
                         f"indices (N,)")
    if len(indices) and (indices[0] != 0 or np.any(np.diff(indices) < 0) or
                         np.any(np.diff(indices) > 1)):
        raise ValueError(f"{what}: indices must increase from 0 by steps of "
                         f"0 or 1")
    n = int(indices[-1]) + 1 if len(indices) else 0
    offsets = np.searchsorted(indices, np.arange(n + 1), side="left")
    return coords, offsets.astype(np.int64)


def lines(coords: Any, indices: Any = None) -> CoordinateBatch:
    """Line strings (see _grouped for the forms of coords and indices)."""
    coords, offsets = _grouped(coords, indices, "linestrings")
    return CoordinateBatch(pb.COORDINATE_KIND_LINESTRING, coords, (offsets,))


def polygons(shells: Any, holes: Any = None) -> CoordinateBatch:
    """Polygons from shells: an (n, m, 2|3) array, or a sequence of (m_i,
    2|3) arrays; `holes`, if given, one sequence of ring arrays per
    polygon."""
    if isinstance(shells, np.ndarray) and shells.ndim == 3 and holes is None:
        coords, rings = _grouped(shells, None, "polygons")
        n = len(rings) - 1
        return CoordinateBatch(pb.COORDINATE_KIND_POLYGON, coords,
                               (np.arange(n + 1, dtype=np.int64), rings))
    shells = list(shells)
    if holes is not None and len(holes) != len(shells):
        raise ValueError("polygons: holes needs one sequence per shell")
    ring_arrays: List[np.ndarray] = []
    geometry = [0]
    for i, shell in enumerate(shells):
        rings = [shell] + (list(holes[i]) if holes is not None and
                           holes[i] is not None else [])
        ring_arrays += [np.asarray(r, dtype=np.float64) for r in rings]
        geometry.append(len(ring_arrays))
    lengths = [len(r) for r in ring_arrays]
    coords = (np.concatenate(ring_arrays) if ring_arrays
              else np.empty((0, 2)))
    return CoordinateBatch(pb.COORDINATE_KIND_POLYGON, coords,
                           (np.asarray(geometry, dtype=np.int64),
                            np.concatenate([[0], np.cumsum(lengths)])
                            .astype(np.int64)))


def boxes(xmin: Any, ymin: Any, xmax: Any, ymax: Any,
          ccw: bool = True) -> CoordinateBatch:
    """Rectangles as polygons, each ring as Shapely's box writes it."""
    xmin, ymin, xmax, ymax = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64).ravel()
          for v in (xmin, ymin, xmax, ymax)))
    if ccw:
        xs = [xmax, xmax, xmin, xmin, xmax]
        ys = [ymin, ymax, ymax, ymin, ymin]
    else:
        xs = [xmin, xmin, xmax, xmax, xmin]
        ys = [ymin, ymax, ymax, ymin, ymin]
    rings = np.stack([np.stack(xs, axis=1), np.stack(ys, axis=1)], axis=2)
    return polygons(rings)


def from_ragged_array(geometry_type: Any, coords: Any,
                      offsets: Optional[Sequence[Any]] = None
                      ) -> CoordinateBatch:
    """A batch from Shapely's ragged form: geometry_type a
    shapely.GeometryType, its number or its name; offsets bottom up, as
    shapely.to_ragged_array returns them."""
    if isinstance(geometry_type, str):
        number = _NAMES.get(geometry_type.lower())
    else:
        number = int(geometry_type)
    kind = _SHAPELY_TYPES.get(number)
    if kind is None:
        raise ValueError(f"no coordinate array of geometry type "
                         f"{geometry_type!r} (points, lines, polygons and "
                         f"their multi forms)")
    return CoordinateBatch(kind, coords, tuple(reversed(list(offsets or ()))))


def _empties(kind: int, n: int, dims: int) -> CoordinateBatch:
    """n empty geometries of `kind`."""
    if kind == pb.COORDINATE_KIND_POINT:
        return CoordinateBatch(kind, np.full((n, dims), np.nan))
    levels = _LEVELS[kind]
    return CoordinateBatch(kind, np.empty((0, dims)),
                           (np.zeros(n + 1, dtype=np.int64),) +
                           tuple(np.zeros(1, dtype=np.int64)
                                 for _ in levels[1:]))


def _all_empty(b: CoordinateBatch) -> bool:
    if b.kind == pb.COORDINATE_KIND_POINT:
        return bool(np.isnan(b.coords[:, 0]).all())
    return len(b.coords) == 0


def _promoted(b: CoordinateBatch) -> CoordinateBatch:
    """The same geometries as the multi kind."""
    multi = _MULTI.get(b.kind)
    if multi is None:
        return b
    if b.kind == pb.COORDINATE_KIND_POINT:
        present = ~np.isnan(b.coords[:, 0])
        return CoordinateBatch(
            multi, b.coords[present],
            (np.concatenate([[0], np.cumsum(present)]).astype(np.int64),),
            b.srid)
    g = b.offsets[0]
    nonempty = np.diff(g) > 0
    geometry = np.concatenate([[0], np.cumsum(nonempty)]).astype(np.int64)
    parts = np.concatenate([[0], g[1:][nonempty]]).astype(np.int64)
    return CoordinateBatch(multi, b.coords, (geometry, parts) + b.offsets[1:],
                           b.srid)


def _widened(b: CoordinateBatch, dims: int) -> CoordinateBatch:
    if b.coords.shape[1] == dims:
        return b
    z = np.full((len(b.coords), 1), np.nan)
    return CoordinateBatch(b.kind, np.hstack([b.coords, z]), b.offsets, b.srid)


def concatenate(batches: Sequence[CoordinateBatch]) -> CoordinateBatch:
    """Batches as one, in order: promoted to the multi kind when any is
    multi, widened to z when any has it. ValueError when they hold more
    than one family (points, lines, polygons); batches of empties fit any."""
    if not batches:
        return CoordinateBatch(pb.COORDINATE_KIND_POINT, np.empty((0, 2)))
    decided = [b for b in batches if not _all_empty(b)] or [batches[0]]
    families = {_FAMILY[b.kind] for b in decided}
    if len(families) > 1:
        raise ValueError(
            f"the values hold {' and '.join(sorted(families))}: one "
            f"coordinate array holds one family (ask for WKB)")
    kinds = {b.kind for b in decided}
    kind = next(iter(kinds))
    if len(kinds) > 1 or any(b.kind in _MULTI.values() for b in decided):
        kind = _MULTI.get(kind, kind)
    dims = max(b.coords.shape[1] for b in batches)
    parts = []
    for b in batches:
        if _all_empty(b) and _FAMILY[b.kind] != _FAMILY[kind]:
            b = _empties(kind, len(b), b.coords.shape[1])
        if b.kind != kind:
            b = _promoted(b)
            if b.kind != kind:  # An empties batch of another form.
                b = _empties(kind, len(b), b.coords.shape[1])
        parts.append(_widened(b, dims))
    coords = np.concatenate([p.coords for p in parts])
    levels = []
    for level in range(len(_LEVELS[kind])):
        arrays, total = [np.zeros(1, dtype=np.int64)], 0
        for p in parts:
            o = p.offsets[level]
            arrays.append(o[1:] + total)
            total += int(o[-1])
        levels.append(np.concatenate(arrays))
    return CoordinateBatch(kind, coords, tuple(levels))


def from_proto(array: pb.CoordinateArray) -> CoordinateBatch:
    dims = array.dimensions or 2
    coords = np.frombuffer(array.coords, dtype="<f8").reshape(-1, dims)
    return CoordinateBatch(
        array.kind, coords,
        tuple(np.asarray(getattr(array, f"{level}_offsets"), dtype=np.int64)
              for level in _LEVELS[array.kind]))


def ragged(batch: CoordinateBatch, include_z: Optional[bool] = None
           ) -> Tuple[Any, np.ndarray, Tuple[np.ndarray, ...]]:
    """Shapely's (geometry_type, coords, offsets) for a batch: the type as
    shapely.GeometryType when Shapely has it (2.x), else its number."""
    coords = batch.coords
    if include_z is False and coords.shape[1] == 3:
        coords = coords[:, :2]
    elif include_z and coords.shape[1] == 2:
        coords = np.hstack([coords, np.full((len(coords), 1), np.nan)])
    number = _TO_SHAPELY[batch.kind]
    try:
        from shapely import GeometryType
        geometry_type: Any = GeometryType(number)
    except ImportError:
        geometry_type = number
    return geometry_type, coords, tuple(reversed(batch.offsets))


def to_shapely(batch: CoordinateBatch) -> np.ndarray:
    """Each row as a Shapely geometry (an object array)."""
    import shapely.wkb
    out = np.empty(len(batch), dtype=object)
    for i, wkb in enumerate(batch.to_wkb()):
        out[i] = shapely.wkb.loads(wkb)
    return out
