#include "server/exec/strips.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace geosrpc::exec {

StripOrder::StripOrder(const batch::BatchView& view,
                       const batch::GeometryLimits& limits,
                       absl::Span<const int64_t> group_keys)
    : view_(view),
      limits_(limits),
      group_keys_(group_keys),
      keys_(view.size(), std::numeric_limits<double>::infinity()) {}

void StripOrder::ComputeKeys(geos::Context& context, size_t begin, size_t end) {
  std::string scratch;
  for (size_t i = begin; i < end; ++i) {
    absl::StatusOr<batch::WkbInfo> info = batch::InspectRow(
        context, view_.encoding, view_.row(i), limits_, &scratch);
    if (info.ok() && info->min_x <= info->max_x) {
      keys_[i] = (info->min_x + info->max_x) / 2;
    }
  }
}

void StripOrder::Sort() {
  order_.resize(keys_.size());
  std::iota(order_.begin(), order_.end(), size_t{0});
  group_begins_ = {0};
  if (group_keys_.empty()) {
    std::stable_sort(order_.begin(), order_.end(),
                     [&](size_t x, size_t y) { return keys_[x] < keys_[y]; });
  } else {
    std::stable_sort(order_.begin(), order_.end(), [&](size_t x, size_t y) {
      if (group_keys_[x] != group_keys_[y]) {
        return group_keys_[x] < group_keys_[y];
      }
      return keys_[x] < keys_[y];
    });
    for (size_t i = 1; i < order_.size(); ++i) {
      if (group_keys_[order_[i]] != group_keys_[order_[i - 1]]) {
        group_begins_.push_back(i);
      }
    }
  }
  group_begins_.push_back(order_.size());
  keys_ = {};
}

size_t StripOrder::group_at(size_t i) const {
  return std::upper_bound(group_begins_.begin(), group_begins_.end(), i) -
         group_begins_.begin() - 1;
}

int64_t StripOrder::group_key(size_t g) const {
  return group_keys_.empty() ? 0 : group_keys_[order_[group_begins_[g]]];
}

batch::BatchView StripOrder::Gather(size_t begin, size_t end, std::string* data,
                                    std::vector<uint64_t>* offsets) const {
  data->clear();
  *offsets = {0};
  for (size_t i = begin; i < end; ++i) {
    const absl::string_view bytes = view_.row(order_[i]);
    data->append(bytes.data(), bytes.size());
    offsets->push_back(data->size());
  }
  return {view_.encoding, *data, *offsets};
}

std::string StripOrder::Describe(size_t begin, size_t end) const {
  std::vector<size_t> rows(order_.begin() + begin, order_.begin() + end);
  std::sort(rows.begin(), rows.end());
  constexpr size_t kShown = 8;
  std::string out = rows.size() == 1 ? "row " : "rows ";
  for (size_t i = 0; i < std::min(rows.size(), kShown); ++i) {
    absl::StrAppend(&out, i > 0 ? ", " : "", rows[i]);
  }
  if (rows.size() > kShown) {
    absl::StrAppend(&out, ", ... (", rows.size(), " rows)");
  }
  return out;
}

}  // namespace geosrpc::exec
