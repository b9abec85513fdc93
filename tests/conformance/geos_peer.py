"""GEOS itself, in-process through ctypes: the peer that says whether a
conformance failure is the service's or GEOS 3.11.1's own.

When a case fails through the service, the runner asks this peer what GEOS
answers when called directly, the way XMLTester calls it. If GEOS's direct
answer is the service's answer, the case is one GEOS fails itself (the
service added nothing); otherwise the service is wrong. Single-threaded.
"""

import ctypes
import ctypes.util

_lib = ctypes.CDLL(ctypes.util.find_library("geos_c") or "libgeos_c.so.1")
_G = ctypes.c_void_p
_H = ctypes.c_void_p


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype, f.argtypes = restype, [_H, *argtypes]
    return f


_init = _lib.GEOS_init_r
_init.restype = _H
_handle = _init()
_read_wkt = _fn("GEOSWKTReader_read_r", _G, _G, ctypes.c_char_p)
_read_hex = _fn("GEOSWKBReader_readHEX_r", _G, _G, ctypes.c_char_p,
                ctypes.c_size_t)
_reader = _fn("GEOSWKTReader_create_r", _G)(_handle)
_wkb_reader = _fn("GEOSWKBReader_create_r", _G)(_handle)
_writer = _fn("GEOSWKTWriter_create_r", _G)(_handle)
_fn("GEOSWKTWriter_setTrim_r", None, _G, ctypes.c_char)(_handle, _writer, 1)
_write = _fn("GEOSWKTWriter_write_r", ctypes.c_void_p, _G, _G)
_free = _fn("GEOSFree_r", None, ctypes.c_void_p)
_destroy = _fn("GEOSGeom_destroy_r", None, _G)
_clone = _fn("GEOSGeom_clone_r", _G, _G)
_normalize = _fn("GEOSNormalize_r", ctypes.c_int, _G)
_equals_exact = _fn("GEOSEqualsExact_r", ctypes.c_char, _G, _G,
                    ctypes.c_double)

_unary = {
    "getinteriorpoint": _fn("GEOSPointOnSurface_r", _G, _G),
    "getcentroid": _fn("GEOSGetCentroid_r", _G, _G),
    "makevalid": _fn("GEOSMakeValid_r", _G, _G),
}
_binary = {
    "difference": _fn("GEOSDifference_r", _G, _G, _G),
    "differenceng": _fn("GEOSDifference_r", _G, _G, _G),
    "symdifference": _fn("GEOSSymDifference_r", _G, _G, _G),
    "symdifferenceng": _fn("GEOSSymDifference_r", _G, _G, _G),
}
_is_valid = _fn("GEOSisValid_r", ctypes.c_char, _G)
_buffer = _fn("GEOSBufferWithStyle_r", _G, _G, ctypes.c_double, ctypes.c_int,
              ctypes.c_int, ctypes.c_int, ctypes.c_double)
# XMLTester's buffersinglesided calls BufferBuilder::bufferLineSingleSided,
# which GEOS 3.11's C API reaches only through the deprecated
# GEOSSingleSidedBuffer_r.
_single_sided = _fn("GEOSSingleSidedBuffer_r", _G, _G, ctypes.c_double,
                    ctypes.c_int, ctypes.c_int, ctypes.c_double, ctypes.c_int)


def _read(text):
    text = text.strip()
    if text.startswith("0"):
        data = text.encode()
        return _read_hex(_handle, _wkb_reader, data, len(data))
    return _read_wkt(_handle, _reader, text.encode())


def _text(g):
    p = _write(_handle, _writer, g)
    s = ctypes.string_at(p).decode()
    _free(_handle, p)
    return s


def answer(test):
    """GEOS's direct answer to an XML test (WKT, "true"/"false", or
    "exception"), or None when the peer does not know the operation."""
    a, b = _read(test.a), (_read(test.b) if test.b else None)
    if test.args[0].upper() == "B":
        a, b = b, a
    try:
        if not a:
            return "exception"
        if test.op == "isvalid":
            return "true" if _is_valid(_handle, a) == b"\x01" else "false"
        if test.op in _unary:
            r = _unary[test.op](_handle, a)
        elif test.op in _binary and b:
            r = _binary[test.op](_handle, a, b)
        elif test.op == "buffer":
            q = int(float(test.args[2])) if test.args[2].strip() else 8
            r = _buffer(_handle, a, float(test.args[1] or 0), q, 1, 1, 5.0)
        elif test.op == "buffersinglesided":
            q = int(float(test.args[2])) if test.args[2].strip() else 8
            r = _single_sided(_handle, a, float(test.args[1] or 0), q, 1, 5.0,
                              0 if test.args[3].strip() == "right" else 1)
        else:
            return None
        if not r:
            return "exception"
        out = _text(r)
        _destroy(_handle, r)
        return out
    finally:
        for g in (a, b):
            if g:
                _destroy(_handle, g)


def same_geometry(x, y):
    """Normalized exact equality of two WKT / hex WKB texts."""
    gx, gy = _read(x), _read(y)
    try:
        if not gx or not gy:
            return False
        _normalize(_handle, gx)
        _normalize(_handle, gy)
        return _equals_exact(_handle, gx, gy, 0.0) == b"\x01"
    finally:
        for g in (gx, gy):
            if g:
                _destroy(_handle, g)
