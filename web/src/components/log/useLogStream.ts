// The run's output over GET /api/v1/executions/{id}/stream (same origin, ws:// or wss://).
// Messages are collected and applied once per animation frame; after a drop it reconnects with
// ?after=<last sequence> and backs off; the reducer drops anything seen before either way.
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { applyMessages, initialLogState, type LogState, parseMessage, type StreamMessage } from "./logState";

export type Connection = "connecting" | "live" | "reconnecting" | "ended" | "failed" | "stored";

type Action = { type: "batch"; messages: StreamMessage[] } | { type: "reset" };

function reducer(state: LogState, action: Action): LogState {
  return action.type === "reset" ? initialLogState(state.maxLines) : applyMessages(state, action.messages);
}

export function streamUrl(executionId: string, after: number, location: Pick<Location, "protocol" | "host"> = window.location) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = after > 0 ? `?after=${after}` : "";
  return `${scheme}//${location.host}/api/v1/executions/${encodeURIComponent(executionId)}/stream${query}`;
}

const BACKOFF_MS = [500, 1000, 2000, 5000, 10_000];
/** Connections in a row that brought nothing new before the hook gives up ("failed"). */
const MAX_FRUITLESS = 4;

/** A run's stored stdout and stderr as stream messages (as the server sends them: stdout first). */
export function storedMessages(stdout: string, stderr: string, at: string): StreamMessage[] {
  const lines: { stream: string; line: string; sequence: number; timestamp: string }[] = [];
  for (const [stream, text] of [["stdout", stdout], ["stderr", stderr]] as const) {
    if (!text) continue;
    const parts = text.split("\n");
    if (parts[parts.length - 1] === "") parts.pop();
    for (const line of parts) lines.push({ stream, line, sequence: lines.length + 1, timestamp: at });
  }
  return [{ type: "lines", lines }];
}

export function useLogStream(executionId: string, maxLines?: number) {
  const [state, dispatch] = useReducer(reducer, maxLines, initialLogState);
  const [connection, setConnection] = useState<Connection>("connecting");
  const [generation, setGeneration] = useState(0);
  const [stored, setStored] = useState(false);
  // Kept in step with the messages (not the rendered state), for the reconnect's ?after=.
  const lastSeq = useRef(0);

  useEffect(() => {
    if (stored) return;
    let socket: WebSocket | null = null;
    let stopped = false;
    let ended = false;
    let attempt = 0;
    let fruitless = 0; // connections in a row that ended without a new line
    let seqAtConnect = 0;
    let retryTimer = 0;
    let frame = 0;
    let pending: StreamMessage[] = [];
    lastSeq.current = 0; // a new run or a reload: the state starts empty too

    const flush = () => {
      frame = 0;
      if (pending.length === 0) return;
      const messages = pending;
      pending = [];
      dispatch({ type: "batch", messages });
    };

    const connect = () => {
      setConnection(attempt === 0 ? "connecting" : "reconnecting");
      seqAtConnect = lastSeq.current;
      socket = new WebSocket(streamUrl(executionId, lastSeq.current));
      socket.onopen = () => setConnection("live");
      socket.onmessage = (event) => {
        if (typeof event.data !== "string") return;
        const message = parseMessage(event.data);
        if (!message) return;
        if (message.type === "end") ended = true;
        // Track the sequence here too, so a reconnect before the next frame asks for the right range.
        if (message.type === "output") lastSeq.current = Math.max(lastSeq.current, message.sequence);
        if (message.type === "lines") for (const l of message.lines) lastSeq.current = Math.max(lastSeq.current, l.sequence);
        if (message.type === "skipped") lastSeq.current = Math.max(lastSeq.current, message.to);
        pending.push(message);
        if (!frame) frame = window.requestAnimationFrame(flush);
      };
      socket.onclose = () => {
        socket = null;
        if (frame) {
          window.cancelAnimationFrame(frame);
        }
        flush();
        if (stopped) return;
        if (ended) {
          setConnection("ended");
          return;
        }
        // A connection that brought new lines was worth it: start the backoff over.
        if (lastSeq.current > seqAtConnect) {
          attempt = 0;
          fruitless = 0;
        } else {
          fruitless += 1;
        }
        if (fruitless >= MAX_FRUITLESS) {
          setConnection("failed");
          return;
        }
        const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;
        attempt += 1;
        setConnection("reconnecting");
        retryTimer = window.setTimeout(connect, delay);
      };
    };

    connect();
    return () => {
      stopped = true;
      window.clearTimeout(retryTimer);
      if (frame) window.cancelAnimationFrame(frame);
      if (socket) {
        socket.onclose = null;
        socket.onmessage = null;
        // Closing a socket that is still connecting logs an error in Chromium; let it open first.
        const s = socket;
        if (s.readyState === WebSocket.CONNECTING) s.onopen = () => s.close(1000);
        else s.close(1000);
      }
    };
  }, [executionId, generation, stored]);

  /** Starts again from the first line (for a finished run: its stored output, whole). */
  const reload = useCallback(() => {
    lastSeq.current = 0;
    dispatch({ type: "reset" });
    setStored(false);
    setGeneration((g) => g + 1);
  }, []);

  /** Shows a finished run's stored output (from its record) instead of the stream. */
  const showStored = useCallback((messages: StreamMessage[]) => {
    setStored(true);
    lastSeq.current = 0;
    dispatch({ type: "reset" });
    dispatch({ type: "batch", messages });
    setConnection("stored");
  }, []);

  return { state, connection, reload, showStored };
}
