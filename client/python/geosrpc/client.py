"""The geosrpc client: geometries in the forms users hold, numpy columns
(or Shapely geometries, or GeoDataFrames) out.

A Client is safe to share between threads (gRPC channels are).

Calls that fail UNAVAILABLE or CANCELLED before any response arrived (a
server draining, gone, or shutting down) ran nothing, so they are retried:
up to 5 attempts, backing off from 50 ms to 1 s, as the C++ client does.

Joins (join, nearest) answer in Shapely's STRtree forms; a large set goes
by digest first (set_digest): the full set is sent only to a server that
answers NOT_FOUND for it. Behind round_robin (or an L7 proxy) that resend
may reach another replica, one that already holds the set; then the set
goes whole on the next calls until one of them is indexed somewhere (the
replica that missed), at most _MAX_WHOLE_CALLS of them, so that every
replica gets it once (as the C++ client does: client/cpp/client.h).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import threading
import time
from typing import (Any, Callable, Dict, Iterator, List, Mapping, Optional,
                    Sequence, Tuple, TypeVar, Union)

import grpc
import numpy as np

from geosrpc.v1 import geometry_service_pb2 as pb
from geosrpc.v1 import geometry_service_pb2_grpc as pb_grpc
# Batch, batch and points live in _inputs; they are named here too, as
# before.
from geosrpc import _coordinates
from geosrpc._inputs import (Batch, as_batch, as_wkb, batch,  # noqa: F401
                             broadcast, points, to_shapely)

from google.protobuf.descriptor import FieldDescriptor

_ENCODINGS = {"wkb": pb.ENCODING_WKB, "wkt": pb.ENCODING_WKT, "hex": pb.ENCODING_HEX_WKB,
              "geojson": pb.ENCODING_GEOJSON,
              "coordinates": pb.ENCODING_COORDINATES}

# One geometry: WKB, WKT, a Shapely geometry, a GeoJSON dict, ...
Geometry = Any
# Geometries: a sequence of them, a GeoSeries or GeoDataFrame, a
# FeatureCollection dict, an (n, 2) numeric array of points, a Batch, or one
# geometry (one row). See geosrpc._inputs.
Geometries = Any


# Bytes of a set's data hashed at a time (set_digest).
_DIGEST_BLOCK = 8 << 20
# Calls that send a set whole after a digest miss found it elsewhere.
_MAX_WHOLE_CALLS = 8


def set_digest(value: Geometries) -> str:
    """The digest a server knows a set by (IndexedSet.digest): "sha256:" and
    the hex SHA-256 of the encoding as one byte (unspecified counts as WKB),
    the row count as 8 little-endian bytes, then each row as its length in 8
    little-endian bytes followed by its bytes."""
    b = as_wkb(as_batch(value))
    n = len(b)
    h = hashlib.sha256()
    h.update(bytes([b.encoding or pb.ENCODING_WKB]) + n.to_bytes(8, "little"))
    offsets = np.asarray(b.offsets, dtype=np.int64)
    data = np.frombuffer(b.data, dtype=np.uint8)
    start = 0
    while start < n:
        # Rows holding about _DIGEST_BLOCK bytes (at least one row), laid
        # out as the digest reads them: each length, then the row.
        stop = int(np.searchsorted(offsets, offsets[start] + _DIGEST_BLOCK,
                                   side="right")) - 1
        stop = min(max(stop, start + 1), n)
        lo, hi = offsets[start], offsets[stop]
        lengths = np.diff(offsets[start:stop + 1]).astype("<u8")
        heads = 8 * np.arange(stop - start) + (offsets[start:stop] - lo)
        head_bytes = (heads[:, None] + np.arange(8)).ravel()
        out = np.empty(8 * (stop - start) + (hi - lo), dtype=np.uint8)
        out[head_bytes] = lengths.view(np.uint8)
        is_data = np.ones(len(out), dtype=bool)
        is_data[head_bytes] = False
        out[is_data] = data[lo:hi]
        h.update(out.tobytes())
        start = stop
    return "sha256:" + h.hexdigest()


class ComputeError(Exception):
    """The whole batch failed: `code` is a grpc.StatusCode."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


@dataclasses.dataclass
class Result:
    """A batch's results, in row order.

    `values` is float64 (NaN for failed rows; shape (rows, 4) for bounds),
    bool, int64, or an object array of bytes (WKB), str (WKT, hex, GeoJSON,
    relate, is_valid_reason) with None for failed rows. For get_parts and
    get_rings it holds one value per part, and for get_coordinates one
    (x, y[, z]) row per coordinate, `source_rows` naming each one's row; for a
    reduction (union_all, ...) it holds the one result (total_bounds: four
    floats), and for a grouped reduction (`group_keys`) one result per
    distinct key, in ascending key order, `group_keys` naming each one's
    key and `group_errors` the groups (by position) the server could not
    reduce. `mask`, `codes` and `messages` are always per input row.

    With result_encoding="coordinates", geometry values are in
    `coordinates` (a CoordinateBatch: one kind, numpy coordinates and
    offsets; failed rows hold empty geometries) and `values` is empty:
    ragged_array() gives Shapely's form, geometries() Shapely objects.
    """

    values: np.ndarray
    mask: np.ndarray                 # True where the row failed
    codes: np.ndarray                # int32 gRPC code per row, 0 = OK
    messages: Dict[int, str]
    summary: pb.ComputeSummary
    source_rows: Optional[np.ndarray] = None
    encoding: int = pb.ENCODING_WKB  # Of geometry (or encoded) values.
    group_keys: Optional[np.ndarray] = None
    group_errors: Dict[int, Tuple[grpc.StatusCode, str]] = dataclasses.field(
        default_factory=dict)
    coordinates: Optional[_coordinates.CoordinateBatch] = None

    @property
    def errors(self) -> Dict[int, Tuple[grpc.StatusCode, str]]:
        """Failed rows: row -> (grpc.StatusCode, message)."""
        return {int(row): (_status_code(int(self.codes[row])),
                           self.messages.get(int(row), ""))
                for row in np.flatnonzero(self.codes)}

    def ragged_array(self, include_z: Optional[bool] = None):
        """Coordinate results in Shapely's to_ragged_array form:
        (geometry_type, coords, offsets). include_z: None keeps z when any
        value has it; False drops it; True adds NaN z."""
        if self.coordinates is None:
            raise TypeError("this result holds no coordinates (ask for "
                            "result_encoding='coordinates')")
        return _coordinates.ragged(self.coordinates, include_z)

    def geometries(self) -> np.ndarray:
        """The geometry values as Shapely geometries (None where a row
        failed), an object array like Shapely 2's. Needs Shapely (1.8 or
        2.x)."""
        if self.coordinates is not None:
            out = _coordinates.to_shapely(self.coordinates)
            if self.source_rows is None and len(out) == len(self.mask):
                out[self.mask] = None
            return out
        if self.values.dtype != object or not all(
                v is None or isinstance(v, (bytes, str)) for v in self.values):
            raise TypeError("this result holds no geometries")
        return to_shapely(self.values, self.encoding)


@dataclasses.dataclass
class JoinResult:
    """A join's or nearest search's pairs, and what the call said.

    `indices` is (2, n) int64 as Shapely's STRtree.query returns it: row
    i of `a` in indices[0], the set row in indices[1], sorted by `a` row,
    then (join) by set row or (nearest) nearest first, ties by set row.
    `distances` (float64, n) when asked for, else None. A row of `a` that
    failed has no pairs: `errors` maps it to (grpc.StatusCode, message).
    `set_errors` likewise names set rows the server left out of its index.
    `digest_missed`: the set went by digest first, the server lacked it, and
    it was sent again whole. `sent_whole`: the set went whole at once (a
    replica was still missing it).
    """

    indices: np.ndarray
    distances: Optional[np.ndarray]
    errors: Dict[int, Tuple[grpc.StatusCode, str]]
    summary: pb.JoinSummary
    set_errors: Dict[int, Tuple[grpc.StatusCode, str]]
    digest_missed: bool = False
    sent_whole: bool = False

    def shapely(self):
        """indices, or (indices, distances) when distances were asked for:
        the forms of Shapely's query and query_nearest."""
        return self.indices if self.distances is None else (self.indices,
                                                            self.distances)


_PREDICATES = {
    pb.JoinPredicate.Name(v)[len("JOIN_PREDICATE_"):].lower(): v
    for v in pb.JoinPredicate.values() if v != pb.JOIN_PREDICATE_UNSPECIFIED}


def _predicate(name: str) -> int:
    value = _PREDICATES.get(name.lower())
    if value is None:
        raise ValueError(f"unknown predicate '{name}' "
                         f"({', '.join(_PREDICATES)})")
    return value


def _status_code(code: int) -> grpc.StatusCode:
    return grpc.StatusCode(_code_tuple(code))


def _snake(name: str) -> str:
    """A camelCase spelling's proto name: mitreLimit -> mitre_limit."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _kind_name(field: FieldDescriptor) -> str:
    if field.enum_type is not None:
        return "one of " + ", ".join(_enum_names(field))
    return {FieldDescriptor.CPPTYPE_DOUBLE: "a number",
            FieldDescriptor.CPPTYPE_FLOAT: "a number",
            FieldDescriptor.CPPTYPE_BOOL: "true or false",
            FieldDescriptor.CPPTYPE_STRING: "a string"}.get(
                field.cpp_type, "an integer")


def _enum_names(field: FieldDescriptor) -> List[str]:
    """An enum field's short names: BUFFER_CAP_STYLE_FLAT -> flat."""
    prefix = _enum_prefix(field)
    return [v.name[len(prefix):].lower() for v in field.enum_type.values
            if v.number != 0]


def _enum_prefix(field: FieldDescriptor) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", field.enum_type.name).upper() + "_"


def _param_value(op: str, field: FieldDescriptor, value: Any) -> Any:
    """`value` checked against `field`'s type: enums also by short name
    ("flat"), full name or number (Shapely's CAP_STYLE.flat)."""
    wrong = TypeError(f"parameter '{field.name}' of '{op}' takes "
                      f"{_kind_name(field)}, not {type(value).__name__} "
                      f"{value!r}")
    if field.enum_type is not None:
        if isinstance(value, str):
            name = value.upper()
            if not name.startswith(_enum_prefix(field)):
                name = _enum_prefix(field) + name
            found = field.enum_type.values_by_name.get(name)
            if found is None or found.number == 0:
                raise ValueError(str(wrong).replace(
                    f", not str {value!r}", f", not '{value}'"))
            return found.number
        if (isinstance(value, (int, np.integer)) and not isinstance(value, bool)
                and int(value) in field.enum_type.values_by_number):
            return int(value)
        raise wrong
    if field.cpp_type == FieldDescriptor.CPPTYPE_BOOL:
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        raise wrong
    if field.cpp_type == FieldDescriptor.CPPTYPE_STRING:
        if isinstance(value, str):
            return value
        raise wrong
    if isinstance(value, (bool, np.bool_)):
        raise wrong
    if field.cpp_type in (FieldDescriptor.CPPTYPE_DOUBLE,
                          FieldDescriptor.CPPTYPE_FLOAT):
        if isinstance(value, (int, float, np.integer, np.floating)):
            return float(value)
        raise wrong
    if isinstance(value, (int, np.integer)):
        return int(value)
    raise wrong


_T = TypeVar("_T")
_RETRIES = 5


def _gather_pairs(chunks: List[pb.PairChunk], nearest: bool,
                  with_distance: bool):
    """Pairs from chunks that arrived in any order, sorted."""
    a_rows = np.concatenate([np.asarray(c.a_rows, dtype=np.int64)
                             for c in chunks] or [np.zeros(0, np.int64)])
    set_rows = np.concatenate([np.asarray(c.set_rows, dtype=np.int64)
                               for c in chunks] or [np.zeros(0, np.int64)])
    distances = None
    if with_distance:
        distances = np.concatenate([np.asarray(c.distances, dtype=np.float64)
                                    for c in chunks] or [np.zeros(0)])
    if nearest and distances is None:
        # Within a row the server's order (nearest first) stands.
        order = np.argsort(a_rows, kind="stable")
    elif nearest:
        order = np.lexsort((set_rows, distances, a_rows))
    else:
        order = np.lexsort((set_rows, a_rows))
    indices = np.vstack([a_rows[order], set_rows[order]])
    return indices, None if distances is None else distances[order]


class _Assembler:
    """Places out-of-order chunks into whole columns."""

    def __init__(self, rows: int):
        self.rows = rows
        self.values: Optional[np.ndarray] = None
        self.codes = np.zeros(rows, dtype=np.int32)
        self.messages: Dict[int, str] = {}
        self.summary = pb.ComputeSummary()
        self.parts: List[Tuple[int, list, list]] = []  # get_parts chunks
        self.reduced: Optional[list] = None
        # Grouped reductions: (first group, values, keys) per chunk.
        self.groups: List[Tuple[int, Any, list]] = []
        self.group_errors: Dict[int, Tuple[grpc.StatusCode, str]] = {}
        self.encoding = pb.ENCODING_WKB
        # Coordinate results: (first row, rows, batch) per chunk.
        self.coordinates: List[Tuple[int, int, Any]] = []
        self.received = False  # Any response: a retry could repeat work.

    def add(self, response: pb.ComputeResponse) -> None:
        self.received = True
        if response.HasField("summary"):
            self.summary = response.summary
            return
        chunk = response.chunk
        for e in chunk.errors:
            self.codes[e.row] = e.code
            self.messages[e.row] = e.message
        at, n = chunk.row_offset, chunk.row_count
        kind = chunk.WhichOneof("column")
        if kind is None:
            return
        if kind == "coordinates":
            slices = _coordinates.from_proto(chunk.coordinates)
            if chunk.mapping != pb.RESULT_MAPPING_PER_PART:
                self.coordinates.append((at, n, slices))
                return
        if kind in ("geometries", "encoded"):
            col = getattr(chunk, kind)
            self.encoding = col.encoding or pb.ENCODING_WKB
            text = col.encoding in (pb.ENCODING_WKT, pb.ENCODING_HEX_WKB, pb.ENCODING_GEOJSON)
            data, offs = col.data, col.offsets
            slices = [data[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)]
            slices = [v.decode() for v in slices] if text else slices
        if chunk.mapping == pb.RESULT_MAPPING_PER_PART:
            if kind == "doubles":  # get_coordinates: `width` per value
                width = max(1, chunk.doubles.width)
                slices = np.asarray(chunk.doubles.values,
                                    dtype=np.float64).reshape(-1, width)
            self.parts.append((at, slices, list(chunk.source_rows)))
            return
        if chunk.mapping in (pb.RESULT_MAPPING_ONE_PER_BATCH,
                             pb.RESULT_MAPPING_ONE_PER_GROUP):
            if kind == "doubles":  # total_bounds: `width` per value
                width = max(1, chunk.doubles.width)
                slices = np.asarray(chunk.doubles.values,
                                    dtype=np.float64).reshape(-1, width)
            if chunk.mapping == pb.RESULT_MAPPING_ONE_PER_BATCH:
                self.reduced = slices
                return
            for e in chunk.group_errors:
                self.group_errors[e.row] = (_status_code(e.code), e.message)
            self.groups.append((at, slices, list(chunk.group_keys)))
            return
        if kind == "doubles":
            width = max(1, chunk.doubles.width)
            column = self._column(np.float64, width)
            values = np.asarray(chunk.doubles.values, dtype=np.float64)
            column[at:at + n] = values.reshape(column[at:at + n].shape)
        elif kind == "bools":
            self._column(bool)[at:at + n] = chunk.bools.values
        elif kind == "ints":
            self._column(np.int64)[at:at + n] = chunk.ints.values
        elif kind == "strings":
            self._column(object)[at:at + n] = list(chunk.strings.values)
        else:
            self._column(object)[at:at + n] = slices

    def _coordinate_rows(self):
        """The coordinate chunks as one batch in row order; rows no chunk
        holds (a batch cut short) are empty."""
        pieces, row = [], 0
        for at, n, batch in sorted(self.coordinates, key=lambda c: c[0]):
            if at > row:
                pieces.append(_coordinates._empties(batch.kind, at - row,
                                                    batch.coords.shape[1]))
            pieces.append(batch)
            row = at + n
        if row < self.rows:
            pieces.append(_coordinates._empties(pieces[-1].kind,
                                                self.rows - row, 2))
        return _coordinates.concatenate(pieces)

    def _column(self, dtype, width: int = 1) -> np.ndarray:
        if self.values is None:
            shape = self.rows if width == 1 else (self.rows, width)
            self.values = np.empty(shape, dtype=dtype)
            if dtype == np.float64:
                self.values.fill(np.nan)
            elif dtype == object:
                self.values.fill(None)
            else:
                self.values.fill(0)
        return self.values

    def result(self) -> Result:
        result = self._result()
        result.encoding = self.encoding
        return result

    def _result(self) -> Result:
        mask = self.codes != 0
        if self.coordinates:
            return Result(np.empty(0), mask, self.codes, self.messages,
                          self.summary,
                          coordinates=self._coordinate_rows())
        if self.groups:
            groups = sorted(self.groups, key=lambda g: g[0])
            keys = np.asarray([k for _, _, ks in groups for k in ks],
                              dtype=np.int64)
            if isinstance(groups[0][1], np.ndarray):  # total_bounds
                values = np.concatenate([g[1] for g in groups])
            else:
                values = np.empty(len(keys), dtype=object)
                values[:] = [v for _, vs, _ in groups for v in vs]
                for g in self.group_errors:
                    values[g] = None
            return Result(values, mask, self.codes, self.messages,
                          self.summary, group_keys=keys,
                          group_errors=dict(self.group_errors))
        if isinstance(self.reduced, np.ndarray):  # total_bounds
            return Result(self.reduced.reshape(-1), mask, self.codes,
                          self.messages, self.summary)
        if self.parts or self.reduced is not None:
            if self.reduced is not None:
                values, sources = self.reduced, None
            else:
                parts = sorted(self.parts, key=lambda p: p[0])
                sources = np.asarray([r for _, _, rows in parts for r in rows],
                                     dtype=np.int64)
                if isinstance(parts[0][1], np.ndarray):  # get_coordinates
                    numbers = np.concatenate([p[1] for p in parts])
                    return Result(numbers, mask, self.codes, self.messages,
                                  self.summary, sources)
                if isinstance(parts[0][1], _coordinates.CoordinateBatch):
                    return Result(np.empty(0), mask, self.codes,
                                  self.messages, self.summary, sources,
                                  coordinates=_coordinates.concatenate(
                                      [p[1] for p in parts]))
                values = [v for _, slices, _ in parts for v in slices]
            column = np.empty(len(values), dtype=object)
            column[:] = values
            return Result(column, mask, self.codes, self.messages,
                          self.summary, sources)
        values = self.values if self.values is not None else np.empty(0)
        if values.dtype == object:
            values[mask] = None
        return Result(values, mask, self.codes, self.messages, self.summary)


_UNSET: Any = object()


class Client:
    """A connection to a geosrpc server.

    Every operation the server offers is also a method taking Shapely's
    keyword names: `client.area(polygons)`, `client.distance(points,
    "POINT (0 0)")`, `client.buffer(geoms, 1, cap_style="flat")`; each
    returns a Result (`.values`, `.geometries()`, `.errors`)."""

    def __init__(self, target: str = "127.0.0.1:50051", *,
                 credentials: Optional[grpc.ChannelCredentials] = None,
                 max_message_bytes: int = 256 << 20,
                 timeout: Optional[float] = None,
                 load_balancing_policy: Optional[str] = None,
                 channel_options: Sequence[Tuple[str, Any]] = (),
                 retry_unavailable: bool = True,
                 digest_first_bytes: Optional[int] = 64 << 10):
        """`target`: host:port, or e.g. "dns:///geosrpc:50051".
        `timeout`: seconds per call unless a call gives its own.
        `load_balancing_policy`: e.g. "round_robin" for a target naming
        several servers ("ipv4:10.0.0.1:50051,10.0.0.2:50051" or a headless
        service's DNS name, as deploy/README.md advises).
        `channel_options`: more gRPC channel arguments, (key, value) pairs;
        they win over the ones set here.
        `retry_unavailable`: retry calls that failed UNAVAILABLE or
        CANCELLED before any response arrived (see the module docstring).
        `digest_first_bytes`: a join's set at least this large (serialized)
        goes by digest first; None turns that off."""
        options: Dict[str, Any] = {
            "grpc.max_receive_message_length": max_message_bytes,
            "grpc.max_send_message_length": max_message_bytes}
        if load_balancing_policy:
            options["grpc.lb_policy_name"] = load_balancing_policy
        if retry_unavailable:
            # gRPC's own retries too (transparent ones included), and a
            # health check that makes round_robin skip a draining server.
            options["grpc.service_config"] = json.dumps({
                "healthCheckConfig": {
                    "serviceName": "geosrpc.v1.GeometryService"},
                "methodConfig": [{
                    "name": [{"service": "geosrpc.v1.GeometryService"}],
                    "retryPolicy": {
                        "maxAttempts": _RETRIES, "initialBackoff": "0.05s",
                        "maxBackoff": "1s", "backoffMultiplier": 2,
                        "retryableStatusCodes": ["UNAVAILABLE",
                                                 "CANCELLED"]}}]})
        options.update(dict(channel_options))
        self._retry = retry_unavailable
        self._digest_first_bytes = digest_first_bytes
        # Sets going whole, by digest: the calls left to send them so.
        self._whole_calls: Dict[str, int] = {}
        self._lock = threading.Lock()
        self._channel = (
            grpc.secure_channel(target, credentials, list(options.items()))
            if credentials else
            grpc.insecure_channel(target, list(options.items())))
        self._stub = pb_grpc.GeometryServiceStub(self._channel)
        self._timeout = timeout
        self._ops: Optional[Dict[str, pb.OperationInfo]] = None

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _deadline(self, timeout: Any) -> Optional[float]:
        return self._timeout if timeout is _UNSET else timeout

    def _retrying(self, once: Callable[[List[bool]], _T]) -> _T:
        """once(received) until it succeeds, fails otherwise than
        UNAVAILABLE/CANCELLED, or fails after a response arrived (once sets
        received[0]): a call that got an answer may have done work."""
        backoff = 0.05
        for attempt in range(1, _RETRIES + 1):
            received = [False]
            try:
                return once(received)
            except grpc.RpcError as e:
                if (not self._retry or received[0] or attempt == _RETRIES or
                        e.code() not in (grpc.StatusCode.UNAVAILABLE,
                                         grpc.StatusCode.CANCELLED)):
                    raise ComputeError(e.code(), e.details()) from None
            time.sleep(backoff)
            backoff = min(backoff * 2, 1.0)
        raise AssertionError("unreachable")

    def _unary(self, method, request, timeout: Any):
        def once(received):
            return method(request, timeout=self._deadline(timeout))
        return self._retrying(once)

    def list_operations(self, *, timeout: Any = _UNSET
                        ) -> Dict[str, pb.OperationInfo]:
        """The server's operations by name (cached after the first call)."""
        if self._ops is None:
            response = self._unary(self._stub.ListOperations,
                                   pb.ListOperationsRequest(), timeout)
            self._ops = {op.name: op for op in response.operations}
        return self._ops

    def list_layers(self, *, timeout: Any = _UNSET
                    ) -> Dict[str, pb.IndexedSetInfo]:
        """The layers the server loaded at start-up, by name."""
        response = self._unary(self._stub.ListLayers, pb.ListLayersRequest(),
                               timeout)
        return {info.layer: info for info in response.layers}

    # ------------------------------------------------------------------
    # Operations by name, with Shapely's keywords.

    def __getattr__(self, name: str) -> Callable[..., Result]:
        if name.startswith("_"):
            raise AttributeError(name)
        info = self.list_operations().get(name)
        if info is None:
            raise AttributeError(
                f"'Client' has no attribute '{name}' and the server offers "
                f"no operation '{name}'")

        def call(*args: Any, result_encoding: str = "wkb",
                 timeout: Any = _UNSET, **params: Any) -> Result:
            # Shapely's positional order: the geometries (a, and b for a
            # binary operation), then the parameters in their order
            # (simplify(geoms, 0.5), dwithin(a, b, 2)).
            arity = max(1, info.arity)
            if not args or len(args) > arity + len(info.parameters):
                raise TypeError(
                    f"{name}() takes {'a, b' if arity == 2 else 'a'}"
                    + "".join(f", {p.name}" for p in info.parameters)
                    + f" ({len(args)} positional arguments given)")
            for p, value in zip(info.parameters, args[arity:]):
                if p.name in params:
                    raise TypeError(f"{name}() got '{p.name}' twice")
                params[p.name] = value
            b = args[1] if arity == 2 and len(args) > 1 else None
            return self.compute(name, args[0], b, params=params,
                                result_encoding=result_encoding,
                                timeout=timeout)
        call.__name__ = name
        call.__doc__ = (
            f"{info.description}\n\n{name}(a{', b' if info.arity == 2 else ''}"
            + "".join(f", {p.name}" for p in info.parameters) + ")\n" +
            "".join(f"  {p.name}: {p.type}, default {p.default_value}"
                    f"{' in ' + p.allowed if p.allowed else ''}\n"
                    for p in info.parameters))
        return call

    def __dir__(self) -> List[str]:
        names = list(super().__dir__())
        try:
            names += list(self.list_operations())
        except ComputeError:
            pass
        return names

    def buffer(self, geometries: Geometries, distance: float,
               quad_segs: Optional[int] = None,
               cap_style: Union[str, int, None] = None,
               join_style: Union[str, int, None] = None,
               mitre_limit: Optional[float] = None,
               single_sided: Optional[bool] = None, *,
               result_encoding: str = "wkb",
               timeout: Any = _UNSET) -> Result:
        """Each geometry buffered by `distance`, as Shapely 2's
        shapely.buffer(geometries, distance, quad_segs, cap_style,
        join_style, mitre_limit, single_sided): cap_style "round", "flat"
        or "square", join_style "round", "mitre" or "bevel" (or Shapely's
        numbers, CAP_STYLE.flat ...). Result.geometries() gives Shapely
        geometries."""
        params: Dict[str, Any] = {"radius": distance}
        for name, value in (("quadsegs", quad_segs), ("cap_style", cap_style),
                            ("join_style", join_style),
                            ("mitre_limit", mitre_limit),
                            ("single_sided", single_sided)):
            if value is not None:
                params[name] = value
        return self.compute("buffer", geometries, params=params,
                            result_encoding=result_encoding, timeout=timeout)

    # ------------------------------------------------------------------
    # Joins.

    def join(self, a: Geometries, set: Geometries = None,
             layer: Optional[str] = None, predicate: str = "intersects",
             distance: Optional[float] = None, return_distance: bool = False,
             max_pairs: int = 0, *, timeout: Any = _UNSET):
        """Every (row of `a`, set row) whose geometries satisfy
        predicate(a row, set geometry), as Shapely's
        STRtree(set).query(a, predicate) answers: a (2, n) int64 array, and
        with return_distance a tuple (indices, distances).

        `a` and `set`: geometries in any form Client takes; or `layer`, a
        layer's name (list_layers). `predicate`: Shapely's
        names (intersects, within, contains, overlaps, crosses, touches,
        covers, covered_by, contains_properly, dwithin with `distance`) or
        envelope (envelopes intersect: Shapely's query without predicate).
        Raises ComputeError when the call fails (RESOURCE_EXHAUSTED past
        max_pairs). Rows of `a` that fail have no pairs; join_result gives
        their errors."""
        return self.join_result(a, set, layer, predicate, distance,
                                return_distance, max_pairs,
                                timeout=timeout).shapely()

    def join_result(self, a: Geometries, set: Geometries = None,
                    layer: Optional[str] = None,
                    predicate: str = "intersects",
                    distance: Optional[float] = None,
                    return_distance: bool = False,
                    max_pairs: int = 0, *,
                    timeout: Any = _UNSET) -> JoinResult:
        """join, with the row errors and the summary (JoinResult)."""
        request = pb.JoinRequest(a=as_batch(a).to_proto(),
                                 predicate=_predicate(predicate),
                                 return_distance=return_distance,
                                 max_pairs=max_pairs)
        if distance is not None:
            request.distance = distance
        self._set(request, set, layer)
        return self._pairs(self._stub.Join, request, False, timeout)

    def nearest(self, a: Geometries, set: Geometries = None,
                layer: Optional[str] = None, k: int = 1,
                max_distance: Optional[float] = None,
                return_distance: bool = False, exclusive: bool = False,
                all_matches: bool = True, max_pairs: int = 0, *,
                timeout: Any = _UNSET):
        """For each row of `a` its k nearest set geometries, as Shapely's
        STRtree(set).query_nearest(a, max_distance, return_distance,
        exclusive, all_matches) answers for k=1: a (2, n) int64 array, or
        (indices, distances). With all_matches every geometry as near as the
        k-th is included; without, exactly k per row, ties to the lowest set
        row. Errors as join."""
        return self.nearest_result(a, set, layer, k, max_distance,
                                   return_distance, exclusive, all_matches,
                                   max_pairs, timeout=timeout).shapely()

    def nearest_result(self, a: Geometries, set: Geometries = None,
                       layer: Optional[str] = None, k: int = 1,
                       max_distance: Optional[float] = None,
                       return_distance: bool = False, exclusive: bool = False,
                       all_matches: bool = True,
                       max_pairs: int = 0, *,
                       timeout: Any = _UNSET) -> JoinResult:
        """nearest, with the row errors and the summary (JoinResult)."""
        request = pb.NearestRequest(a=as_batch(a).to_proto(), k=k,
                                    return_distance=return_distance,
                                    exclusive=exclusive,
                                    all_matches=all_matches,
                                    max_pairs=max_pairs)
        if max_distance is not None:
            request.max_distance = max_distance
        self._set(request, set, layer)
        return self._pairs(self._stub.Nearest, request, True, timeout)

    def sjoin(self, left, right, how: str = "inner",
              predicate: str = "intersects", lsuffix: str = "left",
              rsuffix: str = "right", distance: Optional[float] = None, *,
              timeout: Any = _UNSET):
        """GeoPandas' sjoin(left, right, how, predicate), computed by the
        server: a GeoDataFrame of left's rows (index and columns) with the
        matching right rows' columns and their index as "index_right"."""
        from geosrpc import frames
        return frames.sjoin(self, left, right, how, predicate, lsuffix,
                            rsuffix, distance, timeout)

    def sjoin_nearest(self, left, right, how: str = "inner",
                      max_distance: Optional[float] = None,
                      lsuffix: str = "left", rsuffix: str = "right",
                      distance_col: Optional[str] = None,
                      exclusive: bool = False, *, timeout: Any = _UNSET):
        """GeoPandas' sjoin_nearest(left, right, how, max_distance,
        distance_col=...), computed by the server: every right row as near
        as the nearest (ties all kept, as GeoPandas does)."""
        from geosrpc import frames
        return frames.sjoin_nearest(self, left, right, how, max_distance,
                                    lsuffix, rsuffix, distance_col, exclusive,
                                    timeout)

    @staticmethod
    def _set(request, set, layer) -> None:
        if (set is None) == (layer is None):
            raise ValueError("give one of set= or layer=")
        if layer is not None:
            request.set.layer = layer
        else:
            # Coordinates go as the WKB rows the server would read them
            # as: the set's digest is then the same.
            request.set.geometries.CopyFrom(as_wkb(as_batch(set)).to_proto())

    def _pairs(self, method, request, nearest: bool, timeout) -> JoinResult:
        """The call, by digest first when the set is large enough."""
        if (self._digest_first_bytes is None
                or request.set.WhichOneof("source") != "geometries"
                or request.set.geometries.ByteSize() < self._digest_first_bytes):
            return self._pairs_once(method, request, nearest, timeout)
        g = request.set.geometries
        digest = set_digest(Batch(g.encoding, g.data,
                                  np.asarray(g.offsets, dtype=np.uint64)))
        with self._lock:
            whole = self._whole_calls.get(digest, 0)
            if whole > 1:
                self._whole_calls[digest] = whole - 1
            elif whole:
                del self._whole_calls[digest]
        if whole:
            result = self._pairs_once(method, request, nearest, timeout)
            result.sent_whole = True
            self._learn(digest, result, missed=False)
            return result
        by_digest = type(request)()
        by_digest.CopyFrom(request)
        by_digest.set.digest = digest
        try:
            return self._pairs_once(method, by_digest, nearest, timeout)
        except ComputeError as e:
            if e.code != grpc.StatusCode.NOT_FOUND or digest not in e.message:
                raise
        result = self._pairs_once(method, request, nearest, timeout)
        result.digest_missed = True
        self._learn(digest, result, missed=True)
        return result

    def _learn(self, digest: str, result: JoinResult, missed: bool) -> None:
        """Where the set is, from a call that sent it whole."""
        with self._lock:
            if result.summary.index_seconds > 0:
                # A replica that lacked the set has it now.
                self._whole_calls.pop(digest, None)
            elif missed:
                # It reached a replica that held it: the one that missed
                # still lacks it.
                if len(self._whole_calls) >= 1024:
                    self._whole_calls.clear()
                self._whole_calls[digest] = _MAX_WHOLE_CALLS

    def _pairs_once(self, method, request, nearest: bool,
                    timeout) -> JoinResult:
        def once(received):
            chunks: List[pb.PairChunk] = []
            errors: Dict[int, Tuple[grpc.StatusCode, str]] = {}
            summary = pb.JoinSummary()
            for response in method(request, timeout=self._deadline(timeout)):
                received[0] = True
                if response.HasField("summary"):
                    summary = response.summary
                    continue
                for e in response.chunk.errors:
                    errors[e.row] = (_status_code(e.code), e.message)
                if response.chunk.a_rows:
                    chunks.append(response.chunk)
            return chunks, errors, summary
        chunks, errors, summary = self._retrying(once)
        indices, distances = _gather_pairs(chunks, nearest,
                                           request.return_distance)
        return JoinResult(
            indices, distances, dict(sorted(errors.items())), summary,
            {e.row: (_status_code(e.code), e.message)
             for e in summary.set_errors})

    # ------------------------------------------------------------------
    # Coordinates: Shapely's creation functions, ragged arrays, *_xy.
    # Coordinates travel as coordinate arrays (no per-row encoding); the
    # results are Results of WKB geometries unless said otherwise.

    def points(self, coords: Any, y: Any = None, z: Any = None, *,
               timeout: Any = _UNSET) -> Result:
        """Shapely's points: from an (n, 2|3) array or x, y[, z] arrays."""
        return self.compute("points", _coordinates.points(coords, y, z),
                            timeout=timeout)

    def linestrings(self, coords: Any, indices: Any = None, *,
                    timeout: Any = _UNSET) -> Result:
        """Shapely's linestrings: an (n, m, 2|3) array, or (N, 2|3)
        coordinates grouped by `indices`."""
        return self.compute("linestrings", _coordinates.lines(coords, indices),
                            timeout=timeout)

    def linearrings(self, coords: Any, indices: Any = None, *,
                    timeout: Any = _UNSET) -> Result:
        """Shapely's linearrings (closed when open), from coordinates as
        linestrings takes them. They come back as WKT (exact), which, unlike
        WKB, can say LINEARRING."""
        return self.compute("linearrings", _coordinates.lines(coords, indices),
                            result_encoding="wkt", timeout=timeout)

    def polygons(self, shells: Any, holes: Any = None, *,
                 timeout: Any = _UNSET) -> Result:
        """Shapely's polygons from coordinates: shells as an (n, m, 2|3)
        array or a sequence of rings; `holes`: per polygon, a sequence of
        rings."""
        return self.compute("polygons", _coordinates.polygons(shells, holes),
                            timeout=timeout)

    def box(self, xmin: Any, ymin: Any, xmax: Any, ymax: Any,
            ccw: bool = True, *, timeout: Any = _UNSET) -> Result:
        """Shapely's box: one rectangle per row of the (broadcast) bounds."""
        return self.compute("polygons",
                            _coordinates.boxes(xmin, ymin, xmax, ymax, ccw),
                            timeout=timeout)

    def contains_xy(self, geometries: Geometries, x: Any, y: Any = None, *,
                    timeout: Any = _UNSET) -> Result:
        """Shapely's contains_xy: whether each geometry (or the one
        geometry) contains the point (x, y); x alone may be an (n, 2)
        array. No point geometry is built on the client."""
        return self.compute("within", _coordinates.points(x, y), geometries,
                            timeout=timeout)

    def intersects_xy(self, geometries: Geometries, x: Any, y: Any = None,
                      *, timeout: Any = _UNSET) -> Result:
        """Shapely's intersects_xy, as contains_xy."""
        return self.compute("intersects", _coordinates.points(x, y),
                            geometries, timeout=timeout)

    def _collect(self, op: str, geometries: Geometries, indices: Any,
                 timeout: Any) -> Result:
        return self.compute(op, geometries, group_keys=indices,
                            timeout=timeout)

    def multipoints(self, geometries: Geometries, indices: Any = None, *,
                    timeout: Any = _UNSET) -> Result:
        """Shapely's multipoints: the points as one multipoint, or one per
        distinct index (Result.group_keys, ascending), in row order."""
        return self._collect("multipoints", geometries, indices, timeout)

    def multilinestrings(self, geometries: Geometries, indices: Any = None,
                         *, timeout: Any = _UNSET) -> Result:
        """Shapely's multilinestrings, as multipoints."""
        return self._collect("multilinestrings", geometries, indices, timeout)

    def multipolygons(self, geometries: Geometries, indices: Any = None, *,
                      timeout: Any = _UNSET) -> Result:
        """Shapely's multipolygons, as multipoints."""
        return self._collect("multipolygons", geometries, indices, timeout)

    def geometrycollections(self, geometries: Geometries, indices: Any = None,
                            *, timeout: Any = _UNSET) -> Result:
        """Shapely's geometrycollections, as multipoints."""
        return self._collect("geometrycollections", geometries, indices,
                             timeout)

    def set_coordinates(self, geometries: Geometries, coordinates: Any, *,
                        timeout: Any = _UNSET) -> Result:
        """Shapely's set_coordinates: every geometry's coordinates, in
        order, replaced by the rows of an (N, 2|3) array (N the total count;
        its dimensions become the geometries'). The array goes as
        coordinates, cut per geometry by get_num_coordinates."""
        a = as_batch(geometries)
        counts = self.compute("get_num_coordinates", a, timeout=timeout)
        if counts.mask.any():
            row = int(np.flatnonzero(counts.mask)[0])
            raise ValueError(f"row {row}: {counts.messages.get(row, '')}")
        coords = np.asarray(coordinates, dtype=np.float64)
        offsets = np.concatenate([[0], np.cumsum(counts.values)])
        if coords.ndim != 2 or len(coords) != offsets[-1]:
            raise ValueError(f"coordinates must have shape ({offsets[-1]}, 2 "
                             f"or 3), got {coords.shape}")
        points = _coordinates.CoordinateBatch(pb.COORDINATE_KIND_MULTIPOINT,
                                              coords, (offsets,))
        return self.compute("set_coordinates", a, points, timeout=timeout)

    def count_coordinates(self, geometries: Geometries, *,
                          timeout: Any = _UNSET) -> int:
        """Shapely's count_coordinates: the coordinates of every geometry,
        summed (rows that fail count none, as Shapely's None)."""
        counts = self.compute("get_num_coordinates", geometries,
                              timeout=timeout)
        return int(counts.values[~counts.mask].sum())

    def from_ragged_array(self, geometry_type: Any, coords: Any,
                          offsets: Optional[Sequence[Any]] = None, *,
                          timeout: Any = _UNSET) -> Result:
        """Shapely's from_ragged_array: geometries from coordinates and
        offsets (bottom up, as to_ragged_array gives them). Rows the server
        finds malformed (a ring not closed) are row errors."""
        return self.compute(
            "identity",
            _coordinates.from_ragged_array(geometry_type, coords, offsets),
            timeout=timeout)

    def to_ragged_array(self, geometries: Geometries,
                        include_z: Optional[bool] = None, *,
                        timeout: Any = _UNSET):
        """Shapely's to_ragged_array: (geometry_type, coords, offsets).
        Raises ValueError, as Shapely does, when the geometries do not share
        one family (points, lines or polygons) or a row fails."""
        result = self.compute("identity", geometries,
                              result_encoding="coordinates", timeout=timeout)
        if result.mask.any():
            row = int(np.flatnonzero(result.mask)[0])
            raise ValueError(f"row {row}: {result.messages.get(row, '')}")
        return result.ragged_array(include_z)

    # ------------------------------------------------------------------
    # Compute.

    def request(self, op: str, a: Geometries, b: Geometries = None, *,
                params: Optional[Mapping[str, Any]] = None,
                result_encoding: str = "wkb") -> pb.ComputeRequest:
        """The ComputeRequest for `op` on `a` (and `b`). Parameters are
        checked against the operation's: their proto names or camelCase
        spellings (mitre_limit, mitreLimit), and their types (enums by name,
        "flat", or number)."""
        info = self.list_operations().get(op)
        if info is None:
            raise ValueError(f"the server offers no operation '{op}'")
        operation = pb.Operation(op=info.op)
        if params:
            if not info.params_message:
                raise ValueError(f"operation '{op}' takes no parameters "
                                 f"(given: {', '.join(params)})")
            message = getattr(operation, info.params_message)
            fields = message.DESCRIPTOR.fields_by_name
            for name, value in params.items():
                field = fields.get(name) or fields.get(_snake(name))
                if field is None:
                    raise ValueError(
                        f"operation '{op}' has no parameter '{name}' "
                        f"(its parameters: {', '.join(fields)})")
                setattr(message, field.name, _param_value(op, field, value))
        if result_encoding not in _ENCODINGS:
            raise ValueError(f"unknown result encoding '{result_encoding}' "
                             f"({', '.join(_ENCODINGS)})")
        request = pb.ComputeRequest(
            operation=operation, a=as_batch(a).to_proto(),
            result_encoding=_ENCODINGS[result_encoding])
        one = broadcast(b) if b is not None else None
        if one is not None:
            request.b_broadcast.encoding, request.b_broadcast.data = one
        elif b is not None:
            request.b_rows.CopyFrom(as_batch(b).to_proto())
        return request

    def compute(self, op: str, a: Geometries, b: Geometries = None, *,
                params: Optional[Mapping[str, Any]] = None,
                result_encoding: str = "wkb",
                group_keys: Optional[Sequence[int]] = None,
                timeout: Any = _UNSET) -> Result:
        """Runs `op` on every row of `a`.

        `a`: geometries in any form (a sequence of Shapely geometries, WKB
        or WKT; a GeoSeries or GeoDataFrame; a GeoJSON FeatureCollection;
        an (n, 2) numeric array of points; one geometry is one row). `b`:
        one geometry (broadcast to every row) or as many rows as `a`
        (row-wise). `params`: the operation's parameters (list_operations).
        `group_keys`: for a reduction, an integer per row of `a`: one
        result per distinct key (GeoPandas' dissolve). `timeout`: seconds,
        overriding the client's. Raises ComputeError when the batch as a
        whole fails; per-row failures are in the result."""
        a = as_batch(a)
        request = self.request(op, a, b, params=params,
                               result_encoding=result_encoding)
        if group_keys is not None:
            request.group_keys.extend(
                int(k) for k in np.asarray(group_keys, dtype=np.int64))

        def once(received):
            assembler = _Assembler(len(a))
            for response in self._stub.Compute(
                    request, timeout=self._deadline(timeout)):
                received[0] = True
                assembler.add(response)
            return assembler.result()
        return _name_missing(self._retrying(once), a)

    def compute_stream(self, op: str, a: Geometries, b: Geometries = None, *,
                       batch_rows: int = 50_000,
                       params: Optional[Mapping[str, Any]] = None,
                       result_encoding: str = "wkb",
                       timeout: Any = _UNSET) -> Result:
        """Like compute, for inputs too large for one message: `a` (and
        row-wise `b`) go in slices of `batch_rows`, pipelined on one
        ComputeStream, and the answers are stitched back in order; the
        summary adds up the slices'."""
        info = self.list_operations().get(op)
        if info is not None and info.reduces:
            raise ValueError(f"'{op}' reduces the whole batch: use compute()")
        a = as_batch(a)
        one = broadcast(b) if b is not None else None
        b_rows = None if b is None or one is not None else as_batch(b)
        template = self.request(op, a.slice(0, 0), b if b_rows is None else
                                b_rows.slice(0, 0), params=params,
                                result_encoding=result_encoding)
        starts = list(range(0, len(a), batch_rows)) or [0]

        def requests() -> Iterator[pb.ComputeStreamRequest]:
            for i, start in enumerate(starts):
                stop = min(start + batch_rows, len(a))
                r = pb.ComputeRequest()
                r.CopyFrom(template)
                r.a.CopyFrom(a.slice(start, stop).to_proto())
                if b_rows is not None:
                    r.b_rows.CopyFrom(b_rows.slice(start, stop).to_proto())
                yield pb.ComputeStreamRequest(id=i, request=r)

        def once(received):
            assembler = _Assembler(len(a))
            summary = pb.ComputeSummary()
            for response in self._stub.ComputeStream(
                    requests(), timeout=self._deadline(timeout)):
                received[0] = True
                start = starts[response.id]
                inner = response.response
                if inner.HasField("summary"):
                    s = inner.summary
                    if s.status.code != 0:
                        raise ComputeError(_status_code(s.status.code),
                                           s.status.message)
                    _add_summary(summary, s)
                    continue
                inner.chunk.row_offset += start
                for e in inner.chunk.errors:
                    e.row += start
                for i in range(len(inner.chunk.source_rows)):
                    inner.chunk.source_rows[i] += start
                assembler.add(inner)
            assembler.summary = summary
            return assembler.result()
        return _name_missing(self._retrying(once), a)

    def compute_frame(self, frame, op: str, b: Geometries = None, *,
                      column: Optional[str] = None, timeout: Any = _UNSET,
                      **params: Any):
        """`op` on a GeoDataFrame's (or GeoSeries') geometries, as GeoPandas
        would answer: the frame with the same index, properties and CRS,
        its geometry replaced by a geometry result (`gdf.buffer(1)`), or
        with a column of the values (named `column`, default `op`); failed
        rows hold None / NaN, and frame.attrs["geosrpc_errors"] maps their
        index labels to (grpc.StatusCode, message). A GeoSeries gives a
        GeoSeries (or Series) with its index."""
        from geosrpc import frames
        return frames.compute_frame(self, frame, op, b, column, timeout,
                                    params)


def _name_missing(result: Result, a: Batch) -> Result:
    """Rows of `a` given as None: their errors say so."""
    if a.missing is not None and result.codes.size:
        for row in a.missing:
            if result.codes[row] != 0:
                result.messages[int(row)] = "a: no geometry (None)"
    return result


def _add_summary(total: pb.ComputeSummary, part: pb.ComputeSummary) -> None:
    """One ComputeStream request's summary added to the call's."""
    total.rows += part.rows
    total.error_rows += part.error_rows
    total.chunks += part.chunks
    total.server_seconds += part.server_seconds
    total.worker_seconds += part.worker_seconds
    total.result_rows += part.result_rows
    for code, n in part.row_errors_by_code.items():
        total.row_errors_by_code[code] += n


def _code_tuple(code: int):
    for status in grpc.StatusCode:
        if status.value[0] == code:
            return status.value
    return grpc.StatusCode.UNKNOWN.value
