// ValueChainGraph: bulk builds, from the store or from records in memory.
//
// Build(store) scans the store's raw records in batches and decodes them,
// infers their stages and keeps only what the graph holds (Prepared) on
// `build_threads` threads, so the decoded records never all sit in memory;
// then Assemble inserts the entities and links in key order, as the store's
// ForEach* would have given them.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include "engine/codec.h"
#include "engine/graph_internal.h"
#include "engine/store.h"

namespace ketnoi::engine {

using graph_internal::Prepared;
using graph_internal::State;

namespace {

using Clock = std::chrono::steady_clock;

// The JSON depth Store::ForEach* allows its stored records.
constexpr int kStoredDepth = 64;
// Records decoded per batch: large enough to amortise starting threads,
// small enough that the raw batch stays a few MiB.
constexpr size_t kBatch = 4096;

size_t ThreadCount(int requested) { return std::max(1, std::min(requested, 16)); }

// Copies what a record keeps into memory allocated by the calling thread.
// Records prepared on a helper thread come from that thread's malloc arena,
// where they would sit among the freed decoding garbage: an arena that
// cannot shrink (measured at 1M entities: 2.1 GB peak on 2 threads against
// 0.7 GB on one). Re-homed on the building thread, the helper's arena is
// entirely free again after each batch.
void Rehome(Prepared* p) {
  p->id = std::string(p->id);
  p->name = std::string(p->name);
  p->serves = std::vector<uint16_t>(p->serves);
  p->stages = std::vector<StageAssignment>(p->stages);
}
void Rehome(Link* l) {
  l->from = std::string(l->from);
  l->to = std::string(l->to);
  l->extra_json = std::string(l->extra_json);
}

// Runs fn(begin, end) over [0, n) cut into `threads` contiguous slices,
// the calling thread taking the first. Returns the end of the calling
// thread's slice (n when it ran alone).
template <typename Fn>
size_t ParallelSlices(size_t n, size_t threads, const Fn& fn) {
  if (threads <= 1 || n < 64) {
    fn(size_t{0}, n);
    return n;
  }
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) {
    pool.emplace_back([&, t] { fn(n * t / threads, n * (t + 1) / threads); });
  }
  fn(size_t{0}, n / threads);
  for (auto& th : pool) th.join();
  return n / threads;
}

// Scans `family` in key order; `convert(value, &out)` decodes one raw
// record into `out` (returning its status) on the build threads; results
// are appended to *out in key order. The first bad record (in key order)
// is a Corruption naming its key, as Store::ForEach* reports it.
template <typename Out, typename Convert>
Status ScanParallel(const Store& store, Family family, size_t threads, const Convert& convert,
                    std::vector<Out>* out) {
  std::vector<std::string> keys, values;
  keys.reserve(kBatch);
  values.reserve(kBatch);
  Status failed;
  auto flush = [&] {
    const size_t base = out->size(), n = values.size();
    out->resize(base + n);
    std::mutex mu;
    size_t first_bad = n;
    Status bad;
    const size_t mine = ParallelSlices(n, threads, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        Status s = convert(values[i], &(*out)[base + i]);
        if (!s.ok()) {
          std::lock_guard lock(mu);
          if (i < first_bad) {
            first_bad = i;
            bad = s;
          }
          return;
        }
      }
    });
    if (first_bad < n) {
      failed = Corruption("record '" + keys[first_bad] + "': " + bad.message());
    }
    for (size_t i = mine; i < n; ++i) Rehome(&(*out)[base + i]);
    keys.clear();
    values.clear();
  };
  Status s = store.ScanRaw(family, "", "", [&](std::string_view key, std::string_view value) {
    keys.emplace_back(key);
    values.emplace_back(value);
    if (values.size() == kBatch) flush();
    return failed.ok();
  });
  if (s.ok() && failed.ok() && !values.empty()) flush();
  if (!failed.ok()) return failed;
  return s;
}

}  // namespace

Status ValueChainGraph::Build(const Store& store) {
  const auto start = Clock::now();
  const size_t threads = ThreadCount(rep_->options.build_threads);
  const Rep& rep = *rep_;
  std::vector<Prepared> prepared;
  std::vector<Link> links;
  // One record kind decoded by `decode` and prepared for the graph.
  auto prepare = [&rep](auto decode) {
    return [&rep, decode](std::string_view v, Prepared* p) -> Status {
      auto r = decode(v, JsonForm::kStored, kStoredDepth);
      if (!r.ok()) return r.status();
      *p = rep.Prepare(*r);
      return Status::OK();
    };
  };
  Status s = ScanParallel(store, Family::kFacilities, threads, prepare(DecodeFacility), &prepared);
  if (s.ok()) {
    s = ScanParallel(store, Family::kSuppliers, threads, prepare(DecodeSupplier), &prepared);
  }
  if (s.ok()) {
    s = ScanParallel(store, Family::kExperts, threads, prepare(DecodeExpert), &prepared);
  }
  if (s.ok()) {
    s = ScanParallel(
        store, Family::kLinks, threads,
        [&](std::string_view v, Link* l) {
          auto r = DecodeLink(v, kStoredDepth);
          if (!r.ok()) return r.status();
          *l = std::move(*r);
          return Status::OK();
        },
        &links);
  }
  if (!s.ok()) return s.WithPrefix("graph build");
  rep_->Assemble(std::move(prepared), links, start);
  return Status::OK();
}

void ValueChainGraph::BuildFromRecords(const std::vector<Facility>& facilities,
                                       const std::vector<Supplier>& suppliers,
                                       const std::vector<Expert>& experts,
                                       const std::vector<Link>& links) {
  const auto start = Clock::now();
  const size_t total = facilities.size() + suppliers.size() + experts.size();
  std::vector<Prepared> prepared(total);
  const size_t threads = total < 1000 ? 1 : ThreadCount(rep_->options.build_threads);
  const size_t mine = ParallelSlices(total, threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      if (i < facilities.size()) {
        prepared[i] = rep_->Prepare(facilities[i]);
      } else if (i < facilities.size() + suppliers.size()) {
        prepared[i] = rep_->Prepare(suppliers[i - facilities.size()]);
      } else {
        prepared[i] = rep_->Prepare(experts[i - facilities.size() - suppliers.size()]);
      }
    }
  });
  for (size_t i = mine; i < total; ++i) Rehome(&prepared[i]);
  rep_->Assemble(std::move(prepared), links, start);
}

void ValueChainGraph::Rep::Assemble(std::vector<Prepared> prepared, const std::vector<Link>& links,
                                    std::chrono::steady_clock::time_point start) {
  auto st = std::make_unique<State>();
  InitState(st.get());
  st->info.reserve(catalog->stage_count() + prepared.size());
  st->by_id.reserve(prepared.size());
  for (Prepared& p : prepared) PutEntity(st.get(), std::move(p));
  prepared.clear();
  prepared.shrink_to_fit();
  // Links are unique per (from, type, to) in the store; sort by key to
  // collapse duplicates from other sources, then insert without checks.
  std::vector<uint32_t> order(links.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  auto key = [&](uint32_t i) { return std::tie(links[i].from, links[i].type, links[i].to); };
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
  for (size_t k = 0; k < order.size(); ++k) {
    if (k > 0 && key(order[k]) == key(order[k - 1])) continue;
    PutLink(st.get(), links[order[k]], /*check_duplicate=*/false);
  }
  st->build_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::unique_lock lock(mu);
  state.swap(st);
  lock.unlock();
  // The old graph is freed outside the lock.
}

}  // namespace ketnoi::engine
