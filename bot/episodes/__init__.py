"""Episodes: the pipeline's currency. The model (`Episode`, `Segment`, the reader's
`Transcript`), one episode file read and written (`files`), and the folder of them loaded as a
`Library` with what changed between two loads (`library`).

Imports: `bot.errors`, `bot.text`, `bot.yaml_safe` only.
"""
