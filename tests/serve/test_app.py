"""``framesift serve``: the real server as a subprocess on a loopback port, a real HTTP client (httpx).

One server (models warm, a private index) answers most tests; a second one with a queue of one
and a one-second timeout shows the 503 / 504 paths. Videos are the session's fixture files,
copied under the server's root (a symlink to them would point outside it, and be refused).
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import NEEDLE_VIDEO_NEEDLES

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

pytestmark = pytest.mark.slow

TOKEN = "test-token-4f1c"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEXT, SUBTITLE, FLASH = NEEDLE_VIDEO_NEEDLES


class Server:
    """``framesift serve`` in a subprocess; ``url`` once it listens, its log in ``log_path``."""

    def __init__(self, root: Path, cache: Path, log_path: Path, *extra: str, token: str | None = TOKEN) -> None:
        env = os.environ | {"PYTHONUNBUFFERED": "1"}
        env.pop("FRAMESIFT_TOKEN", None)
        if token:
            env["FRAMESIFT_TOKEN"] = token
        src = Path(__file__).resolve().parents[2] / "src"
        env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")])
        self.log_path = log_path
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        cmd = [
            sys.executable,
            "-m",
            "framesift.cli",
            "serve",
            "--root",
            str(root),
            "--port",
            "0",
            "--cache",
            str(cache),
        ]
        self.proc = subprocess.Popen([*cmd, *extra], stdout=self._log, stderr=subprocess.STDOUT, env=env)
        self.url = self._wait_for_port()

    def _wait_for_port(self, timeout: float = 240.0) -> str:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", self.log_path.read_text())
            if m:
                return m.group(1)
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        raise RuntimeError("server did not start")

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


@pytest.fixture(scope="module")
def layout(tmp_path_factory, needle_video, cfr_video, not_video_file):
    """root/ with the videos, and outside/ with a secret video that links in root point to."""
    base = tmp_path_factory.mktemp("serve")
    root, outside = base / "root", base / "outside"
    (root / "videos").mkdir(parents=True)
    outside.mkdir()
    shutil.copy(needle_video.path, root / "videos" / "needles.mp4")
    shutil.copy(needle_video.subtitles, root / "videos" / "needles.srt")
    shutil.copy(cfr_video.path, root / "short.mp4")
    shutil.copy(cfr_video.path, outside / "secret.mp4")
    shutil.copy(not_video_file.path, root / "fake.mp4")
    os.symlink(outside / "secret.mp4", root / "link.mp4")
    os.symlink(outside, root / "linkdir")
    return {"base": base, "root": root, "outside": outside}


@pytest.fixture(scope="module")
def server(layout):
    s = Server(
        layout["root"],
        layout["base"] / "cache",
        layout["base"] / "server.log",
        "--workers",
        "3",
        "--max-upload-mb",
        "1",
    )
    yield s
    s.stop()


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=300) as c:
        yield c


@pytest.fixture(scope="module")
def indexed(client):
    """POST /index of the videos folder, polled through GET /jobs/{id} to the end."""
    r = client.post("/index", json={"videos": ["videos"]})
    assert r.status_code == 202, r.text
    job = r.json()["job"]
    seen = []
    for _ in range(1200):
        j = client.get(f"/jobs/{job}").json()
        seen.append(j["state"])
        if j["state"] in ("done", "failed"):
            break
        time.sleep(0.25)
    assert j["state"] == "done", j
    return {"job": j, "states": seen}


def _one_line_error(r, status: int) -> str:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error"}, body
    assert "\n" not in body["error"] and "Traceback" not in body["error"]
    return body["error"]


def _jpeg(data_url: str):
    from PIL import Image

    assert data_url.startswith("data:image/jpeg;base64,")
    return Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))


# ---------------------------------------------------------------------- health, auth


def test_healthz_needs_no_token_and_reports_warm_models(server):
    r = httpx.get(f"{server.url}/healthz")
    assert r.status_code == 200
    h = r.json()
    assert h["status"] == "ok"
    assert h["models"]["text"].endswith("all-MiniLM-L6-v2") and "ocr" in h["models"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_every_other_endpoint_wants_the_token(server, headers):
    for method, path in (("POST", "/select"), ("POST", "/search"), ("GET", "/jobs/x"), ("GET", "/openapi.json")):
        r = httpx.request(method, f"{server.url}{path}", headers=headers, json={"video": "short.mp4"})
        assert r.status_code == 401, (path, r.text)
        assert r.headers["WWW-Authenticate"] == "Bearer"


def test_openapi_schema_lists_the_endpoints(client):
    schema = client.get("/openapi.json").json()
    for path in ("/select", "/frames", "/search", "/index", "/jobs/{job_id}", "/report/{report_id}", "/healthz"):
        assert path in schema["paths"], path
    body = schema["paths"]["/select"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    assert "SelectRequest" in schema["components"]["schemas"]


# ---------------------------------------------------------------------- index, select


def test_index_job_reports_progress_and_results(indexed):
    j = indexed["job"]
    assert j["videos_total"] == 1 and j["videos_done"] == 1
    assert j["results"][0]["status"] in ("indexed", "cached") and j["results"][0]["candidates"] > 0
    assert indexed["states"][-1] == "done"


def test_select_finds_the_on_screen_answer(client, indexed):
    r = client.post("/select", json={"video": "videos/needles.mp4", "query": TEXT.question, "budget": 6})
    assert r.status_code == 200, r.text
    out = r.json()
    m = out["manifest"]
    assert m["schema_version"] == "1.4" and "report" not in m  # curves only when asked
    times = [f["time"] for f in m["frames"]]
    assert times == sorted(times) and len(times) == 6
    assert any(TEXT.start <= t <= TEXT.end for t in times), times
    assert out["report_url"] == f"/report/{out['report_id']}"
    # a second question on the warm video answers from memory (no decode, no index load)
    r2 = client.post(
        "/select", json={"video": "videos/needles.mp4", "query": SUBTITLE.question, "budget": 4, "curves": True}
    )
    assert r2.json()["analysis"] == "memory"
    m2 = r2.json()["manifest"]
    assert any(SUBTITLE.start <= f["time"] <= SUBTITLE.end for f in m2["frames"])
    assert len(m2["report"]["channels"]["fused"]) == m2["num_candidates"]


@pytest.mark.parametrize("fmt", ["openai", "vllm", "qwen", "gemini"])
def test_select_formats(client, indexed, fmt):
    r = client.post("/select", json={"video": "videos/needles.mp4", "query": TEXT.question, "budget": 4, "format": fmt})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["format"] == fmt
    indices = [f["index"] for f in out["manifest"]["frames"]]
    inp = out["input"]
    if fmt == "vllm":  # true original indices (the last repeated to pad the Qwen temporal pair)
        got = inp["media_io_kwargs"]["video"]["frames_indices"]
        assert got[: len(indices)] == indices and set(got) == set(indices)
    elif fmt == "qwen":
        assert set(inp["video_metadata"][0]["frames_indices"]) == set(indices)
        assert all(u.startswith("data:image/jpeg;base64,") for u in inp["messages"][0]["content"][0]["video"])
    elif fmt == "openai":
        urls = [c["image_url"]["url"] for c in inp[0]["content"] if c["type"] == "image_url"]
        assert len(urls) == len(indices) and all(u.startswith("data:image/jpeg;base64,") for u in urls)
    else:
        assert sum("inlineData" in p for p in inp[0]["parts"]) + str(inp).count("videoMetadata") >= 1


def test_select_token_budget_and_bad_values(client, indexed):
    r = client.post("/select", json={"video": "videos/needles.mp4", "query": "x", "budget_tokens": 1200})
    assert r.status_code == 200, r.text
    b = r.json()["manifest"]["budget"]
    assert b["tokens"] == 1200 and b["tokens_spent"] <= 1200
    msg = _one_line_error(client.post("/select", json={"video": "short.mp4", "strategy": "nope"}), 400)
    from framesift.errors import InputError
    from framesift.selectors import get_strategy

    with pytest.raises(InputError) as exc:
        get_strategy("nope")
    assert msg == str(exc.value)  # the same line the CLI prints
    assert "budget" in _one_line_error(client.post("/select", json={"video": "short.mp4", "budget": 0}), 422)
    assert "extra" in _one_line_error(client.post("/select", json={"video": "short.mp4", "colour": 1}), 422).lower()
    assert "tokens" in _one_line_error(
        client.post("/select", json={"video": "videos/needles.mp4", "query": "x", "budget_tokens": 1}), 400
    )


# ---------------------------------------------------------------------- allow-list


@pytest.mark.parametrize(
    "video, status",
    [
        ("../outside/secret.mp4", 403),
        ("videos/../../outside/secret.mp4", 403),
        ("link.mp4", 403),  # a symlink inside the root to a file outside it
        ("linkdir/secret.mp4", 403),  # through a symlinked directory
        ("/etc/hostname", 403),
        ("../outside/does-not-exist.mp4", 403),  # no existence oracle outside the roots
        ("missing.mp4", 404),
        ("videos", 400),  # a directory
        ("fake.mp4", 400),  # a text file named .mp4: the library's own message
    ],
)
def test_allow_list(client, layout, video, status):
    msg = _one_line_error(client.post("/select", json={"video": video}), status)
    assert str(layout["outside"]) not in msg  # the real target of a link is never revealed


def test_allow_list_on_every_endpoint(client, layout):
    secret = str(layout["outside"] / "secret.mp4")
    _one_line_error(client.post("/frames", json={"video": "link.mp4", "start": 0, "end": 1}), 403)
    _one_line_error(client.post("/search", json={"query": "x", "videos": [secret]}), 403)
    _one_line_error(client.post("/index", json={"videos": ["linkdir"]}), 403)
    # a directory inside the root holding only a link out: nothing to index (the link is skipped)
    (layout["root"] / "onlylink").mkdir(exist_ok=True)
    target = layout["root"] / "onlylink" / "x.mp4"
    if not target.exists():
        os.symlink(layout["outside"] / "secret.mp4", target)
    _one_line_error(client.post("/index", json={"videos": ["onlylink"]}), 400)


# ---------------------------------------------------------------------- uploads and bodies


def test_upload_is_sniffed_not_trusted(client, cfr_video, not_video_file):
    data = Path(cfr_video.path).read_bytes()
    # a real video sent with a misleading name and type is accepted
    r = client.post(
        "/select",
        files={"video": ("notes.txt", data, "text/plain")},
        data={"query": "", "budget": "3", "ocr": "off", "events": "false"},
    )
    assert r.status_code == 200, r.text
    m = r.json()["manifest"]
    assert len(m["frames"]) == 3 and m["video"]["num_frames"] == 90
    # text named .mp4 and labelled video/mp4 is refused by its bytes
    msg = _one_line_error(
        client.post("/select", files={"video": ("clip.mp4", Path(not_video_file.path).read_bytes(), "video/mp4")}), 415
    )
    assert "not a video" in msg
    # the right signature but a broken body: the demuxer refuses it
    broken = data[:32] + os.urandom(4000)
    _one_line_error(client.post("/select", files={"video": ("a.mp4", broken, "video/mp4")}), 415)


def test_upload_size_limit(client):
    big = b"\x00\x00\x00\x18ftypisom" + b"\0" * (2 * 1024 * 1024)
    msg = _one_line_error(client.post("/select", files={"video": ("big.mp4", big, "video/mp4")}), 413)
    assert "limit" in msg

    def chunks():  # a well-formed multipart stream without Content-Length: cut off while streaming
        yield b'--zz\r\nContent-Disposition: form-data; name="video"; filename="a.mp4"\r\n\r\n'
        yield b"\x00\x00\x00\x18ftypisom"
        for _ in range(40):
            yield b"\0" * 65536
        yield b"\r\n--zz--\r\n"

    r = client.post("/select", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=zz"})
    _one_line_error(r, 413)


@pytest.mark.parametrize(
    "path, body, status",
    [
        ("/select", b'{"video": ', 400),
        ("/select", b"[1, 2]", 400),
        ("/select", b"\xff\xfe", 400),
        ("/search", b'{"query": ', 400),
        ("/frames", b"not json", 400),
        ("/index", b'{"videos": "short.mp4"}', 422),
    ],
)
def test_malformed_json(client, path, body, status):
    r = client.post(path, content=body, headers={"Content-Type": "application/json"})
    _one_line_error(r, status)


def test_json_body_size_limit(client):
    r = client.post("/select", json={"video": "short.mp4", "query": "x" * (2 * 1024 * 1024)})
    _one_line_error(r, 413)


# ---------------------------------------------------------------------- frames, search, report


def test_frames_zoom_session(client, indexed):
    body = {"video": "videos/needles.mp4", "start": 7.5, "end": 9.5, "k": 3, "max_side": 128, "budget": 5}
    r = client.post("/frames", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert len(out["frames"]) == 3 and out["spent"] == 3 and out["left"] == 2
    for f in out["frames"]:
        assert 7.5 <= f["time"] <= 9.5
        assert max(_jpeg(f["image"]).size) <= 128
    assert any("tulip-4417" in w["text"] for w in out["words"])
    # the session continues: its budget is shared across calls
    r2 = client.post("/frames", json=body | {"session": out["session"], "start": 20.0, "end": 23.0, "k": 4})
    assert r2.status_code == 200, r2.text
    assert r2.json()["spent"] == 5 and len(r2.json()["frames"]) == 2  # thinned to what was left
    again = client.post("/frames", json=body | {"session": out["session"]}).json()
    assert again["frames"] == [] and again["notes"]  # the same span: every frame was shown already
    msg = _one_line_error(client.post("/frames", json=body | {"session": out["session"], "start": 0, "end": 2}), 400)
    assert "budget" in msg  # a new span, but the session's budget is spent
    _one_line_error(client.post("/frames", json=body | {"session": "nope"}), 404)
    _one_line_error(client.post("/frames", json=body | {"start": 50.0, "end": 60.0}), 400)


def test_search_moments(client, indexed, layout):
    from framesift.library import index_video

    # a video indexed into the same cache from outside the roots is never searched
    index_video(layout["outside"] / "secret.mp4", cache=layout["base"] / "cache", ocr=False)
    r = client.post("/search", json={"query": TEXT.question, "top": 50, "min_gap_s": 0})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["searched"] >= 1
    assert not any("outside" in Path(m["video"]).parts for m in out["moments"])
    best = out["moments"][0]
    assert TEXT.start - 1 <= best["time"] <= TEXT.end + 1, out["moments"]
    assert _jpeg(best["thumbnail"]).size[0] > 0
    assert Path(best["video"]).resolve() == (layout["root"] / "videos" / "needles.mp4").resolve()


def test_report_endpoint_in_chromium(client, server, indexed):
    from _browser import check_report_page, chromium_page

    out = client.post(
        "/select", json={"video": "videos/needles.mp4", "query": TEXT.question, "budget": 5, "curves": True}
    ).json()
    r = client.get(out["report_url"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    with chromium_page(extra_http_headers=AUTH) as (page, problems, requests):
        page.goto(server.url + out["report_url"])
        check_report_page(page, problems, out["manifest"], "report-serve.png")
        assert requests == [server.url + out["report_url"]]
    _one_line_error(client.get("/report/0123456789abcdef"), 404)
    _one_line_error(client.get("/jobs/0123456789abcdef"), 404)


# ---------------------------------------------------------------------- concurrency


def test_concurrent_requests_match_serial_answers(client, indexed):
    questions = [TEXT.question, SUBTITLE.question, FLASH.question, "what is on the slide?", "", "a bridge"] * 2
    body = lambda q, b: {"video": "videos/needles.mp4", "query": q, "budget": b}  # noqa: E731
    serial = [
        client.post("/select", json=body(q, 3 + k % 4)).json()["manifest"]["frames"] for k, q in enumerate(questions)
    ]
    with ThreadPoolExecutor(12) as pool:
        futures = [pool.submit(client.post, "/select", json=body(q, 3 + k % 4)) for k, q in enumerate(questions)]
        parallel = [f.result() for f in futures]
    assert all(r.status_code == 200 for r in parallel), [r.text for r in parallel if r.status_code != 200]
    got = [[f["index"] for f in r.json()["manifest"]["frames"]] for r in parallel]
    assert got == [[f["index"] for f in s] for s in serial]


def test_no_5xx_under_schema_fuzzing(server, tmp_path):
    """schemathesis over the OpenAPI schema (bounded examples): no request makes the server fail."""
    exe = shutil.which("schemathesis") or shutil.which("st")
    if exe is None:
        pytest.skip("schemathesis not installed")
    cmd = [
        exe,
        "run",
        f"{server.url}/openapi.json",
        "--checks",
        "not_a_server_error",
        "-H",
        f"Authorization: Bearer {TOKEN}",
    ]
    cmd += ["--max-examples", "6", "--generation-deterministic", "--request-timeout", "120"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=tmp_path)  # its cache stays there
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "internal error" not in server.log()


# ---------------------------------------------------------------------- queue and timeouts


def test_full_queue_answers_503_and_slow_work_504(layout, needle_video):
    """Queue of one, one-second timeout, MiniLM loaded lazily: a cold analysis times out (504)
    but keeps its slot until it ends, so the next request gets 503 + Retry-After; once done,
    the same question is warm and answers 200."""
    base = layout["base"]
    s = Server(
        layout["root"], base / "cache-q", base / "server-q.log", "--max-queue", "1", "--timeout", "1", "--no-warm"
    )
    try:
        with httpx.Client(base_url=s.url, headers=AUTH, timeout=60) as c:
            body = {"video": "videos/needles.mp4", "query": TEXT.question, "ocr": 4}
            _one_line_error(c.post("/select", json=body), 504)
            assert c.get("/healthz").json()["queue"]["active"] == 1
            r = c.post("/select", json={"video": "short.mp4"})
            _one_line_error(r, 503)
            assert int(r.headers["Retry-After"]) >= 1
            for _ in range(600):
                if c.get("/healthz").json()["queue"]["active"] == 0:
                    break
                time.sleep(0.5)
            r = c.post("/select", json=body)
            assert r.status_code == 200, r.text
    finally:
        s.stop()
    assert "Traceback" not in (base / "server-q.log").read_text()


def test_internal_errors_answer_an_id_and_log_the_traceback(caplog, tmp_path):
    """A bug answers 500 with an id and no traceback; the log has both (in-process: a bug cannot
    be provoked through the real endpoints, which is the point)."""
    from fastapi.testclient import TestClient

    from framesift.serve.app import create_app
    from framesift.serve.config import ServeConfig

    app = create_app(ServeConfig(roots=(tmp_path,), cache=tmp_path / "c", warm=False))

    @app.get("/boom")
    def boom():
        raise ZeroDivisionError("deliberate")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    body = r.json()
    assert set(body) == {"error", "error_id"} and "deliberate" not in r.text and "Traceback" not in r.text
    assert any(body["error_id"] in rec.getMessage() and rec.exc_info for rec in caplog.records)
