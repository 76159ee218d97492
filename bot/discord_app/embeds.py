"""Pure reply data (bot.reply.cards) → discord.py embeds."""

from __future__ import annotations

import discord

from bot.reply.advice_card import AdviceCard
from bot.reply.cards import QuoteCard

QUOTE_COLOUR = discord.Colour(0x2B7A78)
INFO_COLOUR = discord.Colour(0x3A506B)


def _card_embed(card: QuoteCard | AdviceCard, text: str, colour: discord.Colour) -> discord.Embed:
    """What a quote and an advice embed share: the words, who said them (when the source
    says) and when."""
    embed = discord.Embed(title=card.title, url=card.url, description=text, colour=colour)
    if card.speaker:
        embed.add_field(name="Speaker", value=card.speaker, inline=True)
    embed.add_field(name="Time", value=card.when, inline=True)
    return embed


def quote_embed(card: QuoteCard) -> discord.Embed:
    """The public embed of a /quote answer."""
    embed = _card_embed(card, card.quote, QUOTE_COLOUR)
    if card.chapter:
        embed.add_field(name="Chapter", value=card.chapter, inline=False)
    if card.thumbnail:
        embed.set_thumbnail(url=card.thumbnail)
    if card.footer:
        embed.set_footer(text=card.footer)
    return embed


ADVICE_COLOUR = discord.Colour(0xE0A100)


def advice_embed(card: AdviceCard) -> discord.Embed:
    """The embed of an advice post."""
    embed = _card_embed(card, card.advice, ADVICE_COLOUR)
    if card.thumbnail:
        embed.set_thumbnail(url=card.thumbnail)
    embed.set_footer(text=card.footer)
    return embed
