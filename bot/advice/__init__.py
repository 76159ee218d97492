"""Episodes → daily advice. `words` and `windows` find the stretches that read as advice,
`scoring` scores them with their reasons, `rotation` picks a server's next one from the pool,
`schedule` computes local posting times, and `daily_post` posts once a day per server,
exactly once across restarts (through `bot.storage`).

Imports: `bot.episodes`, `bot.storage`, `bot.errors`, `bot.text`.
"""
