#pragma once

// The REST API under /api/v1 plus /healthz and /readyz: handlers parse the request, call one
// module and render JSON. Shapes: camelCase fields, RFC 3339 UTC timestamps, opaque string
// ids, lists as {"items": [...], "nextCursor": ...}, errors as {"error": CODE, "message": ...}.

#include <string>

#include "http/router.h"

namespace cronium {
namespace events {
class EventService;
}
namespace queue {
class JobQueue;
}
namespace store {
class Store;
}
namespace worker {
class WorkerPool;
}
}  // namespace cronium

namespace cronium::api {

struct ApiContext {
  events::EventService& events;
  queue::JobQueue& queue;
  worker::WorkerPool& workers;
  store::Store& store;
  std::string version;
  std::string isolation;      // what the executor provides, for /api/v1/system/info
  int max_wait_seconds = 60;  // cap of ?wait= on executions
};

// Adds every route. `context` must outlive the router.
void RegisterRoutes(http::Router& router, ApiContext& context);

}  // namespace cronium::api
