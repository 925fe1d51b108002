#include "server/cluster.h"

#include <spdlog/spdlog.h>

#include <functional>
#include <string_view>
#include <utility>

#include "store/postgres/pg_db.h"
#include "store/postgres/pg_leader.h"
#include "store/postgres/pg_listener.h"

namespace cronium::server {
namespace {

// Advisory lock keys: the scheduler's leadership, and node ids (hashed) apart from it.
constexpr int64_t kSchedulerLeader = 0x63726e5f6c656164;  // "crn_lead"
constexpr int64_t kNodeKeys = 0x63726e5f6e6f6465;         // "crn_node"
constexpr char kScheduleChannel[] = "cronium_schedules";  // a target id
constexpr char kEndedChannel[] = "cronium_ended";         // node \t id,id,...
constexpr char kQueuedChannel[] = "cronium_queued";       // node
constexpr char kLiveChannel[] = "cronium_live";           // a live::Relay payload
constexpr size_t kMaxOutbox = 100'000;  // what waits to be sent, at most (then dropped, logged)
constexpr size_t kMaxBatch = 500;       // notifications per round trip
constexpr size_t kMaxPayload = 7'900;

}  // namespace

Cluster::Cluster(std::string url, std::string node_id)
    : url_(std::move(url)), node_id_(std::move(node_id)) {}

Cluster::~Cluster() { Stop(); }

Result<std::unique_ptr<Cluster>> Cluster::Join(const std::string& url, const std::string& node_id) {
  std::unique_ptr<Cluster> cluster(new Cluster(url, node_id));
  const auto node_key =
      static_cast<int64_t>(std::hash<std::string>{}(node_id)&0x0000ffffffffffff) ^ kNodeKeys;
  cluster->node_lock_ = std::make_unique<store::postgres::PgLeaderLock>(
      url, node_key, "cronium node-lock " + node_id);
  CRONIUM_ASSIGN_OR_RETURN(bool mine, cluster->node_lock_->TryLead());
  if (!mine) {
    return FailedPrecondition(fmt::format(
        "another running node uses the node id '{}'; give each node its own --node-id", node_id));
  }
  cluster->leader_ = std::make_unique<store::postgres::PgLeaderLock>(
      url, kSchedulerLeader, "cronium leader-lock " + node_id);
  CRONIUM_ASSIGN_OR_RETURN(cluster->sender_,
                           store::postgres::PgConnection::Open(url, cluster->SenderName()));
  cluster->send_thread_ = std::thread([c = cluster.get()] { c->SendLoop(); });
  return cluster;
}

bool Cluster::Leads() {
  if (resigned_) return false;
  if (leader_->Leads() && leader_->Verify()) {
    leading_ = true;
    return true;
  }
  auto took = leader_->TryLead();
  if (!took) spdlog::warn("cluster: cannot reach the database to lead: {}", took.error().message);
  leading_ = took && *took;
  return leading_;
}

void Cluster::Announce(const std::string& target_id) { Enqueue(kScheduleChannel, target_id); }

void Cluster::Finished(const std::string& id) { Enqueue(kEndedChannel, id); }

void Cluster::Queued() {
  // One pending is enough: whoever wakes claims whatever is queued.
  std::lock_guard lock(outbox_mutex_);
  if (closing_ || queued_pending_) return;
  queued_pending_ = true;
  outbox_.push_back({kQueuedChannel, node_id_});
  outbox_cv_.notify_one();
}

void Cluster::PublishLive(std::string payload) { Enqueue(kLiveChannel, std::move(payload)); }

void Cluster::Enqueue(const char* channel, std::string payload) {
  std::lock_guard lock(outbox_mutex_);
  if (closing_) return;  // stopped: nobody would send it
  if (outbox_.size() >= kMaxOutbox) {
    ++dropped_;
    return;
  }
  outbox_.push_back({channel, std::move(payload)});
  outbox_cv_.notify_one();
}

void Cluster::SendLoop() {
  std::unique_lock lock(outbox_mutex_);
  for (;;) {
    outbox_cv_.wait(lock, [&] { return closing_ || !outbox_.empty(); });
    if (outbox_.empty()) return;  // closing, and all sent
    if (dropped_ > 0) {
      spdlog::warn("cluster: {} notification(s) to other nodes dropped (the database is slow)",
                   dropped_);
      dropped_ = 0;
    }
    // Ends that follow each other go in one notification: "node\tid,id,...".
    std::vector<Outgoing> batch;
    while (!outbox_.empty() && batch.size() < kMaxBatch) {
      Outgoing item = std::move(outbox_.front());
      outbox_.pop_front();
      if (item.channel == kQueuedChannel) queued_pending_ = false;
      if (item.channel == kEndedChannel) {
        if (!batch.empty() && batch.back().channel == kEndedChannel &&
            batch.back().payload.size() + 1 + item.payload.size() <= kMaxPayload) {
          batch.back().payload += "," + item.payload;
          continue;
        }
        item.payload = node_id_ + "\t" + item.payload;
      }
      batch.push_back(std::move(item));
    }
    lock.unlock();
    if (!Send(batch)) {
      spdlog::warn("cluster: cannot notify the other nodes; {} notification(s) lost", batch.size());
    }
    lock.lock();
  }
}

bool Cluster::Send(const std::vector<Outgoing>& batch) {
  std::vector<store::postgres::Notification> notifications;
  notifications.reserve(batch.size());
  for (const auto& item : batch) notifications.push_back({item.channel, item.payload});
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!sender_ || !sender_->Healthy()) {
      auto conn = store::postgres::PgConnection::Open(url_, SenderName());
      if (!conn) return false;
      sender_ = std::move(*conn);
    }
    if (store::postgres::Notify(*sender_, notifications)) return true;
    if (!sender_->Lost()) return false;  // refused, not cut: sending again would not help
  }
  return false;
}

void Cluster::Listen(Handlers handlers) {
  listener_thread_ = std::thread([this, h = std::move(handlers)] {
    store::postgres::PgListener listener(url_, "cronium listener " + node_id_);
    bool listening = false;
    while (!stopping_) {
      if (!listening) {
        listening = listener.Listen(kScheduleChannel) && listener.Listen(kEndedChannel) &&
                    listener.Listen(kQueuedChannel) && listener.Listen(kLiveChannel);
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
      if (waited->reconnected && h.missed) h.missed();
      for (const auto& n : waited->notifications) {
        if (n.channel == kScheduleChannel) {
          if (h.schedule_changed) h.schedule_changed(n.payload);
        } else if (n.channel == kLiveChannel) {
          if (h.live) h.live(n.payload);
        } else if (n.channel == kQueuedChannel) {
          if (h.queued && n.payload != node_id_) h.queued();
        } else if (n.channel == kEndedChannel) {
          const size_t tab = n.payload.find('\t');
          if (!h.finished || tab == std::string::npos || n.payload.substr(0, tab) == node_id_) {
            continue;
          }
          std::string_view ids = std::string_view(n.payload).substr(tab + 1);
          while (!ids.empty()) {
            const size_t comma = ids.find(',');
            h.finished(std::string(ids.substr(0, comma)));
            if (comma == std::string_view::npos) break;
            ids.remove_prefix(comma + 1);
          }
        }
      }
    }
  });
}

void Cluster::Resign() {
  resigned_ = true;  // Leads() says no from now on
  if (leader_) leader_->Resign();
  leading_ = false;
}

void Cluster::Stop() {
  Resign();
  stopping_ = true;
  if (listener_thread_.joinable()) listener_thread_.join();
  {
    std::lock_guard lock(outbox_mutex_);
    closing_ = true;
  }
  outbox_cv_.notify_one();
  if (send_thread_.joinable()) send_thread_.join();
  if (node_lock_) node_lock_->Resign();
}

}  // namespace cronium::server
