// The shapes of the REST API's JSON (camelCase), as far as the UI reads them.

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type UserRole = "ADMIN" | "USER" | "VIEWER";

export interface User {
  id: string;
  username: string;
  email: string;
  displayName: string;
  role: UserRole;
  status: "ACTIVE" | "DISABLED" | string;
  lastLoginAt: string | null;
  /** The password was given to them (the first admin's, printed at the first start). */
  mustChangePassword?: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Me extends User {
  authMethod: "session" | "token";
  scope: "read" | "write" | "admin" | string;
  csrfToken?: string;
}

export interface LoginResponse {
  user: User;
  csrfToken: string;
  expiresAt: string;
}

export type EventType = "BASH" | "PYTHON" | "NODEJS" | "HTTP_REQUEST" | "TOOL_ACTION";
export type EventStatus = "DRAFT" | "ACTIVE" | "PAUSED" | "ARCHIVED";

export interface Schedule {
  kind: "MANUAL" | "CRON" | "INTERVAL" | "ONCE" | string;
  cron: string | null;
  intervalSeconds: number | null;
  at: string | null;
  timezone: string | null;
  startAt: string | null;
  endAt: string | null;
  maxRuns: number | null;
  nextRunAt: string | null;
  runCount: number;
}

export interface CroniumEvent {
  id: string;
  /** The user who owns it (only the owner, or an admin, changes it). */
  ownerId?: string;
  name: string;
  description: string;
  type: EventType;
  status: EventStatus;
  tags: string[];
  shared: boolean;
  schedule: Schedule | null;
  lastRunAt: string | null;
  successCount: number;
  failureCount: number;
  createdAt: string;
  updatedAt: string;
}

export type RunStatus =
  | "QUEUED"
  | "RUNNING"
  | "SUCCEEDED"
  | "FAILED"
  | "TIMED_OUT"
  | "CANCELLED"
  | "LOST";

export interface Execution {
  id: string;
  eventId: string;
  jobId: string;
  attempt: number;
  status: RunStatus;
  trigger: string;
  exitCode: number | null;
  signal: string | number | null;
  endReason: string;
  workerId: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface SystemInfo {
  version: string;
  isolation: string;
  isolationWarning: string | null;
  workers: number;
  drain: { draining: boolean; running: number; graceLeftSeconds: number | null };
  jobs: Record<string, number>;
}

export interface NodeInfo {
  id: string;
  role: string;
  address: string;
  version: string;
  workers: number;
  running: number;
  leader: boolean;
  alive: boolean;
  startedAt: string;
  heartbeatAt: string;
  stoppedAt: string | null;
}

export interface NodesResponse {
  items: NodeInfo[];
  self: string;
}

export interface RunStarted {
  executionId: string;
  jobId: string;
}

/** An execution as GET /executions/{id} answers it (list items with view=summary lack the texts). */
export interface ExecutionDetail extends Execution {
  eventName?: string;
  stdout?: string;
  stderr?: string;
  stdoutTruncated?: boolean;
  stderrTruncated?: boolean;
  output?: unknown;
  condition?: boolean | null;
  isolation?: string;
  cpuTimeMs?: number | null;
  maxRssKb?: number | null;
  input?: unknown;
  job?: {
    id: string;
    kind: string;
    status: string;
    attempts: number;
    maxAttempts: number;
    timeoutSeconds: number;
    lastError: string;
    workflowExecutionId: string | null;
    causedBy: string | null;
  };
}

export interface StatsRun {
  id: string;
  eventId: string;
  status: RunStatus;
  trigger: string;
  startedAt: string | null;
  durationMs: number | null;
}

export interface Stats {
  window: string;
  since: string;
  generatedAt: string;
  events: { total: number } & Partial<Record<EventStatus, number>>;
  runs: { total: number } & Partial<Record<RunStatus, number>>;
  recentRuns: StatsRun[];
  recentRunsTruncated: boolean;
  queue: { queued: number; running: number };
  nodes: { total: number; alive: number };
}

export interface UpcomingRun {
  at: string;
  local: string;
  timezone: string;
  targetType: "EVENT" | "WORKFLOW" | string;
  targetId: string;
  name: string;
}

export interface UpcomingPage extends Page<UpcomingRun> {
  from: string;
  until: string;
}
