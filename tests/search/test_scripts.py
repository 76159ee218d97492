"""Any script: Cyrillic, Greek, CJK, accented Latin and ß are searched and highlighted, over
the real tantivy index, with offsets that map back to the original text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.episodes import files
from bot.episodes.library import Library
from bot.episodes.model import Episode, Segment
from bot.ingest.catalog import empty
from bot.ingest.pipeline import ingest_one
from bot.search.fold import (
    cjk_characters,
    find_words,
    fold,
    token_spans,
    tokens,
    word_finder,
    words,
)
from bot.search.index import build_index
from bot.search.ranking import Searcher
from bot.search.scripts import is_cjk
from tests.conftest import DATA, bare_env

TEXTS = {
    "de": [
        "Wir sind die ganze Straße entlang gegangen, bis zur Brücke am Fluss.",
        "Die Maßnahmen zeigen endlich Wirkung, sagt die Regierung.",
        "Viele Grüsse aus Zürich, sagte er zum Schluss.",
    ],
    "fr": [
        "C'était une expérience très intéressante pour toute l'équipe.",
        "Il a lu l'Œuvre complète de Proust en un été.",
    ],
    "es": ["El niño aprendió a programar en Python con mucha pasión."],
    "ru": [
        "Мы обучаем нейронные сети на больших данных, и это дорого.",
        "Ещё всё впереди, сказал он.",
    ],
    "el": [
        "Η τεχνητή νοημοσύνη αλλάζει τον τρόπο που δουλεύουμε.",
        "Ο Σωκράτης έλεγε: ένα πράγμα ξέρω, ότι δεν ξέρω τίποτα.",
    ],
    "ja": [
        "私は大学で機械学習の研究をしています。",
        "深層学習はとても面白いです。",
        "うちの猫が好きです。",
    ],
    "zh": ["我们今天讨论人工智能和机器学习的未来。"],
    "ko": ["인공지능은 우리의 삶을 바꾸고 있습니다."],
}


def _episode(language: str, texts: list[str]) -> Episode:
    segments = []
    for i, text in enumerate(texts):
        start = 100.0 * i
        cues = ((0, start), (text.index("機械"), start + 12.0)) if "機械" in text else ()
        segments.append(Segment(start, start + 30.0, "Gast", text, cues=cues))
    return Episode(
        id=f"talk-{language}",
        title=f"A talk in {language}",
        source=f"{language}.txt",
        format="test",
        segments=tuple(segments),
        youtube_id=f"{language}-abcdefgh",  # one video each: the library keeps one per video
    )


EPISODES = [_episode(language, texts) for language, texts in TEXTS.items()]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    """The shipped samples and the talks above, in a tantivy index on disk."""
    library = [*Library.load(DATA / "episodes"), *EPISODES]
    return Searcher(build_index(library, folder=tmp_path_factory.mktemp("index")))


@pytest.mark.parametrize(
    ("query", "language", "said"),
    [
        ("Straße entlang", "de", "Straße entlang"),
        ("strasse entlang", "de", "Straße entlang"),
        ("STRASSE", "de", "Straße"),
        ("massnahmen", "de", "Maßnahmen"),
        ("Grüße aus Zürich", "de", "Grüsse aus Zürich"),
        ("experience tres interessante", "fr", "expérience très intéressante"),
        ("expérience très intéressante", "fr", "expérience très intéressante"),
        ("equipe", "fr", "équipe"),  # l'équipe: the elision is a word of its own
        ("oeuvre complete de proust", "fr", "Œuvre complète de Proust"),
        ("nino aprendio a programar", "es", "niño aprendió a programar"),
        ("нейронные сети", "ru", "нейронные сети"),
        ("НЕЙРОННЫЕ СЕТИ", "ru", "нейронные сети"),
        ("еще все впереди", "ru", "Ещё всё впереди"),
        ("τεχνητη νοημοσυνη", "el", "τεχνητή νοημοσύνη"),
        ("ΣΩΚΡΑΤΗΣ", "el", "Σωκράτης"),
        ("機械学習", "ja", "機械学習"),
        ("深層学習", "ja", "深層学習"),
        ("猫", "ja", "猫"),
        ("人工智能", "zh", "人工智能"),
        ("인공지능", "ko", "인공지능"),
    ],
)
def test_each_script_finds_its_words_and_highlights_them_exactly(
    searcher: Searcher, query: str, language: str, said: str
) -> None:
    (best, *_) = searcher.search(query).matches
    assert best.episode.id == f"talk-{language}"
    assert said in best.segment.text
    assert best.segment.text[slice(*best.highlight)] == said


def test_a_cjk_match_is_timed_by_its_own_cue(searcher: Searcher) -> None:
    (best, *_) = searcher.search("機械学習の研究").matches
    assert best.episode.id == "talk-ja"
    assert best.segment.text[slice(*best.highlight)] == "機械学習の研究"
    assert best.start == 12.0
    assert best.url == "https://www.youtube.com/watch?v=ja-abcdefgh&t=12s"


def test_a_query_of_two_cjk_words_needs_both(searcher: Searcher) -> None:
    # 学習 is in two segments; 機械学習 only in one: its pairs 機械 and 械学 decide.
    ranked = searcher.search("機械学習", min_score=0).matches
    assert [m.segment.text for m in ranked[:2]] == [TEXTS["ja"][0], TEXTS["ja"][1]]
    assert ranked[0].score > ranked[1].score


def test_cjk_terms_are_not_expanded_as_typos(searcher: Searcher) -> None:
    for term in ("機械", "猫", "인공"):
        assert [searcher.index.terms[t] for t, _ in searcher.expand(term)] == [term]


def test_a_typo_in_cyrillic_is_forgiven(searcher: Searcher) -> None:
    (best, *_) = searcher.search("нейроные сети").matches
    assert best.segment.text[slice(*best.highlight)] == "нейронные сети"


def test_the_vocabulary_holds_the_folded_terms_of_every_script(searcher: Searcher) -> None:
    vocab = searcher.index.vocab
    assert {"strasse", "massnahmen", "grusse", "oeuvre", "nino", "еще", "σωκρατησ"} <= set(vocab)
    assert {"機械", "械学", "学習", "機", "猫", "인공", "지능"} <= set(vocab)
    assert not {"straße", "ещё", "σωκράτης", "機械学習"} & set(vocab)


def test_a_russian_line_of_the_corpus_is_found_where_it_is_said(corpus: Path) -> None:
    path = corpus / "vtt" / "lexicap_large" / "episode_200_large.vtt"
    found = ingest_one(path, "vtt/lexicap_large/episode_200_large.vtt", empty())
    assert found.episode is not None, found.message
    searcher = Searcher(build_index([*Library.load(DATA / "episodes"), found.episode]))
    (best, *_) = searcher.search("киев бомбили нам объявили").matches
    assert best.segment.text[slice(*best.highlight)] == "Киев бомбили, нам объявили"
    assert best.start == 1614.24  # the cue 26:54.240 says it
    (best, *_) = searcher.search("когда стали Киев бомбить").matches
    assert best.segment.text[slice(*best.highlight)] == "когда стали Киев бомбить"
    assert best.start == 1629.64


def test_the_search_command_answers_in_any_script(tmp_path: Path) -> None:
    (tmp_path / "data" / "episodes").mkdir(parents=True)
    for episode in EPISODES:
        files.write(episode, tmp_path / "data" / "episodes")
    requests = [{"query": q} for q in ("strasse entlang", "機械学習", "τεχνητη νοημοσυνη")]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "search", "--no-meaning", "--jsonl"],
        input="".join(json.dumps(r, ensure_ascii=False) + "\n" for r in requests),
        capture_output=True,
        text=True,
        check=False,
        env=bare_env(),
        cwd=tmp_path,  # data/episodes by default: the folder written above
    )
    assert done.returncode == 0, done.stderr
    highlighted = []
    for line in done.stdout.splitlines():
        first = json.loads(line)["results"][0]
        a, b = first["highlight"]
        highlighted.append(first["text"][a:b])
    assert highlighted == ["Straße entlang", "機械学習", "τεχνητή νοημοσύνη"]
    assert (tmp_path / "data" / "derived" / "index" / "podquote.json").is_file()


# -- folding and terms --------------------------------------------------------------------
def test_every_character_folds_to_one_that_folds_to_itself() -> None:
    """All of Unicode at once (a random text once found 𝚨 → Α → α, and ϲ → ς → σ)."""
    every = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)
    folded = fold(every)
    assert len(folded) == len(every)
    assert [(a, b) for a, b in zip(folded, fold(folded), strict=True) if a != b] == []
    assert fold("𝚨ϲ") == "ασ"


@given(st.text())
def test_fold_keeps_one_character_for_each_in_any_text(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(text)
    assert fold(folded) == folded
    for term, start, end in token_spans(folded):
        assert term and end > start and " " not in folded[start:end]


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Straße, STRASSE, Maß", ["strasse", "strasse", "mass"]),
        ("Ærø, œuvre", ["aero", "oeuvre"]),
        ("Søren Łódź Đorđe", ["soren", "lodz", "dorde"]),
        ("Ёлка, йогурт, п'ять", ["елка", "йогурт", "пять"]),
        ("Ἀθῆναι, ΛΌΓΟΣ, λόγος", ["αθηναι", "λογοσ", "λογοσ"]),
        ("機械学習。猫", ["機械", "械学", "学習", "猫"]),
        ("ｶﾀｶﾅ", ["カタ", "タカ", "カナ"]),
        ("modelы", ["model", "ы"]),  # a stray Cyrillic letter in an English word
        ("हिंदी", ["हिंदी"]),  # Devanagari's vowel signs stay in the word
    ],
)
def test_terms_of_each_script(text: str, terms: list[str]) -> None:
    assert tokens(fold(text)) == terms


def test_words_keep_cjk_runs_and_sharp_s_as_written() -> None:
    assert words(fold("Die Straße: 機械学習")) == ["die", "straße", "機械学習"]
    assert cjk_characters(fold("機械 猫 ab")) == ["機", "械"]


# No apostrophes (a Latin term takes only those of contractions) and no s beside ß ("sß" is a
# term "sss" the finder does not look for as written).
@settings(deadline=None)
@given(st.text(alphabet="ab1 ßæé-ыдσς学習機", max_size=40))
def test_the_word_finder_finds_what_splitting_finds_in_any_script(text: str) -> None:
    folded = fold(text)
    spans = token_spans(folded)
    wanted = {term for term, _, _ in spans}
    # A CJK character is a term wherever it stands (the index holds each of a run's too).
    singles = [(ch, at, at + 1) for at, ch in enumerate(folded) if is_cjk(ch) and ch in wanted]
    assert sorted(find_words(word_finder(wanted), folded)) == sorted({*spans, *singles})
