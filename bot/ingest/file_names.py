"""A readable title made from a raw file's name, for files that state no title of their own.

`episode_264_large.vtt` → "Episode 264 (large)", `031_scikit-learn_and_machine_learning.txt`
→ "#31: Scikit-learn and Machine Learning", `practical-ai-1.md` → "Practical AI #1", and a
generic name (`transcript.md`, `captions.srt`) takes the nearest folder that says more:
`lennys/chip-huyen/transcript.md` → "Chip Huyen". A name already written in words (`AI
Autocomplete for QGIS.srt`) is kept as it is. The episode file marks such a title
`title_from: filename`: it is made, not stated.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_EXTENSIONS = re.compile(r"(\.(mp3|m4a|md|txt|vtt|srt|json|html?|xml|xsl|yaml))+$", re.I)
# File names that say nothing about the episode (as the episode ids read them), and the two
# that say which kind of file of the episode this is.
_GENERIC = {"transcript", "transcripts", "captions", "caption", "subtitles", "english", "en"}
_GENERIC |= {"index", "episode", "text", "audio", "video"}
_KINDS = {"sentence-timings": "sentence timings", "word-timings": "word timings"}
_EPISODE = re.compile(r"^episode[-_ ]?(\d+)(?:[-_ ](.+))?$", re.I)
_LEADING_NUMBER = re.compile(r"^(?:ep)*0*(\d+)[-_ ]+(.+)$", re.I)
_TRAILING_NUMBER = re.compile(r"^(.+?)[-_ ]+0*(\d+)$")
_GLUED_DIGITS = re.compile(r"^([a-z]+)\d+$")  # `transcript0`: a generic name, numbered
_YEAR = re.compile(r"^\d{4}$")
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on"}
_SMALL_WORDS |= {"or", "the", "to", "vs", "with", "via"}
_UPPER = {"ai", "ml", "nlp", "llm", "gpu", "api", "ceo", "cto", "cpo", "eu", "gpt", "rag", "mlp"}
_UPPER |= {"ui", "ux", "sql", "aws", "gcp", "qgis", "cli", "sdk", "pdf"}
_ACRONYMS = {w: w.upper() for w in _UPPER}
_ACRONYMS |= {"llms": "LLMs", "gpus": "GPUs", "apis": "APIs", "pdfs": "PDFs", "mlops": "MLOps"}
_ACRONYMS |= {"genai": "GenAI"}
_VERSION = re.compile(r"^v\d+$")


def _stem(name: str) -> str:
    return _EXTENSIONS.sub("", name).strip()


def _key(stem: str) -> str:
    return re.sub(r"[\s_]+", "-", stem.casefold())


def _words(slug: str) -> str:
    """A slug's words in title case: `scikit-learn_and_machine_learning` → "Scikit-learn and
    Machine Learning". Underscores separate words where the name has them, else dashes."""
    sep = "_" if "_" in slug else "-"
    tokens = [t for t in re.split(rf"[{sep}\s]+", slug) if t]
    out: list[str] = []
    for i, token in enumerate(tokens):
        lower = token.casefold()
        if lower in _ACRONYMS:
            out.append(_ACRONYMS[lower])
        elif token != lower:
            out.append(token)  # the name has its own capitals: keep them
        elif (i and lower in _SMALL_WORDS) or _VERSION.match(lower):
            out.append(lower)
        else:
            out.append(token[:1].upper() + token[1:])
    return " ".join(out)


def _readable(stem: str) -> str:
    """The title a meaningful stem reads as."""
    if " " in stem.strip():
        return " ".join(stem.split())  # already words: keep the name as written
    m = _EPISODE.match(stem)
    if m:
        number, rest = int(m.group(1)), m.group(2)
        return f"Episode {number}" + (f" ({_words(rest).casefold()})" if rest else "")
    m = _LEADING_NUMBER.match(stem)
    if m and not _YEAR.match(m.group(1)):
        number, rest = int(m.group(1)), m.group(2)
        tail = _TRAILING_NUMBER.match(rest)
        if tail and int(tail.group(2)) == number:
            rest = tail.group(1)  # `ep324-…-324`: the number once is enough
        return f"#{number}: {_words(rest)}"
    m = _TRAILING_NUMBER.match(stem)
    if m and not _YEAR.match(m.group(2)):
        return f"{_words(m.group(1))} #{int(m.group(2))}"
    return _words(stem)


def title_from_name(source: str) -> str:
    """A readable title from the raw file's path (relative to what was ingested)."""
    path = PurePosixPath(source.replace("\\", "/"))
    stem = _stem(path.name) or path.name
    key = _key(stem)
    glued = _GLUED_DIGITS.match(key)
    base = glued.group(1) if glued else key
    if base in _GENERIC or key in _KINDS:
        folders = [
            p for p in reversed(path.parent.parts) if _key(p) not in _GENERIC and not _YEAR.match(p)
        ]
        if folders:
            qualifier = _KINDS.get(key) or (stem if glued else "")
            title = _readable(folders[0])
            return f"{title} ({qualifier})" if qualifier else title
    return _readable(stem)
