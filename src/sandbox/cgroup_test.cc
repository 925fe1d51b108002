#include "sandbox/cgroup.h"

#include <gtest/gtest.h>

namespace cronium::sandbox {
namespace {

TEST(LocateCgroupsTest, HybridV1WithAnEmptyUnifiedHierarchy) {
  const auto placement = LocateCgroups(
      "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n2:cpuacct:/\n1:cpu:/\n0::/\n",
      "30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
      "31 30 0:27 / /sys/fs/cgroup/unified rw shared:4 - cgroup2 cgroup2 rw\n"
      "32 30 0:28 / /sys/fs/cgroup/memory rw shared:5 - cgroup cgroup rw,memory\n"
      "33 30 0:29 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
      "34 30 0:30 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
      "35 30 0:31 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n");
  EXPECT_EQ(placement.v1_dirs.at("memory"), "/sys/fs/cgroup/memory/process_api/abc");
  EXPECT_EQ(placement.v1_dirs.at("pids"), "/sys/fs/cgroup/pids");
  EXPECT_EQ(placement.v1_dirs.at("cpu"), "/sys/fs/cgroup/cpu");
  EXPECT_EQ(placement.v1_dirs.at("cpuacct"), "/sys/fs/cgroup/cpuacct");
  EXPECT_EQ(placement.v2_dir, "/sys/fs/cgroup/unified");
}

TEST(LocateCgroupsTest, PureV2UnderSystemd) {
  const auto placement =
      LocateCgroups("0::/system.slice/cronium.service\n",
                    "25 1 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - "
                    "cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n");
  EXPECT_TRUE(placement.v1_dirs.empty());
  EXPECT_EQ(placement.v2_dir, "/sys/fs/cgroup/system.slice/cronium.service");
}

TEST(LocateCgroupsTest, CoMountedControllersShareADirectory) {
  const auto placement = LocateCgroups(
      "5:cpu,cpuacct:/user.slice\n4:memory:/user.slice\n3:pids:/user.slice/user-0.slice\n",
      "40 30 0:33 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
      "41 30 0:34 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
      "42 30 0:35 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n");
  EXPECT_EQ(placement.v1_dirs.at("cpu"), "/sys/fs/cgroup/cpu,cpuacct/user.slice");
  EXPECT_EQ(placement.v1_dirs.at("cpuacct"), "/sys/fs/cgroup/cpu,cpuacct/user.slice");
  EXPECT_EQ(placement.v1_dirs.at("pids"), "/sys/fs/cgroup/pids/user.slice/user-0.slice");
  EXPECT_TRUE(placement.v2_dir.empty());
}

TEST(LocateCgroupsTest, AContainerSeesItsCgroupAtTheMountRoot) {
  // Without a cgroup namespace the mount root is the container's cgroup.
  const auto placement = LocateCgroups(
      "0::/docker/abc123\n", "50 40 0:40 /docker/abc123 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  EXPECT_EQ(placement.v2_dir, "/sys/fs/cgroup");
  // A cgroup outside the mount's root is not reachable through it.
  const auto outside =
      LocateCgroups("4:memory:/other\n",
                    "41 30 0:34 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
  EXPECT_TRUE(outside.v1_dirs.empty());
}

}  // namespace
}  // namespace cronium::sandbox
