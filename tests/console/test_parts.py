"""The console's small parts: line parsing, completion, plain and rich drawing, history path."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.console.completion import candidates, history_path
from bot.console.parse import Args, UnknownOption, UsageError, parse_args, split_command
from bot.console.replies import Card, Notice, Reply, Span
from bot.console.view import Screen, plain

OPTIONS = ("query", "speaker", "episode")


def test_a_line_splits_into_command_text_and_options() -> None:
    assert split_command("  /Quote  blank page ") == ("quote", "blank page")
    assert split_command("n") == ("n", "")
    assert parse_args("blank  page speaker:Meor Amer episode:visual", OPTIONS) == Args(
        "blank page", {"speaker": "Meor Amer", "episode": "visual"}
    )
    # Colons that name no option of the command stay in the text.
    assert parse_args("at 10:30 note: this", OPTIONS) == Args("at 10:30 note: this", {})
    assert parse_args("Speaker:alexey drift", OPTIONS) == Args("", {"speaker": "alexey drift"})
    assert parse_args("a  b", ()) == Args("a b", {})
    with pytest.raises(UsageError, match="episode: needs a value"):
        parse_args("drift episode: ", OPTIONS)


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("drift spekaer:alexey", "spekaer"),
        ("spekaer:alexey drift", "spekaer"),
        ("drift speaker:Meor Amer epsiode:visual", "epsiode"),
        ("drift SPEKAER:alexey", "SPEKAER"),
        ("drift page:2", "page"),  # an option of /episode, not of /quote
        ("drift who:alexey", "who"),
        ("drift speaker_name:alexey", "speaker_name"),
        ("drift full-name:alexey", "full-name"),
        ("note:blah", "note"),
        ("mailto:someone", "mailto"),
    ],
)
def test_what_reads_as_an_option_the_command_does_not_take_is_an_error(
    typed: str, name: str
) -> None:
    with pytest.raises(UnknownOption) as caught:
        parse_args(typed, OPTIONS)
    assert caught.value.name == name


@pytest.mark.parametrize(
    "typed",
    [
        "at 10:30 he said",  # digits before the colon
        "at10:30",  # a digit in the word
        "mp3:file",
        "note: blah",  # a space after the colon
        "the key is this : that",
        "see https://example.com/a:b",  # a / after the colon
        "a::b",
        "trailing:",
        "(speaker:x)",  # not at the start of a word
        "über:alles",  # letters beyond ASCII: not an option name
        "it's 3:1 odds",
    ],
)
def test_colons_in_words_stay_words(typed: str) -> None:
    assert parse_args(typed, OPTIONS) == Args(" ".join(typed.split()), {})


def test_a_command_without_options_takes_any_text() -> None:
    assert parse_args("page:2 note:x", ()) == Args("page:2 note:x", {})


def _values(option: str) -> list[str]:
    episodes = ["Visualising Machine Learning", "s08e01-visualising"]
    return {
        "speaker": ["Meor", "Meor Amer", "Alexey"],
        "episode": episodes,
        "name": episodes,
    }.get(option, [])


def test_completion_offers_commands_options_and_their_values() -> None:
    assert candidates("/quo", "/quo", _values) == ["/quote "]
    assert candidates("/qu", "/qu", _values) == ["/quote ", "/quit "]
    assert candidates("", "", _values)[0] == "/quote "
    assert candidates("/p", "/p", _values) == ["/post ", "/prev "]
    assert candidates("/quote drift ", "", _values) == ["query:", "speaker:", "episode:"]
    assert candidates("/quote drift sp", "sp", _values) == ["speaker:"]
    assert candidates("/quote drift speaker:me", "speaker:me", _values) == [
        "speaker:Meor",
        "speaker:Meor Amer",
    ]
    assert candidates("/quote x episode:s08", "episode:s08", _values) == [
        "episode:s08e01-visualising"
    ]
    assert candidates("/quote x episode:vis", "episode:vis", _values) == [
        "episode:Visualising Machine Learning"
    ]
    assert candidates("/quote x episode:Visualising M", "M", _values) == ["Machine Learning"]
    assert candidates("/quote x speaker:meor a", "a", _values) == ["Amer"]
    assert candidates("/quote x speaker:Meor ", "", _values) == [
        "query:",
        "speaker:",
        "episode:",
        "Amer",
    ]
    assert candidates("/help ", "", _values) == []
    assert candidates("/quote visu", "visu", _values) == []  # a query names nothing
    assert candidates("/nope x", "x", _values) == []


def test_episode_completes_titles_and_ids_in_its_free_text() -> None:
    assert candidates("/episode visu", "visu", _values) == ["Visualising Machine Learning"]
    assert candidates("/episode s08", "s08", _values) == ["s08e01-visualising"]
    assert candidates("/episode Visualising Ma", "Ma", _values) == ["Machine Learning"]
    assert candidates("/episode  visualising machine l", "l", _values) == ["Learning"]
    assert candidates("/episode ", "", _values) == [
        "name:",
        "page:",
        "Visualising Machine Learning",
        "s08e01-visualising",
    ]
    assert candidates("/episode name:Vis", "name:Vis", _values) == [
        "name:Visualising Machine Learning"
    ]
    assert candidates("/episode page:", "page:", _values) == []


def test_history_lives_under_xdg_state_home(tmp_path: Path) -> None:
    assert history_path({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "podquote" / "history"
    assert history_path({}) == Path.home() / ".local" / "state" / "podquote" / "history"


CARD = Card(
    title="Visualising Machine Learning",
    url="https://www.youtube.com/watch?v=OuCuk-7RHjM&t=1135s",
    lines=((Span("“In the "), Span("drift example", "match"), Span("…”")),),
    fields=(("Speaker", "Meor Amer"), ("Time", "18:55")),
    footer="DataTalks.Club · result 1 of 3",
)


def test_plain_text_marks_the_match_and_has_no_terminal_codes() -> None:
    text = plain(Reply((CARD, Notice("Reloaded."))))
    assert text == (
        "Visualising Machine Learning\n"
        "  https://www.youtube.com/watch?v=OuCuk-7RHjM&t=1135s\n"
        "  “In the »drift example«…”\n"
        "  Speaker: Meor Amer · Time: 18:55\n"
        "  DataTalks.Club · result 1 of 3\n\n"
        "Reloaded."
    )
    out = io.StringIO()
    Screen(styled=False, file=out).show(Reply((CARD,)))
    assert "\x1b" not in out.getvalue()


def test_styled_output_is_a_coloured_panel_with_the_match_highlighted() -> None:
    out = io.StringIO()
    screen = Screen(styled=True, file=out, force_terminal=True)  # as if it were a terminal
    screen.show(Reply((CARD, Notice("No quote.", "error"))))
    drawn = out.getvalue()
    assert "\x1b[" in drawn
    assert "╭" in drawn and "Visualising Machine Learning" in drawn
    assert "drift example" in drawn and "»" not in drawn
    assert "\x1b]8;" in drawn  # the title links to the video where the terminal can
