"""Cronium runtime SDK for Python (v2.0.0).

Scripts use it to talk to the runtime API of their execution::

    data = cronium.input()                 # no import needed (sitecustomize), or `import cronium`
    cronium.set_variable("count", 5)       # any JSON value; getVariable/setVariable work too
    cronium.get_variable("count")          # -> 5 (None if not set)
    cronium.output({"done": True})
    cronium.set_condition(True)

Configuration comes from the environment: CRONIUM_RUNTIME_API (or CRONIUM_API_ENDPOINT,
default http://127.0.0.1:8081), CRONIUM_EXECUTION_TOKEN (or CRONIUM_API_TOKEN) and
CRONIUM_EXECUTION_ID. Importing never fails when they are missing (the module is loaded into
every Python process of a run); the first call raises CroniumError instead.

Standard library only, synchronous (AsyncCronium wraps the calls in threads). Requests use
keep-alive connections; connection failures and 5xx answers are retried (3 attempts, 1 s then
2 s apart), 4xx never.
"""

import os as _os
import time as _time

__version__ = "2.0.0"

# Names exported by `from cronium import *`. `input` is left out on purpose: it would shadow the
# builtin input() of the importing module.
__all__ = [
    "Cronium", "AsyncCronium", "CroniumError", "CroniumAPIError", "CroniumTimeoutError",
    "output", "get_variable", "set_variable", "delete_variable", "variable_exists",
    "set_condition", "get_condition", "event", "getVariable", "setVariable", "deleteVariable",
    "variableExists", "setCondition", "getCondition",
]

_DEFAULT_API_URL = "http://127.0.0.1:8081"
_MAX_RESPONSE_BYTES = 64 << 20
_MAX_IDLE_CONNECTIONS = 4
_NO_BODY = object()


class CroniumError(Exception):
    """Base exception for Cronium SDK errors."""


class CroniumAPIError(CroniumError):
    """The runtime API answered with an error."""

    def __init__(self, status_code, message):
        self.status_code = status_code
        self.message = message
        super().__init__(f"API Error ({status_code}): {message}")


class CroniumTimeoutError(CroniumError):
    """A request timed out."""


def _env(*names):
    for name in names:
        value = _os.environ.get(name)
        if value:
            return value
    return None


def _debug(message):
    if _os.environ.get("CRONIUM_DEBUG"):
        import sys
        print(f"cronium: {message}", file=sys.stderr)


def _error_message(status, parsed, raw, reason):
    if isinstance(parsed, dict):
        for field in ("message", "error"):
            text = parsed.get(field)
            if isinstance(text, str) and text:
                return text
    if raw:
        text = raw[:200].decode("utf-8", "replace").strip()
        if text:
            return text
    return reason or f"HTTP {status}"


def _data(envelope):
    return envelope.get("data") if isinstance(envelope, dict) else None


class Cronium:
    """Client of the runtime API of one execution (configured from the environment)."""

    def __init__(self, api_url=None, token=None, execution_id=None):
        self.api_url = api_url or _env("CRONIUM_RUNTIME_API", "CRONIUM_API_ENDPOINT") \
            or _DEFAULT_API_URL
        self.token = token or _env("CRONIUM_EXECUTION_TOKEN", "CRONIUM_API_TOKEN")
        self.execution_id = execution_id or _env("CRONIUM_EXECUTION_ID")
        self.headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self.max_retries = 3
        self.retry_delay = 1.0  # seconds; doubled after each failed attempt
        self.timeout = 30  # seconds
        self._idle = []  # idle keep-alive connections (list.pop/append are atomic)
        self._pid = _os.getpid()
        self._target_url = None
        self._target = None

    # -- public API --------------------------------------------------------------------------

    def input(self):
        """The input of this execution (any JSON value), or None if it has none."""
        return self._input()

    def output(self, data):
        """Sets the output of this execution (any JSON-serializable value)."""
        self._output(data)

    def get_variable(self, key):
        """The value of a variable (any JSON value), or None if it is not set."""
        return self._get_variable(key)

    def set_variable(self, key, value):
        """Sets a variable to any JSON-serializable value."""
        self._set_variable(key, value)

    def delete_variable(self, key):
        """Deletes a variable (deleting a missing one is not an error)."""
        self._delete_variable(key)

    def variable_exists(self, key):
        """True if the variable is set (to anything but null)."""
        return self._get_variable(key) is not None

    def set_condition(self, condition):
        """Sets the condition of this execution (a bool) for conditional workflow paths."""
        self._set_condition(condition)

    def get_condition(self):
        """The condition set so far (False if none)."""
        return self._get_condition()

    def event(self):
        """The event context: executionId, jobId, eventId, eventName, eventType, userId, ..."""
        return self._event()

    getVariable = get_variable
    setVariable = set_variable
    deleteVariable = delete_variable
    variableExists = variable_exists
    setCondition = set_condition
    getCondition = get_condition

    def close(self):
        """Closes the idle connections (the client stays usable)."""
        self._close_idle()

    def _close_idle(self):
        while self._idle:
            try:
                self._idle.pop().close()
            except IndexError:
                break
            except Exception:
                pass

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()

    def __repr__(self):
        return f"<Cronium api_url={self.api_url!r} execution_id={self.execution_id!r}>"

    # -- operations --------------------------------------------------------------------------

    def _path(self, suffix):
        from urllib.parse import quote
        if not self.token:
            raise CroniumError("CRONIUM_EXECUTION_TOKEN environment variable not set")
        if not self.execution_id:
            raise CroniumError("CRONIUM_EXECUTION_ID environment variable not set")
        return f"/executions/{quote(str(self.execution_id), safe='')}{suffix}"

    def _variable_path(self, key):
        from urllib.parse import quote
        if not isinstance(key, str):
            raise TypeError(f"variable key must be a str, not {type(key).__name__}")
        if not key:
            raise ValueError("variable key must not be empty")
        # A "." or ".." segment could be taken for a relative path: encode its dots too.
        encoded = quote(key, safe="") if key not in (".", "..") else key.replace(".", "%2E")
        return self._path("/variables/" + encoded)

    def _input(self):
        return _data(self._request("GET", self._path("/input")))

    def _output(self, data):
        self._request("POST", self._path("/output"), {"data": data})

    def _get_variable(self, key):
        data = _data(self._request("GET", self._variable_path(key), ok_404=True))
        return data.get("value") if isinstance(data, dict) else None

    def _set_variable(self, key, value):
        self._request("PUT", self._variable_path(key), {"value": value})

    def _delete_variable(self, key):
        self._request("DELETE", self._variable_path(key), ok_404=True)

    def _set_condition(self, condition):
        if not isinstance(condition, bool):
            raise TypeError(f"condition must be a bool, not {type(condition).__name__}")
        self._request("POST", self._path("/condition"), {"condition": condition})

    def _get_condition(self):
        data = _data(self._request("GET", self._path("/condition")))
        return isinstance(data, dict) and data.get("condition") is True

    def _event(self):
        data = _data(self._request("GET", self._path("/context")))
        return {} if data is None else data

    # -- HTTP ----------------------------------------------------------------------------------

    def _request(self, method, path, body=_NO_BODY, ok_404=False):
        """Sends one API request with retries; returns the decoded JSON envelope."""
        import json
        from http.client import HTTPException

        if not self.token:
            raise CroniumError("CRONIUM_EXECUTION_TOKEN environment variable not set")
        headers = dict(self.headers)
        headers["Authorization"] = f"Bearer {self.token}"
        payload = None
        if body is _NO_BODY:
            headers.pop("Content-Type", None)
        else:
            payload = json.dumps(body, allow_nan=False, separators=(",", ":")).encode("utf-8")
        attempts = max(1, int(self.max_retries))
        error = None
        for attempt in range(attempts):
            if attempt:
                _time.sleep(self.retry_delay * (2 ** (attempt - 1)))
            started = _time.monotonic()
            try:
                status, reason, raw = self._send(method, path, payload, headers)
            except TimeoutError as e:
                error = CroniumTimeoutError(f"Request timed out after {self.timeout} s: {e}")
                _debug(f"{method} {path}: {error}")
                continue
            except (OSError, HTTPException) as e:
                error = CroniumError(f"Request failed: {e or type(e).__name__}")
                _debug(f"{method} {path}: {error}")
                continue
            _debug(f"{method} {path} -> {status} ({(_time.monotonic() - started) * 1e3:.1f} ms)")
            parsed = None
            if raw:
                try:
                    parsed = json.loads(raw)
                except ValueError:
                    parsed = None
                    if 200 <= status < 300:
                        raise CroniumError("the runtime API sent a response that is not JSON")
            if status >= 500:
                error = CroniumAPIError(status, _error_message(status, parsed, raw, reason))
                continue
            if status == 404 and ok_404:
                return None
            if not 200 <= status < 300 or (isinstance(parsed, dict)
                                           and parsed.get("success") is False):
                raise CroniumAPIError(status, _error_message(status, parsed, raw, reason))
            return {} if parsed is None else parsed
        raise error

    def _connect_target(self):
        if self._target_url != self.api_url:
            from urllib.parse import urlsplit
            url = self.api_url if "://" in self.api_url else "http://" + self.api_url
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme not in ("http", "https") or not parts.hostname:
                raise CroniumError(f"invalid runtime API URL {self.api_url!r}")
            self._target = (scheme, parts.hostname, parts.port or (443 if scheme == "https" else 80))
            self._target_url = self.api_url
            self._close_idle()
        return self._target

    def _new_connection(self):
        import http.client
        scheme, host, port = self._connect_target()
        if scheme == "https":
            import ssl
            return http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                               context=ssl.create_default_context())
        return http.client.HTTPConnection(host, port, timeout=self.timeout)

    def _acquire(self):
        self._connect_target()
        pid = _os.getpid()
        if pid != self._pid:  # forked: the idle sockets belong to the parent
            self._pid = pid
            self._idle = []
        try:
            conn = self._idle.pop()
        except IndexError:
            conn = self._new_connection()
        if conn.timeout != self.timeout:
            conn.timeout = self.timeout
            if conn.sock is not None:
                conn.sock.settimeout(self.timeout)
        return conn

    def _release(self, conn):
        if conn.sock is not None and len(self._idle) < _MAX_IDLE_CONNECTIONS \
                and self._pid == _os.getpid():
            self._idle.append(conn)
        else:
            conn.close()

    def _send(self, method, path, payload, headers):
        """One exchange on a pooled connection; a reused connection the server has dropped is
        replaced once at no cost. Returns (status, reason, body bytes)."""
        conn = self._acquire()
        try:
            reused = conn.sock is not None
            try:
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
            except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
                if not reused:
                    raise
                conn.close()
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
            length = response.getheader("Content-Length")
            if length and length.strip().isdigit() and int(length) > _MAX_RESPONSE_BYTES:
                raise CroniumError("the runtime API response is larger than 64 MiB")
            raw = response.read(_MAX_RESPONSE_BYTES + 1)
            if len(raw) > _MAX_RESPONSE_BYTES:
                raise CroniumError("the runtime API response is larger than 64 MiB")
            if not response.isclosed():
                conn.close()
        except BaseException:
            conn.close()
            raise
        self._release(conn)
        return response.status, response.reason, raw


class AsyncCronium(Cronium):
    """The same client with coroutine methods (each call runs in a worker thread)."""

    async def _run(self, function, *args):
        import asyncio
        if hasattr(asyncio, "to_thread"):
            return await asyncio.to_thread(function, *args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, function, *args)

    async def input(self):
        return await self._run(self._input)

    async def output(self, data):
        await self._run(self._output, data)

    async def get_variable(self, key):
        return await self._run(self._get_variable, key)

    async def set_variable(self, key, value):
        await self._run(self._set_variable, key, value)

    async def delete_variable(self, key):
        await self._run(self._delete_variable, key)

    async def variable_exists(self, key):
        return (await self._run(self._get_variable, key)) is not None

    async def set_condition(self, condition):
        await self._run(self._set_condition, condition)

    async def get_condition(self):
        return await self._run(self._get_condition)

    async def event(self):
        return await self._run(self._event)

    getVariable = get_variable
    setVariable = set_variable
    deleteVariable = delete_variable
    variableExists = variable_exists
    setCondition = set_condition
    getCondition = get_condition

    async def stream_input(self):
        """Yields the whole input once (if there is one)."""
        data = await self.input()
        if data is not None:
            yield data

    async def stream_output(self, data_iterator):
        """Collects the chunks of an async iterator and sets them as the output (a list)."""
        await self.output([chunk async for chunk in data_iterator])

    async def close(self):
        self._close_idle()

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        await self.close()


# -- module-level API on a default client, created on first use ---------------------------------

_default_client = None


def _default():
    global _default_client
    client = _default_client
    if client is None:
        client = _default_client = Cronium()
    return client


def __getattr__(name):
    if name == "cronium":
        return _default()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + ["cronium"])


def input():  # noqa: A001 - the SDK's name; not in __all__, so builtins.input stays intact
    """The input of this execution, or None."""
    return _default()._input()


def output(data):
    """Sets the output of this execution."""
    _default()._output(data)


def get_variable(key):
    """The value of a variable, or None if it is not set."""
    return _default()._get_variable(key)


def set_variable(key, value):
    """Sets a variable to any JSON-serializable value."""
    _default()._set_variable(key, value)


def delete_variable(key):
    """Deletes a variable."""
    _default()._delete_variable(key)


def variable_exists(key):
    """True if the variable is set."""
    return _default()._get_variable(key) is not None


def set_condition(condition):
    """Sets the condition of this execution (a bool)."""
    _default()._set_condition(condition)


def get_condition():
    """The condition set so far (False if none)."""
    return _default()._get_condition()


def event():
    """The event context (a dict)."""
    return _default()._event()


getVariable = get_variable
setVariable = set_variable
deleteVariable = delete_variable
variableExists = variable_exists
setCondition = set_condition
getCondition = get_condition
