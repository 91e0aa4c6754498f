#include "api/metrics.h"

#include <array>
#include <atomic>
#include <charconv>

namespace ketnoi::api {
namespace {

// Upper bounds of the latency buckets, seconds; +Inf is implicit.
constexpr std::array<double, 13> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1,     2.5,   5};
constexpr int kMinStatus = 100;
constexpr int kMaxStatus = 599;

// Shortest text that reads back as `v` ("0.0025", not "0.0025000000000000001").
std::string FormatDouble(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
}

}  // namespace

struct Metrics::RouteStats {
  std::array<std::atomic<uint64_t>, kMaxStatus - kMinStatus + 1> by_status{};
  std::array<std::atomic<uint64_t>, kBuckets.size()> buckets{};  // non-cumulative
  std::atomic<uint64_t> count{0};
  std::atomic<uint64_t> sum_ns{0};
};

Metrics::Metrics(std::vector<std::string> route_labels)
    : labels_(std::move(route_labels)), stats_(new RouteStats[labels_.size() + 1]) {
  labels_.push_back("unmatched");
}

Metrics::~Metrics() = default;

void Metrics::Record(size_t route, int http_status, double seconds) {
  if (route >= labels_.size()) route = labels_.size() - 1;
  if (http_status < kMinStatus || http_status > kMaxStatus) http_status = 500;
  RouteStats& s = stats_[route];
  s.by_status[http_status - kMinStatus].fetch_add(1, std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
  if (seconds < 0) seconds = 0;
  s.sum_ns.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
  for (size_t b = 0; b < kBuckets.size(); ++b) {
    if (seconds <= kBuckets[b]) {
      s.buckets[b].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
}

uint64_t Metrics::Count(size_t route, int http_status) const {
  if (route >= labels_.size() || http_status < kMinStatus || http_status > kMaxStatus) return 0;
  return stats_[route].by_status[http_status - kMinStatus].load(std::memory_order_relaxed);
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Metrics::Render(const std::vector<Gauge>& gauges) const {
  std::string out;
  out += "# HELP ketnoi_http_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE ketnoi_http_requests_total counter\n";
  for (size_t r = 0; r < labels_.size(); ++r) {
    std::string route = EscapeLabelValue(labels_[r]);
    for (int st = kMinStatus; st <= kMaxStatus; ++st) {
      uint64_t n = stats_[r].by_status[st - kMinStatus].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out += "ketnoi_http_requests_total{route=\"" + route + "\",status=\"" +
             std::to_string(st) + "\"} " + std::to_string(n) + "\n";
    }
  }
  out += "# HELP ketnoi_http_request_duration_seconds Time from request routing to answer.\n";
  out += "# TYPE ketnoi_http_request_duration_seconds histogram\n";
  for (size_t r = 0; r < labels_.size(); ++r) {
    const RouteStats& s = stats_[r];
    uint64_t count = s.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    std::string route = EscapeLabelValue(labels_[r]);
    uint64_t cumulative = 0;
    for (size_t b = 0; b < kBuckets.size(); ++b) {
      cumulative += s.buckets[b].load(std::memory_order_relaxed);
      out += "ketnoi_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"" +
             FormatDouble(kBuckets[b]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    // Count is read once and used for +Inf and _count so the two agree.
    if (cumulative > count) count = cumulative;
    out += "ketnoi_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"+Inf\"} " +
           std::to_string(count) + "\n";
    out += "ketnoi_http_request_duration_seconds_sum{route=\"" + route + "\"} " +
           FormatDouble(s.sum_ns.load(std::memory_order_relaxed) / 1e9) + "\n";
    out += "ketnoi_http_request_duration_seconds_count{route=\"" + route + "\"} " +
           std::to_string(count) + "\n";
  }
  for (const Gauge& g : gauges) {
    out += "# HELP " + g.name + " " + g.help + "\n";
    out += "# TYPE " + g.name + " gauge\n";
    out += g.name + " " + FormatDouble(g.value) + "\n";
  }
  return out;
}

}  // namespace ketnoi::api
