#include "fuzz/row_checks.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/geos/context.h"
#include "server/geos/coordinates.h"

namespace geosrpc::fuzz {
namespace {

using batch::Encoding;

std::string Describe(const absl::Status& s) {
  return s.ok() ? "OK" : s.ToString();
}

// The validation that must come before any GEOS parse of `bytes`, done
// independently of decode.cc.
absl::Status Validate(Encoding encoding, absl::string_view bytes,
                      const batch::GeometryLimits& limits,
                      batch::WkbInfo* info) {
  if (bytes.empty()) return absl::InvalidArgumentError("empty geometry");
  switch (encoding) {
    case Encoding::kWkb:
      return batch::ValidateWkb(bytes, limits, info);
    case Encoding::kHexWkb: {
      std::string wkb;
      if (absl::Status s = batch::DecodeHex(bytes, &wkb); !s.ok()) return s;
      return batch::ValidateWkb(wkb, limits, info);
    }
    case Encoding::kWkt:
      return batch::PrecheckWkt(bytes, limits);
    case Encoding::kGeoJson:
      return batch::PrecheckGeoJson(bytes, limits);
  }
  return absl::InternalError("unknown encoding");
}

bool IsText(Encoding encoding) {
  return encoding == Encoding::kWkt || encoding == Encoding::kGeoJson;
}

// Decodes `bytes` as one row through DecodeRows, as a worker does.
batch::DecodedRows DecodeOne(geos::Context& context, Encoding encoding,
                             absl::string_view bytes,
                             const batch::GeometryLimits& limits) {
  const uint64_t offsets[2] = {0, bytes.size()};
  const batch::BatchView view{encoding, bytes, offsets};
  return batch::DecodeRows(context, view, limits);
}

// Re-encodes a decoded geometry every way the service writes geometries and
// decodes each again.
void CheckRoundTrips(geos::Context& context, const GEOSGeometry* g,
                     uint64_t vertices, const batch::GeometryLimits& limits) {
  std::string scratch;
  for (int flavour = 0; flavour < 6; ++flavour) {
    geos::WkbOptions options;
    options.iso = flavour & 1;
    options.big_endian = flavour & 2;
    options.include_srid = flavour == 4;
    options.hex = flavour == 5;
    std::string out;
    const absl::Status written = context.WriteWkb(g, options, &out);
    FUZZ_CHECK(written.ok(),
               absl::StrCat("a decoded row cannot be written as WKB (flavour ",
                            flavour, "): ", Describe(written)));
    const Encoding encoding = options.hex ? Encoding::kHexWkb : Encoding::kWkb;
    batch::WkbInfo info;
    const absl::StatusOr<geos::GeometryPtr> again =
        batch::DecodeRow(context, encoding, out, limits, &scratch, &info);
    FUZZ_CHECK(
        again.ok(),
        absl::StrCat("a decoded row, written as WKB (flavour ", flavour,
                     "), no longer decodes: ", Describe(again.status())));
    FUZZ_CHECK(info.vertices == vertices,
               absl::StrCat("WKB round trip changed the vertices from ",
                            vertices, " to ", info.vertices));
  }
  // Text round trips: written at full precision they may still round an
  // ordinate past a limit, so only their decoding is exercised.
  std::string wkt;
  if (context.WriteWkt(g, geos::WktOptions{}, &wkt).ok()) {
    batch::WkbInfo info;
    (void)batch::DecodeRow(context, Encoding::kWkt, wkt, limits, &scratch,
                           &info);
  }
  std::string json;
  if (context.WriteGeoJson(g, -1, &json).ok()) {
    batch::WkbInfo info;
    (void)batch::DecodeRow(context, Encoding::kGeoJson, json, limits, &scratch,
                           &info);
  }
}

}  // namespace

void CheckFailed(const char* file, int line, absl::string_view what) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %.*s\n", file, line,
               static_cast<int>(what.size()), what.data());
  std::abort();
}

batch::GeometryLimits RowLimits() {
  batch::GeometryLimits limits;
  limits.max_vertices = 100'000;
  return limits;
}

void CheckRow(Encoding encoding, absl::string_view bytes) {
  thread_local geos::Context context;
  const batch::GeometryLimits limits = RowLimits();

  batch::WkbInfo expected_info;
  const absl::Status expected =
      Validate(encoding, bytes, limits, &expected_info);

  const uint64_t reads_before = GeosReadsOnThisThread();
  batch::DecodedRows rows = DecodeOne(context, encoding, bytes, limits);
  FUZZ_CHECK(rows.size() == 1, "DecodeRows of one row");
  const absl::Status& status = rows.statuses[0];
  const GEOSGeometry* g = rows.geometries[0].get();
  FUZZ_CHECK((g != nullptr) == status.ok(),
             "a row has a geometry exactly when its status is OK");

  if (!expected.ok()) {
    FUZZ_CHECK(
        status == expected,
        absl::StrCat("validation refused the row with ", Describe(expected),
                     " but DecodeRows reported ", Describe(status)));
    FUZZ_CHECK(GeosReadsOnThisThread() == reads_before,
               "GEOS parsed a row that validation refused");
  } else if (!IsText(encoding)) {
    // Binary rows are decided by ValidateWkb alone: what it accepts, GEOS
    // must read.
    FUZZ_CHECK(status.ok(),
               absl::StrCat("ValidateWkb accepted the row but decoding "
                            "failed: ",
                            Describe(status)));
    FUZZ_CHECK(rows.vertices == expected_info.vertices,
               "DecodeRows counts the vertices ValidateWkb counted");
  }

  // InspectRow judges the row exactly as DecodeRows does.
  std::string scratch;
  const absl::StatusOr<batch::WkbInfo> inspected =
      batch::InspectRow(context, encoding, bytes, limits, &scratch);
  FUZZ_CHECK(inspected.status() == status,
             absl::StrCat("InspectRow says ", Describe(inspected.status()),
                          ", DecodeRows says ", Describe(status)));
  if (!status.ok()) return;
  const batch::WkbInfo& info = *inspected;
  FUZZ_CHECK(info.vertices == rows.vertices,
             "InspectRow and DecodeRows count the same vertices");
  if (!IsText(encoding)) {
    FUZZ_CHECK(
        info.min_x == expected_info.min_x && info.max_x == expected_info.max_x,
        "InspectRow reports the x extent ValidateWkb found");
  }

  // The x extent contains every coordinate GEOS holds; an empty point's NaN
  // is no coordinate.
  std::vector<double> xy;
  FUZZ_CHECK(geos::AppendCoordinates(context.handle(), g, false, &xy),
             "coordinates of a decoded row");
  FUZZ_CHECK(xy.size() / 2 <= info.vertices,
             "GEOS holds no more coordinates than validation counted");
  for (size_t i = 0; i < xy.size(); i += 2) {
    if (std::isnan(xy[i]) && std::isnan(xy[i + 1])) continue;
    FUZZ_CHECK(std::isfinite(xy[i]) && std::isfinite(xy[i + 1]),
               "a decoded row has only finite coordinates");
    FUZZ_CHECK(info.min_x <= xy[i] && xy[i] <= info.max_x,
               absl::StrCat("x ", xy[i], " is outside the reported extent [",
                            info.min_x, ", ", info.max_x, "]"));
  }

  CheckRoundTrips(context, g, info.vertices, limits);
}

}  // namespace geosrpc::fuzz
