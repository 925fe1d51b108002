// The seccomp program the launcher loads into every payload (compiled at build time): what it
// refuses and with which error, and what it lets through. Each case runs in a child process
// that loads the program, as a payload does; each call would fail otherwise in another way
// (or harmlessly succeed), so the filter is what these tests see.

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <functional>
#include <iterator>

#include <gtest/gtest.h>

#include "sandbox/payload_filter.h"

namespace cronium::sandbox {
namespace {

// Runs `call` in a child under the filter; returns the errno it ended with (0: it succeeded),
// or -1 if the child did not exit normally.
int ErrnoUnderFilter(const std::function<long()>& call) {
  const pid_t child = ::fork();
  if (child == 0) {
    sock_fprog program{static_cast<unsigned short>(std::size(kPayloadFilter)),
                       const_cast<sock_filter*>(kPayloadFilter)};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
      ::_exit(255);
    }
    errno = 0;
    const long result = call();
    ::_exit(result < 0 ? (errno & 0x7f) : 0);
  }
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status) == 255 ? -1 : WEXITSTATUS(status);
}

TEST(PayloadFilterTest, RefusesWhatChangesMountsNamespacesOrTheKernel) {
  EXPECT_EQ(ErrnoUnderFilter([] { return ::mount("none", "/nonexistent-cronium", "tmpfs", 0, nullptr); }), EPERM);
  EXPECT_EQ(ErrnoUnderFilter([] { return ::umount2("/nonexistent-cronium", 0); }), EPERM);
  EXPECT_EQ(ErrnoUnderFilter([] { return ::unshare(CLONE_NEWNS); }), EPERM);
  EXPECT_EQ(ErrnoUnderFilter([] { return ::syscall(SYS_setns, 0, 0); }), EPERM);
  EXPECT_EQ(ErrnoUnderFilter([] { return ::syscall(SYS_ptrace, 0, 0, 0, 0); }), EPERM);
  EXPECT_EQ(ErrnoUnderFilter([] { return ::syscall(SYS_io_uring_setup, 1, nullptr); }), EPERM);
  EXPECT_EQ(ErrnoUnderFilter([] { return ::syscall(SYS_bpf, 0, nullptr, 0); }), EPERM);
  EXPECT_EQ(ErrnoUnderFilter([] { return ::syscall(SYS_kexec_load, 0, 0, nullptr, 0xdead0000UL); }), EPERM);
}

TEST(PayloadFilterTest, CloneOnlyWithoutNamespaceFlagsAndClone3FallsBack) {
  for (unsigned long flag : {CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID,
                             CLONE_NEWNET, CLONE_NEWCGROUP}) {
    EXPECT_EQ(ErrnoUnderFilter([flag] {
                return ::syscall(SYS_clone, flag | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
              }),
              EPERM)
        << std::hex << flag;
  }
  EXPECT_EQ(ErrnoUnderFilter([] { return ::syscall(SYS_clone3, nullptr, 0); }), ENOSYS);
  // A plain fork works, and so does the child it makes.
  EXPECT_EQ(ErrnoUnderFilter([] {
              const pid_t pid = ::fork();
              if (pid == 0) ::_exit(0);
              int status = 1;
              return pid > 0 && ::waitpid(pid, &status, 0) == pid && status == 0 ? 0L : -1L;
            }),
            0);
}

TEST(PayloadFilterTest, SocketsOfTheFamiliesAScriptNeedsOnly) {
  for (int family : {AF_UNIX, AF_INET, AF_INET6}) {
    EXPECT_EQ(ErrnoUnderFilter([family] { return ::socket(family, SOCK_STREAM, 0); }), 0)
        << family;
  }
  for (int family : {AF_PACKET, AF_VSOCK, AF_BLUETOOTH, AF_ALG, AF_KEY}) {
    EXPECT_EQ(ErrnoUnderFilter([family] { return ::socket(family, SOCK_STREAM, 0); }),
              EAFNOSUPPORT)
        << family;
  }
}

TEST(PayloadFilterTest, EverydayCallsPass) {
  EXPECT_EQ(ErrnoUnderFilter([] { return static_cast<long>(::getpid()); }), 0);
  EXPECT_EQ(ErrnoUnderFilter([] { return static_cast<long>(::open("/dev/null", O_RDONLY)); }), 0);
}

}  // namespace
}  // namespace cronium::sandbox
