#pragma once

// Process-wide logging setup on spdlog. Call InitLogging once from main before starting threads.
// Log lines never contain secrets: callers pass ids, never tokens, keys or env var values.

#include <string>
#include <string_view>

#include "base/error.h"

namespace cronium {

enum class LogFormat { kText, kJson };

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error, off
  LogFormat format = LogFormat::kText;
};

Status InitLogging(const LogOptions& options);

// Escapes `text` for embedding in a JSON string (without the surrounding quotes).
std::string JsonEscape(std::string_view text);

}  // namespace cronium
