#include "store/postgres/pg_db.h"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>

#include <cstdlib>
#include <cstring>
#include <optional>

namespace cronium::store::postgres {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The highest `$N` of translated SQL: how many parameters it takes.
int CountParams(std::string_view sql) {
  int highest = 0;
  for (size_t i = 0; i + 1 < sql.size(); ++i) {
    if (sql[i] != '$' || !IsDigit(sql[i + 1])) continue;
    int n = 0;
    size_t j = i + 1;
    while (j < sql.size() && IsDigit(sql[j])) n = n * 10 + (sql[j++] - '0');
    highest = std::max(highest, n);
    i = j - 1;
  }
  return highest;
}

}  // namespace

std::string TranslatePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int next_auto = 0;
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {  // a literal or a quoted name, '' and "" escaping themselves
      const size_t start = i++;
      while (i < sql.size()) {
        if (sql[i] == c) {
          if (i + 1 < sql.size() && sql[i + 1] == c) {
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        ++i;
      }
      out.append(sql.substr(start, i - start));
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const size_t end = sql.find('\n', i);
      const size_t stop = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, stop - i));
      i = stop;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const size_t end = sql.find("*/", i + 2);
      const size_t stop = end == std::string_view::npos ? sql.size() : end + 2;
      out.append(sql.substr(i, stop - i));
      i = stop;
    } else if (c == '?') {
      ++i;
      if (i < sql.size() && IsDigit(sql[i])) {
        out += '$';
        while (i < sql.size() && IsDigit(sql[i])) out += sql[i++];
      } else {
        out += '$';
        out += std::to_string(++next_auto);
      }
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

// ---- Statement ----

Statement::Statement(Statement&& other) noexcept
    : conn_(other.conn_),
      name_(std::move(other.name_)),
      params_(std::move(other.params_)),
      result_(other.result_),
      row_(other.row_),
      rows_(other.rows_),
      sent_alone_(other.sent_alone_) {
  other.result_ = nullptr;
}

Statement::~Statement() {
  if (result_ != nullptr) PQclear(result_);
}

Statement& Statement::Bind(int index, std::string_view text) {
  if (index >= 1 && static_cast<size_t>(index) <= params_.size()) {
    params_[index - 1] = Param{.value = std::string(text), .binary = false};
  }
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) { return Bind(index, std::to_string(value)); }

Statement& Statement::Bind(int index, double value) {
  return Bind(index, fmt::format("{:.17g}", value));
}

Statement& Statement::BindNull(int index) {
  if (index >= 1 && static_cast<size_t>(index) <= params_.size()) params_[index - 1] = Param{};
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  if (index >= 1 && static_cast<size_t>(index) <= params_.size()) {
    params_[index - 1] = Param{.value = std::string(bytes), .binary = true};
  }
  return *this;
}

Statement::Wire Statement::ToWire() const {
  Wire wire;
  wire.values.resize(params_.size());
  wire.lengths.resize(params_.size());
  wire.formats.resize(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    const Param& param = params_[i];
    wire.values[i] = param.value ? param.value->data() : nullptr;
    wire.lengths[i] = param.value ? static_cast<int>(param.value->size()) : 0;
    wire.formats[i] = param.binary ? 1 : 0;
  }
  return wire;
}

Status Statement::Execute() {
  sent_alone_ = false;
  const Wire wire = ToWire();
  if (result_ != nullptr) PQclear(result_);
  result_ = nullptr;
  conn_->last_skipped_ = false;
  if (conn_->sent_.empty()) {
    result_ = PQexecPrepared(conn_->conn_, name_.c_str(), static_cast<int>(params_.size()),
                             wire.values.data(), wire.lengths.data(), wire.formats.data(),
                             /*resultFormat=*/0);
  } else {
    // After what was sent before, in the same round trip.
    if (PQsendQueryPrepared(conn_->conn_, name_.c_str(), static_cast<int>(params_.size()),
                            wire.values.data(), wire.lengths.data(), wire.formats.data(),
                            /*resultFormat=*/0) == 0) {
      return tl::unexpected(conn_->Abandon("statement"));
    }
    Status synced = conn_->Sync(&result_);
    if (!synced) {
      if (result_ != nullptr) PQclear(result_);
      result_ = nullptr;
      return synced;
    }
  }
  const ExecStatusType status = result_ != nullptr ? PQresultStatus(result_) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    Error error = conn_->ToError(result_, "statement");
    PQclear(result_);
    result_ = nullptr;
    return tl::unexpected(std::move(error));
  }
  conn_->last_sqlstate_.clear();
  rows_ = PQntuples(result_);
  row_ = -1;
  return OkStatus();
}

Status Statement::Send() {
  const Wire wire = ToWire();
  if (result_ != nullptr) PQclear(result_);
  result_ = nullptr;
  row_ = rows_ = 0;
  sent_alone_ = true;
  CRONIUM_RETURN_IF_ERROR(conn_->StartPipeline());
  if (PQsendQueryPrepared(conn_->conn_, name_.c_str(), static_cast<int>(params_.size()),
                          wire.values.data(), wire.lengths.data(), wire.formats.data(),
                          /*resultFormat=*/0) == 0) {
    return tl::unexpected(conn_->Abandon("statement"));
  }
  conn_->sent_.emplace_back();
  return OkStatus();
}

Result<bool> Statement::Step() {
  if (sent_alone_) return Internal("a statement that was sent has no rows to read");
  if (result_ == nullptr) CRONIUM_RETURN_IF_ERROR(Execute());
  if (row_ + 1 >= rows_) {
    row_ = rows_;
    return false;
  }
  ++row_;
  return true;
}

Result<int> Statement::Run() {
  CRONIUM_RETURN_IF_ERROR(Execute());
  const char* affected = PQcmdTuples(result_);
  if (affected != nullptr && *affected != '\0') return std::atoi(affected);
  return rows_;
}

const char* Statement::Value(int col) const {
  if (result_ == nullptr || row_ < 0 || row_ >= rows_ || col < 0 || col >= PQnfields(result_)) {
    return nullptr;
  }
  if (PQgetisnull(result_, row_, col)) return nullptr;
  return PQgetvalue(result_, row_, col);
}

bool Statement::IsNull(int col) const { return Value(col) == nullptr; }

int64_t Statement::Int(int col) const {
  const char* value = Value(col);
  if (value == nullptr) return 0;
  if (value[0] == 't' && value[1] == '\0') return 1;
  if (value[0] == 'f' && value[1] == '\0') return 0;
  return std::strtoll(value, nullptr, 10);
}

double Statement::Real(int col) const {
  const char* value = Value(col);
  return value == nullptr ? 0.0 : std::strtod(value, nullptr);
}

std::string Statement::Text(int col) const {
  const char* value = Value(col);
  if (value == nullptr) return {};
  return std::string(value, static_cast<size_t>(PQgetlength(result_, row_, col)));
}

std::string Statement::Blob(int col) const {
  const char* value = Value(col);
  if (value == nullptr) return {};
  size_t length = 0;
  unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(value), &length);
  if (bytes == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(bytes), length);
  PQfreemem(bytes);
  return out;
}

std::optional<int64_t> Statement::OptionalInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

// ---- PgConnection ----

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& conninfo,
                                                         const std::string& application_name) {
  // The URI (or key=value string) is expanded in place of "dbname"; a later keyword only
  // applies where it set nothing.
  const char* keywords[] = {"dbname", "fallback_application_name", nullptr};
  const char* values[] = {conninfo.c_str(), application_name.c_str(), nullptr};
  pg_conn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Unavailable("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    return Unavailable(fmt::format("cannot connect to PostgreSQL: {}", message));
  }
  auto connection = std::unique_ptr<PgConnection>(new PgConnection(conn));
  // UTC and ISO dates whatever the server's defaults; notices (e.g. "relation exists,
  // skipping") are not printed to stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  CRONIUM_RETURN_IF_ERROR(connection->Exec("SET TIME ZONE 'UTC'"));
  return connection;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::Healthy() const {
  // Reads what the server sent meanwhile without waiting: a backend that was ended said so
  // and closed the socket, which this notices.
  // An idle connection gets nothing unasked: what it can read now is the server's goodbye
  // (an error, then the end of the stream).
  for (int round = 0; round < 4 && PQstatus(conn_) == CONNECTION_OK; ++round) {
    pollfd ready{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
    if (ready.fd < 0 || ::poll(&ready, 1, 0) <= 0) break;
    if (PQconsumeInput(conn_) == 0) return false;
  }
  return PQstatus(conn_) == CONNECTION_OK && !broken_ && sent_.empty() &&
         PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

bool PgConnection::Lost() const { return PQstatus(conn_) != CONNECTION_OK || broken_; }

Status PgConnection::Exec(std::string_view sql) {
  const std::string text(sql);
  pg_result* result = nullptr;
  last_skipped_ = false;
  if (sent_.empty()) {
    result = PQexec(conn_, text.c_str());
  } else {
    if (PQsendQueryParams(conn_, text.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 0) {
      return tl::unexpected(Abandon("exec"));
    }
    Status synced = Sync(&result);
    if (!synced) {
      PQclear(result);
      return synced;
    }
  }
  const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
    Error error = ToError(result, "exec");
    PQclear(result);
    return tl::unexpected(std::move(error));
  }
  PQclear(result);
  last_sqlstate_.clear();
  return OkStatus();
}

Status PgConnection::Defer(std::string_view sql) {
  CRONIUM_RETURN_IF_ERROR(StartPipeline());
  const std::string text(sql);
  if (PQsendQueryParams(conn_, text.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 0) {
    return tl::unexpected(Abandon("exec"));
  }
  sent_.emplace_back();
  return OkStatus();
}

Status PgConnection::StartPipeline() {
  if (PQpipelineStatus(conn_) != PQ_PIPELINE_OFF) return OkStatus();
  if (PQenterPipelineMode(conn_) == 0) return tl::unexpected(ToError(nullptr, "pipeline"));
  return OkStatus();
}

Error PgConnection::Abandon(std::string_view what) {
  last_skipped_ = false;  // what got through before the failure is unknown
  Error error = ToError(nullptr, what);
  // What the statements being prepared left behind is unknown: they leave the cache.
  for (const std::string& key : sent_) {
    if (!key.empty()) cache_.erase(key);
  }
  sent_.clear();
  broken_ = true;
  return error;
}

Status PgConnection::Sync(pg_result** last) {
  *last = nullptr;
  last_skipped_ = false;
  if (PQpipelineSync(conn_) == 0) return tl::unexpected(Abandon("pipeline"));
  // The commands sent before, then the last one, then the sync.
  const std::vector<std::string> sent = std::move(sent_);
  sent_.clear();
  const size_t commands = sent.size();
  std::optional<Error> first_error;
  bool synced = false;
  // Results come command by command, each ending with a null; a lost connection gives nulls
  // from then on, so the count of nulls bounds the loop.
  size_t command = 0;
  for (;;) {
    pg_result* result = PQgetResult(conn_);
    if (result == nullptr) {
      if (++command > commands + 1 || Lost()) break;
      continue;
    }
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_PIPELINE_SYNC) {
      PQclear(result);
      synced = true;
      break;
    }
    if (command < commands) {
      if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        // A statement being prepared that failed (or was skipped) is not on the server.
        if (!sent[command].empty()) cache_.erase(sent[command]);
        if (!first_error && status != PGRES_PIPELINE_ABORTED) {
          first_error = ToError(result, "statement");
          // The server skips what follows a failure up to the sync (a backend that ended
          // said so and went): the last command did not run.
          last_skipped_ = true;
        }
      }
      PQclear(result);
    } else if (command == commands && *last == nullptr) {
      *last = result;
    } else {
      PQclear(result);
    }
  }
  if (!synced || PQexitPipelineMode(conn_) == 0) {
    broken_ = true;
    for (size_t i = command; i < commands; ++i) {
      if (!sent[i].empty()) cache_.erase(sent[i]);
    }
    if (!first_error) first_error = ToError(nullptr, "pipeline");
  }
  if (first_error) return tl::unexpected(std::move(*first_error));
  return OkStatus();
}

Result<Statement> PgConnection::Prepare(std::string_view sql) {
  const std::string key(sql);
  auto found = cache_.find(key);
  if (found == cache_.end()) {
    const std::string translated = TranslatePlaceholders(sql);
    Prepared prepared{.name = "s" + std::to_string(++prepared_count_),
                      .param_count = CountParams(translated)};
    if (!sent_.empty()) {
      // Prepared after what was sent before, and used after that: its outcome is read with
      // theirs (should it fail, it leaves the cache then).
      if (PQsendPrepare(conn_, prepared.name.c_str(), translated.c_str(), prepared.param_count,
                        nullptr) == 0) {
        return tl::unexpected(Abandon("prepare"));
      }
      sent_.push_back(key);
      found = cache_.emplace(key, std::move(prepared)).first;
      return Statement(*this, found->second.name, found->second.param_count);
    }
    pg_result* result =
        PQprepare(conn_, prepared.name.c_str(), translated.c_str(), prepared.param_count, nullptr);
    if (result == nullptr || PQresultStatus(result) != PGRES_COMMAND_OK) {
      Error error = ToError(result, "prepare");
      PQclear(result);
      return tl::unexpected(std::move(error));
    }
    PQclear(result);
    found = cache_.emplace(key, std::move(prepared)).first;
  }
  return Statement(*this, found->second.name, found->second.param_count);
}

Error PgConnection::ToError(const pg_result* result, std::string_view what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state != nullptr ? state : "";
  std::string message = result != nullptr ? PQresultErrorMessage(result) : "";
  if (message.empty()) message = PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  const std::string& code = last_sqlstate_;
  if (code == "23503") {
    return Error{
        ErrorCode::kAlreadyExists,
        fmt::format("database {} failed: FOREIGN KEY constraint failed: {}", what, message)};
  }
  if (code.rfind("23", 0) == 0) {
    return Error{ErrorCode::kAlreadyExists, fmt::format("database {} failed: {}", what, message)};
  }
  if (code.empty() || code.rfind("08", 0) == 0 || code.rfind("53", 0) == 0 ||
      code.rfind("57P", 0) == 0 || code == "40001" || code == "40P01") {
    return Error{ErrorCode::kUnavailable, fmt::format("database {} failed: {}", what, message)};
  }
  if (code == "54000") {
    return Error{ErrorCode::kResourceExhausted,
                 fmt::format("database {} failed: {}", what, message)};
  }
  return Error{ErrorCode::kInternal, fmt::format("database {} failed: {}", what, message)};
}

}  // namespace cronium::store::postgres
