"""Text relevance: content words, item scoring (lexical and semantic), and the subtitle / OCR channels."""

from __future__ import annotations

import numpy as np
import pytest

from framesift.scoring.text_relevance import (
    SUBTITLE_PAD_S,
    TextItem,
    content_words,
    ocr_channel,
    score_items,
    subtitle_channel,
)
from framesift.signals.ocr import OcrText
from framesift.video.subtitles import SubtitleLine

# --------------------------------------------------------------------------- fake embedders


class OrthogonalEmbed:
    """Every text gets its own axis: the query is semantically unrelated to every item (cosine 0), so
    an item's score is its lexical score alone. Records its calls."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts):
        self.calls.append(list(texts))
        return np.eye(len(texts), dtype=np.float32)


def fixed_cosine_embed(cosines):
    """The query at axis 0; item k has cosine ``cosines[k]`` with it (may be negative)."""

    def embed(texts):
        assert len(texts) == len(cosines) + 1
        d = len(texts) + 1
        out = np.zeros((len(texts), d), np.float32)
        out[0, 0] = 1.0
        for k, c in enumerate(cosines, start=1):
            out[k, 0] = c
            out[k, k] = np.sqrt(max(0.0, 1.0 - c * c))
        return out

    return embed


# --------------------------------------------------------------------------- content_words


@pytest.mark.parametrize(
    "text, expected",
    [
        ("What is the wifi password?", ["wifi", "password"]),
        ("When does gate 7 close?", ["gate", "7", "close"]),
        ("Bridge, bridge and BRIDGE", ["bridge"]),
        ("the a an of to", []),
        ("", []),
        ("Show the red car in the video", ["red", "car"]),
        ("Anna's shop opens at 9", ["annas", "shop", "opens", "9"]),
    ],
)
def test_content_words(text, expected):
    assert content_words(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Anna's café", ["annas", "café"]),
        ("Wann wurde die Brücke gebaut?", ["wann", "wurde", "die", "brücke", "gebaut"]),
    ],
)
def test_content_words_keeps_non_ascii_letters(text, expected):
    """A word is a word in any script: 'café' must not become 'caf', nor 'Brücke' 'br' + 'cke'."""
    assert content_words(text) == expected


def test_content_words_keeps_first_occurrence_order():
    assert content_words("zebra apple zebra mango apple") == ["zebra", "apple", "mango"]


# --------------------------------------------------------------------------- score_items: pure logic


def test_score_items_empty_texts_does_not_embed():
    embed = OrthogonalEmbed()
    assert score_items("anything", [], embed) == []
    assert embed.calls == []


def test_score_items_embeds_query_and_texts_in_one_call_and_keeps_order():
    embed = OrthogonalEmbed()
    texts = ["the gate opens", "lunch at noon", "gate closes"]
    items = score_items("When does the gate close?", texts, embed)
    assert [it.text for it in items] == texts
    assert len(embed.calls) == 1 and embed.calls[0][1:] == texts


def test_score_items_lexical_ranks_matching_words_first():
    texts = ["The weather is sunny today", "Gate B closes at nine", "Welcome aboard", "The gate is painted blue"]
    items = score_items("When does gate B close?", texts, OrthogonalEmbed())
    lex = [it.lexical for it in items]
    assert lex[1] == pytest.approx(1.0)  # every content word present
    assert lex[1] > lex[3] > 0.0
    assert lex[0] == 0.0 and lex[2] == 0.0
    for it in items:
        assert 0.0 <= it.lexical <= 1.0
        assert it.semantic == 0.0
        assert it.score == pytest.approx(0.5 * it.lexical)  # semantic 0: the lexical half decides


def test_score_items_inflections_match():
    items = score_items(
        "When does the store close?",
        ["The store closes at six", "It closed yesterday", "Closing time is six", "Open all night"],
        OrthogonalEmbed(),
    )
    assert items[0].lexical == pytest.approx(1.0)
    assert items[1].lexical > 0 and items[2].lexical > 0
    assert items[3].lexical == 0.0


def test_short_words_must_match_whole_tokens():
    """'cat' must not match inside 'concatenate' or 'category'."""
    items = score_items(
        "Where is the cat?", ["We concatenate strings", "Pick a category", "The cat sleeps"], OrthogonalEmbed()
    )
    assert [it.lexical for it in items] == [0.0, 0.0, 1.0]


def test_rare_words_weigh_more_than_words_every_line_shares():
    texts = ["today we talk about rockets", "today the weather", "today lunch", "today again"]
    items = score_items("today rockets", texts, OrthogonalEmbed())
    only_rare = score_items("today rockets", ["rockets"] + texts[1:], OrthogonalEmbed())[0]
    only_common = items[1]
    assert only_rare.lexical > only_common.lexical > 0
    assert items[0].lexical == pytest.approx(1.0)


def test_query_without_content_words_scores_zero_lexically():
    items = score_items("what is it?", ["what is it", "it is what it is"], OrthogonalEmbed())
    assert all(it.lexical == 0.0 for it in items)


@pytest.mark.parametrize("cos", [-0.7, -0.01, 0.0, 0.3, 0.99, 1.0])
def test_semantic_is_clipped_to_unit_interval_and_score_combines(cos):
    item = score_items("zebra crossing", ["unrelated words"], fixed_cosine_embed([cos]))[0]
    assert 0.0 <= item.semantic <= 1.0
    assert item.semantic == pytest.approx(max(0.0, cos), abs=1e-5)
    assert item.lexical == 0.0
    assert item.score == pytest.approx(item.semantic)


def test_score_is_monotone_and_bounded():
    for sem in np.linspace(0, 1, 11):
        prev = -1.0
        for lex in np.linspace(0, 1, 11):
            s = TextItem("x", float(sem), float(lex)).score
            assert 0.0 <= s <= 1.0 + 1e-12
            assert s >= prev - 1e-12
            assert s >= sem - 1e-12  # shared words never lower the embedding's verdict
            prev = s


# --------------------------------------------------------------------------- OCR-style space-less text


def test_spaceless_ocr_text_matches_the_query_words():
    """OCR drops spaces: 'Gate7closesat9:40' still holds 'gate' and 'close(s)'."""
    texts = ["Gate7closesat9:40", "Welcometotheairport", "Duty free shop"]
    items = score_items("When does gate 7 close?", texts, OrthogonalEmbed())
    assert items[0].lexical > 0.5
    assert items[1].lexical == 0.0 and items[2].lexical == 0.0
    assert items[0].score == max(it.score for it in items)


def test_spaceless_ocr_text_matches_the_number_too():
    """The query asks about gate 7, and 'Gate7closes...' is about gate 7 while 'Gate8closes...' is not:
    the lexical score must tell them apart (numbers glued to letters are lost as whole tokens)."""
    items = score_items("When does gate 7 close?", ["Gate7closesat9:40", "Gate8closesat10:15"], OrthogonalEmbed())
    assert items[0].lexical > items[1].lexical


# --------------------------------------------------------------------------- real MiniLM

FILLER = [
    "Good morning and welcome to the show.",
    "The river floods every spring after the snow melts.",
    "My grandmother grew tomatoes in her backyard.",
    "Please keep your phones switched to silent mode.",
    "The painting was restored over three long years.",
    "He scored the winning goal in the final minute.",
    "Penguins huddle together to survive the cold.",
    "The recipe calls for two cups of flour.",
    "Our next speaker works on renewable energy.",
    "The old lighthouse guided ships for a century.",
    "She learned to play the violin at age six.",
    "Traffic was heavy on the highway this morning.",
    "The library closes for renovation next month.",
    "Volcanoes release gases deep from the earth.",
    "Let's take a short look at the quarterly results.",
    "The cat slept on the warm windowsill all afternoon.",
    "A new species of frog was discovered last year.",
    "The orchestra tuned their instruments before the concert.",
    "Mountain climbers need to acclimatise slowly.",
    "The bakery on the corner sells fresh bread.",
    "Satellites orbit the planet every ninety minutes.",
    "Remember to water the plants twice a week.",
    "The committee will vote on the proposal tomorrow.",
    "Honeybees communicate by dancing.",
    "The museum's dinosaur skeleton is very popular.",
    "Thank you all for coming this evening.",
    "Chess players often study openings for years.",
    "The train was delayed because of the storm.",
    "Whales sing songs that travel for miles.",
    "We will now move on to the second chapter.",
]


@pytest.fixture(scope="module")
def minilm():
    from framesift.signals.text_embedder import get_text_embedder

    return get_text_embedder().encode


@pytest.mark.parametrize(
    "question, answer",
    [
        ("How much does a ticket cost?", "Admission is twelve dollars for adults."),
        ("Who built the bridge?", "The crossing was constructed by a Scottish engineer in 1890."),
    ],
)
def test_real_embedder_ranks_a_paraphrase_first(minilm, question, answer):
    assert not set(content_words(question)) & set(content_words(answer)), "must be a paraphrase"
    for pos in (0, 13, 30):
        texts = FILLER[:pos] + [answer] + FILLER[pos:]
        items = score_items(question, texts, minilm)
        best = int(np.argmax([it.score for it in items]))
        assert texts[best] == answer, (question, texts[best])
        assert items[best].lexical == 0.0  # it won on meaning alone


# --------------------------------------------------------------------------- subtitle_channel


def _items(scores):
    return [TextItem(f"line {k}", float(s), 0.0) for k, s in enumerate(scores)]


def test_subtitle_channel_covers_each_cue_span_with_padding():
    """A cue covers its span; within SUBTITLE_PAD_S outside it a frame still gets the cue, with a
    lower score than a frame inside it (inside wins a tie)."""
    lines = [SubtitleLine(2.0, 4.0, "a"), SubtitleLine(10.0, 11.0, "b")]
    full = [0.4, 0.8]
    times = np.array([0.0, 1.7, 1.8, 2.0, 3.0, 4.0, 4.2, 4.3, 7.0, 9.8, 10.5, 11.2, 11.3, 20.0])
    score, which = subtitle_channel(times, lines, _items(full))
    pad = SUBTITLE_PAD_S
    assert 0 < pad < 1
    for t, s, w in zip(times, score, which):
        for k, ln in enumerate(lines):
            if ln.start <= t <= ln.end:
                assert (w, s) == (k, pytest.approx(full[k])), t
                break
            if ln.start - pad <= t <= ln.end + pad:
                assert w == k and 0.5 * full[k] < s < full[k], t
                break
        else:
            assert (w, s) == (-1, 0.0), t
    assert score.dtype == np.float32 and which.dtype.kind == "i"


def test_subtitle_channel_overlapping_cues_take_the_best():
    lines = [SubtitleLine(0.0, 10.0, "long"), SubtitleLine(4.0, 5.0, "short")]
    score, which = subtitle_channel(np.array([1.0, 4.5, 8.0]), lines, _items([0.3, 0.9]))
    assert which.tolist() == [0, 1, 0]
    assert score.tolist() == pytest.approx([0.3, 0.9, 0.3])


def test_subtitle_channel_without_lines():
    score, which = subtitle_channel(np.arange(5.0), [], [])
    assert score.tolist() == [0.0] * 5 and which.tolist() == [-1] * 5


# --------------------------------------------------------------------------- ocr_channel


def _features(kinds):
    """Unit rows: same letter -> identical picture, different letters -> orthogonal pictures."""
    letters = sorted(set(kinds))
    return np.stack([np.eye(len(letters), dtype=np.float32)[letters.index(k)] for k in kinds])


def test_ocr_text_propagates_while_the_picture_stays_the_same():
    # candidates are frames 0, 24, 48, ... ; the slide "A" is read at frame 24 and stays until 72
    cand_index = np.arange(0, 8 * 24, 24)
    feats = _features(["X", "A", "A", "A", "B", "A", "A", "C"])
    reads = [OcrText(index=24, time=1.0, lines=("Gate 7 closes at 9:40",), confidence=0.9)]
    score, which = ocr_channel(cand_index, feats, reads, _items([0.7]))
    assert which.tolist() == [-1, 0, 0, 0, -1, -1, -1, -1]
    assert score.tolist() == pytest.approx([0, 0.7, 0.7, 0.7, 0, 0, 0, 0])


def test_ocr_text_propagation_tolerates_small_changes():
    cand_index = np.arange(5)
    base = np.array([1.0, 0.0, 0.0], np.float32)
    near = np.array([0.97, 0.2431, 0.0], np.float32)  # cosine 0.97 with base: the same slide
    far = np.array([0.5, 0.866, 0.0], np.float32)  # cosine 0.5: another picture
    feats = np.stack([base, near, near, far, base])
    reads = [OcrText(index=0, time=0.0, lines=("x",), confidence=1.0)]
    score, which = ocr_channel(cand_index, feats, reads, _items([0.5]))
    assert which.tolist() == [0, 0, 0, -1, -1]


def test_ocr_next_read_frame_takes_over():
    cand_index = np.arange(6)
    feats = _features(["A"] * 6)
    reads = [OcrText(0, 0.0, ("first",), 1.0), OcrText(3, 3.0, ("second",), 1.0)]
    score, which = ocr_channel(cand_index, feats, reads, _items([0.9, 0.2]))
    assert which.tolist() == [0, 0, 0, 1, 1, 1]
    assert score.tolist() == pytest.approx([0.9, 0.9, 0.9, 0.2, 0.2, 0.2])


def test_ocr_read_of_a_frame_that_is_not_a_candidate_is_ignored():
    score, which = ocr_channel(
        np.array([0, 10, 20]), _features(["A", "A", "A"]), [OcrText(15, 0.6, ("x",), 1.0)], _items([0.9])
    )
    assert which.tolist() == [-1, -1, -1]


def test_ocr_channel_without_reads():
    score, which = ocr_channel(np.arange(3), _features(["A", "B", "C"]), [], [])
    assert score.tolist() == [0.0] * 3 and which.tolist() == [-1] * 3
