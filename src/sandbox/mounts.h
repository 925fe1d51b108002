#pragma once

// What the launcher reads of /proc/self/mountinfo: the mount points at or below a directory, so
// that a bind of a host tree can make every mount in it read-only, nosuid and nodev, not only
// its top (on kernels without mount_setattr's AT_RECURSIVE).

#include <string>
#include <string_view>
#include <vector>

namespace cronium::sandbox {

// The mount points of `mountinfo` (the text of /proc/<pid>/mountinfo) that are `dir` or below
// it, in the order listed (a parent before its children), with the kernel's octal escapes
// (\040 for a space, ...) decoded. Malformed lines are passed over.
std::vector<std::string> MountPointsUnder(std::string_view mountinfo, std::string_view dir);

}  // namespace cronium::sandbox
