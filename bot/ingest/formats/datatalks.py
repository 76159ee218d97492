"""DataTalks.Club podcast pages: YAML front matter whose `transcript:` lists headers and lines.

`sec` is the truth; `time` is checked against it. Quirks of the real pages handled here (see
the corpus MANIFEST): a stray line before `---`, speaker names with trailing `:`/`.`, a paragraph
shifted into `who`, the same paragraph twice (bare and full), a missing `sec`, a YouTube id
with `&t` on it, raw-transcript debris (`62:23\\nEleni`) inside a line, and front matter that
PyYAML cannot parse outside the transcript (an unescaped quote in `intro`, a broken
`quotableClips` entry): such keys are dropped with a note and the transcript still reads.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from bot import yaml_safe
from bot.episodes.model import ChapterMark, Facts, SetAside, Transcript, Utterance
from bot.errors import ReaderError, yaml_problem
from bot.text import format_clock, parse_clock, squash, words

FORMAT = "datatalks-yaml"

_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")
_ISO_DURATION = re.compile(r"^P(?:T)?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")
_DEBRIS = re.compile(
    r"^\s*(\d{1,3}:\d\d(?::\d\d)?)\s*\n+\s*([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2})\s*(?:\n|$)"
)
_LOOSE_KEY = re.compile(r"^\s{0,4}(line|sec|time|who|header):\s?(.*)$")
_NAME_LINE = re.compile(r"^[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,2}:?$")
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}")
_NAME_WORDS = 4
_DUPLICATE_WINDOW = 6
_DUPLICATE_MIN_WORDS = 8


def _front_matter(text: str) -> tuple[str, int] | None:
    """The front matter text and the line number where it starts, or None."""
    lines = text.split("\n")
    for first in range(min(3, len(lines))):
        if lines[first].strip() == "---":
            for end in range(first + 1, len(lines)):
                if lines[end].strip() == "---":
                    return "\n".join(lines[first + 1 : end]), first + 2
            return None
    return None


def sniff(text: str, name: str) -> bool:
    found = _front_matter(text)
    return found is not None and re.search(r"(?m)^transcript:", found[0]) is not None


def _load(fm: str, first_line: int, notes: list[str]) -> tuple[dict[str, Any], dict[int, int]]:
    """Parse the front matter; on a YAML error, parse key by key and drop only broken keys.

    Returns the data and, for each transcript item index, its 1-based line in the file.
    YAML past `bot.yaml_safe`'s bounds (an alias bomb, deep nesting) is not a quirk to work
    around: the file fails.
    """
    try:
        return _load_block(fm, first_line)
    except yaml_safe.YAMLLimitError as exc:
        raise ReaderError(*yaml_problem(exc, first_line)) from None
    except yaml.YAMLError:
        pass
    data: dict[str, Any] = {}
    item_lines: dict[int, int] = {}
    blocks: list[tuple[int, list[str]]] = []
    for i, text in enumerate(fm.split("\n")):
        if _TOP_KEY.match(text) or not blocks:
            blocks.append((i, [text]))
        else:
            blocks[-1][1].append(text)
    for start, block in blocks:
        key = block[0].split(":", 1)[0].strip()
        try:
            part, lines = _load_block("\n".join(block), first_line + start)
        except yaml_safe.YAMLLimitError as exc:  # a bomb within one key
            raise ReaderError(*yaml_problem(exc, first_line + start)) from None
        except yaml.YAMLError as exc:
            where, problem = yaml_problem(exc, first_line + start)
            if key == "transcript":
                part, lines = _load_items(block, first_line + start, notes)
                data.update(part)
                item_lines = lines
                continue
            notes.append(
                f"line {where or first_line + start}: front matter key '{key}' is not valid YAML "
                f"({problem}); ignored"
            )
            continue
        data.update(part)
        if key == "transcript":
            item_lines = lines
    return data, item_lines


def _load_items(
    block: list[str], first_line: int, notes: list[str]
) -> tuple[dict[str, Any], dict[int, int]]:
    """The transcript list item by item; an item YAML cannot read is read loosely, with a note."""
    starts = [i for i, line in enumerate(block) if line.startswith("- ")]
    if not starts:  # `transcript: |` with unindented text: read as text below
        notes.append(f"line {first_line}: transcript is a text block, not a list; read as text")
        return {"transcript": "\n".join(block[1:])}, {0: first_line + 1}
    items: list[Any] = []
    lines: dict[int, int] = {}
    for n, (a, b) in enumerate(zip(starts, [*starts[1:], len(block)], strict=True)):
        chunk = block[a:b]
        lines[n] = first_line + a
        try:
            parsed = yaml_safe.load("\n".join(chunk))
            if not isinstance(parsed, list) or len(parsed) != 1 or not isinstance(parsed[0], dict):
                raise yaml.YAMLError("not one mapping")
            items.append(parsed[0])
        except yaml_safe.YAMLLimitError as exc:
            raise ReaderError(*yaml_problem(exc, first_line + a)) from None
        except yaml.YAMLError as exc:
            _, why = yaml_problem(exc)
            loose = _loose_item(chunk)
            if loose is None:
                raise ReaderError(
                    first_line + a, f"transcript item is not valid YAML ({why})"
                ) from exc
            notes.append(f"line {first_line + a}: item is not valid YAML ({why}); read loosely")
            items.append(loose)
    return {"transcript": items}, lines


def _loose_item(chunk: list[str]) -> dict[str, Any] | None:
    """`key: value` lines of one item, quotes stripped, continuation lines joined."""
    item: dict[str, Any] = {}
    key: str | None = None
    for raw in chunk:
        line = raw[2:] if raw.startswith("- ") else raw
        m = _LOOSE_KEY.match(line)
        if m:
            key = m.group(1)
            item[key] = m.group(2)
        elif key is not None:
            item[key] = f"{item[key]} {line.strip()}".strip()
        elif line.strip():
            return None
    for k, value in item.items():
        text = str(value).strip()
        if len(text) >= 1 and text[0] in "'\"":
            text = text[1:-1] if len(text) > 1 and text[-1] == text[0] else text[1:]
        item[k] = text.replace("''", "'")
    if "sec" in item:
        item["sec"] = int(item["sec"]) if str(item["sec"]).isdigit() else None
    return item if ("line" in item or "header" in item) else None


def _load_block(fm: str, first_line: int) -> tuple[dict[str, Any], dict[int, int]]:
    data, node = yaml_safe.load_with_node(fm)
    if node is None:
        data = {}
    if not isinstance(data, dict):
        raise ReaderError(first_line, "front matter is not a mapping")
    lines: dict[int, int] = {}
    if node is not None:
        for key_node, value_node in node.value:
            if key_node.value == "transcript" and isinstance(value_node, yaml.SequenceNode):
                for i, item in enumerate(value_node.value):
                    lines[i] = first_line + item.start_mark.line
    return data, lines


def _duration(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        m = _ISO_DURATION.match(value.strip())
        if m and any(m.groups()):
            h, mi, s = m.groups()
            return int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)
        return parse_clock(value)
    return None


def _facts(data: dict[str, Any], notes: list[str]) -> Facts:
    ids = data.get("ids") if isinstance(data.get("ids"), dict) else {}
    links = data.get("links") if isinstance(data.get("links"), dict) else {}
    youtube = ids.get("youtube") if isinstance(ids, dict) else None
    youtube_id = None
    if isinstance(youtube, str):
        m = _YOUTUBE_ID.match(youtube.strip())
        youtube_id = m.group() if m else None
        if youtube_id and youtube.strip() != youtube_id:
            notes.append(f"YouTube id {youtube!r} has extra characters; {youtube_id!r} used")
    url = None
    for key in ("anchor", "spotify", "apple"):
        if isinstance(links, dict) and isinstance(links.get(key), str):
            url = links[key]
            break
    date = data.get("date") or data.get("dateadded")
    title = data.get("title")
    season, episode = data.get("season"), data.get("episode")
    description = data.get("description")
    return Facts(
        title=squash(str(title)) if title else None,
        show="DataTalks.Club",
        season=season if isinstance(season, int) else None,
        episode=episode if isinstance(episode, int) else None,
        youtube_id=youtube_id,
        url=url,
        duration=_duration(data.get("duration")),
        date=str(date) if date else None,
        description=squash(str(description)) if description else None,
    )


def _speaker(who: Any) -> str | None:
    if who is None:
        return None
    name = squash(str(who)).rstrip(":.").strip()
    return name or None


def _is_paragraph(who: Any) -> bool:
    """A `who` that holds speech rather than a name (the shifted-fields quirk)."""
    text = squash(str(who))
    return len(text.split()) > _NAME_WORDS or len(text) > 40


def _sec(item: dict[str, Any], line: int, notes: list[str]) -> float | None:
    sec, time = item.get("sec"), item.get("time")
    value: float | None = None
    if sec is not None:
        try:
            value = float(sec)
        except (TypeError, ValueError):
            notes.append(f"line {line}: sec {sec!r} is not a number; time used instead")
    if time is not None:
        clock = time if isinstance(time, str) else str(time)
        parsed = parse_clock(clock.replace("\n", ""))
        if parsed is None:
            m = re.fullmatch(r"\s*(\d+):(\d+)\s*", clock)
            parsed = float(int(m.group(1)) * 60 + int(m.group(2))) if m else None
            notes.append(
                f"line {line}: time {clock!r} is malformed"
                + (f"; sec {format_clock(value)} used" if value is not None else "")
            )
        if value is None:
            value = parsed
        elif parsed is not None and abs(parsed - value) >= 1:
            notes.append(f"line {line}: time {clock!r} disagrees with sec {sec}; sec used")
    return value


def read(text: str, name: str) -> Transcript:
    found = _front_matter(text)
    if found is None:
        raise ReaderError(1, "no YAML front matter between '---' lines")
    notes: list[str] = []
    data, item_lines = _load(found[0], found[1], notes)
    items = data.get("transcript")
    facts = _facts(data, notes)
    if isinstance(items, str):
        lines = _text_block(items, item_lines.get(0, found[1]))
        return Transcript(FORMAT, lines, facts, [], [], notes, fragments=False)
    if not isinstance(items, list):
        raise ReaderError(found[1], "'transcript' is not a list")
    utterances: list[Utterance] = []
    chapters: list[ChapterMark] = []
    set_aside: list[SetAside] = []
    copies: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        if isinstance(item, dict) and "line" in item:
            copies.setdefault(squash(str(item["line"])), []).append(i)

    for i, item in enumerate(items):
        line = item_lines.get(i, found[1])
        if not isinstance(item, dict):
            raise ReaderError(line, f"transcript item is a {type(item).__name__}, not a mapping")
        if "header" in item:
            title = squash(str(item.get("header") or ""))
            start = _sec(item, line, notes) if ("sec" in item or "time" in item) else None
            if title:
                chapters.append(ChapterMark(title, len(utterances), start))
            continue
        if "line" not in item:
            raise ReaderError(
                line, f"transcript item has neither 'line' nor 'header': {item!r}"[:200]
            )
        body = str(item.get("line") or "")
        debris = _DEBRIS.match(body)
        if debris:
            set_aside.append(SetAside("raw transcript debris", squash(debris.group()), line))
            notes.append(
                f"line {line}: leaked raw-transcript debris {squash(debris.group())!r} set aside"
            )
            body = body[debris.end() :]
        key = squash(body)
        if not key:
            continue
        who = item.get("who")
        if _is_duplicate(key, i, items, copies.get(squash(str(item["line"])), [])):
            shifted = f"{squash(str(who))} " if who is not None and _is_paragraph(who) else ""
            set_aside.append(SetAside("duplicate paragraph", shifted + key, line))
            continue
        start = _sec(item, line, notes)
        if who is not None and _is_paragraph(who):
            notes.append(f"line {line}: a paragraph sits in 'who'; kept as speech, speaker unknown")
            utterances.append(Utterance(squash(str(who)), line, start, None, None, True))
            utterances.append(Utterance(key, line, start, None, None, False))
            continue
        utterances.append(Utterance(key, line, start, None, _speaker(who), True))
    if not utterances:
        raise ReaderError(found[1], "the transcript has no lines")
    for u in utterances:
        if u.speaker:
            facts.speakers.setdefault(u.speaker, None)
    return Transcript(FORMAT, utterances, facts, chapters, set_aside, notes, fragments=False)


def _text_block(text: str, first_line: int) -> list[Utterance]:
    """An old page's `transcript: |` text: a clock line, a speaker line, then the paragraph."""
    utterances: list[Utterance] = []
    start: float | None = None
    speaker: str | None = None
    for n, raw in enumerate(text.split("\n")):
        line = raw.strip()
        if not line:
            continue
        clock = parse_clock(line)
        if clock is not None:
            start = clock
        elif _NAME_LINE.match(line):
            speaker = line
        else:
            utterances.append(Utterance(line, first_line + n, start, None, speaker, True))
    if not utterances:
        raise ReaderError(first_line, "the transcript text block has no lines")
    return utterances


def _completeness(item: dict[str, Any]) -> tuple[bool, bool]:
    return item.get("sec") is not None, item.get("who") is not None


def _is_duplicate(key: str, index: int, items: list[Any], places: list[int]) -> bool:
    """Merge debris: the same paragraph again, where another copy is as complete or more
    (has `sec` and `who`) and comes first if equal. A copy only counts when it is long or
    near; two full copies at different seconds are two things said, not a duplicate."""
    mine = items[index]
    for other in places:
        if other == index:
            continue
        theirs = items[other]
        both_timed = mine.get("sec") is not None and theirs.get("sec") is not None
        if both_timed and mine.get("sec") != theirs.get("sec"):
            continue
        if not (len(words(key)) >= _DUPLICATE_MIN_WORDS or abs(other - index) <= _DUPLICATE_WINDOW):
            continue
        rank_mine, rank_theirs = _completeness(mine), _completeness(theirs)
        if rank_theirs > rank_mine or (rank_theirs == rank_mine and other < index):
            return True
    return False
