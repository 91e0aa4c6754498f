// HttpServer: serves the route table (api/routes.h) over HTTP/1.1 with
// cpp-httplib 0.11, tuned for concurrent keep-alive clients (TCP_NODELAY, a
// worker pool sized for the connections, a long keep-alive, a large listen
// backlog), with the access log through spdlog and per-route metrics.
//
// Lifecycle: Start() binds (failing with FailedPrecondition when the port is
// taken: SO_REUSEPORT is not set, so a second server cannot silently share
// the port), starts the accept loop in its own thread and returns once the
// server accepts connections. Stop() closes the listening socket, lets every
// request already received finish and be answered, joins the workers and
// returns; it does not flush the store (the caller owns it).
//
// Thread safety: Start/Stop/Wait from one controlling thread; port() any time.
#pragma once

#include <memory>
#include <string>

#include "api/rate_limit.h"
#include "api/routes.h"
#include "common/status.h"

namespace ketnoi::api {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  // TCP port; 0 picks a free one (see HttpServer::port()).
  int port = 8080;
  // Worker threads. A keep-alive connection holds a worker while open, so
  // this bounds the concurrent connections served; more threads cost ~8 MiB
  // of address space each (stacks) and little else. 0: 128.
  int threads = 0;
  // Requests per keep-alive connection before the server closes it.
  size_t keep_alive_max_count = 100000;
  // Idle seconds before a keep-alive connection is closed; also the longest
  // Stop() waits for an idle connection.
  int keep_alive_timeout_s = 5;
  // Seconds to receive a request / send a response before giving up.
  int read_timeout_s = 10;
  int write_timeout_s = 10;
  // Listen backlog (httplib hard-codes 5; raised after bind).
  int listen_backlog = 1024;
  // Requests without an Authorization header may call the GET routes open
  // to planners (read-only; never /metrics), as key id "anonymous". Off by
  // default: then no key reaches only /healthz. `serve --demo` turns it on
  // so people can browse the demo without a key.
  bool anonymous_reads = false;
  // Write one access-log line per request through spdlog (info level).
  bool access_log = true;
  // A live match or search may use idle cores for its parts
  // (common/helper_pool.h); off, each request runs on its worker alone.
  bool search_helpers = true;
  // Live matches and searches ranked at once, the others waiting their turn
  // in arrival order (engine::MatcherOptions::live_rankings). 0: twice the
  // machine's cores.
  size_t live_rankings = 0;
  Limits limits;
  // Token buckets per key (per client IP without a key); 429 with
  // Retry-After when empty. Routes open without a key (health, the web
  // page's files) are not limited.
  RateLimits rate_limits;
  // Directory under which POST /v1/admin/backup writes online backups, each
  // in a subdirectory named by the request. Empty: online backups are off.
  // `ketnoi serve` defaults it to "<db>-backups".
  std::string backup_dir;
};

class HttpServer {
 public:
  // `context` pointers must outlive the server; context.routes defaults to
  // Routes() and context.metrics to a server-owned Metrics.
  static StatusOr<std::unique_ptr<HttpServer>> Start(const ServerOptions& options,
                                                     ApiContext context);
  ~HttpServer();  // Stop()s when still running.

  // The bound port (useful with options.port == 0).
  int port() const;
  // Graceful stop; idempotent.
  void Stop();
  // The metrics of this server.
  Metrics& metrics();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ketnoi::api
