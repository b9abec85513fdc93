"""The geosrpc client: batches in, numpy columns out.

A Client is safe to share between threads (gRPC channels are).
"""

from __future__ import annotations

import dataclasses
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
                 timeout: Optional[float] = None):
        options = [("grpc.max_receive_message_length", max_message_bytes),
                   ("grpc.max_send_message_length", max_message_bytes)]
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
