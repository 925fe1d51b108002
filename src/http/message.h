#pragma once

// Transport-neutral HTTP request and response values, so handlers never see Boost.Beast.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/websocket.h"

namespace cronium::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view ToString(Method method);

struct Request {
  Method method = Method::kGet;
  std::string target;  // as sent: path plus query
  std::string path;    // path as sent (still percent-encoded), without the query
  std::string query;   // raw query string, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote_address;
  std::string listener;  // "" for TCP; the tag of the Unix socket it came through otherwise
  std::map<std::string, std::string> path_params;  // filled by the router, percent-decoded

  // The first header with this (lower-case) name.
  std::optional<std::string_view> Header(std::string_view lower_name) const;
  // The first query parameter with this name, percent-decoded ('+' is a space).
  std::optional<std::string> QueryParam(std::string_view name) const;
  const std::string& PathParam(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set by a handler that wants this connection to become a WebSocket. If the request is a
  // WebSocket upgrade, the server answers 101 (with `headers` added; status and body are
  // ignored) and then calls `upgrade` with the open socket on a handler thread. Otherwise the
  // client gets 426 with a JSON error, and `upgrade` is dropped without being called; so is it
  // when the handshake fails or the server is shutting down (503).
  UpgradeHandler upgrade;

  static Response Json(int status, std::string body) {
    return Response{.status = status, .body = std::move(body)};
  }
  static Response WebSocketUpgrade(UpgradeHandler on_open) {
    return Response{.status = 101, .upgrade = std::move(on_open)};
  }
};

// Completes a request. Call it exactly once, from any thread; later calls are ignored.
using Responder = std::function<void(Response)>;
// A handler may respond before it returns or keep the Responder and respond later (long polls).
using Handler = std::function<void(Request&, Responder)>;

// Percent-decodes `text`; '+' becomes a space when `plus_is_space`. nullopt on a bad escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);
std::string PercentEncode(std::string_view text);

}  // namespace cronium::http
