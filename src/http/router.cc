#include "http/router.h"

#include "base/logging.h"

namespace cronium::http {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    const size_t end = path.find('/', pos);
    parts.push_back(path.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (end == std::string_view::npos) break;
    pos = end;
  }
  return parts;
}

enum class Match { kNo, kYes, kBadEncoding };

Match MatchRoute(const std::vector<std::string>& pattern,
                 const std::vector<std::string_view>& parts,
                 std::map<std::string, std::string>* params) {
  for (size_t idx = 0; idx < pattern.size(); ++idx) {
    const std::string& seg = pattern[idx];
    const bool is_param = seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
    const bool is_rest = is_param && seg.size() > 5 && seg.compare(seg.size() - 4, 4, "...}") == 0;
    if (is_rest) {
      if (idx >= parts.size()) return Match::kNo;
      std::string joined;
      for (size_t rest = idx; rest < parts.size(); ++rest) {
        if (!joined.empty()) joined.push_back('/');
        auto decoded = PercentDecode(parts[rest], false);
        if (!decoded) return Match::kBadEncoding;
        joined += *decoded;
      }
      if (params) (*params)[seg.substr(1, seg.size() - 5)] = joined;
      return Match::kYes;
    }
    if (idx >= parts.size()) return Match::kNo;
    if (is_param) {
      auto decoded = PercentDecode(parts[idx], false);
      if (!decoded) return Match::kBadEncoding;
      if (params) (*params)[seg.substr(1, seg.size() - 2)] = std::move(*decoded);
    } else if (parts[idx] != seg) {
      return Match::kNo;
    }
  }
  return pattern.size() == parts.size() ? Match::kYes : Match::kNo;
}

}  // namespace

std::string ErrorBody(std::string_view code, std::string_view message) {
  return "{\"error\":\"" + JsonEscape(code) + "\",\"message\":\"" + JsonEscape(message) + "\"}";
}

void Router::Add(Method method, std::string pattern, Handler handler) {
  std::vector<std::string> segments;
  for (std::string_view part : Split(pattern)) segments.emplace_back(part);
  routes_.push_back(Route{method, std::move(segments), std::move(handler)});
}

void Router::Dispatch(Request& request, Responder respond) const {
  const auto parts = Split(request.path);
  std::string allowed;
  for (const Route& route : routes_) {
    const Match match = MatchRoute(route.segments, parts, nullptr);
    if (match == Match::kBadEncoding) {
      respond(
          Response::Json(400, ErrorBody("INVALID_ARGUMENT", "malformed percent-encoding in path")));
      return;
    }
    if (match == Match::kNo) continue;
    const bool method_ok = route.method == request.method ||
                           (route.method == Method::kGet && request.method == Method::kHead);
    if (!method_ok) {
      if (!allowed.empty()) allowed += ", ";
      allowed += ToString(route.method);
      continue;
    }
    request.path_params.clear();
    (void)MatchRoute(route.segments, parts, &request.path_params);
    route.handler(request, std::move(respond));
    return;
  }
  if (!allowed.empty()) {
    Response response = Response::Json(
        405, ErrorBody("METHOD_NOT_ALLOWED", std::string(ToString(request.method)) +
                                                 " is not allowed here; use " + allowed));
    response.headers.emplace_back("Allow", allowed);
    respond(std::move(response));
    return;
  }
  if (fallback_) {
    request.path_params.clear();
    fallback_(request, std::move(respond));
    return;
  }
  respond(Response::Json(404, ErrorBody("NOT_FOUND", "no such endpoint: " + request.path)));
}

void Router::SetFallback(Handler handler) { fallback_ = std::move(handler); }

}  // namespace cronium::http
