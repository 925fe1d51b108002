#include "sandbox/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace cronium::sandbox {
namespace {

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

struct Mount {
  std::string root;
  std::string mount_point;
  std::string fs_type;
  std::vector<std::string> super_options;
};

std::vector<Mount> CgroupMounts(std::string_view mountinfo) {
  std::vector<Mount> mounts;
  for (const auto& line : Split(mountinfo, '\n')) {
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    const auto head = Split(std::string_view(line).substr(0, dash), ' ');
    const auto tail = Split(std::string_view(line).substr(dash + 3), ' ');
    if (head.size() < 5 || tail.size() < 3) continue;
    if (tail[0] != "cgroup" && tail[0] != "cgroup2") continue;
    mounts.push_back({head[3], head[4], tail[0], Split(tail[2], ',')});
  }
  return mounts;
}

// The directory of cgroup `path` (as /proc/self/cgroup gives it) under a mount whose root is
// `root`; empty when the mount does not show that cgroup.
std::string DirOf(const Mount& mount, const std::string& path) {
  std::string relative = path;
  if (mount.root != "/") {
    if (path.compare(0, mount.root.size(), mount.root) != 0) return "";
    relative = path.substr(mount.root.size());
  }
  std::string dir = mount.mount_point + (relative == "/" ? "" : relative);
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

bool IsDir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Whether a space-separated list (cgroup.controllers) holds `word` itself.
bool HasWord(const std::string& list, std::string_view word) {
  std::istringstream in(list);
  for (std::string item; in >> item;) {
    if (item == word) return true;
  }
  return false;
}

bool Writable(const std::string& dir) { return ::access(dir.c_str(), W_OK) == 0; }

std::optional<CgroupParents> DetectV2(const std::string& own, std::string* why) {
  if (own.empty() || !IsDir(own) || !Writable(own)) {
    *why = "the cgroup2 hierarchy of this process is not writable";
    return std::nullopt;
  }
  const std::string available = ReadSmallFile(own + "/cgroup.controllers");
  for (const char* controller : {"memory", "pids"}) {
    if (!HasWord(available, controller)) {
      *why = std::string("the cgroup2 controller '") + controller + "' is not available to " + own;
      return std::nullopt;
    }
  }
  std::string enable = "+memory +pids";
  if (HasWord(available, "cpu")) enable += " +cpu";
  if (!WriteControl(own + "/cgroup.subtree_control", enable)) {
    // Processes in `own` itself forbid delegating controllers: move this one to a leaf.
    const std::string leaf = own + "/cronium-server";
    if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST) {
      *why = "cannot create " + leaf + ": " + std::strerror(errno);
      return std::nullopt;
    }
    if (!WriteControl(leaf + "/cgroup.procs", std::to_string(::getpid())) ||
        !WriteControl(own + "/cgroup.subtree_control", enable)) {
      *why = "cannot enable cgroup2 controllers in " + own + ": " + std::strerror(errno);
      return std::nullopt;
    }
  }
  return CgroupParents{.v2 = true, .entries = {"unified=" + own}};
}

}  // namespace

std::string ReadSmallFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    text.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  return text;
}

bool WriteControl(const std::string& path, std::string_view value) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t written;
  do {
    written = ::write(fd, value.data(), value.size());
  } while (written < 0 && errno == EINTR);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return written == static_cast<ssize_t>(value.size());
}

CgroupPlacement LocateCgroups(std::string_view proc_self_cgroup, std::string_view mountinfo) {
  std::map<std::string, std::string> paths;  // controller ("" for v2) -> path
  for (const auto& line : Split(proc_self_cgroup, '\n')) {
    const auto fields = Split(line, ':');
    if (fields.size() < 3) continue;
    // The path may contain ':'; it is everything after the second one.
    const std::string path = line.substr(fields[0].size() + fields[1].size() + 2);
    for (const auto& controller : Split(fields[1], ',')) paths[controller] = path;
  }
  const auto mounts = CgroupMounts(mountinfo);
  CgroupPlacement placement;
  for (const char* controller : {"memory", "pids", "cpu", "cpuacct"}) {
    if (!paths.count(controller)) continue;
    for (const auto& mount : mounts) {
      if (mount.fs_type != "cgroup") continue;
      bool has = false;
      for (const auto& option : mount.super_options) has = has || option == controller;
      if (!has) continue;
      const std::string dir = DirOf(mount, paths[controller]);
      if (!dir.empty()) placement.v1_dirs[controller] = dir;
      break;
    }
  }
  if (paths.count("")) {
    for (const auto& mount : mounts) {
      if (mount.fs_type == "cgroup2") {
        placement.v2_dir = DirOf(mount, paths[""]);
        break;
      }
    }
  }
  return placement;
}

std::optional<CgroupParents> DetectCgroups(std::string* why) {
  const CgroupPlacement placement =
      LocateCgroups(ReadSmallFile("/proc/self/cgroup"), ReadSmallFile("/proc/self/mountinfo"));
  CgroupParents parents;
  for (const char* controller : {"memory", "pids", "cpu", "cpuacct"}) {
    const auto found = placement.v1_dirs.find(controller);
    if (found != placement.v1_dirs.end() && IsDir(found->second) && Writable(found->second)) {
      parents.entries.push_back(std::string(controller) + "=" + found->second);
    }
  }
  const auto has = [&](std::string_view controller) {
    for (const auto& entry : parents.entries) {
      if (entry.compare(0, controller.size() + 1, std::string(controller) + "=") == 0) return true;
    }
    return false;
  };
  if (has("memory") && has("pids")) return parents;
  // The v2 hierarchy only when v1 does not provide the controllers (a hybrid system's
  // "unified" mount usually has none).
  const bool v1 = placement.v1_dirs.count("memory") || placement.v1_dirs.count("pids");
  if (!placement.v2_dir.empty() && !v1) return DetectV2(placement.v2_dir, why);
  *why = v1 ? "the memory and pids cgroups (v1) of this process are missing or not writable "
              "(run the server as root, or give it a delegated cgroup)"
            : "no cgroups (v1 or v2) with memory and pids controllers for this process";
  return std::nullopt;
}

namespace {

constexpr std::string_view kServerPrefix = "cronium-";

std::string DirOfEntry(const std::string& entry) { return entry.substr(entry.find('=') + 1); }

std::vector<std::string> Children(const std::string& dir) {
  std::vector<std::string> names;
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) return names;
  while (const dirent* item = ::readdir(listing)) {
    if (item->d_type == DT_DIR && item->d_name[0] != '.') names.emplace_back(item->d_name);
  }
  ::closedir(listing);
  return names;
}

// Kills every process in a cgroup and removes it (bounded).
bool KillAndRemove(const std::string& path) {
  for (int round = 0; round < 200; ++round) {
    if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return true;
    std::istringstream procs(ReadSmallFile(path + "/cgroup.procs"));
    pid_t pid = 0;
    while (procs >> pid) ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

bool ServerAlive(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  const std::string comm = ReadSmallFile("/proc/" + std::to_string(pid) + "/comm");
  return comm.rfind("cronium", 0) == 0;  // a reused pid is not a server
}

}  // namespace

std::optional<CgroupParents> MakeServerCgroups(const CgroupParents& own, std::string* why) {
  CgroupParents server{.v2 = own.v2, .entries = {}};
  const std::string name = std::string(kServerPrefix) + std::to_string(::getpid());
  for (const auto& entry : own.entries) {
    const std::string dir = DirOfEntry(entry) + "/" + name;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      *why = "cannot create cgroup " + dir + ": " + std::strerror(errno);
      RemoveServerCgroups(server);
      return std::nullopt;
    }
    server.entries.push_back(entry.substr(0, entry.find('=') + 1) + dir);
    if (own.v2) {
      const std::string available = ReadSmallFile(dir + "/cgroup.controllers");
      std::string enable = "+memory +pids";
      if (HasWord(available, "cpu")) enable += " +cpu";
      if (!WriteControl(dir + "/cgroup.subtree_control", enable)) {
        *why = "cannot enable cgroup2 controllers in " + dir + ": " + std::strerror(errno);
        RemoveServerCgroups(server);
        return std::nullopt;
      }
    }
  }
  return server;
}

int RemoveStaleCgroups(const CgroupParents& own) {
  std::set<std::string> removed;  // "<server>/<run>": one per run, whatever the controllers
  for (const auto& entry : own.entries) {
    const std::string dir = DirOfEntry(entry);
    for (const auto& name : Children(dir)) {
      if (name.compare(0, kServerPrefix.size(), kServerPrefix) != 0) continue;
      pid_t pid = 0;
      try {
        pid = static_cast<pid_t>(std::stol(name.substr(kServerPrefix.size())));
      } catch (...) {
        continue;  // "cronium-server", the v2 leaf of a live server
      }
      if (pid <= 0 || pid == ::getpid() || ServerAlive(pid)) continue;
      const std::string server_dir = dir + "/" + name;
      for (const auto& run : Children(server_dir)) {
        if (KillAndRemove(server_dir + "/" + run)) removed.insert(name + "/" + run);
      }
      KillAndRemove(server_dir);
    }
  }
  return static_cast<int>(removed.size());
}

void RemoveRunCgroup(const CgroupParents& server, const std::string& name) {
  for (const auto& entry : server.entries) KillAndRemove(DirOfEntry(entry) + "/" + name);
}

void RemoveServerCgroups(const CgroupParents& server) {
  for (const auto& entry : server.entries) ::rmdir(DirOfEntry(entry).c_str());
}

RunCgroup::~RunCgroup() { Remove(); }

const RunCgroup::Dir* RunCgroup::Find(std::string_view controller) const {
  for (const auto& dir : dirs_) {
    if (dir.controller == controller) return &dir;
  }
  return nullptr;
}

bool RunCgroup::Create(const std::vector<std::string>& parent_entries, bool v2,
                       const std::string& name, std::string* error) {
  v2_ = v2;
  for (const auto& entry : parent_entries) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) {
      *error = "bad cgroup parent " + entry;
      Remove();
      return false;
    }
    Dir dir{entry.substr(0, eq), entry.substr(eq + 1) + "/" + name};
    const bool made = std::any_of(dirs_.begin(), dirs_.end(),
                                  [&](const Dir& other) { return other.path == dir.path; });
    if (!made && ::mkdir(dir.path.c_str(), 0755) != 0) {  // co-mounted: made already
      *error = "cannot create cgroup " + dir.path + ": " + std::strerror(errno);
      Remove();
      return false;
    }
    dirs_.push_back(std::move(dir));
  }
  if (v2 && Find("unified") == nullptr) {
    *error = "no cgroup2 parent";
    Remove();
    return false;
  }
  return true;
}

bool RunCgroup::SetLimits(const Limits& limits, std::string* error) {
  auto fail = [&](const std::string& what) {
    *error = "cannot set " + what + ": " + std::strerror(errno);
    return false;
  };
  const std::string memory = std::to_string(limits.memory_bytes);
  const std::string pids = limits.pids > 0 ? std::to_string(limits.pids) : "max";
  if (v2_) {
    const Dir* dir = Find("unified");
    if (!WriteControl(dir->path + "/memory.max", memory)) return fail("memory.max");
    WriteControl(dir->path + "/memory.swap.max", "0");  // absent without swap accounting
    if (!WriteControl(dir->path + "/pids.max", pids)) return fail("pids.max");
    const std::string cpu = limits.cpu_millicores > 0
                                ? std::to_string(limits.cpu_millicores * 100) + " 100000"
                                : "max 100000";
    if (Find("cpu") != nullptr || limits.cpu_millicores > 0) {
      if (!WriteControl(dir->path + "/cpu.max", cpu) && limits.cpu_millicores > 0) {
        return fail("cpu.max");
      }
    }
    return true;
  }
  if (const Dir* dir = Find("memory")) {
    // Memory plus swap (the file exists only with swap accounting) may never be below memory:
    // raising goes memsw first, lowering memory first.
    const std::string limit_file = dir->path + "/memory.limit_in_bytes";
    const std::string memsw_file = dir->path + "/memory.memsw.limit_in_bytes";
    if (WriteControl(limit_file, memory)) {
      if (!WriteControl(memsw_file, memory) && errno != ENOENT) {
        return fail("memory.memsw.limit_in_bytes");
      }
    } else if (errno != EINVAL || !WriteControl(memsw_file, memory) ||
               !WriteControl(limit_file, memory)) {
      return fail("memory.limit_in_bytes");
    }
  }
  if (const Dir* dir = Find("pids")) {
    if (!WriteControl(dir->path + "/pids.max", pids)) return fail("pids.max");
  }
  if (const Dir* dir = Find("cpu")) {
    if (!WriteControl(dir->path + "/cpu.cfs_period_us", "100000") ||
        !WriteControl(dir->path + "/cpu.cfs_quota_us",
                      limits.cpu_millicores > 0 ? std::to_string(limits.cpu_millicores * 100)
                                                : std::string("-1"))) {
      if (limits.cpu_millicores > 0) return fail("cpu.cfs_quota_us");
    }
  }
  return true;
}

bool RunCgroup::AddProcess(pid_t pid, std::string* error) {
  const std::string text = std::to_string(pid);
  for (const auto& dir : dirs_) {
    if (!WriteControl(dir.path + "/cgroup.procs", text)) {
      *error = "cannot move the sandbox into " + dir.path + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

namespace {

// The number after `key` on its own line of a "key value" file.
uint64_t FieldOf(const std::string& text, std::string_view key) {
  std::istringstream in(text);
  std::string name;
  uint64_t value = 0;
  while (in >> name >> value) {
    if (name == key) return value;
  }
  return 0;
}

uint64_t NumberIn(const std::string& text) {
  try {
    return text.empty() ? 0 : std::stoull(text);
  } catch (...) {
    return 0;
  }
}

}  // namespace

CgroupUsage RunCgroup::Usage() const {
  CgroupUsage usage;
  if (v2_) {
    if (const Dir* dir = Find("unified")) {
      usage.memory_peak_bytes = NumberIn(ReadSmallFile(dir->path + "/memory.peak"));
      usage.oom_killed = FieldOf(ReadSmallFile(dir->path + "/memory.events"), "oom_kill") > 0;
      usage.pids_limit_hit = FieldOf(ReadSmallFile(dir->path + "/pids.events"), "max") > 0;
    }
    usage.cpu_time_known = HasCpuTime();
    usage.cpu_time_ms = CpuTimeMs();
    return usage;
  }
  if (const Dir* dir = Find("memory")) {
    usage.memory_peak_bytes = NumberIn(ReadSmallFile(dir->path + "/memory.max_usage_in_bytes"));
    usage.oom_killed = FieldOf(ReadSmallFile(dir->path + "/memory.oom_control"), "oom_kill") > 0;
  }
  if (const Dir* dir = Find("pids")) {
    usage.pids_limit_hit = FieldOf(ReadSmallFile(dir->path + "/pids.events"), "max") > 0;
  }
  usage.cpu_time_known = HasCpuTime();
  usage.cpu_time_ms = CpuTimeMs();
  return usage;
}

bool RunCgroup::HasCpuTime() const {
  return v2_ ? Find("unified") != nullptr : Find("cpuacct") != nullptr;
}

uint64_t RunCgroup::CpuTimeMs() const {
  if (v2_) {
    const Dir* dir = Find("unified");
    return dir ? FieldOf(ReadSmallFile(dir->path + "/cpu.stat"), "usage_usec") / 1000 : 0;
  }
  const Dir* dir = Find("cpuacct");
  return dir ? NumberIn(ReadSmallFile(dir->path + "/cpuacct.usage")) / 1'000'000 : 0;
}

void RunCgroup::Remove() {
  for (const auto& dir : dirs_) {
    // Normally empty at once (the namespace is gone); else what is left is killed.
    bool removed = false;
    for (int round = 0; round < 50 && !removed; ++round) {
      removed = ::rmdir(dir.path.c_str()) == 0 || errno == ENOENT;
      if (!removed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!removed) KillAndRemove(dir.path);
  }
  dirs_.clear();
}

}  // namespace cronium::sandbox
