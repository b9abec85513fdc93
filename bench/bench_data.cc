#include "bench/bench_data.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace geosrpc::bench {
namespace {

// A double in [0, 1) from the generator's top 53 bits: the same on every
// standard library, unlike std::uniform_real_distribution.
double Unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

void AppendLittleEndian(uint64_t bits, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) {
    out->push_back(static_cast<char>(bits >> (8 * i)));
  }
}

void AppendDouble(double v, std::string* out) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  AppendLittleEndian(bits, 8, out);
}

// Reads WKB from `in` at `*pos`, adding XySum of its coordinates to *sum.
bool WalkWkb(absl::string_view in, size_t* pos, int depth, uint64_t* sum) {
  if (depth > 32 || *pos >= in.size()) return false;
  const bool little = in[*pos] == 1;
  ++*pos;
  const auto u32 = [&](uint32_t* v) {
    if (in.size() - *pos < 4) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i) {
      const uint32_t byte = static_cast<unsigned char>(in[*pos + i]);
      *v |= byte << (8 * (little ? i : 3 - i));
    }
    *pos += 4;
    return true;
  };
  const auto f64 = [&](double* v) {
    if (in.size() - *pos < 8) return false;
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) {
      const uint64_t byte = static_cast<unsigned char>(in[*pos + i]);
      bits |= byte << (8 * (little ? i : 7 - i));
    }
    std::memcpy(v, &bits, sizeof bits);
    *pos += 8;
    return true;
  };
  // n coordinates of `dims` ordinates; x and y go into the sum.
  const auto coords = [&](uint32_t n, int dims) {
    for (uint32_t i = 0; i < n; ++i) {
      double xy[4];
      for (int d = 0; d < dims; ++d) {
        if (!f64(&xy[d])) return false;
      }
      *sum += XySum(xy[0], xy[1]);
    }
    return true;
  };
  uint32_t type = 0, n = 0, srid = 0;
  if (!u32(&type)) return false;
  int dims = 2 + ((type & 0x80000000u) != 0) + ((type & 0x40000000u) != 0);
  if ((type & 0x20000000u) != 0 && !u32(&srid)) return false;
  type &= 0x0fffffffu;
  if (type >= 1000) {  // ISO: 1000 Z, 2000 M, 3000 ZM.
    dims = 2 + (type / 1000 == 3 ? 2 : 1);
    type %= 1000;
  }
  switch (type) {
    case 1:
      return coords(1, dims);
    case 2:
      return u32(&n) && coords(n, dims);
    case 3:
      if (!u32(&n)) return false;
      for (uint32_t i = 0, size; i < n; ++i) {
        if (!u32(&size) || !coords(size, dims)) return false;
      }
      return true;
    case 4:
    case 5:
    case 6:
    case 7:
      if (!u32(&n)) return false;
      for (uint32_t i = 0; i < n; ++i) {
        if (!WalkWkb(in, pos, depth + 1, sum)) return false;
      }
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::StatusOr<Bounds> ParseBounds(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, ',');
  Bounds b;
  if (parts.size() != 4 ||
      !absl::SimpleAtod(absl::StripAsciiWhitespace(parts[0]), &b.xmin) ||
      !absl::SimpleAtod(absl::StripAsciiWhitespace(parts[1]), &b.ymin) ||
      !absl::SimpleAtod(absl::StripAsciiWhitespace(parts[2]), &b.xmax) ||
      !absl::SimpleAtod(absl::StripAsciiWhitespace(parts[3]), &b.ymax) ||
      !(b.xmin < b.xmax) || !(b.ymin < b.ymax)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bounds must be xmin,ymin,xmax,ymax, got '", text, "'"));
  }
  return b;
}

WkbRows RandomPoints(size_t n, const Bounds& bounds, uint64_t seed) {
  std::mt19937_64 rng(seed);
  WkbRows rows;
  rows.data.reserve(n * 21);
  rows.offsets.reserve(n + 1);
  for (size_t i = 0; i < n; ++i) {
    const double x = bounds.xmin + Unit(rng) * (bounds.xmax - bounds.xmin);
    const double y = bounds.ymin + Unit(rng) * (bounds.ymax - bounds.ymin);
    rows.data.push_back(1);                // Little-endian.
    AppendLittleEndian(1, 4, &rows.data);  // Point.
    AppendDouble(x, &rows.data);
    AppendDouble(y, &rows.data);
    rows.offsets.push_back(rows.data.size());
  }
  return rows;
}

absl::StatusOr<std::vector<double>> PointCoordinates(const WkbRows& rows) {
  std::vector<double> xy(2 * rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const absl::string_view row = rows.row(i);
    if (row.size() != 21 || row[0] != 1 ||
        row.substr(1, 4) != absl::string_view("\x01\0\0\0", 4)) {
      return absl::InvalidArgumentError(
          absl::StrCat("row ", i, " is not a little-endian 2D WKB point"));
    }
    std::memcpy(&xy[2 * i], row.data() + 5, 2 * sizeof(double));
  }
  return xy;
}

bool AddWkbXySum(absl::string_view wkb, uint64_t* sum) {
  size_t pos = 0;
  return WalkWkb(wkb, &pos, 0, sum) && pos == wkb.size();
}

absl::StatusOr<WkbRows> ReadHexWkbLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  WkbRows rows;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    const absl::string_view hex = absl::StripAsciiWhitespace(line);
    if (hex.empty()) continue;
    if (hex.size() % 2 != 0 ||
        hex.find_first_not_of("0123456789abcdefABCDEF") != hex.npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": not hex WKB"));
    }
    rows.Add(absl::HexStringToBytes(hex));
  }
  return rows;
}

absl::Status WriteCopyFile(const WkbRows& rows, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string line =
        absl::StrCat(i, "\t", absl::BytesToHexString(rows.row(i)), "\n");
    std::fwrite(line.data(), 1, line.size(), f);
  }
  if (std::fclose(f) != 0) {
    return absl::DataLossError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

Team::Team(int threads) {
  for (int t = 0; t < threads; ++t)
    threads_.emplace_back([this, t] { Loop(t); });
}

Team::~Team() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  start_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void Team::Run(const std::function<void(int)>& work) {
  std::unique_lock<std::mutex> lock(mu_);
  work_ = &work;
  running_ = static_cast<int>(threads_.size());
  ++generation_;
  start_.notify_all();
  done_.wait(lock, [this] { return running_ == 0; });
  work_ = nullptr;
}

void Team::Loop(int t) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(int)>* work;
    {
      std::unique_lock<std::mutex> lock(mu_);
      start_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      work = work_;
    }
    (*work)(t);
    std::lock_guard<std::mutex> lock(mu_);
    if (--running_ == 0) done_.notify_one();
  }
}

double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

absl::StatusOr<double> CpuSecondsOf(int pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/stat");
  std::ifstream in(path);
  std::string stat;
  if (!in || !std::getline(in, stat)) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  // Fields after the command (which may hold spaces) in parentheses:
  // state is field 3, utime and stime fields 14 and 15.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 && !absl::SimpleAtod(field, &utime)) break;
    if (i == 15 && absl::SimpleAtod(field, &stime)) {
      return (utime + stime) / sysconf(_SC_CLK_TCK);
    }
  }
  return absl::DataLossError(absl::StrCat("cannot parse ", path));
}

}  // namespace geosrpc::bench
