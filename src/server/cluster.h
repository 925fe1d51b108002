#pragma once

// Several nodes on one PostgreSQL database (issue #9). A node joins by taking the lock of its
// node id (a second live node with the same id is refused: both would recover each other's
// runs as their own). The scheduler's leader holds a session advisory lock on a connection of
// its own; PostgreSQL frees it when that connection ends, whatever ended it, so another node
// takes over within a standby poll. Schedule changes made on any node reach the leader as
// notifications (LISTEN/NOTIFY), and a leader whose listener reconnected reads every schedule
// again. Leads() is for the scheduler's thread; the rest is thread-safe.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/error.h"

namespace cronium::store::postgres {
class PgConnection;
class PgLeaderLock;
class PgListener;
}  // namespace cronium::store::postgres

namespace cronium::server {

class Cluster {
 public:
  // kFailedPrecondition when a live node already uses `node_id`; kUnavailable without the
  // database.
  static Result<std::unique_ptr<Cluster>> Join(const std::string& url, const std::string& node_id);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Whether this node leads the scheduler: keeps (verified with the server) or takes the lock.
  bool Leads();
  bool leading() const { return leading_.load(); }

  // Tells every node (this one included) that the schedule of `target_id` changed.
  void Announce(const std::string& target_id);
  // Calls `changed(target_id)` for every announcement, and `missed()` after the listening
  // connection was replaced (announcements may have been lost), on a thread of its own.
  void Listen(std::function<void(const std::string&)> changed, std::function<void()> missed);
  // Resigns leadership and stops listening.
  void Stop();

 private:
  Cluster(std::string url);

  const std::string url_;
  std::unique_ptr<store::postgres::PgLeaderLock> node_lock_;
  std::unique_ptr<store::postgres::PgLeaderLock> leader_;  // the scheduler's thread only
  std::atomic<bool> leading_{false};
  std::mutex notify_mutex_;
  std::unique_ptr<store::postgres::PgConnection> notifier_;  // Guarded by notify_mutex_.
  std::atomic<bool> stopping_{false};
  std::thread listener_thread_;
};

}  // namespace cronium::server
