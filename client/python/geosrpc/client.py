"""The geosrpc client: batches in, numpy columns out.

A Client is safe to share between threads (gRPC channels are).

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
import threading
from typing import (Dict, Iterable, Iterator, List, Mapping, Optional, Sequence,
                    Tuple, Union)

import grpc
import numpy as np

from geosrpc.v1 import geometry_service_pb2 as pb
from geosrpc.v1 import geometry_service_pb2_grpc as pb_grpc

_ENCODINGS = {"wkb": pb.ENCODING_WKB, "wkt": pb.ENCODING_WKT, "hex": pb.ENCODING_HEX_WKB,
              "geojson": pb.ENCODING_GEOJSON}

Geometry = Union[bytes, str]


@dataclasses.dataclass
class Batch:
    """One packed buffer plus n+1 offsets, as the v1 API carries it."""

    encoding: int
    data: bytes
    offsets: np.ndarray  # uint64, n + 1 entries

    def __len__(self) -> int:
        return max(len(self.offsets) - 1, 0)

    def to_proto(self) -> pb.GeometryBatch:
        return pb.GeometryBatch(encoding=self.encoding, data=self.data,
                                offsets=self.offsets.tolist())

    def slice(self, start: int, stop: int) -> "Batch":
        lo, hi = int(self.offsets[start]), int(self.offsets[stop])
        return Batch(self.encoding, self.data[lo:hi],
                     self.offsets[start:stop + 1] - lo)


def batch(geometries: Sequence[Geometry]) -> Batch:
    """A batch from WKB (bytes) or WKT (str) values; all of one kind."""
    if len(geometries) == 0:
        return Batch(pb.ENCODING_WKB, b"", np.zeros(1, dtype=np.uint64))
    is_text = isinstance(geometries[0], str)
    if any(isinstance(g, str) != is_text for g in geometries):
        raise TypeError("mix of WKT (str) and WKB (bytes) in one batch")
    parts = [g.encode() if is_text else bytes(g) for g in geometries]
    lengths = np.fromiter((len(p) for p in parts), dtype=np.uint64,
                          count=len(parts))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.uint64)
    return Batch(pb.ENCODING_WKT if is_text else pb.ENCODING_WKB, b"".join(parts), offsets)


_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"),
                   ("y", "<f8")])


def points(coords: np.ndarray) -> Batch:
    """A batch of 2D points from an (n, 2) array, encoded with numpy alone."""
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] != 2:
        raise ValueError(f"coords must have shape (n, 2), got {coords.shape}")
    rows = np.empty(len(coords), dtype=_POINT)
    rows["order"] = 1
    rows["type"] = 1
    rows["x"] = coords[:, 0]
    rows["y"] = coords[:, 1]
    offsets = np.arange(len(coords) + 1, dtype=np.uint64) * _POINT.itemsize
    return Batch(pb.ENCODING_WKB, rows.tobytes(), offsets)


# Bytes of a set's data hashed at a time (set_digest).
_DIGEST_BLOCK = 8 << 20
# Calls that send a set whole after a digest miss found it elsewhere.
_MAX_WHOLE_CALLS = 8


def set_digest(value: Union["Batch", Sequence[Geometry], np.ndarray]) -> str:
    """The digest a server knows a set by (IndexedSet.digest): "sha256:" and
    the hex SHA-256 of the encoding as one byte (unspecified counts as WKB),
    the row count as 8 little-endian bytes, then each row as its length in 8
    little-endian bytes followed by its bytes."""
    b = _as_batch(value)
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
    reduction (union_all, ...) it holds the one result. `mask`, `codes` and
    `messages` are always per input row.
    """

    values: np.ndarray
    mask: np.ndarray                 # True where the row failed
    codes: np.ndarray                # int32 gRPC code per row, 0 = OK
    messages: Dict[int, str]
    summary: pb.ComputeSummary
    source_rows: Optional[np.ndarray] = None


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


def _as_batch(value: Union[Batch, Sequence[Geometry], np.ndarray]) -> Batch:
    if isinstance(value, Batch):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return points(value)
    return batch(list(value))


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

    def add(self, response: pb.ComputeResponse) -> None:
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
        if kind in ("geometries", "encoded"):
            col = getattr(chunk, kind)
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
        if chunk.mapping == pb.RESULT_MAPPING_ONE_PER_BATCH:
            self.reduced = slices
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
        mask = self.codes != 0
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
                values = [v for _, slices, _ in parts for v in slices]
            column = np.empty(len(values), dtype=object)
            column[:] = values
            return Result(column, mask, self.codes, self.messages,
                          self.summary, sources)
        values = self.values if self.values is not None else np.empty(0)
        if values.dtype == object:
            values[mask] = None
        return Result(values, mask, self.codes, self.messages, self.summary)


class Client:
    """A connection to a geosrpc server."""

    def __init__(self, target: str = "127.0.0.1:50051", *,
                 credentials: Optional[grpc.ChannelCredentials] = None,
                 max_message_bytes: int = 256 << 20,
                 timeout: Optional[float] = None,
                 load_balancing_policy: Optional[str] = None,
                 digest_first_bytes: Optional[int] = 64 << 10):
        """`load_balancing_policy`: e.g. "round_robin" for a target naming
        several servers ("ipv4:10.0.0.1:50051,10.0.0.2:50051").
        `digest_first_bytes`: a join's set at least this large (serialized)
        goes by digest first; None turns that off."""
        options = [("grpc.max_receive_message_length", max_message_bytes),
                   ("grpc.max_send_message_length", max_message_bytes)]
        if load_balancing_policy:
            options.append(("grpc.lb_policy_name", load_balancing_policy))
        self._digest_first_bytes = digest_first_bytes
        # Sets going whole, by digest: the calls left to send them so.
        self._whole_calls: Dict[str, int] = {}
        self._lock = threading.Lock()
        self._channel = (grpc.secure_channel(target, credentials, options)
                         if credentials else
                         grpc.insecure_channel(target, options))
        self._stub = pb_grpc.GeometryServiceStub(self._channel)
        self._timeout = timeout
        self._ops: Optional[Dict[str, pb.OperationInfo]] = None

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def list_operations(self) -> Dict[str, pb.OperationInfo]:
        if self._ops is None:
            try:
                response = self._stub.ListOperations(pb.ListOperationsRequest(),
                                                     timeout=self._timeout)
            except grpc.RpcError as e:
                raise ComputeError(e.code(), e.details()) from None
            self._ops = {op.name: op for op in response.operations}
        return self._ops

    def list_layers(self) -> Dict[str, pb.IndexedSetInfo]:
        """The layers the server loaded at start-up, by name."""
        try:
            response = self._stub.ListLayers(pb.ListLayersRequest(),
                                             timeout=self._timeout)
        except grpc.RpcError as e:
            raise ComputeError(e.code(), e.details()) from None
        return {info.layer: info for info in response.layers}

    def join(self, a, set=None, layer=None, predicate: str = "intersects",
             distance: Optional[float] = None, return_distance: bool = False,
             max_pairs: int = 0):
        """Every (row of `a`, set row) whose geometries satisfy
        predicate(a row, set geometry), as Shapely's
        STRtree(set).query(a, predicate) answers: a (2, n) int64 array, and
        with return_distance a tuple (indices, distances).

        `a` and `set`: a Batch, WKB/WKT values or an (n, 2) point array;
        or `layer`, a layer's name (list_layers). `predicate`: Shapely's
        names (intersects, within, contains, overlaps, crosses, touches,
        covers, covered_by, contains_properly, dwithin with `distance`) or
        envelope (envelopes intersect: Shapely's query without predicate).
        Raises ComputeError when the call fails (RESOURCE_EXHAUSTED past
        max_pairs). Rows of `a` that fail have no pairs; join_result gives
        their errors."""
        return self.join_result(a, set, layer, predicate, distance,
                                return_distance, max_pairs).shapely()

    def join_result(self, a, set=None, layer=None,
                    predicate: str = "intersects",
                    distance: Optional[float] = None,
                    return_distance: bool = False,
                    max_pairs: int = 0) -> JoinResult:
        """join, with the row errors and the summary (JoinResult)."""
        request = pb.JoinRequest(a=_as_batch(a).to_proto(),
                                 predicate=_predicate(predicate),
                                 return_distance=return_distance,
                                 max_pairs=max_pairs)
        if distance is not None:
            request.distance = distance
        self._set(request, set, layer)
        return self._pairs(self._stub.Join, request, nearest=False)

    def nearest(self, a, set=None, layer=None, k: int = 1,
                max_distance: Optional[float] = None,
                return_distance: bool = False, exclusive: bool = False,
                all_matches: bool = True, max_pairs: int = 0):
        """For each row of `a` its k nearest set geometries, as Shapely's
        STRtree(set).query_nearest(a, max_distance, return_distance,
        exclusive, all_matches) answers for k=1: a (2, n) int64 array, or
        (indices, distances). With all_matches every geometry as near as the
        k-th is included; without, exactly k per row, ties to the lowest set
        row. Errors as join."""
        return self.nearest_result(a, set, layer, k, max_distance,
                                   return_distance, exclusive, all_matches,
                                   max_pairs).shapely()

    def nearest_result(self, a, set=None, layer=None, k: int = 1,
                       max_distance: Optional[float] = None,
                       return_distance: bool = False, exclusive: bool = False,
                       all_matches: bool = True,
                       max_pairs: int = 0) -> JoinResult:
        """nearest, with the row errors and the summary (JoinResult)."""
        request = pb.NearestRequest(a=_as_batch(a).to_proto(), k=k,
                                    return_distance=return_distance,
                                    exclusive=exclusive,
                                    all_matches=all_matches,
                                    max_pairs=max_pairs)
        if max_distance is not None:
            request.max_distance = max_distance
        self._set(request, set, layer)
        return self._pairs(self._stub.Nearest, request, nearest=True)

    @staticmethod
    def _set(request, set, layer) -> None:
        if (set is None) == (layer is None):
            raise ValueError("give one of set= or layer=")
        if layer is not None:
            request.set.layer = layer
        else:
            request.set.geometries.CopyFrom(_as_batch(set).to_proto())

    def _pairs(self, method, request, nearest: bool) -> JoinResult:
        """The call, by digest first when the set is large enough."""
        if (self._digest_first_bytes is None
                or request.set.WhichOneof("source") != "geometries"
                or request.set.geometries.ByteSize() < self._digest_first_bytes):
            return self._pairs_once(method, request, nearest)
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
            result = self._pairs_once(method, request, nearest)
            result.sent_whole = True
            self._learn(digest, result, missed=False)
            return result
        by_digest = type(request)()
        by_digest.CopyFrom(request)
        by_digest.set.digest = digest
        try:
            return self._pairs_once(method, by_digest, nearest)
        except ComputeError as e:
            if e.code != grpc.StatusCode.NOT_FOUND or digest not in e.message:
                raise
        result = self._pairs_once(method, request, nearest)
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

    def _pairs_once(self, method, request, nearest: bool) -> JoinResult:
        chunks: List[pb.PairChunk] = []
        errors: Dict[int, Tuple[grpc.StatusCode, str]] = {}
        summary = pb.JoinSummary()
        try:
            for response in method(request, timeout=self._timeout):
                if response.HasField("summary"):
                    summary = response.summary
                    continue
                for e in response.chunk.errors:
                    errors[e.row] = (_status_code(e.code), e.message)
                if response.chunk.a_rows:
                    chunks.append(response.chunk)
        except grpc.RpcError as e:
            raise ComputeError(e.code(), e.details()) from None
        indices, distances = _gather_pairs(chunks, nearest,
                                           request.return_distance)
        return JoinResult(
            indices, distances, dict(sorted(errors.items())), summary,
            {e.row: (_status_code(e.code), e.message)
             for e in summary.set_errors})

    def request(self, op: str, a, b=None, *,
                params: Optional[Mapping[str, object]] = None,
                result_encoding: str = "wkb") -> pb.ComputeRequest:
        """The ComputeRequest for `op` on `a` (and `b`)."""
        info = self.list_operations().get(op)
        if info is None:
            raise ValueError(f"the server offers no operation '{op}'")
        operation = pb.Operation(op=info.op)
        if params:
            if not info.params_message:
                raise ValueError(f"operation '{op}' takes no parameters")
            message = getattr(operation, info.params_message)
            for name, value in params.items():
                if name not in message.DESCRIPTOR.fields_by_name:
                    raise ValueError(
                        f"operation '{op}' has no parameter '{name}'")
                setattr(message, name, value)
        request = pb.ComputeRequest(
            operation=operation, a=_as_batch(a).to_proto(),
            result_encoding=_ENCODINGS[result_encoding])
        if isinstance(b, (bytes, str)):
            request.b_broadcast.encoding = pb.ENCODING_WKT if isinstance(b, str) else pb.ENCODING_WKB
            request.b_broadcast.data = b.encode() if isinstance(b, str) else b
        elif b is not None:
            request.b_rows.CopyFrom(_as_batch(b).to_proto())
        return request

    def compute(self, op: str, a, b=None, *,
                params: Optional[Mapping[str, object]] = None,
                result_encoding: str = "wkb") -> Result:
        """Runs `op` on every row of `a`.

        `a`: a Batch, a list of WKB bytes or WKT strings, or an (n, 2) float
        array of points. `b`: one geometry (bytes/str, broadcast) or a
        batch-like of the same length (row-wise). Raises ComputeError when
        the batch as a whole fails; per-row failures are in the result.
        """
        request = self.request(op, a, b, params=params,
                               result_encoding=result_encoding)
        assembler = _Assembler(len(request.a.offsets) - 1 if request.a.offsets else 0)
        try:
            for response in self._stub.Compute(request, timeout=self._timeout):
                assembler.add(response)
        except grpc.RpcError as e:
            raise ComputeError(e.code(), e.details()) from None
        return assembler.result()

    def compute_stream(self, op: str, a, b=None, *, batch_rows: int = 50_000,
                       params: Optional[Mapping[str, object]] = None,
                       result_encoding: str = "wkb") -> Result:
        """Like compute, for inputs too large for one message: `a` (and
        row-wise `b`) go in slices of `batch_rows`, pipelined on one
        ComputeStream, and the answers are stitched back in order."""
        info = self.list_operations().get(op)
        if info is not None and info.reduces:
            raise ValueError(f"'{op}' reduces the whole batch: use compute()")
        a = _as_batch(a)
        b_rows = None if b is None or isinstance(b, (bytes, str)) else _as_batch(b)
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

        assembler = _Assembler(len(a))
        try:
            for response in self._stub.ComputeStream(requests(),
                                                     timeout=self._timeout):
                start = starts[response.id]
                inner = response.response
                if inner.HasField("summary"):
                    if inner.summary.status.code != 0:
                        raise ComputeError(
                            grpc.StatusCode(_code_tuple(inner.summary.status.code)),
                            inner.summary.status.message)
                    continue
                inner.chunk.row_offset += start
                for e in inner.chunk.errors:
                    e.row += start
                for i in range(len(inner.chunk.source_rows)):
                    inner.chunk.source_rows[i] += start
                assembler.add(inner)
        except grpc.RpcError as e:
            raise ComputeError(e.code(), e.details()) from None
        return assembler.result()


def _code_tuple(code: int):
    for status in grpc.StatusCode:
        if status.value[0] == code:
            return status.value
    return grpc.StatusCode.UNKNOWN.value
