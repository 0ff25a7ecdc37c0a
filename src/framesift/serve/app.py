"""The HTTP service: a FastAPI app over :mod:`framesift.api`, the session and the index.

Endpoints (OpenAPI schema at ``/openapi.json``):

* ``POST /select``: a JSON body (:class:`~.schemas.SelectRequest`, a path under the roots) or a
  ``multipart/form-data`` upload (the file in part ``video``, the other fields as form fields);
  answers the manifest or one model input format, plus the id of its HTML report.
* ``POST /frames``: a span's frames, as a session's zoom (``session`` continues one).
* ``POST /search``: moments across indexed videos.
* ``POST /index``: a background job; ``GET /jobs/{id}`` its progress.
* ``GET /report/{id}``: the self-contained HTML report of a selection.
* ``GET /healthz``: liveness, models, queue (never needs the token).

Errors are one JSON object ``{"error": "<one line>"}``: 400 bad input (the library's own
message, as the CLI prints it), 401 no or wrong token, 403 outside the roots, 404 unknown path or
id, 413 body too large, 415 not a video, 422 a field out of its schema, 503 queue full (with
``Retry-After``), 504 took longer than the timeout. A bug answers 500 with an ``error_id`` that
is in the server log with the traceback; a traceback never reaches the client.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import os
import time
import uuid
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ..errors import InputError
from .config import ServeConfig
from .schemas import FramesRequest, IndexRequest, SearchRequest, SelectRequest
from .security import (
    BodyTooLarge,
    Forbidden,
    NotFound,
    UnsupportedMedia,
    check_token,
    resolve_in_roots,
    sniff_container,
)
from .state import Busy, Job, ServiceState, StoredReport, WarmAnalysis

__all__ = ["create_app"]

log = logging.getLogger("framesift.serve")

_STATUS = {Forbidden: 403, NotFound: 404, UnsupportedMedia: 415, BodyTooLarge: 413}
_OPEN_PATHS = {"/healthz"}
_SNIFF_BYTES = 4096


class RequestTimeout(Exception):
    """The work did not finish within the configured timeout (HTTP 504)."""


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message} | extra, status_code=status)


def _one_line(exc: ValidationError | RequestValidationError) -> tuple[int, str]:
    """The first validation problem as ``field: message`` (400 for a body that is not JSON at all)."""
    errors = exc.errors()
    if not errors:
        return 422, "invalid request"
    e = errors[0]
    if e.get("type") == "json_invalid":
        return 400, f"request body is not valid JSON ({e.get('ctx', {}).get('error', 'parse error')})"
    loc = [str(p) for p in e.get("loc", ()) if p not in ("body",)]
    where = ".".join(loc) or "body"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return 422, f"{where}: {e.get('msg', 'invalid')}{more}"


class _BodyLimit:
    """Refuse bodies over the limit: by ``Content-Length`` up front, and by counting while reading
    (a chunked upload without a length is cut off as soon as it passes the limit)."""

    def __init__(self, app: Any, json_limit: int, upload_limit: int) -> None:
        self.app, self.json_limit, self.upload_limit = app, json_limit, upload_limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        multipart = headers.get("content-type", "").lower().startswith("multipart/")
        limit = self.upload_limit if multipart else self.json_limit
        declared = headers.get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            response = _error(413, f"request body of {int(declared)} bytes is over this server's limit of {limit}")
            return await response(scope, receive, send)
        seen = 0

        async def limited() -> dict:
            nonlocal seen
            message = await receive()
            if message.get("type") == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(f"request body is over this server's limit of {limit} bytes")
            return message

        await self.app(scope, limited, send)


def _data_url(image: Any, max_side: int | None = None, quality: int = 85) -> str:
    import io

    im = image.convert("RGB")
    if max_side and max(im.size) > max_side:
        im = im.copy()
        im.thumbnail((max_side, max_side))
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _settings(req: Any) -> dict[str, Any]:
    ocr = req.ocr
    return {"fps": float(req.candidate_fps), "events": bool(req.events), "ocr": False if ocr == "off" else ocr}


def create_app(config: ServeConfig, state: ServiceState | None = None) -> FastAPI:
    """The ASGI app for ``config`` (models load in the startup hook, once)."""
    st = state or ServiceState(config)

    async def lifespan(app: FastAPI):  # noqa: ARG001
        if not st.warmed:
            await asyncio.to_thread(st.warm_up)
        log.info("framesift serve ready (models: %s)", st.models)
        yield
        st.close()

    app = FastAPI(
        title="framesift",
        version=__version__,
        summary="Pick the frames of a video that answer a question, under a frame or token budget.",
        docs_url=None,  # the Swagger page loads its scripts from a CDN: no network fetches here
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.fs = st
    app.add_middleware(_BodyLimit, json_limit=config.max_json_bytes, upload_limit=config.max_upload_bytes)

    # ------------------------------------------------------------------ errors
    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> JSONResponse:
        return _error(next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400), str(exc))

    @app.exception_handler(Busy)
    async def _busy(request: Request, exc: Busy) -> JSONResponse:
        return JSONResponse(
            {"error": f"server busy: {st.admission.limit} requests already waiting or running; retry later"},
            status_code=503,
            headers={"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(RequestTimeout)
    async def _timeout(request: Request, exc: RequestTimeout) -> JSONResponse:
        return _error(504, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = _one_line(exc)
        return _error(status, message)

    @app.exception_handler(ValidationError)
    async def _invalid_model(request: Request, exc: ValidationError) -> JSONResponse:
        status, message = _one_line(exc)
        return _error(status, message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        error_id = uuid.uuid4().hex[:12]
        log.error("internal error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc)
        return _error(500, "internal error (the server log has the details)", error_id=error_id)

    @app.middleware("http")
    async def _auth(request: Request, call_next):
        st.requests += 1
        if request.url.path not in _OPEN_PATHS and not check_token(request.headers.get("authorization"), config.token):
            return JSONResponse(
                {"error": "missing or wrong bearer token (send Authorization: Bearer <token>)"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return await call_next(request)

    async def wait(fut: Future, what: str) -> Any:
        try:
            return await asyncio.wait_for(asyncio.wrap_future(fut), config.timeout_s)
        except TimeoutError:
            raise RequestTimeout(
                f"{what} took longer than {config.timeout_s:g} s; it continues in the background, retry later"
            ) from None

    def resolve(raw: str, kind: str = "file", param: str = "video") -> Path:
        return resolve_in_roots(raw, st.roots, param=param, kind=kind)

    # ------------------------------------------------------------------ /healthz
    @app.get("/healthz", summary="Liveness, loaded models and queue state (no token needed).")
    async def healthz() -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "models": st.models,
            "queue": {"active": st.admission.active, "limit": st.admission.limit, "rejected": st.admission.rejected},
            "analyses_in_memory": len(st.analyses),
            "jobs": len(st.jobs),
            "uptime_s": round(time.time() - st.started, 1),
        }

    # ------------------------------------------------------------------ /select
    def run_select(req: SelectRequest, path: Path) -> dict[str, Any]:
        from ..api import select_from

        settings = _settings(req)
        visual = bool(req.visual and st.embedder is not None)
        in_memory = st.is_warm(st.analysis_key(path, settings, visual))
        warm = st.get_analysis(path, settings, visual)
        source = "memory" if in_memory else ("index" if "index_load" in warm.analysis.timings else "analysed")
        fetch = req.format != "manifest"
        with warm.lock:
            sel = select_from(
                warm.analysis,
                req.query,
                req.budget,
                strategy=req.strategy,
                params={k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in req.params.items()},
                seed=req.seed,
                fetch=fetch,
                budget_tokens=req.budget_tokens,
                model_family=req.model_family,
                embed_budget=req.embed_budget,
            )
            model_input = sel.to_format(req.format, req.query) if fetch else None
        rid = st.keep_report(sel, str(path), warm)
        manifest = sel.to_manifest()
        if not req.curves:
            manifest.pop("report", None)
        out: dict[str, Any] = {
            "report_id": rid,
            "report_url": f"/report/{rid}",
            "analysis": source,  # memory: warm; index: loaded from the on-disk index; analysed: decoded now
            "manifest": manifest,
        }
        if model_input is not None:
            out["format"] = req.format
            out["input"] = model_input
        return out

    async def read_select_request(request: Request) -> tuple[SelectRequest, Path]:
        ctype = request.headers.get("content-type", "").lower()
        if ctype.startswith("multipart/form-data"):
            return await read_upload(request)
        body = await request.body()
        try:
            obj = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"request body is not valid JSON ({exc})") from None
        if not isinstance(obj, dict):
            raise InputError("request body must be a JSON object with at least 'video'")
        req = SelectRequest.model_validate(obj)
        return req, resolve(req.video)

    async def read_upload(request: Request) -> tuple[SelectRequest, Path]:
        try:
            form = await request.form(max_files=1, max_fields=64, max_part_size=64 * 1024)
        except (BodyTooLarge, Busy):
            raise
        except Exception as exc:  # noqa: BLE001 - python-multipart's parse errors: the client's fault
            detail = getattr(exc, "detail", None) or str(exc) or type(exc).__name__
            raise InputError(f"malformed multipart body ({detail})") from None
        try:
            upload = form.get("video")
            if upload is None or isinstance(upload, str) or not hasattr(upload, "read"):
                raise InputError("a multipart /select needs the video file in the part named 'video'")
            fields: dict[str, Any] = {k: v for k, v in form.items() if k != "video" and isinstance(v, str)}
            if "params" in fields:
                try:
                    fields["params"] = json.loads(fields["params"])
                except ValueError:
                    raise InputError("form field 'params' must be a JSON object") from None
            req = SelectRequest.model_validate(fields | {"video": "upload"})  # bad fields fail before the copy
            path = await asyncio.to_thread(save_upload, upload.file, getattr(upload, "filename", None) or "upload")
        finally:
            await form.close()  # the spooled temporary file of the part
        return req.model_copy(update={"video": str(path)}), path

    def save_upload(src: Any, name: str) -> Path:
        """Copy an uploaded file into the upload dir under its content hash, after sniffing and probing it."""
        from ..errors import VideoError
        from ..video.probe import probe

        src.seek(0)
        head = src.read(_SNIFF_BYTES)
        kind = sniff_container(head)
        if kind is None:
            raise UnsupportedMedia(
                f"upload '{os.path.basename(name)[:80]}': not a video (its first bytes match no container framesift reads)"
            )
        tmp = st.upload_dir / f".{uuid.uuid4().hex}.partial"
        h = hashlib.sha256()
        try:
            with open(tmp, "wb") as out:
                chunk = head
                while chunk:
                    h.update(chunk)
                    out.write(chunk)
                    chunk = src.read(1 << 20)
            final = st.upload_dir / f"{h.hexdigest()[:32]}.{kind}"
            try:
                probe(tmp)
            except VideoError as exc:
                raise UnsupportedMedia(
                    f"upload '{os.path.basename(name)[:80]}': looks like {kind} but cannot be read as video ({exc})"
                ) from None
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return final

    select_body = {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/SelectRequest"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["video"],
                        "properties": {
                            "video": {"type": "string", "format": "binary", "description": "The video file."},
                            "query": {"type": "string"},
                            "budget": {"type": "integer", "minimum": 1, "maximum": 1024},
                            "budget_tokens": {"type": "integer", "minimum": 1},
                            "model_family": {"type": "string"},
                            "strategy": {"type": "string"},
                            "format": {"type": "string", "enum": ["manifest", "openai", "vllm", "qwen", "gemini"]},
                            "params": {"type": "string", "description": "Strategy parameters as a JSON object."},
                        },
                    }
                },
            },
        }
    }

    @app.post(
        "/select",
        summary="Choose the frames a model should see to answer a question (path or upload).",
        openapi_extra=select_body,
    )
    async def select_endpoint(request: Request) -> dict[str, Any]:
        req, path = await read_select_request(request)
        settings = _settings(req)
        visual = bool(req.visual and st.embedder is not None)
        warm = st.is_warm(st.analysis_key(path, settings, visual))
        if not warm:  # the hash of a few sampled MiB: cheap, but file I/O: off the event loop
            warm = await asyncio.to_thread(st.is_indexed, path, settings)
        # A video never analysed is decoded in the index pool: warm questions keep their own pool.
        pool = st.questions if warm else st.indexing
        return await wait(st.submit(pool, run_select, req, path), "this selection")

    # ------------------------------------------------------------------ /report/{id}
    def render(stored: StoredReport) -> str:
        from ..export.report import render_report

        sel = stored.selection
        with stored.lock:
            if not stored.images_fetched and sel.frames:
                warm = stored.warm
                if warm is not None:
                    with warm.lock:  # decoding shares the analysis's file with its other questions
                        sel.fetch()
                stored.images_fetched = True
            return render_report(sel.to_manifest(), [f.image for f in sel.frames])

    @app.get(
        "/report/{report_id}", summary="The self-contained HTML report of a selection.", response_class=HTMLResponse
    )
    async def report_endpoint(report_id: str) -> HTMLResponse:
        stored = st.reports.get(report_id)
        if stored is None:
            raise NotFound(
                f"no report '{report_id[:64]}' (reports are kept for the last {config.max_reports} selections)"
            )
        page = await wait(st.submit(st.questions, render, stored), "the report")
        return HTMLResponse(
            page,
            headers={
                "Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                "script-src 'unsafe-inline'",
                "Cache-Control": "no-store",
            },
        )

    # ------------------------------------------------------------------ /frames
    def run_frames(req: FramesRequest, path: Path) -> dict[str, Any]:
        from ..session import Session

        settings = _settings(req)
        if req.session:
            entry = st.sessions.get(req.session)
            if entry is None:
                raise NotFound(f"no session '{req.session}' (sessions are kept for the last {config.max_sessions})")
            session, spath = entry
            if spath != str(path):
                raise InputError(f"session '{req.session}' is about another video", param="session")
            sid = req.session
        else:
            warm = st.get_analysis(path, settings, False)
            session = Session(warm.analysis, budget=req.budget)
            sid = uuid.uuid4().hex[:16]
            st.sessions.put(sid, (session, str(path)))
        frames = session.zoom(req.start, req.end, fps=req.fps, k=req.k, max_side=req.max_side)
        out: dict[str, Any] = {
            "session": sid,
            "frames": [f.to_dict() | {"image": _data_url(f.image) if f.image is not None else None} for f in frames],
            "spent": session.spent,
            "left": session.left,
            "notes": list(session.notes),
        }
        if req.words:
            out["words"] = [w.to_dict() for w in session.words(req.start, req.end)]
        return out

    @app.post("/frames", summary="Frames of a span (a session's zoom; the session's budget spans calls).")
    async def frames_endpoint(req: FramesRequest) -> dict[str, Any]:
        path = resolve(req.video)
        settings = _settings(req)
        warm = st.is_warm(st.analysis_key(path, settings, False)) or await asyncio.to_thread(
            st.is_indexed, path, settings
        )
        return await wait(st.submit(st.questions if warm else st.indexing, run_frames, req, path), "these frames")

    # ------------------------------------------------------------------ /search
    def run_search(req: SearchRequest, paths: list[Path]) -> dict[str, Any]:
        from ..library import search

        if not paths:
            return {"query": req.query, "moments": [], "searched": 0}
        s = _settings(req)
        moments = search(
            [str(p) for p in paths],
            req.query,
            top=req.top,
            cache=st.store,
            model=st.embedder,
            index_missing=False,
            fps=s["fps"],
            events=s["events"],
            ocr=s["ocr"],
            min_gap_s=req.min_gap_s,
            thumbs_dir=st.store.root / "thumbs",
        )
        out = []
        for m in moments:
            d = m.to_dict()
            thumb = d.pop("thumbnail", None)
            if req.thumbnails and thumb and Path(thumb).is_file():
                d["thumbnail"] = "data:image/jpeg;base64," + base64.b64encode(Path(thumb).read_bytes()).decode()
            out.append(d)
        return {"query": req.query, "moments": out, "searched": len(paths)}

    def indexed_under_roots() -> list[Path]:
        found = []
        for e in st.store.entries():
            if not (e.valid and e.video):
                continue
            try:
                found.append(resolve(e.video))
            except InputError:
                continue  # indexed from outside the roots, or gone
        return list(dict.fromkeys(found))

    @app.post("/search", summary="Moments across indexed videos for a text query.")
    async def search_endpoint(req: SearchRequest) -> dict[str, Any]:
        if req.videos:
            paths = [resolve(v, param="videos") for v in req.videos]
        else:
            paths = await asyncio.to_thread(indexed_under_roots)
        return await wait(st.submit(st.questions, run_search, req, paths), "this search")

    # ------------------------------------------------------------------ /index + /jobs
    def run_job(job: Job, paths: list[Path], req: IndexRequest) -> None:
        from ..library import index_video

        job.state = "running"
        settings = _settings(req)
        visual = bool(req.visual and st.embedder is not None)

        def progress(stage: str, done: int, total: int) -> None:
            job.stage, job.stage_done, job.stage_total = stage, done, total

        try:
            for p in paths:
                job.current, job.stage, job.stage_done, job.stage_total = str(p), None, 0, 0
                try:
                    r = index_video(
                        p, cache=st.store, model=st.embedder if visual else None, progress=progress, **settings
                    )
                    if r.analysis is not None and not visual:
                        st.analyses.put(st.analysis_key(p, settings, False), WarmAnalysis(r.analysis))
                    d = r.to_dict()
                    d.pop("entry", None)
                    job.results.append(d)
                except InputError as exc:
                    job.results.append({"video": str(p), "status": "error", "error": str(exc)})
                job.done += 1
            job.state = "done"
        except Exception as exc:  # noqa: BLE001 - a bug: the job fails, the log has the traceback
            job.error_id = uuid.uuid4().hex[:12]
            log.error("index job %s failed (error id %s)", job.id, job.error_id, exc_info=exc)
            job.state, job.error = "failed", "internal error (the server log has the details)"
        finally:
            job.current, job.finished = None, time.time()

    def expand(raw: list[str]) -> list[Path]:
        from ..library import VIDEO_SUFFIXES

        out: list[Path] = []
        for v in raw:
            p = resolve(v, kind="any", param="videos")
            if p.is_dir():
                for q in sorted(p.rglob("*")):
                    if q.suffix.lower() in VIDEO_SUFFIXES:
                        try:  # a link inside an allowed dir may point outside it: check each file
                            out.append(resolve(str(q), kind="file", param="videos"))
                        except InputError:
                            continue
            else:
                out.append(p)
        if not out:
            raise InputError("no video files among the given paths", param="videos")
        return list(dict.fromkeys(out))

    @app.post("/index", status_code=202, summary="Index videos in the background; poll GET /jobs/{id}.")
    async def index_endpoint(req: IndexRequest) -> dict[str, Any]:
        paths = await asyncio.to_thread(expand, req.videos)
        job = st.new_job([str(p) for p in paths])
        st.submit(st.indexing, run_job, job, paths, req, slots=st.job_slots)
        return {"job": job.id, "url": f"/jobs/{job.id}", "videos": len(paths)}

    @app.get("/jobs/{job_id}", summary="Progress and results of an /index job.")
    async def job_endpoint(job_id: str) -> dict[str, Any]:
        job = st.jobs.get(job_id)
        if job is None:
            raise NotFound(f"no job '{job_id[:64]}'")
        return job.to_dict()

    # ------------------------------------------------------------------ schema
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            comps = schema.setdefault("components", {}).setdefault("schemas", {})
            model_schema = SelectRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            comps.update(model_schema.pop("$defs", {}))
            comps["SelectRequest"] = model_schema
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
