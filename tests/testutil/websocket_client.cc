#include "testutil/websocket_client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <random>

namespace cronium::testutil {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint8_t kContinuation = 0x0;
constexpr uint8_t kText = 0x1;
constexpr uint8_t kBinary = 0x2;
constexpr uint8_t kClose = 0x8;
constexpr uint8_t kPing = 0x9;
constexpr uint8_t kPong = 0xA;
// Larger frames mean a broken stream rather than a message a test expects.
constexpr uint64_t kMaxPayload = uint64_t{256} << 20;

// SHA-1 (FIPS 180-4), only for Sec-WebSocket-Accept: the project has no library with it.
std::array<uint8_t, 20> Sha1(std::string_view data) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::string message(data);
  const uint64_t bit_length = static_cast<uint64_t>(data.size()) * 8;
  message.push_back(static_cast<char>(0x80));
  while (message.size() % 64 != 56) message.push_back('\0');
  for (int shift = 56; shift >= 0; shift -= 8) {
    message.push_back(static_cast<char>((bit_length >> shift) & 0xFF));
  }
  const auto rotl = [](uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };
  for (size_t block = 0; block < message.size(); block += 64) {
    uint32_t w[80];
    for (int i = 0; i < 16; ++i) {
      const auto* p = reinterpret_cast<const unsigned char*>(message.data() + block + 4 * i);
      w[i] = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    }
    for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      uint32_t f = 0, k = 0;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6;
      }
      const uint32_t temp = rotl(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = temp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  std::array<uint8_t, 20> digest{};
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 4; ++j) digest[4 * i + j] = static_cast<uint8_t>(h[i] >> (24 - 8 * j));
  }
  return digest;
}

std::string Base64(const uint8_t* data, size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < size; i += 3) {
    const uint32_t n = (uint32_t{data[i]} << 16) | (i + 1 < size ? uint32_t{data[i + 1]} << 8 : 0) |
                       (i + 2 < size ? uint32_t{data[i + 2]} : 0);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < size ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < size ? kAlphabet[n & 63] : '=');
  }
  return out;
}

std::mt19937& Random() {
  thread_local std::mt19937 random{std::random_device{}()};
  return random;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
  size_t start = 0;
  while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
  return text.substr(start);
}

int RemainingMillis(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

bool SendAll(int fd, std::string_view bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Appends what arrives before `deadline`; false on timeout, end of stream or an error.
bool ReceiveSome(int fd, std::string& into, Clock::time_point deadline, bool* eof) {
  pollfd pfd{fd, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, RemainingMillis(deadline));
  if (ready < 0 && errno == EINTR) return true;
  if (ready <= 0) return false;
  char buffer[16384];
  const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) {
    *eof = true;
    return false;
  }
  into.append(buffer, static_cast<size_t>(n));
  return true;
}

int ConnectTcp(const std::string& host, const std::string& port, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    error = std::string("cannot resolve ") + host + ": " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      error = std::string("cannot connect to ") + host + ":" + port + ": " + std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

}  // namespace

WebSocketConnect WebSocketClient::Connect(const std::string& base_url, const std::string& path,
                                          const std::vector<std::string>& headers,
                                          std::chrono::milliseconds timeout) {
  WebSocketConnect result;
  const auto deadline = Clock::now() + timeout;
  std::string authority = base_url;
  if (authority.rfind("http://", 0) == 0) authority = authority.substr(7);
  authority = authority.substr(0, authority.find('/'));
  const size_t colon = authority.rfind(':');
  const std::string host = colon == std::string::npos ? authority : authority.substr(0, colon);
  const std::string port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  const int fd = ConnectTcp(host, port, result.error);
  if (fd < 0) return result;

  std::array<uint8_t, 16> nonce{};
  for (auto& byte : nonce) byte = static_cast<uint8_t>(Random()());
  const std::string key = Base64(nonce.data(), nonce.size());
  std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: " + authority +
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
      "\r\nSec-WebSocket-Version: 13\r\n";
  for (const auto& header : headers) request += header + "\r\n";
  request += "\r\n";
  const auto fail = [&](std::string error) {
    ::close(fd);
    result.error = std::move(error);
    return std::move(result);
  };
  if (!SendAll(fd, request)) return fail("cannot send the handshake");

  std::string received;
  size_t header_end = std::string::npos;
  bool eof = false;
  while ((header_end = received.find("\r\n\r\n")) == std::string::npos) {
    if (received.size() > (64 << 10)) return fail("handshake response headers too large");
    if (!ReceiveSome(fd, received, deadline, &eof)) {
      return fail(eof ? "connection closed during the handshake" : "handshake timed out");
    }
  }
  const std::string head = received.substr(0, header_end);
  std::string rest = received.substr(header_end + 4);
  const size_t first_space = head.find(' ');
  if (head.rfind("HTTP/1.", 0) != 0 || first_space == std::string::npos) {
    return fail("not an HTTP response: " + head.substr(0, head.find('\r')));
  }
  result.status = std::strtol(head.c_str() + first_space + 1, nullptr, 10);
  size_t line_start = head.find("\r\n");
  while (line_start != std::string::npos) {
    line_start += 2;
    const size_t line_end = head.find("\r\n", line_start);
    const std::string line = head.substr(line_start, line_end - line_start);
    const size_t separator = line.find(':');
    if (separator != std::string::npos) {
      result.headers[Lower(line.substr(0, separator))] = Trim(line.substr(separator + 1));
    }
    line_start = line_end;
  }

  if (result.status != 101) {
    // A refusal: its body explains it (the server always sends Content-Length).
    size_t length = 0;
    if (auto it = result.headers.find("content-length"); it != result.headers.end()) {
      length = std::strtoul(it->second.c_str(), nullptr, 10);
    }
    while (rest.size() < length && ReceiveSome(fd, rest, deadline, &eof)) {
    }
    result.body = rest.substr(0, length);
    return fail("handshake refused with HTTP " + std::to_string(result.status));
  }
  const std::string expected_key = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  const auto digest = Sha1(expected_key);
  const std::string accept = Base64(digest.data(), digest.size());
  if (Lower(result.headers["upgrade"]) != "websocket") return fail("no Upgrade: websocket");
  if (result.headers["sec-websocket-accept"] != accept) {
    return fail("bad Sec-WebSocket-Accept: " + result.headers["sec-websocket-accept"]);
  }
  result.client.reset(new WebSocketClient(fd, std::move(rest)));
  return result;
}

WebSocketClient::WebSocketClient(int fd, std::string pending) : fd_(fd), in_(std::move(pending)) {}

WebSocketClient::~WebSocketClient() { Shut(); }

void WebSocketClient::Shut() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  closed_ = true;
}

bool WebSocketClient::Fill(size_t bytes, Clock::time_point deadline) {
  while (in_.size() < bytes) {
    if (fd_ < 0) return false;
    bool eof = false;
    if (!ReceiveSome(fd_, in_, deadline, &eof)) {
      if (eof) Shut();
      return false;
    }
  }
  return true;
}

bool WebSocketClient::ReadFrame(Clock::time_point deadline, uint8_t& opcode, bool& fin,
                                std::string& payload) {
  // Nothing is consumed until the whole frame is there, so a timeout loses nothing.
  if (!Fill(2, deadline)) return false;
  const auto byte = [this](size_t i) { return static_cast<uint8_t>(in_[i]); };
  fin = (byte(0) & 0x80) != 0;
  opcode = byte(0) & 0x0F;
  const bool masked = (byte(1) & 0x80) != 0;
  uint64_t length = byte(1) & 0x7F;
  size_t header = 2;
  if (length == 126 || length == 127) {
    const size_t extra = length == 126 ? 2 : 8;
    if (!Fill(2 + extra, deadline)) return false;
    length = 0;
    for (size_t i = 0; i < extra; ++i) length = (length << 8) | byte(2 + i);
    header += extra;
  }
  if (length > kMaxPayload) {
    Shut();
    return false;
  }
  const size_t mask_at = header;
  if (masked) header += 4;
  if (!Fill(header + length, deadline)) return false;
  payload = in_.substr(header, length);
  if (masked) {
    for (size_t i = 0; i < payload.size(); ++i) payload[i] ^= in_[mask_at + i % 4];
  }
  in_.erase(0, header + length);
  return true;
}

std::optional<std::string> WebSocketClient::ReadText(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  uint8_t opcode = 0;
  bool fin = false;
  std::string payload;
  while (!closed_) {
    if (!ReadFrame(deadline, opcode, fin, payload)) return std::nullopt;
    switch (opcode) {
      case kText:
      case kBinary:
        fragments_ = std::move(payload);
        fragments_text_ = opcode == kText;
        in_message_ = !fin;
        if (fin && fragments_text_) return std::move(fragments_);
        break;
      case kContinuation:
        if (!in_message_) break;
        fragments_ += payload;
        if (fin) {
          in_message_ = false;
          if (fragments_text_) return std::move(fragments_);
        }
        break;
      case kPing:
        SendFrame(kPong, payload);
        break;
      case kPong:
        break;
      case kClose:
        if (payload.size() >= 2) {
          close_code_ = static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                              static_cast<uint8_t>(payload[1]));
          close_reason_ = payload.substr(2);
        }
        // Echo the close (RFC 6455 5.5.1); the server then closes the TCP connection.
        if (!close_sent_) SendFrame(kClose, payload.substr(0, 2));
        close_sent_ = true;
        Shut();
        return std::nullopt;
      default:
        break;
    }
  }
  return std::nullopt;
}

std::vector<std::string> WebSocketClient::ReadUntilClosed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<std::string> messages;
  while (!closed_ && Clock::now() < deadline) {
    auto message =
        ReadText(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (message) messages.push_back(std::move(*message));
  }
  return messages;
}

bool WebSocketClient::SendFrame(uint8_t opcode, std::string_view payload) {
  if (fd_ < 0) return false;
  std::string frame;
  frame.push_back(static_cast<char>(0x80 | opcode));
  const uint64_t length = payload.size();
  if (length < 126) {
    frame.push_back(static_cast<char>(0x80 | length));
  } else if (length <= 0xFFFF) {
    frame.push_back(static_cast<char>(0x80 | 126));
    for (int shift = 8; shift >= 0; shift -= 8) {
      frame.push_back(static_cast<char>((length >> shift) & 0xFF));
    }
  } else {
    frame.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      frame.push_back(static_cast<char>((length >> shift) & 0xFF));
    }
  }
  // Clients must mask every frame (RFC 6455 5.3); servers reject unmasked ones.
  std::array<char, 4> mask{};
  for (auto& byte : mask) byte = static_cast<char>(Random()());
  frame.append(mask.data(), mask.size());
  for (size_t i = 0; i < payload.size(); ++i) frame.push_back(payload[i] ^ mask[i % 4]);
  if (!SendAll(fd_, frame)) {
    Shut();
    return false;
  }
  return true;
}

bool WebSocketClient::SendText(std::string_view text) { return SendFrame(kText, text); }

bool WebSocketClient::SendPing(std::string_view payload) { return SendFrame(kPing, payload); }

void WebSocketClient::Close(uint16_t code, std::string_view reason,
                            std::chrono::milliseconds timeout) {
  if (closed_) return Shut();
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason);
  close_sent_ = true;
  if (SendFrame(kClose, payload)) ReadUntilClosed(timeout);
  Shut();
}

}  // namespace cronium::testutil
