// cronium-rt: the small client of the runtime API that scripts (and the bash helpers in
// helpers/bin/cronium.sh) use while they run. It is shipped beside the helpers as
// HELPERS/bin/cronium-rt and depends on nothing but libc and nlohmann/json: plain HTTP/1.1 over
// TCP, one connection per request, the retries and timeout of the original script SDKs.
//
//   cronium-rt [--json|--raw] [--string] <command> [--] [args...]
//
// Environment: CRONIUM_RUNTIME_API (or CRONIUM_API_ENDPOINT; default http://127.0.0.1:8081),
// CRONIUM_EXECUTION_TOKEN (or CRONIUM_API_TOKEN), CRONIUM_EXECUTION_ID.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using json = nlohmann::ordered_json;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kVersion = "2.0.0";
constexpr std::string_view kDefaultApi = "http://127.0.0.1:8081";
constexpr size_t kMaxBodyBytes = size_t{64} << 20;  // responses and stdin
constexpr size_t kMaxHeaderBytes = size_t{64} << 10;
constexpr size_t kMaxPrintBytes = size_t{256} << 20;  // indentation can blow a deep value up
constexpr int kMaxAttempts = 3;
constexpr std::chrono::seconds kTimeout{30};

constexpr std::string_view kUsage =
    "Usage: cronium-rt [--json|--raw] [--string] <command> [--] [args...]\n"
    "\n"
    "Commands:\n"
    "  input                         print this execution's input\n"
    "  output <data|->               set the output (JSON if it parses, else a string; - = stdin)\n"
    "  get <key>                     print a variable (nothing if it is not set)\n"
    "  set <key> <value|->           set a variable (JSON if it parses, else a string; - = stdin)\n"
    "  delete <key>                  delete a variable\n"
    "  exists <key>                  exit 0 if the variable is set, 1 if not\n"
    "  condition <true|false>        set the condition (also 1/0, yes/no, on/off)\n"
    "  get-condition                 print true or false\n"
    "  context [field]               print the event context, or one field of it (a.b for nested)\n"
    "  increment <key> [by]          add an integer (default 1) to a variable, print the result\n"
    "  append <key> <text> [sep]     append text to a string variable (sep only if not empty)\n"
    "  info                          print the API URL, execution id and the token's prefix\n"
    "\n"
    "Options:\n"
    "  --json     print compact JSON (null as null) instead of raw values\n"
    "  --raw      print raw values like jq -r (default)\n"
    "  --string   set: send the value as a string even if it parses as JSON\n"
    "  --         end of options (everything after it is an argument)\n"
    "\n"
    "Environment: CRONIUM_RUNTIME_API or CRONIUM_API_ENDPOINT (default http://127.0.0.1:8081),\n"
    "CRONIUM_EXECUTION_TOKEN or CRONIUM_API_TOKEN, CRONIUM_EXECUTION_ID.\n";

// ---------------------------------------------------------------------------------------------
// Small helpers

std::string Env(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return value;
  }
  return {};
}

void PrintError(std::string_view message) {
  std::string line = "Error: ";
  line.append(message);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void ApiError(std::string_view message) {
  std::string text = "API request failed - ";
  text.append(message);
  PrintError(text);
}

int UsageError(std::string_view message) {
  std::string text = "cronium-rt: ";
  text.append(message);
  text.append("\nRun 'cronium-rt --help' for usage.\n");
  std::fwrite(text.data(), 1, text.size(), stderr);
  return 1;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Percent-encodes everything but RFC 3986 unreserved characters (so '/' becomes %2F), and the
// dots of a "." or ".." segment, which a server could otherwise take for a relative path.
std::string EncodePathSegment(std::string_view s) {
  if (s == "." || s == "..") return s.size() == 1 ? "%2E" : "%2E%2E";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string Dump(const json& value, int indent) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

// A JSON string holding `s` (invalid UTF-8 is replaced by U+FFFD rather than rejected).
std::string JsonString(std::string_view s) { return Dump(json(std::string(s)), -1); }

// `text` itself when it is one valid JSON value, else `text` as a JSON string. Valid JSON is
// passed through verbatim (never rebuilt), so deep nesting and big numbers cost nothing.
std::string JsonOrString(std::string_view text) {
  std::string_view candidate = text;
  if (candidate.starts_with("\xEF\xBB\xBF")) candidate.remove_prefix(3);
  if (json::accept(candidate)) return std::string(candidate);
  return JsonString(text);
}

// Parses a response body; nullopt if it is not JSON. (Parsing and destruction do not recurse in
// nlohmann/json, copying and dump() do: values are never copied here and Serialize() is
// iterative, so any nesting depth is fine.)
std::optional<json> ParseBody(std::string_view body) {
  json value = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

// Serializes like dump(indent) (and so like jq: 2-space indent, "key": value) without recursion.
std::string Serialize(const json& root, int indent) {
  struct Frame {
    const json* node;
    json::const_iterator next;
    bool first;
  };
  std::string out;
  std::vector<Frame> stack;
  auto newline = [&](size_t depth) {
    if (indent < 0) return;
    out.push_back('\n');
    out.append(depth * static_cast<size_t>(indent), ' ');
  };
  auto emit = [&](const json& value) {
    if (!value.is_structured()) {
      out += Dump(value, -1);
    } else if (value.empty()) {
      out += value.is_object() ? "{}" : "[]";
    } else {
      out.push_back(value.is_object() ? '{' : '[');
      stack.push_back(Frame{&value, value.cbegin(), true});
    }
  };
  emit(root);
  while (!stack.empty()) {
    Frame& frame = stack.back();
    if (frame.next == frame.node->cend()) {
      const char close = frame.node->is_object() ? '}' : ']';
      stack.pop_back();
      newline(stack.size());
      out.push_back(close);
      continue;
    }
    if (!frame.first) out.push_back(',');
    frame.first = false;
    newline(stack.size());
    if (frame.node->is_object()) {
      out += JsonString(frame.next.key());
      out += indent < 0 ? ":" : ": ";
    }
    if (out.size() > kMaxPrintBytes) throw std::length_error("the value is too large to print");
    const json& child = *frame.next;
    ++frame.next;
    emit(child);  // may push (frame is not used after this)
  }
  return out;
}

bool ReadStdin(std::string* out, std::string* error) {
  for (;;) {
    const size_t old_size = out->size();
    out->resize(old_size + 65536);
    const ssize_t n = ::read(STDIN_FILENO, out->data() + old_size, 65536);
    out->resize(old_size + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = std::string("cannot read standard input: ") + std::strerror(errno);
      return false;
    }
    if (out->size() > kMaxBodyBytes) {
      *error = "standard input is larger than 64 MiB";
      return false;
    }
  }
}

// The text of an argument, or of standard input for "-" (minus one trailing newline, so that
// `echo hello | ...` and here-strings give "hello").
bool ArgText(const std::string& arg, std::string* out) {
  if (arg != "-") {
    *out = arg;
    return true;
  }
  std::string error;
  if (!ReadStdin(out, &error)) {
    PrintError(error);
    return false;
  }
  if (!out->empty() && out->back() == '\n') out->pop_back();
  return true;
}

bool WriteStdout(std::string_view text) {
  return std::fwrite(text.data(), 1, text.size(), stdout) == text.size();
}

enum class Format { kRaw, kJson };

// Prints like `jq -r` (null: nothing, strings raw, containers indented by 2) or as compact JSON.
bool PrintValue(const json& value, Format format) {
  if (format == Format::kJson) return WriteStdout(Serialize(value, -1) + "\n");
  if (value.is_null()) return true;
  if (value.is_string()) return WriteStdout(value.get_ref<const std::string&>() + "\n");
  return WriteStdout(Serialize(value, 2) + "\n");
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 client

struct Endpoint {
  std::string host;  // without brackets
  std::string port;
  std::string host_header;
};

std::optional<Endpoint> ParseBaseUrl(std::string_view url, std::string* error) {
  std::string_view rest = url;
  if (const size_t scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
    const std::string scheme = Lower(rest.substr(0, scheme_end));
    if (scheme != "http") {
      *error = "unsupported URL scheme '" + scheme + "' in the runtime API URL (only http)";
      return std::nullopt;
    }
    rest.remove_prefix(scheme_end + 3);
  }
  rest = rest.substr(0, rest.find_first_of("/?#"));  // a base path is ignored (origin root)
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  Endpoint endpoint;
  std::string_view port;
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      *error = "invalid runtime API URL '" + std::string(url) + "'";
      return std::nullopt;
    }
    endpoint.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (after.starts_with(':')) port = after.substr(1);
  } else {
    const size_t colon = rest.rfind(':');
    endpoint.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (port.empty()) port = "80";
  unsigned port_number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (endpoint.host.empty() || ec != std::errc() || end != port.data() + port.size() ||
      port_number == 0 || port_number > 65535) {
    *error = "invalid runtime API URL '" + std::string(url) + "'";
    return std::nullopt;
  }
  endpoint.port = std::to_string(port_number);
  const bool v6 = endpoint.host.find(':') != std::string::npos;
  endpoint.host_header = (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + endpoint.port;
  return endpoint;
}

struct HttpResponse {
  int status = 0;
  std::string body;
};

class Connection {
 public:
  explicit Connection(SteadyClock::time_point deadline) : deadline_(deadline) {}
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const std::string& error() const { return error_; }
  bool timed_out() const { return timed_out_; }

  bool Connect(const Endpoint& endpoint) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    int rc = ::getaddrinfo(endpoint.host.c_str(), endpoint.port.c_str(), &hints, &list);
    if (rc != 0 && Lower(endpoint.host) == "localhost") {
      // A sandbox may have no /etc/hosts.
      rc = ::getaddrinfo("127.0.0.1", endpoint.port.c_str(), &hints, &list);
    }
    if (rc != 0) {
      error_ = "cannot resolve '" + endpoint.host + "': " + ::gai_strerror(rc);
      return false;
    }
    std::string last_error = "no address";
    for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
      const int fd =
          ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0) {
        last_error = std::strerror(errno);
        continue;
      }
      if (ConnectOne(fd, ai->ai_addr, ai->ai_addrlen, &last_error)) {
        fd_ = fd;
        break;
      }
      ::close(fd);
      if (timed_out_) break;
    }
    ::freeaddrinfo(list);
    if (fd_ < 0) {
      error_ = "cannot connect to " + endpoint.host_header + ": " + last_error;
      return false;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return true;
  }

  bool SendAll(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN)) {
        if (!Wait(POLLOUT)) return false;
        continue;
      }
      error_ = std::string("send failed: ") + std::strerror(errno);
      return false;
    }
    return true;
  }

  bool ReadResponse(HttpResponse* response) {
    for (;;) {
      size_t header_end;
      while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
        if (buffer_.size() > kMaxHeaderBytes) return Fail("response header too large");
        if (!Fill()) return Fail(eof_ ? "connection closed before the response" : error_);
      }
      const std::string head = buffer_.substr(0, header_end);
      buffer_.erase(0, header_end + 4);
      std::optional<size_t> content_length;
      bool chunked = false;
      if (!ParseHead(head, &response->status, &content_length, &chunked)) return false;
      if (response->status >= 100 && response->status < 200) continue;  // interim response
      if (response->status == 204 || response->status == 304) return true;
      if (chunked) return ReadChunked(&response->body);
      if (content_length) return ReadLength(*content_length, &response->body);
      return ReadUntilClose(&response->body);
    }
  }

 private:
  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  int RemainingMs() const {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - SteadyClock::now());
    return static_cast<int>(std::max<int64_t>(0, left.count()));
  }

  bool Wait(short events) {
    for (;;) {
      const int ms = RemainingMs();
      if (ms == 0) {
        timed_out_ = true;
        return Fail("timed out after " + std::to_string(kTimeout.count()) + " s");
      }
      pollfd p{fd_, events, 0};
      const int rc = ::poll(&p, 1, ms);
      if (rc > 0) return true;
      if (rc < 0 && errno != EINTR) return Fail(std::string("poll: ") + std::strerror(errno));
    }
  }

  bool ConnectOne(int fd, const sockaddr* address, socklen_t length, std::string* error) {
    if (::connect(fd, address, length) == 0) return true;
    if (errno != EINPROGRESS && errno != EINTR) {
      *error = std::strerror(errno);
      return false;
    }
    fd_ = fd;
    const bool ready = Wait(POLLOUT);
    fd_ = -1;
    if (!ready) {
      *error = error_;
      return false;
    }
    int so_error = 0;
    socklen_t so_length = sizeof so_error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_length) != 0) so_error = errno;
    if (so_error != 0) {
      *error = std::strerror(so_error);
      return false;
    }
    return true;
  }

  // Reads more bytes into buffer_; false on EOF (eof_ set), error or timeout.
  bool Fill() {
    for (;;) {
      const size_t old_size = buffer_.size();
      buffer_.resize(old_size + 65536);
      const ssize_t n = ::recv(fd_, buffer_.data() + old_size, 65536, 0);
      buffer_.resize(old_size + static_cast<size_t>(std::max<ssize_t>(n, 0)));
      if (n > 0) return true;
      if (n == 0) {
        eof_ = true;
        return false;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        if (!Wait(POLLIN)) return false;
        continue;
      }
      error_ = std::string("receive failed: ") + std::strerror(errno);
      return false;
    }
  }

  bool ParseHead(const std::string& head, int* status, std::optional<size_t>* content_length,
                 bool* chunked) {
    size_t line_end = head.find("\r\n");
    const std::string_view status_line = std::string_view(head).substr(0, line_end);
    // "HTTP/1.1 200 OK"
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') {
      return Fail("malformed response status line");
    }
    int code = 0;
    const auto [end, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, code);
    if (ec != std::errc() || end != status_line.data() + 12 || code < 100) {
      return Fail("malformed response status line");
    }
    *status = code;
    while (line_end != std::string::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string_view line = std::string_view(head).substr(
          start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string name = Lower(line.substr(0, colon));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
      if (name == "transfer-encoding") {
        const std::string codings = Lower(value);
        const size_t last_comma = codings.rfind(',');
        std::string_view last =
            std::string_view(codings).substr(last_comma == std::string::npos ? 0 : last_comma + 1);
        while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
        if (last == "chunked") *chunked = true;
      } else if (name == "content-length") {
        size_t n = 0;
        const auto [p, e] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (e != std::errc() || p != value.data() + value.size() ||
            (content_length->has_value() && **content_length != n)) {
          return Fail("malformed Content-Length in the response");
        }
        *content_length = n;
      }
    }
    return true;
  }

  bool ReadLength(size_t length, std::string* body) {
    if (length > kMaxBodyBytes) return Fail("response body larger than 64 MiB");
    while (buffer_.size() < length) {
      if (!Fill()) return Fail(eof_ ? "connection closed in the middle of the response" : error_);
    }
    body->assign(buffer_, 0, length);
    return true;
  }

  bool ReadUntilClose(std::string* body) {
    while (Fill()) {
      if (buffer_.size() > kMaxBodyBytes) return Fail("response body larger than 64 MiB");
    }
    if (!eof_) return false;
    *body = std::move(buffer_);
    buffer_.clear();
    return true;
  }

  // A CRLF-terminated line starting at buffer_[*pos]; advances *pos past it.
  bool ReadLine(size_t* pos, std::string_view* line) {
    size_t end;
    while ((end = buffer_.find("\r\n", *pos)) == std::string::npos) {
      if (buffer_.size() - *pos > 4096) return Fail("malformed chunked response");
      if (!Fill()) return Fail(eof_ ? "connection closed in the middle of the response" : error_);
    }
    *line = std::string_view(buffer_).substr(*pos, end - *pos);
    *pos = end + 2;
    return true;
  }

  bool ReadChunked(std::string* body) {
    size_t pos = 0;
    for (;;) {
      std::string_view line;
      if (!ReadLine(&pos, &line)) return false;
      line = line.substr(0, line.find(';'));
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
      size_t size = 0;
      const auto [p, e] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
      if (line.empty() || e != std::errc() || p != line.data() + line.size()) {
        return Fail("malformed chunk size in the response");
      }
      if (size == 0) break;
      if (size > kMaxBodyBytes || body->size() + size > kMaxBodyBytes) {
        return Fail("response body larger than 64 MiB");
      }
      while (buffer_.size() < pos + size + 2) {
        if (!Fill()) return Fail(eof_ ? "connection closed in the middle of the response" : error_);
      }
      body->append(buffer_, pos, size);
      if (buffer_.compare(pos + size, 2, "\r\n") != 0) return Fail("malformed chunked response");
      pos += size + 2;
      buffer_.erase(0, pos);  // keep the buffer small
      pos = 0;
    }
    for (;;) {  // trailers, up to the empty line
      std::string_view line;
      if (!ReadLine(&pos, &line)) return false;
      if (line.empty()) return true;
      if (pos > kMaxHeaderBytes) return Fail("response trailers too large");
    }
  }

  SteadyClock::time_point deadline_;
  int fd_ = -1;
  std::string buffer_;
  std::string error_;
  bool eof_ = false;
  bool timed_out_ = false;
};

// ---------------------------------------------------------------------------------------------
// The runtime API

struct Config {
  std::string api_url;
  std::string token;
  std::string execution_id;
};

Config LoadConfig() {
  Config config;
  config.api_url = Env({"CRONIUM_RUNTIME_API", "CRONIUM_API_ENDPOINT"});
  if (config.api_url.empty()) config.api_url = kDefaultApi;
  config.token = Env({"CRONIUM_EXECUTION_TOKEN", "CRONIUM_API_TOKEN"});
  config.execution_id = Env({"CRONIUM_EXECUTION_ID"});
  return config;
}

std::string StatusText(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not found";
    case 413:
      return "request too large";
    case 429:
      return "rate limited";
    default:
      return "HTTP " + std::to_string(status);
  }
}

// The error text of a response: its "message", else its "error", else the status.
std::string ErrorMessage(int status, const std::optional<json>& body) {
  std::string message;
  if (body && body->is_object()) {
    for (const char* field : {"message", "error"}) {
      const auto it = body->find(field);
      if (it != body->end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
        message = it->get<std::string>();
        break;
      }
    }
  }
  if (message.empty()) message = StatusText(status);
  if (message.starts_with("HTTP ")) return message;
  if (status == 429 && message.find("rate") == std::string::npos) message += " (rate limited)";
  if (status == 413 && message.find("large") == std::string::npos) message += " (too large)";
  return message + " (HTTP " + std::to_string(status) + ")";
}

class Api {
 public:
  explicit Api(Config config) : config_(std::move(config)) {}

  // Checks the environment; prints the error and returns false when it is unusable.
  bool Ready() {
    std::string error;
    if (config_.token.empty()) {
      PrintError("CRONIUM_EXECUTION_TOKEN environment variable not set");
      return false;
    }
    if (config_.execution_id.empty()) {
      PrintError("CRONIUM_EXECUTION_ID environment variable not set");
      return false;
    }
    for (const char ch : config_.token) {
      const auto c = static_cast<unsigned char>(ch);
      if (c < 0x21 || c == 0x7f) {
        PrintError("CRONIUM_EXECUTION_TOKEN contains invalid characters");
        return false;
      }
    }
    endpoint_ = ParseBaseUrl(config_.api_url, &error);
    if (!endpoint_) {
      PrintError(error);
      return false;
    }
    return true;
  }

  std::string ExecutionPath(std::string_view suffix) const {
    return "/executions/" + EncodePathSegment(config_.execution_id) + std::string(suffix);
  }

  // Sends a request (retrying connection failures and 5xx) and returns the parsed envelope.
  // `ok_404` makes a 404 a success with a null envelope. Prints the error on failure.
  std::optional<json> Call(std::string_view method, const std::string& path,
                           const std::optional<std::string>& body, bool ok_404 = false) {
    std::string request;
    request.reserve(256 + (body ? body->size() : 0));
    request.append(method).append(" ").append(path).append(" HTTP/1.1\r\n");
    request.append("Host: ").append(endpoint_->host_header).append("\r\n");
    request.append("User-Agent: cronium-rt/").append(kVersion).append("\r\n");
    request.append("Authorization: Bearer ").append(config_.token).append("\r\n");
    request.append("Accept: application/json\r\n");
    if (body) {
      request.append("Content-Type: application/json\r\n");
      request.append("Content-Length: ").append(std::to_string(body->size())).append("\r\n");
    }
    request.append("Connection: close\r\n\r\n");
    if (body) request.append(*body);

    HttpResponse response;
    std::string transport_error;
    for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
      if (attempt > 1) std::this_thread::sleep_for(std::chrono::seconds(attempt - 1));  // 1s, 2s
      response = HttpResponse{};
      Connection connection(SteadyClock::now() + kTimeout);
      if (!connection.Connect(*endpoint_) || !connection.SendAll(request) ||
          !connection.ReadResponse(&response)) {
        transport_error = connection.error();
        continue;
      }
      transport_error.clear();
      if (response.status < 500) break;
    }
    if (!transport_error.empty()) {
      ApiError(transport_error + " (after " + std::to_string(kMaxAttempts) + " attempts)");
      return std::nullopt;
    }
    std::optional<json> parsed;
    if (!response.body.empty()) parsed = ParseBody(response.body);
    if (ok_404 && response.status == 404) return json(nullptr);
    if (response.status < 200 || response.status >= 300) {
      ApiError(ErrorMessage(response.status, parsed));
      return std::nullopt;
    }
    if (response.body.empty()) return json::object();
    if (!parsed) {
      ApiError("the runtime API sent a response that is not JSON");
      return std::nullopt;
    }
    if (parsed->is_object()) {
      const auto success = parsed->find("success");
      if (success != parsed->end() && *success == false) {
        ApiError(ErrorMessage(response.status, parsed));
        return std::nullopt;
      }
    }
    return parsed;
  }

 private:
  Config config_;
  std::optional<Endpoint> endpoint_;
};

const json kNull;

// A member of an object (null if absent or not an object). References, never copies.
const json& Member(const json& object, const std::string& name) {
  if (object.is_object()) {
    const auto it = object.find(name);
    if (it != object.end()) return *it;
  }
  return kNull;
}

// The "data" member of an envelope.
const json& Data(const json& envelope) { return Member(envelope, "data"); }

// ---------------------------------------------------------------------------------------------
// Commands

struct Args {
  std::string command;
  std::vector<std::string> positional;
  Format format = Format::kRaw;
  bool force_string = false;
};

int Finish(bool printed) {
  if (std::fflush(stdout) != 0 || !printed) {
    PrintError(std::string("cannot write to standard output: ") + std::strerror(errno));
    return 1;
  }
  return 0;
}

// The envelope of a variable's GET (its value: Member(Data(envelope), "value")).
std::optional<json> GetVariable(Api& api, const std::string& key) {
  return api.Call("GET", api.ExecutionPath("/variables/" + EncodePathSegment(key)), std::nullopt,
                  /*ok_404=*/true);
}

const json& ValueOf(const json& envelope) { return Member(Data(envelope), "value"); }

bool SetVariable(Api& api, const std::string& key, const std::string& value_json) {
  const std::string body = "{\"value\":" + value_json + "}";
  return api.Call("PUT", api.ExecutionPath("/variables/" + EncodePathSegment(key)), body)
      .has_value();
}

std::optional<bool> ParseCondition(const std::string& text) {
  const std::string value = Lower(text);
  if (value == "true" || value == "1" || value == "yes" || value == "on") return true;
  if (value == "false" || value == "0" || value == "no" || value == "off") return false;
  return std::nullopt;
}

std::optional<int64_t> ParseInteger(std::string_view text) {
  if (text.starts_with('+')) text.remove_prefix(1);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// context field lookup: the exact key, else a dotted path through objects (and array indexes).
const json& LookupField(const json& context, const std::string& field) {
  if (context.is_object() && context.contains(field)) return Member(context, field);
  const json* node = &context;
  size_t start = 0;
  while (start <= field.size()) {
    const size_t dot = std::min(field.find('.', start), field.size());
    const std::string part = field.substr(start, dot - start);
    if (node->is_object()) {
      const auto it = node->find(part);
      if (it == node->end()) return kNull;
      node = &*it;
    } else if (node->is_array()) {
      const auto index = ParseInteger(part);
      if (!index || *index < 0 || static_cast<size_t>(*index) >= node->size()) return kNull;
      node = &(*node)[static_cast<size_t>(*index)];
    } else {
      return kNull;
    }
    start = dot + 1;
  }
  return *node;
}

int Run(const Args& args) {
  const std::string& command = args.command;
  const auto& p = args.positional;
  auto arity = [&](size_t min, size_t max, const char* usage) -> bool {
    if (p.size() < min || p.size() > max) {
      UsageError(std::string("usage: cronium-rt ") + usage);
      return false;
    }
    return true;
  };

  if (command == "info") {
    if (!arity(0, 0, "info")) return 1;
    const Config config = LoadConfig();
    std::string text = "cronium-rt v" + std::string(kVersion) + "\n";
    text += "API URL: " + config.api_url + "\n";
    text += "Execution ID: " + config.execution_id + "\n";
    text += "Token: " + config.token.substr(0, 10) + "...\n";
    return Finish(WriteStdout(text));
  }

  // Validate the arguments before touching the network.
  struct Spec {
    const char* name;
    size_t min, max;
    const char* usage;
  };
  static constexpr Spec kSpecs[] = {
      {"input", 0, 0, "input"},
      {"output", 1, 1, "output <data|->"},
      {"get", 1, 1, "get <key>"},
      {"set", 2, 2, "set <key> <value|-> [--string]"},
      {"delete", 1, 1, "delete <key>"},
      {"exists", 1, 1, "exists <key>"},
      {"condition", 1, 1, "condition <true|false>"},
      {"get-condition", 0, 0, "get-condition"},
      {"context", 0, 1, "context [field]"},
      {"increment", 1, 2, "increment <key> [by]"},
      {"append", 2, 3, "append <key> <text> [separator]"},
  };
  const Spec* spec = nullptr;
  for (const Spec& s : kSpecs) {
    if (command == s.name) spec = &s;
  }
  if (spec == nullptr) return UsageError("unknown command '" + command + "'");
  if (!arity(spec->min, spec->max, spec->usage)) return 1;
  const bool keyed = command == "get" || command == "set" || command == "delete" ||
                     command == "exists" || command == "increment" || command == "append";
  if (keyed && p[0].empty()) return UsageError("the variable key must not be empty");

  std::optional<bool> condition;
  if (command == "condition") {
    condition = ParseCondition(p[0]);
    if (!condition) {
      PrintError("Invalid condition value '" + p[0] + "'. Use true/false, 1/0, yes/no, or on/off");
      return 1;
    }
  }
  std::optional<int64_t> increment_by = int64_t{1};
  if (command == "increment" && p.size() == 2) {
    increment_by = ParseInteger(p[1]);
    if (!increment_by) {
      PrintError("the increment '" + p[1] + "' is not an integer");
      return 1;
    }
  }

  Api api(LoadConfig());
  if (!api.Ready()) return 1;

  if (command == "input") {
    const auto envelope = api.Call("GET", api.ExecutionPath("/input"), std::nullopt);
    if (!envelope) return 1;
    return Finish(PrintValue(Data(*envelope), args.format));
  }
  if (command == "output") {
    std::string text;
    if (!ArgText(p[0], &text)) return 1;
    const std::string body = "{\"data\":" + JsonOrString(text) + "}";
    return api.Call("POST", api.ExecutionPath("/output"), body) ? 0 : 1;
  }
  if (command == "get") {
    const auto envelope = GetVariable(api, p[0]);
    if (!envelope) return 1;
    return Finish(PrintValue(ValueOf(*envelope), args.format));
  }
  if (command == "set") {
    std::string text;
    if (!ArgText(p[1], &text)) return 1;
    return SetVariable(api, p[0], args.force_string ? JsonString(text) : JsonOrString(text)) ? 0
                                                                                             : 1;
  }
  if (command == "delete") {
    return api.Call("DELETE", api.ExecutionPath("/variables/" + EncodePathSegment(p[0])),
                    std::nullopt, /*ok_404=*/true)
               ? 0
               : 1;
  }
  if (command == "exists") {
    const auto envelope = GetVariable(api, p[0]);
    return envelope && !ValueOf(*envelope).is_null() ? 0 : 1;
  }
  if (command == "condition") {
    const std::string body = *condition ? "{\"condition\":true}" : "{\"condition\":false}";
    return api.Call("POST", api.ExecutionPath("/condition"), body) ? 0 : 1;
  }
  if (command == "get-condition") {
    const auto envelope = api.Call("GET", api.ExecutionPath("/condition"), std::nullopt);
    if (!envelope) return 1;
    const bool value = Member(Data(*envelope), "condition") == true;
    return Finish(WriteStdout(value ? "true\n" : "false\n"));
  }
  if (command == "context") {
    const auto envelope = api.Call("GET", api.ExecutionPath("/context"), std::nullopt);
    if (!envelope) return 1;
    const json& context = Data(*envelope);
    if (p.empty() && context.is_null()) return Finish(PrintValue(json::object(), args.format));
    if (p.empty()) return Finish(PrintValue(context, args.format));
    return Finish(PrintValue(LookupField(context, p[0]), args.format));
  }
  if (command == "increment") {
    const auto envelope = GetVariable(api, p[0]);
    if (!envelope) return 1;
    const json* current = &ValueOf(*envelope);
    int64_t value = 0;
    if (current->is_number_integer()) {
      if (current->is_number_unsigned() && current->get<uint64_t>() > INT64_MAX) {
        PrintError("Variable '" + p[0] + "' is too large to increment");
        return 1;
      }
      value = current->get<int64_t>();
    } else if (current->is_string() && ParseInteger(current->get_ref<const std::string&>()) &&
               !current->get_ref<const std::string&>().starts_with('+')) {
      value = *ParseInteger(current->get_ref<const std::string&>());
    } else if (!current->is_null()) {
      PrintError("Variable '" + p[0] + "' is not an integer (it is " +
                 Serialize(*current, -1).substr(0, 100) + ")");
      return 1;
    }
    int64_t result = 0;
    if (__builtin_add_overflow(value, *increment_by, &result)) {
      PrintError("incrementing variable '" + p[0] + "' overflows");
      return 1;
    }
    if (!SetVariable(api, p[0], std::to_string(result))) return 1;
    return Finish(WriteStdout(std::to_string(result) + "\n"));
  }
  if (command == "append") {
    const auto envelope = GetVariable(api, p[0]);
    if (!envelope) return 1;
    const json& current = ValueOf(*envelope);
    std::string text;
    if (current.is_string()) {
      text = current.get<std::string>();
    } else if (!current.is_null()) {
      text = Serialize(current, -1);
    }
    if (!text.empty() && p.size() == 3) text += p[2];
    text += p[1];
    return SetVariable(api, p[0], JsonString(text)) ? 0 : 1;
  }
  return UsageError("unknown command '" + command + "'");
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (!options_done && arg == "--") {
      options_done = true;
    } else if (!options_done && (arg == "--help" || (arg == "-h" && i == 1) ||
                                 (arg == "help" && args.command.empty()))) {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      return 0;
    } else if (!options_done && arg == "--version") {
      std::printf("cronium-rt %s\n", kVersion.data());
      return 0;
    } else if (!options_done && arg == "--json") {
      args.format = Format::kJson;
    } else if (!options_done && arg == "--raw") {
      args.format = Format::kRaw;
    } else if (!options_done && arg == "--string") {
      args.force_string = true;
    } else if (!options_done && arg.size() > 2 && arg.starts_with("--")) {
      return UsageError("unknown option '" + arg + "'");
    } else if (args.command.empty()) {
      args.command = arg;
    } else {
      args.positional.push_back(arg);
    }
  }
  if (args.command.empty()) {
    std::fwrite(kUsage.data(), 1, kUsage.size(), stderr);
    return 1;
  }
  try {
    return Run(args);
  } catch (const std::exception& e) {  // e.g. bad_alloc; never crash with a core dump
    PrintError(std::string("cronium-rt: ") + e.what());
    return 1;
  }
}
