#include "webui/webui.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "http/router.h"
#include "webui/content_type.h"

namespace cronium::webui {
namespace {

namespace fs = std::filesystem;
using http::Method;
using http::Request;
using http::Response;

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

// The API's own paths: an unknown one is a JSON 404, never the app's page.
bool IsApiPath(std::string_view path) {
  for (std::string_view root : {"/api", "/healthz", "/readyz", "/health", "/executions"}) {
    if (path.starts_with(root) && (path.size() == root.size() || path[root.size()] == '/')) {
      return true;
    }
  }
  return false;
}

Response JsonError(int status, std::string_view code, const std::string& message) {
  return Response::Json(status, http::ErrorBody(code, message));
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The comma-separated items of a request header (trimmed; none when it is absent).
std::vector<std::string_view> HeaderItems(const Request& request, std::string_view name) {
  std::vector<std::string_view> items;
  const auto header = request.Header(name);
  if (!header) return items;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    items.push_back(Trim(rest.substr(0, comma)));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return items;
}

// Whether the client takes `coding` ("br", "gzip") by its Accept-Encoding (q=0 refuses).
bool Accepts(const Request& request, std::string_view coding) {
  for (std::string_view item : HeaderItems(request, "accept-encoding")) {
    const size_t semicolon = item.find(';');
    const std::string_view name = Trim(item.substr(0, semicolon));
    if (name != coding && name != "*") continue;
    if (semicolon != std::string_view::npos) {
      const std::string_view params = item.substr(semicolon + 1);
      const size_t q = params.find("q=");
      if (q != std::string_view::npos) {
        const std::string value(params.substr(q + 2, 5));
        if (std::strtod(value.c_str(), nullptr) <= 0) return false;
      }
    }
    return true;
  }
  return false;
}

// Whether If-None-Match names `etag` (or is "*").
bool NotModified(const Request& request, std::string_view etag) {
  for (std::string_view item : HeaderItems(request, "if-none-match")) {
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag || item == "*") return true;
  }
  return false;
}

std::string Inflate(std::string_view gzip) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 32) != Z_OK) return {};
  std::string out;
  char buffer[64 << 10];
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzip.data()));
  stream.avail_in = static_cast<uInt>(gzip.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
  }
  inflateEnd(&stream);
  return rc == Z_STREAM_END ? out : std::string();
}

void AddSecurityHeaders(Response& response) {
  for (const auto& header : SecurityHeaders()) response.headers.push_back(header);
}

// The response for one file, in the coding the client takes.
Response FileResponse(const Request& request, const Asset& asset, std::string_view cache) {
  std::string_view body = asset.raw;
  std::string coding;
  std::string etag(asset.etag);
  const bool compressed = !asset.gzip.empty();
  if (!asset.brotli.empty() && Accepts(request, "br")) {
    body = asset.brotli;
    coding = "br";
  } else if (compressed && Accepts(request, "gzip")) {
    body = asset.gzip;
    coding = "gzip";
  }
  // Each coding is a representation of its own, with an ETag of its own.
  if (!coding.empty() && etag.size() >= 2) etag.insert(etag.size() - 1, "-" + coding);
  Response response;
  response.content_type = std::string(asset.content_type);
  response.headers.emplace_back("Cache-Control", std::string(cache));
  response.headers.emplace_back("ETag", etag);
  if (compressed) response.headers.emplace_back("Vary", "Accept-Encoding");
  AddSecurityHeaders(response);
  if (NotModified(request, etag)) {
    response.status = 304;
    return response;
  }
  if (!coding.empty()) {
    response.headers.emplace_back("Content-Encoding", coding);
    response.body = std::string(body);
  } else if (body.empty() && compressed) {
    response.body = Inflate(asset.gzip);  // a client that takes neither: rare
  } else {
    response.body = std::string(body);
  }
  return response;
}

Response FileNotFound(const std::string& path) {
  Response response = JsonError(404, "NOT_FOUND", "no such file: " + path);
  AddSecurityHeaders(response);
  return response;
}

std::optional<std::string> ReadRegularFile(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& SecurityHeaders() {
  static const std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "same-origin"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
  };
  return headers;
}

std::shared_ptr<const WebUi> WebUi::Embedded() {
  return FromAssets(EmbeddedAssets(), EmbeddedUiBuilt());
}

std::shared_ptr<const WebUi> WebUi::FromAssets(std::vector<Asset> assets, bool built) {
  std::shared_ptr<WebUi> ui(new WebUi());
  ui->assets_ = std::move(assets);
  ui->built_ = built;
  return ui;
}

Result<std::shared_ptr<const WebUi>> WebUi::FromDirectory(const std::string& dir) {
  std::error_code ec;
  const fs::path root = fs::canonical(dir, ec);
  if (ec || !fs::is_regular_file(root / "index.html", ec)) {
    return InvalidArgument(fmt::format(
        "--ui-dir {}: no index.html there (give the UI's build output, e.g. web/dist)", dir));
  }
  std::shared_ptr<WebUi> ui(new WebUi());
  ui->built_ = true;
  ui->dir_ = root.string();
  return std::shared_ptr<const WebUi>(std::move(ui));
}

Response WebUi::Serve(const Request& request) const {
  if (request.method != Method::kGet && request.method != Method::kHead) {
    Response response =
        JsonError(405, "METHOD_NOT_ALLOWED",
                  fmt::format("{} is not allowed here; use GET", http::ToString(request.method)));
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  const auto decoded = http::PercentDecode(request.path, /*plus_is_space=*/false);
  if (!decoded) return JsonError(400, "INVALID_ARGUMENT", "malformed percent-encoding in path");
  const std::string& path = *decoded;
  if (IsApiPath(path)) return JsonError(404, "NOT_FOUND", "no such endpoint: " + request.path);
  if (path.empty() || path.front() != '/' || path.find('\0') != std::string::npos ||
      path.find("/../") != std::string::npos || path.ends_with("/..") ||
      path.find("/./") != std::string::npos || path.find('\\') != std::string::npos) {
    return FileNotFound(request.path);
  }
  const size_t slash = path.rfind('/');
  const bool has_extension = path.find('.', slash) != std::string::npos;
  const bool is_asset = path == "/assets" || path.starts_with("/assets/");
  const bool client_route = !has_extension && !is_asset;

  if (!built_) {
    if (!client_route) return FileNotFound(request.path);
    Response response;
    response.content_type = "text/html; charset=utf-8";
    response.body =
        "<!doctype html><meta charset=\"utf-8\"><title>Cronium</title><p>The web UI is not "
        "built into this cronium binary (it was built with -DCRONIUM_WEB_UI=OFF); the REST API "
        "is at /api/v1.</p>\n";
    response.headers.emplace_back("Cache-Control", std::string(kRevalidate));
    AddSecurityHeaders(response);
    return response;
  }

  const std::string wanted = client_route ? "/index.html" : path;
  const std::string_view cache = is_asset ? kImmutable : kRevalidate;
  if (!dir_.empty()) {
    // UI development: the file as it is now. Paths stay inside the directory (no "..", and a
    // symlink out of it is not followed).
    std::error_code ec;
    const fs::path file = fs::weakly_canonical(fs::path(dir_ + wanted), ec);
    const std::string text = file.string();
    if (ec || !text.starts_with(dir_ + "/")) return FileNotFound(request.path);
    const auto data = ReadRegularFile(file);
    if (!data) return FileNotFound(request.path);
    const std::string etag = "\"" + Digest(*data) + "\"";
    Asset asset{.path = wanted,
                .content_type = ContentTypeFor(wanted),
                .etag = etag,
                .raw = *data,
                .raw_size = data->size()};
    return FileResponse(request, asset, cache);
  }
  for (const Asset& asset : assets_) {
    if (asset.path == wanted) return FileResponse(request, asset, cache);
  }
  return FileNotFound(request.path);
}

http::Handler WebUi::Handler() const {
  return [self = shared_from_this()](Request& request, http::Responder respond) {
    respond(self->Serve(request));
  };
}

}  // namespace cronium::webui
