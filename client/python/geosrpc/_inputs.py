"""What users hold, as request batches; and results back as Shapely objects.

Accepted as geometries (`as_batch`):
  - a Batch;
  - one geometry: WKB bytes, a WKT string, a Shapely geometry (anything with
    `.wkb`), anything with `__geo_interface__`, a GeoJSON dict (a geometry or
    a Feature): one row, never a sequence of characters or parts;
  - a GeoJSON FeatureCollection dict: one row per feature;
  - a GeoSeries or GeoDataFrame (its active geometry column);
  - a numeric numpy array (any dtype) of shape (n, 2) or (n, 3), or (2,)
    for one point: points, sent as coordinates (no per-row encoding);
  - a CoordinateBatch (coordinates and offsets: see _coordinates);
  - any sequence (list, tuple, numpy object array) of the single forms above,
    and None.

A missing geometry (None, a Feature whose geometry is null) is a row the
server reports as failed (masked), not a failed batch. Rows are sent in one
encoding: the one they share, else converted by Shapely to WKB (but WKT
strings and WKB bytes in one sequence are a TypeError: say which you mean).

Thread-safety: pure functions; safe from any number of threads.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, List, Optional, Tuple, Union

import numpy as np

from geosrpc import _coordinates
from geosrpc._coordinates import CoordinateBatch
from geosrpc.v1 import geometry_service_pb2 as pb


@dataclasses.dataclass
class Batch:
    """One packed buffer plus n+1 offsets, as the v1 API carries it."""

    encoding: int
    data: bytes
    offsets: np.ndarray  # uint64, n + 1 entries
    # Rows given as None (sent empty; the server fails them): their errors
    # say so rather than "empty geometry".
    missing: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return max(len(self.offsets) - 1, 0)

    def to_proto(self) -> pb.GeometryBatch:
        return pb.GeometryBatch(encoding=self.encoding, data=self.data,
                                offsets=self.offsets.tolist())

    def slice(self, start: int, stop: int) -> "Batch":
        lo, hi = int(self.offsets[start]), int(self.offsets[stop])
        return Batch(self.encoding, self.data[lo:hi],
                     self.offsets[start:stop + 1] - lo)


def _pack(encoding: int, parts: List[bytes]) -> Batch:
    lengths = np.fromiter((len(p) for p in parts), dtype=np.uint64,
                          count=len(parts))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.uint64)
    return Batch(encoding, b"".join(parts), offsets)


def points(coords: Any, y: Any = None, z: Any = None) -> CoordinateBatch:
    """A batch of points from an (n, 2) or (n, 3) array of any numeric
    dtype (a (2,) array is one point), or from x, y[, z] arrays, sent as
    coordinates."""
    return _coordinates.points(coords, y, z)


def as_wkb(b: Any) -> Batch:
    """A batch with its rows as WKB when it holds coordinates (what the
    server reads them as); any other batch as it is."""
    if not isinstance(b, CoordinateBatch):
        return b
    if b.kind == pb.COORDINATE_KIND_POINT:
        data, offsets = b.point_wkb()
        return Batch(pb.ENCODING_WKB, data, offsets)
    return _pack(pb.ENCODING_WKB, b.to_wkb())


def _is_geopandas(value: Any) -> bool:
    return type(value).__module__.startswith("geopandas")


def _is_single(value: Any) -> bool:
    """One geometry (as opposed to a sequence of them)."""
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        return True
    if isinstance(value, dict):
        return value.get("type") != "FeatureCollection"
    if _is_geopandas(value) or isinstance(value, np.ndarray):
        return False
    return hasattr(value, "wkb") or hasattr(value, "__geo_interface__")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


# A row's kind: how it would be sent without conversion (a Shapely
# geometry: its WKB).
_WKB, _WKT, _GEOJSON, _SHAPELY, _NULL = ("wkb", "wkt", "geojson", "shapely",
                                         "null")


def _kind(value: Any) -> str:
    if _missing(value):
        return _NULL
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _WKB
    if isinstance(value, str):
        return _WKT
    if isinstance(value, dict):
        if value.get("type") == "Feature" and value.get("geometry") is None:
            return _NULL
        return _GEOJSON
    if hasattr(value, "wkb"):
        return _SHAPELY
    if hasattr(value, "__geo_interface__"):
        return _GEOJSON
    raise TypeError(f"not a geometry: {type(value).__name__} {value!r:.60}")


def _as_bytes(value: Any, kind: str) -> bytes:
    if kind == _NULL:
        return b""
    if kind == _WKT:
        return value.encode()
    if kind == _WKB:
        return bytes(value)
    if kind == _SHAPELY:
        return value.wkb
    geo = value if isinstance(value, dict) else value.__geo_interface__
    return json.dumps(geo, separators=(",", ":")).encode()


def _to_wkb(value: Any, kind: str) -> bytes:
    """Any row as WKB, through Shapely (rows of mixed kinds)."""
    if kind == _NULL:
        return b""
    if kind in (_WKB, _SHAPELY):
        return _as_bytes(value, kind)
    try:
        from shapely import wkt
        from shapely.geometry import shape
    except ImportError:
        raise TypeError("rows of mixed kinds (WKB, WKT, GeoJSON) need Shapely "
                        "to convert them to one encoding") from None
    if kind == _WKT:
        return wkt.loads(value).wkb
    geo = value if isinstance(value, dict) else value.__geo_interface__
    if geo.get("type") == "Feature":
        geo = geo["geometry"]
    return shape(geo).wkb


_ENCODING = {_WKB: pb.ENCODING_WKB, _SHAPELY: pb.ENCODING_WKB,
             _WKT: pb.ENCODING_WKT, _GEOJSON: pb.ENCODING_GEOJSON}


def as_batch(value: Any) -> Union[Batch, CoordinateBatch]:
    """The batch `value` describes (see the module's docstring)."""
    if isinstance(value, (Batch, CoordinateBatch)):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return points(value)
    if _is_single(value):
        value = [value]
    elif _is_geopandas(value):
        import geopandas
        if isinstance(value, geopandas.GeoDataFrame):
            value = value.geometry  # Its active geometry column.
        value = list(value)
    elif isinstance(value, dict):  # A FeatureCollection.
        value = value.get("features") or []
    rows = list(value)
    kinds = [_kind(v) for v in rows]
    missing = np.asarray([i for i, v in enumerate(rows) if _missing(v)],
                         dtype=np.int64)
    batch = _rows(rows, kinds)
    batch.missing = missing if len(missing) else None
    return batch


def _rows(rows: List[Any], kinds: List[str]) -> Batch:
    present = set(kinds) - {_NULL}
    if {_WKB, _WKT} <= present:
        raise TypeError("mix of WKT (str) and WKB (bytes) in one batch")
    if len(present) <= 1 or present == {_WKB, _SHAPELY}:
        kind = present.pop() if present else _WKB
        # A null Feature goes as it is, for the server to name its fault.
        return _pack(_ENCODING[kind], [
            _as_bytes(v, k) if k != _NULL else
            _as_bytes(v, kind) if kind == _GEOJSON and isinstance(v, dict)
            else b"" for v, k in zip(rows, kinds)])
    return _pack(pb.ENCODING_WKB, [_to_wkb(v, k) for v, k in zip(rows, kinds)])


def batch(geometries: Any) -> Batch:
    """A batch from geometries in any form as_batch takes."""
    return as_batch(geometries)


def broadcast(value: Any) -> Optional[Tuple[int, bytes]]:
    """(encoding, bytes) when `value` is one geometry (a broadcast `b`)."""
    if not _is_single(value):
        return None
    b = as_batch(value)
    return b.encoding, b.data


def to_shapely(values: np.ndarray, encoding: int) -> np.ndarray:
    """Shapely geometries (None where a value is None) from WKB bytes, or
    WKT, hex WKB or GeoJSON text, as an object array."""
    import shapely.wkb
    import shapely.wkt
    from shapely.geometry import shape

    if encoding == pb.ENCODING_WKT:
        load = shapely.wkt.loads
    elif encoding == pb.ENCODING_HEX_WKB:
        def load(v):
            return shapely.wkb.loads(v, hex=True)
    elif encoding == pb.ENCODING_GEOJSON:
        def load(v):
            return shape(json.loads(v))
    else:
        load = shapely.wkb.loads
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):  # One by one: numpy must not unpack them.
        out[i] = None if v is None else load(v)
    return out
