#pragma once

// The REST API under /api/v1 plus /healthz and /readyz: handlers parse the request, call one
// module and render JSON. Every /api/v1 route but login and invitation acceptance requires a
// session cookie (plus X-CSRF-Token on changes) or an `Authorization: Bearer` API token.
// Shapes: camelCase fields, RFC 3339 UTC timestamps, opaque string ids, lists as
// {"items": [...], "nextCursor": ...}, errors as {"error": CODE, "message": ...}.

#include <chrono>
#include <functional>
#include <string>

#include "base/clock.h"
#include "base/error.h"
#include "http/router.h"
#include "store/records.h"

namespace cronium {
namespace auth {
class AuthService;
}
namespace events {
class EventService;
}
namespace live {
class OutputHub;
class Relay;
}  // namespace live
namespace queue {
class JobQueue;
}
namespace runtime {
class RuntimeService;
class Variables;
}  // namespace runtime
namespace scheduler {
class Scheduler;
}
namespace store {
class Store;
}
namespace worker {
class WorkerPool;
}
namespace workflow {
class Engine;
class Webhooks;
}  // namespace workflow
}  // namespace cronium

namespace cronium::api {

struct ApiContext {
  auth::AuthService& auth_service;
  events::EventService& events;
  queue::JobQueue& queue;
  worker::WorkerPool& workers;
  scheduler::Scheduler& scheduler;
  store::Store& store;
  const Clock& clock;
  std::string version;
  std::string isolation;           // what the executor provides, for /api/v1/system/info
  std::string isolation_warning;   // why runs are not isolated ("" when they are)
  live::OutputHub* hub = nullptr;  // live output for /api/v1/executions/{id}/stream
  live::Relay* relay = nullptr;    // with several nodes: the output of runs on the others
  int max_wait_seconds = 60;       // cap of ?wait= on executions
  int worker_count = 0;            // for /api/v1/system/info
  std::string node_id;             // this node, for /api/v1/system/nodes
  std::chrono::milliseconds node_heartbeat{10'000};  // how often nodes write their row
  int64_t default_drain_grace_seconds = 30;
  bool secure_cookies = false;  // set the Secure attribute (when served over TLS)
  // Rotates the master key, re-encrypting every secret; returns how many records changed.
  std::function<Result<int>(const store::Actor&)> rotate_keys;
  runtime::Variables* variables = nullptr;  // /api/v1/variables (absent without it)
  workflow::Engine* workflows = nullptr;    // /api/v1/workflows (absent without it)
  workflow::Webhooks* webhooks = nullptr;   // webhooks and /api/v1/hooks (absent without it)
  // Tests only (the server's CRONIUM_TEST_FAULT=kill-after-idempotent-write): the process
  // kills itself with SIGKILL once a request with an idempotency key has written what it
  // created, before it answers; how the crash test of safe retries cuts that moment.
  bool kill_after_idempotent_write_for_test = false;
};

// Adds every route. `context` must outlive the router.
void RegisterRoutes(http::Router& router, ApiContext& context);

// Adds the runtime API that scripts call (contract §2.5/2.6) at the origin root: /health and
// /executions/{id}/{input,output,variables/{key},condition,context}. On the main listener and on
// the sandboxes' Unix sockets. `service` must outlive the router.
void RegisterRuntimeRoutes(http::Router& router, runtime::RuntimeService& service);

}  // namespace cronium::api
