"""OCR reading overlapped with decoding: same text as reading afterwards, real clip, real PP-OCR."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PIL import Image, ImageDraw
from tests._encode import encode_rgb

from framesift.bench.render import _font
from framesift.signals.ocr import OcrPool, get_ocr_engine
from framesift.signals.ocr_reader import SlotReader
from framesift.video.candidates import extract_candidates
from framesift.video.probe import probe

CARDS = ["GATE 41 CLOSED", "ROOM 7B OPEN", "CODE 5512", "EXIT NORTH", "PLATFORM 9", "BUS 23 LATE"]


def _card(text: str, k: int) -> np.ndarray:
    img = Image.new("RGB", (640, 360), (20 + 30 * k, 40, 90))
    d = ImageDraw.Draw(img)
    y = 20 + 55 * k  # a new place each time: the pool counts text boxes that are new
    d.rectangle((60, y, 580, y + 60), fill=(245, 245, 245))
    d.text((80, y + 8), text, font=_font(40), fill=(10, 10, 10))
    return np.asarray(img)


@pytest.fixture(scope="module")
def cards_clip(tmp_path_factory: pytest.TempPathFactory):
    """One text card per 1.5 s at 10 fps, each with a different background (a change, new text)."""
    frames = [_card(text, k) for k, text in enumerate(CARDS) for _ in range(15)]
    path = encode_rgb(tmp_path_factory.mktemp("ocr") / "cards.mp4", frames, fps=10.0, gop=50)
    info, table = probe(path)
    return path, info, table


def _reads(clip, max_frames: int, overlap: bool):
    path, info, table = clip
    pool = OcrPool(info, max_frames, overlap=overlap, stride_s=1.0)
    extract_candidates(path, info, table, taps=[pool])
    return pool, pool.read()


def test_overlapped_reading_gives_the_serial_text(cards_clip):
    _, serial = _reads(cards_clip, 16, overlap=False)
    pool, overlapped = _reads(cards_clip, 16, overlap=True)
    # every card was read, in time order (what a correct reader must give in either mode)
    joined = [r.text.replace(" ", "") for r in serial]
    for card in CARDS:
        assert any(card.replace(" ", "") in t for t in joined), (card, joined)
    assert [r.time for r in serial] == sorted(r.time for r in serial)
    assert overlapped == serial  # same frames, same lines, boxes and confidences
    assert pool.read_count == len(serial) == pool.screened == len(CARDS)  # one screen per new picture


def test_a_small_pool_evicts_and_still_matches_serial(cards_clip):
    _, serial = _reads(cards_clip, 2, overlap=False)
    _, overlapped = _reads(cards_clip, 2, overlap=True)
    assert 1 <= len(serial) <= 2
    assert overlapped == serial


def test_a_slot_overwritten_while_it_is_read_gives_the_new_frame():
    slots = np.zeros((1, 2, 2, 3), dtype=np.uint8)
    started, release = threading.Event(), threading.Event()

    def read(image, index, time):
        if index == 1:
            started.set()
            release.wait(5)
        return (index, int(image[0, 0, 0]))

    reader = SlotReader(read, threads=1)
    reader.slots = slots
    with reader.lock:
        slots[0] = 1
        reader.kept(0, 1, 0.1, 1.0)
    assert started.wait(5)  # frame 1 is being read from a copy of its pixels...
    with reader.lock:  # ...when the pool gives its slot to frame 2
        slots[0] = 2
        reader.kept(0, 2, 0.2, 2.0)
    release.set()
    assert reader.finish([(0, 2)]) == [(2, 2)]
    assert reader.discarded == 1


def test_frames_are_read_before_finish_is_called():
    slots = np.zeros((2, 2, 2, 3), dtype=np.uint8)
    read_in = []
    done = threading.Event()

    def read(image, index, time):
        read_in.append(threading.current_thread().name)
        done.set()
        return index

    reader = SlotReader(read)
    reader.slots = slots
    with reader.lock:
        reader.kept(0, 7, 0.7, 1.0)
    assert done.wait(5)  # read in the background, nobody asked yet
    assert read_in == ["framesift-ocr"] and reader.early == 1
    assert reader.finish([(0, 7)]) == [7]


def test_a_frame_not_ready_is_left_for_finish():
    slots = np.zeros((2, 2, 2, 3), dtype=np.uint8)
    done = threading.Event()
    read_early: list[int] = []

    def read(image, index, time):
        read_early.append(index)
        if index == 9:
            done.set()
        return index

    reader = SlotReader(read, ready=lambda priority: priority >= 5.0)
    reader.slots = slots
    with reader.lock:
        reader.kept(0, 1, 0.1, 1.0)  # low priority: may still be evicted
        reader.kept(1, 9, 0.9, 9.0)
    assert done.wait(5)
    deadline = time.monotonic() + 5
    while reader.early < 1 and time.monotonic() < deadline:  # the read of 9 is being recorded
        time.sleep(0.01)
    time.sleep(0.1)  # room for a wrong early read of 1 to start
    with reader.lock:  # it read 9 and keeps waiting on 1
        assert read_early == [9] and reader.early == 1
    assert reader.finish([(0, 1), (1, 9)]) == [1, 9]  # finish reads what was held back
    assert read_early == [9, 1] and reader.early == 1


def test_the_pool_reads_early_only_what_the_rest_of_the_video_is_unlikely_to_evict(cards_clip):
    _, info, _ = cards_clip
    pool = OcrPool(info, 10, overlap=True)
    duration = float(info.duration)
    # a tenth of the way in, 2 frames better than 1.0 were screened: ~20 by the end, > 9 slots
    pool._priorities, pool._screened_to = [0.5, 1.0, 2.0, 3.0], 0.1 * duration
    assert not pool._ready(1.0)
    assert pool._ready(3.0)  # nothing better so far: safe whatever comes
    # most of the way in, the same two better frames project to ~2.2: safe
    pool._screened_to = 0.9 * duration
    assert pool._ready(1.0)


def test_screening_jobs_run_in_order_and_their_errors_surface():
    reader = SlotReader(lambda image, index, time: None)
    order = []
    for k in range(20):
        reader.submit(lambda k=k: order.append(k))
    reader.drain()
    assert order == list(range(20))

    def broken():
        raise ValueError("detector broke")

    reader.submit(broken)
    with pytest.raises(ValueError, match="detector broke"):
        reader.drain()
    reader.stop()


def test_a_failed_read_is_raised_by_finish():
    slots = np.zeros((1, 2, 2, 3), dtype=np.uint8)

    def read(image, index, time):
        raise RuntimeError("model broke")

    reader = SlotReader(read, threads=2)
    reader.slots = slots
    with reader.lock:
        reader.kept(0, 0, 0.0, 1.0)
    with pytest.raises(RuntimeError, match="model broke"):
        reader.finish([(0, 0)])


def test_read_engine_skips_the_angle_classifier_and_uses_an_arena():
    engine = get_ocr_engine("read")
    assert engine.use_cls is False
    assert engine.text_rec.rec_batch_num == 1  # no line padded to the widest of a batch
    for ort_session in (engine.text_det.infer.session, engine.text_rec.session.session):
        opts = ort_session.get_session_options()
        assert opts.enable_cpu_mem_arena  # see _tuned_sessions: no mmap per tensor
        assert opts.intra_op_num_threads == 1
