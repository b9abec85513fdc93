#include "fuzz/proto_mutator.h"

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "geosrpc/v1/geometry_service.pb.h"
#include "server/geos/context.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace geosrpc::fuzz {
namespace {

namespace pb = google::protobuf;
using Reflection = pb::Reflection;
using Field = pb::FieldDescriptor;

// Rows and operands never grow past this through a mutation.
constexpr size_t kMaxRowBytes = 4096;
constexpr size_t kMaxRows = 64;

size_t Below(Rng& rng, size_t n) { return n == 0 ? 0 : rng() % n; }
bool OneIn(Rng& rng, size_t n) { return Below(rng, n) == 0; }

// Geometries every row mutation may start from: the shapes GEOS 3.11.1 is
// known to mishandle (empty members, tiny and huge ordinates, invalid
// polygons) next to ordinary ones.
const char* const kSampleWkt[] = {
    "POINT (1 2)",
    "POINT EMPTY",
    "POINT Z (1 2 3)",
    "LINESTRING (0 0, 1 1, 2 0)",
    "LINESTRING EMPTY",
    "LINESTRING (0 0, 0 0)",
    "LINESTRING Z (0 0 0, 1 1 1, 2 0 2)",
    "LINESTRING (-1e149 0, 1e149 1)",
    "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 1, 2 2, 1 2, 1 1))",
    "POLYGON EMPTY",
    "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))",
    "POLYGON ((0 0, 1e-155 0, 1e-155 1e-155, 0 0))",
    "MULTIPOINT ((0 0), (1 1), (1 0))",
    "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))",
    "MULTILINESTRING (EMPTY, (0 0, 1 1))",
    "MULTIPOLYGON (((0 0, 2 0, 2 2, 0 0)), ((1 0, 3 0, 3 2, 1 0)))",
    "GEOMETRYCOLLECTION (POINT (1 1), LINESTRING (0 0, 1 1))",
    "GEOMETRYCOLLECTION (POINT EMPTY, LINESTRING (0 0, 2 2))",
    "GEOMETRYCOLLECTION (GEOMETRYCOLLECTION (POLYGON ((0 0, 1 0, 0 1, 0 0))))",
    "GEOMETRYCOLLECTION EMPTY",
    "POINT (1e100 -1e100)",
};

struct Samples {
  std::vector<std::string> wkb, hex, wkt, geojson;
};

// The samples in every encoding, WKB in each flavour GEOS writes.
const Samples& GetSamples() {
  static const Samples* samples = [] {
    auto* s = new Samples;
    geos::Context context;
    for (const char* wkt : kSampleWkt) {
      s->wkt.push_back(wkt);
      absl::StatusOr<geos::GeometryPtr> g = context.ReadWkt(wkt);
      if (!g.ok()) continue;
      for (int flavour = 0; flavour < 4; ++flavour) {
        geos::WkbOptions options;
        options.iso = flavour & 1;
        options.big_endian = flavour & 2;
        options.include_srid = flavour == 2;
        std::string out;
        if (context.WriteWkb(g->get(), options, &out).ok()) {
          s->wkb.push_back(out);
        }
      }
      geos::WkbOptions hex;
      hex.hex = true;
      std::string out;
      if (context.WriteWkb(g->get(), hex, &out).ok()) s->hex.push_back(out);
      out.clear();
      if (context.WriteGeoJson(g->get(), -1, &out).ok()) {
        s->geojson.push_back(out);
      }
    }
    return s;
  }();
  return *samples;
}

const std::string& SampleRow(v1::Encoding encoding, Rng& rng) {
  const Samples& s = GetSamples();
  const std::vector<std::string>* pool = &s.wkb;
  if (encoding == v1::ENCODING_WKT) pool = &s.wkt;
  if (encoding == v1::ENCODING_HEX_WKB) pool = &s.hex;
  if (encoding == v1::ENCODING_GEOJSON) pool = &s.geojson;
  return (*pool)[Below(rng, pool->size())];
}

// One row's bytes changed by libFuzzer's own mutator, or replaced.
void MutateRow(std::string* row, v1::Encoding encoding, Rng& rng) {
  if (OneIn(rng, 4)) {
    *row = SampleRow(encoding, rng);
    return;
  }
  const size_t size = row->size();
  row->resize(std::min(kMaxRowBytes, std::max<size_t>(size * 2, 64)));
  const size_t n = LLVMFuzzerMutate(reinterpret_cast<uint8_t*>(row->data()),
                                    size, row->size());
  row->resize(n);
}

v1::Encoding RandomEncoding(Rng& rng) {
  return static_cast<v1::Encoding>(Below(rng, 5));
}

// A batch as rows: mutates one of them (or the set of them), keeping the
// offsets consistent, except when breaking one on purpose.
void MutateBatch(v1::GeometryBatch* batch, Rng& rng) {
  std::vector<std::string> rows;
  const auto& off = batch->offsets();
  const std::string& data = batch->data();
  bool consistent =
      !off.empty() && off[0] == 0 && off[off.size() - 1] == data.size();
  for (int i = 1; consistent && i < off.size(); ++i) {
    if (off[i] < off[i - 1]) consistent = false;
  }
  if (consistent) {
    for (int i = 0; i + 1 < off.size(); ++i) {
      rows.push_back(data.substr(off[i], off[i + 1] - off[i]));
    }
  }
  switch (Below(rng, 8)) {
    case 0:  // Another row, from the samples or a copy of one.
      if (rows.size() < kMaxRows) {
        rows.insert(rows.begin() + Below(rng, rows.size() + 1),
                    rows.empty() || OneIn(rng, 2)
                        ? SampleRow(batch->encoding(), rng)
                        : rows[Below(rng, rows.size())]);
      }
      break;
    case 1:  // One row less.
      if (!rows.empty()) rows.erase(rows.begin() + Below(rng, rows.size()));
      break;
    case 2:  // Another encoding, rows kept (most then fail to decode).
      batch->set_encoding(OneIn(rng, 8) ? static_cast<v1::Encoding>(rng() % 16)
                                        : RandomEncoding(rng));
      return;
    case 3:  // A broken offset: ComputePlan must refuse the batch.
      if (batch->offsets_size() > 0 && OneIn(rng, 4)) {
        const int i = Below(rng, batch->offsets_size());
        const uint64_t values[] = {0, 1, batch->offsets(i) + 1,
                                   batch->offsets(i) - 1,
                                   std::numeric_limits<uint64_t>::max()};
        batch->set_offsets(i, values[Below(rng, 5)]);
        return;
      }
      [[fallthrough]];
    default:  // One row's bytes.
      if (rows.empty()) {
        rows.push_back(SampleRow(batch->encoding(), rng));
      } else {
        MutateRow(&rows[Below(rng, rows.size())], batch->encoding(), rng);
      }
      break;
  }
  batch->clear_data();
  batch->clear_offsets();
  batch->add_offsets(0);
  for (const std::string& r : rows) {
    batch->mutable_data()->append(r);
    batch->add_offsets(batch->data().size());
  }
}

void MutateGeometry(v1::Geometry* geometry, Rng& rng) {
  if (OneIn(rng, 6)) {
    geometry->set_encoding(RandomEncoding(rng));
  } else if (geometry->data().empty() || OneIn(rng, 4)) {
    geometry->set_data(SampleRow(geometry->encoding(), rng));
  } else {
    MutateRow(geometry->mutable_data(), geometry->encoding(), rng);
  }
}

double InterestingDouble(Rng& rng) {
  using L = std::numeric_limits<double>;
  const double values[] = {0,
                           -0.0,
                           1,
                           -1,
                           0.5,
                           2,
                           10,
                           1e-9,
                           1e-300,
                           L::min(),
                           L::denorm_min(),
                           1e100,
                           1e107,
                           1e150,
                           1.01e150,
                           1e300,
                           L::max(),
                           -L::max(),
                           L::infinity(),
                           -L::infinity(),
                           L::quiet_NaN(),
                           9007199254740993.0};
  constexpr size_t n = sizeof(values) / sizeof(values[0]);
  switch (Below(rng, 3)) {
    case 0:
      return values[Below(rng, n)];
    case 1:
      return (static_cast<double>(rng()) / Rng::max() - 0.5) * 20;
    default: {
      uint64_t bits = uint64_t{rng()} << 32 | rng();
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
  }
}

int64_t InterestingInt(Rng& rng, int64_t lo, int64_t hi) {
  const int64_t values[] = {0, 1, -1, 2, 3, 4, 7, 8, 100, 1000, 1001, lo, hi};
  if (OneIn(rng, 3)) {
    return static_cast<int64_t>(uint64_t{rng()} << 32 | rng());
  }
  return values[Below(rng, sizeof(values) / sizeof(values[0]))];
}

std::string InterestingString(Rng& rng) {
  const char* values[] = {"",
                          "T*F**FFF*",
                          "2FFF1FFF2",
                          "FF*FF****",
                          "T********x",
                          "layer",
                          "missing",
                          "sha256:",
                          ("sha256:00000000000000000000000000000000000000000"
                           "00000000000000000000000")};
  return values[Below(rng, sizeof(values) / sizeof(values[0]))];
}

// A scalar field of `message` set to an interesting or random value.
void MutateScalar(pb::Message* message, const Field* field, Rng& rng) {
  const Reflection* r = message->GetReflection();
  switch (field->cpp_type()) {
    case Field::CPPTYPE_DOUBLE:
      r->SetDouble(message, field, InterestingDouble(rng));
      break;
    case Field::CPPTYPE_FLOAT:
      r->SetFloat(message, field, InterestingDouble(rng));
      break;
    case Field::CPPTYPE_INT32:
      r->SetInt32(message, field,
                  static_cast<int32_t>(
                      InterestingInt(rng, std::numeric_limits<int32_t>::min(),
                                     std::numeric_limits<int32_t>::max())));
      break;
    case Field::CPPTYPE_INT64:
      r->SetInt64(message, field,
                  InterestingInt(rng, std::numeric_limits<int64_t>::min(),
                                 std::numeric_limits<int64_t>::max()));
      break;
    case Field::CPPTYPE_UINT32:
      r->SetUInt32(message, field,
                   static_cast<uint32_t>(InterestingInt(
                       rng, 0, std::numeric_limits<uint32_t>::max())));
      break;
    case Field::CPPTYPE_UINT64:
      r->SetUInt64(message, field,
                   static_cast<uint64_t>(InterestingInt(rng, 0, -1)));
      break;
    case Field::CPPTYPE_BOOL:
      r->SetBool(message, field, !r->GetBool(*message, field));
      break;
    case Field::CPPTYPE_ENUM: {
      const pb::EnumDescriptor* e = field->enum_type();
      if (OneIn(rng, 10)) {
        r->SetEnumValue(message, field, static_cast<int>(rng() % 200) - 1);
      } else {
        r->SetEnum(message, field, e->value(Below(rng, e->value_count())));
      }
      break;
    }
    case Field::CPPTYPE_STRING:
      if (field->type() == Field::TYPE_BYTES) {
        std::string bytes = r->GetString(*message, field);
        MutateRow(&bytes, v1::ENCODING_WKB, rng);
        r->SetString(message, field, bytes);
      } else {
        r->SetString(message, field, InterestingString(rng));
      }
      break;
    case Field::CPPTYPE_MESSAGE:
      break;
  }
}

// What one mutation may touch: a field of a message within the request.
struct Target {
  pb::Message* message;
  const Field* field;
};

// Every singular field of `message` and of the sub-messages it has set,
// plus the sub-messages it could set.
void CollectTargets(pb::Message* message, int depth, std::vector<Target>* out) {
  const pb::Descriptor* d = message->GetDescriptor();
  const Reflection* r = message->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const Field* f = d->field(i);
    if (f->is_repeated() || f->is_map()) continue;
    out->push_back({message, f});
    if (f->cpp_type() == Field::CPPTYPE_MESSAGE && depth < 4 &&
        r->HasField(*message, f)) {
      CollectTargets(r->MutableMessage(message, f), depth + 1, out);
    }
  }
}

void MutateOnce(pb::Message* message, Rng& rng) {
  std::vector<Target> targets;
  CollectTargets(message, 0, &targets);
  if (targets.empty()) return;
  const Target t = targets[Below(rng, targets.size())];
  const Reflection* r = t.message->GetReflection();
  if (t.field->cpp_type() != Field::CPPTYPE_MESSAGE) {
    MutateScalar(t.message, t.field, rng);
    return;
  }
  if (r->HasField(*t.message, t.field) && OneIn(rng, 8)) {
    r->ClearField(t.message, t.field);  // Also leaves a oneof empty.
    return;
  }
  pb::Message* sub = r->MutableMessage(t.message, t.field);
  if (auto* batch = dynamic_cast<v1::GeometryBatch*>(sub)) {
    MutateBatch(batch, rng);
  } else if (auto* geometry = dynamic_cast<v1::Geometry*>(sub)) {
    MutateGeometry(geometry, rng);
  } else {
    MutateOnce(sub, rng);
  }
}

}  // namespace

void MutateMessage(pb::Message* message, Rng& rng) {
  const int n = 1 + Below(rng, 3);
  for (int i = 0; i < n; ++i) {
    // Rows are what most requests differ in: favour them.
    if (OneIn(rng, 2)) {
      std::vector<Target> targets;
      CollectTargets(message, 0, &targets);
      std::vector<pb::Message*> batches;
      for (const Target& t : targets) {
        if (t.field->message_type() == v1::GeometryBatch::descriptor() ||
            t.field->message_type() == v1::Geometry::descriptor()) {
          const Reflection* r = t.message->GetReflection();
          if (r->HasField(*t.message, t.field)) {
            batches.push_back(r->MutableMessage(t.message, t.field));
          }
        }
      }
      if (!batches.empty()) {
        pb::Message* m = batches[Below(rng, batches.size())];
        if (auto* batch = dynamic_cast<v1::GeometryBatch*>(m)) {
          MutateBatch(batch, rng);
        } else {
          MutateGeometry(static_cast<v1::Geometry*>(m), rng);
        }
        continue;
      }
    }
    MutateOnce(message, rng);
  }
}

size_t MutateSerialized(const pb::Message& prototype, size_t prefix,
                        uint8_t* data, size_t size, size_t max_size,
                        unsigned int seed) {
  Rng rng(seed);
  if (size < prefix || max_size <= prefix || OneIn(rng, 8)) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  std::unique_ptr<pb::Message> message(prototype.New());
  if (!message->ParseFromArray(data + prefix,
                               static_cast<int>(size - prefix))) {
    message->Clear();
  }
  MutateMessage(message.get(), rng);
  const std::string out = message->SerializeAsString();
  if (out.size() > max_size - prefix) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  std::memcpy(data + prefix, out.data(), out.size());
  return prefix + out.size();
}

}  // namespace geosrpc::fuzz
