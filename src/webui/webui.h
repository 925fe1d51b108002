#pragma once

// Serves the web UI, a single-page app, beside the API: the router's fallback (every path no
// API route has). Rules:
//   - /api/..., /healthz, /readyz, /health and the runtime API's /executions/... never fall
//     back to the app: an unknown one is the API's JSON 404;
//   - /assets/... (content-hashed names) are cached for a year, immutable; a missing one is a
//     404, never the app's page;
//   - other paths whose last segment has no dot are the app's client routes: index.html, not
//     cached (no-cache, with an ETag for 304s); a missing file with an extension is a 404;
//   - only GET and HEAD (405 otherwise);
//   - brotli or gzip as the client accepts, precompressed; the raw bytes otherwise;
//   - every response carries a strict Content-Security-Policy (scripts only from the origin,
//     no framing), nosniff, a same-origin Referrer-Policy and Cross-Origin-Opener-Policy.
// A build without the UI (-DCRONIUM_WEB_UI=OFF) answers the app's paths with a one-line page
// saying so. With --ui-dir the files come from a directory at each request (UI development).

#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "http/message.h"
#include "webui/assets.h"

namespace cronium::webui {

class WebUi : public std::enable_shared_from_this<WebUi> {
 public:
  // The files built into this binary.
  static std::shared_ptr<const WebUi> Embedded();
  // The files of a directory (a `vite build` output: index.html and assets/), read at each
  // request. kInvalidArgument if it has no index.html.
  static Result<std::shared_ptr<const WebUi>> FromDirectory(const std::string& dir);
  // A table of files (tests).
  static std::shared_ptr<const WebUi> FromAssets(std::vector<Asset> assets, bool built = true);

  http::Response Serve(const http::Request& request) const;
  // The router's fallback handler.
  http::Handler Handler() const;

 private:
  WebUi() = default;
  std::vector<Asset> assets_;
  bool built_ = false;
  std::string dir_;  // "" unless files come from a directory
};

// The headers every UI response carries (CSP and friends), for the tests and the one-line page.
const std::vector<std::pair<std::string, std::string>>& SecurityHeaders();

}  // namespace cronium::webui
