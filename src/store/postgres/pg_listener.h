#pragma once

// PostgreSQL notifications between nodes (issue #9: live output of a run on one node reaching
// a client of another). A PgListener holds a connection of its own that LISTENs on channels and
// waits for notifications; Notify sends one on any connection. A listener whose connection
// broke reconnects and listens again (what was sent meanwhile is lost: callers that must not
// lose anything read the persisted state after Reconnected, which Wait reports). Not
// thread-safe: one thread waits on it.

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"

namespace cronium::store::postgres {

class PgConnection;

struct Notification {
  std::string channel;
  std::string payload;
};

class PgListener {
 public:
  explicit PgListener(std::string conninfo, std::string application_name = "cronium listener");
  ~PgListener();
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

  // Starts listening on a channel (a name of letters, digits and '_'; kInvalidArgument else).
  Status Listen(const std::string& channel);
  Status Unlisten(const std::string& channel);

  struct Waited {
    std::vector<Notification> notifications;
    bool reconnected = false;  // the connection was replaced: notifications may have been lost
  };
  // Returns what arrived, waiting at most `timeout` for the first one (0: only what is there).
  // kUnavailable while the server cannot be reached (the next call tries again).
  Result<Waited> Wait(std::chrono::milliseconds timeout);

  // The backend pid of the listening connection (0 if none), for tests.
  int BackendPid() const { return backend_pid_; }

 private:
  Status Connect();

  const std::string conninfo_;
  const std::string application_name_;
  std::unique_ptr<PgConnection> conn_;
  std::set<std::string> channels_;
  int backend_pid_ = 0;
};

// Sends `payload` (at most 7,999 bytes, PostgreSQL's limit) on `channel`; delivered when the
// sending transaction commits (at once outside one).
Status Notify(PgConnection& conn, const std::string& channel, const std::string& payload);
// Sends each notification, in order, in one round trip (one transaction: identical ones are
// delivered once). The same limits as above; nothing is sent if one breaks them.
Status Notify(PgConnection& conn, const std::vector<Notification>& notifications);

}  // namespace cronium::store::postgres
