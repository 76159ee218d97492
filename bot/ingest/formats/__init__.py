"""One module per input family. Each only *reads*: text → `Transcript` (see model.py).

Every reader module exposes:

- `FORMAT: str` – the format's name as written to episode files (e.g. "webvtt");
- `sniff(text: str, name: str) -> bool` – whether the content looks like this format
  (decided from the content; the file name only breaks ties);
- `read(text: str, name: str) -> Transcript` – raises `ReaderError(line, why)` for a file
  it cannot read and `NotTranscriptContent(reason)` for one that is clearly not a transcript.

`detect.py` holds the order in which readers are asked.
"""
