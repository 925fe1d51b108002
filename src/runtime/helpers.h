#pragma once

// The runtime helpers scripts use (src/runtime/helpers/, compiled into the binary): bash
// functions (bin/cronium.sh, loaded through BASH_ENV) over the small `cronium-rt` client, the
// Python module `cronium` with a sitecustomize that puts it into builtins, and the Node module
// with a --require preload that makes it a global. The server writes them out at start-up.

#include <string>

#include "base/error.h"

namespace cronium::runtime {

// Writes the helpers into `dir` (created, emptied first; dirs 0755, files 0644), with the
// `cronium-rt` executable copied from `client_path` into dir/bin (0755).
Status InstallHelpers(const std::string& dir, const std::string& client_path);

// Where `cronium-rt` is: beside the running binary.
std::string DefaultClientPath();

}  // namespace cronium::runtime
