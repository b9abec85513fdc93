#include "base/input/geojson.h"

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace geosrpc::input {
namespace {

// Far deeper than any GeoJSON nests (the server refuses much less); it
// bounds the scanner's recursion on hostile input.
constexpr int kMaxDepth = 512;

// What the top-level object says about itself.
struct TopLevelMembers {
  absl::string_view type;  // Raw, between the quotes.
  // The elements of "features", when it is an array.
  std::optional<std::vector<absl::string_view>> features;
};

// A recursive-descent walk over JSON that checks its syntax and notes where
// the values of interest start and end.
class Scanner {
 public:
  Scanner(absl::string_view text, size_t pos) : text_(text), pos_(pos) {}

  bool AtEnd() const { return pos_ >= text_.size(); }

  // Skips JSON whitespace and, between top-level values, RFC 8142 record
  // separators.
  void SkipSpace(bool record_separators) {
    while (!AtEnd()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r' &&
          !(record_separators && c == '\x1e')) {
        return;
      }
      ++pos_;
    }
  }

  // The top-level object at the current position: appends its rows.
  absl::Status TopLevel(std::vector<absl::string_view>* rows) {
    const size_t begin = pos_;
    if (Peek() != '{') return Error("expected a GeoJSON object");
    TopLevelMembers members;
    RETURN_IF_ERROR(Object(1, &members));
    if (members.type != "FeatureCollection") {
      rows->push_back(text_.substr(begin, pos_ - begin));
      return absl::OkStatus();
    }
    if (!members.features.has_value()) {
      return Error("FeatureCollection without a \"features\" array", begin);
    }
    rows->insert(rows->end(), members.features->begin(),
                 members.features->end());
    return absl::OkStatus();
  }

 private:
  // The current byte, or '\0' at the end (callers that must tell a NUL
  // byte from the end check AtEnd()).
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  absl::Status Error(absl::string_view what, size_t at) const {
    return absl::InvalidArgumentError(
        absl::StrCat("GeoJSON: ", what, " at byte ", at));
  }
  absl::Status Error(absl::string_view what) const { return Error(what, pos_); }

  // Any value, `depth` levels deep.
  absl::Status Value(int depth) {
    if (AtEnd()) return Error("unexpected end of input");
    const char c = text_[pos_];
    switch (c) {
      case '{':
        return Object(depth + 1, nullptr);
      case '[':
        return Array(depth + 1, nullptr);
      case '"':
        return String(nullptr);
      case 't':
      case 'f':
      case 'n':
        return Literal();
      default:
        if (c == '-' || absl::ascii_isdigit(static_cast<unsigned char>(c))) {
          return Number();
        }
        return Error(absl::StrCat("unexpected character '",
                                  absl::CHexEscape(std::string(1, c)), "'"));
    }
  }

  // An object `depth` levels deep; for the top-level one, `members` notes
  // its "type" and "features".
  absl::Status Object(int depth, TopLevelMembers* members) {
    if (depth > kMaxDepth) {
      return Error(absl::StrCat("nested deeper than ", kMaxDepth, " levels"));
    }
    ++pos_;  // '{'
    SkipSpace(false);
    if (Peek() == '}') {
      ++pos_;
      return absl::OkStatus();
    }
    for (;;) {
      SkipSpace(false);
      if (Peek() != '"' || AtEnd()) return Error("expected a string key");
      absl::string_view key;
      RETURN_IF_ERROR(String(&key));
      SkipSpace(false);
      if (Peek() != ':' || AtEnd()) return Error("expected ':'");
      ++pos_;
      SkipSpace(false);
      if (members != nullptr && key == "type" && Peek() == '"') {
        RETURN_IF_ERROR(String(&members->type));
      } else if (members != nullptr && key == "features" && Peek() == '[') {
        members->features.emplace();
        RETURN_IF_ERROR(Array(depth + 1, &*members->features));
      } else {
        RETURN_IF_ERROR(Value(depth));
      }
      SkipSpace(false);
      if (AtEnd()) return Error("unclosed object: expected ',' or '}'");
      const char c = text_[pos_++];
      if (c == '}') return absl::OkStatus();
      if (c != ',') return Error("expected ',' or '}'", pos_ - 1);
    }
  }

  // An array `depth` levels deep; `elements`, if given, receives each
  // element's text.
  absl::Status Array(int depth, std::vector<absl::string_view>* elements) {
    if (depth > kMaxDepth) {
      return Error(absl::StrCat("nested deeper than ", kMaxDepth, " levels"));
    }
    ++pos_;  // '['
    SkipSpace(false);
    if (Peek() == ']') {
      ++pos_;
      return absl::OkStatus();
    }
    for (;;) {
      SkipSpace(false);
      const size_t begin = pos_;
      RETURN_IF_ERROR(Value(depth));
      if (elements != nullptr) {
        elements->push_back(text_.substr(begin, pos_ - begin));
      }
      SkipSpace(false);
      if (AtEnd()) return Error("unclosed array: expected ',' or ']'");
      const char c = text_[pos_++];
      if (c == ']') return absl::OkStatus();
      if (c != ',') return Error("expected ',' or ']'", pos_ - 1);
    }
  }

  // A string; `contents`, if given, receives its raw text between the
  // quotes (escapes left as written).
  absl::Status String(absl::string_view* contents) {
    const size_t begin = pos_++;  // '"'
    while (!AtEnd()) {
      const unsigned char c = text_[pos_];
      if (c == '"') {
        if (contents != nullptr) {
          *contents = text_.substr(begin + 1, pos_ - begin - 1);
        }
        ++pos_;
        return absl::OkStatus();
      }
      if (c < 0x20) {
        return Error("unescaped control character in a string");
      }
      if (c != '\\') {
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= text_.size()) break;
      const char e = text_[pos_ + 1];
      if (e == 'u') {
        for (size_t i = pos_ + 2; i < pos_ + 6; ++i) {
          if (i >= text_.size() ||
              !absl::ascii_isxdigit(static_cast<unsigned char>(text_[i]))) {
            return Error("\\u needs four hex digits");
          }
        }
        pos_ += 6;
      } else if (absl::StrContains("\"\\/bfnrt", e) && e != '\0') {
        pos_ += 2;
      } else {
        return Error(absl::StrCat("invalid escape '\\",
                                  absl::CHexEscape(std::string(1, e)), "'"));
      }
    }
    return Error("unterminated string", begin);
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  absl::Status Number() {
    const size_t begin = pos_;
    auto digits = [this] {
      const size_t from = pos_;
      while (absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
      return pos_ - from;
    };
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
    } else if (digits() == 0) {
      return Error("invalid number", begin);
    }
    if (Peek() == '.') {
      ++pos_;
      if (digits() == 0) return Error("invalid number", begin);
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (digits() == 0) return Error("invalid number", begin);
    }
    return absl::OkStatus();
  }

  absl::Status Literal() {
    for (absl::string_view word : {"true", "false", "null"}) {
      if (absl::StartsWith(text_.substr(pos_), word)) {
        pos_ += word.size();
        return absl::OkStatus();
      }
    }
    return Error("invalid literal (true, false or null)");
  }

  const absl::string_view text_;
  size_t pos_;
};

}  // namespace

absl::StatusOr<std::vector<absl::string_view>> SplitGeoJson(
    absl::string_view text) {
  // Some editors start UTF-8 files with a byte order mark; it is not JSON.
  Scanner scanner(text, absl::StartsWith(text, "\xEF\xBB\xBF") ? 3 : 0);
  std::vector<absl::string_view> rows;
  scanner.SkipSpace(true);
  while (!scanner.AtEnd()) {
    RETURN_IF_ERROR(scanner.TopLevel(&rows));
    scanner.SkipSpace(true);
  }
  return rows;
}

}  // namespace geosrpc::input
