// `cronium`: the server (`cronium serve`) and the CLI in one binary.

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "base/logging.h"
#include "cli/commands.h"
#include "server/app.h"

namespace {

std::string EnvOr(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : std::move(fallback);
}

// A mount namespace of this process's own, before any thread exists (a namespace is per
// thread): the sandbox's runtime helpers go on a tmpfs mounted there only, so that a script's
// /proc/self/mountinfo shows no path of the host. A slave of the host's: what the host mounts
// later still shows here, and nothing mounted here shows on the host. False where this process
// may not (not root, or isolation off).
bool EnterPrivateMounts(const cronium::server::ServeOptions& options) {
  if (options.isolation == "process" || ::geteuid() != 0) return false;
  const int host = ::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (host < 0) return false;
  bool entered = false;
  if (::unshare(CLONE_NEWNS) == 0) {
    entered = ::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) == 0;
    if (!entered) ::setns(host, CLONE_NEWNS);  // mounts made here would reach the host
  }
  ::close(host);
  return entered;
}

int Serve(cronium::server::ServeOptions options, const cronium::LogOptions& log_options) {
  options.private_mounts = EnterPrivateMounts(options);
  if (auto logging = cronium::InitLogging(log_options); !logging) {
    std::cerr << "error: " << logging.error().message << "\n";
    return 2;
  }
  // Fault injection for the crash tests of safe retries (tests/integration); not a setting.
  if (const std::string fault = EnvOr("CRONIUM_TEST_FAULT", ""); !fault.empty()) {
    if (fault != "kill-after-idempotent-write") {
      std::cerr << "error: CRONIUM_TEST_FAULT: unknown fault '" << fault << "'\n";
      return 2;
    }
    spdlog::warn(
        "CRONIUM_TEST_FAULT={}: this process kills itself after its first write of a "
        "request with an idempotency key",
        fault);
    options.kill_after_idempotent_write_for_test = true;
  }
  // Files the server creates (database, key, run dirs) are private to its user.
  umask(077);
  // Core dumps could hold secrets; scripts inherit the limit too.
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  signal(SIGPIPE, SIG_IGN);
  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const bool worker_only = options.worker_only;
  const std::string node_id = options.node_id;
  cronium::server::App app(std::move(options));
  if (auto started = app.Start(); !started) {
    spdlog::error("cannot start: {}", started.error().message);
    std::cerr << "error: " << started.error().message << "\n";
    return 1;
  }
  if (const auto& password = app.first_admin_password()) {
    std::printf(
        "Created the first admin account. This password is shown only now:\n"
        "  username: admin\n  password: %s\n"
        "Log in with:  cronium login --server %s --username admin\n"
        "Change it with: cronium user password\n",
        password->c_str(), app.url().c_str());
  }
  if (worker_only) {
    std::printf("Cronium worker node '%s' is running jobs\n", node_id.c_str());
  } else {
    std::printf("Cronium is listening on %s\n", app.url().c_str());
    spdlog::info("listening on {}", app.url());
  }
  std::fflush(stdout);
  int received = 0;
  sigwait(&stop_signals, &received);
  spdlog::info("received {}", received == SIGINT ? "SIGINT" : "SIGTERM");
  app.Stop();
  if (auto fatal = app.fatal_error()) {
    std::cerr << "error: " << *fatal << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Cronium: scheduled scripts and workflows in one binary", "cronium"};
  app.require_subcommand(1);
  app.set_version_flag("--version", CRONIUM_VERSION);

  cronium::server::ServeOptions serve_options;
  serve_options.listen = EnvOr("CRONIUM_LISTEN", serve_options.listen);
  serve_options.ui_dir = EnvOr("CRONIUM_UI_DIR", serve_options.ui_dir);
  serve_options.data_dir = EnvOr("CRONIUM_DATA_DIR", serve_options.data_dir);
  serve_options.database = EnvOr("CRONIUM_DATABASE", "");
  cronium::LogOptions log_options;
  log_options.level = EnvOr("CRONIUM_LOG_LEVEL", "info");
  std::string log_format = EnvOr("CRONIUM_LOG_FORMAT", "text");
  // The options of a node; `api` adds those of the API and of maintenance (serve only).
  auto add_node_options = [&](CLI::App* cmd, bool api) {
    cmd->add_option("--data-dir", serve_options.data_dir,
                    "Directory for the database, key file and run dirs (env CRONIUM_DATA_DIR; "
                    "default ./data)");
    cmd->add_option("--database", serve_options.database,
                    "Database URL (env CRONIUM_DATABASE; default SQLite in the data dir)");
    cmd->add_option("--workers", serve_options.workers, "Concurrent runs (default: one per core)")
        ->check(CLI::Range(0, 1024));
    serve_options.isolation = EnvOr("CRONIUM_ISOLATION", "auto");
    cmd->add_option(
           "--isolation", serve_options.isolation,
           "auto (the sandbox where this machine allows it), sandbox (required) or process "
           "(no isolation) (env CRONIUM_ISOLATION; default auto)")
        ->check(CLI::IsMember({"auto", "sandbox", "process"}));
    // A run going at once gets a uid of its own from the range; --sandbox-uid runs them all
    // as one.
    cmd->add_option_function<std::string>(
           "--sandbox-uid-range",
           [&](const std::string& range) {
             const size_t dash = range.find('-');
             unsigned long first = 0, last = 0;
             try {
               size_t used = 0;
               first = std::stoul(range.substr(0, dash), &used);
               if (dash == std::string::npos || used != dash) throw std::invalid_argument(range);
               last = std::stoul(range.substr(dash + 1), &used);
               if (used != range.size() - dash - 1) throw std::invalid_argument(range);
             } catch (const std::exception&) {
               throw CLI::ValidationError("--sandbox-uid-range",
                                          "expected FIRST-LAST, e.g. 64000-64999");
             }
             if (first < 1 || last < first || last > 0x7fffffff || last - first >= 65536) {
               throw CLI::ValidationError(
                   "--sandbox-uid-range",
                   "FIRST-LAST with 1 <= FIRST <= LAST <= 2147483647, at most 65536 uids");
             }
             serve_options.sandbox_uid = static_cast<uint32_t>(first);
             serve_options.sandbox_uid_count = static_cast<uint32_t>(last - first + 1);
           },
           "User ids of sandboxed runs, one per run going at once (default 64000-64999; group "
           "ids alike, from --sandbox-gid)")
        ->excludes(cmd->add_option_function<uint32_t>(
                          "--sandbox-uid",
                          [&](uint32_t uid) {
                            serve_options.sandbox_uid = uid;
                            serve_options.sandbox_uid_count = 1;
                          },
                          "One user id for every sandboxed run (instead of a range)")
                       ->check(CLI::Range(1, 0x7fffffff)));
    cmd->add_option("--sandbox-gid", serve_options.sandbox_gid,
                    "Group id of the first uid of the range (default: the same as the uid)")
        ->check(CLI::Range(1, 0x7fffffff));
    cmd->add_option("--default-memory-mb", serve_options.default_memory_mb,
                    "Memory limit of a run whose event sets none (default 512)")
        ->check(CLI::Range(16, 1 << 20));
    cmd->add_option("--default-pids", serve_options.default_pids,
                    "Process limit of a run whose event sets none (default 256)")
        ->check(CLI::Range(8, 1 << 22));
    cmd->add_option(
           "--default-disk-mb", serve_options.default_disk_mb,
           "Size of a run's work dir and of its /tmp when its event sets none (default 64)")
        ->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--max-memory-mb", serve_options.max_memory_mb,
                    "The most memory an event may ask for (default 8192)")
        ->check(CLI::Range(16, 1 << 24));
    cmd->add_option("--max-pids", serve_options.max_pids,
                    "The most processes an event may ask for (default 4096)")
        ->check(CLI::Range(8, 1 << 22));
    cmd->add_option("--max-disk-mb", serve_options.max_disk_mb,
                    "The largest work dir an event may ask for (default 4096)")
        ->check(CLI::Range(1, 1 << 24));
    cmd->add_option("--max-cpu-seconds", serve_options.max_cpu_seconds,
                    "The most CPU time an event may ask for (default 604800)")
        ->check(CLI::Range(1, 100'000'000));
    cmd->add_option("--sandbox-share", serve_options.sandbox_shares,
                    "HOST_DIR[:PATH_INSIDE]: share a host directory read-write with every "
                    "sandboxed script (repeatable; default: nothing of the host is shared)");
    cmd->add_flag("--allow-host-network", serve_options.allow_host_network,
                  "Let events ask for network \"host\" (the server's network) instead of a "
                  "private loopback");
    serve_options.master_key_file = EnvOr("CRONIUM_MASTER_KEY_FILE", "");
    cmd->add_option("--master-key-file", serve_options.master_key_file,
                    "The master key file (env CRONIUM_MASTER_KEY_FILE; default master.key in the "
                    "data dir; created with mode 0600)");
    cmd->add_option("--log-level", log_options.level,
                    "trace, debug, info, warn, error or off (env CRONIUM_LOG_LEVEL)");
    cmd->add_option("--log-format", log_format, "text or json (env CRONIUM_LOG_FORMAT)")
        ->check(CLI::IsMember({"text", "json"}));

    cmd->add_option_function<int64_t>(
           "--shutdown-grace-seconds",
           [&](int64_t s) { serve_options.shutdown_grace = std::chrono::seconds(s); },
           "On SIGTERM, let runs finish this long; then stop them and queue them again "
           "(default 30)")
        ->check(CLI::Range(int64_t{0}, int64_t{86'400}));
    serve_options.node_id = EnvOr("CRONIUM_NODE_ID", serve_options.node_id);
    cmd->add_option("--node-id", serve_options.node_id,
                    "This node's name in leases and worker ids (env CRONIUM_NODE_ID; default "
                    "local)")
        ->check([](const std::string& id) -> std::string {
          return cronium::server::ValidNodeId(id) ? "" : cronium::server::kNodeIdRule;
        });
    cmd->add_option("--queue-tidy-every", serve_options.queue_tidy_every,
                    "PostgreSQL: vacuum the jobs table after this many of this node's jobs "
                    "ended (default 5000; 0 leaves it to autovacuum)")
        ->check(CLI::Range(0, 100'000'000));
    auto* misfire = cmd->add_option_function<int64_t>(
        "--misfire-grace-ms",
        [&](int64_t ms) { serve_options.misfire_grace = std::chrono::milliseconds(ms); },
        "An occurrence handled later than this is a misfire (default 60000)");
    misfire->check(CLI::Range(int64_t{0}, int64_t{3'600'000}));
    cmd->add_option_function<int64_t>(
           "--heartbeat-ms",
           [&](int64_t ms) { serve_options.heartbeat = std::chrono::milliseconds(ms); },
           "How often this node renews its runs' leases, recovers lapsed ones and writes its "
           "row in `cronium nodes` (default 10000)")
        ->check(CLI::Range(int64_t{100}, int64_t{600'000}));
    cmd->add_option_function<int64_t>(
           "--lease-ms", [&](int64_t ms) { serve_options.lease = std::chrono::milliseconds(ms); },
           "A worker's hold on a run; a node that stops renewing it (it died) loses the run to "
           "the others this long after (default 30000)")
        ->check(CLI::Range(int64_t{1'000}, int64_t{3'600'000}));
    cmd->add_option("--runtime-rate-limit", serve_options.runtime_requests_per_minute,
                    "Runtime API calls a minute allowed per run (default 1000; a minute's worth "
                    "may come at once)")
        ->check(CLI::Range(1, 100'000'000));
    cmd->add_option("--max-action-depth", serve_options.max_action_depth,
                    "How deep conditional actions may start one another (default 16); a deeper "
                    "one is stopped and recorded in the audit log")
        ->check(CLI::Range(0, 1'000));
    if (api) {
      cmd->add_option("--listen", serve_options.listen,
                      "HOST:PORT to listen on (env CRONIUM_LISTEN; default 127.0.0.1:8080)");
      cmd->add_option("--ui-dir", serve_options.ui_dir,
                      "Serve the web UI from this directory (a `vite build` output such as "
                      "web/dist) instead of the one built into the binary: for UI development "
                      "(env CRONIUM_UI_DIR)");
      cmd->add_option_function<int64_t>(
             "--token-cache-ms",
             [&](int64_t ms) { serve_options.token_cache = std::chrono::milliseconds(ms); },
             "Reuse a verified API token this long without reading the store (default 2000; "
             "revocations apply at once)")
          ->check(CLI::Range(int64_t{0}, int64_t{60'000}));
      cmd->add_option("--token-rate-limit", serve_options.token_requests_per_second,
                      "Requests per second allowed per API token (default 1000)");
      cmd->add_option("--ledger-retention-days", serve_options.ledger_retention_days,
                      "Delete schedule ledger rows older than this (default 30; 0 keeps them)");
      cmd->add_option("--audit-retention-days", serve_options.audit_retention_days,
                      "Delete audit entries older than this (default 365; 0 keeps them)");
      cmd->add_option("--execution-retention-days", serve_options.execution_retention_days,
                      "Delete finished runs older than this (default 30; 0 keeps them)")
          ->check(CLI::Range(0, 100'000));
      cmd->add_option("--executions-per-event", serve_options.executions_per_event,
                      "Keep at most this many finished runs per event (default 1000; 0 = no cap)")
          ->check(CLI::Range(0, 100'000'000));
    }
  };
  int exit_code = 0;
  auto* serve =
      app.add_subcommand("serve", "Run the server: API, web UI, scheduler, queue and workers");
  add_node_options(serve, /*api=*/true);
  serve->callback([&] {
    log_options.format =
        log_format == "json" ? cronium::LogFormat::kJson : cronium::LogFormat::kText;
    exit_code = Serve(serve_options, log_options);
  });
  auto* worker = app.add_subcommand(
      "worker",
      "Run a node that only runs jobs (no API, no scheduler), beside `serve` nodes on the same "
      "PostgreSQL database");
  add_node_options(worker, /*api=*/false);
  worker->callback([&] {
    log_options.format =
        log_format == "json" ? cronium::LogFormat::kJson : cronium::LogFormat::kText;
    serve_options.worker_only = true;
    exit_code = Serve(serve_options, log_options);
  });

  auto* admin = app.add_subcommand("admin", "Administration on the server's machine");
  admin->require_subcommand(1);
  cronium::server::ServeOptions bootstrap_options;
  bootstrap_options.data_dir = serve_options.data_dir;
  bootstrap_options.database = serve_options.database;
  bootstrap_options.master_key_file = serve_options.master_key_file;
  auto* bootstrap = admin->add_subcommand(
      "bootstrap",
      "Create the first admin if there is none and print a new admin API token (only that)");
  bootstrap->add_option("--data-dir", bootstrap_options.data_dir,
                        "The server's data directory (env CRONIUM_DATA_DIR; default ./data)");
  bootstrap->add_option("--database", bootstrap_options.database,
                        "Database URL (env CRONIUM_DATABASE)");
  bootstrap->add_option("--master-key-file", bootstrap_options.master_key_file,
                        "The master key file (env CRONIUM_MASTER_KEY_FILE)");
  bootstrap->callback([&] {
    umask(077);
    auto token = cronium::server::BootstrapAdminToken(bootstrap_options);
    if (!token) {
      std::cerr << "error: " << token.error().message << "\n";
      exit_code = 1;
      return;
    }
    std::printf("%s\n", token->c_str());
  });

  cronium::cli::CliState cli_state;
  cronium::cli::AddClientCommands(app, cli_state);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  return exit_code != 0 ? exit_code : cli_state.exit_code;
}
