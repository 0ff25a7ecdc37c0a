"""OpenAI-format messages: true timestamps before each image, decodable JPEGs within the caps."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

import framesift.export.openai as oai
from framesift.api import select
from framesift.errors import InputError
from framesift.export.openai import format_timestamp, openai_messages


@pytest.fixture(scope="module")
def selection(needle_video):
    return select(needle_video.path, "", 5, strategy="uniform", ocr=False, events=False, fetch=True)


def _images(msgs):
    parts = msgs[-1]["content"]
    out = []
    for k, p in enumerate(parts):
        if p["type"] == "image_url":
            url = p["image_url"]["url"]
            assert url.startswith("data:image/jpeg;base64,")
            out.append((parts[k - 1]["text"], Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))), p))
    return out


def test_each_image_follows_its_true_time(selection):
    msgs = openai_messages(selection.frames, selection.video, "What happens?", system="Be brief.")
    assert msgs[0] == {"role": "system", "content": "Be brief."}
    assert msgs[-1]["role"] == "user" and msgs[-1]["content"][-1] == {"type": "text", "text": "What happens?"}
    imgs = _images(msgs)
    assert len(imgs) == len(selection.frames) == 5
    for (label, img, part), frame in zip(imgs, sorted(selection.frames, key=lambda f: f.time)):
        assert f"({frame.time:.1f} s)" in label and format_timestamp(frame.time) in label
        assert img.format == "JPEG" and max(img.size) <= 768
        assert part["image_url"]["detail"] == "auto"
    # the source is 640x360: no upscaling, aspect ratio kept
    assert imgs[0][1].size == (640, 360)


def test_max_side_and_frames_without_images(selection):
    for f in selection.frames:
        f.image = None  # decoded again from the video by Selection.to_openai_messages (exporters never decode)
    imgs = _images(selection.to_openai_messages("q", max_side=200, detail="low"))
    assert [im.size for _, im, _ in imgs] == [(200, 112)] * 5
    assert all(p["image_url"]["detail"] == "low" for _, _, p in imgs)


def test_payload_cap_shrinks_images_not_frames(selection, monkeypatch):
    full = sum(
        len(p["image_url"]["url"])
        for _, _, p in _images(openai_messages(selection.frames, selection.video, "q", max_side=0))
    )
    monkeypatch.setattr(oai, "MAX_PAYLOAD_BYTES", full // 6)
    imgs = _images(openai_messages(selection.frames, selection.video, "q", max_side=0))
    assert len(imgs) == 5
    assert sum(len(p["image_url"]["url"]) - len("data:image/jpeg;base64,") for _, _, p in imgs) <= full // 6


def test_bad_options(selection):
    with pytest.raises(InputError, match="detail"):
        openai_messages(selection.frames, selection.video, "q", detail="huge")
    with pytest.raises(InputError, match="jpeg_quality"):
        openai_messages(selection.frames, selection.video, "q", jpeg_quality=0)


def test_format_timestamp():
    assert format_timestamp(75.25) == "01:15.2" or format_timestamp(75.25) == "01:15.3"
    assert format_timestamp(3725.0) == "1:02:05.0"
    assert format_timestamp(0) == "00:00.0"
