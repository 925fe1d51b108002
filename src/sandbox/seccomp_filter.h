#pragma once

// The seccomp filter of every sandboxed payload, written with libseccomp and compiled to a
// classic BPF program at build time (`cronium-seccomp-gen` writes it into the launcher), so a
// run loads a ready program instead of building one: libseccomp's compilation was a fifth of a
// sandboxed `true`'s CPU (issue #20).

#include <linux/filter.h>

#include <string>
#include <vector>

namespace cronium::sandbox {

// The filter as a BPF program for this machine's architecture; empty with `error` set if
// libseccomp refused a rule.
std::vector<sock_filter> CompilePayloadFilter(std::string* error);

}  // namespace cronium::sandbox
