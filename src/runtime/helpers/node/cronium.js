/**
 * Cronium runtime SDK for Node.js (v2.0.0).
 *
 * Scripts use it to talk to the runtime API of their execution. It is preloaded into every
 * Node process of a run (preload.js sets the global `cronium`), and `require("cronium")` finds
 * it through NODE_PATH:
 *
 *   const data = await cronium.input();
 *   await cronium.setVariable("count", 5);      // any JSON value
 *   const n = await cronium.getVariable("count"); // 5 (null if not set)
 *   await cronium.output({ done: true });
 *   await cronium.setCondition(true);
 *
 * Configuration comes from the environment: CRONIUM_RUNTIME_API (or CRONIUM_API_ENDPOINT,
 * default http://127.0.0.1:8081), CRONIUM_EXECUTION_TOKEN (or CRONIUM_API_TOKEN) and
 * CRONIUM_EXECUTION_ID. Loading never throws when they are missing; the first call rejects
 * with a CroniumError instead.
 *
 * Core http/https only. Requests use a keep-alive agent whose idle sockets do not keep the
 * process alive; connection failures, timeouts and 5xx answers are retried (3 attempts, 1 s then
 * 2 s apart), 4xx never. All methods return Promises.
 */
"use strict";

const DEFAULT_API_URL = "http://127.0.0.1:8081";
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const RETRIABLE = Symbol("cronium.retriable");
const REUSED_SOCKET = Symbol("cronium.reusedSocket");

/** Base error class for Cronium SDK errors. */
class CroniumError extends Error {
  constructor(message) {
    super(message);
    this.name = "CroniumError";
  }
}

/** The runtime API answered with an error. */
class CroniumAPIError extends CroniumError {
  constructor(statusCode, message) {
    super(`API Error (${statusCode}): ${message}`);
    this.name = "CroniumAPIError";
    this.statusCode = statusCode;
    this.apiMessage = message;
  }
}

/** A request timed out. */
class CroniumTimeoutError extends CroniumError {
  constructor(message) {
    super(message);
    this.name = "CroniumTimeoutError";
  }
}

function env(...names) {
  for (const name of names) {
    const value = process.env[name];
    if (value) return value;
  }
  return undefined;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorMessage(status, parsed, raw, reason) {
  if (parsed && typeof parsed === "object") {
    for (const field of ["message", "error"]) {
      if (typeof parsed[field] === "string" && parsed[field]) return parsed[field];
    }
  }
  const text = raw.toString("utf8", 0, Math.min(raw.length, 200)).trim();
  return text || reason || `HTTP ${status}`;
}

function dataOf(envelope) {
  return envelope && typeof envelope === "object" ? envelope.data : undefined;
}

function variableKey(key) {
  if (typeof key === "number") key = String(key);
  if (typeof key !== "string" || key === "") {
    throw new TypeError("variable key must be a non-empty string");
  }
  // A "." or ".." segment could be taken for a relative path: encode its dots too.
  return key === "." || key === ".." ? key.replace(/\./g, "%2E") : encodeURIComponent(key);
}

/** Client of the runtime API of one execution (configured from the environment). */
class Cronium {
  constructor(options = {}) {
    this.apiUrl =
      options.apiUrl || env("CRONIUM_RUNTIME_API", "CRONIUM_API_ENDPOINT") || DEFAULT_API_URL;
    this.token = options.token || env("CRONIUM_EXECUTION_TOKEN", "CRONIUM_API_TOKEN");
    this.executionId = options.executionId || env("CRONIUM_EXECUTION_ID");
    this.maxRetries = 3;
    this.retryDelay = 1000; // ms; doubled after each failed attempt
    this.timeout = 30000; // ms, per request
    this._target = null;
  }

  /** The input of this execution (any JSON value), or null. */
  async input() {
    const envelope = await this._request("GET", this._path("/input"));
    return dataOf(envelope) ?? null;
  }

  /** Sets the output of this execution (any JSON value). */
  async output(data) {
    await this._request("POST", this._path("/output"), { data: data === undefined ? null : data });
  }

  /** The value of a variable (any JSON value, 0/false/"" included), or null if not set. */
  async getVariable(key) {
    const envelope = await this._request("GET", this._variablePath(key), undefined, true);
    return dataOf(envelope)?.value ?? null;
  }

  /** Sets a variable to any JSON value. */
  async setVariable(key, value) {
    await this._request("PUT", this._variablePath(key), {
      value: value === undefined ? null : value,
    });
  }

  /** Deletes a variable (deleting a missing one is not an error). */
  async deleteVariable(key) {
    await this._request("DELETE", this._variablePath(key), undefined, true);
  }

  /** True if the variable is set (to anything but null). */
  async variableExists(key) {
    return (await this.getVariable(key)) !== null;
  }

  /** Sets the condition of this execution (a boolean) for conditional workflow paths. */
  async setCondition(condition) {
    if (typeof condition !== "boolean") {
      throw new TypeError(`condition must be a boolean, not ${typeof condition}`);
    }
    await this._request("POST", this._path("/condition"), { condition });
  }

  /** The condition set so far (false if none). */
  async getCondition() {
    const envelope = await this._request("GET", this._path("/condition"));
    return dataOf(envelope)?.condition === true;
  }

  /** The event context: executionId, jobId, eventId, eventName, eventType, userId, ... */
  async event() {
    const envelope = await this._request("GET", this._path("/context"));
    return dataOf(envelope) ?? {};
  }

  // snake_case aliases
  get_variable(key) {
    return this.getVariable(key);
  }
  set_variable(key, value) {
    return this.setVariable(key, value);
  }
  delete_variable(key) {
    return this.deleteVariable(key);
  }
  variable_exists(key) {
    return this.variableExists(key);
  }
  set_condition(condition) {
    return this.setCondition(condition);
  }
  get_condition() {
    return this.getCondition();
  }

  /** Closes the idle keep-alive connections (the client stays usable). */
  close() {
    if (this._target) this._target.agent.destroy();
    this._target = null;
  }

  // -- internals ----------------------------------------------------------------------------

  _path(suffix) {
    if (!this.token) {
      throw new CroniumError("CRONIUM_EXECUTION_TOKEN environment variable not set");
    }
    if (!this.executionId) {
      throw new CroniumError("CRONIUM_EXECUTION_ID environment variable not set");
    }
    return `/executions/${encodeURIComponent(this.executionId)}${suffix}`;
  }

  _variablePath(key) {
    return this._path(`/variables/${variableKey(key)}`);
  }

  _targetFor() {
    if (this._target && this._target.url === this.apiUrl) return this._target;
    this.close();
    let url;
    try {
      url = new URL(this.apiUrl.includes("://") ? this.apiUrl : `http://${this.apiUrl}`);
    } catch {
      throw new CroniumError(`invalid runtime API URL ${JSON.stringify(this.apiUrl)}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new CroniumError(`invalid runtime API URL ${JSON.stringify(this.apiUrl)}`);
    }
    const mod = url.protocol === "https:" ? require("https") : require("http");
    // Node's agent unrefs idle keep-alive sockets, so they never keep the process alive.
    const agent = new mod.Agent({ keepAlive: true, maxSockets: 16, maxFreeSockets: 4 });
    this._target = {
      url: this.apiUrl,
      mod,
      agent,
      hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port || (url.protocol === "https:" ? 443 : 80),
    };
    return this._target;
  }

  async _request(method, path, body, ok404 = false) {
    if (!this.token) {
      throw new CroniumError("CRONIUM_EXECUTION_TOKEN environment variable not set");
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const attempts = Math.max(1, Math.trunc(this.maxRetries) || 1);
    let lastError;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt) await sleep(this.retryDelay * 2 ** (attempt - 1));
      let response;
      try {
        try {
          response = await this._exchange(method, path, payload);
        } catch (error) {
          // A kept-alive socket the server closed meanwhile: one free retry on a new one.
          if (!error[REUSED_SOCKET]) throw error;
          response = await this._exchange(method, path, payload);
        }
      } catch (error) {
        if (error[RETRIABLE]) {
          lastError = error;
          continue;
        }
        throw error;
      }
      const { status, reason, raw } = response;
      let parsed = null;
      if (raw.length) {
        try {
          parsed = JSON.parse(raw.toString("utf8"));
        } catch {
          parsed = null;
          if (status >= 200 && status < 300) {
            throw new CroniumError("the runtime API sent a response that is not JSON");
          }
        }
      }
      if (status >= 500) {
        lastError = new CroniumAPIError(status, errorMessage(status, parsed, raw, reason));
        continue;
      }
      if (status === 404 && ok404) return null;
      if (status < 200 || status >= 300 || (parsed && parsed.success === false)) {
        throw new CroniumAPIError(status, errorMessage(status, parsed, raw, reason));
      }
      return parsed ?? {};
    }
    throw lastError;
  }

  _exchange(method, path, payload) {
    const target = this._targetFor();
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer = null;
      const finish = (error, value) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        if (error) reject(error);
        else resolve(value);
      };
      const headers = { Authorization: `Bearer ${this.token}`, Accept: "application/json" };
      if (payload !== undefined) {
        headers["Content-Type"] = "application/json";
        headers["Content-Length"] = Buffer.byteLength(payload);
      }
      const request = target.mod.request(
        { hostname: target.hostname, port: target.port, path, method, headers, agent: target.agent },
        (response) => {
          const chunks = [];
          let size = 0;
          response.on("data", (chunk) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              const error = new CroniumError("the runtime API response is larger than 64 MiB");
              finish(error);
              request.destroy(error);
              return;
            }
            chunks.push(chunk);
          });
          response.on("end", () =>
            finish(null, {
              status: response.statusCode,
              reason: response.statusMessage,
              raw: Buffer.concat(chunks),
            }),
          );
          response.on("error", (error) => finish(wrapNetworkError(error, false)));
          response.on("close", () => {
            if (!response.complete) {
              const error = new Error("connection closed in the middle of the response");
              finish(wrapNetworkError(error, false));
            }
          });
        },
      );
      timer = setTimeout(() => {
        const error = new CroniumTimeoutError(`Request timed out after ${this.timeout} ms`);
        error[RETRIABLE] = true;
        finish(error);
        request.destroy(error);
      }, this.timeout);
      request.on("error", (error) => finish(wrapNetworkError(error, request.reusedSocket)));
      request.end(payload);
    });
  }
}

function wrapNetworkError(error, reusedSocket) {
  if (error instanceof CroniumError) return error;
  const wrapped = new CroniumError(`Request failed: ${error.message}`);
  if (error.code) wrapped.code = error.code;
  wrapped[RETRIABLE] = true;
  if (reusedSocket && ["ECONNRESET", "EPIPE", "ECONNABORTED"].includes(error.code)) {
    wrapped[REUSED_SOCKET] = true;
  }
  return wrapped;
}

// -- module API: the class, plus functions on a default client created on first use ----------

let defaultClient = null;
function client() {
  if (defaultClient === null) defaultClient = new Cronium();
  return defaultClient;
}

module.exports = Cronium;
Object.defineProperty(module.exports, "cronium", { get: client, enumerable: true });
Object.assign(module.exports, {
  default: Cronium,
  Cronium,
  CroniumError,
  CroniumAPIError,
  CroniumTimeoutError,
  input: () => client().input(),
  output: (data) => client().output(data),
  getVariable: (key) => client().getVariable(key),
  setVariable: (key, value) => client().setVariable(key, value),
  deleteVariable: (key) => client().deleteVariable(key),
  variableExists: (key) => client().variableExists(key),
  setCondition: (condition) => client().setCondition(condition),
  getCondition: () => client().getCondition(),
  event: () => client().event(),
  get_variable: (key) => client().getVariable(key),
  set_variable: (key, value) => client().setVariable(key, value),
  delete_variable: (key) => client().deleteVariable(key),
  variable_exists: (key) => client().variableExists(key),
  set_condition: (condition) => client().setCondition(condition),
  get_condition: () => client().getCondition(),
});
