"""Raw files → episode files. `formats/` reads each family of transcript into a `Transcript`
(`formats.detect` picks the reader from the content), `catalog` adds the facts the files lack,
`segmenter` cuts quotable segments, `timing` fills missing times, `normalise` builds the
`Episode`, and `pipeline` runs a folder through it and writes the episode files.

Imports: `bot.episodes`, `bot.errors`, `bot.text`, `bot.yaml_safe`.
"""
