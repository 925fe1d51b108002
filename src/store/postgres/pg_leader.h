#pragma once

// Leadership among the nodes sharing one PostgreSQL database (issue #9): a session advisory
// lock held on a connection of its own. PostgreSQL releases the lock when that connection ends
// for any reason (the node crashed, its network went, an administrator ended its backend), so
// a node leads exactly while its lock connection is alive and holds the lock. Not thread-safe:
// one thread (the scheduler's) drives it.

#include <cstdint>
#include <memory>
#include <string>

#include "base/error.h"

namespace cronium::store::postgres {

class PgConnection;

class PgLeaderLock {
 public:
  // `key` names what is led (every node uses the same one for the scheduler).
  PgLeaderLock(std::string conninfo, int64_t key, std::string application_name = "cronium lock");
  ~PgLeaderLock();
  PgLeaderLock(const PgLeaderLock&) = delete;
  PgLeaderLock& operator=(const PgLeaderLock&) = delete;

  // Tries to lead, without waiting: true when this node leads now (it did already, or took the
  // lock now). A lock connection that broke is replaced first, and leadership is gone with it.
  // kUnavailable when the database cannot be reached (then this node does not lead).
  Result<bool> TryLead();
  // Whether this node still leads as far as it can tell without asking: its lock connection
  // was not closed (reads what the server sent, sends nothing).
  bool Leads();
  // Asks the server whether this connection still holds the lock (one round trip). A
  // connection that fails is given up: false.
  bool Verify();
  // Gives leadership up: releases the lock at once, then ends the lock connection.
  void Resign();
  // The backend pid of the lock connection (0 if none), for operators and tests.
  int BackendPid() const { return backend_pid_; }

 private:
  const std::string conninfo_;
  const int64_t key_;
  const std::string application_name_;
  std::unique_ptr<PgConnection> conn_;
  bool leads_ = false;
  int backend_pid_ = 0;
};

}  // namespace cronium::store::postgres
