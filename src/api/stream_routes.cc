// GET /api/v1/executions/{id}/stream[?after=SEQ]: a WebSocket with a run's output as it
// happens. Authenticated like the rest of the API (token or session cookie); a browser's
// handshake must come from this server's own pages (its Origin). The messages (JSON texts):
//
//   {"type":"status","executionId":"exe_..","status":"RUNNING"}                 first, once
//   {"type":"lines","executionId":"exe_..","lines":[{"stream":"stdout","line":"hello\n",
//    "sequence":1,"timestamp":"2026-11-26T22:00:00.123Z"}, ...]}                 the output
//   {"type":"skipped","executionId":"exe_..","from":A,"to":B}                   not sent: A..B
//   {"type":"end","executionId":"exe_..","status":"FAILED","exitCode":3,
//    "endReason":"exited with code 3","finishedAt":"2026-11-26T22:00:01.000Z"}  last, once
//
// then a normal close (1000 "execution ended"). Sequences number a run's lines from 1, stdout
// and stderr together; each comes once and in order, as a line or within a skipped range.
// `line` is the text as printed, its "\n" included (not for a partial last line, nor for the
// pieces of a line cut at 16 KiB). A running run's lines come from this node's hub or, for a
// run on another node, through the relay: the backlog, then batches as they fill (32 KiB) or
// age (25 ms). A reader with more than kReaderQueueBytes waiting on its socket is not cut off:
// the batches it has no room for are dropped, and it gets a "skipped" range for them as soon as
// it has room again (at the latest just before the end). With ?after=SEQ (the last sequence a
// reader has, when it reconnects) only the lines after SEQ come, those the backlog no longer
// holds as a skipped range first. A run that has ended sends its stored output in "lines"
// batches (stdout's lines, then stderr's; after SEQ too) as fast as the reader takes them, then
// the end. Other closes: 1000 "execution not found" (deleted meanwhile), 1000 "stream closed
// by the server" (a waiter's bound of 8 days), 1001 "server shutting down".

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/api.h"
#include "api/errors.h"
#include "api/internal/handlers.h"
#include "live/follower.h"
#include "live/messages.h"
#include "live/output_hub.h"
#include "live/relay.h"
#include "queue/job_queue.h"
#include "store/store.h"

namespace cronium::api::internal {
namespace {

using http::Request;
using http::Responder;
using http::Response;
using nlohmann::json;

// What a reader may have waiting on its socket before batches are dropped for it (skipped):
// below ServerOptions::max_websocket_queue_bytes, which stays the last resort for the small
// messages sent whatever the room (status, skipped, end).
constexpr size_t kReaderQueueBytes = 256 << 10;

// Reads ?after= (a line's sequence; 0 when absent).
Result<uint64_t> ReadAfter(const Request& request) {
  auto text = request.QueryParam("after");
  if (!text) return 0;
  if (text->empty() || text->size() > 18 ||
      !std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return InvalidArgument(
        "after: the sequence of the last line you have, a whole number from 0 (the stream "
        "sends the lines after it)");
  }
  return std::stoull(*text);
}

json EndMessage(const store::ExecutionRecord& x) {
  return {{"type", "end"},
          {"executionId", x.id},
          {"status", ToString(x.status)},
          {"exitCode", x.exit_code ? json(*x.exit_code) : json(nullptr)},
          {"endReason", x.end_reason},
          {"finishedAt", TimeOrNull(x.finished_at)}};
}

// One reader of one execution.
struct Stream {
  Stream(std::shared_ptr<http::WebSocket> web_socket, std::string id, uint64_t after)
      : socket(std::move(web_socket)),
        execution_id(std::move(id)),
        follower(execution_id, after, [ws = socket.get()](const std::string& message) {
          return ws->TrySend(message, kReaderQueueBytes);
        }) {}

  const std::shared_ptr<http::WebSocket> socket;
  const std::string execution_id;
  live::Follower follower;  // the live lines: after=, skipped ranges
  std::atomic<bool> ended{false};
  std::atomic<uint64_t> subscription{0};
  std::atomic<uint64_t> watch{0};  // live::Relay's, when the run may be on another node

  std::mutex mutex;
  std::optional<live::StoredOutput> stored;  // Guarded by mutex: a finished run's, being sent
  std::string waiting;  // Guarded by mutex: its batch the reader had no room for yet
  std::string end;      // Guarded by mutex: the end message, after the stored output
};

// With stream.mutex held: sends stored batches while the reader has room (the socket's
// OnWritable calls again once it has drained), then the end.
void SendStoredLocked(Stream& stream) {
  for (;;) {
    if (stream.waiting.empty()) {
      auto next = stream.stored->Next();
      if (!next) break;
      stream.waiting = std::move(*next);
    }
    if (!stream.socket->TrySend(stream.waiting, kReaderQueueBytes)) return;
    stream.waiting.clear();
  }
  stream.stored.reset();
  stream.socket->Send(std::move(stream.end));
  stream.socket->Close("execution ended");
}

// The reader's socket has drained: the stored output goes on, or the live lines' skipped range.
void Writable(Stream& stream) {
  {
    std::lock_guard lock(stream.mutex);
    if (stream.stored) return SendStoredLocked(stream);
  }
  stream.follower.Resume();
}

// Whether a handshake's Origin ("http://host:port") names the host the request was sent to
// (its Host header). A browser sends Origin with every WebSocket handshake, and the session
// cookie with it even when the page is another site's: without this check any page a signed-in
// user opens could read their runs' output (cross-site WebSocket hijacking).
bool SameOrigin(std::string_view origin, std::optional<std::string_view> host) {
  if (!host || host->empty()) return false;
  const size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view authority = origin.substr(scheme + 3);
  if (authority.ends_with('/')) authority.remove_suffix(1);
  if (authority.size() != host->size()) return false;
  for (size_t i = 0; i < authority.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authority[i])) !=
        std::tolower(static_cast<unsigned char>((*host)[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Handlers::StreamExecution(Request& request, Responder respond) {
  // Clients that are not browsers (the CLI, scripts) send no Origin and are not at risk.
  if (const auto origin = request.Header("origin");
      origin && !SameOrigin(*origin, request.Header("host"))) {
    return respond(ErrorResponse(
        Error{ErrorCode::kPermissionDenied,
              fmt::format("a WebSocket from the page of another origin ({}) is refused: open the "
                          "stream from this server's own pages",
                          origin->substr(0, 200))}));
  }
  auto principal = Authenticate(request);
  if (!principal) return respond(AuthErrorResponse(principal.error()));
  const std::string id = request.PathParam("id");
  auto execution = VisibleExecution(id, *principal);
  if (!execution) return respond(ErrorResponse(execution.error()));
  auto after = ReadAfter(request);
  if (!after) return respond(ErrorResponse(after.error()));
  if (ctx_.hub == nullptr) {
    return respond(ErrorResponse(Error{ErrorCode::kUnavailable, "live output is not enabled"}));
  }
  respond(Response::WebSocketUpgrade(
      [self = *this, id, after = *after](std::shared_ptr<http::WebSocket> socket) mutable {
        auto stream = std::make_shared<Stream>(std::move(socket), id, after);
        live::OutputHub& hub = *self.ctx_.hub;
        live::Relay* relay = self.ctx_.relay;
        // Ends the stream once: what the reader is owed, or the stored output if no live line
        // came; then the end message and a close.
        auto finish = [self, stream, &hub, relay]() mutable {
          if (stream->ended.exchange(true)) return;
          hub.Unsubscribe(stream->execution_id, stream->subscription.load());
          if (relay != nullptr) relay->Unwatch(stream->watch.load());
          std::optional<std::string> owed = stream->follower.Finish();
          auto latest = self.LoadExecution(stream->execution_id);
          if (!latest) return stream->socket->Close("execution not found");
          std::string end = DumpJson(EndMessage(*latest));
          if (stream->follower.received()) {
            if (owed) stream->socket->Send(std::move(*owed));
            stream->socket->Send(std::move(end));
            return stream->socket->Close("execution ended");
          }
          std::lock_guard lock(stream->mutex);
          stream->end = std::move(end);
          stream->stored.emplace(
              latest->id, std::move(latest->stdout_text), std::move(latest->stderr_text),
              latest->finished_at.value_or(latest->created_at), stream->follower.position(),
              hub.options().max_line_bytes, hub.options().batch_bytes);
          SendStoredLocked(*stream);
        };

        auto current = self.LoadExecution(id);
        if (!current) return stream->socket->Close("execution not found");
        stream->socket->Send(DumpJson(
            {{"type", "status"}, {"executionId", id}, {"status", ToString(current->status)}}));
        stream->socket->OnWritable([stream] { Writable(*stream); });
        if (store::IsTerminal(current->status)) return finish();
        auto deliver = [stream](const std::string& message) { stream->follower.Deliver(message); };
        stream->subscription = hub.Subscribe(id, deliver, after);
        // Only the node that runs it has its lines: this one's hub, or another's through the relay.
        if (relay != nullptr) stream->watch = relay->Watch(id, deliver);
        stream->socket->OnClose([stream, &hub, relay] {
          if (stream->ended.exchange(true)) return;
          hub.Unsubscribe(stream->execution_id, stream->subscription);
          if (relay != nullptr) relay->Unwatch(stream->watch);
        });
        // Runs are bounded by their timeout; the bound here only frees a forgotten waiter.
        self.ctx_.queue.WhenFinished(id, std::chrono::hours(24 * 8),
                                     [finish, stream](bool finished) mutable {
                                       if (finished) return finish();
                                       stream->socket->Close("stream closed by the server");
                                     });
        // It may have ended between the first read and the wait.
        auto again = self.LoadExecution(id);
        if (again && store::IsTerminal(again->status)) finish();
      }));
}

}  // namespace cronium::api::internal
