#include "store/postgres/pg_listener.h"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/postgres/pg_db.h"

namespace cronium::store::postgres {
namespace {

bool ValidChannel(const std::string& channel) {
  return !channel.empty() && channel.size() <= 63 &&
         std::all_of(channel.begin(), channel.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_';
         });
}

}  // namespace

PgListener::PgListener(std::string conninfo, std::string application_name)
    : conninfo_(std::move(conninfo)), application_name_(std::move(application_name)) {}

PgListener::~PgListener() = default;

Status PgListener::Connect() {
  CRONIUM_ASSIGN_OR_RETURN(conn_, PgConnection::Open(conninfo_, application_name_));
  backend_pid_ = PQbackendPID(conn_->conn_);
  for (const std::string& channel : channels_) {
    if (Status listened = conn_->Exec(fmt::format("LISTEN \"{}\"", channel)); !listened) {
      conn_.reset();
      backend_pid_ = 0;
      return listened;
    }
  }
  return OkStatus();
}

Status PgListener::Listen(const std::string& channel) {
  if (!ValidChannel(channel)) {
    return InvalidArgument(
        fmt::format("channel '{}': 1 to 63 letters, digits or '_'", channel.substr(0, 64)));
  }
  channels_.insert(channel);
  if (conn_ == nullptr) return Connect();  // listens on every channel, this one too
  return conn_->Exec(fmt::format("LISTEN \"{}\"", channel));
}

Status PgListener::Unlisten(const std::string& channel) {
  if (!ValidChannel(channel)) return InvalidArgument("bad channel name");
  channels_.erase(channel);
  if (conn_ == nullptr) return OkStatus();
  return conn_->Exec(fmt::format("UNLISTEN \"{}\"", channel));
}

Result<PgListener::Waited> PgListener::Wait(std::chrono::milliseconds timeout) {
  Waited out;
  if (conn_ != nullptr && !conn_->Healthy()) {
    conn_.reset();
    backend_pid_ = 0;
  }
  if (conn_ == nullptr) {
    CRONIUM_RETURN_IF_ERROR(Connect());
    out.reconnected = true;
  }
  pg_conn* raw = conn_->conn_;
  auto drain = [&] {
    while (PGnotify* notify = PQnotifies(raw)) {
      out.notifications.push_back({notify->relname, notify->extra});
      PQfreemem(notify);
    }
  };
  if (PQconsumeInput(raw) == 0) {
    conn_.reset();
    backend_pid_ = 0;
    return Unavailable("the listening connection to PostgreSQL was lost");
  }
  drain();
  if (out.notifications.empty() && timeout.count() > 0) {
    pollfd ready{.fd = PQsocket(raw), .events = POLLIN, .revents = 0};
    const int waited = ::poll(&ready, 1, static_cast<int>(timeout.count()));
    if (waited > 0) {
      if (PQconsumeInput(raw) == 0) {
        conn_.reset();
        backend_pid_ = 0;
        return Unavailable("the listening connection to PostgreSQL was lost");
      }
      drain();
    }
  }
  return out;
}

Status Notify(PgConnection& conn, const std::string& channel, const std::string& payload) {
  if (!ValidChannel(channel)) return InvalidArgument("bad channel name");
  if (payload.size() >= 8000) {
    return InvalidArgument(
        fmt::format("a notification carries at most 7999 bytes, not {}", payload.size()));
  }
  CRONIUM_ASSIGN_OR_RETURN(auto send, conn.Prepare("SELECT pg_notify(?1, ?2)"));
  send.Bind(1, channel).Bind(2, payload);
  CRONIUM_RETURN_IF_ERROR(send.Step());
  return OkStatus();
}

Status Notify(PgConnection& conn, const std::vector<Notification>& notifications) {
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& n : notifications) {
    if (!ValidChannel(n.channel)) return InvalidArgument("bad channel name");
    if (n.payload.size() >= 8000) {
      return InvalidArgument(
          fmt::format("a notification carries at most 7999 bytes, not {}", n.payload.size()));
    }
    pairs.push_back({n.channel, n.payload});
  }
  if (notifications.empty()) return OkStatus();
  // The rows of json_array_elements come in array order, and each pg_notify runs as its row
  // is produced.
  CRONIUM_ASSIGN_OR_RETURN(
      auto send,
      conn.Prepare("SELECT pg_notify(n->>0, n->>1) FROM json_array_elements(CAST(?1 AS json)) "
                   "AS t(n)"));
  send.Bind(1, pairs.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  CRONIUM_RETURN_IF_ERROR(send.Run());
  return OkStatus();
}

}  // namespace cronium::store::postgres
