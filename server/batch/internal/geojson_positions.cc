#include "server/batch/internal/geojson_positions.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace geosrpc::batch::internal {
namespace {

// A JSON value found in the text: where it starts and ends.
struct Span {
  size_t begin = 0;
  size_t end = 0;
};

struct Member {
  std::string key;  // Unescaped, as GEOS's JSON parser reads it.
  Span value;
};

// Walks the JSON text as GEOS 3.11.1's GeoJSONReader reads it, looking only
// at the geometries it would read. Scalars are skipped leniently (any run
// of characters up to a delimiter): the walker never refuses JSON that
// GEOS's parser accepts, only structure it does not.
class Walker {
 public:
  explicit Walker(absl::string_view text) : text_(text) {}

  // GeoJSONReader::read: a Feature's geometry, a FeatureCollection's
  // features' geometries, or a geometry.
  absl::Status Top() {
    Span top;
    if (absl::Status s = Value(Ws(0), &top); !s.ok()) return s;
    if (text_[top.begin] != '{') return absl::OkStatus();
    std::vector<Member> members;
    if (absl::Status s = Members(top, &members); !s.ok()) return s;
    const Member* type = nullptr;
    if (absl::Status s = Find(members, "type", &type); !s.ok()) return s;
    const std::string kind = type ? StringValue(type->value) : "";
    if (kind == "Feature") return FeatureOf(members);
    if (kind != "FeatureCollection") return Geometry(top);
    const Member* features = nullptr;
    if (absl::Status s = Find(members, "features", &features); !s.ok()) {
      return s;
    }
    if (features == nullptr) return absl::OkStatus();
    std::vector<Span> elements;
    if (absl::Status s = Elements(features->value, &elements); !s.ok()) {
      return s;
    }
    for (const Span& feature : elements) {
      if (text_[feature.begin] != '{') continue;  // GEOS throws.
      std::vector<Member> feature_members;
      if (absl::Status s = Members(feature, &feature_members); !s.ok()) {
        return s;
      }
      if (absl::Status s = FeatureOf(feature_members); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error(size_t at, absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid GeoJSON: ", what, " at byte ", at));
  }

  size_t Ws(size_t pos) const {
    while (pos < text_.size() && (text_[pos] == ' ' || text_[pos] == '\t' ||
                                  text_[pos] == '\n' || text_[pos] == '\r')) {
      ++pos;
    }
    return pos;
  }

  static bool Delimiter(char c) {
    return c == ',' || c == ']' || c == '}' || c == ':' || c == ' ' ||
           c == '\t' || c == '\n' || c == '\r' || c == '[' || c == '{' ||
           c == '"';
  }

  // The string starting at `pos` ('"'), unescaped into `out` (if given);
  // its end in `end`.
  absl::Status String(size_t pos, std::string* out, size_t* end) const {
    for (size_t i = pos + 1; i < text_.size(); ++i) {
      const char c = text_[i];
      if (c == '"') {
        *end = i + 1;
        return absl::OkStatus();
      }
      if (c != '\\') {
        if (out) out->push_back(c);
        continue;
      }
      if (++i >= text_.size()) break;
      const char e = text_[i];
      if (e == 'u') {
        if (i + 4 >= text_.size()) break;
        uint32_t code = 0;
        for (int k = 1; k <= 4; ++k) {
          const char h = text_[i + k];
          const int v = h >= '0' && h <= '9'   ? h - '0'
                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                        : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                               : -1;
          if (v < 0) return Error(i, "bad \\u escape");
          code = code << 4 | v;
        }
        i += 4;
        // Only keys and type names are compared, all ASCII: any other code
        // point just has to differ from them.
        if (out) out->push_back(code < 0x80 ? static_cast<char>(code) : '\x80');
        continue;
      }
      const char* escapes = "\"\\/bfnrt";
      const char* decoded = "\"\\/\b\f\n\r\t";
      const char* hit = std::char_traits<char>::find(escapes, 8, e);
      if (hit == nullptr) return Error(i, "bad escape");
      if (out) out->push_back(decoded[hit - escapes]);
    }
    return Error(pos, "unterminated string");
  }

  // The value starting at `pos`.
  absl::Status Value(size_t pos, Span* span) const {
    if (pos >= text_.size()) return Error(pos, "expected a value");
    span->begin = pos;
    const char c = text_[pos];
    if (c == '"') return String(pos, nullptr, &span->end);
    if (c == '{' || c == '[') {
      // Balanced brackets (PrecheckGeoJson checked them outside strings).
      int depth = 0;
      for (size_t i = pos; i < text_.size(); ++i) {
        const char d = text_[i];
        if (d == '"') {
          size_t end;
          if (absl::Status s = String(i, nullptr, &end); !s.ok()) return s;
          i = end - 1;
        } else if (d == '{' || d == '[') {
          ++depth;
        } else if ((d == '}' || d == ']') && --depth == 0) {
          span->end = i + 1;
          return absl::OkStatus();
        }
      }
      return Error(pos, "unclosed bracket");
    }
    size_t end = pos;
    while (end < text_.size() && !Delimiter(text_[end])) ++end;
    if (end == pos) return Error(pos, "expected a value");
    span->end = end;
    return absl::OkStatus();
  }

  // The members of the object `object`.
  absl::Status Members(Span object, std::vector<Member>* out) const {
    size_t pos = Ws(object.begin + 1);
    if (pos < object.end && text_[pos] == '}') return absl::OkStatus();
    while (true) {
      if (pos >= object.end || text_[pos] != '"') {
        return Error(pos, "expected a key");
      }
      Member m;
      size_t end;
      if (absl::Status s = String(pos, &m.key, &end); !s.ok()) return s;
      pos = Ws(end);
      if (pos >= object.end || text_[pos] != ':') {
        return Error(pos, "expected ':'");
      }
      if (absl::Status s = Value(Ws(pos + 1), &m.value); !s.ok()) return s;
      pos = Ws(m.value.end);
      out->push_back(std::move(m));
      if (pos < object.end && text_[pos] == ',') {
        pos = Ws(pos + 1);
        continue;
      }
      if (pos < object.end && text_[pos] == '}') return absl::OkStatus();
      return Error(pos, "expected ',' or '}'");
    }
  }

  // The elements of `array`, or none if it is not an array.
  absl::Status Elements(Span array, std::vector<Span>* out) const {
    if (text_[array.begin] != '[') return absl::OkStatus();
    size_t pos = Ws(array.begin + 1);
    if (pos < array.end && text_[pos] == ']') return absl::OkStatus();
    while (true) {
      Span element;
      if (absl::Status s = Value(pos, &element); !s.ok()) return s;
      out->push_back(element);
      pos = Ws(element.end);
      if (pos < array.end && text_[pos] == ',') {
        pos = Ws(pos + 1);
        continue;
      }
      if (pos < array.end && text_[pos] == ']') return absl::OkStatus();
      return Error(pos, "expected ',' or ']'");
    }
  }

  // The member named `key` (null if none); a key given twice is refused,
  // since which one GEOS reads would be unclear.
  absl::Status Find(const std::vector<Member>& members, absl::string_view key,
                    const Member** found) const {
    *found = nullptr;
    for (const Member& m : members) {
      if (m.key != key) continue;
      if (*found != nullptr) {
        return Error(m.value.begin, absl::StrCat("\"", key, "\" given twice"));
      }
      *found = &m;
    }
    return absl::OkStatus();
  }

  // A string value, unescaped; empty for any other value.
  std::string StringValue(Span span) const {
    std::string out;
    size_t end;
    if (text_[span.begin] != '"' || !String(span.begin, &out, &end).ok()) {
      return "";
    }
    return out;
  }

  absl::Status FeatureOf(const std::vector<Member>& members) {
    const Member* geometry = nullptr;
    if (absl::Status s = Find(members, "geometry", &geometry); !s.ok()) {
      return s;
    }
    return geometry == nullptr ? absl::OkStatus() : Geometry(geometry->value);
  }

  // GeoJSONReader::readGeometry.
  absl::Status Geometry(Span span) {
    if (text_[span.begin] != '{') return absl::OkStatus();  // GEOS throws.
    std::vector<Member> members;
    if (absl::Status s = Members(span, &members); !s.ok()) return s;
    const Member* type = nullptr;
    const Member* coordinates = nullptr;
    const Member* geometries = nullptr;
    if (absl::Status s = Find(members, "type", &type); !s.ok()) return s;
    if (absl::Status s = Find(members, "coordinates", &coordinates); !s.ok()) {
      return s;
    }
    if (absl::Status s = Find(members, "geometries", &geometries); !s.ok()) {
      return s;
    }
    if (type == nullptr) return absl::OkStatus();
    const std::string kind = StringValue(type->value);
    if (kind == "GeometryCollection") {
      if (geometries == nullptr) return absl::OkStatus();
      std::vector<Span> elements;
      if (absl::Status s = Elements(geometries->value, &elements); !s.ok()) {
        return s;
      }
      for (const Span& e : elements) {
        if (absl::Status s = Geometry(e); !s.ok()) return s;
      }
      return absl::OkStatus();
    }
    // Arrays above the positions: a Point's coordinates are its position.
    int depth = -1;
    if (kind == "LineString" || kind == "MultiPoint") depth = 1;
    if (kind == "Polygon" || kind == "MultiLineString") depth = 2;
    if (kind == "MultiPolygon") depth = 3;
    if (depth < 0 || coordinates == nullptr) return absl::OkStatus();
    return Positions(coordinates->value, depth, kind);
  }

  // No empty position `depth` arrays down from `span`.
  absl::Status Positions(Span span, int depth, absl::string_view kind) const {
    if (text_[span.begin] != '[') return absl::OkStatus();  // GEOS throws.
    std::vector<Span> elements;
    if (absl::Status s = Elements(span, &elements); !s.ok()) return s;
    if (depth == 0) {
      if (elements.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "GeoJSON: empty position in a ", kind, " at byte ", span.begin));
      }
      return absl::OkStatus();
    }
    for (const Span& e : elements) {
      if (absl::Status s = Positions(e, depth - 1, kind); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  const absl::string_view text_;
};

}  // namespace

absl::Status CheckGeoJsonPositions(absl::string_view json) {
  return Walker(json).Top();
}

}  // namespace geosrpc::batch::internal
