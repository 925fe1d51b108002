#pragma once

// The web UI's files as the server holds them: each with its content type, a strong ETag and
// its bytes, precompressed at build time (gzip and brotli) where compressing pays off.

#include <string_view>
#include <vector>

namespace cronium::webui {

struct Asset {
  std::string_view path;          // as requested: "/index.html", "/assets/index-3f9a1c.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view etag;          // of the raw bytes, quoted: "\"9c1e...\""
  std::string_view raw;           // the bytes; empty when only compressed forms are kept
  std::string_view gzip;          // gzip of the bytes; empty when not compressed
  std::string_view brotli;        // brotli of the bytes; empty when not compressed
  size_t raw_size = 0;
};

// The files built into this binary (empty in a build configured with -DCRONIUM_WEB_UI=OFF).
const std::vector<Asset>& EmbeddedAssets();
// Whether this binary was built with the web UI.
bool EmbeddedUiBuilt();

}  // namespace cronium::webui
