#include "sandbox/launcher.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/cgroup.h"
#include "sandbox/mounts.h"
#include "sandbox/payload_filter.h"  // generated at build time
#include "sandbox/spec.h"

namespace cronium::sandbox {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Messages from inside the sandbox to the launcher on the status pipe: 'S' and the payload's
// wait status (4 bytes), or 'E' and why the sandbox could not start the payload.
constexpr char kStatusRecord = 'S';
constexpr char kErrorRecord = 'E';

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

bool WriteAll(int fd, const void* data, size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

[[noreturn]] void FailInside(int status_fd, const std::string& message) {
  // One line: PID 1 may append the payload's status record after it.
  std::string record(1, kErrorRecord);
  for (char c : message) record += c == '\n' ? ' ' : c;
  record += '\n';
  WriteAll(status_fd, record.data(), record.size());
  ::_exit(127);
}

std::string ReadRequest(int fd = kRequestFd) {
  std::string data;
  char buffer[65536];
  off_t offset = 0;
  for (;;) {
    const ssize_t got = ::pread(fd, buffer, sizeof buffer, offset);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    data.append(buffer, static_cast<size_t>(got));
    offset += got;
    if (data.size() > (64u << 20)) break;  // far beyond any request the server makes
  }
  return data;
}

void WriteReport(const Report& report) {
  const std::string data = Encode(report);
  if (::ftruncate(kRequestFd, 0) != 0) return;
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n =
        ::pwrite(kRequestFd, data.data() + done, data.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// ---- The file system ------------------------------------------------------------------------

constexpr const char* kStagingRoot = "/tmp";  // a tmpfs is mounted over it, inside the sandbox

void MountOrFail(int status_fd, const char* source, const std::string& target, const char* type,
                 unsigned long flags, const std::string& data) {
  if (::mount(source, target.c_str(), type, flags, data.empty() ? nullptr : data.c_str()) != 0) {
    FailInside(status_fd, Errno(std::string("mount ") + (source ? source : "") + " on " + target));
  }
}

// A host file of at most about `max` bytes (a longer one is cut there); nullopt if it cannot
// be opened.
std::optional<std::string> ReadSmallFile(const char* path, size_t max) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buffer[8192];
  ssize_t got;
  while (text.size() < max && (got = ::read(fd, buffer, sizeof buffer)) > 0) {
    text.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  return text;
}

// mount_setattr(2) (Linux 5.12), spelled here: <linux/mount.h> and glibc's <sys/mount.h> do
// not go together on Debian 12.
struct MountAttr {
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};
constexpr uint64_t kMountAttrRdonly = 0x1;
constexpr uint64_t kMountAttrNosuid = 0x2;
constexpr uint64_t kMountAttrNodev = 0x4;
constexpr unsigned kAtRecursive = 0x8000;
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

// Gives the mount at `target` and every mount below it (a bind with MS_REC copies the host's
// submounts, which keep their own flags) `flags` of MS_RDONLY, MS_NOSUID and MS_NODEV: with one
// mount_setattr(AT_RECURSIVE) where the kernel has it, else a remount of each mount listed
// below `target` in mountinfo, keeping the flags it has (a user namespace may not clear them).
void RestrictTree(int status_fd, const std::string& target, unsigned long flags) {
  MountAttr attr{};
  if (flags & MS_RDONLY) attr.attr_set |= kMountAttrRdonly;
  if (flags & MS_NOSUID) attr.attr_set |= kMountAttrNosuid;
  if (flags & MS_NODEV) attr.attr_set |= kMountAttrNodev;
  if (::syscall(SYS_mount_setattr, AT_FDCWD, target.c_str(), kAtRecursive, &attr, sizeof attr) ==
      0) {
    return;
  }
  if (errno != ENOSYS && errno != EINVAL && errno != E2BIG) {
    FailInside(status_fd, Errno("mount_setattr " + target));
  }
  const auto mountinfo = ReadSmallFile("/proc/self/mountinfo", 16u << 20);
  if (!mountinfo) FailInside(status_fd, Errno("open /proc/self/mountinfo"));
  for (const std::string& point : MountPointsUnder(*mountinfo, target)) {
    struct statvfs st {};
    if (::statvfs(point.c_str(), &st) != 0) FailInside(status_fd, Errno("statvfs " + point));
    unsigned long kept = 0;
    for (const auto& [have, flag] : {std::pair{ST_RDONLY, MS_RDONLY},
                                     {ST_NOSUID, MS_NOSUID},
                                     {ST_NODEV, MS_NODEV},
                                     {ST_NOEXEC, MS_NOEXEC},
                                     {ST_NOATIME, MS_NOATIME},
                                     {ST_NODIRATIME, MS_NODIRATIME},
                                     {ST_RELATIME, MS_RELATIME}}) {
      if (st.f_flag & have) kept |= flag;
    }
    MountOrFail(status_fd, nullptr, point, nullptr, MS_REMOUNT | MS_BIND | kept | flags, "");
  }
}

// Binds a host directory read-only, nosuid, nodev, with everything mounted below it.
void BindReadOnly(int status_fd, const std::string& source, const std::string& target) {
  if (::mkdir(target.c_str(), 0755) != 0 && errno != EEXIST) {
    FailInside(status_fd, Errno("mkdir " + target));
  }
  MountOrFail(status_fd, source.c_str(), target, nullptr, MS_BIND | MS_REC, "");
  RestrictTree(status_fd, target, MS_RDONLY | MS_NOSUID | MS_NODEV);
}

// Binds a single host file (a device, a socket) onto an empty file made for it.
void BindFile(int status_fd, const std::string& source, const std::string& target,
              mode_t mode = 0666) {
  const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, mode);
  if (fd < 0) FailInside(status_fd, Errno("create " + target));
  ::close(fd);
  MountOrFail(status_fd, source.c_str(), target, nullptr, MS_BIND, "");
}

// The host's `file` (/etc/passwd or /etc/group) with `entry` appended unless an entry of that
// id exists already, bound read-only over its copy under `root`: tools that look the run's
// user up (whoami, git, ssh) find it, and no lookup goes past the files to other NSS modules.
void AddRunIdentity(int status_fd, const std::string& root, const char* file, uint32_t id,
                    const std::string& entry) {
  auto host = ReadSmallFile(file, 256u << 10);
  if (!host) return;  // none on the host: nothing to add to
  std::string& text = *host;
  // "name:x:ID:..." lines: is the id there already?
  const std::string id_field = ":" + std::to_string(id) + ":";
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line(text.data() + start, end - start);
    const size_t first = line.find(':');
    const size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second != std::string_view::npos && line.substr(second).starts_with(id_field)) return;
    start = end + 1;
  }
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += entry;
  // Written in the sandbox's /dev (a tmpfs of its own), bound, then unlinked: the bind keeps the
  // file. (Not in the root, which an unlinked file in use would keep from turning read-only.)
  const std::string staged = root + "/dev/.identity";
  const int out = ::open(staged.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) FailInside(status_fd, Errno("create " + staged));
  const bool written = WriteAll(out, text.data(), text.size());
  ::close(out);
  if (!written) {  // a host file larger than /dev holds: the run goes on with the host's
    ::unlink(staged.c_str());
    return;
  }
  const std::string target = root + file;
  MountOrFail(status_fd, staged.c_str(), target, nullptr, MS_BIND, "");
  MountOrFail(status_fd, nullptr, target, nullptr,
              MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
  if (::unlink(staged.c_str()) != 0) FailInside(status_fd, Errno("unlink " + staged));
}

// `share_fds` and `helpers_fd` are O_PATH descriptors opened before the staging tmpfs hid
// /tmp: the shared directories and the helpers may live under it.
void BuildRoot(const Request& request, int status_fd, const std::vector<int>& share_fds,
               int helpers_fd) {
  const std::string root = kStagingRoot;
  MountOrFail(status_fd, nullptr, "/", nullptr, MS_REC | MS_PRIVATE, "");
  MountOrFail(status_fd, "tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755");
  for (const char* dir : {"/proc", "/dev", "/tmp", "/work"}) {
    if (::mkdir((root + dir).c_str(), 0755) != 0) FailInside(status_fd, Errno("mkdir"));
  }
  BindReadOnly(status_fd, "/usr", root + "/usr");
  BindReadOnly(status_fd, "/etc", root + "/etc");
  // Files no script should see even if it ran as root: password hashes.
  for (const char* secret : {"/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-"}) {
    if (::access(secret, F_OK) == 0) {
      MountOrFail(status_fd, "/dev/null", root + secret, nullptr, MS_BIND, "");
    }
  }
  // /bin, /lib, ... are symlinks into /usr on merged-/usr systems, directories elsewhere.
  for (const char* dir : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    struct stat st {};
    if (::lstat(dir, &st) != 0) continue;
    if (S_ISLNK(st.st_mode)) {
      char target[4096];
      const ssize_t n = ::readlink(dir, target, sizeof target - 1);
      if (n <= 0) continue;
      target[n] = '\0';
      if (::symlink(target, (root + dir).c_str()) != 0) FailInside(status_fd, Errno("symlink"));
    } else if (S_ISDIR(st.st_mode)) {
      BindReadOnly(status_fd, dir, root + dir);
    }
  }
  // A minimal /dev.
  MountOrFail(status_fd, "tmpfs", root + "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
              "size=64k,mode=0755");
  for (const char* device : {"null", "zero", "full", "random", "urandom"}) {
    BindFile(status_fd, std::string("/dev/") + device, root + "/dev/" + device);
  }
  const std::pair<const char*, const char*> links[] = {{"/proc/self/fd", "fd"},
                                                       {"/proc/self/fd/0", "stdin"},
                                                       {"/proc/self/fd/1", "stdout"},
                                                       {"/proc/self/fd/2", "stderr"}};
  for (const auto& [target, name] : links) {
    if (::symlink(target, (root + "/dev/" + name).c_str()) != 0) {
      FailInside(status_fd, Errno("symlink"));
    }
  }
  const std::string uid = std::to_string(request.uid), gid = std::to_string(request.gid);
  AddRunIdentity(
      status_fd, root, "/etc/passwd", request.uid,
      "cronium:x:" + uid + ":" + gid + ":Cronium run:" + std::string(kWorkDir) + ":/bin/sh\n");
  AddRunIdentity(status_fd, root, "/etc/group", request.gid, "cronium:x:" + gid + ":\n");
  ::mkdir((root + "/dev/shm").c_str(), 0755);
  MountOrFail(status_fd, "tmpfs", root + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "size=" + std::to_string(request.limits.tmp_bytes) + ",mode=1777");
  MountOrFail(status_fd, "tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
              "size=" + std::to_string(request.limits.tmp_bytes) + ",mode=1777");
  MountOrFail(status_fd, "tmpfs", root + "/work", "tmpfs", MS_NOSUID | MS_NODEV,
              "size=" + std::to_string(request.limits.workdir_bytes) + ",mode=0700,uid=" +
                  std::to_string(request.uid) + ",gid=" + std::to_string(request.gid));
  // The runtime helpers: read-only, like the system; before the shares, which may not be at or
  // over /opt/cronium (IsSharePath), so no share decides where they go.
  if (helpers_fd >= 0) {
    const std::string path = root + std::string(kHelpersDir);
    ::mkdir((root + "/opt").c_str(), 0755);
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) FailInside(status_fd, Errno("mkdir"));
    const std::string source = "/proc/self/fd/" + std::to_string(helpers_fd);
    MountOrFail(status_fd, source.c_str(), path, nullptr, MS_BIND | MS_REC, "");
    ::close(helpers_fd);
    RestrictTree(status_fd, path, MS_RDONLY | MS_NOSUID | MS_NODEV);
  }
  // Directories the administrator shares with scripts: read-write, nosuid, nodev.
  for (size_t i = 0; i < request.shares.size(); ++i) {
    const std::string& inside = request.shares[i].second;
    std::string path = root;
    for (size_t start = 1; start <= inside.size();) {
      const size_t end = std::min(inside.find('/', start), inside.size());
      path += "/" + inside.substr(start, end - start);
      if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
        FailInside(status_fd, Errno("mkdir " + path));
      }
      start = end + 1;
    }
    const std::string source = "/proc/self/fd/" + std::to_string(share_fds[i]);
    MountOrFail(status_fd, source.c_str(), path, nullptr, MS_BIND | MS_REC, "");
    ::close(share_fds[i]);
    RestrictTree(status_fd, path, MS_NOSUID | MS_NODEV);
  }

  if (::chdir(root.c_str()) != 0) FailInside(status_fd, Errno("chdir"));
  if (::syscall(SYS_pivot_root, ".", ".") != 0) FailInside(status_fd, Errno("pivot_root"));
  if (::umount2(".", MNT_DETACH) != 0) FailInside(status_fd, Errno("umount the host root"));
  if (::chdir("/") != 0) FailInside(status_fd, Errno("chdir /"));
  MountOrFail(status_fd, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
  MountOrFail(status_fd, nullptr, "/", nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "");
}

void LoopbackUp(int status_fd) {
  const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) FailInside(status_fd, Errno("socket"));
  struct ifreq ifr {};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) FailInside(status_fd, Errno("SIOCGIFFLAGS lo"));
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) FailInside(status_fd, Errno("SIOCSIFFLAGS lo"));
  ::close(sock);
}

// ---- The runtime API forwarder of the sandbox's PID 1 ---------------------------------------

// Copies bytes both ways between TCP connections to 127.0.0.1:8081 inside the sandbox and the
// server's runtime socket. Non-blocking, bounded: at most kMaxPairs connections at a time.
class Forwarder {
 public:
  static constexpr size_t kMaxPairs = 32;
  static constexpr size_t kBufferSize = 64 * 1024;

  // `socket_fd`: an O_PATH descriptor of the server's runtime socket, connected to through
  // /proc/self/fd (no bind of the socket into the sandbox, whose mountinfo would show where it
  // is on the host; the payload, another uid, cannot open PID 1's descriptors).
  Forwarder(int listen_fd, int socket_fd)
      : listen_fd_(listen_fd), socket_path_("/proc/self/fd/" + std::to_string(socket_fd)) {}

  // Adds the descriptors to wait for; `base` is where in `fds` they start.
  void Fill(std::vector<pollfd>& fds) {
    fds.push_back({pairs_.size() < kMaxPairs ? listen_fd_ : -1, POLLIN, 0});
    for (auto& pair : pairs_) {
      for (int side = 0; side < 2; ++side) {
        short events = 0;
        Half& in = pair->half[side];
        Half& out = pair->half[1 - side];
        if (!in.eof && in.data.size() < kBufferSize) events |= POLLIN;
        if (!out.data.empty()) events |= POLLOUT;  // out.data is what `side` must send
        // Nothing to wait for on this side: leave it out (a hung-up socket would report
        // POLLHUP forever and spin this loop).
        fds.push_back({events != 0 ? pair->fd[side] : -1, events, 0});
      }
    }
  }

  // Handles the results of poll for the descriptors Fill added at `base`.
  void Handle(const std::vector<pollfd>& fds, size_t base) {
    const size_t count = pairs_.size();  // what Fill listed; Accept below may add more
    if (fds[base].revents & POLLIN) Accept();
    size_t index = base + 1;
    for (size_t i = 0; i < count; ++i) {
      Pair& pair = *pairs_[i];
      for (int side = 0; side < 2; ++side, ++index) {
        const short revents = fds[index].revents;
        if (revents == 0) continue;
        if (revents & (POLLIN | POLLHUP | POLLERR)) Read(pair, side);
        if (revents & POLLOUT) Write(pair, side);
      }
    }
    std::erase_if(pairs_, [](const std::unique_ptr<Pair>& pair) { return pair->Done(); });
  }

 private:
  struct Half {
    std::string data;  // read from this side, to be written to the other
    bool eof = false;
    bool shut = false;  // the other side's writing half was shut down after `data` drained
  };
  struct Pair {
    int fd[2] = {-1, -1};  // 0: the client in the sandbox, 1: the server's socket
    Half half[2];
    bool broken = false;
    ~Pair() {
      for (int fd_ : fd) {
        if (fd_ >= 0) ::close(fd_);
      }
    }
    bool Done() const { return broken || (half[0].shut && half[1].shut); }
  };

  void Accept() {
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client < 0) return;
    const int upstream = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path_.c_str(), sizeof address.sun_path - 1);
    if (upstream < 0 ||
        (::connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&
         errno != EINPROGRESS)) {  // EAGAIN on a Unix socket: its backlog is full
      ::close(client);
      if (upstream >= 0) ::close(upstream);
      return;
    }
    auto pair = std::make_unique<Pair>();
    pair->fd[0] = client;
    pair->fd[1] = upstream;
    pairs_.push_back(std::move(pair));
  }

  void Read(Pair& pair, int side) {
    Half& in = pair.half[side];
    char buffer[16384];
    while (!in.eof && in.data.size() < kBufferSize) {
      const ssize_t got = ::recv(pair.fd[side], buffer, sizeof buffer, 0);
      if (got > 0) {
        in.data.append(buffer, static_cast<size_t>(got));
        continue;
      }
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && errno == EAGAIN) break;
      if (got < 0) pair.broken = true;
      in.eof = true;
    }
    Flush(pair, side);
  }

  void Write(Pair& pair, int side) { Flush(pair, 1 - side); }

  // Sends what was read from `from` to the other side; shuts its writing half at the end.
  void Flush(Pair& pair, int from) {
    Half& half = pair.half[from];
    const int to = pair.fd[1 - from];
    while (!half.data.empty()) {
      const ssize_t sent = ::send(to, half.data.data(), half.data.size(), MSG_NOSIGNAL);
      if (sent > 0) {
        half.data.erase(0, static_cast<size_t>(sent));
        continue;
      }
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0 && errno == EAGAIN) return;
      pair.broken = true;
      return;
    }
    if (half.eof && !half.shut) {
      ::shutdown(to, SHUT_WR);
      half.shut = true;
    }
  }

  int listen_fd_;
  std::string socket_path_;
  std::vector<std::unique_ptr<Pair>> pairs_;
};

int ListenForRuntime(int status_fd) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) FailInside(status_fd, Errno("socket"));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(kRuntimeForwardPort);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 64) != 0) {
    FailInside(status_fd, Errno("listen on 127.0.0.1:8081"));
  }
  return fd;
}

// ---- The payload ----------------------------------------------------------------------------

// Everything the payload needs from its start to its exec, made beforehand: in between it
// shares PID 1's memory (CLONE_VM|CLONE_VFORK, PID 1 waiting), so it allocates nothing and
// only calls the kernel. Starting it so copies no page tables and takes no copy-on-write
// faults, and the program it loads is the filter compiled at build time.
struct PayloadStart {
  PayloadStart(const Request& request, int status_pipe, const sigset_t& ignored_signals)
      : status_fd(status_pipe), ignored(ignored_signals) {
    storage.push_back(request.program);
    storage.insert(storage.end(), request.args.begin(), request.args.end());
    for (auto& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (const auto& [key, value] : request.env) env_storage.push_back(key + "=" + value);
    for (auto& s : env_storage) envp.push_back(s.data());
    envp.push_back(nullptr);
    if (request.limits.cpu_seconds > 0) {
      cpu = rlimit{request.limits.cpu_seconds, request.limits.cpu_seconds + 1};
    }
    // 1, not 0, where the hard limit allows: the kernel then also skips a core_pattern pipe to
    // a host helper. (Without CAP_SYS_RESOURCE a hard limit of 0 cannot be raised.)
    ::getrlimit(RLIMIT_CORE, &core);
    core.rlim_cur = core.rlim_max = std::min<rlim_t>(1, core.rlim_max);
    open_files = rlimit{request.limits.open_files, request.limits.open_files};
    uid = request.uid;
    gid = request.gid;
    filter.len = static_cast<unsigned short>(std::size(kPayloadFilter));
    filter.filter = const_cast<sock_filter*>(kPayloadFilter);
  }

  const int status_fd;
  const sigset_t ignored;                         // signals to set back to their default
  std::vector<std::string> storage, env_storage;  // the program, its arguments; the environment
  std::vector<char*> argv, envp;
  std::optional<rlimit> cpu;
  rlimit core{};
  rlimit open_files{};
  uid_t uid = 0;
  gid_t gid = 0;
  sock_fprog filter{};
};

// FailInside for the payload before its exec: no allocation (PID 1's memory is shared).
[[noreturn]] void FailPayload(int status_fd, const char* what, const char* detail = nullptr) {
  const char* reason = ::strerrordesc_np(errno);
  char line[600];
  const int n =
      std::snprintf(line, sizeof line, "%c%s%s%s: %s\n", kErrorRecord, what, detail ? " " : "",
                    detail ? detail : "", reason ? reason : "unknown error");
  if (n > 0) {
    size_t size = static_cast<size_t>(n);
    if (size >= sizeof line) {  // cut: still one line
      size = sizeof line - 1;
      line[size - 1] = '\n';
    }
    WriteAll(status_fd, line, size);
  }
  ::_exit(127);
}

int ExecPayload(void* argument) {
  const PayloadStart& start = *static_cast<const PayloadStart*>(argument);
  const int status_fd = start.status_fd;
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sigismember(&start.ignored, sig) == 1) ::sigaction(sig, &fallback, nullptr);
  }
  ::setsid();
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);

  if (start.cpu && ::setrlimit(RLIMIT_CPU, &*start.cpu) != 0) FailPayload(status_fd, "RLIMIT_CPU");
  if (::setrlimit(RLIMIT_CORE, &start.core) != 0) FailPayload(status_fd, "RLIMIT_CORE");
  if (::setrlimit(RLIMIT_NOFILE, &start.open_files) != 0) FailPayload(status_fd, "RLIMIT_NOFILE");

  // No capabilities now or after exec (PID 1 emptied the bounding set); then the unprivileged
  // identity. Raw system calls: the C library's set*id wrappers coordinate threads, which this
  // child of PID 1 is not.
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (::syscall(SYS_setgroups, 0, nullptr) != 0) FailPayload(status_fd, "setgroups");
  if (::syscall(SYS_setresgid, start.gid, start.gid, start.gid) != 0) {
    FailPayload(status_fd, "setresgid");
  }
  if (::syscall(SYS_setresuid, start.uid, start.uid, start.uid) != 0) {
    FailPayload(status_fd, "setresuid");
  }
  if (::chdir(kWorkDir.data()) != 0) FailPayload(status_fd, "chdir /work");
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) FailPayload(status_fd, "no_new_privs");

  // Every descriptor but 0-2 closes at exec (the status pipe stays until then, for errors).
  ::syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &start.filter) != 0) {
    FailPayload(status_fd, "seccomp");
  }
  ::execve(start.argv[0], start.argv.data(), start.envp.data());
  FailPayload(status_fd, "cannot run", start.argv[0]);
}

// ---- The sandbox's PID 1 --------------------------------------------------------------------

// The sizes of /work and /tmp follow the run's request (a warm sandbox was built for defaults).
void ApplyRunRequest(const Request& prepared, const Request& run, int status_fd) {
  if (run.limits.workdir_bytes != prepared.limits.workdir_bytes) {
    MountOrFail(status_fd, nullptr, std::string(kWorkDir), nullptr,
                MS_REMOUNT | MS_NOSUID | MS_NODEV,
                "size=" + std::to_string(run.limits.workdir_bytes));
  }
  if (run.limits.tmp_bytes != prepared.limits.tmp_bytes) {
    MountOrFail(status_fd, nullptr, "/tmp", nullptr, MS_REMOUNT | MS_NOSUID | MS_NODEV,
                "size=" + std::to_string(run.limits.tmp_bytes));
    MountOrFail(status_fd, nullptr, "/dev/shm", nullptr,
                MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                "size=" + std::to_string(run.limits.tmp_bytes));
  }
  const std::string path = std::string(kWorkDir) + "/" + run.script_name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) FailInside(status_fd, Errno("create the script"));
  if (!WriteAll(fd, run.script.data(), run.script.size())) {
    FailInside(status_fd, Errno("write the script into " + std::string(kWorkDir) +
                                " (is limits.diskMb large enough?)"));
  }
  if (::fchown(fd, run.uid, run.gid) != 0) FailInside(status_fd, Errno("chown"));
  ::close(fd);
}

[[noreturn]] void SandboxInit(const Request& request, bool warm, int go_fd, int status_fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (warm) ::close(kGoFd);  // the launcher's go socket, not this process's
  // The file system is built while the launcher moves this process into the run's cgroups
  // (on cgroup v1 a move can wait for an RCU grace period: milliseconds).
  ::sethostname("cronium", 7);
  if (request.network == Network::kNone) LoopbackUp(status_fd);
  int socket_fd = -1;
  if (!request.runtime_socket.empty() && request.network == Network::kNone) {
    socket_fd = ::open(request.runtime_socket.c_str(), O_PATH | O_CLOEXEC);
    if (socket_fd < 0) FailInside(status_fd, Errno("open " + request.runtime_socket));
  }
  std::vector<int> share_fds;
  for (const auto& share : request.shares) {
    share_fds.push_back(::open(share.first.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (share_fds.back() < 0) FailInside(status_fd, Errno("open the shared dir " + share.first));
  }
  int helpers_fd = -1;
  if (!request.helpers_dir.empty()) {
    helpers_fd = ::open(request.helpers_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (helpers_fd < 0) FailInside(status_fd, Errno("open the helpers dir " + request.helpers_dir));
  }
  BuildRoot(request, status_fd, share_fds, helpers_fd);
  const int listen_fd = socket_fd >= 0 ? ListenForRuntime(status_fd) : -1;
  // Done while waiting for the run rather than between its go and its exec: the capability
  // bounding set, which the payload inherits (PID 1 keeps its own capabilities: the set only
  // limits what an exec may gain), and which signals PID 1 was given ignored (an exec keeps
  // those; the payload sets them back).
  for (int cap = 0; cap <= 63; ++cap) {
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EINVAL) break;
  }
  sigset_t ignored;
  sigemptyset(&ignored);
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction action {};
    if (::sigaction(sig, nullptr, &action) == 0 && action.sa_handler == SIG_IGN) {
      sigaddset(&ignored, sig);
    }
  }

  char go = 0;
  ssize_t got;
  do {
    got = ::read(go_fd, &go, 1);
  } while (got < 0 && errno == EINTR);
  if (got != 1) ::_exit(126);  // the launcher gave up (it reports why)
  ::close(go_fd);
  // The run's request: the one this sandbox was built with, or (warm) what the server sent
  // since; the launcher checked that they agree on everything built so far.
  const auto run = DecodeRequest(ReadRequest(warm ? kRunRequestFd : kRequestFd));
  ::close(kRequestFd);
  if (warm) ::close(kRunRequestFd);  // in a cold start fd 5 is something else
  if (!run) FailInside(status_fd, "the run's request cannot be read");
  ApplyRunRequest(request, *run, status_fd);
  // Now in the run's cgroups: make them this namespace's root.
  if (::unshare(CLONE_NEWCGROUP) != 0) FailInside(status_fd, Errno("unshare cgroup namespace"));

  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGCHLD);
  sigaddset(&handled, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &handled, nullptr);
  const int signal_fd = ::signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) FailInside(status_fd, Errno("signalfd"));

  PayloadStart start(*run, status_fd, ignored);
  // The payload's stack until its exec (PID 1 waits meanwhile, so one is enough).
  alignas(64) static char payload_stack[64 << 10];
  const pid_t payload = ::clone(ExecPayload, payload_stack + sizeof payload_stack,
                                CLONE_VM | CLONE_VFORK | SIGCHLD, &start);
  if (payload < 0) FailInside(status_fd, Errno("start the payload"));

  Forwarder forwarder(listen_fd, socket_fd);
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    fds.push_back({signal_fd, POLLIN, 0});
    if (listen_fd >= 0) forwarder.Fill(fds);
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) ::_exit(125);
    if (listen_fd >= 0) forwarder.Handle(fds, 1);
    if ((fds[0].revents & POLLIN) == 0) continue;
    signalfd_siginfo info{};
    while (::read(signal_fd, &info, sizeof info) == sizeof info) {
      if (info.ssi_signo == SIGTERM) ::kill(-1, SIGTERM);  // every process of the sandbox
    }
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid != payload) continue;  // an orphan that was reparented here
      char record[1 + sizeof status];
      record[0] = kStatusRecord;
      std::memcpy(record + 1, &status, sizeof status);
      WriteAll(status_fd, record, sizeof record);
      // Exiting kills what the payload left behind: the namespace ends with its PID 1.
      ::_exit(0);
    }
  }
}

// ---- The launcher ---------------------------------------------------------------------------

struct InsideStatus {
  std::optional<int> wait_status;
  std::string error;
};

InsideStatus ReadInsideStatus(int fd) {
  std::string data;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    data.append(buffer, static_cast<size_t>(got));
  }
  InsideStatus status;
  if (!data.empty() && data[0] == kErrorRecord) {
    status.error = data.substr(1, data.find('\n') - 1);
  } else if (data.size() >= 1 + sizeof(int) && data[0] == kStatusRecord) {
    int value = 0;
    std::memcpy(&value, data.data() + 1, sizeof value);
    status.wait_status = value;
  }
  return status;
}

// Whether a run's request fits a sandbox built for `prepared`: the same identity, network,
// cgroups, runtime socket and shares.
bool SameSandbox(const Request& prepared, const Request& run) {
  return prepared.uid == run.uid && prepared.gid == run.gid && prepared.network == run.network &&
         prepared.cgroup_name == run.cgroup_name && prepared.cgroup_parents == run.cgroup_parents &&
         prepared.cgroup_v2 == run.cgroup_v2 && prepared.runtime_socket == run.runtime_socket &&
         prepared.shares == run.shares && prepared.helpers_dir == run.helpers_dir;
}

}  // namespace

int LauncherMain() {
  auto started_at = Clock::now();
  // What the sandbox creates gets the modes asked for (the server runs with a stricter mask);
  // scripts start with the usual 022.
  ::umask(022);
  // Signals arrive through a signalfd: TERM cancels, HUP means the server died.
  sigset_t handled;
  sigemptyset(&handled);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&handled, sig);
  ::sigprocmask(SIG_BLOCK, &handled, nullptr);
  ::prctl(PR_SET_PDEATHSIG, SIGHUP);

  Report report;
  auto finish = [&](Report& r) {
    r.wall_ms = static_cast<uint64_t>(
        std::chrono::duration_cast<milliseconds>(Clock::now() - started_at).count());
    WriteReport(r);
    return 0;
  };
  auto request = DecodeRequest(ReadRequest());
  // With fd 4 open the sandbox is built ahead of its run ("warm"): the request holds what the
  // server knows already, and a byte on fd 4 says the run's own request is in fd 5.
  const bool warm = ::fcntl(kGoFd, F_GETFD) != -1;
  if (!request) {
    report.error = "the sandbox launcher could not read its request";
    return finish(report);
  }
  if (request->parent_pid != 0 && ::getppid() != request->parent_pid) return 1;  // orphaned
  if (request->uid == 0 || request->gid == 0) {
    report.error = "refusing to run a sandboxed script as root (uid or gid 0)";
    return finish(report);
  }
  const int signal_fd = ::signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) {
    report.error = Errno("signalfd");
    return finish(report);
  }

  ::signal(SIGPIPE, SIG_IGN);  // a sandbox that failed early closed its end of the go pipe
  int go_pipe[2], status_pipe[2];
  if (::pipe2(go_pipe, O_CLOEXEC) != 0 || ::pipe2(status_pipe, O_CLOEXEC) != 0) {
    report.error = Errno("pipe");
    return finish(report);
  }
  unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
  if (request->network == Network::kNone) flags |= CLONE_NEWNET;
  const long cloned = ::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (cloned < 0) {
    report.error = Errno("clone (namespaces)");
    return finish(report);
  }
  if (cloned == 0) {
    ::close(go_pipe[1]);
    ::close(status_pipe[0]);
    ::close(signal_fd);
    SandboxInit(*request, warm, go_pipe[0], status_pipe[1]);
  }
  const auto init = static_cast<pid_t>(cloned);
  ::close(go_pipe[0]);
  ::close(status_pipe[1]);
  RunCgroup cgroup;
  // Moves PID 1 into the run's cgroups. On cgroup v1 a move makes every fork and exit of the
  // machine wait for an RCU grace period (~10 ms when the machine was idle), so a warm sandbox
  // is moved only when the server says so: 'a' on the go socket ("attach"), or the run's 'g'.
  bool attached = false;
  auto attach = [&]() -> bool {
    attached = true;
    if (request->cgroup_parents.empty()) return true;
    if (cgroup.Create(request->cgroup_parents, request->cgroup_v2, request->cgroup_name,
                      &report.error) &&
        cgroup.SetLimits(request->limits, &report.error) &&
        cgroup.AddProcess(init, &report.error)) {
      return true;
    }
    ::kill(init, SIGKILL);
    ::waitpid(init, nullptr, 0);
    // A sandbox that failed by itself (and so could not be moved) says why.
    if (std::string inside = ReadInsideStatus(status_pipe[0]).error; !inside.empty()) {
      report.error = std::move(inside);
    }
    return false;
  };
  if (!warm && !attach()) return finish(report);
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, init, 0));

  if (warm) {
    // Built (or being built): wait for the run. Nothing to report if none comes.
    auto abandon = [&] {
      ::kill(init, SIGKILL);
      ::waitpid(init, nullptr, 0);
      cgroup.Remove();
      return 0;
    };
    for (;;) {
      pollfd fds[2] = {{kGoFd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 && errno != EINTR) return abandon();
      if (fds[1].revents & POLLIN) {
        signalfd_siginfo info{};
        bool stop = false;
        while (::read(signal_fd, &info, sizeof info) == sizeof info) {
          stop = stop || info.ssi_signo != SIGCHLD;
        }
        if (stop) return abandon();
        if (::waitpid(init, nullptr, WNOHANG) == init) {
          // The sandbox could not be built: that is the answer to the run when it comes.
          report.error = ReadInsideStatus(status_pipe[0]).error;
          if (report.error.empty()) report.error = "the sandbox ended before its run";
          cgroup.Remove();
          return finish(report);
        }
      }
      if (fds[0].revents != 0) {
        char go = 0;
        if (::read(kGoFd, &go, 1) != 1) return abandon();  // the server closed it: not needed
        if (!attached && !attach()) return finish(report);
        if (go == 'g') break;  // else 'a': attached ahead of the run
      }
    }
    ::close(kGoFd);
    started_at = Clock::now();
    const auto run = DecodeRequest(ReadRequest(kRunRequestFd));
    if (!run || !SameSandbox(*request, *run)) {
      report.error = "the run does not fit the sandbox prepared for it";
      abandon();
      return finish(report);
    }
    if (!request->cgroup_parents.empty() && !cgroup.SetLimits(run->limits, &report.error)) {
      abandon();
      return finish(report);
    }
    request = run;
  }
  WriteAll(go_pipe[1], "g", 1);
  ::close(go_pipe[1]);

  const auto deadline = started_at + milliseconds(request->timeout_ms);
  std::optional<Clock::time_point> kill_at;
  bool timed_out = false, cancelled = false, over_cpu = false;
  int init_status = 0;
  // RLIMIT_CPU holds each process to the CPU time limit; the run as a whole (many processes
  // sharing the work) is held to it by watching its cgroup's CPU time.
  const uint64_t cpu_limit_ms = request->limits.cpu_seconds * 1000;
  const bool watch_cpu = cpu_limit_ms > 0 && cgroup.HasCpuTime();
  constexpr int kCpuCheckMs = 50;
  struct rusage usage {};
  auto terminate = [&] {
    ::kill(init, SIGTERM);  // PID 1 passes it on to every process of the sandbox
    kill_at = Clock::now() + milliseconds(request->kill_grace_ms);
  };
  for (;;) {
    const auto now = Clock::now();
    if (!kill_at && !cancelled && now >= deadline) {
      timed_out = true;
      terminate();
    }
    if (kill_at && now >= *kill_at) {
      ::kill(init, SIGKILL);
      kill_at = now + milliseconds(1000);
    }
    const auto wake = kill_at ? *kill_at : deadline;
    int wait_ms = static_cast<int>(std::clamp<int64_t>(
        std::chrono::duration_cast<milliseconds>(wake - now).count() + 1, 0, 3'600'000));
    if (pidfd < 0) wait_ms = std::min(wait_ms, 10);
    if (watch_cpu && !over_cpu) wait_ms = std::min(wait_ms, kCpuCheckMs);
    pollfd fds[2] = {{pidfd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    ::poll(fds, 2, wait_ms);
    if (watch_cpu && !over_cpu && !kill_at && cgroup.CpuTimeMs() >= cpu_limit_ms) {
      over_cpu = true;
      ::kill(init, SIGKILL);
      kill_at = Clock::now() + milliseconds(1000);
    }
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info{};
      while (::read(signal_fd, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGHUP) {  // the server is gone: nobody waits for a result
          cancelled = true;
          ::kill(init, SIGKILL);
        } else if ((info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) && !cancelled &&
                   !timed_out) {
          cancelled = true;
          terminate();
        }
      }
    }
    if (::wait4(init, &init_status, WNOHANG, &usage) == init) break;
  }
  const InsideStatus inside = ReadInsideStatus(status_pipe[0]);
  const CgroupUsage used = cgroup.Usage();
  cgroup.Remove();

  report.cpu_time_ms =
      used.cpu_time_known
          ? used.cpu_time_ms
          : static_cast<uint64_t>((usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
                                  (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000);
  report.memory_peak_bytes = used.memory_peak_bytes;
  report.oom_killed = used.oom_killed;
  report.pids_limit_hit = used.pids_limit_hit;
  if (!inside.error.empty()) {
    report.end = End::kStartFailed;
    report.error = inside.error;
    return finish(report);
  }
  // The payload's own status when PID 1 saw it end; else PID 1 was killed first, and with it
  // the payload.
  const int status = inside.wait_status.value_or(W_EXITCODE(0, SIGKILL));
  if (WIFEXITED(status)) report.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) report.signal = WTERMSIG(status);
  if (over_cpu) report.cpu_limit_exceeded = true;
  if (report.signal && request->limits.cpu_seconds > 0 &&
      (*report.signal == SIGXCPU ||
       (*report.signal == SIGKILL && report.cpu_time_ms >= request->limits.cpu_seconds * 1000))) {
    report.cpu_limit_exceeded = true;
  }
  if (timed_out) {
    report.end = End::kTimedOut;
  } else if (cancelled) {
    report.end = End::kCancelled;
  } else if (report.signal) {
    report.end = End::kSignaled;
  } else {
    report.end = End::kExited;
  }
  return finish(report);
}

}  // namespace cronium::sandbox
