// The server's own keep-alive loop (TunedServer in api/server.cc) seen from
// a raw socket: pipelined requests, "Expect: 100-continue", responses larger
// than the output buffer, "Connection: close" and the keep-alive limit.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "api/routes.h"
#include "api_fixture.h"

namespace ketnoi::api {
namespace {

using testing_util::ApiTest;
using testing_util::FacilityJson;

// One TCP connection to the server, read with a deadline so that a server
// that never answers fails the test instead of hanging it.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }

  bool Send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads until `buf_` holds `n` bytes; false on close or after timeout_ms.
  bool Fill(size_t n, int timeout_ms = 5000) {
    while (buf_.size() < n) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return false;
      char tmp[16384];
      ssize_t got = ::recv(fd_, tmp, sizeof tmp, 0);
      if (got <= 0) return false;
      buf_.append(tmp, static_cast<size_t>(got));
    }
    return true;
  }

  // The next response: its status line, headers (lower-cased names) and
  // body (Content-Length framed). Status 0 when none arrived in time.
  struct Response {
    int status = 0;
    std::string head, body;
  };
  Response Next(int timeout_ms = 5000) {
    Response r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(buf_.size() + 1, timeout_ms)) return r;
    }
    r.head = buf_.substr(0, end + 4);
    buf_.erase(0, end + 4);
    r.status = std::stoi(r.head.substr(9, 3));
    size_t length = 0;
    std::string lower = r.head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (size_t at = lower.find("content-length:"); at != std::string::npos) {
      length = std::stoul(lower.substr(at + 15));
    }
    if (!Fill(length, timeout_ms)) return Response{};
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }

  // True when the server closes the connection within timeout_ms.
  bool ClosedByPeer(int timeout_ms = 5000) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char tmp[64];
    return ::recv(fd_, tmp, sizeof tmp, 0) == 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string Get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

class ConnectionTest : public ApiTest {
 protected:
  void Configure(ServerOptions* options, ApiContext* ctx) override {
    options->keep_alive_max_count = 3;
    routes_ = Routes();
    // 300 KB: several times the connection's 64 KB output buffer.
    routes_.push_back({Method::kGet, "/test/big", kPublic, BodyKind::kNone,
                       [](const ApiContext&, const ApiRequest&) {
                         std::string body = "[";
                         for (int i = 0; i < 30000; ++i) body += (i ? ",\"" : "\"") + std::to_string(i % 10) + "__\"";
                         return JsonReply(200, body + "]");
                       },
                       "big test route"});
    ctx->routes = &routes_;
  }
  std::vector<Route> routes_;
};

TEST_F(ConnectionTest, PipelinedRequestsAreAnsweredInOrder) {
  RawConnection c(server_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(Get("/healthz") + Get("/nowhere") + Get("/healthz")));
  auto a = c.Next(), b = c.Next(), d = c.Next();
  EXPECT_EQ(a.status, 200);
  EXPECT_NE(a.body.find("\"ok\""), std::string::npos) << a.body;
  EXPECT_EQ(b.status, 404);
  EXPECT_NE(b.body.find("no route for /nowhere"), std::string::npos) << b.body;
  EXPECT_EQ(d.status, 200);
}

TEST_F(ConnectionTest, ExpectContinueIsAnsweredBeforeTheBodyIsSent) {
  RawConnection c(server_->port());
  ASSERT_TRUE(c.connected());
  const std::string body = FacilityJson("F77", "N77");
  ASSERT_TRUE(c.Send("POST /v1/facilities HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                     staff_ + "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n" +
                     "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  // The interim answer must come while the body is still held back.
  auto interim = c.Next(3000);
  ASSERT_EQ(interim.status, 100) << "no '100 Continue' before the body was sent";
  ASSERT_TRUE(c.Send(body));
  auto created = c.Next();
  EXPECT_EQ(created.status, 201) << created.head << created.body;
  EXPECT_TRUE(store_->GetFacility("F77").ok());
}

TEST_F(ConnectionTest, ResponsesLargerThanTheBufferArriveWhole) {
  RawConnection c(server_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(Get("/test/big") + Get("/healthz")));
  auto big = c.Next();
  ASSERT_EQ(big.status, 200);
  EXPECT_GT(big.body.size(), 150000u);
  EXPECT_EQ(big.body.substr(0, 8), "[\"0__\",\"");
  EXPECT_EQ(big.body.back(), ']');
  EXPECT_EQ(c.Next().status, 200);  // the connection is still in step
}

TEST_F(ConnectionTest, ConnectionCloseAndTheKeepAliveLimitCloseTheSocket) {
  {
    RawConnection c(server_->port());
    ASSERT_TRUE(c.Send(Get("/healthz", "Connection: close\r\n")));
    EXPECT_EQ(c.Next().status, 200);
    EXPECT_TRUE(c.ClosedByPeer());
  }
  // keep_alive_max_count 3: the third answer says close, then the socket closes.
  RawConnection c(server_->port());
  ASSERT_TRUE(c.Send(Get("/healthz") + Get("/healthz") + Get("/healthz") + Get("/healthz")));
  auto r1 = c.Next(), r2 = c.Next(), r3 = c.Next();
  EXPECT_EQ(r1.status, 200);
  EXPECT_EQ(r2.status, 200);
  EXPECT_EQ(r3.status, 200);
  EXPECT_NE(r3.head.find("Connection: close"), std::string::npos) << r3.head;
  EXPECT_EQ(r2.head.find("Connection: close"), std::string::npos) << r2.head;
  EXPECT_TRUE(c.ClosedByPeer());
}

}  // namespace
}  // namespace ketnoi::api
