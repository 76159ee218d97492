"""`python -m bot VERB`: one module per verb (`ingest`, `search`, `advice`, `run`,
`console`, `check`, `stats`, `model`, `db`), each registering its options and running as a
thin adapter; `main` assembles them, `options` holds what several share, `logs` sets up
logging for `run`.

Imports: anything below it, the Discord adapter and the console included (lazily: a verb
loads only what it needs).
"""
