"""``framesift mcp``: the real server as a subprocess, driven by the MCP SDK's own client.

stdio for the main session (list tools, call each on fixture videos, budgets, refusals), and once
over streamable HTTP. Times are checked against the fixture's frame grid (24 fps constant frame
rate: frame ``i`` is at ``i / 24`` s), images by decoding the returned JPEGs.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("mcp")

from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402

EXE = Path(sys.executable).with_name("framesift")
TOOLS = {"probe_video", "select_frames", "get_frames", "get_words", "search_moments"}
CAPTION = re.compile(r"^t=(\d+):(\d\d\.\d) \((\d+\.\d) s\), frame (\d+): (.+)$")
HEADER = re.compile(r"session budget (\d+) of (\d+) frames spent, (\d+) left")
# The text channels: subtitles (MiniLM) only; OCR is covered by the session tests, not here.
ANALYSIS = ("--ocr", "off")


def _env() -> dict[str, str]:
    return {k: os.environ[k] for k in ("PYTHONPATH", "FRAMESIFT_CACHE", "HOME") if k in os.environ}


def _server(root: Path, *extra: str) -> StdioServerParameters:
    return StdioServerParameters(command=str(EXE), args=["mcp", "--root", str(root), *ANALYSIS, *extra], env=_env())


@pytest.fixture(scope="module")
def library(needle_video, tmp_path_factory) -> dict[str, Path]:
    """``root/videos/needles.mp4`` (+ .srt), an outside copy, and a symlink in the root pointing out."""
    base = tmp_path_factory.mktemp("mcp")
    root, outside = base / "root", base / "outside"
    (root / "videos").mkdir(parents=True)
    (root / "links").mkdir()
    outside.mkdir()
    video = root / "videos" / "needles.mp4"
    shutil.copy(needle_video.path, video)
    shutil.copy(needle_video.subtitles, video.with_suffix(".srt"))
    secret = outside / "secret.mp4"
    shutil.copy(needle_video.path, secret)
    (root / "links" / "secret.mp4").symlink_to(secret)
    return {"root": root, "video": video, "secret": secret, "link": root / "links" / "secret.mp4"}


def _frames(result) -> list[tuple[float, int, str, Image.Image]]:
    """(time, index, reason, image) per frame: each image must come right after its caption."""
    assert not result.is_error, result.content[0].text
    blocks = result.content
    assert blocks[0].type == "text"  # the call's header
    out = []
    for cap, img in zip(blocks[1::2], blocks[2::2]):
        assert cap.type == "text" and img.type == "image" and img.mime_type == "image/jpeg"
        m = CAPTION.match(cap.text)
        assert m, cap.text
        t = float(m.group(3))
        assert int(m.group(1)) * 60 + float(m.group(2)) == pytest.approx(t, abs=0.051)
        out.append((t, int(m.group(4)), m.group(5), Image.open(io.BytesIO(base64.b64decode(img.data)))))
    assert len(blocks) == 1 + 2 * len(out)
    return out


def _error(result) -> str:
    assert result.is_error and len(result.content) == 1
    text = result.content[0].text
    assert "\n" not in text and "Traceback" not in text
    return text


def _left(result) -> int:
    return int(HEADER.search(result.content[0].text).group(3))


def test_stdio_session(library):
    root, video = library["root"], str(library["video"])

    async def session() -> None:
        async with Client(_server(root, "--budget", "12")) as c:
            assert {t.name for t in (await c.list_tools()).tools} == TOOLS

            probe = await c.call_tool("probe_video", {"video": "videos/needles.mp4"})  # relative to the root
            info = json.loads(probe.content[0].text)
            assert info["num_frames"] == 720 and info["duration"] == pytest.approx(30.0)
            assert info["session"] == {"budget": 12, "spent": 0, "left": 12, "analysed": False}

            sel = await c.call_tool(
                "select_frames", {"video": video, "question": "When was the bridge completed?", "budget": 4}
            )
            picks = _frames(sel)
            assert len(picks) == 4 and _left(sel) == 8
            for t, idx, _, img in picks:
                assert t == pytest.approx(idx / 24, abs=0.051) and img.size == (640, 360)
            bridge = [p for p in picks if 14.2 <= p[0] <= 16.4]
            assert bridge and "subtitle" in bridge[0][2] and "1932" in bridge[0][2]

            zoom = await c.call_tool("get_frames", {"video": video, "segment": [14.0, 16.0], "fps": 2})
            dense = _frames(zoom)
            assert 3 <= len(dense) <= 5  # 5 grid times, minus any frame select_frames already showed
            assert all(14.0 <= t <= 16.0 and t == pytest.approx(i / 24, abs=0.051) for t, i, _, _ in dense)
            assert not {i for _, i, _, _ in dense} & {i for _, i, _, _ in picks}

            small = _frames(
                await c.call_tool(
                    "get_frames", {"video": video, "start": 2, "end": 6, "max_frames": 2, "max_side": 160}
                )
            )
            assert len(small) == 2 and all(img.size == (160, 90) for *_, img in small)
            assert all(2.0 <= t <= 6.0 for t, *_ in small)

            words = await c.call_tool("get_words", {"video": video, "start": 14, "end": 17})
            assert "The bridge was finished in 1932, two years late." in words.content[0].text

            found = await c.call_tool(
                "search_moments", {"library": str(root / "videos"), "query": "bridge finished", "top": 2}
            )
            assert not found.is_error
            first = found.content[1].text
            assert "needles.mp4" in first and "bridge" in first
            assert 14.0 <= float(re.search(r"\((\d+\.\d) s\)", first).group(1)) <= 16.5
            assert found.content[2].type == "image"

            # the budget holds across calls: spend what is left, then the next call is refused
            spent = len(picks) + len(dense) + len(small)
            rest = _frames(await c.call_tool("get_frames", {"video": video, "start": 20, "end": 30, "max_frames": 12}))
            assert spent + len(rest) == 12
            refused = _error(await c.call_tool("get_frames", {"video": video, "start": 0, "end": 1}))
            assert refused == "session budget spent: 12 of 12 frames already shown"
            other = await c.call_tool(
                "get_frames", {"video": video, "start": 0, "end": 1, "max_frames": 1, "session": "other"}
            )
            assert len(_frames(other)) == 1 and _left(other) == 11  # another session has its own budget

            # refusals: outside the roots (directly, or through a symlink inside them), bad arguments
            for path in (str(library["secret"]), str(library["link"]), "../outside/secret.mp4"):
                msg = _error(await c.call_tool("probe_video", {"video": path}))
                assert msg == f"{path}: outside the directories this server may read ({root})"
            assert (
                _error(await c.call_tool("probe_video", {"video": "videos/nope.mp4"}))
                == "videos/nope.mp4: no such file"
            )
            bad = {
                "fps 4 over 30 s is 121 frames, over the limit of 32 per call": {"segment": [0, 30], "fps": 4},
                "max_frames 33 is over the limit of 32 frames per call": {"start": 0, "end": 30, "max_frames": 33},
                "end must be after start (got 9-3 s)": {"start": 9, "end": 3, "session": "other"},
                "segment must be [start, end] in seconds": {"segment": [1, 2, 3]},
                "span 40-50 s is outside the video": {"start": 40, "end": 50, "session": "other"},
            }
            for want, args in bad.items():
                assert want in _error(await c.call_tool("get_frames", {"video": video, **args}))
            assert "budget must be at least 1" in _error(
                await c.call_tool("select_frames", {"video": video, "budget": 0})
            )
            typed = await c.call_tool("get_frames", {"video": video, "start": "soon", "end": 3})
            assert typed.is_error  # the SDK's own schema validation

    asyncio.run(session())


def test_size_limit_and_timeout(library):
    async def session() -> None:
        async with Client(_server(library["root"], "--max-file-size", "1K")) as c:
            msg = _error(await c.call_tool("probe_video", {"video": "videos/needles.mp4"}))
            assert msg.startswith("videos/needles.mp4: ") and "over this server's file size limit" in msg
        # a candidate rate no other test uses: the analysis cannot come from the index, and takes > 0.05 s
        async with Client(_server(library["root"], "--timeout", "0.05", "--fps", "3")) as c:
            msg = _error(await c.call_tool("get_frames", {"video": "videos/needles.mp4", "start": 1, "end": 2}))
            assert "did not finish within this server's 0.05 s limit" in msg

    asyncio.run(session())


def test_cli_refuses_bad_options(library, tmp_path):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(EXE), "mcp", *args], capture_output=True, text=True, env=dict(os.environ), timeout=60
        )

    for args, want in [
        (("--root", str(tmp_path / "missing")), "--root must be an existing directory"),
        (("--root", str(library["root"]), "--http", "localhost"), "--http expects HOST:PORT"),
        (("--root", str(library["root"]), "--max-frames", "64"), "--max-frames must be 1-32"),
        (("--root", str(library["root"]), "--max-file-size", "lots"), "--max-file-size expects a size"),
    ]:
        r = run(*args)
        assert r.returncode == 2 and want in r.stderr and "Traceback" not in r.stderr, r.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_streamable_http(library, tmp_path):
    port = _free_port()
    log = open(tmp_path / "mcp.log", "w")
    proc = subprocess.Popen(
        [str(EXE), "mcp", "--root", str(library["root"]), *ANALYSIS, "--http", f"127.0.0.1:{port}"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ),
    )
    try:
        for _ in range(120):
            assert proc.poll() is None, (tmp_path / "mcp.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)

        async def session() -> None:
            async with Client(f"http://127.0.0.1:{port}/mcp") as c:
                assert {t.name for t in (await c.list_tools()).tools} == TOOLS
                got = _frames(
                    await c.call_tool("get_frames", {"video": "videos/needles.mp4", "segment": [8, 9], "fps": 2})
                )
                assert [i for _, i, _, _ in got] == [192, 204, 216]  # 8.0, 8.5, 9.0 s on the 24 fps grid
                msg = _error(await c.call_tool("get_words", {"video": str(library["secret"]), "start": 0, "end": 1}))
                assert "outside the directories this server may read" in msg

        asyncio.run(session())
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_example_agent_loop(library):
    """examples/agent_loop.py end to end: a scripted OpenAI-compatible server (no real tool-calling
    model runs here) asks for a zoom; the example serves it through `framesift mcp`."""
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from _scripted_openai import ScriptedServer, message

    replies = [
        lambda body: message(tool_calls=[("get_frames", {"segment": [14, 16], "fps": 1})]),
        lambda body: message("1932"),
    ]
    example = Path(__file__).parents[2] / "examples" / "agent_loop.py"
    env = dict(os.environ, PATH=f"{EXE.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    with ScriptedServer(replies) as srv:
        r = subprocess.run(
            [sys.executable, str(example), str(library["video"]), "When was the bridge completed?"]
            + ["--vlm-url", srv.url, "--model", "m"],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert r.returncode == 0 and r.stdout.strip() == "1932", r.stderr
        first, second = srv.requests
    assert {t["function"]["name"] for t in first["tools"]} == {"get_frames", "get_words"}
    assert sum(p["type"] == "image_url" for p in first["messages"][1]["content"]) == 8
    tool = [m for m in second["messages"] if m["role"] == "tool"][0]["content"]
    times = [float(t) for t in re.findall(r"^t=\S+ \((\d+\.\d) s\)", tool, re.M)]
    assert times and all(14.0 <= t <= 16.0 for t in times)
    assert sum(p["type"] == "image_url" for p in second["messages"][-1]["content"]) == len(times)
