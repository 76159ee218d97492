"""The pure core: ingest, library, search, advice and render. Never imports discord."""
