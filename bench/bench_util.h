#pragma once

// What the benchmark programs share: their output rows, CPU accounting, and the clean-up of
// the sandbox cgroups they made. Header-only; each benchmark is one translation unit.

#include <sys/resource.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "sandbox/cgroup.h"

namespace cronium::bench {

using Steady = std::chrono::steady_clock;

inline double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

inline std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

// 12345.6 -> "12,346"
inline std::string Thousands(double value) {
  const std::string digits = Fixed(value, 0);
  std::string out;
  for (size_t n = 0; n < digits.size(); ++n) {
    if (n > 0 && (digits.size() - n) % 3 == 0 && digits[n - 1] != '-') out += ',';
    out += digits[n];
  }
  return out;
}

// "1 worker", "2 workers"
inline std::string Plural(int count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

// One row of the table scripts/bench.sh prints: "ROW\tmetric\tmeasured\ttarget\tbaseline".
inline void Row(const std::string& metric, const std::string& measured, const std::string& target,
                const std::string& baseline) {
  std::printf("ROW\t%s\t%s\t%s\t%s\n", metric.c_str(), measured.c_str(), target.c_str(),
              baseline.c_str());
  std::fflush(stdout);
}

// The per-server cgroups a benchmark made (once the sandbox's probe succeeded), removed at its
// end and on every failure.
inline std::optional<sandbox::CgroupParents> g_sandbox_cgroups;

inline void RemoveSandboxCgroups() {
  if (g_sandbox_cgroups) sandbox::RemoveServerCgroups(*g_sandbox_cgroups);
  g_sandbox_cgroups.reset();
}

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
  RemoveSandboxCgroups();
  std::exit(1);
}

// CPU time used so far by this process (all threads) and by its reaped descendants.
struct Cpu {
  double self_ms = 0;
  double children_ms = 0;
};

inline Cpu CpuNow() {
  auto ms = [](const rusage& u) {
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
  };
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  return Cpu{ms(self), ms(children)};
}

}  // namespace cronium::bench
