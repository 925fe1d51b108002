// The sandbox under attack: real scripts in the real sandbox of a real `cronium serve`, each
// trying to read the host's secrets, gain privileges, leave the sandbox, reach the network or
// exhaust the machine. Every attack must be blocked, and the server must keep working after it;
// nothing of a run (processes, cgroups, mounts, temp dirs) may outlive it.
//
// Each test runs in cgroups of its own (children of the test process's cgroups, which the
// server it starts inherits) and gives its server a sandbox uid of its own, so that the checks
// for leftovers see only what this test made, even with other tests running in parallel.

#include <dirent.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "e2e.h"
#include "testutil/process_util.h"

namespace cronium::e2e {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kControllers[] = {"memory", "pids", "cpu", "cpuacct"};
constexpr const char* kSecretName = "CRONIUM_E2E_SERVER_SECRET";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> SubdirsOf(const std::string& dir) {
  std::vector<std::string> names;
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) return names;
  while (const dirent* item = ::readdir(listing)) {
    if (item->d_type == DT_DIR && item->d_name[0] != '.') names.emplace_back(item->d_name);
  }
  ::closedir(listing);
  return names;
}

std::vector<pid_t> AllPids() {
  std::vector<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return pids;
  while (const dirent* item = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(item->d_name, &end, 10);
    if (*end == '\0' && pid > 0) pids.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return pids;
}

// The value of a "Name:\tvalue" line of /proc/<pid>/status ("" if the process is gone).
std::string StatusField(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, name.size() + 1, name + ":") == 0) {
      const size_t start = line.find_first_not_of(" \t", name.size() + 1);
      return start == std::string::npos ? "" : line.substr(start);
    }
  }
  return "";
}

// Live processes (not zombies) with `uid` as any of their real, effective, saved or fs uid.
std::vector<pid_t> ProcessesOf(uint32_t uid) {
  std::vector<pid_t> found;
  for (pid_t pid : AllPids()) {
    std::istringstream uids(StatusField(pid, "Uid"));
    bool match = false;
    for (uint32_t value = 0; uids >> value;) match = match || value == uid;
    if (match && !testutil::ProcessIsGone(pid)) found.push_back(pid);
  }
  return found;
}

// The kernel tears a pid namespace down asynchronously: waits (bounded, 5 s) until no process
// of `uid` is left and returns what is left then.
std::vector<pid_t> AwaitNoProcessesOf(uint32_t uid) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  for (;;) {
    std::vector<pid_t> left = ProcessesOf(uid);
    if (left.empty() || Clock::now() >= deadline) return left;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Waits (bounded, 5 s) until a process that is not our child has exited.
bool AwaitExit(pid_t pid) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  pollfd exited{fd, POLLIN, 0};
  const int ready = ::poll(&exited, 1, 5000);
  ::close(fd);
  return ready == 1;
}

std::string Describe(const std::vector<pid_t>& pids) {
  std::string text;
  for (pid_t pid : pids) {
    std::string cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    text += std::to_string(pid) + " (" + StatusField(pid, "Name") + "): " + cmdline + "\n";
  }
  return text;
}

// Live children of `parent` (by /proc/<pid>/stat), those named `comm` if it is not empty.
std::vector<pid_t> ChildrenOf(pid_t parent, const std::string& comm = "") {
  std::vector<pid_t> found;
  for (pid_t pid : AllPids()) {
    const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
    const size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid != parent || state == 'Z') continue;
    if (comm.empty() || stat.substr(open + 1, close - open - 1) == comm) found.push_back(pid);
  }
  return found;
}

// The server's sandbox launchers (one per run, and any it prepared for coming runs).
std::vector<pid_t> LaunchersOf(pid_t server) { return ChildrenOf(server, "cronium-sandbox"); }

// The launcher of the sandbox where a process of `uid` runs (-1 if none).
pid_t LauncherRunning(pid_t server, uint32_t uid) {
  const std::vector<pid_t> running = ProcessesOf(uid);
  for (pid_t launcher : LaunchersOf(server)) {
    for (pid_t init : ChildrenOf(launcher)) {
      for (pid_t payload : ChildrenOf(init)) {
        if (std::find(running.begin(), running.end(), payload) != running.end()) return launcher;
      }
    }
  }
  return -1;
}

// The directory of `pid`'s cgroup for a v1 `controller` ("" without one).
std::string CgroupDirOf(pid_t pid, const std::string& controller) {
  std::string path;
  for (const std::string& line : Lines(ReadFile("/proc/" + std::to_string(pid) + "/cgroup"))) {
    const size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::istringstream names(line.substr(first + 1, second - first - 1));
    for (std::string name; std::getline(names, name, ',');) {
      if (name == controller) path = line.substr(second + 1);
    }
  }
  if (path.empty()) return "";
  for (const std::string& line : Lines(ReadFile("/proc/self/mountinfo"))) {
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream head(line.substr(0, dash)), tail(line.substr(dash + 3));
    std::string id, parent, device, root, mount_point, type, source, options;
    head >> id >> parent >> device >> root >> mount_point;
    tail >> type >> source >> options;
    if (type != "cgroup" ||
        ("," + options + ",").find("," + controller + ",") == std::string::npos) {
      continue;
    }
    std::string relative = path;
    if (root != "/") {
      if (path.compare(0, root.size(), root) != 0) continue;
      relative = path.substr(root.size());
    }
    std::string dir = mount_point + relative;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    return dir;
  }
  return "";
}

// Kills what is left in a cgroup tree this test made and removes it, deepest first (bounded).
void RemoveCgroupTree(const std::string& dir) {
  for (const std::string& child : SubdirsOf(dir)) RemoveCgroupTree(dir + "/" + child);
  for (int round = 0; round < 100; ++round) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    std::istringstream procs(ReadFile(dir + "/cgroup.procs"));
    for (pid_t pid = 0; procs >> pid;) ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "cannot remove the cgroup " << dir;
}

// The test process in cgroups of its own (one per controller), which the servers it starts
// inherit: their per-run cgroups nest under these, and no other test's server sees them.
class PrivateCgroups {
 public:
  ~PrivateCgroups() { Leave(); }

  bool Enter(std::string* error) {
    const std::string self = std::to_string(::getpid());
    for (const char* controller : kControllers) {
      const std::string own = CgroupDirOf(::getpid(), controller);
      if (own.empty()) continue;
      const std::string dir = own + "/sandbox-e2e-" + self;
      if (std::any_of(entries_.begin(), entries_.end(),
                      [&](const auto& entry) { return entry.second == dir; })) {
        continue;  // controllers mounted together, as cpu,cpuacct often are
      }
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        *error = "mkdir " + dir + ": " + std::strerror(errno);
        return false;
      }
      entries_.push_back({own, dir});
      if (!WriteFile(dir + "/cgroup.procs", self)) {
        *error = "cannot move the test into " + dir;
        return false;
      }
    }
    return true;
  }

  void Leave() {
    const std::string self = std::to_string(::getpid());
    for (const auto& [own, dir] : entries_) {
      WriteFile(own + "/cgroup.procs", self);
      RemoveCgroupTree(dir);
    }
    entries_.clear();
  }

  // The cgroup dirs `cronium serve` (pid `server`) makes for itself under these.
  std::vector<std::string> ServerDirs(pid_t server) const {
    std::vector<std::string> dirs;
    for (const auto& entry : entries_) {
      dirs.push_back(entry.second + "/cronium-" + std::to_string(server));
    }
    return dirs;
  }

  // The per-run cgroups under any server dir (of live or dead servers), by controller.
  std::vector<std::vector<std::string>> RunCgroups() const {
    std::vector<std::vector<std::string>> runs;
    for (const auto& entry : entries_) {
      runs.emplace_back();
      for (const std::string& server : SubdirsOf(entry.second)) {
        for (const std::string& run : SubdirsOf(entry.second + "/" + server)) {
          runs.back().push_back(entry.second + "/" + server + "/" + run);
        }
      }
    }
    return runs;
  }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;  // (the test's own, ours)
};

// A shell word for a path without single quotes.
std::string Quoted(const std::string& text) { return "'" + text + "'"; }

std::string Joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += item + "\n";
  return text;
}

// Shell helpers of the attack scripts: each prints one "name:blocked" or "name:OPEN ..." line.
constexpr const char* kShellHelpers = R"SH(
flat() { tr '\n' ' ' | head -c 300; }
# NAME CMD...: blocked when CMD fails.
must_fail() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then echo "$name:OPEN $(flat <<<"$out")"; else echo "$name:blocked"; fi
}
# NAME CMD...: blocked when CMD succeeds (a check that the attack found nothing).
must_hold() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then echo "$name:blocked"; else echo "$name:OPEN $(flat <<<"$out")"; fi
}
# NAME PATTERN CMD...: blocked when CMD fails with a message matching PATTERN.
fails_with() {
  local name=$1 pattern=$2; shift 2
  local out
  if out=$("$@" 2>&1); then
    echo "$name:OPEN $(flat <<<"$out")"
  elif grep -q -- "$pattern" <<<"$out"; then
    echo "$name:blocked"
  else
    echo "$name:OPEN (failed differently) $(flat <<<"$out")"
  fi
}
# Every process this script can see is its own or the sandbox's PID 1.
only_own_processes() {
  local me p u
  me=$(id -u)
  for p in /proc/[0-9]*; do
    [ "$p" = /proc/1 ] && continue
    u=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "$p/status" 2>/dev/null)
    [ -z "$u" ] || [ "$u" = "$me" ] || { echo "foreign process $p (uid $u)"; return 1; }
  done
}
)SH";

// Python helpers of the attack scripts: say() prints one "name:blocked" or "name:OPEN ..." line.
constexpr const char* kPythonHelpers = R"PY(
import ctypes, errno, mmap, os, signal, socket, subprocess, sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def say(name, ok, detail=""):
    print(f"{name}:{'blocked' if ok else 'OPEN ' + detail}", flush=True)

def denied(name, nr, *args, expect=errno.EPERM):
    result = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    if result == 0 and nr == 56:
        os._exit(0)  # a clone that worked: the child leaves at once
    err = ctypes.get_errno()
    say(name, result < 0 and err == expect, f"returned {result}, {errno.errorcode.get(err, err)}")

def in_child(code):
    """Runs code() in a child: blocked if it fails or the kernel kills the child."""
    pid = os.fork()
    if pid == 0:
        try:
            os._exit(3 if code() >= 0 else 0)
        except BaseException:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 0
)PY";

// System calls that change mounts, namespaces, the kernel or other processes: all EPERM.
constexpr const char* kPythonKernelAttacks = R"PY(
sibling = subprocess.Popen(["/usr/bin/sleep", "300"])
denied("ptrace-attach", 101, 16, sibling.pid, 0, 0)       # PTRACE_ATTACH
denied("ptrace-traceme", 101, 0, 0, 0, 0)                 # PTRACE_TRACEME
denied("process-vm-readv", 310, sibling.pid, 0, 0, 0, 0, 0)
denied("init-module", 175, 0, 0, 0)
denied("finit-module", 313, 0, 0, 0)
denied("delete-module", 176, 0, 0)
denied("bpf", 321, 0, 0, 0)
denied("io-uring-setup", 425, 8, ctypes.addressof(ctypes.create_string_buffer(120)))
denied("perf-event-open", 298, 0, 0, -1, -1, 0)
denied("unshare-user", 272, 0x10000000)                   # CLONE_NEWUSER
denied("unshare-mount", 272, 0x00020000)                  # CLONE_NEWNS
denied("clone-newuser", 56, 0x10000000 | signal.SIGCHLD, 0, 0, 0, 0)
denied("clone3", 435, 0, 0, expect=errno.ENOSYS)
denied("setns", 308, 0, 0)
denied("mount-syscall", 165, 0, 0, 0, 0, 0)
denied("umount-syscall", 166, 0, 0)
denied("pivot-root", 155, 0, 0)
denied("chroot", 161, 0)
denied("keyctl", 250, 0, 0)
denied("kexec-load", 246, 0, 0, 0, 0)
denied("open-by-handle-at", 304, 0, 0, 0)
denied("setuid-root", 105, 0)
sibling.kill()
sibling.wait()
# The same call through the other system call ABIs, which a filter for one ABI could miss.
say("x32-unshare", in_child(lambda: libc.syscall(ctypes.c_long(0x40000000 | 272),
                                                 ctypes.c_long(0x10000000))))
def int80_unshare():
    # mov eax, 310 (i386 unshare); mov ebx, CLONE_NEWUSER; int 0x80; ret
    code = (b"\xb8" + (310).to_bytes(4, "little") + b"\xbb" +
            (0x10000000).to_bytes(4, "little") + b"\xcd\x80\xc3")
    page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(code)
    function = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(page)))
    return function()
say("int80-unshare", in_child(int80_unshare))
)PY";

// Connections to the host and the outside; argv: the server's port, an abstract Unix socket
// name the host listens on.
constexpr const char* kPythonNetworkAttacks = R"PY(
def refused(name, family, address, expect):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(address)
        say(name, False, "connected")
    except OSError as e:
        say(name, e.errno == expect, str(e))
    finally:
        s.close()
port, abstract = int(sys.argv[1]), sys.argv[2]
refused("net-server-port", socket.AF_INET, ("127.0.0.1", port), errno.ECONNREFUSED)
refused("net-server-port-v6", socket.AF_INET6, ("::1", port), errno.ECONNREFUSED)
refused("net-outside-10", socket.AF_INET, ("10.0.0.1", 80), errno.ENETUNREACH)
refused("net-outside-dns", socket.AF_INET, ("1.1.1.1", 53), errno.ENETUNREACH)
refused("net-host-abstract-socket", socket.AF_UNIX, "\0" + abstract, errno.ECONNREFUSED)
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("1.1.1.1", 53))
    say("net-udp-outside", False, "sent")
except OSError as e:
    say("net-udp-outside", e.errno == errno.ENETUNREACH, str(e))
try:
    socket.getaddrinfo("example.com", 80)
    say("net-dns", False, "resolved")
except OSError:
    say("net-dns", True)
with open("/proc/net/dev") as devices:
    interfaces = sorted(line.split(":")[0].strip() for line in devices.readlines()[2:])
say("net-interfaces", interfaces == ["lo"], str(interfaces))
)PY";

// The names the Python attacks print, in order.
const std::vector<std::string> kSyscallAttacks = {"ptrace-attach",
                                                  "ptrace-traceme",
                                                  "process-vm-readv",
                                                  "init-module",
                                                  "finit-module",
                                                  "delete-module",
                                                  "bpf",
                                                  "io-uring-setup",
                                                  "perf-event-open",
                                                  "unshare-user",
                                                  "unshare-mount",
                                                  "clone-newuser",
                                                  "clone3",
                                                  "setns",
                                                  "mount-syscall",
                                                  "umount-syscall",
                                                  "pivot-root",
                                                  "chroot",
                                                  "keyctl",
                                                  "kexec-load",
                                                  "open-by-handle-at",
                                                  "setuid-root",
                                                  "x32-unshare",
                                                  "int80-unshare"};
const std::vector<std::string> kNetworkAttacks = {
    "net-server-port",          "net-server-port-v6", "net-outside-10", "net-outside-dns",
    "net-host-abstract-socket", "net-udp-outside",    "net-dns",        "net-interfaces"};

// "name:verdict" lines of a script's stdout.
std::map<std::string, std::string> Verdicts(const std::string& stdout_text) {
  std::map<std::string, std::string> verdicts;
  for (const std::string& line : Lines(stdout_text)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) continue;
    const std::string name = line.substr(0, colon), verdict = line.substr(colon + 1);
    if (name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
      continue;
    }
    if (verdict == "blocked" || verdict.rfind("OPEN", 0) == 0) verdicts[name] = verdict;
  }
  return verdicts;
}

class SandboxE2eTest : public E2eTest {
 protected:
  SandboxE2eTest() {
    static int tests = 0;  // this process's fixtures; the pid separates processes
    uid_ = 61'000 + static_cast<uint32_t>((::getpid() * 8 + tests++) % 1'000'000);
    secret_ = "e2e-secret-" + std::to_string(::getpid()) + "-" + std::to_string(uid_) + "-value";
  }
  ~SandboxE2eTest() override {
    if (abstract_fd_ >= 0) ::close(abstract_fd_);
  }

  void SetUp() override {
    std::string error;
    ASSERT_TRUE(cgroups_.Enter(&error)) << error;
    StartSandboxed();
  }

  void TearDown() override {
    const pid_t server = server_ ? server_->pid() : -1;
    E2eTest::TearDown();
    if (server > 0) {
      for (const std::string& dir : cgroups_.ServerDirs(server)) {
        EXPECT_FALSE(Exists(dir)) << "the stopped server left its cgroup " << dir
                                  << " with: " << Joined(SubdirsOf(dir));
      }
    }
    const auto left = AwaitNoProcessesOf(uid_);
    EXPECT_TRUE(left.empty()) << "processes of the sandbox uid left:\n" << Describe(left);
    cgroups_.Leave();
  }

  std::vector<std::string> ServerArgs(const std::string& isolation = "sandbox") const {
    return {"--isolation",        isolation,       "--sandbox-uid",
            std::to_string(uid_), "--sandbox-gid", std::to_string(uid_)};
  }

  void StartSandboxed(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = ServerArgs();
    args.insert(args.end(), extra.begin(), extra.end());
    StartServer(args, {{kSecretName, secret_}});
    if (HasFatalFailure()) return;
    json system = Parse(client_->Get("/api/v1/system"));
    ASSERT_EQ(system["isolation"], "sandbox") << system.dump();
  }

  int ServerPort() const {
    const std::string url = server_->url();
    return std::stoi(url.substr(url.rfind(':') + 1));
  }

  std::string CreateLimited(const std::string& type, const std::string& content, const json& limits,
                            int timeout_seconds = 30) {
    return CreateEvent({{"name", "attack"},
                        {"type", type},
                        {"content", content},
                        {"timeoutSeconds", timeout_seconds},
                        {"limits", limits}});
  }

  // The server is healthy, runs a plain script in the sandbox, and no process of the sandbox
  // uid is left from what came before.
  void ExpectServerStillWorks() {
    const auto left = AwaitNoProcessesOf(uid_);
    EXPECT_TRUE(left.empty()) << "processes of the sandbox uid left:\n" << Describe(left);
    ExpectNoStrayRunCgroups();
    auto health = client_->Get("/healthz");
    EXPECT_EQ(health.status, 200) << health.body;
    if (echo_ok_.empty()) echo_ok_ = CreateScript("BASH", "echo ok");
    json x = RunAndWait(echo_ok_);
    EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
    EXPECT_EQ(x["stdout"], "ok\n") << x.dump(2);
    EXPECT_EQ(x["isolation"], "sandbox") << x.dump(2);
  }

  // A launcher removes its run's cgroups when it ends; one the server prepared for a coming run
  // holds them while it waits. So under each controller there are at most as many run cgroups
  // as live launchers: any more were left behind.
  void ExpectNoStrayRunCgroups() {
    const size_t launchers = LaunchersOf(server_->pid()).size();
    for (const auto& runs : cgroups_.RunCgroups()) {
      EXPECT_LE(runs.size(), launchers)
          << "run cgroups outlived their runs (" << launchers << " live launchers):\n"
          << Joined(runs);
    }
  }

  // Every name has its "name:blocked" line and no line says OPEN.
  static void ExpectBlocked(const json& x, const std::vector<std::string>& names) {
    const auto verdicts = Verdicts(x.value("stdout", ""));
    for (const std::string& name : names) {
      auto found = verdicts.find(name);
      if (found == verdicts.end()) {
        ADD_FAILURE() << "no verdict for " << name << " in:\n" << x.dump(2);
      } else {
        EXPECT_EQ(found->second, "blocked") << name << " in:\n" << x.dump(2);
      }
    }
    EXPECT_EQ(verdicts.size(), names.size()) << x.dump(2);
  }

  // A host-made copy of /usr/bin/id, owned by root and setuid, in the dir shared with scripts.
  std::string SetuidRootId() {
    const std::string path = Shared("rootid");
    fs::copy_file("/usr/bin/id", path, fs::copy_options::overwrite_existing);
    EXPECT_EQ(::chown(path.c_str(), 0, 0), 0);
    EXPECT_EQ(::chmod(path.c_str(), 04755), 0);
    return path;
  }

  // A Unix socket in the abstract namespace, listening on the host: no sandbox may reach it.
  std::string ListenAbstract() {
    const std::string name =
        "cronium-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(uid_);
    abstract_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path + 1, name.data(), name.size());
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    EXPECT_EQ(::bind(abstract_fd_, reinterpret_cast<sockaddr*>(&address), length), 0)
        << std::strerror(errno);
    EXPECT_EQ(::listen(abstract_fd_, 8), 0);
    return name;
  }
  PrivateCgroups cgroups_;
  uint32_t uid_ = 0;
  std::string secret_;
  std::string echo_ok_;
  int abstract_fd_ = -1;
};

// ---- 1. Secrets of the host and writes to the system ---------------------------------------

TEST_F(SandboxE2eTest, ScriptsSeeNoSecretOfTheHostAndWriteNothingOfIt) {
  std::string host_init = ReadFile("/proc/1/cmdline");
  host_init.erase(std::remove(host_init.begin(), host_init.end(), '\0'), host_init.end());
  const std::vector<std::string> probes = {"/usr/cronium-e2e-probe", "/etc/cronium-e2e-probe",
                                           "/cronium-e2e-probe", "/cronium-e2e-probe.d",
                                           "/usr/bin/cronium-e2e-probe"};
  for (const std::string& probe : probes) ASSERT_FALSE(Exists(probe)) << probe;
  const std::string script = "DATA=" + Quoted(DataDir()) + "\nTESTDIR=" + Quoted(dir_.path()) +
                             "\nLOG=" + Quoted(DataDir() + ".log") +
                             "\nHOST_INIT=" + Quoted(host_init) + "\n" + kShellHelpers + R"SH(
must_hold shadow test -z "$(cat /etc/shadow /etc/gshadow 2>/dev/null)"
must_hold datadir test ! -e "$DATA"
must_hold masterkey test ! -e "$DATA/master.key"
must_hold hashkey test ! -e "$DATA/hash.key"
must_hold database test ! -e "$DATA/cronium.db"
must_hold runs-dir test ! -e "$DATA/runs"
# Issue #20: the helpers' and the runtime socket's binds showed the data dir's path here.
must_fail mountinfo-datadir grep -F "$DATA" /proc/self/mountinfo
must_hold server-log test ! -e "$LOG"
must_hold test-dir test "$(ls -A "$TESTDIR")" = shared
must_hold host-init test "$(tr -d '\0' < /proc/1/cmdline)" != "$HOST_INIT"
must_fail pid1-environ grep -qa CRONIUM_E2E_SERVER_SECRET /proc/1/environ
fails_with pid1-root 'Permission denied' ls /proc/1/root/
must_fail environ sh -c '{ env; cat /proc/[0-9]*/environ 2>/dev/null | tr "\0" "\n"; } |
                         grep CRONIUM_E2E_SERVER_SECRET'
must_hold processes only_own_processes
fails_with write-usr 'Read-only file system' touch /usr/cronium-e2e-probe
fails_with write-usr-bin 'Read-only file system' touch /usr/bin/cronium-e2e-probe
fails_with write-etc 'Read-only file system' touch /etc/cronium-e2e-probe
fails_with append-passwd 'Read-only file system\|Permission denied' sh -c 'echo "x::0:0::/:/bin/sh" >> /etc/passwd'
fails_with write-root 'Read-only file system' touch /cronium-e2e-probe
fails_with mkdir-root 'Read-only file system' mkdir /cronium-e2e-probe.d
fails_with remount-usr 'superuser\|not permitted' mount -o remount,rw /usr
fails_with drop-caches 'Permission denied\|Read-only' sh -c 'echo 3 > /proc/sys/vm/drop_caches'
fails_with core-pattern 'Permission denied\|Read-only' sh -c 'echo "|/work/x" > /proc/sys/kernel/core_pattern'
echo "--- what the script can see of environments"
env
cat /proc/[0-9]*/environ 2>/dev/null | tr '\0' '\n'
)SH";
  json x = RunAndWait(CreateScript("BASH", script));
  EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
  ExpectBlocked(x,
                {"shadow",      "datadir",       "masterkey",        "hashkey",    "database",
                 "runs-dir",    "server-log",    "test-dir",         "host-init",  "pid1-environ",
                 "pid1-root",   "environ",       "processes",        "write-usr",  "write-usr-bin",
                 "write-etc",   "append-passwd", "write-root",       "mkdir-root", "remount-usr",
                 "drop-caches", "core-pattern",  "mountinfo-datadir"});
  EXPECT_EQ(x["stdout"].get<std::string>().find(secret_), std::string::npos) << x.dump(2);
  EXPECT_NE(x["stdout"].get<std::string>().find("CRONIUM_EXECUTION_ID="), std::string::npos)
      << "the script's own environment should be listed: " << x.dump(2);
  for (const std::string& probe : probes) {
    EXPECT_FALSE(Exists(probe)) << probe << " was written on the host";
    ::unlink(probe.c_str());
    ::rmdir(probe.c_str());
  }
  ExpectServerStillWorks();
}

TEST_F(SandboxE2eTest, ARunSeesNothingOfAnotherRunningRun) {
  const std::string fifo1 = MakeFifo("first.fifo"), fifo2 = MakeFifo("second.fifo");
  const std::string first =
      Run(CreateScript("BASH",
                       "echo mine > /work/first-secret; echo mine > /tmp/first-secret\n"
                       "echo mine > /dev/shm/first-secret\nread line < " +
                           fifo1 + "\nread line < " + fifo2 +
                           "\ncat /work/first-secret /tmp/first-secret /dev/shm/first-secret\n"));
  WaitUntilScriptOpens(fifo1);  // the first run has written its files and waits for fifo2
  const std::string script = "FIRST=" + first + "\n" + kShellHelpers + R"SH(
must_hold work test ! -e /work/first-secret
must_hold tmp test ! -e /tmp/first-secret
must_hold shm test ! -e /dev/shm/first-secret
must_hold find sh -c '! find / -path /proc -prune -o -path /usr -prune -o -path /etc -prune \
                        -o -name first-secret -print 2>/dev/null | grep .'
must_fail proc-root sh -c 'ls /proc/[0-9]*/root/work/first-secret 2>&1'
must_fail proc-environ sh -c 'cat /proc/[0-9]*/environ 2>/dev/null | tr "\0" "\n" | grep "$0"' \
  "$FIRST"
must_hold processes only_own_processes
)SH";
  json second = RunAndWait(CreateScript("BASH", script));
  EXPECT_EQ(second["status"], "SUCCEEDED") << second.dump(2);
  ExpectBlocked(second, {"work", "tmp", "shm", "find", "proc-root", "proc-environ", "processes"});
  WaitUntilScriptOpens(fifo2);
  json x = AwaitEnd(first);
  EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
  // The files were there all along, in the first run's own sandbox.
  EXPECT_EQ(x["stdout"], "mine\nmine\nmine\n") << x.dump(2);
  ExpectServerStillWorks();
}

// The run's uid has a name and a home in the sandbox's /etc/passwd and /etc/group (the host's
// entries, then its own, read-only): whoami, git and ssh find their user, and a lookup does
// not go on to the other NSS modules. Nothing of how it got there shows at the root.
TEST_F(SandboxE2eTest, TheRunsUserHasANameAndAHome) {
  json x = RunAndWait(CreateScript("BASH", R"SH(whoami
id -gn
getent passwd "$(id -u)" | cut -d: -f1,6,7
grep -c '^root:' /etc/passwd
{ echo x >> /etc/passwd; } 2>/dev/null && echo "passwd writable" || echo "passwd read-only"
ls -A / | grep -c identity || true
)SH"));
  EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
  EXPECT_EQ(x["stdout"], "cronium\ncronium\ncronium:/work:/bin/sh\n1\npasswd read-only\n0\n")
      << x.dump(2);
}

// ---- 2. Setuid binaries ---------------------------------------------------------------------

TEST_F(SandboxE2eTest, ASetuidBinaryGainsNothing) {
  const std::string root_id = SetuidRootId();
  const std::string script = "ROOT_ID=" + Quoted(root_id) + "\n" + R"SH(
cp /usr/bin/id /work/id && chmod u+s /work/id && stat -c 'work %A' /work/id
echo "work-id $(/work/id -u)"
cp /usr/bin/id /tmp/id && chmod 4755 /tmp/id && stat -c 'tmp %A' /tmp/id
echo "tmp-id $(/tmp/id -u)"
chown 0:0 /work/id 2>/dev/null && echo "chown worked" || echo "chown failed"
stat -c 'shared %A %u' "$ROOT_ID"
echo "shared-root-id $("$ROOT_ID" -u) $("$ROOT_ID" -g)"
/usr/bin/mount -t tmpfs none /work 2>/dev/null && echo "setuid mount worked" ||
  echo "setuid mount failed"
echo "self $(id -u) $(id -g) $(id -G)"
ignored=$(sed -n 's/^SigIgn:\t*//p' /proc/$$/status)
echo "SIGPIPE ignored: $(( 0x$ignored >> 12 & 1 ))"
grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status | tr -s '\t ' ' '
)SH";
  json x = RunAndWait(CreateScript("BASH", script));
  EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
  const std::string uid = std::to_string(uid_);
  EXPECT_EQ(x["stdout"], "work -rwsr-xr-x\nwork-id " + uid + "\ntmp -rwsr-xr-x\ntmp-id " + uid +
                             "\nchown failed\nshared -rwsr-xr-x 0\nshared-root-id " + uid + " " +
                             uid + "\nsetuid mount failed\nself " + uid + " " + uid + " " + uid +
                             // The launcher ignores SIGPIPE; the payload sets it back.
                             "\nSIGPIPE ignored: 0\nCapInh: 0000000000000000\nCapPrm: 0000000000000000\n"
                             "CapEff: 0000000000000000\nCapBnd: 0000000000000000\n"
                             "CapAmb: 0000000000000000\nNoNewPrivs: 1\n")
      << x.dump(2);
  ExpectServerStillWorks();
}

// ---- 3. Mounts, namespaces, ptrace, kernel modules, bpf -------------------------------------

// Issue #20: a bind of /usr, /etc or a share copies the host's mounts below it, and they kept
// their own flags: a writable or setuid-capable mount under /usr stayed so in the sandbox. In a
// mount namespace of this test's own (the host's mounts are untouched), writable tmpfs mounts
// under /usr, /etc and a share, each with a setuid-root binary.
TEST_F(SandboxE2eTest, Issue20MountsBelowUsrEtcAndSharesAreReadOnlyOrNosuidToo) {
  ASSERT_EQ(server_->Stop(), 0);
  ASSERT_EQ(::unshare(CLONE_NEWNS), 0) << std::strerror(errno);
  ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
  const std::string share_sub = Shared("sub");
  fs::create_directories(share_sub);
  const std::vector<std::string> points = {"/usr/local", "/etc/apt", share_sub};
  for (const std::string& point : points) {
    ASSERT_TRUE(fs::is_directory(point)) << point;
    // World-writable: only the mount's flags can keep a script from writing there.
    ASSERT_EQ(::mount("tmpfs", point.c_str(), "tmpfs", 0, "mode=0777"), 0) << point;
    const std::string id = point + "/rootid";
    fs::copy_file("/usr/bin/id", id);
    ASSERT_EQ(::chmod(id.c_str(), 04755), 0);
  }
  StartSandboxed();
  const std::string script = "SUB=" + Quoted(share_sub) + "\n" + kShellHelpers + R"SH(
me=$(id -u)
fails_with usr-sub-write 'Read-only file system' touch /usr/local/probe
fails_with etc-sub-write 'Read-only file system' touch /etc/apt/probe
must_hold usr-sub-setuid test "$(/usr/local/rootid -u)" = "$me"
must_hold etc-sub-setuid test "$(/etc/apt/rootid -u)" = "$me"
must_hold share-sub-setuid test "$("$SUB/rootid" -u)" = "$me"
must_hold share-sub-nosuid grep -q " $SUB [^ ]*nosuid" /proc/self/mountinfo
)SH";
  json x = RunAndWait(CreateScript("BASH", script));
  EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
  ExpectBlocked(x, {"usr-sub-write", "etc-sub-write", "usr-sub-setuid", "etc-sub-setuid",
                    "share-sub-setuid", "share-sub-nosuid"});
  ASSERT_EQ(server_->Stop(), 0);
  for (const std::string& point : points) EXPECT_EQ(::umount2(point.c_str(), MNT_DETACH), 0);
}

TEST_F(SandboxE2eTest, MountUnsharePtraceModulesAndBpfFailWithEperm) {
  const std::string script = std::string(kShellHelpers) + R"SH(
fails_with mount-cli 'superuser\|not permitted' mount -t tmpfs none /work
fails_with unshare-r 'not permitted' unshare -r id -u
fails_with unshare-m 'not permitted' unshare -m true
fails_with unshare-n 'not permitted' unshare -n true
sleep 300 & sibling=$!
fails_with strace 'not permitted' strace -p "$sibling" -o /dev/null
kill "$sibling"
/usr/bin/python3 - <<'PY'
)SH" + kPythonHelpers + kPythonKernelAttacks +
                             "PY\n";
  json x = RunAndWait(CreateScript("BASH", script));
  EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
  std::vector<std::string> names = {"mount-cli", "unshare-r", "unshare-m", "unshare-n", "strace"};
  names.insert(names.end(), kSyscallAttacks.begin(), kSyscallAttacks.end());
  ExpectBlocked(x, names);
  ExpectServerStillWorks();
}

// ---- 4. The network -------------------------------------------------------------------------

TEST_F(SandboxE2eTest, NoConnectionReachesTheHostOrTheOutside) {
  const std::string abstract = ListenAbstract();
  const std::string script = "PORT=" + std::to_string(ServerPort()) + "\nABSTRACT=" + abstract +
                             "\n" + kShellHelpers + R"SH(
must_fail devtcp-server bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT"
must_fail devtcp-outside bash -c "exec 3<>/dev/tcp/10.0.0.1/80"
/usr/bin/python3 - "$PORT" "$ABSTRACT" <<'PY'
)SH" + kPythonHelpers + kPythonNetworkAttacks +
                             "PY\n";
  json x = RunAndWait(CreateScript("BASH", script));
  EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
  std::vector<std::string> names = {"devtcp-server", "devtcp-outside"};
  names.insert(names.end(), kNetworkAttacks.begin(), kNetworkAttacks.end());
  ExpectBlocked(x, names);
  // The host side is real: the same connections work from here.
  testutil::HttpClient direct(server_->url());
  EXPECT_EQ(direct.Get("/healthz").status, 200);
  ExpectServerStillWorks();
}

// ---- 5-8. Limits ----------------------------------------------------------------------------

// Python children that wait for a signal, until fork fails.
constexpr const char* kPythonForkBomb = R"PY(
import os, signal
children = []
try:
    for _ in range(1000):
        pid = os.fork()
        if pid == 0:
            signal.pause()
            os._exit(0)
        children.append(pid)
    print("forked 1000")
except OSError as e:
    print(f"fork failed after {len(children)}: {e.strerror}")
)PY";

TEST_F(SandboxE2eTest, AForkBombStopsAtTheProcessLimit) {
  const std::string loop = CreateLimited("PYTHON", kPythonForkBomb, {{"pids", 32}});
  json x = RunAndWait(loop);
  EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
  EXPECT_EQ(x["endReason"], "exited with code 0; process limit 32 reached") << x.dump(2);
  EXPECT_NE(x["stdout"].get<std::string>().find("Resource temporarily unavailable"),
            std::string::npos)
      << x.dump(2);
  ExpectServerStillWorks();

  // The classic: it ends by itself (at the limit, or when its short-lived processes die out
  // first, which depends on the machine's timing) or at its timeout; never left running.
  json bomb = RunAndWait(CreateLimited("BASH", ":(){ :|:& };:\nwait\n", {{"pids", 32}}, 5));
  const std::string reason = bomb.value("endReason", "");
  EXPECT_TRUE(reason.find("process limit 32 reached") != std::string::npos ||
              bomb["status"] == "TIMED_OUT" || bomb["status"] == "SUCCEEDED")
      << bomb.dump(2);
  ExpectServerStillWorks();
}

// Forked Python children copy pages as they run, so a Python fork bomb fills a small memory
// limit before it reaches a process limit on some kernels (6.18 with 64 MiB and 32 processes)
// and not on others. Either limit contains it: the run ends by itself, says which limit
// stopped it, and leaves nothing behind.
TEST_F(SandboxE2eTest, Issue20APythonForkBombEndsAtWhicheverLimitItMeetsFirst) {
  json x =
      RunAndWait(CreateLimited("PYTHON", kPythonForkBomb, {{"memoryMb", 64}, {"pids", 32}}, 120));
  const std::string reason = x.value("endReason", "");
  const bool pids = reason.find("process limit 32 reached") != std::string::npos;
  const bool memory = reason.find("memory limit 64 MiB exceeded") != std::string::npos;
  EXPECT_TRUE(pids || memory) << x.dump(2);
  EXPECT_TRUE(x["status"] == "SUCCEEDED" || x["status"] == "FAILED") << x.dump(2);
  if (!memory) {  // the process limit alone: the bomb saw fork fail, and said so
    EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
    EXPECT_EQ(x["stdout"].get<std::string>().find("forked 1000"), std::string::npos) << x.dump(2);
    EXPECT_NE(x["stdout"].get<std::string>().find("Resource temporarily unavailable"),
              std::string::npos)
        << x.dump(2);
  }
  ExpectServerStillWorks();  // includes: no process of the sandbox uid is left
}

TEST_F(SandboxE2eTest, AllocatingTenTimesTheMemoryLimitKillsTheRun) {
  json x = RunAndWait(
      CreateLimited("PYTHON", "x = b'x' * (640 << 20)\nprint(len(x))\n", {{"memoryMb", 64}}));
  EXPECT_EQ(x["status"], "FAILED") << x.dump(2);
  EXPECT_EQ(x["endReason"], "killed: memory limit 64 MiB exceeded") << x.dump(2);
  EXPECT_EQ(x["stdout"], "") << x.dump(2);
  ASSERT_TRUE(x["maxRssKb"].is_number()) << x.dump(2);
  EXPECT_LE(x["maxRssKb"].get<int64_t>(), 64 * 1024) << x.dump(2);
  ExpectServerStillWorks();
}

TEST_F(SandboxE2eTest, FillingTmpAndTheWorkDirStopsAtTheDiskLimit) {
  json x = RunAndWait(CreateLimited("BASH", R"SH(
for dir in /tmp /work; do
  head -c 20M /dev/zero > $dir/fill
  echo "$dir: exit $?, $(($(stat -c %s $dir/fill) <= 8 << 20)) file within the limit"
  rm $dir/fill
done
echo "room again" > /work/after && cat /work/after
)SH",
                                    {{"diskMb", 8}}));
  EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
  EXPECT_EQ(x["endReason"], "exited with code 0") << x.dump(2);
  EXPECT_EQ(x["stdout"],
            "/tmp: exit 1, 1 file within the limit\n/work: exit 1, 1 file within the limit\n"
            "room again\n")
      << x.dump(2);
  const std::string stderr_text = x["stderr"];
  const std::string full = "No space left on device";
  const size_t first = stderr_text.find(full);
  EXPECT_NE(first, std::string::npos) << x.dump(2);
  EXPECT_NE(stderr_text.find(full, first + 1), std::string::npos) << "twice: " << x.dump(2);
  ExpectServerStillWorks();
}

TEST_F(SandboxE2eTest, SpinningPastTheCpuLimitEndsTheRun) {
  json x = RunAndWait(CreateLimited("BASH", "while :; do :; done\n", {{"cpuSeconds", 1}}, 20));
  EXPECT_EQ(x["status"], "FAILED") << x.dump(2);
  EXPECT_EQ(x["endReason"], "CPU time limit 1 s exceeded") << x.dump(2);
  ASSERT_TRUE(x["cpuTimeMs"].is_number()) << x.dump(2);
  // The kernel's two clocks (RLIMIT_CPU's and the cgroup's) differ by up to ~15% under load.
  EXPECT_GE(x["cpuTimeMs"].get<int64_t>(), 500) << x.dump(2);
  EXPECT_LT(x["cpuTimeMs"].get<int64_t>(), 3000) << x.dump(2);
  ExpectServerStillWorks();
}

// The CPU time limit is a limit of the run: spreading the spinning over several processes,
// each below the limit, must not get around it.
TEST_F(SandboxE2eTest, TheCpuLimitCountsEveryProcessOfTheRun) {
  json x = RunAndWait(CreateLimited("BASH", R"SH(
for n in 1 2 3; do
  /usr/bin/python3 -c 'import time
while time.process_time() < 0.6: pass'
done
echo "spun 1.8 s of CPU"
)SH",
                                    {{"cpuSeconds", 1}}, 20));
  EXPECT_EQ(x["status"], "FAILED") << x.dump(2);
  EXPECT_NE(x.value("endReason", "").find("CPU time limit 1 s exceeded"), std::string::npos)
      << x.dump(2);
  EXPECT_EQ(x["stdout"], "") << x.dump(2);
  ExpectServerStillWorks();
}

// Issue #20: every run had uid 64000, so runs shared the per-uid kernel limits (RLIMIT_NPROC,
// inotify instances, ...). Runs going at once now get uids of their own from a range, with the
// files of their work dirs owned by them.
TEST_F(SandboxE2eTest, Issue20RunsGoingAtOnceHaveUidsOfTheirOwn) {
  ASSERT_EQ(server_->Stop(), 0);
  const uint32_t first = uid_, last = uid_ + 3;  // the next test process's uid is 8 further
  StartServer({"--isolation", "sandbox", "--workers", "2", "--sandbox-uid-range",
               std::to_string(first) + "-" + std::to_string(last)},
              {{kSecretName, secret_}});
  ASSERT_FALSE(HasFatalFailure());
  std::vector<std::string> executions, leaves;
  for (const char* name : {"a", "b"}) {
    const std::string ready = MakeFifo(std::string("ready-") + name);
    leaves.push_back(MakeFifo(std::string("leave-") + name));
    executions.push_back(
        Run(CreateScript("BASH",
                         // In the run's work dir (its current directory).
                         "touch mine\necho \"$(id -u) $(id -g) $(stat -c %u mine)\"\n"
                         "read line < " +
                             ready + "\nread line < " + leaves.back() + "\n")));
    WaitUntilScriptOpens(ready);
  }
  // Both are running now.
  for (const std::string& leave : leaves) WaitUntilScriptOpens(leave);
  std::set<uint32_t> uids;
  for (const std::string& execution : executions) {
    json x = AwaitEnd(execution);
    ASSERT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
    std::istringstream words(x["stdout"].get<std::string>());
    uint32_t uid = 0, gid = 0, owner = 0;
    words >> uid >> gid >> owner;
    EXPECT_GE(uid, first) << x.dump(2);
    EXPECT_LE(uid, last) << x.dump(2);
    EXPECT_EQ(gid, uid) << x.dump(2);
    EXPECT_EQ(owner, uid) << x.dump(2);
    uids.insert(uid);
  }
  EXPECT_EQ(uids.size(), 2u);
  for (uint32_t uid = first; uid <= last; ++uid) {
    const auto left = AwaitNoProcessesOf(uid);
    EXPECT_TRUE(left.empty()) << Describe(left);
  }
  // Bad ranges are refused before the server starts.
  for (const char* range : {"0-10", "10-5", "64000", "a-b", "1-99999"}) {
    testutil::ServerProcess refused(dir_.path() + "/refused",
                                    {"--isolation", "sandbox", "--sandbox-uid-range", range});
    EXPECT_FALSE(refused.Start()) << range;
    EXPECT_NE(refused.error().find("--sandbox-uid-range"), std::string::npos)
        << range << ": " << refused.error() << refused.Logs();
  }
}

// ---- 9-10. Processes that try to outlive their run ------------------------------------------

// Bit 15 (SIGTERM) of a process's ignored signals.
bool IgnoresTerm(pid_t pid) {
  const std::string mask = StatusField(pid, "SigIgn");
  return !mask.empty() && (std::stoull(mask, nullptr, 16) & (1ull << (SIGTERM - 1))) != 0;
}

TEST_F(SandboxE2eTest, AGrandchildThatIgnoresTermDoesNotOutliveItsRun) {
  const std::string ready = MakeFifo("ready.fifo"), leave = MakeFifo("leave.fifo");
  const std::string id = CreateScript("BASH", "READY=" + ready + "\nLEAVE=" + leave + R"SH(
mkfifo /tmp/ready1 /tmp/ready2
( trap '' TERM HUP; echo > /tmp/ready1; exec setsid nohup sleep 300 > /dev/null 2>&1 ) &
( ( trap '' TERM HUP; echo > /tmp/ready2; exec setsid sleep 300 ) & ) &
read line < /tmp/ready1; read line < /tmp/ready2  # both ignore TERM now
read line < "$READY"
read line < "$LEAVE"
echo "the parent leaves"
)SH");
  const std::string execution = Run(id);
  WaitUntilScriptOpens(ready);
  // From the host: the script and its two grandchildren, which ignore SIGTERM.
  const auto running = ProcessesOf(uid_);
  EXPECT_GE(running.size(), 3u) << Describe(running);
  EXPECT_GE(std::count_if(running.begin(), running.end(), IgnoresTerm), 2) << Describe(running);
  WaitUntilScriptOpens(leave);
  json x = AwaitEnd(execution);
  EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
  EXPECT_EQ(x["stdout"], "the parent leaves\n") << x.dump(2);
  ExpectServerStillWorks();  // includes: no process of the sandbox uid is left
}

TEST_F(SandboxE2eTest, AScriptThatClosesStdoutIsKilledAtItsTimeout) {
  const std::string id =
      CreateScript("BASH", "echo before\nexec >&- 2>&-\ntrap '' TERM\nwhile :; do sleep 1; done\n",
                   /*timeout_seconds=*/1);
  json x = RunAndWait(id);
  EXPECT_EQ(x["status"], "TIMED_OUT") << x.dump(2);
  EXPECT_EQ(x["endReason"], "timed out after 1 s") << x.dump(2);
  EXPECT_EQ(x["stdout"], "before\n") << x.dump(2);
  ASSERT_TRUE(x["durationMs"].is_number()) << x.dump(2);
  EXPECT_GE(x["durationMs"].get<int64_t>(), 1000) << x.dump(2);
  // TIMED_OUT says the timeout ended it (the loop never ends); no upper bound on the time,
  // which would measure the machine's load.
  ExpectServerStillWorks();
}

TEST_F(SandboxE2eTest, ATimeoutKillsAGrandchildThatIgnoresTerm) {
  const std::string fifo = MakeFifo("timeout.fifo");
  const std::string id =
      CreateScript("BASH",
                   "mkfifo /tmp/ready\n"
                   "bash -c \"trap '' TERM; echo > /tmp/ready; sleep 300; :\" &\n"
                   "read ready < /tmp/ready\nread line < " +
                       fifo + "\nsleep 300\n",
                   /*timeout_seconds=*/2);
  const std::string execution = Run(id);
  WaitUntilScriptOpens(fifo);
  const auto running = ProcessesOf(uid_);
  EXPECT_TRUE(std::any_of(running.begin(), running.end(), IgnoresTerm)) << Describe(running);
  json x = AwaitEnd(execution);
  EXPECT_EQ(x["status"], "TIMED_OUT") << x.dump(2);
  EXPECT_EQ(x["endReason"], "timed out after 2 s") << x.dump(2);
  ExpectServerStillWorks();
}

// ---- 11-12. Everything at once, fifty times over --------------------------------------------

// Every attack above, quickly, one line each.
std::string Battery(const std::string& data_dir, const std::string& root_id, int port,
                    const std::string& abstract) {
  return "DATA='" + data_dir + "'\nROOT_ID='" + root_id + "'\nPORT=" + std::to_string(port) +
         "\nABSTRACT=" + abstract + "\n" + kShellHelpers + R"SH(
me=$(id -u)
for dir in /work /tmp /dev/shm; do echo mine > "$dir/marker-$CRONIUM_EXECUTION_ID"; done
must_hold shadow test -z "$(cat /etc/shadow 2>/dev/null)"
must_hold datadir test ! -e "$DATA"
must_hold masterkey test ! -e "$DATA/master.key"
must_hold database test ! -e "$DATA/cronium.db"
must_hold other-runs sh -c '! ls -A /work /tmp /dev/shm | grep "^marker-" | grep -v "^marker-$0$"' \
  "$CRONIUM_EXECUTION_ID"
must_hold processes only_own_processes
must_fail environ sh -c '{ env; cat /proc/[0-9]*/environ 2>/dev/null | tr "\0" "\n"; } |
                         grep CRONIUM_E2E_SERVER_SECRET'
fails_with write-usr 'Read-only file system' touch /usr/cronium-e2e-probe
fails_with write-etc 'Read-only file system' touch /etc/cronium-e2e-probe
fails_with write-root 'Read-only file system' touch /cronium-e2e-probe
cp /usr/bin/id /work/id && chmod u+s /work/id
must_hold setuid-work test "$(/work/id -u)" = "$me"
must_hold setuid-root-binary test "$("$ROOT_ID" -u)" = "$me"
fails_with chown-root 'not permitted' chown 0 /work/id
must_hold no-caps grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/self/status
fails_with mount 'superuser\|not permitted' mount -t tmpfs none /tmp
fails_with unshare-r 'not permitted' unshare -r true
fails_with unshare-m 'not permitted' unshare -m true
fails_with disk-tmp 'No space left' sh -c 'head -c 20M /dev/zero > /tmp/fill'
fails_with disk-work 'No space left' sh -c 'head -c 20M /dev/zero > /work/fill'
rm -f /tmp/fill /work/fill
# Killed by the kernel (137), not failing for another reason.
must_hold memory sh -c '/usr/bin/python3 -c "x = b\"x\" * (640 << 20)"; [ $? = 137 ]'
must_hold cpu-limit test "$(ulimit -t)" = 5
( trap '' TERM HUP; exec setsid sleep 300 ) &
/usr/bin/python3 - "$PORT" "$ABSTRACT" <<'PY'
)SH" + kPythonHelpers +
         kPythonKernelAttacks + kPythonNetworkAttacks + R"SH(
# Each child becomes a small `sleep` at once, so the process limit, not the memory limit, is
# what this bomb meets on any kernel (a bomb of Python children has a test of its own).
children = []
try:
    for _ in range(200):
        pid = os.fork()
        if pid == 0:
            try:
                os.execv("/bin/sleep", ["sleep", "300"])
            finally:
                os._exit(127)
        children.append(pid)
    say("fork-bomb", False, "forked 200")
except OSError as e:
    say("fork-bomb", e.errno == errno.EAGAIN, str(e))
for pid in children:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
PY
)SH";
}

const std::vector<std::string> kBatteryAttacks = [] {
  std::vector<std::string> names = {
      "shadow",     "datadir",   "masterkey", "database",   "other-runs",  "processes",
      "environ",    "write-usr", "write-etc", "write-root", "setuid-work", "setuid-root-binary",
      "chown-root", "no-caps",   "mount",     "unshare-r",  "unshare-m",   "disk-tmp",
      "disk-work",  "memory",    "cpu-limit", "fork-bomb"};
  names.insert(names.end(), kSyscallAttacks.begin(), kSyscallAttacks.end());
  names.insert(names.end(), kNetworkAttacks.begin(), kNetworkAttacks.end());
  return names;
}();

std::set<std::string> MountLines() {
  const auto lines = Lines(ReadFile("/proc/self/mountinfo"));
  return {lines.begin(), lines.end()};
}

TEST_F(SandboxE2eTest, FiftyConcurrentRunsTryEveryAttackAndLeaveNothingBehind) {
  ASSERT_EQ(server_->Stop(), 0);
  StartSandboxed({"--workers", "8"});
  const std::set<std::string> mounts_before = MountLines();
  const std::string battery = CreateEvent(
      {{"name", "battery"},
       {"type", "BASH"},
       {"content", Battery(DataDir(), SetuidRootId(), ServerPort(), ListenAbstract())},
       {"timeoutSeconds", 60},
       // Headroom for what the battery is not about: 128 MiB (the memory attack asks for 640 MiB)
       // and 5 s of CPU for the whole run (the limit counts every process of it, and
       // filling memory up to the limit costs CPU too).
       {"limits", {{"memoryMb", 128}, {"pids", 32}, {"cpuSeconds", 5}, {"diskMb", 8}}}});
  std::vector<std::string> executions;
  for (int n = 0; n < 50; ++n) executions.push_back(Run(battery));
  for (const std::string& execution : executions) {
    json x = AwaitEnd(execution);
    EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
    EXPECT_EQ(x["isolation"], "sandbox");
    ExpectBlocked(x, kBatteryAttacks);
    EXPECT_EQ(x["stdout"].get<std::string>().find(secret_), std::string::npos) << x.dump(2);
  }
  ExpectServerStillWorks();

  // Nothing is left: processes (checked above), cgroups of runs, mounts, temp dirs.
  ExpectNoStrayRunCgroups();
  std::vector<std::string> new_mounts;
  for (const std::string& line : MountLines()) {
    if (!mounts_before.count(line)) new_mounts.push_back(line);
  }
  EXPECT_TRUE(new_mounts.empty()) << Joined(new_mounts);
  std::error_code ec;
  EXPECT_TRUE(fs::is_empty(DataDir() + "/runs", ec)) << ec.message();
  for (const char* probe :
       {"/usr/cronium-e2e-probe", "/etc/cronium-e2e-probe", "/cronium-e2e-probe"}) {
    EXPECT_FALSE(Exists(probe)) << probe;
  }
  const pid_t server = server_->pid();
  const auto server_dirs = cgroups_.ServerDirs(server);
  for (const std::string& dir : server_dirs) EXPECT_TRUE(Exists(dir)) << dir;
  ASSERT_EQ(server_->Stop(), 0);
  for (const std::string& dir : server_dirs) EXPECT_FALSE(Exists(dir)) << dir;
}

// ---- 13. A killed server --------------------------------------------------------------------

TEST_F(SandboxE2eTest, AKilledServerLeavesNoSandboxBehind) {
  const std::string fifo = MakeFifo("kill.fifo");
  const std::string execution = Run(CreateScript(
      "BASH", "sleep 300 &\nread line < " + fifo + "\nsleep 300\n", /*timeout_seconds=*/600));
  WaitUntilScriptOpens(fifo);
  EXPECT_GE(ProcessesOf(uid_).size(), 2u);
  const pid_t dead = server_->pid();
  ASSERT_GT(LauncherRunning(dead, uid_), 0) << Describe(LaunchersOf(dead));
  const auto launchers = LaunchersOf(dead);
  const auto dead_dirs = cgroups_.ServerDirs(dead);
  server_->Kill();
  // The launchers notice their server died, take their sandboxes down, remove their cgroups
  // and exit.
  for (pid_t launcher : launchers) EXPECT_TRUE(AwaitExit(launcher)) << launcher;
  const auto left = AwaitNoProcessesOf(uid_);
  EXPECT_TRUE(left.empty()) << Describe(left);
  for (const auto& runs : cgroups_.RunCgroups()) EXPECT_TRUE(runs.empty()) << Joined(runs);
  StartSandboxed();
  for (const std::string& dir : dead_dirs) {
    EXPECT_FALSE(Exists(dir)) << "the dead server's cgroup is still there: " << dir;
  }
  json x = Parse(client_->Get("/api/v1/executions/" + execution));
  EXPECT_EQ(x["status"], "LOST") << x.dump(2);
  ExpectServerStillWorks();
}

TEST_F(SandboxE2eTest, AServerKilledWithItsLauncherLeavesACgroupTheNextServerRemoves) {
  const std::string fifo = MakeFifo("kill.fifo");
  const std::string execution = Run(CreateScript(
      "BASH", "sleep 300 &\nread line < " + fifo + "\nsleep 300\n", /*timeout_seconds=*/600));
  WaitUntilScriptOpens(fifo);
  const pid_t dead = server_->pid();
  const pid_t launcher = LauncherRunning(dead, uid_);
  ASSERT_GT(launcher, 0) << Describe(LaunchersOf(dead));
  const auto launchers = LaunchersOf(dead);
  // As a kill of the whole process tree would: the launcher cannot clean up after the server.
  ASSERT_EQ(::kill(launcher, SIGSTOP), 0);
  server_->Kill();
  ASSERT_EQ(::kill(launcher, SIGKILL), 0);
  for (pid_t other : launchers) EXPECT_TRUE(AwaitExit(other)) << other;
  const auto left = AwaitNoProcessesOf(uid_);
  EXPECT_TRUE(left.empty()) << Describe(left);
  for (const auto& runs : cgroups_.RunCgroups()) {
    EXPECT_EQ(runs.size(), 1u) << "the killed launcher's run cgroup stays: " << Joined(runs);
  }
  StartSandboxed();
  const std::string logs = server_->Logs();
  const size_t removed = logs.find("run cgroup(s) a previous server process left behind");
  EXPECT_NE(removed, std::string::npos) << logs;
  EXPECT_NE(logs.rfind("removed ", removed), std::string::npos) << logs;
  for (const std::string& dir : cgroups_.ServerDirs(dead)) EXPECT_FALSE(Exists(dir)) << dir;
  ExpectNoStrayRunCgroups();
  json x = Parse(client_->Get("/api/v1/executions/" + execution));
  EXPECT_EQ(x["status"], "LOST") << x.dump(2);
  ExpectServerStillWorks();
}

// A launcher that dies (OOM killer, a stray kill) takes its sandbox with it (PID 1 has a parent
// death signal); its run's cgroups must not stay behind either, nor keep the server's own
// cgroups from going when the server stops (checked in TearDown).
TEST_F(SandboxE2eTest, ALauncherKilledMidRunLeavesNoProcessOrCgroup) {
  const std::string fifo = MakeFifo("launcher.fifo");
  const std::string execution = Run(CreateScript(
      "BASH", "sleep 300 &\nread line < " + fifo + "\nsleep 300\n", /*timeout_seconds=*/600));
  WaitUntilScriptOpens(fifo);
  const pid_t launcher = LauncherRunning(server_->pid(), uid_);
  ASSERT_GT(launcher, 0) << Describe(LaunchersOf(server_->pid()));
  ASSERT_EQ(::kill(launcher, SIGKILL), 0);
  json x = AwaitEnd(execution);
  EXPECT_EQ(x["status"], "FAILED") << x.dump(2);
  const auto left = AwaitNoProcessesOf(uid_);
  EXPECT_TRUE(left.empty()) << Describe(left);
  ExpectNoStrayRunCgroups();
  ExpectServerStillWorks();
}

// ---- 14. The same scripts, with and without the sandbox -------------------------------------

class SandboxParityE2eTest : public SandboxE2eTest,
                             public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(cgroups_.Enter(&error)) << error;
    StartServer(ServerArgs(GetParam()), {{kSecretName, secret_}});
  }
};

constexpr const char* kUnicode = "grüße ✓ 日本 🚀";

TEST_P(SandboxParityE2eTest, ScriptsBehaveTheSameWithAndWithoutTheSandbox) {
  const json env = {{"GREETING", kUnicode}};
  const std::string bash = R"SH(
set -e
if read -r line; then echo "stdin: $line"; else echo "stdin: EOF"; fi
printf '%s\n' "$GREETING" > data.txt
printf '{"greeting":"%s","file":"%s","files":"%s"}\n' "$GREETING" "$(cat data.txt)" \
  "$(ls | tr '\n' ' ')"
echo "ünïcödé ✓" >&2
)SH";
  const std::string python = R"PY(
import json, os, sys
stdin = sys.stdin.read()
with open("data.txt", "w", encoding="utf-8") as f:
    f.write(os.environ["GREETING"])
with open("data.txt", encoding="utf-8") as f:
    back = f.read()
print(json.dumps({"stdin": stdin, "greeting": os.environ["GREETING"], "file": back,
                  "files": sorted(os.listdir("."))}, ensure_ascii=False))
print("ünïcödé ✓", file=sys.stderr)
)PY";
  const std::string node = R"JS(
const fs = require('fs');
const stdin = fs.readFileSync(0, 'utf8');
fs.writeFileSync('data.txt', process.env.GREETING);
console.log(JSON.stringify({stdin, greeting: process.env.GREETING,
                            file: fs.readFileSync('data.txt', 'utf8'),
                            files: fs.readdirSync('.').sort()}));
console.error('ünïcödé ✓');
)JS";
  const std::string greeting = kUnicode;
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"BASH", bash,
       "stdin: EOF\n{\"greeting\":\"" + greeting + "\",\"file\":\"" + greeting +
           "\",\"files\":\"data.txt script.sh \"}\n"},
      {"PYTHON", python,
       "{\"stdin\": \"\", \"greeting\": \"" + greeting + "\", \"file\": \"" + greeting +
           "\", \"files\": [\"data.txt\", \"script.py\"]}\n"},
      {"NODEJS", node,
       "{\"stdin\":\"\",\"greeting\":\"" + greeting + "\",\"file\":\"" + greeting +
           "\",\"files\":[\"data.txt\",\"script.js\"]}\n"}};
  for (const auto& [type, content, expected] : cases) {
    json x = RunAndWait(CreateEvent(
        {{"name", "parity " + type}, {"type", type}, {"content", content}, {"envVars", env}}));
    EXPECT_EQ(x["status"], "SUCCEEDED") << type << ": " << x.dump(2);
    EXPECT_EQ(x["exitCode"], 0) << type << ": " << x.dump(2);
    EXPECT_EQ(x["stdout"], expected) << type << ": " << x.dump(2);
    EXPECT_EQ(x["stderr"], "ünïcödé ✓\n") << type << ": " << x.dump(2);
    EXPECT_EQ(x["isolation"], GetParam() == "sandbox" ? "sandbox" : "none") << x.dump(2);
  }
}

INSTANTIATE_TEST_SUITE_P(Sandbox, SandboxParityE2eTest, ::testing::Values("process", "sandbox"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

}  // namespace
}  // namespace cronium::e2e
