#pragma once

// Content types of the web UI's files by extension, and whether a file of that type is worth
// compressing, and its ETag. Shared by the build-time asset generator and the server's --ui-dir
// mode.

#include <string>
#include <string_view>

namespace cronium::webui {

// "text/javascript; charset=utf-8" for "x.js"; application/octet-stream for what is unknown.
std::string_view ContentTypeFor(std::string_view path);
// Text formats (HTML, JS, CSS, SVG, JSON, ...): they shrink by a factor of 3 to 5.
bool Compressible(std::string_view content_type);
// A 128-bit digest of a file's bytes as 32 hex digits (FNV-1a in two lanes): its ETag. Not
// for security: it only tells versions of a file apart.
std::string Digest(std::string_view data);

}  // namespace cronium::webui
