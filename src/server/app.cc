#include "server/app.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "api/api.h"
#include "auth/auth_service.h"
#include "crypto/secrets.h"
#include "events/event_service.h"
#include "exec/process_executor.h"
#include "exec/sandbox_executor.h"
#include "http/router.h"
#include "http/server.h"
#include "live/output_hub.h"
#include "live/relay.h"
#include "queue/job_queue.h"
#include "runtime/helpers.h"
#include "runtime/runtime_service.h"
#include "runtime/variables.h"
#include "sandbox/cgroup.h"
#include "scheduler/scheduler.h"
#include "server/cluster.h"
#include "store/postgres/pg_migrate.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "worker/worker_pool.h"
#include "workflow/engine.h"
#include "webui/webui.h"
#include "workflow/webhooks.h"

#ifndef CRONIUM_VERSION
#define CRONIUM_VERSION "dev"
#endif

namespace cronium::server {

Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= listen.size()) {
    return InvalidArgument(
        fmt::format("--listen '{}': use HOST:PORT, for example 127.0.0.1:8080", listen));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = listen.substr(colon + 1);
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) {
    return InvalidArgument(fmt::format("--listen '{}': the port must be 0 to 65535", listen));
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

namespace {

struct Storage {
  std::filesystem::path data_dir;
  std::string db_path;
  std::optional<crypto::KeyFiles> keys;       // master.key (+ master.key.next mid-rotation)
  std::optional<crypto::MasterKey> hash_key;  // hash.key: token hashes survive key rotation
  std::unique_ptr<store::Store> store;
  std::string description;   // which database, for the log
  std::string postgres_url;  // "" for SQLite
};

// A node started with other key files than the database's secrets are sealed with (someone
// forgot to copy master.key and hash.key to a new node) would join silently: the cluster's API
// tokens would answer 401 there, and what it seals no other node could read. The first start
// records each key's check value (never the key) in the database; a node whose keys differ
// refuses to start and says what to copy. Mid-rotation, the next key is accepted too.
Status CheckKeys(const Storage& storage, const std::string& master_path, TimePoint now) {
  struct Check {
    const char* name;
    std::string file;
    std::string mine;
    std::optional<std::string> next;
  };
  const std::string hash_path = (storage.data_dir / "hash.key").string();
  const Check checks[] = {
      {"master", master_path, storage.keys->CheckValue(), storage.keys->NextCheckValue()},
      {"hash", hash_path, storage.hash_key->CheckValue(), std::nullopt}};
  for (const Check& check : checks) {
    CRONIUM_ASSIGN_OR_RETURN(std::string recorded,
                             storage.store->RecordKeyCheck(check.name, check.mine, now));
    if (recorded == check.mine || (check.next && recorded == *check.next)) continue;
    return FailedPrecondition(fmt::format(
        "{} (key check {}) is not the {} key this database's secrets are sealed with (key check "
        "{}). Every node that shares a database needs the same master.key and hash.key: copy "
        "both from the data directory of a node that runs with this database (for a single "
        "server: restore the data directory's own key files) to {}, then start again",
        check.file, check.mine, check.name, recorded, storage.data_dir.string()));
  }
  return OkStatus();
}

Result<Storage> OpenStorage(const ServeOptions& options) {
  namespace fs = std::filesystem;
  Storage storage;
  std::error_code ec;
  storage.data_dir = fs::absolute(options.data_dir, ec).lexically_normal();
  fs::create_directories(storage.data_dir, ec);
  if (ec) {
    return FailedPrecondition(fmt::format("cannot create the data directory {}: {}",
                                          storage.data_dir.string(), ec.message()));
  }
  ::chmod(storage.data_dir.c_str(), 0700);
  storage.db_path = (storage.data_dir / "cronium.db").string();
  std::string postgres_url;
  if (!options.database.empty()) {
    const std::string& url = options.database;
    if (url.rfind("sqlite://", 0) == 0) {
      storage.db_path = url.substr(9);
    } else if (url.rfind("sqlite:", 0) == 0) {
      storage.db_path = url.substr(7);
    } else if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
      postgres_url = url;
    } else {
      // Not echoed: a URL may hold a password.
      return InvalidArgument(
          "--database: expected sqlite:PATH or a postgres://USER:PASSWORD@HOST:PORT/DB URL");
    }
  }
  const std::string master_path = options.master_key_file.empty()
                                      ? (storage.data_dir / "master.key").string()
                                      : options.master_key_file;
  CRONIUM_ASSIGN_OR_RETURN(auto keys, crypto::KeyFiles::Open(master_path));
  storage.keys.emplace(std::move(keys));
  CRONIUM_ASSIGN_OR_RETURN(
      auto hash_key, crypto::MasterKey::LoadOrCreate((storage.data_dir / "hash.key").string()));
  storage.hash_key.emplace(std::move(hash_key));
  if (postgres_url.empty()) {
    CRONIUM_ASSIGN_OR_RETURN(storage.store, store::sqlite::OpenStore({.path = storage.db_path}));
    storage.description = fmt::format("SQLite at {} (schema version {})", storage.db_path,
                                      store::sqlite::LatestSchemaVersion());
  } else {
    // Every worker and request thread may hold a connection at once.
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int workers = options.workers > 0 ? options.workers : cores;
    const int http = options.http_threads > 0 ? options.http_threads : cores;
    CRONIUM_ASSIGN_OR_RETURN(
        storage.store,
        store::postgres::OpenStore({.url = postgres_url,
                                    .pool_size = workers + http + 4,
                                    .application_name = "cronium store " + options.node_id}));
    storage.description =
        fmt::format("PostgreSQL (schema version {})", store::postgres::LatestPgSchemaVersion());
    storage.db_path.clear();
    storage.postgres_url = postgres_url;
  }
  SystemClock clock;
  CRONIUM_RETURN_IF_ERROR(CheckKeys(storage, master_path, clock.Now()));
  return storage;
}

auth::AuthOptions AuthOptionsFor(const ServeOptions& options) {
  auth::AuthOptions auth_options;
  auth_options.requests_per_token = {.capacity = 2 * options.token_requests_per_second,
                                     .per_second = options.token_requests_per_second};
  auth_options.token_cache_ttl = options.token_cache;
  return auth_options;
}

}  // namespace

Result<std::string> BootstrapAdminToken(const ServeOptions& options) {
  CRONIUM_ASSIGN_OR_RETURN(Storage storage, OpenStorage(options));
  SystemClock clock;
  auth::AuthService auth(AuthOptionsFor(options), *storage.store,
                         storage.hash_key->Hasher(crypto::KeyPurpose::kTokenHashing), clock);
  CRONIUM_ASSIGN_OR_RETURN(auto token, auth.BootstrapAdminToken());
  return token.secret;
}

Result<int> RotateKeys(crypto::KeyFiles& keys, store::Store& store, events::EventService& events,
                       runtime::Variables& variables, runtime::RuntimeService* runtime,
                       workflow::Webhooks* webhooks, const store::Actor& actor, TimePoint now) {
  CRONIUM_RETURN_IF_ERROR(keys.BeginRotation());
  // From here new values are sealed with the next key and both keys open.
  events.SetEnvBox(keys.Box(crypto::KeyPurpose::kEventEnvVars));
  variables.SetBox(keys.Box(crypto::KeyPurpose::kUserVariables));
  if (webhooks != nullptr) webhooks->SetBox(keys.Box(crypto::KeyPurpose::kWebhookSecrets));
  // New execution tokens are signed with the next key; those of going runs (signed with the
  // current one) keep working until their runs end or this process does.
  if (runtime != nullptr) runtime->SetSigner(keys.Signer(crypto::KeyPurpose::kExecutionTokens));
  CRONIUM_ASSIGN_OR_RETURN(
      int count, events.ResealAll(keys.TargetBox(crypto::KeyPurpose::kEventEnvVars),
                                  store::MakeAudit(actor, now, "key.rotate", "key", "master")));
  // The one audit row of the rotation is the one above.
  CRONIUM_ASSIGN_OR_RETURN(
      int vars, variables.ResealAll(keys.TargetBox(crypto::KeyPurpose::kUserVariables), {}));
  CRONIUM_ASSIGN_OR_RETURN(int hooks, workflow::ResealWebhookSecrets(
                                          store, keys.Box(crypto::KeyPurpose::kWebhookSecrets),
                                          keys.TargetBox(crypto::KeyPurpose::kWebhookSecrets), {}));
  spdlog::info("key rotation: {} event(s), {} variable(s) and {} webhook secret(s) re-encrypted",
               count, vars, hooks);
  // The database names the new key before the file is renamed: a crash in between leaves the
  // next key file, which a restart accepts (CheckKeys) and finishes the rotation with.
  CRONIUM_RETURN_IF_ERROR(store.SetKeyCheck("master", *keys.NextCheckValue(), now));
  CRONIUM_RETURN_IF_ERROR(keys.CommitRotation());
  events.SetEnvBox(keys.Box(crypto::KeyPurpose::kEventEnvVars));
  variables.SetBox(keys.Box(crypto::KeyPurpose::kUserVariables));
  if (webhooks != nullptr) webhooks->SetBox(keys.Box(crypto::KeyPurpose::kWebhookSecrets));
  return count;
}

struct App::Parts {
  SystemClock clock;
  std::optional<crypto::KeyFiles> keys;
  std::mutex rotation_mutex;  // one key rotation at a time
  std::unique_ptr<store::Store> store;
  std::unique_ptr<auth::AuthService> auth;
  std::unique_ptr<events::EventService> events;
  std::unique_ptr<queue::JobQueue> queue;
  std::unique_ptr<workflow::Engine> engine;  // the store's job-end hook
  std::unique_ptr<workflow::Webhooks> webhooks;
  std::unique_ptr<runtime::Variables> variables;
  std::unique_ptr<runtime::RuntimeService> runtime;
  std::unique_ptr<exec::Executor> executor;
  std::optional<sandbox::CgroupParents> sandbox_cgroups;  // this server's, removed at stop
  live::OutputHub hub{live::HubOptions{}, clock};         // live output of running executions
  std::unique_ptr<worker::WorkerPool> workers;
  std::unique_ptr<Cluster> cluster;    // with PostgreSQL: node id, leadership, announcements
  std::unique_ptr<live::Relay> relay;  // with a cluster: live output of runs on other nodes
  std::unique_ptr<scheduler::Scheduler> scheduler;
  std::unique_ptr<api::ApiContext> api;
  http::Router router;
  std::unique_ptr<http::Server> http;
  // The runtime API for scripts: on loopback TCP for plain processes and on one Unix socket per
  // worker for sandboxes. Apart from the main listener, so that it outlives it at shutdown
  // while the last runs finish.
  http::Router runtime_router;
  std::unique_ptr<http::Server> runtime_http;

  // Periodic maintenance (audit retention). Guarded by maintenance_mutex.
  std::mutex maintenance_mutex;
  std::condition_variable maintenance_cv;
  bool stopping = false;
  std::thread maintenance;
  std::thread heartbeat;  // this node's row in `nodes`, and the queue's tidying
  std::atomic<int> ended_since_tidy{0};
  bool tidy_due = false;  // Guarded by maintenance_mutex.
  int worker_count = 0;
  TimePoint started_at;
};

App::App(ServeOptions options) : options_(std::move(options)) {}

App::~App() { Stop(); }

std::string App::url() const { return url_; }

bool ValidNodeId(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

Status App::Start() {
  namespace fs = std::filesystem;
  if (!ValidNodeId(options_.node_id)) {
    return InvalidArgument(fmt::format("node id: {}", kNodeIdRule));
  }
  CRONIUM_ASSIGN_OR_RETURN(auto listen, ParseListen(options_.listen));
  CRONIUM_ASSIGN_OR_RETURN(Storage storage, OpenStorage(options_));
  const fs::path data_dir = storage.data_dir;
  std::error_code ec;
  parts_ = std::make_unique<Parts>();
  auto& p = *parts_;
  p.keys = std::move(storage.keys);
  p.store = std::move(storage.store);
  p.started_at = p.clock.Now();
  p.hub.Start();  // sends a batch of live output once its oldest line has waited
  spdlog::info("store: {}", storage.description);
  if (options_.worker_only && storage.postgres_url.empty()) {
    return InvalidArgument(
        "`cronium worker` runs jobs beside `cronium serve` nodes on one PostgreSQL database: "
        "give it --database postgres://...");
  }
  if (!storage.postgres_url.empty()) {
    // Before this node recovers the runs of its node id as its own: no other live node has it.
    CRONIUM_ASSIGN_OR_RETURN(p.cluster, Cluster::Join(storage.postgres_url, options_.node_id));
    spdlog::info("cluster: joined as node '{}'", options_.node_id);
    p.relay = std::make_unique<live::Relay>(options_.node_id, p.hub,
                                            [cluster = p.cluster.get()](std::string payload) {
                                              cluster->PublishLive(std::move(payload));
                                            });
  }
  p.auth = std::make_unique<auth::AuthService>(
      AuthOptionsFor(options_), *p.store,
      storage.hash_key->Hasher(crypto::KeyPurpose::kTokenHashing), p.clock);
  // A worker node leaves accounts to the nodes that serve the API.
  std::optional<std::pair<store::UserRecord, std::string>> first_admin;
  if (!options_.worker_only) {
    CRONIUM_ASSIGN_OR_RETURN(first_admin, p.auth->CreateFirstAdminIfNone());
  }
  if (first_admin) {
    first_admin_password_ = first_admin->second;
    spdlog::warn("created the first admin account 'admin' (its password is shown on stdout once)");
  }

  const fs::path work_root = data_dir / "runs";
  // Runs of a crashed predecessor may still be going: stop them before their jobs are reaped
  // and retried, so an attempt never overlaps the one it replaces.
  if (const int killed = exec::KillLeftoverRuns(work_root.string()); killed > 0) {
    spdlog::warn("killed {} run(s) a previous server process left running", killed);
  }
  fs::remove_all(work_root, ec);  // leftovers of a crash
  fs::create_directories(work_root, ec);
  ::chmod(work_root.c_str(), 0700);

  // The runtime dir: the helpers scripts find preloaded (rewritten at every start, so they
  // always match this binary) and the sandboxes' runtime sockets. Under the data dir, unless its
  // path does not suit: too long for a Unix socket (108 bytes), or with characters that PATH,
  // PYTHONPATH or NODE_OPTIONS would split; then a private dir under /tmp, removed at stop.
  fs::path runtime_dir = data_dir / "runtime";
  const bool plain_path =
      std::all_of(runtime_dir.native().begin(), runtime_dir.native().end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("/._-+@", c) != nullptr;
      });
  fs::remove_all(runtime_dir, ec);
  if (!plain_path ||
      runtime_dir.native().size() + std::string_view("/sockets/worker-000.sock").size() >= 100) {
    std::string pattern = "/tmp/cronium-runtime-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      return Unavailable(
          fmt::format("cannot create a runtime dir under /tmp: {}", std::strerror(errno)));
    }
    runtime_dir = pattern;
    runtime_tmp_dir_ = pattern;
    spdlog::info("runtime dir: {} (the data dir's path is long or has unusual characters)",
                 pattern);
  }
  fs::create_directories(runtime_dir, ec);
  ::chmod(runtime_dir.c_str(), 0700);
  std::string helpers = (runtime_dir / "helpers").string();
  if (options_.private_mounts) {
    // Bound into each sandbox from its tmpfs's root, so a script's mountinfo shows "/", not
    // this path (a bind of a directory shows where it is in its file system).
    fs::create_directories(helpers, ec);
    if (::mount("tmpfs", helpers.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=0755") !=
        0) {
      spdlog::warn("runtime helpers: cannot mount a tmpfs on {}: {}", helpers,
                   std::strerror(errno));
    } else {
      helpers_mount_ = helpers;
    }
  }
  if (auto installed = runtime::InstallHelpers(helpers, runtime::DefaultClientPath()); !installed) {
    spdlog::error("runtime helpers: {}", installed.error().message);
    // Without the client only the Bash helpers are lost; without the files, all of them.
    if (installed.error().code != ErrorCode::kFailedPrecondition) helpers.clear();
  }
  CRONIUM_ASSIGN_OR_RETURN(std::string isolation_warning,
                           StartExecutor(data_dir.string(), helpers));
  events::EventsOptions events_options;
  events_options.max_memory_mb = options_.max_memory_mb;
  events_options.max_pids = options_.max_pids;
  events_options.max_disk_mb = options_.max_disk_mb;
  events_options.max_cpu_seconds = options_.max_cpu_seconds;
  events_options.allow_host_network = options_.allow_host_network;
  p.events = std::make_unique<events::EventService>(
      events_options, *p.store, p.keys->Box(crypto::KeyPurpose::kEventEnvVars), p.clock);
  p.variables = std::make_unique<runtime::Variables>(
      runtime::VariablesOptions{}, *p.store, p.keys->Box(crypto::KeyPurpose::kUserVariables),
      p.clock);
  if (p.keys->rotating()) {
    spdlog::warn("finishing a key rotation that was interrupted");
    CRONIUM_ASSIGN_OR_RETURN(
        int resealed, RotateKeys(*p.keys, *p.store, *p.events, *p.variables, nullptr, nullptr,
                                 store::Actor{}, p.clock.Now()));
    spdlog::info("key rotation finished: {} event(s) re-encrypted", resealed);
  }
  p.runtime = std::make_unique<runtime::RuntimeService>(
      runtime::RuntimeOptions{.requests_per_minute = options_.runtime_requests_per_minute},
      runtime::ExecutionTokens(p.keys->Signer(crypto::KeyPurpose::kExecutionTokens), p.clock),
      *p.variables, *p.store, p.clock);
  p.queue = std::make_unique<queue::JobQueue>(*p.store, p.clock);
  if (p.cluster) {
    const int tidy_every = options_.queue_tidy_every;
    p.queue->SetBroadcast({.finished =
                               [&p, tidy_every](const std::string& id) {
                                 p.cluster->Finished(id);
                                 p.relay->Ended(id);
                                 // Every claim walks the index of queued jobs from its start:
                                 // clear the entries of those that left it, now and then.
                                 if (p.ended_since_tidy.fetch_add(1) + 1 == tidy_every) {
                                   std::lock_guard lock(p.maintenance_mutex);
                                   p.tidy_due = true;
                                   p.maintenance_cv.notify_all();
                                 }
                               },
                           .queued = [&p] { p.cluster->Queued(); }});
  }
  // Before anything can end a job (the recovery below included): workflows move on and
  // conditional actions fire in the transaction of each job's end.
  workflow::EngineOptions engine_options{.max_action_depth = options_.max_action_depth};
  // Through the workers once they exist, which stop a local run at once.
  engine_options.cancel_execution = [&p](const std::string& job_id, const std::string& execution_id,
                                         const std::string& reason,
                                         const store::Actor& actor) -> Status {
    if (p.workers) return p.workers->Cancel(execution_id, reason, actor);
    CRONIUM_RETURN_IF_ERROR(p.queue->Cancel(job_id, execution_id, reason, actor));
    return OkStatus();
  };
  p.engine = std::make_unique<workflow::Engine>(*p.queue, p.clock, std::move(engine_options));
  p.store->SetJobEndHook(p.engine.get());
  p.webhooks = std::make_unique<workflow::Webhooks>(
      *p.store, *p.queue, *p.engine, p.clock, p.keys->Box(crypto::KeyPurpose::kWebhookSecrets));
  // Runs this node held before it stopped cannot still be alive: recover them now (retried
  // per their event's policy) instead of waiting for their leases to lapse.
  CRONIUM_ASSIGN_OR_RETURN(
      int recovered,
      p.queue->ReapLapsedLeases(options_.node_id + "/",
                                "lost: the server stopped during the run (crash or kill)"));
  if (recovered > 0) {
    spdlog::warn(
        "recovered {} run(s) a previous process left unfinished (LOST; retried per "
        "their event's policy)",
        recovered);
  }
  // A run held QUEUED behind one that ended while this process was down (or between its write
  // and its release) starts now.
  if (Status released = p.engine->ReleaseAllHeld(); !released) {
    spdlog::warn("workflows: cannot start held runs: {}", released.error().message);
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int workers = options_.workers > 0 ? options_.workers : cores;

  // The runtime API for running scripts. Sandboxes (network "none") reach it through their
  // worker's own Unix socket, which ties each token to the sandbox it was given to.
  std::vector<std::string> runtime_sockets;
  http::ServerOptions runtime_options;
  runtime_options.port = 0;
  runtime_options.io_threads = 1;
  runtime_options.handler_threads = std::max(2, cores);
  if (isolation_ == "sandbox") {
    const fs::path sockets_dir = runtime_dir / "sockets";
    fs::create_directories(sockets_dir, ec);
    ::chmod(sockets_dir.c_str(), 0700);
    for (int index = 0; index < workers; ++index) {
      const std::string tag = worker::RuntimeListenerTag(index);
      runtime_sockets.push_back((sockets_dir / (tag + ".sock")).string());
      runtime_options.unix_listeners.push_back({runtime_sockets.back(), tag});
    }
  }
  api::RegisterRuntimeRoutes(p.runtime_router, *p.runtime);
  p.runtime_http = std::make_unique<http::Server>(std::move(runtime_options), p.runtime_router);
  CRONIUM_ASSIGN_OR_RETURN(uint16_t runtime_port, p.runtime_http->Start());
  p.runtime->SetTcpUrl(fmt::format("http://127.0.0.1:{}", runtime_port));
  p.workers =
      std::make_unique<worker::WorkerPool>(worker::WorkerOptions{.workers = workers,
                                                                 .node_id = options_.node_id,
                                                                 .work_root = work_root.string(),
                                                                 .lease = options_.lease,
                                                                 .heartbeat = options_.heartbeat,
                                                                 .hub = &p.hub,
                                                                 .isolation = isolation_,
                                                                 .default_limits = DefaultLimits(),
                                                                 .runtime = p.runtime.get(),
                                                                 .runtime_sockets = runtime_sockets,
                                                                 .helpers_dir = helpers},
                                           *p.queue, *p.events, *p.executor, p.clock);
  p.worker_count = workers;
  // What the other nodes say: ends (waiters here are released), queued jobs, live output.
  Cluster::Handlers handlers;
  if (p.cluster) {
    // Word may have been lost while the listener reconnected: live output is asked for again
    // (and other nodes' watches of runs here), and what is waited on here and has ended is
    // released now.
    handlers.missed = [&p] {
      p.relay->Resync();
      for (const std::string& id : p.queue->WaitedIds()) {
        bool ended = false;
        if (id.starts_with("wfr_")) {
          auto run = p.store->GetWorkflowRun(id);
          ended = run && run->finished_at.has_value();
        } else {
          auto execution = p.store->GetExecution(id);
          ended = execution && store::IsTerminal(execution->status);
        }
        if (ended) {
          p.queue->ReleaseWaiters(id);
          p.relay->Ended(id);
        }
      }
    };
    handlers.finished = [&p](const std::string& id) {
      p.queue->ReleaseWaiters(id);
      p.relay->Ended(id);
    };
    handlers.queued = [queue = p.queue.get()] { queue->Wake(); };
    handlers.live = [relay = p.relay.get()](const std::string& payload) {
      relay->Received(payload);
    };
  }
  if (options_.worker_only) {  // no scheduler, API or maintenance
    p.cluster->Listen(std::move(handlers));
    p.workers->Start();
    StartHeartbeat();
    return OkStatus();
  }

  scheduler::SchedulerOptions scheduler_options{.misfire_grace = options_.misfire_grace};
  if (p.cluster) {
    scheduler_options.leads = [cluster = p.cluster.get()] { return cluster->Leads(); };
  }
  p.scheduler = std::make_unique<scheduler::Scheduler>(scheduler_options, *p.store, *p.queue,
                                                       *p.events, p.clock, p.engine.get());
  if (p.cluster) {
    p.scheduler->on_change = [cluster = p.cluster.get()](const std::string& target_id) {
      cluster->Announce(target_id);
    };
    handlers.schedule_changed = [scheduler = p.scheduler.get()](const std::string& target_id) {
      scheduler->Reload(target_id);
    };
    handlers.missed = [scheduler = p.scheduler.get(), waiters = std::move(handlers.missed)] {
      waiters();
      if (Status reloaded = scheduler->ReloadAll(); !reloaded) {
        spdlog::warn("scheduler: {}", reloaded.error().message);
      }
    };
    p.cluster->Listen(std::move(handlers));
  }
  p.scheduler->cancel_run = [this](const std::string& execution_id) {
    auto cancelled = parts_->workers->Cancel(
        execution_id, "cancelled by the schedule's CANCEL_PREVIOUS overlap policy",
        store::Actor{.type = "system", .name = "scheduler"});
    if (!cancelled && cancelled.error().code != ErrorCode::kFailedPrecondition) {
      spdlog::warn("scheduler: cannot cancel {}: {}", execution_id, cancelled.error().message);
    }
  };
  CRONIUM_RETURN_IF_ERROR(p.scheduler->Load());
  p.api = std::make_unique<api::ApiContext>(api::ApiContext{.auth_service = *p.auth,
                                                            .events = *p.events,
                                                            .queue = *p.queue,
                                                            .workers = *p.workers,
                                                            .scheduler = *p.scheduler,
                                                            .store = *p.store,
                                                            .clock = p.clock,
                                                            .version = CRONIUM_VERSION,
                                                            .isolation = isolation_,
                                                            .isolation_warning = isolation_warning,
                                                            .hub = &p.hub,
                                                            .relay = p.relay.get(),
                                                            .worker_count = workers,
                                                            .node_id = options_.node_id,
                                                            .node_heartbeat = options_.heartbeat});
  p.api->rotate_keys = [this](const store::Actor& actor) -> Result<int> {
    auto& parts = *parts_;
    std::lock_guard lock(parts.rotation_mutex);
    return RotateKeys(*parts.keys, *parts.store, *parts.events, *parts.variables,
                      parts.runtime.get(), parts.webhooks.get(), actor, parts.clock.Now());
  };
  p.api->variables = p.variables.get();
  p.api->workflows = p.engine.get();
  p.api->webhooks = p.webhooks.get();
  p.api->kill_after_idempotent_write_for_test = options_.kill_after_idempotent_write_for_test;
  api::RegisterRoutes(p.router, *p.api);
  api::RegisterRuntimeRoutes(p.router, *p.runtime);
  // The web UI: every path the API does not have.
  std::shared_ptr<const webui::WebUi> ui = webui::WebUi::Embedded();
  if (!options_.ui_dir.empty()) {
    CRONIUM_ASSIGN_OR_RETURN(ui, webui::WebUi::FromDirectory(options_.ui_dir));
    spdlog::info("serving the web UI from {}", options_.ui_dir);
  }
  p.router.SetFallback(ui->Handler());

  http::ServerOptions http_options;
  http_options.host = listen.first;
  http_options.port = listen.second;
  http_options.io_threads = options_.http_threads > 0 ? options_.http_threads : cores;
  http_options.handler_threads = std::max(4, 2 * cores);
  // A finished run's stored output (up to 1 MiB per stream, more as JSON lines) goes out at
  // once to a late reader; a reader further behind than this is dropped.
  http_options.max_websocket_queue_bytes = 4 << 20;
  http_options.on_response = [](const http::Request& request, int status,
                                std::chrono::microseconds elapsed) {
    spdlog::info("http {} {} -> {} in {}us from {}", http::ToString(request.method),
                 request.path.substr(0, 200), status, elapsed.count(), request.remote_address);
  };
  p.http = std::make_unique<http::Server>(std::move(http_options), p.router);
  // Retention first, bounded (at most 10,000 old runs here; the maintenance thread does the
  // rest), so that a server that was down for a while does not start over its limits.
  Maintain(p.clock.Now(), /*max_rows=*/10'000);
  p.workers->Start();
  p.scheduler->Start();
  CRONIUM_ASSIGN_OR_RETURN(uint16_t port, p.http->Start());
  const std::string host =
      listen.first.find(':') != std::string::npos ? "[" + listen.first + "]" : listen.first;
  url_ = fmt::format("http://{}:{}", host, port);
  StartHeartbeat();
  if (options_.audit_retention_days > 0 || options_.ledger_retention_days > 0 ||
      options_.execution_retention_days > 0 || options_.executions_per_event > 0) {
    p.maintenance = std::thread([this] {
      auto& parts = *parts_;
      std::unique_lock lock(parts.maintenance_mutex);
      // The start already pruned (a bounded pass); the thread finishes that and keeps at it.
      while (!parts.stopping) {
        lock.unlock();
        Maintain(parts.clock.Now(), /*max_rows=*/0);
        lock.lock();
        parts.maintenance_cv.wait_for(lock, std::chrono::hours(1), [&] { return parts.stopping; });
      }
    });
  }
  return OkStatus();
}

void App::StartHeartbeat() {
  auto& p = *parts_;
  WriteNodeRow(/*stopped=*/false);
  p.heartbeat = std::thread([this] {
    auto& parts = *parts_;
    auto next_beat = std::chrono::steady_clock::now() + options_.heartbeat;
    std::unique_lock lock(parts.maintenance_mutex);
    for (;;) {
      parts.maintenance_cv.wait_until(lock, next_beat,
                                      [&] { return parts.stopping || parts.tidy_due; });
      if (parts.stopping) break;
      const bool tidy = std::exchange(parts.tidy_due, false);
      lock.unlock();
      if (tidy) {
        parts.ended_since_tidy = 0;
        if (Status tidied = parts.store->TidyQueue(); !tidied) {
          spdlog::warn("cannot tidy the queue: {}", tidied.error().message);
        }
      }
      if (std::chrono::steady_clock::now() >= next_beat) {
        WriteNodeRow(/*stopped=*/false);
        if (parts.cluster) CheckClusterKeys();
        next_beat = std::chrono::steady_clock::now() + options_.heartbeat;
      }
      lock.lock();
    }
  });
}

void App::CheckClusterKeys() {
  auto& parts = *parts_;
  std::string mine, recorded;
  {
    // Not during this node's own rotation, which records the next key before it commits.
    std::lock_guard rotation(parts.rotation_mutex);
    mine = parts.keys->CheckValue();
    auto record = parts.store->GetKeyCheck("master");
    if (!record) return;  // the database is away: the next beat asks again
    recorded = *record;
  }
  if (recorded == mine) return;
  {
    std::lock_guard lock(fatal_mutex_);
    if (fatal_error_) return;
    fatal_error_ = fmt::format(
        "another node rotated the cluster's master key (key check {}; this node's is {}): this "
        "node cannot read what is sealed with the new key, so it stopped. Copy master.key from "
        "the data directory of a node that runs with the new key to {}, then start this node "
        "again",
        recorded, mine,
        options_.master_key_file.empty() ? options_.data_dir : options_.master_key_file);
  }
  spdlog::error("{}", *fatal_error());
  ::kill(::getpid(), SIGTERM);
}

std::optional<std::string> App::fatal_error() const {
  std::lock_guard lock(fatal_mutex_);
  return fatal_error_;
}

void App::WriteNodeRow(bool stopped) {
  auto& parts = *parts_;
  const TimePoint now = parts.clock.Now();
  store::NodeRecord node{
      .id = options_.node_id,
      .role = options_.worker_only ? "WORKER" : "SERVE",
      .address = url_,
      .version = CRONIUM_VERSION,
      .workers = parts.worker_count,
      .running = parts.workers ? parts.workers->RunningCount() : 0,
      .leader = !stopped && !options_.worker_only && (!parts.cluster || parts.cluster->leading()),
      .started_at = parts.started_at,
      .heartbeat_at = now};
  if (stopped) node.stopped_at = now;
  if (Status written = parts.store->PutNode(node); !written) {
    spdlog::warn("cannot write this node's heartbeat: {}", written.error().message);
  }
}

void App::Maintain(TimePoint now, int max_rows) {
  auto& parts = *parts_;
  auto prune = [&](std::string_view what, int days, auto&& delete_before) {
    if (days <= 0) return;
    Result<int> pruned = delete_before(now - std::chrono::hours(24 * days));
    if (!pruned) {
      spdlog::warn("{} retention: {}", what, pruned.error().message);
    } else if (*pruned > 0) {
      spdlog::info("{} retention: removed {} entries older than {} days", what, *pruned, days);
    }
  };
  prune("audit", options_.audit_retention_days,
        [&](TimePoint before) { return parts.store->PruneAudit(before); });
  prune("ledger", options_.ledger_retention_days,
        [&](TimePoint before) { return parts.store->PruneLedger(before); });
  PruneHistory(now, max_rows);
  // Idempotency keys past their day (they are not found once expired; this frees the rows).
  constexpr int kKeyBatch = 1'000;
  const int keys = PruneInBatches("idempotency key", kKeyBatch, max_rows, [&] {
    return parts.store->PruneIdempotencyRecords(now, kKeyBatch);
  });
  if (keys > 0) spdlog::info("idempotency keys: removed {} expired", keys);
}

int App::PruneInBatches(std::string_view what, int batch, int max_rows,
                        const std::function<Result<int>()>& prune) {
  auto& parts = *parts_;
  int total = 0;
  for (int calls = 0; max_rows == 0 || calls < std::max(1, max_rows / batch); ++calls) {
    {
      std::lock_guard lock(parts.maintenance_mutex);
      if (parts.stopping) break;
    }
    Result<int> pruned = prune();
    if (!pruned) {
      spdlog::warn("{} retention: {}", what, pruned.error().message);
      break;
    }
    total += *pruned;
    if (*pruned == 0) break;
  }
  return total;
}

// Deletes finished runs beyond the retention, in small writes so that workers and API writes
// get the database in between; stops early when the server stops, or after about `max_rows`
// jobs and as many workflow runs (0 = no limit).
void App::PruneHistory(TimePoint now, int max_rows) {
  // Jobs are chosen by one ranking read per kJobBatch (it walks every finished job, ~0.3 s per
  // 100,000) and deleted by writes of store::Store::kPruneWriteJobs; workflow runs by writes of
  // kRunBatch.
  constexpr int kJobBatch = 5'000;
  constexpr int kRunBatch = 500;
  auto& parts = *parts_;
  if (options_.execution_retention_days <= 0 && options_.executions_per_event <= 0) return;
  const TimePoint before = options_.execution_retention_days > 0
                               ? now - std::chrono::hours(24 * options_.execution_retention_days)
                               : TimePoint();
  // Webhook jobs of the last 10 minutes stay: a delivery's replay key is on its job.
  const int jobs = PruneInBatches("run", kJobBatch, max_rows, [&] {
    return parts.store->PruneJobs(before, options_.executions_per_event, kJobBatch,
                                  now - std::chrono::minutes(10));
  });
  if (jobs > 0) spdlog::info("run retention: removed {} finished job(s) and their runs", jobs);
  if (options_.execution_retention_days <= 0) return;
  const int runs = PruneInBatches("workflow run", kRunBatch, max_rows, [&] {
    return parts.store->PruneWorkflowRuns(before, kRunBatch);
  });
  if (runs > 0) spdlog::info("run retention: removed {} finished workflow run(s)", runs);
}

sandbox::Limits App::DefaultLimits() const {
  sandbox::Limits limits;
  limits.memory_bytes = static_cast<uint64_t>(options_.default_memory_mb) << 20;
  limits.pids = static_cast<uint64_t>(options_.default_pids);
  limits.workdir_bytes = limits.tmp_bytes = static_cast<uint64_t>(options_.default_disk_mb) << 20;
  return limits;
}

Result<std::string> App::StartExecutor(const std::string& data_dir,
                                       const std::string& helpers_dir) {
  auto& p = *parts_;
  // A ceiling below a default lowers the default too.
  options_.default_memory_mb = std::min(options_.default_memory_mb, options_.max_memory_mb);
  options_.default_pids = std::min(options_.default_pids, options_.max_pids);
  options_.default_disk_mb = std::min(options_.default_disk_mb, options_.max_disk_mb);
  if (options_.isolation != "process") {
    exec::SandboxOptions sandbox{
        .launcher = exec::DefaultLauncherPath(),
        .cgroups = {},
        .uid = options_.sandbox_uid,
        .gid = options_.sandbox_gid != 0 ? options_.sandbox_gid : options_.sandbox_uid,
        .uid_count = options_.sandbox_uid_count,
        .runtime_socket = "",
        .shares = {},
        .helpers_dir = helpers_dir};
    for (const std::string& share : options_.sandbox_shares) {
      const size_t colon = share.find(':');
      auto trim = [](std::string path) {
        while (path.size() > 1 && path.back() == '/') path.pop_back();
        return path;
      };
      sandbox.shares.emplace_back(
          trim(share.substr(0, colon)),
          trim(colon == std::string::npos ? share : share.substr(colon + 1)));
    }
    auto probed = exec::ProbeSandbox(sandbox);
    if (probed) {
      if (*probed > 0) {
        spdlog::warn("removed {} run cgroup(s) a previous server process left behind", *probed);
      }
      spdlog::info(
          "isolation: sandbox (namespaces, tmpfs root, uid {}, seccomp, cgroup limits; data dir "
          "{} is not visible to scripts)",
          options_.sandbox_uid_count == 1
              ? std::to_string(options_.sandbox_uid)
              : fmt::format("{}-{}", options_.sandbox_uid,
                            options_.sandbox_uid + options_.sandbox_uid_count - 1),
          data_dir);
      p.sandbox_cgroups = sandbox.cgroups;
      p.executor = std::make_unique<exec::SandboxExecutor>(std::move(sandbox));
      isolation_ = "sandbox";
      return std::string();
    }
    if (probed.error().code == ErrorCode::kInvalidArgument) {
      return tl::unexpected(probed.error());  // a bad --sandbox-* option
    }
    if (options_.isolation == "sandbox") {
      return FailedPrecondition("--isolation sandbox: the sandbox cannot run on this machine: " +
                                probed.error().message);
    }
    const std::string warning =
        "scripts run WITHOUT a sandbox (plain child processes: own process group, clean "
        "environment, private work dir, rlimits, timeouts; no memory or process limits, full "
        "view of the host) because the sandbox cannot run here: " +
        probed.error().message;
    spdlog::warn("isolation: {}", warning);
    p.executor = std::make_unique<exec::ProcessExecutor>();
    isolation_ = "none";
    return warning;
  }
  const std::string warning =
      "scripts run WITHOUT a sandbox (--isolation process): plain child processes with a full "
      "view of the host";
  spdlog::warn("isolation: {}", warning);
  p.executor = std::make_unique<exec::ProcessExecutor>();
  isolation_ = "none";
  return warning;
}

void App::Stop() {
  if (!parts_) return;
  auto& p = *parts_;
  spdlog::info("shutting down: finishing in-flight requests and runs");
  if (p.http) p.http->Shutdown(std::chrono::milliseconds(10'000));
  if (p.scheduler) p.scheduler->Stop();
  // Another node leads at once rather than when this connection would have lapsed.
  if (p.cluster) p.cluster->Resign();
  if (p.workers) p.workers->Stop(options_.shutdown_grace);
  if (p.runtime_http) p.runtime_http->Shutdown(std::chrono::milliseconds(1'000));
  if (!helpers_mount_.empty()) ::umount2(helpers_mount_.c_str(), MNT_DETACH);
  if (!runtime_tmp_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(runtime_tmp_dir_, ec);
  }
  if (p.store) p.store->SetJobEndHook(nullptr);
  if (p.queue) p.queue->Shutdown();
  // After the runs' ends were told; the node id is free from here.
  if (p.cluster) p.cluster->Stop();
  if (p.executor) p.executor->Shutdown();  // prepared sandboxes, before their cgroups' parent
  if (p.sandbox_cgroups) sandbox::RemoveServerCgroups(*p.sandbox_cgroups);
  {
    std::lock_guard lock(p.maintenance_mutex);
    p.stopping = true;
  }
  p.maintenance_cv.notify_all();
  if (p.maintenance.joinable()) p.maintenance.join();
  if (p.heartbeat.joinable()) {
    p.heartbeat.join();
    if (p.store) WriteNodeRow(/*stopped=*/true);
  }
  parts_.reset();
  spdlog::info("stopped");
}

}  // namespace cronium::server
