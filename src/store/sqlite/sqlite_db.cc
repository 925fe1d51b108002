#include "store/sqlite/sqlite_db.h"

#include <fmt/format.h>
#include <sqlite3.h>

namespace cronium::store::sqlite {

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::Bind(int index, std::string_view text) {
  Unstep();
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) {
  Unstep();
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  Unstep();
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Statement& Statement::BindNull(int index) {
  Unstep();
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  Unstep();
  // An empty view may have no data pointer, which SQLite would bind as NULL; an empty value is
  // a zero-length BLOB.
  if (bytes.empty()) {
    sqlite3_bind_zeroblob(stmt_, index, 0);
  } else {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  }
  return *this;
}

void Statement::Unstep() {
  // SQLite binds only to a statement that was reset since its last step (else SQLITE_MISUSE,
  // and the old value stays): a statement run once is bound again and run again, as on
  // PostgreSQL. A reset keeps the other bindings.
  if (stepped_) {
    sqlite3_reset(stmt_);
    stepped_ = false;
  }
}

Result<bool> Statement::Step() {
  stepped_ = true;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return tl::unexpected(conn_->ToError(rc, "step"));
}

Result<int> Statement::Run() {
  for (;;) {
    CRONIUM_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) break;
  }
  return sqlite3_changes(sqlite3_db_handle(stmt_));
}

bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

int64_t Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

double Statement::Real(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Statement::Text(int col) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (text == nullptr) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::string Statement::Blob(int col) const {
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  if (bytes == nullptr) return {};
  return std::string(bytes, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<int64_t> Statement::OptionalInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                 bool read_only) {
  sqlite3* db = nullptr;
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Unavailable(fmt::format("cannot open database {}: {}", path, message));
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  sqlite3_busy_timeout(db, 10'000);
  sqlite3_extended_result_codes(db, 1);
  // The writer keeps a bigger page cache (16 MiB at most, filled only as pages are used): the
  // queue's hot pages then stay in memory across transactions.
  const char* pragmas = read_only ? "PRAGMA foreign_keys=ON;"
                                  : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                                    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384;";
  CRONIUM_RETURN_IF_ERROR(conn->Exec(pragmas));
  return conn;
}

void SqliteConnection::OnWalCommit(std::function<void(int frames)> on_commit) {
  on_wal_commit_ = std::move(on_commit);
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3*, const char*, int frames) {
        static_cast<SqliteConnection*>(self)->on_wal_commit_(frames);
        return SQLITE_OK;
      },
      this);
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status SqliteConnection::Exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string message = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Error error = ToError(rc, "exec");
    if ((rc & 0xff) != SQLITE_FULL) error.message = fmt::format("database error: {}", message);
    return tl::unexpected(error);
  }
  return OkStatus();
}

Result<Statement> SqliteConnection::Prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, key.c_str(), static_cast<int>(key.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return tl::unexpected(ToError(rc, "prepare"));
    it = cache_.emplace(std::move(key), stmt).first;
  }
  return Statement(*this, it->second);
}

std::string SqliteConnection::LastError() const { return sqlite3_errmsg(db_); }

Error SqliteConnection::ToError(int rc, std::string_view what) const {
  const int primary = rc & 0xff;
  ErrorCode code = ErrorCode::kInternal;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) code = ErrorCode::kUnavailable;
  if (primary == SQLITE_FULL || primary == SQLITE_IOERR) code = ErrorCode::kUnavailable;
  if (primary == SQLITE_CONSTRAINT) code = ErrorCode::kAlreadyExists;
  if (primary == SQLITE_TOOBIG) code = ErrorCode::kResourceExhausted;
  if (primary == SQLITE_FULL) {
    return Error{code, fmt::format("the disk of the database is full ({} failed: {}); free some "
                                   "space where the data directory is",
                                   what, sqlite3_errmsg(db_))};
  }
  return Error{code, fmt::format("database {} failed: {}", what, sqlite3_errmsg(db_))};
}

}  // namespace cronium::store::sqlite
