#include "client/cpp/batch.h"

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"

namespace geosrpc::client {

using google::protobuf::FieldDescriptor;

BatchBuilder::BatchBuilder(v1::Encoding encoding, size_t reserve_rows)
    : encoding_(encoding) {
  batch_.set_encoding(encoding);
  batch_.mutable_offsets()->Reserve(reserve_rows + 1);
  batch_.add_offsets(0);
}

void BatchBuilder::Add(absl::string_view geometry) {
  batch_.mutable_data()->append(geometry.data(), geometry.size());
  batch_.add_offsets(batch_.data().size());
}

void BatchBuilder::AddPoint(double x, double y) {
  std::string* data = batch_.mutable_data();
  const size_t at = data->size();
  data->resize(at + 21);
  char* p = data->data() + at;
  p[0] = 1;  // NDR
  const uint32_t type = 1;
  std::memcpy(p + 1, &type, 4);  // Little-endian hosts only (x86, arm64).
  std::memcpy(p + 5, &x, 8);
  std::memcpy(p + 13, &y, 8);
  batch_.add_offsets(data->size());
}

v1::GeometryBatch BatchBuilder::Build() {
  v1::GeometryBatch out = std::move(batch_);
  batch_ = v1::GeometryBatch();
  batch_.set_encoding(encoding_);
  batch_.add_offsets(0);
  return out;
}

v1::GeometryBatch MakeBatch(v1::Encoding encoding,
                            absl::Span<const std::string> rows) {
  BatchBuilder builder(encoding, rows.size());
  for (const std::string& row : rows) builder.Add(row);
  return builder.Build();
}

absl::StatusOr<v1::GeometryBatch> SliceBatch(const v1::GeometryBatch& batch,
                                             size_t begin, size_t end) {
  if (begin > end) {
    return absl::InvalidArgumentError(
        absl::StrCat("slice [", begin, ", ", end, ") is reversed"));
  }
  // The range [lo, hi) of one level taken through `offsets` into the level
  // below, which holds `below` items; the offsets between, rebased to 0,
  // into `out`.
  const auto level =
      [](const google::protobuf::RepeatedField<uint64_t>& in,
         absl::string_view name, uint64_t below, uint64_t* lo, uint64_t* hi,
         google::protobuf::RepeatedField<uint64_t>* out) -> absl::Status {
    if (static_cast<uint64_t>(in.size()) <= *hi || in[*lo] > in[*hi] ||
        in[*hi] > below) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " do not cover rows ", *lo, " to ", *hi));
    }
    out->Reserve(*hi - *lo + 1);
    for (uint64_t i = *lo; i <= *hi; ++i) out->Add(in[i] - in[*lo]);
    const uint64_t next_lo = in[*lo];
    *hi = in[*hi];
    *lo = next_lo;
    return absl::OkStatus();
  };
  v1::GeometryBatch out;
  out.set_encoding(batch.encoding());
  uint64_t lo = begin, hi = end;
  if (batch.encoding() != v1::ENCODING_COORDINATES) {
    RETURN_IF_ERROR(level(batch.offsets(), "offsets", batch.data().size(), &lo,
                          &hi, out.mutable_offsets()));
    out.set_data(batch.data().substr(lo, hi - lo));
    return out;
  }
  const v1::CoordinateArray& in = batch.coordinates();
  v1::CoordinateArray* array = out.mutable_coordinates();
  array->set_kind(in.kind());
  array->set_dimensions(in.dimensions());
  array->set_srid(in.srid());
  // Top down; a level the kind does not use is empty, and a point array's
  // rows are its coordinates.
  const size_t width = 8 * (in.dimensions() == 3 ? 3 : 2);
  const google::protobuf::RepeatedField<uint64_t>* levels[] = {
      &in.geometry_offsets(), &in.part_offsets(), &in.ring_offsets()};
  google::protobuf::RepeatedField<uint64_t>* outs[] = {
      array->mutable_geometry_offsets(), array->mutable_part_offsets(),
      array->mutable_ring_offsets()};
  const char* names[] = {"coordinates.geometry_offsets",
                         "coordinates.part_offsets",
                         "coordinates.ring_offsets"};
  for (int l = 0; l < 3; ++l) {
    if (levels[l]->empty()) continue;
    // What the level points into: the next level in use, or coordinates.
    uint64_t below = in.coords().size() / width;
    for (int next = l + 1; next < 3; ++next) {
      if (!levels[next]->empty()) {
        below = levels[next]->size() - 1;
        break;
      }
    }
    RETURN_IF_ERROR(level(*levels[l], names[l], below, &lo, &hi, outs[l]));
  }
  if (hi * width > in.coords().size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "coordinates.coords do not hold coordinates ", lo, " to ", hi));
  }
  array->set_coords(in.coords().substr(lo * width, (hi - lo) * width));
  return out;
}

std::string PointWkb(double x, double y) {
  BatchBuilder builder;
  builder.AddPoint(x, y);
  return builder.Build().data();
}

std::string ShortName(const google::protobuf::EnumValueDescriptor& value) {
  // buf's rule: every value starts with the zero value's prefix,
  // <ENUM>_UNSPECIFIED.
  absl::string_view prefix = value.type()->value(0)->name();
  if (!absl::ConsumeSuffix(&prefix, "UNSPECIFIED")) return value.name();
  absl::string_view name = value.name();
  absl::ConsumePrefix(&name, prefix);
  return std::string(name);
}

absl::StatusOr<v1::OpCode> ParseOpCode(absl::string_view name) {
  v1::OpCode code;
  if (!v1::OpCode_Parse(absl::StrCat("OP_CODE_", absl::AsciiStrToUpper(name)),
                        &code) ||
      code == v1::OP_CODE_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown operation '", name, "'"));
  }
  return code;
}

absl::StatusOr<v1::JoinPredicate> ParseJoinPredicate(absl::string_view name) {
  std::string upper = absl::AsciiStrToUpper(name);
  if (!absl::StartsWith(upper, "JOIN_PREDICATE_")) {
    upper = absl::StrCat("JOIN_PREDICATE_", upper);
  }
  v1::JoinPredicate predicate;
  if (!v1::JoinPredicate_Parse(upper, &predicate) ||
      predicate == v1::JOIN_PREDICATE_UNSPECIFIED) {
    std::vector<std::string> names;
    const auto* type = v1::JoinPredicate_descriptor();
    for (int i = 1; i < type->value_count(); ++i) {
      names.push_back(absl::AsciiStrToLower(ShortName(*type->value(i))));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("unknown join predicate '", name, "' (",
                     absl::StrJoin(names, ", "), ")"));
  }
  return predicate;
}

namespace {

absl::Status SetField(google::protobuf::Message* msg, const FieldDescriptor* f,
                      absl::string_view text) {
  const auto* r = msg->GetReflection();
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter '", f->name(), "': cannot parse '", text,
                     "' as ", f->cpp_type_name()));
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v;
      if (!absl::SimpleAtod(text, &v)) return bad();
      r->SetDouble(msg, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(text, &v)) return bad();
      r->SetInt32(msg, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (!absl::SimpleAtob(text, &v)) return bad();
      r->SetBool(msg, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const std::string upper = absl::AsciiStrToUpper(text);
      const auto* value = f->enum_type()->FindValueByName(upper);
      for (int i = 0; value == nullptr && i < f->enum_type()->value_count();
           ++i) {
        if (ShortName(*f->enum_type()->value(i)) == upper) {
          value = f->enum_type()->value(i);
        }
      }
      int32_t number;
      if (value != nullptr) {
        number = value->number();
      } else if (!absl::SimpleAtoi(text, &number)) {
        return bad();
      }
      r->SetEnumValue(msg, f, number);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING:
      r->SetString(msg, f, std::string(text));
      break;
    default:
      return bad();
  }
  return absl::OkStatus();
}

// Whether `rest` opens with a parameter name and '='.
bool StartsWithName(absl::string_view rest) {
  size_t i = 0;
  while (i < rest.size() && (absl::ascii_isalnum(rest[i]) || rest[i] == '_')) {
    ++i;
  }
  return i > 0 && !absl::ascii_isdigit(rest[0]) && i < rest.size() &&
         rest[i] == '=';
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseParams(
    absl::string_view text) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!text.empty()) {
    size_t end = 0;
    while ((end = text.find(',', end)) != absl::string_view::npos &&
           !StartsWithName(text.substr(end + 1))) {
      ++end;
    }
    const absl::string_view piece = text.substr(0, end);
    const size_t eq = piece.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter '", piece, "' is not name=value"));
    }
    params.emplace_back(piece.substr(0, eq), piece.substr(eq + 1));
    text = end == absl::string_view::npos ? absl::string_view()
                                          : text.substr(end + 1);
  }
  return params;
}

absl::StatusOr<v1::Operation> MakeOperation(
    const v1::OperationInfo& info,
    absl::Span<const std::pair<std::string, std::string>> params) {
  v1::Operation op;
  op.set_op(info.op());
  if (params.empty()) return op;
  if (info.params_message().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("operation '", info.name(), "' takes no parameters"));
  }
  const FieldDescriptor* field =
      v1::Operation::descriptor()->FindFieldByName(info.params_message());
  if (field == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("server names params message '", info.params_message(),
                     "' which this client does not know"));
  }
  google::protobuf::Message* msg =
      op.GetReflection()->MutableMessage(&op, field);
  for (const auto& [name, value] : params) {
    const FieldDescriptor* f = msg->GetDescriptor()->FindFieldByName(name);
    if (f == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "operation '", info.name(), "' has no parameter '", name, "'"));
    }
    if (absl::Status s = SetField(msg, f, value); !s.ok()) return s;
  }
  return op;
}

}  // namespace geosrpc::client
