"""A real HTTP server on loopback serving fixture files, with switchable misbehaviour.

``serve(folder, ranges=True, delay=0.0, drop_after=None, drops=1, etag=True)`` starts a
``ThreadingHTTPServer`` on 127.0.0.1 (a free port) in a daemon thread and returns it; ``url(name)``
gives a file's URL, ``log`` the requests (method, Range header, status, bytes sent), and ``close()``
stops it. Modes: ``ranges=False`` ignores ``Range`` (always 200, whole file, no Accept-Ranges);
``delay`` sleeps before every 64 KiB chunk; ``drop_after=N`` cuts the connection after N bytes of
the first ``drops`` GET responses; ``etag=False`` sends no validators.
"""

from __future__ import annotations

import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_CHUNK = 64 * 1024


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer

    def log_message(self, fmt, *args):  # quiet
        pass

    def _target(self) -> Path | None:
        name = self.path.split("?", 1)[0].lstrip("/")
        p = (self.server.folder / name).resolve()
        if self.server.folder.resolve() not in p.parents or not p.is_file():
            return None
        return p

    def _headers(self, p: Path, status: int, start: int, end: int) -> None:
        size = p.stat().st_size
        self.send_response(status)
        self.send_header("Content-Type", "text/html" if p.suffix == ".html" else "video/mp4")
        self.send_header("Content-Length", str(end - start + 1))
        if self.server.ranges:
            self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        if self.server.etag:
            st = p.stat()
            self.send_header("ETag", f'"{st.st_size:x}-{st.st_mtime_ns:x}"')
            self.send_header("Last-Modified", self.date_time_string(int(st.st_mtime)))
        self.end_headers()

    def _span(self, p: Path) -> tuple[int, int, int]:
        size = p.stat().st_size
        rng = self.headers.get("Range")
        m = re.match(r"bytes=(\d*)-(\d*)$", rng or "")
        if not self.server.ranges or not m or (not m.group(1) and not m.group(2)):
            return 200, 0, size - 1
        if m.group(1):
            start = int(m.group(1))
            end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
        else:
            start, end = max(size - int(m.group(2)), 0), size - 1
        return 206, start, end

    def do_HEAD(self):  # noqa: N802
        p = self._target()
        if p is None:
            self.send_error(404)
            return
        status, start, end = self._span(p)
        self._headers(p, status, start, end)
        self.server.record("HEAD", self.headers.get("Range"), status, 0)

    def do_GET(self):  # noqa: N802
        p = self._target()
        if p is None:
            self.send_error(404)
            return
        status, start, end = self._span(p)
        if start >= p.stat().st_size:
            self.send_error(416)
            return
        self._headers(p, status, start, end)
        drop = self.server.take_drop()
        sent = 0
        with open(p, "rb") as f:
            f.seek(start)
            left = end - start + 1
            try:
                while left > 0:
                    if self.server.delay:
                        time.sleep(self.server.delay)
                    n = min(_CHUNK, left)
                    if drop is not None and sent + n > drop:
                        self.wfile.write(f.read(drop - sent))
                        sent = drop
                        self.close_connection = True
                        self.connection.shutdown(2)  # the server drops the connection mid-body
                        break
                    self.wfile.write(f.read(n))
                    sent += n
                    left -= n
            except (BrokenPipeError, ConnectionResetError, OSError):
                pass
        self.server.record("GET", self.headers.get("Range"), status, sent)


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder, *, ranges=True, delay=0.0, drop_after=None, drops=1, etag=True):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.folder = Path(folder)
        self.ranges, self.delay, self.etag = ranges, delay, etag
        self._drop_after, self._drops = drop_after, drops
        self.log: list[tuple[str, str | None, int, int]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    def take_drop(self) -> int | None:
        with self._lock:
            if self._drop_after is None or self._drops <= 0:
                return None
            self._drops -= 1
            return self._drop_after

    def record(self, *entry) -> None:
        with self._lock:
            self.log.append(entry)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{name}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


def serve(folder: str | os.PathLike, **kwargs) -> LoopbackServer:
    return LoopbackServer(folder, **kwargs)
