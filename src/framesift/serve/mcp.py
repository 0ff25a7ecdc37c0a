"""framesift as a Model Context Protocol server: frames for agents, with true times, on a budget.

The tools people use today to "let an LLM watch a video" over MCP hand back uniformly sampled
frames and know nothing of the question. Here the agent gets the loop the long-video agents
were trained on (a sparse overview, then dense frames where the answer seems to be: VideoZoomer,
arXiv 2512.22315; FrameThinker, arXiv 2509.24304), over framesift's analysis:

* ``probe_video``: what the video is (duration, fps, size, subtitles) and the session budget;
* ``select_frames``: the question-aware selection (an overview when the question is empty);
* ``get_frames``: dense frames in a span, argument shape of VideoZoomer's tool
  (``segment=[start, end]`` + ``fps``; or ``start``/``end`` and ``max_frames``), <= 32 per call;
* ``get_words``: subtitles, speech and on-screen text in a span, with times (no frames spent);
* ``search_moments``: the index's moment search over a library of videos.

Each image is preceded by a text block with its true time and why it was chosen
(``t=01:31.2 (91.2 s), frame 2280: <reason>``). Bad arguments come back as tool errors carrying
the same one-line messages as the CLI. The server reads only under its ``--root`` directories
(symlinks resolved first), refuses files over a size limit and requests over the frame cap,
gives up on a call after a timeout, and writes nothing but the index cache.

Built on the official SDK's :class:`mcp.server.MCPServer` (``mcp`` 2.x, extra ``framesift[mcp]``).
"""

from __future__ import annotations

import base64
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import anyio
import anyio.to_thread
from mcp.server import MCPServer
from mcp.types import CallToolResult, ImageContent, TextContent, ToolAnnotations
from pydantic import Field

from .._imaging import encode_jpeg
from .._version import __version__
from ..errors import FramesiftError, InputError
from ..frame import SelectedFrame
from ..session import Session, frame_caption, time_label
from ..video import probe

__all__ = ["FrameTools", "ServerLimits", "build_server", "MAX_FRAMES_PER_CALL"]

#: The most frames one call may return, whatever the server was started with: 32 frames of
#: a 7B VLM at its default resolution already fill most of a 32k context.
MAX_FRAMES_PER_CALL = 32

Content = TextContent | ImageContent


@dataclass(frozen=True)
class ServerLimits:
    """What the server allows. ``roots`` are resolved directories; everything else is a cap."""

    roots: tuple[Path, ...]
    max_bytes: int = 16 * 1024**3
    max_frames: int = MAX_FRAMES_PER_CALL
    budget: int = 64
    timeout_s: float = 300.0
    max_side: int = 768
    jpeg_quality: int = 85
    max_sessions: int = 16

    def __post_init__(self) -> None:
        if not self.roots:
            raise InputError("the MCP server needs at least one --root directory", param="roots")
        for r in self.roots:
            if not r.is_dir():
                raise InputError(f"{r}: --root must be an existing directory", param="roots")
        if not 1 <= self.max_frames <= MAX_FRAMES_PER_CALL:
            raise InputError(f"--max-frames must be 1-{MAX_FRAMES_PER_CALL} (got {self.max_frames})")
        if self.budget < 1:
            raise InputError(f"--budget must be at least 1 (got {self.budget})")
        if not (self.timeout_s > 0 and math.isfinite(self.timeout_s)):
            raise InputError(f"--timeout must be > 0 seconds (got {self.timeout_s})")
        if self.max_bytes < 1:
            raise InputError(f"--max-file-size must be positive (got {self.max_bytes})")


def _text(text: str) -> TextContent:
    return TextContent(type="text", text=text)


@dataclass
class FrameTools:
    """The tools' logic, transport-free (plain calls returning content blocks; errors raise).

    One :class:`~framesift.session.Session` per ``(session, video)`` pair holds the budget and
    the frames already shown; the least recently used session is dropped beyond
    ``limits.max_sessions``.
    """

    limits: ServerLimits
    cache: Any = True
    analysis_options: dict[str, Any] = field(default_factory=dict)
    _sessions: OrderedDict[tuple[str, str], Session] = field(default_factory=OrderedDict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _building: dict[tuple[str, str], threading.Lock] = field(default_factory=dict, init=False, repr=False)

    # ------------------------------------------------------------------ safety
    def resolve(self, raw: Any, *, name: str = "video", allow_dir: bool = False) -> Path:
        """The real path of ``raw`` if it lies under a root (checked before existence, so the
        answer says nothing about files elsewhere), exists, and is under the size limit."""
        if not isinstance(raw, str) or not raw.strip():
            raise InputError(f"{name} must be a path to a file under the server's roots", param=name)
        p = Path(raw).expanduser()
        if not p.is_absolute():  # relative to the first root that has it, else to the first root
            p = next((r / p for r in self.limits.roots if (r / p).exists()), self.limits.roots[0] / p)
        real = p.resolve()  # follows every symlink: the check is on where the bytes really are
        if not any(real.is_relative_to(r) for r in self.limits.roots):
            roots = ", ".join(str(r) for r in self.limits.roots)
            raise InputError(f"{raw}: outside the directories this server may read ({roots})", param=name)
        if not real.exists():
            raise InputError(f"{raw}: no such file", param=name)
        if real.is_dir():
            if allow_dir:
                return real
            raise InputError(f"{raw}: is a directory, not a video file", param=name)
        size = real.stat().st_size
        if size > self.limits.max_bytes:
            raise InputError(
                f"{raw}: {size / 1e9:.2f} GB is over this server's file size limit "
                f"({self.limits.max_bytes / 1e9:.2f} GB)",
                param=name,
            )
        return real

    def _frames_cap(self, n: Any, name: str) -> int:
        if not isinstance(n, int) or isinstance(n, bool):
            raise InputError(f"{name} must be a whole number of frames (got {n!r})", param=name)
        if n < 1:
            raise InputError(f"{name} must be at least 1 (got {n})", param=name)
        if n > self.limits.max_frames:
            raise InputError(f"{name} {n} is over the limit of {self.limits.max_frames} frames per call", param=name)
        return n

    def session(self, video: Path, session_id: str = "default") -> Session:
        """The session for this video (analysed on first use, from the index when present)."""
        if not isinstance(session_id, str) or not session_id or len(session_id) > 128:
            raise InputError("session must be a short non-empty name", param="session")
        key = (session_id, str(video))
        with self._lock:
            s = self._sessions.get(key)
            if s is not None:
                self._sessions.move_to_end(key)
                return s
            building = self._building.setdefault(key, threading.Lock())
        with building:  # two calls on a new video: one analysis
            with self._lock:
                s = self._sessions.get(key)
            if s is None:
                s = Session(video, budget=self.limits.budget, cache=self.cache, **self.analysis_options)
                with self._lock:
                    self._sessions[key] = s
                    while len(self._sessions) > self.limits.max_sessions:
                        self._sessions.popitem(last=False)
        with self._lock:
            self._building.pop(key, None)
        return s

    # ------------------------------------------------------------------ content
    def _image(self, frame: SelectedFrame) -> ImageContent:
        assert frame.image is not None
        data = encode_jpeg(frame.image, self.limits.jpeg_quality)
        return ImageContent(type="image", data=base64.b64encode(data).decode("ascii"), mime_type="image/jpeg")

    def _frames_result(self, call: str, video: Path, s: Session, frames: list[SelectedFrame]) -> list[Content]:
        head = (
            f"{call}: {len(frames)} frame(s) of {video.name} ({time_label(s.info.duration)} long); "
            f"session budget {s.spent} of {s.budget} frames spent, {s.left} left"
        )
        if s.notes:
            head += " (" + "; ".join(s.notes) + ")"
        out: list[Content] = [_text(head)]
        for f in frames:
            out.append(_text(frame_caption(f)))
            out.append(self._image(f))
        return out

    def _side(self, max_side: Any) -> int:
        if max_side is None:
            return self.limits.max_side
        if not isinstance(max_side, int) or isinstance(max_side, bool) or max_side < 16:
            raise InputError(f"max_side must be a whole number of pixels >= 16 (got {max_side!r})", param="max_side")
        return max_side

    # ------------------------------------------------------------------ tools
    def probe_video(self, video: str, session: str = "default") -> list[Content]:
        path = self.resolve(video)
        info, _ = probe(path)
        out = {k: v for k, v in info.to_dict().items() if k != "path"} | {"video": str(path)}
        key = (session, str(path))
        s = self._sessions.get(key)
        out["session"] = {
            "budget": s.budget if s else self.limits.budget,
            "spent": s.spent if s else 0,
            "left": s.left if s else self.limits.budget,
            "analysed": s is not None,
        }
        out["limits"] = {"frames_per_call": self.limits.max_frames, "default_max_side": self.limits.max_side}
        return [_text(json.dumps(out))]

    def select_frames(
        self,
        video: str,
        question: str = "",
        budget: int = 8,
        strategy: str = "auto",
        max_side: int | None = None,
        session: str = "default",
    ) -> list[Content]:
        path = self.resolve(video)
        k = self._frames_cap(budget, "budget")
        side = self._side(max_side)
        s = self.session(path, session)
        if isinstance(question, str) and question.strip():
            frames = s.select(question, k, strategy=strategy, max_side=side)
        else:
            frames = s.overview(k, max_side=side)
        return self._frames_result("select_frames" if question.strip() else "overview", path, s, frames)

    def get_frames(
        self,
        video: str,
        start: float | None = None,
        end: float | None = None,
        segment: Sequence[float] | None = None,
        fps: float | None = None,
        max_frames: int | None = None,
        max_side: int | None = None,
        session: str = "default",
    ) -> list[Content]:
        path = self.resolve(video)
        if segment is not None:
            if start is not None or end is not None:
                raise InputError("give either segment or start/end, not both", param="segment")
            if not isinstance(segment, (list, tuple)) or len(segment) != 2:
                raise InputError(f"segment must be [start, end] in seconds (got {segment!r})", param="segment")
            start, end = segment
        if start is None or end is None:
            raise InputError("get_frames needs a span: start and end (or segment=[start, end]) in seconds")
        if max_frames is not None:
            max_frames = self._frames_cap(max_frames, "max_frames")
        if fps is not None and max_frames is None:
            if isinstance(fps, (int, float)) and not isinstance(fps, bool) and fps > 0:
                if isinstance(start, (int, float)) and isinstance(end, (int, float)) and end > start:
                    n = math.floor((float(end) - float(start)) * float(fps) + 1e-9) + 1
                    if n > self.limits.max_frames:
                        raise InputError(
                            f"fps {fps:g} over {float(end) - float(start):g} s is {n} frames, over the limit of "
                            f"{self.limits.max_frames} per call; lower fps, shorten the span or set max_frames",
                            param="fps",
                        )
        side = self._side(max_side)
        s = self.session(path, session)
        frames = s.zoom(start, end, fps=fps, k=max_frames, max_side=side)
        return self._frames_result("get_frames", path, s, frames)

    def get_words(self, video: str, start: float, end: float, session: str = "default") -> list[Content]:
        path = self.resolve(video)
        s = self.session(path, session)
        words = s.words(start, end)
        lines = [
            f"[{time_label(w.start)}-{time_label(w.end)}] ({w.start:.1f}-{w.end:.1f} s) {w.channel}: {w.text}"
            if w.end > w.start
            else f"[{time_label(w.start)}] ({w.start:.1f} s) {w.channel}: {w.text}"
            for w in words
        ]
        head = f"get_words: {len(words)} text item(s) between {time_label(float(start))} and {time_label(float(end))}"
        if not words:
            head += " (no subtitle, speech or on-screen text there)"
        return [_text("\n".join([head, *lines]))]

    def search_moments(self, library: str, query: str, top: int = 5) -> list[Content]:
        from ..library import resolve_videos, search

        root = self.resolve(library, name="library", allow_dir=True)
        top = self._frames_cap(top, "top")
        # A symlink inside the library may point anywhere: every file is checked on its own.
        videos = [self.resolve(str(p), name="library") for p in resolve_videos([root])]
        opts = {k: v for k, v in self.analysis_options.items() if k in ("fps", "events", "ocr", "model")}
        moments = search(videos, query, top=top, cache=self.cache, **opts)
        out: list[Content] = [
            _text(f"search_moments: {len(moments)} moment(s) for {query!r} in {len(videos)} video(s)")
        ]
        for m in moments:
            said = f": {m.text!r}" if m.text else ""
            out.append(
                _text(
                    f"{m.video} t={time_label(m.time)} ({m.time:.1f} s), frame {m.index}: "
                    f"score {m.score:.3f} via {m.channel}{said}"
                )
            )
            if m.thumbnail and Path(m.thumbnail).is_file():
                data = Path(m.thumbnail).read_bytes()
                out.append(
                    ImageContent(type="image", data=base64.b64encode(data).decode("ascii"), mime_type="image/jpeg")
                )
        return out


_INSTRUCTIONS = (
    "framesift picks the frames of a video that answer a question, with their true times. Start with "
    "select_frames (a question, or an empty question for an overview), read get_words for what is said or "
    "written, then get_frames on the span where the answer seems to be. Every frame comes after a text block "
    "with its time; one budget of frames covers the whole session per video (see probe_video)."
)

_RO = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=False, open_world_hint=False)

Video = Annotated[str, Field(description="Path of the video file (absolute, or relative to the server's root).")]
Session_ = Annotated[
    str, Field(description="Name of the budget to spend: each (session, video) pair has its own frame budget.")
]
MaxSide = Annotated[
    int | None, Field(description="Longest side of the returned images in pixels (default: the server's).")
]


def build_server(tools: FrameTools) -> MCPServer:
    """An :class:`MCPServer` with the five tools, each run in a worker thread under the timeout."""
    server = MCPServer("framesift", instructions=_INSTRUCTIONS, version=__version__, log_level="WARNING")
    timeout = tools.limits.timeout_s

    async def run(name: str, fn: Callable[[], list[Content]]) -> CallToolResult:
        # A CallToolResult rather than a raised ToolError: the model then reads exactly the CLI's
        # one-line message, without the SDK's "Error executing tool ..." prefix.
        try:
            with anyio.fail_after(timeout):
                # abandon_on_cancel: on timeout the caller gets its answer at once; the worker
                # finishes in the background (an analysis it completes still lands in the index).
                content = await anyio.to_thread.run_sync(fn, abandon_on_cancel=True)
        except TimeoutError:
            message = (
                f"{name} did not finish within this server's {timeout:g} s limit (the video is still being "
                "analysed in the background; try again shortly)"
            )
            return CallToolResult(content=[_text(message)], is_error=True)
        except FramesiftError as exc:
            return CallToolResult(content=[_text(str(exc))], is_error=True)
        return CallToolResult(content=list(content))

    @server.tool(annotations=_RO, structured_output=False)
    async def probe_video(video: Video, session: Session_ = "default") -> CallToolResult:
        """What a video is: duration, fps, frame count, size, subtitle streams, and the session's frame budget."""
        return await run("probe_video", lambda: tools.probe_video(video, session))

    @server.tool(annotations=_RO, structured_output=False)
    async def select_frames(
        video: Video,
        question: Annotated[str, Field(description="The question; empty for a query-free overview.")] = "",
        budget: Annotated[int, Field(description="Frames to return in this call (at most 32).")] = 8,
        strategy: Annotated[str, Field(description="Selection strategy (auto is the default).")] = "auto",
        max_side: MaxSide = None,
        session: Session_ = "default",
    ) -> CallToolResult:
        """Frames that answer a question (or an overview), never repeating frames already shown."""
        return await run(
            "select_frames", lambda: tools.select_frames(video, question, budget, strategy, max_side, session)
        )

    @server.tool(annotations=_RO, structured_output=False)
    async def get_frames(
        video: Video,
        start: Annotated[float | None, Field(description="Span start in seconds.")] = None,
        end: Annotated[float | None, Field(description="Span end in seconds.")] = None,
        segment: Annotated[
            list[float] | None, Field(description="[start, end] in seconds (instead of start/end).")
        ] = None,
        fps: Annotated[float | None, Field(description="Sampling rate inside the span, frames per second.")] = None,
        max_frames: Annotated[
            int | None, Field(description="At most this many frames (default 8 without fps; at most 32).")
        ] = None,
        max_side: MaxSide = None,
        session: Session_ = "default",
    ) -> CallToolResult:
        """Dense frames inside a span (zoom in), snapped to real frames, each with its true time."""
        return await run(
            "get_frames",
            lambda: tools.get_frames(video, start, end, segment, fps, max_frames, max_side, session),
        )

    @server.tool(annotations=_RO, structured_output=False)
    async def get_words(
        video: Video,
        start: Annotated[float, Field(description="Span start in seconds.")],
        end: Annotated[float, Field(description="Span end in seconds.")],
        session: Session_ = "default",
    ) -> CallToolResult:
        """Subtitles, speech and on-screen text in a span, with their times (costs no frames)."""
        return await run("get_words", lambda: tools.get_words(video, start, end, session))

    @server.tool(annotations=_RO, structured_output=False)
    async def search_moments(
        library: Annotated[str, Field(description="A video file or a directory of videos under the roots.")],
        query: Annotated[str, Field(description="What to look for.")],
        top: Annotated[int, Field(description="How many moments (at most 32).")] = 5,
    ) -> CallToolResult:
        """The best-matching moments across a library of videos, each with its time and a thumbnail."""
        return await run("search_moments", lambda: tools.search_moments(library, query, top))

    return server
