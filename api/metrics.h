// Metrics: request counters and latency histograms per route, rendered in
// the Prometheus text exposition format (version 0.0.4) for GET /metrics.
//
// Routes are identified by index into the label list given at construction
// (the route table's "METHOD /path/{param}" patterns); index == size() is
// the "unmatched" bucket (unknown paths, requests that fail to parse).
// Recording is lock-free (relaxed atomics); Render reads a near-consistent
// view. Safe for concurrent use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ketnoi::api {

// A value sampled at render time (store size, index sizes).
struct Gauge {
  std::string name;  // metric name, [a-zA-Z_:][a-zA-Z0-9_:]*
  std::string help;
  double value = 0;
};

class Metrics {
 public:
  explicit Metrics(std::vector<std::string> route_labels);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // REQUIRES: route <= number of labels; 100 <= http_status <= 599.
  void Record(size_t route, int http_status, double seconds);

  // The exposition text: ketnoi_http_requests_total{route,status},
  // ketnoi_http_request_duration_seconds{route} histogram, then `gauges`.
  std::string Render(const std::vector<Gauge>& gauges) const;

  // Requests recorded for a route with a status (tests, diagnostics).
  uint64_t Count(size_t route, int http_status) const;

 private:
  struct RouteStats;
  std::vector<std::string> labels_;
  std::unique_ptr<RouteStats[]> stats_;
};

// Escapes a label value per the exposition format: \ -> \\, " -> \",
// newline -> \n.
std::string EscapeLabelValue(std::string_view value);

}  // namespace ketnoi::api
