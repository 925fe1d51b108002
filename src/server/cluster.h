#pragma once

// Several nodes on one PostgreSQL database (issue #9). A node joins by taking the lock of its
// node id (a second live node with the same id is refused: both would recover each other's
// runs as their own). The scheduler's leader holds a session advisory lock on a connection of
// its own; PostgreSQL frees it when that connection ends, whatever ended it, so another node
// takes over within a standby poll.
//
// Nodes tell each other, by LISTEN/NOTIFY: schedule changes (the leader reloads them; a node
// whose listener reconnected reads every schedule again), executions and workflow runs that
// ended (waiters elsewhere are released), jobs queued (idle workers elsewhere claim at once)
// and live output (live::Relay). Sending never blocks the caller: a thread of its own sends
// what was published, in order, many notifications per round trip. Leads() is for the
// scheduler's thread; the rest is thread-safe.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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
  // Tells the other nodes that the execution or workflow run `id` ended here.
  void Finished(const std::string& id);
  // Tells the other nodes that a job was queued here.
  void Queued();
  // Sends a live::Relay payload to every node (this one included).
  void PublishLive(std::string payload);

  // What other nodes say, called on the listening thread (must not block for long).
  struct Handlers {
    std::function<void(const std::string& target_id)> schedule_changed;
    // The listening connection was replaced: notifications may have been lost meanwhile.
    std::function<void()> missed;
    std::function<void(const std::string& id)> finished;  // ended on another node
    std::function<void()> queued;                         // queued on another node
    std::function<void(const std::string& payload)> live;
  };
  void Listen(Handlers handlers);

  // Gives up leading the scheduler (at shutdown, so another node leads at once).
  void Resign();
  // Stops listening, sends what is still to send, and leaves (the node id is free again).
  void Stop();

 private:
  struct Outgoing {
    const char* channel;
    std::string payload;
  };
  Cluster(std::string url, std::string node_id);
  // The connections' names in pg_stat_activity: "cronium <role> <node id>".
  std::string SenderName() const { return "cronium notify " + node_id_; }
  void Enqueue(const char* channel, std::string payload);
  void SendLoop();
  // Sends `batch` in one statement; on a broken connection, once more on a new one.
  bool Send(const std::vector<Outgoing>& batch);

  const std::string url_;
  const std::string node_id_;
  std::unique_ptr<store::postgres::PgLeaderLock> node_lock_;
  std::unique_ptr<store::postgres::PgLeaderLock> leader_;  // the scheduler's thread only
  std::atomic<bool> leading_{false};
  std::atomic<bool> resigned_{false};
  std::atomic<bool> stopping_{false};  // the listener's
  std::thread listener_thread_;

  std::mutex outbox_mutex_;
  std::condition_variable outbox_cv_;
  std::deque<Outgoing> outbox_;  // Guarded by outbox_mutex_.
  bool closing_ = false;         // Guarded by outbox_mutex_.
  bool queued_pending_ = false;  // Guarded by outbox_mutex_: a queued notice waits to be sent
  size_t dropped_ = 0;           // Guarded by outbox_mutex_: beyond kMaxOutbox, since the last log
  std::unique_ptr<store::postgres::PgConnection> sender_;  // the sending thread's
  std::thread send_thread_;
};

}  // namespace cronium::server
