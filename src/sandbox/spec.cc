#include "sandbox/spec.h"

#include <charconv>

namespace cronium::sandbox {
namespace {

class Writer {
 public:
  void Put(std::string_view name, std::string_view value) {
    out_.append(name);
    out_.push_back(' ');
    out_.append(std::to_string(value.size()));
    out_.push_back('\n');
    out_.append(value);
    out_.push_back('\n');
  }
  void Put(std::string_view name, uint64_t value) { Put(name, std::to_string(value)); }
  void Put(std::string_view name, int64_t value) { Put(name, std::to_string(value)); }
  void Put(std::string_view name, bool value) { Put(name, std::string_view(value ? "1" : "0")); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Calls field(name, value) for every record; false when the data is malformed.
template <class Field>
bool ForEachRecord(std::string_view data, Field field) {
  while (!data.empty()) {
    const size_t space = data.find(' ');
    const size_t newline = data.find('\n');
    if (space == std::string_view::npos || newline == std::string_view::npos || space > newline) {
      return false;
    }
    size_t length = 0;
    const auto [end, ec] = std::from_chars(data.data() + space + 1, data.data() + newline, length);
    if (ec != std::errc() || end != data.data() + newline) return false;
    if (data.size() < newline + 2 || length > data.size() - newline - 2 ||
        data[newline + 1 + length] != '\n') {
      return false;
    }
    if (!field(data.substr(0, space), data.substr(newline + 1, length))) return false;
    data.remove_prefix(newline + 2 + length);
  }
  return true;
}

template <class T>
bool ParseNumber(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

bool IsSharePath(std::string_view path) {
  if (path.size() < 2 || path.size() > 1024 || path[0] != '/' || path.back() == '/') return false;
  if (path.find("/./") != std::string_view::npos || path.find("/../") != std::string_view::npos ||
      path.find("//") != std::string_view::npos || path.ends_with("/..") || path.ends_with("/.") ||
      path.find('\0') != std::string_view::npos) {
    return false;
  }
  // Not over (or inside) what the sandbox itself provides; inside its private /tmp is fine.
  if (path == "/tmp" || path == "/opt") return false;  // /opt holds the helpers (kHelpersDir)
  for (std::string_view reserved : std::initializer_list<std::string_view>{
           "/proc", "/dev", "/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
           "/work", "/.cronium", kHelpersDir}) {
    if (path == reserved || (path.starts_with(reserved) && path.size() > reserved.size() &&
                             path[reserved.size()] == '/')) {
      return false;
    }
  }
  return true;
}

std::string_view ToString(Network network) { return network == Network::kHost ? "host" : "none"; }

std::optional<Network> ParseNetwork(std::string_view text) {
  if (text == "none") return Network::kNone;
  if (text == "host") return Network::kHost;
  return std::nullopt;
}

std::string Encode(const Request& r) {
  Writer w;
  w.Put("program", r.program);
  for (const auto& arg : r.args) w.Put("arg", arg);
  for (const auto& [key, value] : r.env) w.Put("env", key + "=" + value);
  w.Put("script", r.script);
  w.Put("script_name", r.script_name);
  w.Put("uid", uint64_t{r.uid});
  w.Put("gid", uint64_t{r.gid});
  w.Put("memory", r.limits.memory_bytes);
  w.Put("pids", r.limits.pids);
  w.Put("cpu_seconds", r.limits.cpu_seconds);
  w.Put("cpu_millicores", uint64_t{r.limits.cpu_millicores});
  w.Put("workdir_bytes", r.limits.workdir_bytes);
  w.Put("tmp_bytes", r.limits.tmp_bytes);
  w.Put("open_files", r.limits.open_files);
  w.Put("network", ToString(r.network));
  w.Put("timeout_ms", r.timeout_ms);
  w.Put("kill_grace_ms", r.kill_grace_ms);
  w.Put("cgroup_name", r.cgroup_name);
  for (const auto& parent : r.cgroup_parents) w.Put("cgroup_parent", parent);
  w.Put("cgroup_v2", r.cgroup_v2);
  w.Put("runtime_socket", r.runtime_socket);
  for (const auto& [host, inside] : r.shares) {
    w.Put("share_host", host);
    w.Put("share_inside", inside);
  }
  w.Put("helpers_dir", r.helpers_dir);
  w.Put("parent_pid", int64_t{r.parent_pid});
  return w.Take();
}

std::optional<Request> DecodeRequest(std::string_view data) {
  Request r;
  r.script_name.clear();
  const bool ok = ForEachRecord(data, [&r](std::string_view name, std::string_view value) {
    if (name == "program") {
      r.program = value;
    } else if (name == "arg") {
      r.args.emplace_back(value);
    } else if (name == "env") {
      const size_t eq = value.find('=');
      if (eq == 0 || eq == std::string_view::npos) return false;
      r.env[std::string(value.substr(0, eq))] = value.substr(eq + 1);
    } else if (name == "script") {
      r.script = value;
    } else if (name == "script_name") {
      r.script_name = value;
    } else if (name == "uid") {
      return ParseNumber(value, r.uid);
    } else if (name == "gid") {
      return ParseNumber(value, r.gid);
    } else if (name == "memory") {
      return ParseNumber(value, r.limits.memory_bytes);
    } else if (name == "pids") {
      return ParseNumber(value, r.limits.pids);
    } else if (name == "cpu_seconds") {
      return ParseNumber(value, r.limits.cpu_seconds);
    } else if (name == "cpu_millicores") {
      return ParseNumber(value, r.limits.cpu_millicores);
    } else if (name == "workdir_bytes") {
      return ParseNumber(value, r.limits.workdir_bytes);
    } else if (name == "tmp_bytes") {
      return ParseNumber(value, r.limits.tmp_bytes);
    } else if (name == "open_files") {
      return ParseNumber(value, r.limits.open_files);
    } else if (name == "network") {
      const auto network = ParseNetwork(value);
      if (!network) return false;
      r.network = *network;
    } else if (name == "timeout_ms") {
      return ParseNumber(value, r.timeout_ms);
    } else if (name == "kill_grace_ms") {
      return ParseNumber(value, r.kill_grace_ms);
    } else if (name == "cgroup_name") {
      r.cgroup_name = value;
    } else if (name == "cgroup_parent") {
      r.cgroup_parents.emplace_back(value);
    } else if (name == "cgroup_v2") {
      r.cgroup_v2 = value == "1";
    } else if (name == "runtime_socket") {
      r.runtime_socket = value;
    } else if (name == "share_host") {
      r.shares.emplace_back(std::string(value), std::string());
    } else if (name == "share_inside") {
      if (r.shares.empty() || !r.shares.back().second.empty() || !IsSharePath(value)) return false;
      r.shares.back().second = value;
    } else if (name == "helpers_dir") {
      r.helpers_dir = value;
    } else if (name == "parent_pid") {
      return ParseNumber(value, r.parent_pid);
    } else {
      return false;  // an unknown field: launcher and server do not match
    }
    return true;
  });
  for (const auto& share : r.shares) {
    if (share.first.empty() || share.second.empty()) return std::nullopt;
  }
  if (!ok || r.program.empty() || r.script_name.empty() ||
      r.script_name.find('/') != std::string::npos || r.script_name == "." ||
      r.script_name == "..") {
    return std::nullopt;
  }
  return r;
}

namespace {

std::string_view EndName(End end) {
  switch (end) {
    case End::kExited:
      return "exited";
    case End::kSignaled:
      return "signaled";
    case End::kTimedOut:
      return "timed_out";
    case End::kCancelled:
      return "cancelled";
    case End::kStartFailed:
      return "start_failed";
  }
  return "start_failed";
}

}  // namespace

std::string Encode(const Report& r) {
  Writer w;
  w.Put("report", std::string_view("1"));
  w.Put("end", EndName(r.end));
  if (r.exit_code) w.Put("exit_code", int64_t{*r.exit_code});
  if (r.signal) w.Put("signal", int64_t{*r.signal});
  w.Put("oom_killed", r.oom_killed);
  w.Put("pids_limit_hit", r.pids_limit_hit);
  w.Put("cpu_limit_exceeded", r.cpu_limit_exceeded);
  w.Put("cpu_time_ms", r.cpu_time_ms);
  w.Put("memory_peak_bytes", r.memory_peak_bytes);
  w.Put("wall_ms", r.wall_ms);
  w.Put("error", r.error);
  return w.Take();
}

std::optional<Report> DecodeReport(std::string_view data) {
  Report r;
  bool marked = false;
  const bool ok = ForEachRecord(data, [&](std::string_view name, std::string_view value) {
    int number = 0;
    if (name == "report") {
      marked = value == "1";
    } else if (name == "end") {
      for (End end :
           {End::kExited, End::kSignaled, End::kTimedOut, End::kCancelled, End::kStartFailed}) {
        if (EndName(end) == value) r.end = end;
      }
    } else if (name == "exit_code") {
      if (!ParseNumber(value, number)) return false;
      r.exit_code = number;
    } else if (name == "signal") {
      if (!ParseNumber(value, number)) return false;
      r.signal = number;
    } else if (name == "oom_killed") {
      r.oom_killed = value == "1";
    } else if (name == "pids_limit_hit") {
      r.pids_limit_hit = value == "1";
    } else if (name == "cpu_limit_exceeded") {
      r.cpu_limit_exceeded = value == "1";
    } else if (name == "cpu_time_ms") {
      return ParseNumber(value, r.cpu_time_ms);
    } else if (name == "memory_peak_bytes") {
      return ParseNumber(value, r.memory_peak_bytes);
    } else if (name == "wall_ms") {
      return ParseNumber(value, r.wall_ms);
    } else if (name == "error") {
      r.error = value;
    }
    return true;  // fields of a newer launcher are ignored
  });
  if (!ok || !marked) return std::nullopt;
  return r;
}

}  // namespace cronium::sandbox
