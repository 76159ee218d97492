"""Matches, episodes and advice → what a member reads: cards of plain data (title, quote,
speaker, time, link) that every adapter draws its own way (`cards`, `advice_card`), and the
one-line summaries of a reload.

Imports: `bot.episodes`, `bot.search`, `bot.advice`, `bot.text`.
"""
