#pragma once

// A blocking WebSocket client for tests (RFC 6455 by hand over a POSIX socket, so tests need no
// Boost.Beast). It reads text messages, answers pings, and records the server's close frame.
// Not thread-safe; one thread per client.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cronium::testutil {

class WebSocketClient;

struct WebSocketConnect {
  std::unique_ptr<WebSocketClient> client;  // null when the connection or handshake failed
  long status = 0;   // the handshake's HTTP status: 101, the refusal (401, 404...), 0 if none
  std::string body;  // the refusal's body
  std::map<std::string, std::string> headers;  // of the handshake response; lower-case names
  std::string error;                           // why it failed

  explicit operator bool() const { return client != nullptr; }
};

class WebSocketClient {
 public:
  // Connects to `base_url` ("http://127.0.0.1:PORT") and performs the opening handshake for
  // `path` with `headers` added ("Authorization: Bearer crn_..."). Checks Sec-WebSocket-Accept.
  static WebSocketConnect Connect(const std::string& base_url, const std::string& path,
                                  const std::vector<std::string>& headers = {},
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));

  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // The next text message (fragments joined); binary messages are skipped and pings answered.
  // nullopt when the connection closes (closed() turns true) or `timeout` passes first.
  std::optional<std::string> ReadText(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads text messages until the connection closes or `timeout` passes.
  std::vector<std::string> ReadUntilClosed(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Sends one masked text frame (or a ping). False if the connection is gone.
  bool SendText(std::string_view text);
  bool SendPing(std::string_view payload = "");

  // Sends a close frame, waits up to `timeout` for the server's, then closes the socket.
  void Close(uint16_t code = 1000, std::string_view reason = "",
             std::chrono::milliseconds timeout = std::chrono::seconds(2));

  // True once the server's close frame arrived or the connection ended.
  bool closed() const { return closed_; }
  // The code and reason of the server's close frame; nullopt if it sent none (or no code).
  std::optional<uint16_t> close_code() const { return close_code_; }
  const std::string& close_reason() const { return close_reason_; }

 private:
  explicit WebSocketClient(int fd, std::string pending);
  // Reads one frame into the out-params; false on timeout or a dead connection.
  bool ReadFrame(std::chrono::steady_clock::time_point deadline, uint8_t& opcode, bool& fin,
                 std::string& payload);
  bool Fill(size_t bytes, std::chrono::steady_clock::time_point deadline);
  bool SendFrame(uint8_t opcode, std::string_view payload);
  void Shut();

  int fd_;
  std::string in_;  // received, not yet parsed
  // A fragmented message being read, kept across ReadText calls that time out.
  std::string fragments_;
  bool fragments_text_ = false;
  bool in_message_ = false;
  bool closed_ = false;
  bool close_sent_ = false;
  std::optional<uint16_t> close_code_;
  std::string close_reason_;
};

}  // namespace cronium::testutil
