"""The load generator of `bench/load.py`: a closed loop over raw HTTP/1.1 connections.

    python bench/_loadgen.py SPEC.json RESULT.json
    python bench/_loadgen.py --constant-server PORT


Runs in its own process (started by `load.py`), so that its CPU time is its own and can be
reported. SPEC holds the server address, the warm-up and measuring durations and one or
more groups that run at the same time, each with its own concurrency, requests and
expected status codes (see `load.py`, `_group`). Every connection of a group sends one
request, waits for the whole answer, records the time and sends the next (closed loop);
connections are kept alive and opened again when the server closes them (the time to
connect counts, as for a real client). Requests that end inside the measuring window (after
the warm-up) are recorded, so throughput is completions per second in the window even when
single requests take longer than it. RESULT gets, per group, every latency in
milliseconds, the status counts, error samples, and the generator's CPU seconds in the
window.
"""

import asyncio
import json
import sys
import time
import uuid


class ProtocolError(Exception):
    pass


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection; `request` returns (status, close, body head)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.transport = None
        self.buffer = bytearray()
        self.future: asyncio.Future | None = None
        self.head: tuple[int, int | None, bool, bool] | None = None
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        self.closed = True
        future, self.future = self.future, None
        if future is None or future.done():
            return
        if self.head is not None and self.head[1] is None and not self.head[3]:
            future.set_result((self.head[0], True, bytes(self.buffer[:300])))  # read to close
        else:
            future.set_exception(ProtocolError("connection closed by the server"))

    def data_received(self, data):
        self.buffer += data
        if self.future is not None:
            try:
                self._parse()
            except (ValueError, IndexError) as error:
                future, self.future = self.future, None
                future.set_exception(ProtocolError(f"bad response: {error}"))

    def request(self, data: bytes) -> asyncio.Future:
        self.future = self.loop.create_future()
        self.head = None
        self.transport.write(data)
        return self.future

    def _parse(self):
        if self.head is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            del self.buffer[: end + 4]
            status = int(lines[0].split(" ", 2)[1])
            length, close, chunked = None, False, False
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection":
                    close = value == "close"
                elif name == "transfer-encoding":
                    chunked = "chunked" in value
            self.head = (status, length, close, chunked)
        status, length, close, chunked = self.head
        if chunked:
            body = self._chunked_body()
            if body is None:
                return
        elif length is not None:
            if len(self.buffer) < length:
                return
            body = bytes(self.buffer[: min(length, 300)])
            del self.buffer[:length]
        else:
            return  # the body ends when the server closes the connection
        future, self.future = self.future, None
        future.set_result((status, close, body))

    def _chunked_body(self) -> bytes | None:
        """The body once the last chunk is in the buffer (then removed from it), else None."""
        position, body = 0, bytearray()
        while True:
            line_end = self.buffer.find(b"\r\n", position)
            if line_end < 0:
                return None
            size = int(bytes(self.buffer[position:line_end]).split(b";")[0], 16)
            start = line_end + 2
            if size == 0:
                trailer_end = self.buffer.find(b"\r\n\r\n", line_end)
                if trailer_end < 0 and self.buffer[start : start + 2] != b"\r\n":
                    return None
                end = start + 2 if self.buffer[start : start + 2] == b"\r\n" else trailer_end + 4
                del self.buffer[:end]
                return bytes(body[:300])
            if len(self.buffer) < start + size + 2:
                return None
            body += self.buffer[start : start + size]
            position = start + size + 2


class Group:
    """Requests of one kind at one concurrency; collects what the measuring window saw."""

    def __init__(self, spec: dict, host: str, port: int):
        self.name = spec["name"]
        self.concurrency = spec["concurrency"]
        self.expect = set(spec["expect"])
        self.requests = spec["requests"]  # [{method, path, body?, idempotency?}]
        self.cookies = spec.get("cookies") or []
        self.host_header = f"{host}:{port}"
        self.counter = 0
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.errors = 0
        self.error_samples: list[str] = []

    def next_request(self, connection_index: int) -> bytes:
        spec = self.requests[self.counter % len(self.requests)]
        self.counter += 1
        lines = [
            f"{spec['method']} {spec['path']} HTTP/1.1",
            f"Host: {self.host_header}",
            "Accept-Language: de",
            f"Accept: {spec.get('accept', '*/*')}",
        ]
        if self.cookies:
            lines.append(f"Cookie: {self.cookies[connection_index % len(self.cookies)]}")
        if spec.get("idempotency"):
            lines.append(f"Idempotency-Key: {uuid.uuid4()}")
        body = spec.get("body", "").encode()
        if spec["method"] != "GET":
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def record(self, latency: float, status: int | None, sample: str) -> None:
        key = str(status) if status is not None else "exception"
        self.statuses[key] = self.statuses.get(key, 0) + 1
        if status in self.expect:
            self.latencies.append(latency * 1000)
            return
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(f"{key}: {sample}")


class Window:
    def __init__(self, warmup: float, duration: float):
        self.start = time.perf_counter() + warmup
        self.end = self.start + duration
        self.stop = False


async def _worker(group: Group, index: int, window: Window, host, port, timeout) -> None:
    loop = asyncio.get_running_loop()
    connection: Connection | None = None
    while not window.stop:
        started = time.perf_counter()
        status, sample = None, ""
        try:
            if connection is None or connection.closed:
                _, connection = await loop.create_connection(lambda: Connection(loop), host, port)
            status, close, body = await asyncio.wait_for(
                connection.request(group.next_request(index)), timeout
            )
            sample = body.decode("utf-8", "replace")
            if close:
                connection.transport.close()
                connection = None
        except (OSError, ProtocolError, TimeoutError) as error:
            sample = repr(error)
            if connection is not None:
                connection.transport.close()
                connection = None
        ended = time.perf_counter()
        if window.start <= ended <= window.end:
            group.record(ended - started, status, sample)
    if connection is not None:
        connection.transport.close()


async def run(spec: dict) -> dict:
    host, port = spec["host"], spec["port"]
    groups = [Group(g, host, port) for g in spec["groups"]]
    window = Window(spec["warmup"], spec["duration"])
    tasks = [
        asyncio.create_task(_worker(group, index, window, host, port, spec["timeout"]))
        for group in groups
        for index in range(group.concurrency)
    ]
    await asyncio.sleep(max(0.0, window.start - time.perf_counter()))
    cpu_start = time.process_time()
    await asyncio.sleep(max(0.0, window.end - time.perf_counter()))
    cpu = time.process_time() - cpu_start
    window.stop = True
    # Requests still running end outside the window and are not counted, but they are
    # awaited: a server still working off this run's queue would slow the next run.
    _done, pending = await asyncio.wait(tasks, timeout=spec["timeout"])
    for task in pending:
        task.cancel()
    return {
        "duration": spec["duration"],
        "generator_cpu_seconds": cpu,
        "groups": {
            g.name: {
                "concurrency": g.concurrency,
                "latencies_ms": g.latencies,
                "errors": g.errors,
                "statuses": g.statuses,
                "error_samples": g.error_samples,
            }
            for g in groups
        },
    }


class ConstantResponder(asyncio.Protocol):
    """Answers every request with the same short 201: shows what the generator itself can
    drive (`load.py` checks it before measuring the real server)."""

    ANSWER = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"

    def connection_made(self, transport):
        self.transport = transport
        self.buffer = bytearray()

    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            marker = head.find(b"content-length:")
            length = int(head[marker + 15 :].split(b"\r\n")[0]) if marker >= 0 else 0
            if len(self.buffer) < end + 4 + length:
                return
            del self.buffer[: end + 4 + length]
            self.transport.write(self.ANSWER)


async def _serve_constant(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(ConstantResponder, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    if sys.argv[1] == "--constant-server":
        asyncio.run(_serve_constant(int(sys.argv[2])))
        return
    spec_path, result_path = sys.argv[1:3]
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    result = asyncio.run(run(spec))
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
