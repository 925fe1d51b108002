#pragma once

// A pool of PostgreSQL connections, and transactions that retry what PostgreSQL asks to retry.
// Part of the PostgreSQL backend under way (issue #9). Thread-safe.
//
// Connections are opened on demand up to `size` and kept; one found broken (the server
// restarted, an administrator ended its backend) is replaced when it is next handed out. One
// that breaks while lent fails that use (kUnavailable) and is replaced after; Read and
// InTransaction then run their work again on a new connection, so a server restart or
// failover costs callers nothing. Every connection uses `schema` first in its search_path
// when one is given (tests use a schema each).

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "store/postgres/pg_db.h"

namespace cronium::store::postgres {

enum class Isolation { kReadCommitted, kSerializable };

struct PgPoolOptions {
  std::string conninfo;
  std::string schema;  // "" for the server's default search_path
  int size = 8;
  std::string application_name = "cronium";  // in pg_stat_activity
};

class PgPool {
 public:
  // Opens one connection to check the server is there (kUnavailable otherwise).
  static Result<std::unique_ptr<PgPool>> Open(PgPoolOptions options);
  ~PgPool();

  // A connection lent to one thread; it goes back to the pool when the lease ends.
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    ~Lease();
    PgConnection& operator*() const { return *conn_; }
    PgConnection* operator->() const { return conn_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  // Waits for a free connection (opening one while fewer than `size` exist).
  Result<Lease> Acquire();

  // fn(conn) with a lent connection, outside a transaction. Should the connection be found cut,
  // fn runs again on a new one (up to kLostAttempts times in all), so fn must only read.
  template <class F>
  auto Read(F&& fn) -> decltype(fn(std::declval<PgConnection&>()));
  // fn(conn) in a transaction (see Transact). Should the connection be cut before COMMIT was
  // sent, the server rolled the transaction back and it runs again on a new connection; cut
  // during COMMIT, whether it committed is unknown and the kUnavailable error is returned.
  template <class F>
  auto InTransaction(Isolation isolation, F&& fn, std::string_view settings = {})
      -> decltype(fn(std::declval<PgConnection&>()));

  static constexpr int kLostAttempts = 3;

 private:
  explicit PgPool(PgPoolOptions options) : options_(std::move(options)) {}
  Result<std::unique_ptr<PgConnection>> Connect();
  void Release(std::unique_ptr<PgConnection> conn);

  const PgPoolOptions options_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // Guarded by mutex_.
  int open_ = 0;                                     // Guarded by mutex_: idle and lent.
};

// Runs `fn(conn)` in a transaction: BEGIN, fn, COMMIT. What fn returns in error rolls back. A
// serialization failure or deadlock (SQLSTATE 40001, 40P01) rolls back and runs fn again, up to
// `attempts` times in all, so fn must not have effects outside the database it relies on.
// `commit_lost`, when given, is set when the connection was lost during COMMIT: the
// transaction may or may not have committed. (Lost before, the server rolled it back.)
// `settings`, one statement without parameters (such as "SELECT set_config(...)"), prepared
// once per connection, follows the BEGIN. The BEGIN and the settings are sent without waiting
// (PgConnection::Defer): they go in the round trip of fn's first statement that waits, and
// writes that fn sends so go with the COMMIT.
template <class F>
auto Transact(PgConnection& conn, Isolation isolation, F&& fn, int attempts = 10,
              bool* commit_lost = nullptr, std::string_view settings = {}) -> decltype(fn()) {
  const std::string_view begin = isolation == Isolation::kSerializable
                                     ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                                     : "BEGIN ISOLATION LEVEL READ COMMITTED";
  for (int attempt = 1;; ++attempt) {
    Status begun = conn.Defer(begin);
    if (begun && !settings.empty()) {
      auto set = conn.Prepare(settings);
      begun = set ? set->Send() : Status(tl::unexpected(set.error()));
    }
    if (!begun) return tl::unexpected(begun.error());
    auto result = fn();
    std::string state;
    if (result) {
      Status committed = conn.Exec("COMMIT");
      if (committed) return result;
      if (commit_lost != nullptr) *commit_lost = conn.Lost() && !conn.LastCommandSkipped();
      state = conn.last_sqlstate();
      result = tl::unexpected(committed.error());
    } else {
      state = conn.last_sqlstate();
    }
    // A COMMIT that ran and failed has rolled back; one skipped after a failed write sent with
    // it has not, nor has fn's failure.
    // (A ROLLBACK skipped after a failed write that fn sent and nobody read is sent again.)
    if (!conn.Lost() && !conn.Exec("ROLLBACK") && !conn.Lost()) (void)conn.Exec("ROLLBACK");
    if (attempt >= attempts || (state != "40001" && state != "40P01")) return result;
    // Let the transaction that won go first.
    std::this_thread::sleep_for(std::chrono::microseconds(100 << std::min(attempt, 6)));
  }
}

template <class F>
auto PgPool::Read(F&& fn) -> decltype(fn(std::declval<PgConnection&>())) {
  for (int attempt = 1;; ++attempt) {
    CRONIUM_ASSIGN_OR_RETURN(auto lease, Acquire());
    auto result = fn(*lease);
    if (result || !lease->Lost() || attempt >= kLostAttempts) return result;
  }
}

template <class F>
auto PgPool::InTransaction(Isolation isolation, F&& fn, std::string_view settings)
    -> decltype(fn(std::declval<PgConnection&>())) {
  for (int attempt = 1;; ++attempt) {
    CRONIUM_ASSIGN_OR_RETURN(auto lease, Acquire());
    bool commit_lost = false;
    auto result = Transact(
        *lease, isolation, [&] { return fn(*lease); }, 10, &commit_lost, settings);
    if (result || !lease->Lost() || commit_lost || attempt >= kLostAttempts) return result;
  }
}

}  // namespace cronium::store::postgres
