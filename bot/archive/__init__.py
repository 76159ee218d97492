"""The archive being served: a library with its derived data (search index, advice scores),
swapped whole on reload (`loaded`), the folder where what ingest computes is stored for
the bot to open (`derived`), and the search index kept there (`search_index`).

Imports: `bot.episodes`, `bot.search`, `bot.advice`, `bot.errors`, `bot.text`.
"""
