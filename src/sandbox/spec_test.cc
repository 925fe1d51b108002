#include "sandbox/spec.h"

#include <gtest/gtest.h>

namespace cronium::sandbox {
namespace {

TEST(SpecTest, RequestRoundTripsBinarySafe) {
  Request request;
  request.program = "/bin/bash";
  request.args = {"script.sh", "", "a\nb c"};
  request.env = {{"A", "1"}, {"MULTI", "line\nwith = and \0 zero"}, {"EMPTY", ""}};
  request.script = std::string("echo hi\n\0binary", 16);
  request.script_name = "script.sh";
  request.uid = 64000;
  request.gid = 64001;
  request.limits.memory_bytes = 1ull << 40;
  request.limits.pids = 7;
  request.limits.cpu_seconds = 3;
  request.limits.cpu_millicores = 1500;
  request.limits.workdir_bytes = 123;
  request.limits.tmp_bytes = 456;
  request.network = Network::kHost;
  request.timeout_ms = 99;
  request.kill_grace_ms = 5;
  request.cgroup_name = "cronium-run-x";
  request.cgroup_parents = {"memory=/a", "pids=/b"};
  request.runtime_socket = "/run/x.sock";
  request.helpers_dir = "/var/lib/cronium/runtime";
  request.parent_pid = 42;

  const auto decoded = DecodeRequest(Encode(request));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->program, request.program);
  EXPECT_EQ(decoded->args, request.args);
  EXPECT_EQ(decoded->env, request.env);
  EXPECT_EQ(decoded->script, request.script);
  EXPECT_EQ(decoded->script_name, "script.sh");
  EXPECT_EQ(decoded->uid, 64000u);
  EXPECT_EQ(decoded->gid, 64001u);
  EXPECT_EQ(decoded->limits.memory_bytes, 1ull << 40);
  EXPECT_EQ(decoded->limits.pids, 7u);
  EXPECT_EQ(decoded->limits.cpu_seconds, 3u);
  EXPECT_EQ(decoded->limits.cpu_millicores, 1500u);
  EXPECT_EQ(decoded->limits.workdir_bytes, 123u);
  EXPECT_EQ(decoded->limits.tmp_bytes, 456u);
  EXPECT_EQ(decoded->network, Network::kHost);
  EXPECT_EQ(decoded->timeout_ms, 99u);
  EXPECT_EQ(decoded->kill_grace_ms, 5u);
  EXPECT_EQ(decoded->cgroup_name, "cronium-run-x");
  EXPECT_EQ(decoded->cgroup_parents, request.cgroup_parents);
  EXPECT_EQ(decoded->runtime_socket, "/run/x.sock");
  EXPECT_EQ(decoded->helpers_dir, "/var/lib/cronium/runtime");
  EXPECT_EQ(decoded->parent_pid, 42);
}

TEST(SpecTest, MalformedRequestsAreRejected) {
  Request request;
  request.program = "/bin/true";
  const std::string good = Encode(request);
  ASSERT_TRUE(DecodeRequest(good).has_value());
  EXPECT_FALSE(DecodeRequest(good.substr(0, good.size() - 1)).has_value());  // truncated
  EXPECT_FALSE(DecodeRequest("program 99\n/bin/true\n").has_value());        // length too big
  EXPECT_FALSE(DecodeRequest(good + "bogus 1\nx\n").has_value());            // unknown field
  EXPECT_FALSE(DecodeRequest(good + "uid 3\nabc\n").has_value());            // not a number
  EXPECT_FALSE(DecodeRequest(good + "env 2\n=x\n").has_value());             // no key
  EXPECT_FALSE(DecodeRequest(good + "script_name 5\n../up\n").has_value());  // a path
  EXPECT_FALSE(DecodeRequest(good + "network 3\nall\n").has_value());
  EXPECT_FALSE(DecodeRequest("").has_value());  // no program
  EXPECT_FALSE(DecodeRequest("program 18446744073709551615\n/bin/true\n").has_value());
  EXPECT_FALSE(DecodeRequest("program 0\n").has_value());  // the record's newline is missing
}

TEST(SpecTest, ReportRoundTrips) {
  Report report;
  report.end = End::kSignaled;
  report.signal = 9;
  report.oom_killed = true;
  report.pids_limit_hit = true;
  report.cpu_limit_exceeded = true;
  report.cpu_time_ms = 1234;
  report.memory_peak_bytes = 5678;
  report.wall_ms = 91;
  report.error = "x\ny";
  const auto decoded = DecodeReport(Encode(report));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->end, End::kSignaled);
  EXPECT_EQ(decoded->signal, 9);
  EXPECT_FALSE(decoded->exit_code.has_value());
  EXPECT_TRUE(decoded->oom_killed);
  EXPECT_TRUE(decoded->pids_limit_hit);
  EXPECT_TRUE(decoded->cpu_limit_exceeded);
  EXPECT_EQ(decoded->cpu_time_ms, 1234u);
  EXPECT_EQ(decoded->memory_peak_bytes, 5678u);
  EXPECT_EQ(decoded->wall_ms, 91u);
  EXPECT_EQ(decoded->error, "x\ny");
}

TEST(SpecTest, ARequestIsNotAReport) {
  Request request;
  request.program = "/bin/true";
  EXPECT_FALSE(DecodeReport(Encode(request)).has_value());
  EXPECT_FALSE(DecodeReport("").has_value());
}

}  // namespace
}  // namespace cronium::sandbox

namespace cronium::sandbox {
namespace {

TEST(SharePathTest, SharesStayOffWhatTheSandboxProvides) {
  for (const char* good : {"/data", "/srv/exports", "/tmp/inbox", "/opt/tools", "/mnt/x"}) {
    EXPECT_TRUE(IsSharePath(good)) << good;
  }
  for (const char* bad :
       {"/", "/tmp", "/opt", "/opt/cronium", "/opt/cronium/bin", "/usr/local", "/etc", "/proc/1",
        "/work", "/.cronium", "/a/../b", "/a/", "rel", "/a//b"}) {
    EXPECT_FALSE(IsSharePath(bad)) << bad;
  }
}

}  // namespace
}  // namespace cronium::sandbox
