#pragma once

// A thin RAII layer over sqlite3: a connection with a cache of prepared statements, and a
// statement handle that binds, steps and resets. Only store/sqlite uses it.
//
// A SqliteConnection is not thread-safe; the store (store/sqlite/sqlite_store.cc) hands each one to
// one thread at a time.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace cronium::store::sqlite {

class SqliteConnection;

// A prepared statement borrowed from a connection's cache; reset when the handle goes away.
class Statement {
 public:
  Statement(SqliteConnection& conn, sqlite3_stmt* stmt) : conn_(&conn), stmt_(stmt) {}
  Statement(Statement&& other) noexcept
      : conn_(other.conn_), stmt_(other.stmt_), stepped_(other.stepped_) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const std::string& text) {
    return Bind(index, std::string_view(text));
  }
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, bool value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, double value);
  Statement& BindNull(int index);
  // Binds bytes as a BLOB: stored as given (NUL bytes included), never read as UTF-8.
  Statement& BindBlob(int index, std::string_view bytes);
  template <class T>
  Statement& Bind(int index, const std::optional<T>& value) {
    return value ? Bind(index, *value) : BindNull(index);
  }

  // true when a row is available, false when done.
  Result<bool> Step();
  // Runs to completion; returns the number of rows changed.
  Result<int> Run();
  // Run, for writes whose outcome the caller does not look at: PostgreSQL's statement sends
  // these without waiting (store/postgres/pg_db.h); here it is Run.
  Status Send() {
    return Run().transform([](int) {});
  }

  bool IsNull(int col) const;
  int64_t Int(int col) const;
  double Real(int col) const;
  std::string Text(int col) const;
  std::string Blob(int col) const;
  std::optional<int64_t> OptionalInt(int col) const;

 private:
  void Unstep();

  SqliteConnection* conn_;
  sqlite3_stmt* stmt_;
  bool stepped_ = false;  // stepped since the last reset: a Bind resets it first
};

class SqliteConnection {
 public:
  // Opens (creating if needed) the database at `path` with WAL, foreign keys and a busy
  // timeout. kUnavailable if it cannot be opened.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, bool read_only);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Status Exec(std::string_view sql);
  // Calls `on_commit(frames in the WAL)` after every commit, on the committing thread. It
  // replaces SQLite's automatic checkpoints, so the owner must checkpoint (see sqlite_store.cc).
  void OnWalCommit(std::function<void(int frames)> on_commit);
  Result<Statement> Prepare(std::string_view sql);
  std::string LastError() const;
  Error ToError(int rc, std::string_view what) const;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  std::function<void(int)> on_wal_commit_;
};

}  // namespace cronium::store::sqlite
