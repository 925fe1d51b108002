/**
 * Type definitions for the Cronium runtime SDK for Node.js (v2.0.0).
 *
 * `require("cronium")` returns the Cronium class with the functions below attached; the same
 * object is the global `cronium` of every Node process of a run.
 */

/** Base class of the SDK's errors. */
export declare class CroniumError extends Error {
  /** The socket error code (e.g. "ECONNREFUSED") when the error wraps a network failure. */
  code?: string;
  constructor(message: string);
}

/** The runtime API answered with an error (message: "API Error (<status>): <message>"). */
export declare class CroniumAPIError extends CroniumError {
  statusCode: number;
  /** The API's own error text. */
  apiMessage: string;
  constructor(statusCode: number, message: string);
}

/** A request timed out (after all retries). */
export declare class CroniumTimeoutError extends CroniumError {
  constructor(message: string);
}

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The event context of the execution (both naming families are present). */
export interface EventContext {
  executionId: string;
  jobId: string;
  eventId: string;
  eventName: string;
  eventType: string;
  userId: string;
  startTime: string;
  metadata: { [key: string]: any };
  id: string;
  name: string;
  type: string;
  [key: string]: any;
}

export interface CroniumOptions {
  /** Default: CRONIUM_RUNTIME_API, CRONIUM_API_ENDPOINT, http://127.0.0.1:8081. */
  apiUrl?: string;
  /** Default: CRONIUM_EXECUTION_TOKEN, CRONIUM_API_TOKEN. */
  token?: string;
  /** Default: CRONIUM_EXECUTION_ID. */
  executionId?: string;
}

/** Client of the runtime API of one execution. */
export declare class Cronium {
  constructor(options?: CroniumOptions);
  apiUrl: string;
  token: string | undefined;
  executionId: string | undefined;
  /** Attempts per request (default 3). */
  maxRetries: number;
  /** Delay before the first retry in ms, doubled after each (default 1000). */
  retryDelay: number;
  /** Per-request timeout in ms (default 30000). */
  timeout: number;

  /** The execution's input, or null if it has none. */
  input(): Promise<any>;
  /** Sets the execution's output (any JSON value). */
  output(data: any): Promise<void>;
  /** A variable's value with its JSON type (0, false and "" included), or null if not set. */
  getVariable(key: string): Promise<any>;
  /** Sets a variable to any JSON value. */
  setVariable(key: string, value: any): Promise<void>;
  /** Deletes a variable (no error if it does not exist). */
  deleteVariable(key: string): Promise<void>;
  /** Whether the variable is set (not null). */
  variableExists(key: string): Promise<boolean>;
  /** Sets the condition for conditional workflow paths. */
  setCondition(condition: boolean): Promise<void>;
  /** The condition set so far (false if none). */
  getCondition(): Promise<boolean>;
  /** The event context ({} if none). */
  event(): Promise<EventContext>;

  get_variable(key: string): Promise<any>;
  set_variable(key: string, value: any): Promise<void>;
  delete_variable(key: string): Promise<void>;
  variable_exists(key: string): Promise<boolean>;
  set_condition(condition: boolean): Promise<void>;
  get_condition(): Promise<boolean>;

  /** Closes idle keep-alive connections (the client stays usable). */
  close(): void;
}

/** The default client (created on first use, configured from the environment). */
export declare const cronium: Cronium;

export declare function input(): Promise<any>;
export declare function output(data: any): Promise<void>;
export declare function getVariable(key: string): Promise<any>;
export declare function setVariable(key: string, value: any): Promise<void>;
export declare function deleteVariable(key: string): Promise<void>;
export declare function variableExists(key: string): Promise<boolean>;
export declare function setCondition(condition: boolean): Promise<void>;
export declare function getCondition(): Promise<boolean>;
export declare function event(): Promise<EventContext>;
export declare function get_variable(key: string): Promise<any>;
export declare function set_variable(key: string, value: any): Promise<void>;
export declare function delete_variable(key: string): Promise<void>;
export declare function variable_exists(key: string): Promise<boolean>;
export declare function set_condition(condition: boolean): Promise<void>;
export declare function get_condition(): Promise<boolean>;

export default Cronium;

declare global {
  /** The Cronium SDK module, preloaded into every Node process of a run. */
  // eslint-disable-next-line no-var
  var cronium: typeof import("./cronium");
}
