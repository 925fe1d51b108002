#include "server/cluster.h"

#include <spdlog/spdlog.h>

#include <functional>

#include "store/postgres/pg_db.h"
#include "store/postgres/pg_leader.h"
#include "store/postgres/pg_listener.h"

namespace cronium::server {
namespace {

// Advisory lock keys: the scheduler's leadership, and node ids (hashed) apart from it.
constexpr int64_t kSchedulerLeader = 0x63726e5f6c656164;  // "crn_lead"
constexpr int64_t kNodeKeys = 0x63726e5f6e6f6465;         // "crn_node"
constexpr char kScheduleChannel[] = "cronium_schedules";

}  // namespace

Cluster::Cluster(std::string url) : url_(std::move(url)) {}

Cluster::~Cluster() { Stop(); }

Result<std::unique_ptr<Cluster>> Cluster::Join(const std::string& url, const std::string& node_id) {
  std::unique_ptr<Cluster> cluster(new Cluster(url));
  const auto node_key =
      static_cast<int64_t>(std::hash<std::string>{}(node_id)&0x0000ffffffffffff) ^ kNodeKeys;
  cluster->node_lock_ = std::make_unique<store::postgres::PgLeaderLock>(url, node_key);
  CRONIUM_ASSIGN_OR_RETURN(bool mine, cluster->node_lock_->TryLead());
  if (!mine) {
    return FailedPrecondition(fmt::format(
        "another running node uses the node id '{}'; give each node its own --node-id", node_id));
  }
  cluster->leader_ = std::make_unique<store::postgres::PgLeaderLock>(url, kSchedulerLeader);
  CRONIUM_ASSIGN_OR_RETURN(cluster->notifier_, store::postgres::PgConnection::Open(url));
  return cluster;
}

bool Cluster::Leads() {
  if (stopping_) return false;
  if (leader_->Leads() && leader_->Verify()) {
    leading_ = true;
    return true;
  }
  auto took = leader_->TryLead();
  if (!took) spdlog::warn("cluster: cannot reach the database to lead: {}", took.error().message);
  leading_ = took && *took;
  return leading_;
}

void Cluster::Announce(const std::string& target_id) {
  std::lock_guard lock(notify_mutex_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!notifier_ || !notifier_->Healthy()) {
      auto conn = store::postgres::PgConnection::Open(url_);
      if (!conn) break;
      notifier_ = std::move(*conn);
    }
    if (store::postgres::Notify(*notifier_, kScheduleChannel, target_id)) return;
  }
  // The leader re-reads every schedule when it takes over; until then it misses this change.
  spdlog::warn("cluster: cannot tell the other nodes that the schedule of {} changed", target_id);
}

void Cluster::Listen(std::function<void(const std::string&)> changed,
                     std::function<void()> missed) {
  listener_thread_ = std::thread([this, changed = std::move(changed), missed = std::move(missed)] {
    store::postgres::PgListener listener(url_);
    bool listening = false;
    while (!stopping_) {
      if (!listening) {
        listening = static_cast<bool>(listener.Listen(kScheduleChannel));
        if (!listening) {
          std::this_thread::sleep_for(std::chrono::seconds(1));
          continue;
        }
      }
      auto waited = listener.Wait(std::chrono::milliseconds(500));
      if (!waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        continue;
      }
      if (waited->reconnected) missed();
      for (const auto& notification : waited->notifications) changed(notification.payload);
    }
  });
}

void Cluster::Stop() {
  stopping_ = true;
  if (listener_thread_.joinable()) listener_thread_.join();
  if (leader_) leader_->Resign();
  leading_ = false;
  if (node_lock_) node_lock_->Resign();
}

}  // namespace cronium::server
