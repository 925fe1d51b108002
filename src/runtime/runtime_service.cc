#include "runtime/runtime_service.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/time_format.h"
#include "store/store.h"

namespace cronium::runtime {

using nlohmann::json;

class RuntimeService::Run {
 public:
  explicit Run(RunContext run) : context(std::move(run)) {}

  const RunContext context;
  // Held while a request changes what the run has set, and by End, so that an answered write
  // is always in the execution record and nothing is written after it.
  std::mutex mutex;
  bool ended = false;  // Guarded by mutex.
  RunEffects effects;  // Guarded by mutex.
};

namespace {

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

tl::unexpected<Error> RunEnded() {
  return MakeError(ErrorCode::kUnauthenticated, "invalid or expired token: its run has ended");
}

}  // namespace

RuntimeService::RuntimeService(RuntimeOptions options, ExecutionTokens tokens, Variables& variables,
                               store::Store& store, const Clock& clock)
    : options_(options),
      variables_(variables),
      store_(store),
      clock_(clock),
      limiter_({.capacity = static_cast<double>(options.requests_per_minute),
                .per_second = options.requests_per_minute / 60.0},
               clock),
      tokens_(std::make_shared<const ExecutionTokens>(std::move(tokens))) {}

std::shared_ptr<const ExecutionTokens> RuntimeService::Tokens() {
  std::lock_guard lock(mutex_);
  return tokens_;
}

void RuntimeService::SetSigner(crypto::JwtSigner signer) {
  auto tokens = std::make_shared<const ExecutionTokens>(std::move(signer), clock_);
  std::lock_guard lock(mutex_);
  tokens_ = std::move(tokens);
}

RuntimeService::~RuntimeService() = default;

std::string RuntimeService::Begin(RunContext context) {
  const std::string token =
      Tokens()->Issue({.execution_id = context.execution_id,
                       .job_id = context.job_id,
                       .user_id = context.user_id,
                       .event_id = context.event_id,
                       .issued_at = clock_.Now(),
                       .expires_at = context.deadline + options_.token_grace});
  auto run = std::make_shared<Run>(std::move(context));
  std::lock_guard lock(mutex_);
  runs_[run->context.execution_id] = std::move(run);
  return token;
}

RunEffects RuntimeService::End(const std::string& execution_id) {
  std::shared_ptr<Run> run;
  {
    std::lock_guard lock(mutex_);
    auto found = runs_.find(execution_id);
    if (found == runs_.end()) return {};
    run = std::move(found->second);
    runs_.erase(found);
  }
  limiter_.Reset(execution_id);
  std::lock_guard lock(run->mutex);
  run->ended = true;
  return run->effects;
}

void RuntimeService::SetTcpUrl(std::string url) {
  std::lock_guard lock(mutex_);
  tcp_url_ = std::move(url);
}

std::string RuntimeService::TcpUrl() {
  std::lock_guard lock(mutex_);
  return tcp_url_;
}

size_t RuntimeService::ActiveRuns() {
  std::lock_guard lock(mutex_);
  return runs_.size();
}

Result<RuntimeService::Caller> RuntimeService::Authorize(
    std::optional<std::string_view> authorization, const std::string& path_execution_id,
    const std::string& listener) {
  if (!authorization) return MakeError(ErrorCode::kUnauthenticated, "missing authorization header");
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization->substr(0, kBearer.size()) != kBearer ||
      authorization->size() == kBearer.size()) {
    return MakeError(ErrorCode::kUnauthenticated,
                     "invalid authorization header format: send 'Bearer <execution token>'");
  }
  CRONIUM_ASSIGN_OR_RETURN(ExecutionClaims claims,
                           Tokens()->Verify(authorization->substr(kBearer.size())));
  std::shared_ptr<Run> run;
  {
    std::lock_guard lock(mutex_);
    auto found = runs_.find(claims.execution_id);
    if (found != runs_.end()) run = found->second;
  }
  if (!run) return RunEnded();
  if (!path_execution_id.empty() && path_execution_id != claims.execution_id) {
    return MakeError(ErrorCode::kPermissionDenied, "execution ID mismatch");
  }
  if (run->context.listener != listener) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "this token belongs to another run: use it only from its own script");
  }
  if (const int64_t wait = limiter_.Take(claims.execution_id); wait > 0) {
    Error error{ErrorCode::kResourceExhausted,
                fmt::format("rate limit exceeded: at most {} requests a minute per run",
                            options_.requests_per_minute)};
    error.retry_after_seconds = wait;
    return tl::unexpected(std::move(error));
  }
  return run;
}

std::string RuntimeService::Input(const Caller& caller) {
  const std::string& input = caller->context.input_json;
  return input == "null" || input.empty() ? "{}" : input;
}

Status RuntimeService::SetOutput(const Caller& caller, const std::string& output_json) {
  if (output_json.size() > options_.max_output_bytes) {
    return MakeError(ErrorCode::kResourceExhausted,
                     fmt::format("output: {} bytes of JSON; the limit is {}", output_json.size(),
                                 options_.max_output_bytes));
  }
  const json value = json::parse(output_json, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return InvalidArgument("data: not valid JSON");
  std::string compact = Dump(value);
  std::lock_guard lock(caller->mutex);
  if (caller->ended) return RunEnded();
  CRONIUM_RETURN_IF_ERROR(store_.SetExecutionOutput(caller->context.execution_id, compact));
  caller->effects.output_json = std::move(compact);
  return OkStatus();
}

Status RuntimeService::SetCondition(const Caller& caller, bool condition) {
  std::lock_guard lock(caller->mutex);
  if (caller->ended) return RunEnded();
  CRONIUM_RETURN_IF_ERROR(store_.SetExecutionCondition(caller->context.execution_id, condition));
  caller->effects.condition = condition;
  return OkStatus();
}

std::optional<bool> RuntimeService::Condition(const Caller& caller) {
  std::lock_guard lock(caller->mutex);
  return caller->effects.condition;
}

namespace {

store::Actor ActorOf(const RunContext& run) {
  return store::Actor{
      .type = "execution", .id = run.execution_id, .name = run.event_name, .source = "runtime"};
}

}  // namespace

Result<std::optional<std::string>> RuntimeService::GetVariable(const Caller& caller,
                                                               const std::string& key) {
  CRONIUM_ASSIGN_OR_RETURN(auto variable, variables_.Get(caller->context.user_id, key));
  if (!variable) return std::optional<std::string>();
  return std::optional<std::string>(std::move(variable->value_json));
}

// Variable writes hold the run's lock too: once End returned, none of its writes lands.
Status RuntimeService::SetVariable(const Caller& caller, const std::string& key,
                                   const std::string& value_json) {
  std::lock_guard lock(caller->mutex);
  if (caller->ended) return RunEnded();
  CRONIUM_ASSIGN_OR_RETURN(auto stored, variables_.Put(caller->context.user_id, key, value_json,
                                                       ActorOf(caller->context)));
  (void)stored;
  return OkStatus();
}

Status RuntimeService::DeleteVariable(const Caller& caller, const std::string& key) {
  std::lock_guard lock(caller->mutex);
  if (caller->ended) return RunEnded();
  return variables_.Delete(caller->context.user_id, key, ActorOf(caller->context));
}

std::string RuntimeService::Context(const Caller& caller) {
  const RunContext& run = caller->context;
  const std::string start = FormatRfc3339(run.started_at);
  const json input = json::parse(Input(caller), nullptr, /*allow_exceptions=*/false);
  const json context = {{"executionId", run.execution_id},
                        {"jobId", run.job_id},
                        {"eventId", run.event_id},
                        {"eventName", run.event_name},
                        {"eventType", run.event_type},
                        {"userId", run.user_id},
                        {"startTime", start},
                        {"metadata",
                         {{"attempt", run.attempt},
                          {"trigger", run.trigger},
                          {"input", input},
                          {"jobId", run.job_id}}},
                        {"id", run.event_id},
                        {"name", run.event_name},
                        {"type", run.event_type}};
  return Dump(context);
}

}  // namespace cronium::runtime
