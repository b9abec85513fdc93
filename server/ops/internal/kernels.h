// Kernel building blocks for the operation families (families.h).
//
// GEOS reports failure by value: 0 from measurements, 2 from predicates, null
// from constructors. These adapters turn each into the row's status with the
// message the context recorded; predicates are switched on 0/1/2, never cast
// to bool. Stateless; each call uses only the caller's context.
#ifndef GEOSRPC_SERVER_OPS_INTERNAL_KERNELS_H_
#define GEOSRPC_SERVER_OPS_INTERNAL_KERNELS_H_

#include <geos_c.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "server/geos/context.h"
#include "server/geos/handles.h"
#include "server/ops/operations.h"

namespace geosrpc::ops::internal {

using Handle = GEOSContextHandle_t;
using G = GEOSGeometry;
using PG = GEOSPreparedGeometry;

inline absl::Status GeosFailure(geos::Context& c) {
  return c.Error(absl::StatusCode::kFailedPrecondition, "GEOS");
}

inline absl::Status SetPredicate(geos::Context& c, char result, Value* out) {
  switch (result) {
    case 0:
      out->flag = false;
      return absl::OkStatus();
    case 1:
      out->flag = true;
      return absl::OkStatus();
    default:
      return GeosFailure(c);
  }
}

inline absl::Status SetMeasure(geos::Context& c, int ok) {
  return ok == 1 ? absl::OkStatus() : GeosFailure(c);
}

inline absl::Status SetGeometry(geos::Context& c, G* g, Value* out) {
  if (g == nullptr) return GeosFailure(c);
  out->geometry = c.Own(g);
  return absl::OkStatus();
}

// The geometry type's name (GEOS's: "LineString"), for messages.
inline std::string TypeName(geos::Context& c, const G* g) {
  const geos::CharBuffer name(GEOSGeomType_r(c.handle(), g), {c.handle()});
  return name ? name.get() : "geometry";
}

// GEOS's minimum bounding circle, keeping what the caller asks for (its
// radius for minimum_bounding_radius, the circle for
// minimum_bounding_circle).
inline absl::Status BoundingCircle(geos::Context& c, const G* g, double* radius,
                                   geos::GeometryPtr* circle) {
  G* center = nullptr;
  double r = 0;
  geos::GeometryPtr result =
      c.Own(GEOSMinimumBoundingCircle_r(c.handle(), g, &r, &center));
  const geos::GeometryPtr owned_center = c.Own(center);
  if (!result) return GeosFailure(c);
  if (radius != nullptr) *radius = r;
  if (circle != nullptr) *circle = std::move(result);
  return absl::OkStatus();
}

// Generic adapters over GEOS function signatures.

template <char (*Fn)(Handle, const G*, const G*)>
absl::Status BinaryPredicate(geos::Context& c, const Row& r, const Params&,
                             Value* out) {
  return SetPredicate(c, Fn(c.handle(), r.a, r.b), out);
}

// For a broadcast `b`: Fn(prepared b, a). Binary predicates are not
// symmetric, so the table pairs each with its converse (contains(a, b) is
// within(b, a)).
template <char (*Fn)(Handle, const PG*, const G*)>
absl::Status PreparedPredicate(geos::Context& c, const Row& r, const Params&,
                               Value* out) {
  return SetPredicate(c, Fn(c.handle(), r.prepared_b, r.a), out);
}

template <char (*Fn)(Handle, const G*)>
absl::Status UnaryPredicate(geos::Context& c, const Row& r, const Params&,
                            Value* out) {
  return SetPredicate(c, Fn(c.handle(), r.a), out);
}

template <int (*Fn)(Handle, const G*, double*)>
absl::Status UnaryMeasure(geos::Context& c, const Row& r, const Params&,
                          Value* out) {
  return SetMeasure(c, Fn(c.handle(), r.a, &out->number));
}

template <int (*Fn)(Handle, const G*, const G*, double*)>
absl::Status BinaryMeasure(geos::Context& c, const Row& r, const Params&,
                           Value* out) {
  return SetMeasure(c, Fn(c.handle(), r.a, r.b, &out->number));
}

template <int (*Fn)(Handle, const PG*, const G*, double*)>
absl::Status PreparedMeasure(geos::Context& c, const Row& r, const Params&,
                             Value* out) {
  return SetMeasure(c, Fn(c.handle(), r.prepared_b, r.a, &out->number));
}

template <G* (*Fn)(Handle, const G*)>
absl::Status UnaryConstructive(geos::Context& c, const Row& r, const Params&,
                               Value* out) {
  return SetGeometry(c, Fn(c.handle(), r.a), out);
}

template <G* (*Fn)(Handle, const G*, const G*)>
absl::Status BinaryConstructive(geos::Context& c, const Row& r, const Params&,
                                Value* out) {
  return SetGeometry(c, Fn(c.handle(), r.a, r.b), out);
}

// GEOS accessors return a count, or -1 on error.
template <int (*Fn)(Handle, const G*)>
absl::Status IntAccessor(geos::Context& c, const Row& r, const Params&,
                         Value* out) {
  const int n = Fn(c.handle(), r.a);
  if (n < 0) return GeosFailure(c);
  out->integer = n;
  return absl::OkStatus();
}

}  // namespace geosrpc::ops::internal

#endif  // GEOSRPC_SERVER_OPS_INTERNAL_KERNELS_H_
