"""The HTML report: one self-contained page that shows *why* these frames were chosen.

Input is the manifest (a plain dict, as written to ``manifest.json``; its optional ``report`` key
holds the per-candidate curves, see :mod:`framesift.report_data`) and one image per frame (or
None); no :class:`~framesift.api.Selection`, no decoding. The page draws, on one shared time
axis: every channel's relevance curve (subtitle, speech, on-screen text, visual, fused), the
candidates and the detected momentary events as ticks, the spans coarse-to-fine scoring starts
from, and the picks; below, each pick as a thumbnail with its reason, and the run's timings.
Clicking a pick (card or marker) opens its full frame with the words around it.

Everything is inline: CSS, the script that draws SVG, the data as JSON, the images as JPEG data
URLs. A Content-Security-Policy forbids any network fetch, so the file opens the same from disk,
from an e-mail attachment or from the service. User text (the query, subtitles, OCR) is only ever
put into the page with ``textContent``, never parsed as HTML.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from .._atomic import write_text_atomic

__all__ = ["CHANNEL_ORDER", "render_report", "write_report"]

#: Curve rows, top to bottom, with their colours (``fused`` last: it is what selection used).
CHANNEL_ORDER: tuple[tuple[str, str, str], ...] = (
    ("subtitle", "subtitles", "#2b7bb9"),
    ("speech", "speech", "#8e44ad"),
    ("ocr", "on-screen text", "#d35400"),
    ("visual", "visual model", "#16a085"),
    ("fused", "fused", "#222222"),
)

_THUMB_SIDE = 240
_FULL_SIDE = 1280


def _data_url(image: Image.Image, side: int, quality: int) -> str:
    im = image.convert("RGB")
    if max(im.size) > side:
        im = im.copy()
        im.thumbnail((side, side), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _script_json(obj: Any) -> str:
    """JSON safe inside ``<script type=application/json>``: no ``</script>`` or comment openers."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_report(manifest: dict[str, Any], images: Sequence[Image.Image | None] | None = None) -> str:
    """The report page for ``manifest`` (see the module docstring); ``images`` align with ``manifest["frames"]``."""
    frames = list(manifest.get("frames") or [])
    imgs = list(images) if images is not None else [None] * len(frames)
    if len(imgs) != len(frames):
        raise ValueError(f"{len(imgs)} images for {len(frames)} frames")
    pictures = [
        {"thumb": _data_url(im, _THUMB_SIDE, 80), "full": _data_url(im, _FULL_SIDE, 88)} if im is not None else None
        for im in imgs
    ]
    data = {
        "manifest": {k: v for k, v in manifest.items() if k != "report"},
        "report": manifest.get("report"),
        "pictures": pictures,
        "channels": [list(c) for c in CHANNEL_ORDER],
    }
    video = manifest.get("video") or {}
    title = f"framesift report: {Path(str(video.get('path', 'video'))).name}"
    return (
        _TEMPLATE.replace("__TITLE__", html.escape(title))
        .replace("__CSS__", _CSS)
        .replace("__DATA__", _script_json(data))
        .replace("__JS__", _JS)
    )


def write_report(
    path: str | Path, manifest: dict[str, Any], images: Sequence[Image.Image | None] | None = None
) -> Path:
    """Render the report and write it to ``path`` atomically (temporary file renamed into place)."""
    return write_text_atomic(Path(path), render_report(manifest, images))


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>__CSS__</style>
</head>
<body>
<header id="head"></header>
<section id="timeline-section"><h2>Timeline</h2><div id="timeline"></div><div id="legend"></div></section>
<section><h2>Picks</h2><div id="picks"></div></section>
<section id="detail" hidden>
  <div class="detail-bar"><strong id="detail-title"></strong><button id="detail-close" type="button">close</button></div>
  <div class="detail-body"><img id="detail-image" alt="full frame"><div id="detail-text"></div></div>
</section>
<section class="two"><div><h2>Timings</h2><div id="timings"></div></div><div><h2>Signals and notes</h2><div id="signals"></div></div></section>
<script id="framesift-data" type="application/json">__DATA__</script>
<script>__JS__</script>
</body>
</html>
"""

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1400px;padding:12px 20px;color:#222;background:#fafafa}
h1{font-size:20px;margin:4px 0}h2{font-size:16px;margin:18px 0 6px}
.meta{color:#555}.meta span{margin-right:14px}
#timeline svg{width:100%;height:auto;background:#fff;border:1px solid #ddd;display:block}
.axis text,.rowlabel{font-size:11px;fill:#555}
.pickline{stroke:#c0392b;stroke-width:1.5;cursor:pointer}.pickline:hover,.pickline.sel{stroke-width:4}
.pickdot{fill:#c0392b;cursor:pointer}
#legend span{display:inline-block;margin-right:14px;font-size:12px}#legend i{display:inline-block;width:14px;height:3px;margin-right:4px;vertical-align:middle}
#picks{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:10px}
.pick{background:#fff;border:1px solid #ddd;border-radius:6px;padding:6px;cursor:pointer}
.pick:hover,.pick.sel{border-color:#c0392b;box-shadow:0 0 0 2px #c0392b33}
.pick img,.pick .noimg{width:100%;aspect-ratio:16/9;object-fit:contain;background:#111;display:block;border-radius:3px}
.pick .noimg{color:#aaa;display:flex;align-items:center;justify-content:center;font-size:12px}
.pick .t{font-weight:600}.pick .role{color:#555;font-size:12px}.pick .why{font-size:12px;margin-top:3px}
#detail{background:#fff;border:2px solid #c0392b;border-radius:6px;padding:8px;margin-top:14px}
.detail-bar{display:flex;justify-content:space-between;align-items:center}
.detail-body{display:flex;gap:14px;flex-wrap:wrap;margin-top:6px}
#detail-image{max-width:min(100%,900px);max-height:70vh;background:#111}
#detail-text{flex:1;min-width:260px}#detail-text li{margin-bottom:4px}
.two{display:grid;grid-template-columns:1fr 1fr;gap:20px}
table{border-collapse:collapse;font-size:12px}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}
.bar{display:inline-block;height:9px;background:#2b7bb9;vertical-align:middle}
.muted{color:#888}
"""

# The drawing script: plain DOM + SVG, no library. Every user-provided string goes through
# textContent (el(..., text)); attributes are set with setAttribute, never by building markup.
_JS = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("framesift-data").textContent);
  var M = D.manifest, R = D.report, P = D.pictures;
  var SVGNS = "http://www.w3.org/2000/svg";
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function sv(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function fmt(t) {
    var s = Math.abs(t), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s - 3600 * h - 60 * m;
    var rs = (r < 10 ? "0" : "") + r.toFixed(2);
    return (t < 0 ? "-" : "") + (h ? h + ":" + (m < 10 ? "0" : "") + m : (m < 10 ? "0" : "") + m) + ":" + rs;
  }
  var video = M.video || {}, frames = M.frames || [];

  // ---- header
  var head = document.getElementById("head");
  head.appendChild(el("h1", {}, "framesift: " + (video.path || "video")));
  var meta = el("div", {"class": "meta"});
  var budget = M.budget || {};
  [["query", M.query ? "\u201c" + M.query + "\u201d" : "(none: query-agnostic)"],
   ["strategy", M.strategy], ["frames", frames.length + " of " + (M.num_candidates || "?") + " candidates"],
   ["budget", budget.tokens ? budget.tokens_spent + " / " + budget.tokens + " " + budget.model_family + " tokens" : budget.frames],
   ["duration", fmt(video.duration || 0)], ["size", video.width + "x" + video.height + " @ " + video.fps + " fps"]
  ].forEach(function (kv) { var s = el("span"); s.appendChild(el("b", {}, kv[0] + ": ")); s.appendChild(document.createTextNode(String(kv[1]))); meta.appendChild(s); });
  head.appendChild(meta);

  // ---- timeline
  var W = 1200, L = 110, RPAD = 34, rowH = 46, gap = 8;
  var t0 = video.start_time || 0, dur = Math.max(video.duration || 0, 1e-6);
  if (R && R.candidates && R.candidates.time.length) {
    var tl = R.candidates.time[R.candidates.time.length - 1];
    if (tl - t0 > dur) dur = tl - t0;
  }
  function x(t) { return L + (W - L - RPAD) * Math.min(Math.max((t - t0) / dur, 0), 1); }
  var rows = [];
  var channels = (R && R.channels) || {};
  D.channels.forEach(function (c) { rows.push({kind: "curve", name: c[0], label: c[1], color: c[2]}); });
  rows.push({kind: "ticks", name: "candidates", label: "candidates"});
  rows.push({kind: "events", name: "events", label: "events"});
  rows.push({kind: "spans", name: "spans", label: "spans"});
  var H = 24 + rows.length * (rowH + gap) + 22;
  var svg = sv("svg", {viewBox: "0 0 " + W + " " + H, id: "timeline-svg", role: "img"});
  svg.appendChild(sv("title", {}, "relevance of every candidate over time, and the picks"));
  var y = 14;
  rows.forEach(function (row) {
    var g = sv("g", {id: "row-" + row.name, "class": "row"});
    g.appendChild(sv("rect", {x: L, y: y, width: W - L - RPAD, height: rowH, fill: "#f6f6f6"}));
    g.appendChild(sv("text", {x: 4, y: y + rowH / 2 + 4, "class": "rowlabel"}, row.label));
    var times = R && R.candidates ? R.candidates.time : [];
    if (row.kind === "curve") {
      var vals = channels[row.name];
      if (vals && vals.length === times.length && times.length) {
        var pts = times.map(function (t, i) { return x(t).toFixed(1) + "," + (y + rowH - 2 - (rowH - 4) * Math.max(0, Math.min(1, vals[i]))).toFixed(1); });
        g.appendChild(sv("polyline", {points: pts.join(" "), fill: "none", stroke: row.color, "stroke-width": 1.4, id: "curve-" + row.name, "class": "curve"}));
        var best = Math.max.apply(null, vals);
        g.appendChild(sv("text", {x: W - RPAD - 4, y: y + 11, "text-anchor": "end", "class": "rowlabel"}, "max " + best.toFixed(2)));
      } else {
        g.appendChild(sv("text", {x: L + 8, y: y + rowH / 2 + 4, "class": "rowlabel"}, "not available for this video / run"));
      }
    } else if (row.kind === "ticks") {
      var colors = {grid: "#999", event: "#e67e22", subtitle: "#2b7bb9"};
      times.forEach(function (t, i) {
        var s = R.candidates.source[i];
        g.appendChild(sv("line", {x1: x(t), x2: x(t), y1: y + (s === "grid" ? 24 : 8), y2: y + rowH - 4, stroke: colors[s] || "#999", "stroke-width": 1, "class": "tick tick-" + s}));
      });
      if (R && R.visual_embedded) R.visual_embedded.forEach(function (t) {
        g.appendChild(sv("circle", {cx: x(t), cy: y + 5, r: 2, fill: "#16a085", "class": "embedded"}));
      });
    } else if (row.kind === "events") {
      ((R && R.events) || []).forEach(function (e) {
        var h = Math.min(1, e.strength / 4) * (rowH - 8) + 6;
        var line = sv("line", {x1: x(e.time), x2: x(e.time), y1: y + rowH - 2 - h, y2: y + rowH - 2, stroke: e.transient ? "#c0392b" : "#7f8c8d", "stroke-width": 2, "class": "event" + (e.transient ? " transient" : "")});
        line.appendChild(sv("title", {}, fmt(e.time) + (e.transient ? " momentary event" : " change") + " (" + e.strength + "x threshold)"));
        g.appendChild(line);
      });
    } else if (row.kind === "spans") {
      ((R && R.spans) || []).forEach(function (s, i) {
        var a = x(s[0]), b = Math.max(x(s[1]), a + 1.5);
        var r = sv("rect", {x: a, y: y + 10, width: b - a, height: rowH - 20, fill: i % 2 ? "#bdc3c7" : "#95a5a6", "class": "span"});
        r.appendChild(sv("title", {}, "span " + (i + 1) + ": " + fmt(s[0]) + " - " + fmt(s[1])));
        g.appendChild(r);
      });
    }
    svg.appendChild(g);
    y += rowH + gap;
  });
  // time axis
  var axis = sv("g", {"class": "axis"});
  var step = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].filter(function (s) { return dur / s <= 12; })[0] || 7200;
  for (var tt = Math.ceil(t0 / step) * step; tt <= t0 + dur + 1e-9; tt += step) {
    axis.appendChild(sv("line", {x1: x(tt), x2: x(tt), y1: 10, y2: y, stroke: "#e3e3e3"}));
    axis.appendChild(sv("text", {x: x(tt), y: y + 12, "text-anchor": "middle"}, fmt(tt)));
  }
  svg.insertBefore(axis, svg.firstChild.nextSibling);
  // picks across every row
  var pickG = sv("g", {id: "pick-markers"});
  frames.forEach(function (f, k) {
    var line = sv("line", {x1: x(f.time), x2: x(f.time), y1: 10, y2: y - gap, "class": "pickline", "data-pick": k});
    line.appendChild(sv("title", {}, "pick " + (k + 1) + ": " + fmt(f.time) + " #" + f.index));
    line.addEventListener("click", function () { show(k); });
    pickG.appendChild(line);
    var dot = sv("circle", {cx: x(f.time), cy: 8, r: 5, "class": "pickdot", "data-pick": k});
    dot.addEventListener("click", function () { show(k); });
    pickG.appendChild(dot);
  });
  svg.appendChild(pickG);
  document.getElementById("timeline").appendChild(svg);
  var legend = document.getElementById("legend");
  [["#c0392b", "picks (click one)"], ["#e67e22", "event candidates"], ["#999", "grid candidates"], ["#16a085", "embedded by the visual model"]].forEach(function (c) {
    var s = el("span"); var i = el("i"); i.style.background = c[0]; s.appendChild(i); s.appendChild(document.createTextNode(c[1])); legend.appendChild(s);
  });

  // ---- pick cards
  var picks = document.getElementById("picks");
  frames.forEach(function (f, k) {
    var card = el("div", {"class": "pick", id: "pick-" + k, "data-index": f.index, tabindex: 0, role: "button"});
    if (P[k]) card.appendChild(el("img", {src: P[k].thumb, alt: "frame " + f.index}));
    else card.appendChild(el("div", {"class": "noimg"}, "no image in this report"));
    card.appendChild(el("div", {"class": "t"}, (k + 1) + ". " + fmt(f.time) + "  #" + f.index));
    card.appendChild(el("div", {"class": "role"}, f.role + " \u00b7 " + f.source + (f.scores && f.scores.fused !== undefined ? " \u00b7 fused " + Number(f.scores.fused).toFixed(2) : "")));
    card.appendChild(el("div", {"class": "why"}, f.reason));
    card.addEventListener("click", function () { show(k); });
    card.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); show(k); } });
    picks.appendChild(card);
  });

  // ---- detail of one pick
  var detail = document.getElementById("detail");
  function show(k) {
    var f = frames[k];
    document.querySelectorAll(".pick.sel, .pickline.sel").forEach(function (e) { e.classList.remove("sel"); });
    document.getElementById("pick-" + k).classList.add("sel");
    document.querySelectorAll('.pickline[data-pick="' + k + '"]').forEach(function (e) { e.classList.add("sel"); });
    document.getElementById("detail-title").textContent = "pick " + (k + 1) + ": " + fmt(f.time) + "  frame #" + f.index + "  (" + f.resolution.join("x") + ")";
    var img = document.getElementById("detail-image");
    if (P[k]) { img.src = P[k].full; img.hidden = false; img.setAttribute("data-index", f.index); } else { img.removeAttribute("src"); img.hidden = true; }
    var box = document.getElementById("detail-text");
    box.textContent = "";
    box.appendChild(el("p", {}, f.reason));
    var scores = el("p", {"class": "muted"}, Object.keys(f.scores || {}).map(function (c) { var v = f.scores[c]; return c + " " + (typeof v === "number" ? v.toFixed(3) : v); }).join(" \u00b7 "));
    box.appendChild(scores);
    var words = R && R.words ? R.words[k] : null;
    if (words) {
      box.appendChild(el("h3", {}, "Said (subtitles)"));
      var ul = el("ul");
      words.subtitles.forEach(function (w) { ul.appendChild(el("li", {"class": "said"}, fmt(w.start) + "\u2013" + fmt(w.end) + "  " + w.text)); });
      if (!words.subtitles.length) ul.appendChild(el("li", {"class": "muted"}, "nothing within 3 s"));
      box.appendChild(ul);
      box.appendChild(el("h3", {}, "Written on screen (OCR)"));
      var ul2 = el("ul");
      words.ocr.forEach(function (w) { ul2.appendChild(el("li", {"class": "written"}, fmt(w.time) + "  " + w.text)); });
      if (!words.ocr.length) ul2.appendChild(el("li", {"class": "muted"}, "nothing read within 3 s"));
      box.appendChild(ul2);
    }
    detail.hidden = false;
    detail.scrollIntoView({block: "nearest"});
  }
  document.getElementById("detail-close").addEventListener("click", function () { detail.hidden = true; });

  // ---- timings and signals
  var timings = M.timings || {};
  var total = Object.keys(timings).reduce(function (a, k) { return a + timings[k]; }, 0) || 1;
  var tb = el("table", {id: "timings-table"});
  Object.keys(timings).forEach(function (k) {
    var tr = el("tr"); tr.appendChild(el("td", {}, k)); tr.appendChild(el("td", {}, timings[k].toFixed(3) + " s"));
    var td = el("td"); var b = el("span", {"class": "bar"}); b.style.width = Math.max(1, 240 * timings[k] / total) + "px"; td.appendChild(b); tr.appendChild(td);
    tb.appendChild(tr);
  });
  var trt = el("tr"); trt.appendChild(el("th", {}, "total")); trt.appendChild(el("th", {}, total.toFixed(3) + " s")); tb.appendChild(trt);
  document.getElementById("timings").appendChild(tb);
  var sig = document.getElementById("signals");
  var st = el("table");
  Object.keys(M.signals || {}).forEach(function (k) {
    var v = M.signals[k]; if (!v || typeof v !== "object") return;
    var tr = el("tr"); tr.appendChild(el("td", {}, k));
    tr.appendChild(el("td", {}, v.available === undefined ? "" : (v.available ? (v.used ? "used" : "available, not used") : "not available")));
    st.appendChild(tr);
  });
  sig.appendChild(st);
  var notes = M.notes || [];
  if (notes.length) { var ul = el("ul"); notes.forEach(function (n) { ul.appendChild(el("li", {}, n)); }); sig.appendChild(ul); }
  if (!R) sig.appendChild(el("p", {"class": "muted"}, "This manifest carries no per-candidate curves (made before schema 1.3): only the picks are shown."));
  document.body.setAttribute("data-ready", "1");
})();
"""
