#include "server/proj/context.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/ordinates.h"
#include "base/status_macros.h"

namespace geosrpc::proj {
namespace {

bool IsAuthorityChar(char c) {
  return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-';
}

// "EPSG:3857", "IGNF:LAMB93", "EPSG:4326+5773": an authority, a colon and a
// code, no spaces.
bool IsAuthorityCode(absl::string_view s) {
  const size_t colon = s.find(':');
  if (colon == 0 || colon == absl::string_view::npos || colon + 1 == s.size())
    return false;
  if (!absl::ascii_isalpha(s[0])) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i != colon && !IsAuthorityChar(s[i]) && !(i > colon && s[i] == '+'))
      return false;
  }
  return true;
}

// "PROJCRS[...", "GEOGCS [...": a keyword and an opening bracket.
bool IsWkt(absl::string_view s) {
  size_t i = 0;
  while (i < s.size() && (absl::ascii_isalnum(s[i]) || s[i] == '_')) ++i;
  if (i == 0 || !absl::ascii_isalpha(s[0])) return false;
  while (i < s.size() && absl::ascii_isspace(s[i])) ++i;
  return i < s.size() && (s[i] == '[' || s[i] == '(');
}

bool IsProjString(absl::string_view s) {
  return absl::StartsWith(s, "+") || absl::StartsWith(s, "proj=") ||
         absl::StartsWith(s, "init=");
}

// Whether `s` points PROJ at a file of its choosing: an init file
// ("+init=epsg:4326", legacy; "EPSG:4326" says the same), or a path where a
// grid's name belongs ("+nadgrids=/dev/stdin", "@./x", a WKT PARAMETERFILE
// "/x"). A request must not make the server open (or block reading) any
// file it names.
bool NamesAFile(absl::string_view s) {
  if (absl::StrContains(s, "init=")) return true;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    const char c = s[i];
    if (c != '=' && c != ',' && c != '@' && c != '"') continue;
    absl::string_view rest = s.substr(i + 1);
    absl::ConsumePrefix(&rest, "@");
    if (absl::StartsWith(rest, "/") || absl::StartsWith(rest, "./") ||
        absl::StartsWith(rest, "../") || absl::StartsWith(rest, "~")) {
      return true;
    }
  }
  return false;
}

// OK if `text` has one of the forms CreateCrs passes to PROJ.
absl::Status CheckForm(absl::string_view text) {
  if (text.size() > kMaxCrsLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a CRS of ", text.size(), " characters; at most ", kMaxCrsLength));
  }
  if (text.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError("a CRS may not contain NUL characters");
  }
  const absl::string_view s = absl::StripLeadingAsciiWhitespace(text);
  if (s.empty()) return absl::InvalidArgumentError("empty CRS");
  if (NamesAFile(s)) {
    return absl::InvalidArgumentError(
        "a CRS may not name a file (PROJ would open it on the server: "
        "+init=, a path in +nadgrids= or a WKT/PROJJSON file parameter); "
        "grids are found by name among PROJ's data files");
  }
  if (IsProjString(s) || s[0] == '{' || IsWkt(s) || IsAuthorityCode(s) ||
      absl::StartsWithIgnoreCase(s, "urn:") ||
      absl::StartsWithIgnoreCase(s, "http://www.opengis.net/") ||
      absl::StartsWithIgnoreCase(s, "https://www.opengis.net/")) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", ShortCrs(text),
      "\" is not AUTH:CODE (EPSG:4326), a PROJ string, WKT, PROJJSON or an "
      "OGC URN; CRS names are not looked up (a name search scans PROJ's "
      "whole database and matches loosely)"));
}

bool IsGeographicType(PJ_TYPE type) {
  return type == PJ_TYPE_GEOGRAPHIC_CRS || type == PJ_TYPE_GEOGRAPHIC_2D_CRS ||
         type == PJ_TYPE_GEOGRAPHIC_3D_CRS;
}

}  // namespace

std::string ShortCrs(absl::string_view text) {
  constexpr size_t kMax = 60;
  if (text.size() <= kMax) return absl::CHexEscape(text);
  return absl::StrCat(absl::CHexEscape(text.substr(0, kMax - 3)), "...");
}

Context::Context() : Context(Options()) {}

Context::Context(const Options& options)
    : options_(options), handle_(proj_context_create()) {
  proj_log_func(handle(), this, &Context::OnLog);
  proj_log_level(handle(), PJ_LOG_ERROR);
  // No network: a missing grid is never fetched (a worker must not wait on
  // a CDN), and nothing is written to a grid cache on disk.
  proj_context_set_enable_network(handle(), 0);
  proj_grid_cache_set_enable(handle(), 0);
}

void Context::OnLog(void* self, int level, const char* message) {
  if (level > PJ_LOG_ERROR || message == nullptr) return;
  static_cast<Context*>(self)->last_error_ = message;
}

absl::Status Context::Error(absl::StatusCode code, absl::string_view what) {
  absl::string_view reason = last_error_;
  // "proj_create: crs not found" -> "crs not found".
  if (absl::StartsWith(reason, "proj_")) {
    const size_t colon = reason.find(": ");
    if (colon != absl::string_view::npos) reason.remove_prefix(colon + 2);
  }
  std::string message = reason.empty()
                            ? absl::StrCat(what, ": PROJ reported an error")
                            : absl::StrCat(what, ": ", reason);
  last_error_.clear();
  return absl::Status(code, message);
}

absl::StatusOr<PjPtr> Context::CreateCrs(absl::string_view text) {
  RETURN_IF_ERROR(CheckForm(text));
  std::string input(text);
  // As proj_create_crs_to_crs does: a PROJ string names a CRS here.
  if (IsProjString(absl::StripLeadingAsciiWhitespace(text)) &&
      !absl::StrContains(text, "type=crs")) {
    absl::StrAppend(&input, " +type=crs");
  }
  last_error_.clear();
  PjPtr crs = Own(proj_create(handle(), input.c_str()));
  if (crs == nullptr) {
    return Error(absl::StatusCode::kInvalidArgument,
                 absl::StrCat("PROJ cannot read \"", ShortCrs(text), "\""));
  }
  if (!proj_is_crs(crs.get())) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", ShortCrs(text),
                     "\" is not a CRS (PROJ reads it as a coordinate "
                     "operation or another object)"));
  }
  return crs;
}

absl::StatusOr<std::unique_ptr<Transformation>> Context::CreateTransformation(
    const std::string& from, const std::string& to, bool always_xy) {
  ASSIGN_OR_RETURN(PjPtr source, CreateCrs(from));
  ASSIGN_OR_RETURN(PjPtr target, CreateCrs(to));
  auto t = std::make_unique<Transformation>();
  t->label = absl::StrCat(ShortCrs(from), " -> ", ShortCrs(to));
  last_error_.clear();
  t->op = Own(proj_create_crs_to_crs_from_pj(handle(), source.get(),
                                             target.get(), nullptr, nullptr));
  if (t->op == nullptr) {
    return Error(absl::StatusCode::kInvalidArgument,
                 absl::StrCat("PROJ finds no transformation ", t->label));
  }
  if (always_xy) {
    PjPtr normalized =
        Own(proj_normalize_for_visualization(handle(), t->op.get()));
    if (normalized == nullptr) {
      return Error(absl::StatusCode::kInvalidArgument,
                   absl::StrCat("PROJ cannot put ", t->label,
                                " in longitude/latitude, easting/northing "
                                "order (always_xy)"));
    }
    t->op = std::move(normalized);
  }
  const char* authority = proj_get_id_auth_name(target.get(), 0);
  const char* code = proj_get_id_code(target.get(), 0);
  if (authority != nullptr && code != nullptr &&
      std::strcmp(authority, "EPSG") == 0) {
    // Codes are digits; anything else leaves 0.
    char* end = nullptr;
    const long srid = std::strtol(code, &end, 10);
    if (*end == '\0' && srid > 0 && srid <= INT32_MAX) t->target_srid = srid;
  }
  return t;
}

absl::StatusOr<const Transformation*> Context::FindTransformation(
    const std::string& from, const std::string& to, bool always_xy) {
  // Rows of a request ask for the same pair again and again: compare with
  // the last one used before building a key.
  if (lru_.empty() || lru_.front().always_xy != always_xy ||
      lru_.front().from != from || lru_.front().to != to) {
    // The length prefix keeps keys unambiguous whatever the texts hold.
    std::string key = absl::StrCat(from.size(), ":", from, to, always_xy);
    if (auto hit = index_.find(key); hit != index_.end()) {
      lru_.splice(lru_.begin(), lru_, hit->second);
    } else {
      ++created_;
      lru_.push_front(
          {.key = std::move(key),
           .from = from,
           .to = to,
           .always_xy = always_xy,
           .transformation = CreateTransformation(from, to, always_xy)});
      index_.emplace(lru_.front().key, lru_.begin());
      if (lru_.size() > std::max<size_t>(options_.max_transformations, 1)) {
        index_.erase(lru_.back().key);
        lru_.pop_back();
      }
    }
  }
  const Entry& entry = lru_.front();
  if (!entry.transformation.ok()) return entry.transformation.status();
  return entry.transformation->get();
}

absl::Status Context::Transform(const Transformation& t, const double* in,
                                double* out, size_t n, int dims) {
  if (n == 0) return absl::OkStatus();
  if (out != in) std::memcpy(out, in, n * dims * sizeof(double));
  PJ* op = t.op.get();
  proj_errno_reset(op);
  last_error_.clear();
  const size_t stride = dims * sizeof(double);
  double* z = dims >= 3 ? out + 2 : nullptr;
  proj_trans_generic(op, PJ_FWD, out, stride, n, out + 1, stride, n, z,
                     z != nullptr ? stride : 0, z != nullptr ? n : 0, nullptr,
                     0, 0);
  // Every ordinate finite (the common case) is one pass; otherwise the
  // first coordinate that is not is found and named.
  const bool all_finite =
      AllWithin(out, n * dims, std::numeric_limits<double>::max());
  for (size_t i = 0; !all_finite && i < n; ++i) {
    const double* c = out + i * dims;
    bool finite = std::isfinite(c[0]) && std::isfinite(c[1]);
    if (dims >= 3) finite = finite && std::isfinite(c[2]);
    if (finite) continue;
    const int err = proj_errno(op);
    if (last_error_.empty() && err != 0) {
      last_error_ = proj_context_errno_string(handle(), err);
    }
    if (last_error_.empty()) last_error_ = "no finite result";
    if (out == in) {
      return Error(
          absl::StatusCode::kInvalidArgument,
          absl::StrCat("cannot transform coordinate ", i, " ", t.label));
    }
    const double* from = in + i * dims;
    return Error(absl::StatusCode::kInvalidArgument,
                 absl::StrCat("cannot transform (", from[0], " ", from[1],
                              dims >= 3 ? absl::StrCat(" ", from[2]) : "", ") ",
                              t.label));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Context::IsGeographic(int srid) {
  auto it = geographic_.find(srid);
  if (it == geographic_.end()) {
    // SRIDs in use are few; a client cycling through many only costs
    // lookups.
    if (geographic_.size() >= 1024) geographic_.clear();
    absl::StatusOr<PjPtr> crs = CreateCrs(absl::StrCat("EPSG:", srid));
    it = geographic_
             .emplace(
                 srid,
                 std::make_pair(
                     crs.status(),
                     crs.ok() && IsGeographicType(proj_get_type(crs->get()))))
             .first;
  }
  if (!it->second.first.ok()) return it->second.first;
  return it->second.second;
}

}  // namespace geosrpc::proj
