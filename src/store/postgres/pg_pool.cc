#include "store/postgres/pg_pool.h"

namespace cronium::store::postgres {

Result<std::unique_ptr<PgPool>> PgPool::Open(PgPoolOptions options) {
  auto pool = std::unique_ptr<PgPool>(new PgPool(std::move(options)));
  CRONIUM_ASSIGN_OR_RETURN(auto first, pool->Connect());
  std::lock_guard lock(pool->mutex_);
  pool->idle_.push_back(std::move(first));
  pool->open_ = 1;
  return pool;
}

PgPool::~PgPool() = default;

Result<std::unique_ptr<PgConnection>> PgPool::Connect() {
  CRONIUM_ASSIGN_OR_RETURN(auto conn,
                           PgConnection::Open(options_.conninfo, options_.application_name));
  if (!options_.schema.empty()) {
    // A schema name is an identifier, quoted (a " inside doubled), never a parameter.
    std::string quoted = "\"";
    for (char c : options_.schema) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    quoted += '"';
    CRONIUM_RETURN_IF_ERROR(conn->Exec("SET search_path TO " + quoted));
  }
  return conn;
}

Result<PgPool::Lease> PgPool::Acquire() {
  std::unique_lock lock(mutex_);
  freed_.wait(lock, [&] { return !idle_.empty() || open_ < options_.size; });
  if (!idle_.empty()) {
    std::unique_ptr<PgConnection> conn = std::move(idle_.back());
    idle_.pop_back();
    if (conn->Healthy()) return Lease(this, std::move(conn));
    --open_;  // broken: replaced below
  }
  ++open_;
  lock.unlock();
  auto conn = Connect();
  if (!conn) {
    lock.lock();
    --open_;
    freed_.notify_one();
    return tl::unexpected(conn.error());
  }
  return Lease(this, std::move(*conn));
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(conn));
  freed_.notify_one();
}

PgPool::Lease::~Lease() {
  if (pool_ != nullptr && conn_) pool_->Release(std::move(conn_));
}

}  // namespace cronium::store::postgres
