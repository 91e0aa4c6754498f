#include "api/server.h"

#include <httplib.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <optional>
#include <regex>
#include <thread>

#include "api/metrics.h"
#include "api/reply_cache.h"
#include "engine/codec.h"
#include "indexer/normalize.h"

namespace ketnoi::api {
namespace {

using Clock = std::chrono::steady_clock;

// Per-request bookkeeping shared by the pre-routing hook, the route wrapper
// and the logger hook. httplib runs one request at a time per worker thread,
// from the pre-routing hook to the logger, so a thread_local is exact.
struct RequestScope {
  Clock::time_point start{};
  size_t route = SIZE_MAX;  // SIZE_MAX: unmatched
  std::string key_id;
};
thread_local RequestScope t_scope;

// One keep-alive connection's socket as httplib's Stream, with both
// directions buffered. httplib writes a response as two send() calls
// (status line and headers, then the body) and, with TCP_NODELAY, each
// leaves as its own segment that wakes the client; here a response leaves in
// one send() when the request is answered (Flush), or whenever 64 KB are
// waiting (a streamed export). Pending output is flushed before any read
// that has to wait for the peer ("100 Continue" is answered before its body
// is read).
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int sock, time_t read_timeout_sec, time_t read_timeout_usec,
                   time_t write_timeout_sec, time_t write_timeout_usec)
      : sock_(sock),
        read_timeout_ms_(static_cast<int>(read_timeout_sec * 1000 + read_timeout_usec / 1000)),
        write_timeout_ms_(static_cast<int>(write_timeout_sec * 1000 + write_timeout_usec / 1000)) {
    in_.resize(16 * 1024);
    out_.reserve(kFlushBytes);
  }

  bool is_readable() const override { return in_off_ < in_len_ || Poll(POLLIN, read_timeout_ms_); }
  bool is_writable() const override { return Poll(POLLOUT, write_timeout_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (in_off_ == in_len_) {
      if (!Flush()) return -1;
      if (!Poll(POLLIN, read_timeout_ms_)) return -1;
      ssize_t n;
      do {
        n = ::recv(sock_, in_.data(), in_.size(), 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      in_off_ = 0;
      in_len_ = static_cast<size_t>(n);
    }
    size_t n = std::min(size, in_len_ - in_off_);
    std::memcpy(ptr, in_.data() + in_off_, n);
    in_off_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    if (out_.size() >= kFlushBytes && !Flush()) return -1;
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    Address(&getpeername, &ip, &port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    Address(&getsockname, &ip, &port);
  }
  socket_t socket() const override { return sock_; }

  // Sends what is buffered; false when the peer is gone or the write timed out.
  bool Flush() {
    size_t off = 0;
    while (off < out_.size()) {
      ssize_t n = ::send(sock_, out_.data() + off, out_.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        out_.clear();
        return false;
      }
      off += static_cast<size_t>(n);
    }
    out_.clear();
    return true;
  }

  // Waits until a request starts to arrive (true), the peer closes, the
  // keep-alive timeout passes or `stopping` turns true (false).
  template <typename StopFn>
  bool WaitForRequest(time_t keep_alive_timeout_sec, StopFn stopping) {
    if (in_off_ < in_len_) return true;  // pipelined
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_timeout_sec);
    while (!stopping()) {
      if (Poll(POLLIN, 50)) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
    }
    return false;
  }

 private:
  static constexpr size_t kFlushBytes = 64 * 1024;

  bool Poll(short events, int timeout_ms) const {
    pollfd p{sock_, events, 0};
    int r;
    do {
      r = ::poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    return r > 0 && (p.revents & (events | POLLHUP | POLLERR)) != 0;
  }

  void Address(int (*get)(int, sockaddr*, socklen_t*), std::string* ip, int* port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ip->clear();
    *port = 0;
    if (get(sock_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    char buf[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
      const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
      inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
      *port = ntohs(a->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
      inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
      *port = ntohs(a->sin6_port);
    }
    *ip = buf;
  }

  const int sock_;
  const int read_timeout_ms_, write_timeout_ms_;
  std::string in_;
  size_t in_off_ = 0, in_len_ = 0;
  std::string out_;
};

// httplib's server with two changes:
// - the backlog it passes to listen() is 5, far too small for bursts of new
//   connections; Linux lets a listening socket be listen()ed again to change
//   it (the socket is protected);
// - each connection is served through ConnectionStream (one send() per
//   response, one poll() per request), replacing httplib's own keep-alive
//   loop (a virtual of httplib::Server; the requests themselves are still
//   parsed, routed and answered by httplib's process_request).
class TunedServer : public httplib::Server {
 public:
  bool RaiseBacklog(int backlog) { return ::listen(svr_sock_, backlog) == 0; }

 private:
  bool process_and_close_socket(socket_t sock) override {
    bool ret = false;
    {
      ConnectionStream strm(sock, read_timeout_sec_, read_timeout_usec_, write_timeout_sec_,
                            write_timeout_usec_);
      size_t count = keep_alive_max_count_;
      auto stopping = [this] { return svr_sock_ == INVALID_SOCKET; };
      while (count > 0 && !stopping() && strm.WaitForRequest(keep_alive_timeout_sec_, stopping)) {
        bool connection_closed = false;
        ret = process_request(strm, /*close_connection=*/count == 1, connection_closed, nullptr);
        if (!strm.Flush()) ret = false;
        if (!ret || connection_closed) break;
        --count;
      }
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ret;
  }
};

// "/v1/facilities/{id}" -> "/v1/facilities/([^/]+)" and the names {"id"}.
std::string CompilePattern(const std::string& path, std::vector<std::string>* names) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '{') {
      size_t end = path.find('}', i);
      names->push_back(path.substr(i + 1, end - i - 1));
      out += "([^/]+)";
      i = end;
    } else if (std::string_view(".+*?()[]^$|\\").find(c) != std::string_view::npos) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

StatusOr<ApiKey> Authenticate(const KeyStore* keys, const httplib::Request& req) {
  if (!req.has_header("Authorization")) {
    return Unauthenticated("missing API key: send the header 'Authorization: Bearer KEY'");
  }
  std::string value = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "bearer ";
  if (value.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), value.begin(),
                  [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
    return Unauthenticated("the Authorization header must be 'Bearer KEY'");
  }
  if (keys == nullptr) return Unauthenticated("no key store configured");
  return keys->Verify(std::string_view(value).substr(kBearer.size()));
}

std::string ErrorCodeForStatus(int status) {
  switch (status) {
    case 400: return "invalid_argument";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "resource_exhausted";
    case 414: return "resource_exhausted";
    default: return status < 500 ? "http_" + std::to_string(status) : "internal";
  }
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  ApiContext ctx;
  std::unique_ptr<Metrics> owned_metrics;
  std::unique_ptr<ReplyCache> owned_reply_cache;
  TunedServer svr;
  std::vector<std::regex> patterns;  // one per route, for 405 detection
  std::vector<std::vector<std::string>> param_names;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<RateLimiter> limiter;
  std::thread listener;
  int port = 0;
  bool stopped = false;

  Reply Dispatch(size_t index, const httplib::Request& hreq);
  // Null when `caller` may go on; else the 429 reply.
  std::optional<Reply> Limit(std::string_view caller, const RateLimit& limit);
  void Install();
};

std::optional<Reply> HttpServer::Impl::Limit(std::string_view caller, const RateLimit& limit) {
  int wait = limiter->Take(caller, limit);
  if (wait == 0) return std::nullopt;
  Reply r = ErrorReply(429, "rate_limited",
                       fmt::format("rate limit of {:g} requests/s (burst {:g}) exceeded; retry after {} s",
                                   limit.per_s, limit.burst, wait));
  r.headers.emplace_back("Retry-After", std::to_string(wait));
  return r;
}

Reply HttpServer::Impl::Dispatch(size_t index, const httplib::Request& hreq) {
  const Route& route = (*ctx.routes)[index];
  ApiRequest req;
  req.method = route.method;
  req.path = hreq.path;
  const auto& names = param_names[index];
  for (size_t k = 0; k < names.size() && k + 1 < hreq.matches.size(); ++k) {
    req.params[names[k]] = hreq.matches[k + 1].str();
  }
  for (const auto& [name, value] : hreq.params) req.query.emplace(name, value);
  req.body = hreq.body;

  if ((route.access & kPublic) == 0 && options.anonymous_reads &&
      route.method == Method::kGet && (route.access & kPlanner) &&
      !hreq.has_header("Authorization")) {
    req.principal.authenticated = true;
    req.principal.key.id = "anonymous";
    req.principal.key.role = Role::kPlanner;
    t_scope.key_id = "anonymous";
    if (auto limited = Limit("ip:" + hreq.remote_addr, limiter->limits().anonymous)) {
      return *std::move(limited);
    }
  } else if ((route.access & kPublic) == 0) {
    auto key = Authenticate(ctx.keys, hreq);
    if (!key.ok()) {
      // Failed keys count against the client address: guessing is slowed.
      if (auto limited = Limit("ip:" + hreq.remote_addr, limiter->limits().anonymous)) {
        return *std::move(limited);
      }
      return ErrorReply(key.status());
    }
    if (auto limited = Limit(key->id, limiter->limits().For(key->role))) {
      return *std::move(limited);
    }
    t_scope.key_id = key->id;
    req.principal.authenticated = true;
    req.principal.key = std::move(key).value();
  }
  if (Status st = CheckAccess(route, req.principal, req.params); !st.ok()) return ErrorReply(st);

  if (route.body != BodyKind::kNone) {
    size_t limit = route.body == BodyKind::kJson ? ctx.limits.max_json_body_bytes
                                                 : ctx.limits.max_jsonl_body_bytes;
    if (req.body.size() > limit) {
      return ErrorReply(ResourceExhausted("request body of " + std::to_string(req.body.size()) +
                                          " bytes is over the limit of " +
                                          std::to_string(limit) + " bytes"));
    }
    if (!indexer::IsValidUtf8(req.body)) {
      return ErrorReply(InvalidArgument("request body is not valid UTF-8"));
    }
    if (route.body == BodyKind::kJson) {
      if (Status st = engine::CheckJsonDepth(req.body, ctx.limits.max_json_depth); !st.ok()) {
        return ErrorReply(st);
      }
    }
  }
  try {
    return route.handler(ctx, req);
  } catch (const std::exception& e) {
    log->error("handler for {} {} threw: {}", MethodName(route.method), route.path, e.what());
    return ErrorReply(Internal("unexpected error; see the server log"));
  }
}

void HttpServer::Impl::Install() {
  const auto& routes = *ctx.routes;
  for (size_t i = 0; i < routes.size(); ++i) {
    param_names.emplace_back();
    std::string pattern = CompilePattern(routes[i].path, &param_names.back());
    patterns.emplace_back(pattern);
    auto handler = [this, i](const httplib::Request& hreq, httplib::Response& hres) {
      t_scope.route = i;
      Reply reply = Dispatch(i, hreq);
      hres.status = reply.http_status;
      if (reply.http_status == 401) hres.set_header("WWW-Authenticate", "Bearer");
      for (const auto& [name, value] : reply.headers) hres.set_header(name, value);
      if (reply.http_status != 204) hres.set_content(std::move(reply.body), reply.content_type);
    };
    switch (routes[i].method) {
      case Method::kGet: svr.Get(pattern, handler); break;
      case Method::kPost: svr.Post(pattern, handler); break;
      case Method::kPut: svr.Put(pattern, handler); break;
      case Method::kDelete: svr.Delete(pattern, handler); break;
    }
  }

  svr.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    t_scope.start = Clock::now();
    t_scope.route = SIZE_MAX;
    t_scope.key_id.clear();
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Errors httplib answers itself (unknown path, body over the payload
  // limit, malformed request) get the same JSON error body as ours.
  svr.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string message;
    if (res.status == 404) {
      for (const auto& re : patterns) {
        if (std::regex_match(req.path, re)) {
          res.status = 405;
          break;
        }
      }
      message = res.status == 405 ? "method " + req.method + " not allowed on " + req.path
                                  : "no route for " + req.path;
    } else if (res.status == 413) {
      message = "request body over the limit of " +
                std::to_string(ctx.limits.max_jsonl_body_bytes) + " bytes";
    } else {
      message = "HTTP " + std::to_string(res.status);
    }
    Reply reply = ErrorReply(res.status, ErrorCodeForStatus(res.status), message);
    res.set_content(reply.body, reply.content_type);
    return httplib::Server::HandlerResponse::Handled;
  }));

  svr.set_exception_handler(
      [this](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        Reply reply = ErrorReply(Internal("unexpected error; see the server log"));
        res.status = reply.http_status;
        res.set_content(reply.body, reply.content_type);
      });

  // Called after the response is written: metrics and the access log.
  svr.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    double seconds = t_scope.start == Clock::time_point{}
                         ? 0.0
                         : std::chrono::duration<double>(Clock::now() - t_scope.start).count();
    size_t route = t_scope.route == SIZE_MAX ? ctx.routes->size() : t_scope.route;
    ctx.metrics->Record(route, res.status, seconds);
    if (options.access_log) {
      log->info("{} {} {} {:.3f}ms key={}", req.method, req.path, res.status, seconds * 1e3,
                t_scope.key_id.empty() ? "-" : t_scope.key_id);
    }
    t_scope = RequestScope{};
  });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const ServerOptions& options,
                                                        ApiContext context) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->ctx = context;
  impl->ctx.limits = options.limits;
  if (!options.backup_dir.empty()) impl->ctx.backup_dir = options.backup_dir;
  if (impl->ctx.routes == nullptr) impl->ctx.routes = &Routes();
  if (impl->ctx.metrics == nullptr) {
    std::vector<std::string> labels;
    for (const Route& r : *impl->ctx.routes) {
      labels.push_back(std::string(MethodName(r.method)) + " " + r.path);
    }
    impl->owned_metrics = std::make_unique<Metrics>(std::move(labels));
    impl->ctx.metrics = impl->owned_metrics.get();
  }
  if (impl->ctx.reply_cache == nullptr) {
    impl->owned_reply_cache = std::make_unique<ReplyCache>();
    impl->ctx.reply_cache = impl->owned_reply_cache.get();
  }
  impl->limiter = std::make_unique<RateLimiter>(options.rate_limits);
  impl->log = spdlog::get("ketnoi.http");
  if (!impl->log) {
    // Access log on stderr: stdout carries only what commands print.
    impl->log = std::make_shared<spdlog::logger>(
        "ketnoi.http", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    spdlog::register_logger(impl->log);
  }

  TunedServer& svr = impl->svr;
  // Only SO_REUSEADDR (restart after TIME_WAIT); without SO_REUSEPORT a
  // second server on a taken port fails to bind instead of sharing it.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  svr.set_tcp_nodelay(true);
  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads) : 128;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_keep_alive_max_count(options.keep_alive_max_count);
  svr.set_keep_alive_timeout(options.keep_alive_timeout_s);
  svr.set_read_timeout(options.read_timeout_s, 0);
  svr.set_write_timeout(options.write_timeout_s, 0);
  svr.set_payload_max_length(
      std::max(options.limits.max_json_body_bytes, options.limits.max_jsonl_body_bytes));
  impl->Install();

  if (options.port == 0) {
    impl->port = svr.bind_to_any_port(options.bind);
    if (impl->port < 0) impl->port = 0;
  } else if (svr.bind_to_port(options.bind, options.port)) {
    impl->port = options.port;
  }
  if (impl->port == 0) {
    return FailedPrecondition("cannot listen on " + options.bind + ":" +
                              std::to_string(options.port) +
                              " (port in use by another process, or address not available)");
  }
  if (!svr.RaiseBacklog(options.listen_backlog)) {
    impl->log->warn("could not raise the listen backlog to {}", options.listen_backlog);
  }
  Impl* raw = impl.get();
  impl->listener = std::thread([raw] { raw->svr.listen_after_bind(); });
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (!svr.is_running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!svr.is_running()) {
    svr.stop();
    impl->listener.join();
    return Internal("the HTTP server did not start listening");
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_->port; }

Metrics& HttpServer::metrics() { return *impl_->ctx.metrics; }

void HttpServer::Stop() {
  if (impl_ == nullptr || impl_->stopped) return;
  impl_->stopped = true;
  // stop() closes the listening socket; listen_after_bind() then shuts the
  // worker pool down, which joins every worker after it has answered the
  // request it is serving.
  impl_->svr.stop();
  if (impl_->listener.joinable()) impl_->listener.join();
}

}  // namespace ketnoi::api
