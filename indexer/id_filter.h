// IdFilter: which document ids a search may return (filtered queries, e.g.
// "suppliers serving this province"). Implementations must be thread-safe
// for concurrent const calls; a search never keeps the pointer.
#pragma once

#include <cstdint>
#include <unordered_set>
#include <utility>

namespace ketnoi::indexer {

class IdFilter {
 public:
  virtual ~IdFilter() = default;
  virtual bool Allows(int64_t id) const = 0;
};

// Allows exactly the ids in a set (or, with exclude, every id but those).
class IdSetFilter : public IdFilter {
 public:
  explicit IdSetFilter(std::unordered_set<int64_t> ids, bool exclude = false)
      : ids_(std::move(ids)), exclude_(exclude) {}
  bool Allows(int64_t id) const override { return (ids_.count(id) != 0) != exclude_; }

 private:
  std::unordered_set<int64_t> ids_;
  bool exclude_;
};

}  // namespace ketnoi::indexer
