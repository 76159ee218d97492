"""Episodes → matches. `fold` turns text into search terms (folding, stems, short forms),
`engine` is the one door to tantivy (the on-disk index of every segment's terms), `index`
gathers candidates from it and scores them by our BM25, `ranking` scores and orders the
moments for a query (`Searcher`), `filters` resolves loose speaker and episode names, and
`meaning` runs the sentence model that weighs near misses.

Imports: `bot.episodes`, `bot.errors`, `bot.text`; tantivy.
"""
