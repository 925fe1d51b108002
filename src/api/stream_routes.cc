// GET /api/v1/executions/{id}/stream: a WebSocket with the run's output as it happens. First a
// status message, then the backlog and live lines (live::OutputHub messages), then an "end"
// message with the final status, then a normal close. A finished run sends its stored output
// and the end at once. Authenticated like the rest of the API (token or session cookie).

#include <fmt/format.h>

#include <atomic>
#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "api/api.h"
#include "api/errors.h"
#include "api/internal/handlers.h"
#include "base/time_format.h"
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

// Stored output as line messages, for a run that ended before the reader came.
void SendStored(http::WebSocket& socket, const store::ExecutionRecord& x) {
  uint64_t sequence = 0;
  const TimePoint at = x.finished_at.value_or(x.created_at);
  for (const auto& [stream, text] : {std::pair{live::Stream::kStdout, &x.stdout_text},
                                     std::pair{live::Stream::kStderr, &x.stderr_text}}) {
    size_t start = 0;
    while (start < text->size()) {
      size_t end = text->find('\n', start);
      end = end == std::string::npos ? text->size() : end + 1;
      socket.Send(live::OutputMessage(
          x.id, stream, std::string_view(*text).substr(start, end - start), ++sequence, at));
      start = end;
    }
  }
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
  std::shared_ptr<http::WebSocket> socket;
  std::string execution_id;
  std::atomic<bool> received{false};  // a live line arrived (so the backlog was sent)
  std::atomic<bool> ended{false};
  std::atomic<uint64_t> subscription{0};
  std::atomic<uint64_t> watch{0};  // live::Relay's, when the run may be on another node
};

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
  if (ctx_.hub == nullptr) {
    return respond(ErrorResponse(Error{ErrorCode::kUnavailable, "live output is not enabled"}));
  }
  respond(Response::WebSocketUpgrade([self = *this,
                                      id](std::shared_ptr<http::WebSocket> socket) mutable {
    auto stream = std::make_shared<Stream>();
    stream->socket = std::move(socket);
    stream->execution_id = id;
    live::OutputHub& hub = *self.ctx_.hub;
    // Ends the stream once: stored output if no live line came, the end message, a close.
    live::Relay* relay = self.ctx_.relay;
    auto finish = [self, stream, &hub, relay]() mutable {
      if (stream->ended.exchange(true)) return;
      hub.Unsubscribe(stream->execution_id, stream->subscription.load());
      if (relay != nullptr) relay->Unwatch(stream->watch.load());
      auto latest = self.LoadExecution(stream->execution_id);
      if (!latest) return stream->socket->Close("execution not found");
      if (!stream->received) SendStored(*stream->socket, *latest);
      stream->socket->Send(DumpJson(EndMessage(*latest)));
      stream->socket->Close("execution ended");
    };

    auto current = self.LoadExecution(id);
    if (!current) return stream->socket->Close("execution not found");
    stream->socket->Send(
        DumpJson({{"type", "status"}, {"executionId", id}, {"status", ToString(current->status)}}));
    if (store::IsTerminal(current->status)) return finish();
    auto deliver = [stream](const std::string& message) {
      stream->received = true;
      stream->socket->Send(message);
    };
    stream->subscription = hub.Subscribe(id, deliver);
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
