#pragma once

// A file compiled into the binary by cmake/Embed.cmake (migrations, web assets).

#include <cstddef>
#include <span>
#include <string_view>

namespace cronium {

struct EmbeddedFile {
  const char* name;  // path relative to the embedded directory
  const char* data;
  size_t size;

  std::string_view contents() const { return {data, size}; }
};

}  // namespace cronium
