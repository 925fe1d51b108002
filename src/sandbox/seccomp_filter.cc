#include "sandbox/seccomp_filter.h"

#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace cronium::sandbox {
namespace {

// Syscalls a script has no business making: they change mounts, namespaces, the kernel or other
// processes' memory. Denied with EPERM.
constexpr const char* kDeniedSyscalls[] = {
    "mount",
    "umount",
    "umount2",
    "pivot_root",
    "chroot",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "bpf",
    "perf_event_open",
    "unshare",
    "setns",
    "keyctl",
    "add_key",
    "request_key",
    "userfaultfd",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "open_by_handle_at",
    "name_to_handle_at",
    "swapon",
    "swapoff",
    "reboot",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "acct",
    "quotactl",
    "syslog",
    "iopl",
    "ioperm",
    "lookup_dcookie",
    "vhangup",
    "nfsservctl",
    "pidfd_getfd",
    "kcmp",
    "fanotify_init",
    // io_uring's operations are not seen by seccomp, and it is a large attack surface.
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
};

constexpr uint64_t kNamespaceFlags[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,   CLONE_NEWUSER,
                                        CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP};

scmp_filter_ctx BuildFilter(std::string* error) {
  scmp_filter_ctx ctx = ::seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) {
    *error = "seccomp_init failed";
    return nullptr;
  }
  int rc = 0;
  for (const char* name : kDeniedSyscalls) {
    const int nr = ::seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    rc = ::seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
    if (rc != 0) break;
  }
  // clone: only without namespace flags. clone3 passes its flags in memory a filter cannot
  // read: ENOSYS makes the C library fall back to clone.
  for (uint64_t flag : kNamespaceFlags) {
    if (rc != 0) break;
    rc = ::seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                            SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
  }
  if (rc == 0) rc = ::seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  // Sockets of the families a script needs (Unix, IPv4, IPv6, netlink within its own network
  // namespace) only: others, such as AF_VSOCK to a hypervisor, have no network namespace.
  for (int family = 0; rc == 0 && family <= AF_NETLINK; ++family) {
    if (family == AF_UNIX || family == AF_INET || family == AF_INET6 || family == AF_NETLINK) {
      continue;
    }
    rc = ::seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                            SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(family)));
  }
  if (rc == 0) {
    rc = ::seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                            SCMP_A0(SCMP_CMP_GT, static_cast<scmp_datum_t>(AF_NETLINK)));
  }
  if (rc != 0) {
    *error = std::string("seccomp rule: ") + std::strerror(-rc);
    ::seccomp_release(ctx);
    return nullptr;
  }
  return ctx;
}

}  // namespace

std::vector<sock_filter> CompilePayloadFilter(std::string* error) {
  scmp_filter_ctx ctx = BuildFilter(error);
  if (ctx == nullptr) return {};
  std::vector<sock_filter> program;
  // libseccomp 2.5 exports to a file descriptor only.
  const int fd = ::memfd_create("seccomp-bpf", MFD_CLOEXEC);
  if (fd < 0) {
    *error = std::string("memfd_create: ") + std::strerror(errno);
  } else if (const int rc = ::seccomp_export_bpf(ctx, fd); rc != 0) {
    *error = std::string("seccomp_export_bpf: ") + std::strerror(-rc);
  } else {
    const off_t size = ::lseek(fd, 0, SEEK_END);
    program.resize(static_cast<size_t>(size) / sizeof(sock_filter));
    if (size <= 0 || size % sizeof(sock_filter) != 0 ||
        ::pread(fd, program.data(), static_cast<size_t>(size), 0) != size) {
      *error = "seccomp_export_bpf wrote no whole program";
      program.clear();
    }
  }
  if (fd >= 0) ::close(fd);
  ::seccomp_release(ctx);
  return program;
}

}  // namespace cronium::sandbox
