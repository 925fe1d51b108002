#include "store/postgres/pg_leader.h"

#include "store/postgres/pg_db.h"

namespace cronium::store::postgres {

PgLeaderLock::PgLeaderLock(std::string conninfo, int64_t key, std::string application_name)
    : conninfo_(std::move(conninfo)), key_(key), application_name_(std::move(application_name)) {}

PgLeaderLock::~PgLeaderLock() { Resign(); }

bool PgLeaderLock::Leads() {
  if (leads_ && (conn_ == nullptr || !conn_->Healthy())) {
    leads_ = false;  // the connection, and with it the lock, is gone
    conn_.reset();
    backend_pid_ = 0;
  }
  return leads_;
}

Result<bool> PgLeaderLock::TryLead() {
  if (Leads()) return true;
  if (conn_ != nullptr && !conn_->Healthy()) conn_.reset();
  if (conn_ == nullptr) {
    CRONIUM_ASSIGN_OR_RETURN(conn_, PgConnection::Open(conninfo_, application_name_));
    CRONIUM_ASSIGN_OR_RETURN(auto pid, conn_->Prepare("SELECT pg_backend_pid()"));
    CRONIUM_RETURN_IF_ERROR(pid.Step());
    backend_pid_ = static_cast<int>(pid.Int(0));
  }
  CRONIUM_ASSIGN_OR_RETURN(auto lock, conn_->Prepare("SELECT pg_try_advisory_lock(?1)"));
  lock.Bind(1, key_);
  auto got = lock.Step();
  if (!got) {
    conn_.reset();
    backend_pid_ = 0;
    return tl::unexpected(got.error());
  }
  leads_ = lock.Int(0) == 1;
  return leads_;
}

bool PgLeaderLock::Verify() {
  if (!Leads()) return false;
  // pg_locks splits a bigint advisory key into two 32-bit halves.
  auto held = conn_->Prepare(
      "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND "
      "granted AND classid = CAST(?1 AS BIGINT) AND objid = CAST(?2 AS BIGINT) AND objsubid = 1");
  if (!held) {
    Resign();
    return false;
  }
  held->Bind(1, static_cast<int64_t>(static_cast<uint64_t>(key_) >> 32))
      .Bind(2, static_cast<int64_t>(static_cast<uint64_t>(key_) & 0xffffffffu));
  auto found = held->Step();
  if (!found || !*found || held->Int(0) != 1) {
    Resign();
    return false;
  }
  return true;
}

void PgLeaderLock::Resign() {
  if (leads_ && conn_ != nullptr && conn_->Healthy()) {
    // Released now, not when the server gets round to ending the session.
    if (auto unlock = conn_->Prepare("SELECT pg_advisory_unlock(?1)")) {
      unlock->Bind(1, key_);
      (void)unlock->Step();
    }
  }
  conn_.reset();  // the session ends, and any advisory lock with it
  leads_ = false;
  backend_pid_ = 0;
}

}  // namespace cronium::store::postgres
