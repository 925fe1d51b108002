#include "sandbox/mounts.h"

#include <gtest/gtest.h>

namespace cronium::sandbox {
namespace {

constexpr std::string_view kMountinfo =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "40 22 0:35 / /tmp/usr rw,relatime - ext4 /dev/sda1 rw\n"
    "41 40 0:36 / /tmp/usr/local rw,nosuid - tmpfs tmpfs rw\n"
    "42 41 0:37 / /tmp/usr/local/with\\040space rw - tmpfs tmpfs rw\n"
    "43 22 0:38 / /tmp/usrlocal rw - tmpfs tmpfs rw\n"
    "44 22 0:39 / /tmp/etc rw - ext4 /dev/sda1 rw\n"
    "garbage\n"
    "45 22 0:40\n";

TEST(MountPointsUnderTest, ListsTheDirAndWhatIsMountedBelowIt) {
  EXPECT_EQ(MountPointsUnder(kMountinfo, "/tmp/usr"),
            (std::vector<std::string>{"/tmp/usr", "/tmp/usr/local", "/tmp/usr/local/with space"}));
  EXPECT_EQ(MountPointsUnder(kMountinfo, "/tmp/usr/"), MountPointsUnder(kMountinfo, "/tmp/usr"));
  EXPECT_EQ(MountPointsUnder(kMountinfo, "/tmp/etc"), (std::vector<std::string>{"/tmp/etc"}));
  EXPECT_TRUE(MountPointsUnder(kMountinfo, "/srv").empty());
  EXPECT_EQ(MountPointsUnder(kMountinfo, "/").size(), 6u);
}

}  // namespace
}  // namespace cronium::sandbox
