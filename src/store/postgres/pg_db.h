#pragma once

// A thin RAII layer over libpq with the shape of store/sqlite/sqlite_db.h, so that SQL written
// for the store runs on either: a connection with a cache of server-side prepared statements,
// and a statement handle that binds, steps and reads columns. Placeholders are SQLite's `?N`
// (and `?`), turned into PostgreSQL's `$N`. Parameters go as text, their types inferred by the
// server from where they are used (a parameter used only as `? IS NULL` needs a
// `CAST(? AS TEXT)`, which SQLite reads the same way), BLOBs as binary bytea; results come as
// text. Only store/postgres uses it (issue #9).
//
// A PgConnection is not thread-safe; its owner hands it to one thread at a time.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.h"

struct pg_conn;
struct pg_result;

namespace cronium::store::postgres {

class PgConnection;

// SQL with `?N` / `?` placeholders rewritten to `$N`, leaving quoted text, quoted names and
// comments alone. Exposed for tests.
std::string TranslatePlaceholders(std::string_view sql);

// A prepared statement of a connection, executed on the first Step() or Run().
class Statement {
 public:
  Statement(PgConnection& conn, std::string name, int param_count)
      : conn_(&conn), name_(std::move(name)), params_(static_cast<size_t>(param_count)) {}
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based. Binding an index the statement does not have is ignored.
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
  // Bytes as bytea: stored as given (NUL bytes included).
  Statement& BindBlob(int index, std::string_view bytes);
  template <class T>
  Statement& Bind(int index, const std::optional<T>& value) {
    return value ? Bind(index, *value) : BindNull(index);
  }

  // true when a row is available, false when done.
  Result<bool> Step();
  // Runs to completion; returns the number of rows changed (or returned, for a SELECT).
  Result<int> Run();
  // Sends the statement without waiting for it (see PgConnection::Defer): for writes whose
  // outcome the caller does not look at. Its error, if any, is that of the next command that
  // waits on this connection. Nothing can be read from the statement after (Step fails; Run
  // runs it again).
  Status Send();

  bool IsNull(int col) const;
  int64_t Int(int col) const;  // also reads booleans ('t' is 1)
  double Real(int col) const;
  std::string Text(int col) const;
  std::string Blob(int col) const;  // bytea, decoded
  std::optional<int64_t> OptionalInt(int col) const;

 private:
  struct Param {
    std::optional<std::string> value;  // nullopt: NULL
    bool binary = false;
  };
  // The parameters as libpq takes them (pointing into params_).
  struct Wire {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
  };
  Wire ToWire() const;
  Status Execute();
  const char* Value(int col) const;

  PgConnection* conn_;
  std::string name_;
  std::vector<Param> params_;
  pg_result* result_ = nullptr;
  int row_ = -1;  // the current row; -1 before the first Step
  int rows_ = 0;
  bool sent_alone_ = false;  // Send()-ed: its result goes unread, and it does not run again
};

class PgConnection {
 public:
  // Connects with a libpq URI or key=value string. kUnavailable when it cannot.
  // `application_name` names the connection in pg_stat_activity, unless `conninfo` names it.
  static Result<std::unique_ptr<PgConnection>> Open(
      const std::string& conninfo, const std::string& application_name = "cronium");
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs SQL through the simple protocol (several statements allowed, no parameters). With
  // commands sent and not yet read (Defer, Send), one statement only, run after them.
  Status Exec(std::string_view sql);
  // Pipelining. Sends one statement without parameters and does not wait for it: it runs after
  // what was sent before, and its outcome is read together with the next command that waits
  // (Exec, or a statement's Step or Run), in the same round trip. An error of a command sent so
  // is that command's error; the commands after it up to there are skipped by the server (in a
  // transaction, which is then aborted; outside one, what goes in one round trip is one
  // implicit transaction). A transaction's BEGIN and the writes whose outcome nobody reads go
  // so: its COMMIT then carries them.
  Status Defer(std::string_view sql);
  // Prepares (once per connection and text) and returns a handle to bind and run.
  Result<Statement> Prepare(std::string_view sql);
  // Whether the connection is still usable and idle (after a server restart, or once its
  // backend was ended, it is not; nor in a transaction or with commands sent and not read).
  // Reads pending input, never waits.
  bool Healthy() const;
  // Whether the connection is known to be gone (a use failed on it). Unlike Healthy, reads
  // nothing.
  bool Lost() const;
  // Whether the last command that waited (after commands sent before it) is known not to have
  // run: the server reported a failure of one sent before it. Read after a failed COMMIT: its
  // transaction did not commit, even if the connection is lost.
  bool LastCommandSkipped() const { return last_skipped_; }
  // The SQLSTATE of the last error ("" if none), e.g. "40001" for a serialization failure.
  const std::string& last_sqlstate() const { return last_sqlstate_; }

  // The store's error for a failed result: unique, foreign-key and check violations are
  // kAlreadyExists (a foreign-key message contains "FOREIGN KEY", as SQLite's does), lost
  // connections and serialization failures kUnavailable, the rest kInternal.
  Error ToError(const pg_result* result, std::string_view what);

 private:
  friend class Statement;
  friend class PgListener;  // waits on the socket and reads notifications
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}

  struct Prepared {
    std::string name;
    int param_count = 0;
  };
  // Enters pipeline mode unless in it.
  Status StartPipeline();
  // After the command sent last (that the caller waits on): sends a sync, then reads the results
  // of the commands sent before (sent_) and of that last one, which goes to *last (the caller
  // clears it). The first error of a command sent before is returned.
  Status Sync(pg_result** last);
  // A pipeline that cannot go on (a send failed, or its results could not all be read): the
  // connection is marked broken, to be dropped, and this error returned.
  Error Abandon(std::string_view what);

  pg_conn* conn_;
  std::unordered_map<std::string, Prepared> cache_;
  // Commands sent in pipeline mode whose results are not read yet: for each, the cache key of a
  // statement being prepared by it ("" for other commands), dropped from the cache should the
  // preparation fail or be skipped.
  std::vector<std::string> sent_;
  int prepared_count_ = 0;  // names statements: a failed preparation's name is not used again
  bool broken_ = false;     // a pipeline failed midway: the connection is not used again
  bool last_skipped_ = false;
  std::string last_sqlstate_;
};

}  // namespace cronium::store::postgres
