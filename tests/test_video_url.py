"""Videos by URL against a real HTTP server on loopback (tests/_http_server.py).

The served file is the 30 fps fixture that paints each frame's index into its pixels, so a
selection read over HTTP can be checked frame by frame against the same file read locally.
"""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest

import framesift
from _http_server import serve
from _odd_videos import frame_id_from_pixels
from framesift.errors import InputError, VideoError
from framesift.video import remote
from framesift.video.probe import probe


@pytest.fixture()
def served(tmp_path, cfr_video):
    shutil.copy(cfr_video.path, tmp_path / "clip.mp4")
    servers = []

    def start(**mode):
        srv = serve(tmp_path, **mode)
        servers.append(srv)
        return srv

    yield start, tmp_path / "clip.mp4"
    for srv in servers:
        srv.close()


def _select(video):
    return framesift.select(video, "", 5, strategy="auto", fps=10, ocr=False, events=False)


def _check_true(sel):
    assert [frame_id_from_pixels(np.asarray(f.image)) for f in sel.frames] == sel.indices


def test_range_requests_read_the_same_frames_as_the_local_file(served):
    start, local = served
    srv = start(ranges=True)
    remote_sel = _select(srv.url("clip.mp4"))
    local_sel = _select(str(local))
    assert remote_sel.indices == local_sel.indices and remote_sel.times == local_sel.times
    _check_true(remote_sel)
    assert remote_sel.video.path == srv.url("clip.mp4")
    gets = [e for e in srv.log if e[0] == "GET"]
    assert gets and all(e[1] and e[1].startswith("bytes=") for e in gets)  # every read was ranged
    assert any(e[1] != "bytes=0-" and e[2] == 206 for e in gets)  # and some started past byte 0 (seeks)


def test_a_server_without_ranges_is_refused_in_one_line(served):
    start, _ = served
    srv = start(ranges=False)
    with pytest.raises(VideoError, match="does not serve byte ranges"):
        _select(srv.url("clip.mp4"))
    assert all(e[0] == "HEAD" or e[1] == "bytes=0-0" for e in srv.log)  # refused before decoding


def test_a_slow_server_still_gives_the_true_frames(served):
    start, local = served
    srv = start(ranges=True, delay=0.01)
    sel = _select(srv.url("clip.mp4"))
    assert sel.indices == _select(str(local)).indices
    _check_true(sel)


def test_a_stalled_server_times_out_instead_of_hanging(served, monkeypatch):
    start, _ = served
    srv = start(ranges=True, delay=5.0)  # 5 s before each 64 KiB: nothing arrives in time
    monkeypatch.setattr(remote, "DEFAULT_TIMEOUT", 0.5)
    t0 = time.monotonic()
    with pytest.raises(VideoError):
        probe(srv.url("clip.mp4"))
    assert time.monotonic() - t0 < 30  # bounded (the limit is generous: no timing claim)


def test_a_dropped_connection_is_resumed(served):
    start, local = served
    size = local.stat().st_size
    srv = start(ranges=True, drop_after=size // 3, drops=2)
    sel = _select(srv.url("clip.mp4"))
    assert sel.indices == _select(str(local)).indices
    _check_true(sel)
    assert any(e[3] == size // 3 for e in srv.log)  # the drops really happened


def test_index_key_follows_the_validators(served):
    start, local = served
    srv = start(ranges=True)
    url = srv.url("clip.mp4")
    key = remote.remote_key(url)
    assert remote.remote_key(url) == key
    data = local.read_bytes()
    local.write_bytes(data + b"\0" * 16)  # a changed resource: new size and ETag
    assert remote.remote_key(url) != key
    bare = start(ranges=True, etag=False)
    with pytest.raises(VideoError, match="no ETag or Last-Modified"):
        remote.remote_key(bare.url("clip.mp4"))


def test_a_missing_url_is_one_clear_error(served):
    start, _ = served
    srv = start()
    with pytest.raises(VideoError, match="HTTP 404"):
        probe(srv.url("nope.mp4"))


def test_the_index_serves_a_url_again_without_decoding_it(served, tmp_path):
    start, _ = served
    srv = start(ranges=True)
    url, cache = srv.url("clip.mp4"), tmp_path / "index"
    first = framesift.select(url, "", 4, fps=10, ocr=False, events=False, cache=cache)
    n = len(srv.log)
    again = framesift.select(url, "", 4, fps=10, ocr=False, events=False, cache=cache)
    assert again.indices == first.indices
    later = srv.log[n:]
    assert later[0][0] == "HEAD"  # the key: validators + size
    assert len(later) < n  # no probe or candidate decode: the key, then the chosen frames only
    _check_true(again)


def _page(folder, video="clip.mp4"):
    (folder / "talk.html").write_text(
        f'<html><head><title>A talk</title></head><body><video controls src="{video}"></video></body></html>'
    )


def test_a_web_page_goes_through_yt_dlp_and_reads_only_its_video(served):
    pytest.importorskip("yt_dlp", reason="yt-dlp comes with framesift[integrations] / [test]")
    start, local = served
    _page(local.parent)
    srv = start(ranges=True)
    sel = _select(srv.url("talk.html"))
    assert sel.indices == _select(str(local)).indices and sel.video.path == srv.url("talk.html")
    _check_true(sel)
    gets = [e for e in srv.log if e[0] == "GET" and e[1]]
    assert gets and all(e[2] == 206 for e in gets)  # the video itself was read by ranges


def test_a_web_page_without_yt_dlp_names_the_extra(served, monkeypatch):
    import sys

    start, local = served
    _page(local.parent)
    srv = start(ranges=True)
    monkeypatch.setitem(sys.modules, "yt_dlp", None)  # as if not installed
    with pytest.raises(InputError, match=r"pip install 'framesift\[integrations\]'"):
        probe(srv.url("talk.html"))


def test_cli_select_takes_a_url(served, capsys):
    import json

    from framesift.cli import main

    start, local = served
    srv = start(ranges=True)
    assert main(["select", srv.url("clip.mp4"), "-b", "4", "--fps", "10", "--ocr", "off", "--no-cache", "--json"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert manifest["video"]["path"] == srv.url("clip.mp4") and len(manifest["frames"]) == 4
    bare = start(ranges=False)
    assert main(["select", bare.url("clip.mp4"), "-b", "4", "--ocr", "off", "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert "does not serve byte ranges" in err and "Traceback" not in err
