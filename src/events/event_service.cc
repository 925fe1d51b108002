#include "events/event_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <shared_mutex>

#include "base/ids.h"
#include "base/utf8.h"

namespace cronium::events {
namespace {

using nlohmann::json;

std::string EnvAad(const std::string& event_id, const std::string& key) {
  return "event-env/" + event_id + "/" + key;
}

std::string HttpRequestToJson(const std::optional<HttpRequestSpec>& spec) {
  if (!spec) return "";
  json headers = json::array();
  for (const auto& [name, value] : spec->headers) headers.push_back({name, value});
  return json{
      {"method", spec->method}, {"url", spec->url}, {"headers", headers}, {"body", spec->body}}
      .dump();
}

std::optional<HttpRequestSpec> HttpRequestFromJson(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  HttpRequestSpec spec;
  spec.method = doc.value("method", "GET");
  spec.url = doc.value("url", "");
  spec.body = doc.value("body", "");
  if (doc.contains("headers") && doc["headers"].is_array()) {
    for (const auto& pair : doc["headers"]) {
      if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
        spec.headers.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
      }
    }
  }
  return spec;
}

}  // namespace

bool IsValidEnvKey(std::string_view key) {
  if (key.empty()) return false;
  if (!(key[0] == '_' || (key[0] >= 'A' && key[0] <= 'Z'))) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

EventService::EventService(EventsOptions options, store::Store& store, crypto::SecretBox env_box,
                           const Clock& clock)
    : options_(options),
      store_(store),
      clock_(clock),
      env_box_(std::make_shared<const crypto::SecretBox>(std::move(env_box))) {}

std::shared_ptr<const crypto::SecretBox> EventService::EnvBox() const {
  std::shared_lock lock(box_mutex_);
  return env_box_;
}

void EventService::SetEnvBox(crypto::SecretBox box) {
  auto replacement = std::make_shared<const crypto::SecretBox>(std::move(box));
  std::unique_lock lock(box_mutex_);  // waits for writes sealed with the old box
  env_box_ = std::move(replacement);
}

Result<int> EventService::ResealAll(const crypto::SecretBox& target,
                                    const store::AuditEntry& audit) {
  const auto current = EnvBox();
  return store_.RewriteEventEnvVars(
      [&](const store::EventRecord& event) -> Result<std::vector<store::SealedEnvVar>> {
        std::vector<store::SealedEnvVar> vars;
        for (const auto& var : event.env_vars) {
          const std::string aad = EnvAad(event.id, var.key);
          auto plain = current->Open(var.sealed_value, aad);
          if (!plain) {
            return Internal(
                fmt::format("env var {} of event {} cannot be decrypted", var.key, event.id));
          }
          vars.push_back({var.key, target.Seal(*plain, aad)});
        }
        return vars;
      },
      audit);
}

Status EventService::Validate(const Event& e) const {
  const auto& o = options_;
  if (e.name.empty() || std::all_of(e.name.begin(), e.name.end(), ::isspace)) {
    return InvalidArgument("name: must not be empty");
  }
  if (e.name.size() > o.max_name_bytes) {
    return InvalidArgument(fmt::format("name: at most {} bytes", o.max_name_bytes));
  }
  if (!IsValidUtf8(e.name) || !IsValidUtf8(e.description) || !IsValidUtf8(e.content)) {
    return InvalidArgument("name, description and content must be valid UTF-8");
  }
  if (e.description.size() > o.max_description_bytes) {
    return InvalidArgument(fmt::format("description: at most {} bytes", o.max_description_bytes));
  }
  if (e.content.size() > o.max_content_bytes) {
    return InvalidArgument(
        fmt::format("content: at most {} bytes (got {})", o.max_content_bytes, e.content.size()));
  }
  if (e.timeout_seconds < o.min_timeout_seconds || e.timeout_seconds > o.max_timeout_seconds) {
    return InvalidArgument(fmt::format("timeoutSeconds: must be between {} and {}",
                                       o.min_timeout_seconds, o.max_timeout_seconds));
  }
  if (e.retries < 0 || e.retries > o.max_retries) {
    return InvalidArgument(fmt::format("retries: must be between 0 and {}", o.max_retries));
  }
  if (e.max_concurrent < 0 || e.max_concurrent > o.max_concurrent_limit) {
    return InvalidArgument(
        fmt::format("maxConcurrent: must be between 0 (no limit) and {}", o.max_concurrent_limit));
  }
  if (e.retry_delay_seconds < 0 || e.retry_delay_seconds > o.max_retry_delay_seconds) {
    return InvalidArgument(
        fmt::format("retryDelaySeconds: must be between 0 and {}", o.max_retry_delay_seconds));
  }
  if (e.retry_max_delay_seconds < e.retry_delay_seconds ||
      e.retry_max_delay_seconds > o.max_retry_delay_seconds) {
    return InvalidArgument(
        fmt::format("retryMaxDelaySeconds: must be between retryDelaySeconds ({}) and {}",
                    e.retry_delay_seconds, o.max_retry_delay_seconds));
  }
  if (e.actions.size() > o.max_actions) {
    return InvalidArgument(fmt::format("actions: at most {}", o.max_actions));
  }
  for (size_t i = 0; i < e.actions.size(); ++i) {
    const store::EventAction& action = e.actions[i];
    if (action.trigger != "ALWAYS" && action.trigger != "ON_SUCCESS" &&
        action.trigger != "ON_FAILURE" && action.trigger != "ON_CONDITION") {
      return InvalidArgument(fmt::format(
          "actions[{}].trigger: must be ALWAYS, ON_SUCCESS, ON_FAILURE or ON_CONDITION", i));
    }
    if (action.type != "RUN_EVENT") {
      return InvalidArgument(fmt::format(
          "actions[{}].type: must be RUN_EVENT (message actions come with tool actions)", i));
    }
    for (size_t j = 0; j < i; ++j) {
      if (e.actions[j].trigger == action.trigger &&
          e.actions[j].target_event_id == action.target_event_id) {
        return InvalidArgument(fmt::format("actions[{}]: the same as actions[{}]", i, j));
      }
    }
    // An event may start itself (a retry loop of its own); the chain limits bound it.
    if (action.target_event_id == e.id) continue;
    auto target = store_.GetEvent(action.target_event_id);
    if (!target && target.error().code != ErrorCode::kNotFound) {
      return tl::unexpected(target.error());
    }
    if (!target || (target->owner_id != e.owner_id && !target->shared)) {
      return InvalidArgument(fmt::format("actions[{}].targetEventId: event {} not found", i,
                                         action.target_event_id.substr(0, 64)));
    }
  }
  for (store::RunStatus status : e.retry_on) {
    if (status != store::RunStatus::kFailed && status != store::RunStatus::kTimedOut &&
        status != store::RunStatus::kLost) {
      return InvalidArgument(
          fmt::format("retryOn: '{}' is not one of FAILED, TIMED_OUT, LOST", ToString(status)));
    }
  }
  const auto check_limit = [](std::string_view name, int64_t value, int64_t low, int64_t ceiling,
                              std::string_view unit) -> Status {
    if (value == 0 || (value >= low && value <= ceiling)) return OkStatus();
    return InvalidArgument(fmt::format(
        "limits.{}: must be 0 (the server's default) or between {} and {}{} (this server's "
        "ceiling)",
        name, low, ceiling, unit));
  };
  CRONIUM_RETURN_IF_ERROR(check_limit("memoryMb", e.limits.memory_mb, 16, o.max_memory_mb, " MiB"));
  CRONIUM_RETURN_IF_ERROR(check_limit("pids", e.limits.pids, 8, o.max_pids, ""));
  CRONIUM_RETURN_IF_ERROR(
      check_limit("cpuSeconds", e.limits.cpu_seconds, 1, o.max_cpu_seconds, " s"));
  if (e.limits.cpu_millis != 0 &&
      (e.limits.cpu_millis < 10 || e.limits.cpu_millis > o.max_cpu_millis)) {
    return InvalidArgument(fmt::format(
        "limits.cpus: must be 0 (no limit) or between 0.01 and {} (this server's ceiling)",
        static_cast<double>(o.max_cpu_millis) / 1000.0));
  }
  CRONIUM_RETURN_IF_ERROR(check_limit("diskMb", e.limits.disk_mb, 1, o.max_disk_mb, " MiB"));
  CRONIUM_RETURN_IF_ERROR(check_limit("outputKb", e.limits.output_kb, 1, o.max_output_kb, " KiB"));
  if (!e.limits.network.empty() && e.limits.network != "none" && e.limits.network != "host") {
    return InvalidArgument("network: must be \"none\" (only a private loopback) or \"host\"");
  }
  if (e.limits.network == "host" && !o.allow_host_network) {
    return InvalidArgument(
        "network: \"host\" is not allowed on this server (an administrator can allow it with "
        "--allow-host-network)");
  }
  if (e.env_vars.size() > o.max_env_vars) {
    return InvalidArgument(fmt::format("envVars: at most {} variables", o.max_env_vars));
  }
  for (const auto& [key, value] : e.env_vars) {
    if (!IsValidEnvKey(key) || key.size() > o.max_env_key_bytes) {
      return InvalidArgument(fmt::format(
          "envVars: key '{}' is invalid: use upper-case letters, digits and '_', not starting "
          "with a digit (^[A-Z_][A-Z0-9_]*$), at most {} bytes",
          key.substr(0, 64), o.max_env_key_bytes));
    }
    if (key.rfind("CRONIUM_", 0) == 0) {
      return InvalidArgument(
          fmt::format("envVars: key '{}' is reserved (CRONIUM_* is set by the platform)", key));
    }
    if (value.size() > o.max_env_value_bytes || value.find('\0') != std::string::npos ||
        !IsValidUtf8(value)) {
      return InvalidArgument(
          fmt::format("envVars: value of '{}' must be UTF-8 text without NUL, at most {} bytes",
                      key, o.max_env_value_bytes));
    }
  }
  if (e.tags.size() > o.max_tags) {
    return InvalidArgument(fmt::format("tags: at most {} tags", o.max_tags));
  }
  std::set<std::string> seen;
  for (const auto& tag : e.tags) {
    if (tag.empty() || tag.size() > o.max_tag_bytes || !IsValidUtf8(tag)) {
      return InvalidArgument(
          fmt::format("tags: each tag is 1 to {} bytes of UTF-8", o.max_tag_bytes));
    }
    if (!seen.insert(tag).second) {
      return InvalidArgument(fmt::format("tags: '{}' appears twice", tag));
    }
  }
  if (e.type == store::EventType::kHttpRequest) {
    if (!e.http_request) {
      return InvalidArgument("httpRequest: required for HTTP_REQUEST events");
    }
    static const std::set<std::string> kMethods{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
    if (!kMethods.count(e.http_request->method)) {
      return InvalidArgument("httpRequest.method: one of GET, POST, PUT, PATCH, DELETE, HEAD");
    }
    const std::string& url = e.http_request->url;
    if (!(url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) || url.size() > 2048 ||
        url.find_first_of(" \r\n\t") != std::string::npos) {
      return InvalidArgument("httpRequest.url: an http:// or https:// URL of at most 2048 bytes");
    }
    for (const auto& [name, value] : e.http_request->headers) {
      if (name.empty() || name.find_first_of(":\r\n ") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        return InvalidArgument(
            "httpRequest.headers: names without ':' or spaces, values on one line");
      }
    }
    if (e.http_request->body.size() > o.max_content_bytes) {
      return InvalidArgument(
          fmt::format("httpRequest.body: at most {} bytes", o.max_content_bytes));
    }
  } else if (e.http_request) {
    return InvalidArgument("httpRequest: only for HTTP_REQUEST events");
  }
  return OkStatus();
}

Status EventService::Apply(EventFields f, Event& e, const Event* previous) const {
  if (f.name) e.name = std::move(*f.name);
  if (f.description) e.description = std::move(*f.description);
  if (f.type) e.type = *f.type;
  if (f.content) e.content = std::move(*f.content);
  if (f.status) e.status = *f.status;
  if (f.timeout_seconds) e.timeout_seconds = *f.timeout_seconds;
  if (f.retries) e.retries = *f.retries;
  if (f.tags) e.tags = std::move(*f.tags);
  if (f.shared) e.shared = *f.shared;
  if (f.http_request) e.http_request = std::move(*f.http_request);
  if (f.priority) e.priority = *f.priority;
  if (f.max_concurrent) e.max_concurrent = *f.max_concurrent;
  if (f.retry_delay_seconds) e.retry_delay_seconds = *f.retry_delay_seconds;
  if (f.retry_max_delay_seconds) e.retry_max_delay_seconds = *f.retry_max_delay_seconds;
  if (f.retry_on) e.retry_on = std::move(*f.retry_on);
  if (f.limits) {
    std::string network = std::move(e.limits.network);
    e.limits = std::move(*f.limits);
    e.limits.network = std::move(network);
  }
  if (f.network) e.limits.network = std::move(*f.network);
  if (f.actions) e.actions = std::move(*f.actions);
  if (f.env_vars) {
    std::map<std::string, std::string> vars;
    for (auto& [key, value] : *f.env_vars) {
      if (value == kMaskedValue) {
        if (previous == nullptr || !previous->env_vars.count(key)) {
          return InvalidArgument(
              fmt::format("envVars: '{}' is sent masked but has no stored value to keep", key));
        }
        vars[key] = previous->env_vars.at(key);
      } else {
        vars[key] = std::move(value);
      }
    }
    e.env_vars = std::move(vars);
  }
  return OkStatus();
}

store::EventRecord EventService::ToRecord(const Event& e, const crypto::SecretBox& box) const {
  store::EventRecord r;
  r.id = e.id;
  r.owner_id = e.owner_id;
  r.name = e.name;
  r.description = e.description;
  r.type = e.type;
  r.content = e.content;
  r.status = e.status;
  r.run_location = e.run_location;
  r.timeout_seconds = e.timeout_seconds;
  r.retries = e.retries;
  for (const auto& [key, value] : e.env_vars) {
    r.env_vars.push_back({key, box.Seal(value, EnvAad(e.id, key))});
  }
  r.tags = e.tags;
  r.shared = e.shared;
  r.http_request_json = HttpRequestToJson(e.http_request);
  r.priority = e.priority;
  r.max_concurrent = e.max_concurrent;
  r.retry_delay_ms = e.retry_delay_seconds * 1000;
  r.retry_max_delay_ms = e.retry_max_delay_seconds * 1000;
  r.retry_on = e.retry_on;
  r.limits = e.limits;
  r.actions = e.actions;
  r.created_at = e.created_at;
  r.updated_at = e.updated_at;
  return r;
}

Result<std::map<std::string, std::string>> EventService::UnsealEnvVars(
    const store::EventRecord& r) const {
  std::map<std::string, std::string> vars;
  const auto box = EnvBox();
  for (const auto& var : r.env_vars) {
    auto value = box->Open(var.sealed_value, EnvAad(r.id, var.key));
    if (!value) {
      return MakeError(ErrorCode::kInternal,
                       fmt::format("env var {} of event {} cannot be decrypted with the current "
                                   "key file",
                                   var.key, r.id));
    }
    vars[var.key] = std::move(*value);
  }
  return vars;
}

Result<Event> EventService::Decode(const store::EventRecord& r) const {
  Event e;
  e.id = r.id;
  e.owner_id = r.owner_id;
  e.name = r.name;
  e.description = r.description;
  e.type = r.type;
  e.content = r.content;
  e.status = r.status;
  e.run_location = r.run_location;
  e.timeout_seconds = r.timeout_seconds;
  e.retries = r.retries;
  CRONIUM_ASSIGN_OR_RETURN(e.env_vars, UnsealEnvVars(r));
  e.tags = r.tags;
  e.shared = r.shared;
  e.http_request = HttpRequestFromJson(r.http_request_json);
  e.priority = r.priority;
  e.max_concurrent = r.max_concurrent;
  e.retry_delay_seconds = r.retry_delay_ms / 1000;
  e.retry_max_delay_seconds = r.retry_max_delay_ms / 1000;
  e.retry_on = r.retry_on;
  e.limits = r.limits;
  e.actions = r.actions;
  e.last_run_at = r.last_run_at;
  e.success_count = r.success_count;
  e.failure_count = r.failure_count;
  e.created_at = r.created_at;
  e.updated_at = r.updated_at;
  return e;
}

namespace {

// What the audit log keeps of an event: never env var values.
std::string AuditDetails(const Event& event) {
  json keys = json::array();
  for (const auto& [key, value] : event.env_vars) keys.push_back(key);
  return json{{"name", event.name},
              {"type", ToString(event.type)},
              {"status", ToString(event.status)},
              {"envVarKeys", keys}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

Result<Event> EventService::Create(EventFields fields, const store::Actor& actor,
                                   const PlanSchedule& schedule,
                                   const RecordIdempotency& idempotency) {
  if (!fields.name) return InvalidArgument("name: required");
  if (!fields.type) {
    return InvalidArgument("type: required (BASH, PYTHON, NODEJS, HTTP_REQUEST or TOOL_ACTION)");
  }
  Event event;
  event.timeout_seconds = options_.default_timeout_seconds;
  event.owner_id = actor.id;  // before Validate: actions may only target what the owner sees
  CRONIUM_RETURN_IF_ERROR(Apply(std::move(fields), event, nullptr));
  CRONIUM_RETURN_IF_ERROR(Validate(event));
  const TimePoint now = clock_.Now();
  event.id = NewId("evt", now);
  event.created_at = event.updated_at = now;
  // Sealed and stored under the box lock that a key rotation's switch takes exclusively: once
  // the rotation switched the box (and then re-encrypts every stored event), no value sealed
  // with the old key can still arrive.
  std::shared_lock box_lock(box_mutex_);
  store::EventRecord record = ToRecord(event, *env_box_);
  std::optional<store::NewSchedule> planned;
  if (schedule) {
    CRONIUM_ASSIGN_OR_RETURN(planned, schedule(event.id, event.created_at));
  }
  CRONIUM_RETURN_IF_ERROR(store_.InsertEvent(
      record, store::MakeAudit(actor, now, "event.create", "event", event.id, AuditDetails(event)),
      planned, idempotency ? idempotency(event) : store::IdempotencyRecords()));
  return event;
}

Result<store::EventRecord> EventService::GetRecord(const std::string& id) {
  if (!IsWellFormedId(id)) return NotFound(fmt::format("event {} not found", id.substr(0, 64)));
  return store_.GetEvent(id);
}

Result<Event> EventService::Get(const std::string& id) {
  CRONIUM_ASSIGN_OR_RETURN(auto record, GetRecord(id));
  return Decode(record);
}

Result<Event> EventService::Update(const std::string& id, EventFields fields,
                                   const store::Actor& actor) {
  CRONIUM_ASSIGN_OR_RETURN(Event previous, Get(id));
  Event event = previous;
  CRONIUM_RETURN_IF_ERROR(Apply(std::move(fields), event, &previous));
  CRONIUM_RETURN_IF_ERROR(Validate(event));
  event.updated_at = std::max(clock_.Now(), previous.updated_at);
  std::shared_lock box_lock(box_mutex_);  // sealed and stored under one key (see Create)
  CRONIUM_RETURN_IF_ERROR(store_.UpdateEvent(
      ToRecord(event, *env_box_), store::MakeAudit(actor, clock_.Now(), "event.update", "event",
                                                   event.id, AuditDetails(event))));
  return event;
}

Status EventService::Delete(const std::string& id, const store::Actor& actor) {
  if (!IsWellFormedId(id)) return NotFound(fmt::format("event {} not found", id.substr(0, 64)));
  return store_.DeleteEvent(id, store::MakeAudit(actor, clock_.Now(), "event.delete", "event", id));
}

Result<std::vector<Event>> EventService::List(store::EventQuery query) {
  query.limit = std::clamp(query.limit, 1, options_.max_page_size);
  CRONIUM_ASSIGN_OR_RETURN(auto records, store_.ListEvents(query));
  std::vector<Event> events;
  events.reserve(records.size());
  for (const auto& record : records) {
    CRONIUM_ASSIGN_OR_RETURN(Event event, Decode(record));
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace cronium::events
