#pragma once

// The runtime API's logic (contract §2.5/2.6), free of HTTP: which runs are going, who may act
// for them, and what scripts may do. A worker calls Begin as a run starts (getting the run's
// execution token) and End once its process is gone (getting the output and condition the
// script set, for the execution record). In between, each request's token is checked
// (Authorize): signed by this server, for a run that is going right now, for the execution
// in the path, arriving through that run's own socket when it has one, and within the run's
// rate limit. Output and condition are stored on the execution at once, so the REST API shows
// them while the run goes on. Thread-safe.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/error.h"
#include "base/rate_limiter.h"
#include "runtime/execution_tokens.h"
#include "runtime/variables.h"

namespace cronium::store {
class Store;
}

namespace cronium::runtime {

struct RuntimeOptions {
  int requests_per_minute = 1000;         // per execution; a full minute's worth may come at once
  size_t max_output_bytes = 1 << 20;      // of the output's JSON text
  std::chrono::seconds token_grace{300};  // a token outlives its run's deadline by this much
};

// What a starting run tells the runtime.
struct RunContext {
  std::string execution_id;
  std::string job_id;
  std::string event_id;
  std::string event_name;
  std::string event_type;  // BASH, PYTHON, NODEJS...
  std::string user_id;     // the event's owner: whose variables the script sees
  std::string trigger;     // manual, schedule, retry...
  int attempt = 1;
  TimePoint started_at;
  TimePoint deadline;               // when the run times out (the token expires a grace later)
  std::string input_json = "null";  // the run's input; null reads as {}
  // The Unix socket (its listener tag) through which this run's sandbox reaches the API; its
  // token is good only there. "" when the run reaches the API over TCP (plain processes).
  std::string listener;
};

// What the script set, for the execution record.
struct RunEffects {
  std::optional<std::string> output_json;
  std::optional<bool> condition;
};

class RuntimeService {
 public:
  class Run;  // a going run; opaque outside
  using Caller = std::shared_ptr<Run>;

  RuntimeService(RuntimeOptions options, ExecutionTokens tokens, Variables& variables,
                 store::Store& store, const Clock& clock);
  ~RuntimeService();

  // Registers a starting run; returns its execution token (a secret: never log it).
  std::string Begin(RunContext run);
  // The run's process is gone: its token stops working at once (a request in progress
  // finishes first). Returns what the script set.
  RunEffects End(const std::string& execution_id);
  size_t ActiveRuns();

  // Checks a request's `Authorization` header value for the execution in its path ("" for
  // routes without one) arriving through `listener` ("" for TCP). kUnauthenticated (no, bad
  // or expired token, or its run is not going), kPermissionDenied (another execution, or the
  // socket of another run), kResourceExhausted with retry_after (over the rate limit).
  Result<Caller> Authorize(std::optional<std::string_view> authorization,
                           const std::string& path_execution_id, const std::string& listener);

  // The input as JSON ({} when the run has none).
  std::string Input(const Caller& caller);
  // kResourceExhausted (no retry_after) over max_output_bytes; kInvalidArgument if not JSON.
  Status SetOutput(const Caller& caller, const std::string& output_json);
  Status SetCondition(const Caller& caller, bool condition);
  std::optional<bool> Condition(const Caller& caller);
  // The value's JSON, nullopt when the owner has no such variable.
  Result<std::optional<std::string>> GetVariable(const Caller& caller, const std::string& key);
  Status SetVariable(const Caller& caller, const std::string& key, const std::string& value_json);
  Status DeleteVariable(const Caller& caller, const std::string& key);
  // The context in both naming families as a JSON object.
  std::string Context(const Caller& caller);

  // Key rotation: tokens are signed with the first key of `signer` from now on and verified
  // with any of its keys (so that the tokens of going runs keep working).
  void SetSigner(crypto::JwtSigner signer);

  // Where scripts that are not in a sandbox of their own reach the API over TCP (the server's
  // listener, known once it listens).
  void SetTcpUrl(std::string url);
  std::string TcpUrl();

  const RuntimeOptions& options() const { return options_; }
  Variables& variables() { return variables_; }

 private:
  const RuntimeOptions options_;
  std::shared_ptr<const ExecutionTokens> Tokens();
  Variables& variables_;
  store::Store& store_;
  const Clock& clock_;
  RateLimiter limiter_;

  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Run>> runs_;  // by execution id; guarded by mutex_
  std::string tcp_url_;                               // Guarded by mutex_.
  std::shared_ptr<const ExecutionTokens> tokens_;     // Guarded by mutex_.
};

}  // namespace cronium::runtime
