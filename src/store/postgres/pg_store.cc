#include "store/postgres/pg_store.h"

#include <utility>

#include "store/postgres/pg_db.h"
#include "store/postgres/pg_migrate.h"
#include "store/postgres/pg_pool.h"
#include "store/sql/sql_store.h"
#include "store/sql/sql_store_impl.inc"

namespace cronium::store::postgres {

// PostgreSQL's SQL for what differs (see sql::Dialect).
const sql::Dialect& DialectOf(const PgConnection& /*conn*/) {
  static constexpr sql::Dialect kDialect{
      .ilike = "ILIKE",
      .has_tag =
          "EXISTS (SELECT 1 FROM json_array_elements_text(CAST(events.tags AS json)) AS t(value) "
          "WHERE t.value = ?4)",
      .skip_locked = " FOR UPDATE OF j SKIP LOCKED",
      .claim_exclude = " AND j.event_id <> ALL(string_to_array(CAST(?5 AS TEXT), ','))",
      // Transaction-scoped, in a key space of its own (two int4 keys; 0x43524e00 names ours).
      .event_lock = "SELECT pg_advisory_xact_lock(1129467392, hashtext(?1))",
      // Index cleanup forced: PostgreSQL would skip it when few heap pages have dead rows,
      // which is just when the queue's small index is full of them.
      .tidy_queue = "VACUUM (INDEX_CLEANUP ON, TRUNCATE OFF, SKIP_LOCKED) jobs",
      .pick_returns_execution = true,
      .row_locks = true,
  };
  return kDialect;
}

// The pool, and the two kinds of transaction sql::SqlStore asks for.
class PgDb {
 public:
  using Connection = PgConnection;

  explicit PgDb(std::unique_ptr<PgPool> pool) : pool_(std::move(pool)) {}

  template <class F>
  auto Read(F&& fn) -> decltype(fn(std::declval<PgConnection&>())) {
    return pool_->Read(std::forward<F>(fn));
  }

  template <class F>
  auto Write(F&& fn) -> decltype(fn(std::declval<PgConnection&>())) {
    return pool_->InTransaction(Isolation::kSerializable, std::forward<F>(fn));
  }
  template <class F>
  auto WriteLocking(F&& fn) -> decltype(fn(std::declval<PgConnection&>())) {
    // The job lifecycle reads and writes rows by key, and its claims walk the index of queued
    // jobs in order: planned so whatever the statistics say. A queue that had just filled had
    // statistics of 3 rows for 3,000, and each claim then sorted every queued job (2-4 ms
    // instead of 0.04). Sent with the BEGIN, so it costs no round trip.
    return pool_->InTransaction(Isolation::kReadCommitted, std::forward<F>(fn),
                                "SELECT set_config('enable_sort', 'off', true), "
                                "set_config('enable_bitmapscan', 'off', true)");
  }

 private:
  std::unique_ptr<PgPool> pool_;
};

Result<std::unique_ptr<Store>> OpenStore(const PgStoreOptions& options) {
  CRONIUM_ASSIGN_OR_RETURN(auto pool, PgPool::Open({.conninfo = options.url,
                                                    .schema = options.schema,
                                                    .size = std::max(2, options.pool_size),
                                                    .application_name = options.application_name}));
  {
    CRONIUM_ASSIGN_OR_RETURN(auto conn, pool->Acquire());
    CRONIUM_RETURN_IF_ERROR(ApplyPgMigrations(*conn));
  }
  return std::unique_ptr<Store>(
      std::make_unique<sql::SqlStore<PgDb>>(std::make_unique<PgDb>(std::move(pool))));
}

}  // namespace cronium::store::postgres

template class cronium::store::sql::SqlStore<cronium::store::postgres::PgDb>;
