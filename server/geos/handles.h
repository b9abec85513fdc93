// RAII ownership of GEOS C API handles.
//
// Every handle type is a std::unique_ptr whose deleter carries the
// GEOSContextHandle_t to destroy it with, so ownership and the destroying
// context travel together. Thread-safety: a handle is as thread-safe as the
// object it owns; destroying one uses its context, so the owner must not
// destroy it while another thread uses that context.
#ifndef GEOSRPC_SERVER_GEOS_HANDLES_H_
#define GEOSRPC_SERVER_GEOS_HANDLES_H_

#include <geos_c.h>

#include <memory>
#include <type_traits>

namespace geosrpc::geos {

// A GEOS context handle, finished on destruction. Whatever was made through
// the context must be destroyed first: declare this before it.
struct ContextFinisher {
  void operator()(GEOSContextHandle_t context) const {
    if (context != nullptr) GEOS_finish_r(context);
  }
};
using ContextHandle =
    std::unique_ptr<std::remove_pointer_t<GEOSContextHandle_t>,
                    ContextFinisher>;

template <typename T, auto Destroy>
struct Deleter {
  GEOSContextHandle_t context = nullptr;
  void operator()(T* p) const {
    if (p != nullptr) Destroy(context, p);
  }
};

template <typename T, auto Destroy>
using Handle = std::unique_ptr<T, Deleter<T, Destroy>>;

template <typename T>
void FreeBuffer(GEOSContextHandle_t context, T* p) {
  GEOSFree_r(context, p);
}

using GeometryPtr = Handle<GEOSGeometry, GEOSGeom_destroy_r>;
// A prepared geometry refers to its base geometry: declare it after the base
// so that it is destroyed first.
using PreparedPtr =
    Handle<const GEOSPreparedGeometry, GEOSPreparedGeom_destroy_r>;
using WkbReaderPtr = Handle<GEOSWKBReader, GEOSWKBReader_destroy_r>;
using WkbWriterPtr = Handle<GEOSWKBWriter, GEOSWKBWriter_destroy_r>;
using WktReaderPtr = Handle<GEOSWKTReader, GEOSWKTReader_destroy_r>;
using WktWriterPtr = Handle<GEOSWKTWriter, GEOSWKTWriter_destroy_r>;
using GeoJsonReaderPtr = Handle<GEOSGeoJSONReader, GEOSGeoJSONReader_destroy_r>;
using GeoJsonWriterPtr = Handle<GEOSGeoJSONWriter, GEOSGeoJSONWriter_destroy_r>;
using BufferParamsPtr = Handle<GEOSBufferParams, GEOSBufferParams_destroy_r>;
using CoordSeqPtr = Handle<GEOSCoordSequence, GEOSCoordSeq_destroy_r>;
// Buffers GEOS allocates for its callers (WKB, WKT, reasons).
using CharBuffer = Handle<char, FreeBuffer<char>>;
using ByteBuffer = Handle<unsigned char, FreeBuffer<unsigned char>>;

}  // namespace geosrpc::geos

#endif  // GEOSRPC_SERVER_GEOS_HANDLES_H_
