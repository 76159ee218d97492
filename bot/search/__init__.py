"""Episodes → matches. `fold` turns text into search terms (folding, stems, short forms),
`index` holds every segment's terms, `ranking` scores and orders the moments for a query
(`Searcher`), `filters` resolves loose speaker and episode names, and `meaning` runs the
sentence model that weighs near misses.

Imports: `bot.episodes`, `bot.errors`, `bot.text`.
"""
