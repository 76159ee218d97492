"""`python -m bot run`: config, archive and database in, the bot out; signals handled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Literal

import aiohttp
import discord
import yarl

from bot.archive.loaded import Archive
from bot.archive.reload_news import share_reloads
from bot.config.settings import Config, discord_token
from bot.discord_app.client import PodquoteBot
from bot.discord_app.loop_lag import LoopLag
from bot.ingest.intake import sweep_parts
from bot.search.meaning import load_meaning
from bot.storage import open_store

log = logging.getLogger(__name__)

STOP_GRACE = 10.0  # seconds a stop waits for replies in flight

StartProblem = Literal["token", "network", "discord", "refused"]


class StartFailed(Exception):
    """The bot could not log in or set itself up on Discord: one line saying why, and what
    kind of problem it is (`python -m bot run` gives each kind its own exit status)."""

    def __init__(self, kind: StartProblem, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def start_failure(exc: BaseException, api_base: str) -> StartFailed | None:
    """What a failure to start means, in one line; None for anything else (a bug: it keeps
    its traceback)."""
    if isinstance(exc, discord.LoginFailure):
        return StartFailed(
            "token",
            "Discord refused the bot token (401 Unauthorized): check DISCORD_TOKEN "
            "(Developer Portal → your application → Bot → Reset Token)",
        )
    if isinstance(exc, discord.DiscordServerError):
        return StartFailed(
            "discord",
            f"Discord is failing ({_status(exc)}); try again later (https://discordstatus.com)",
        )
    if isinstance(exc, discord.HTTPException):
        return StartFailed(
            "refused", f"Discord refused a request at start: {_status(exc)}: {exc.text}"
        )
    if isinstance(exc, aiohttp.ClientError | OSError | TimeoutError | discord.GatewayNotFound):
        why = str(exc) or type(exc).__name__
        return StartFailed("network", f"cannot reach Discord at {api_base}: {why}")
    return None


def _status(exc: discord.HTTPException) -> str:
    reason = getattr(exc.response, "reason", None) or ""
    return f"{exc.status} {reason}".strip()


def point_at(config: Config) -> None:
    """Use the configured Discord endpoints (a Discord-compatible test server, say)."""
    discord.http.Route.BASE = config.discord.api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.discord.gateway_url)


async def run_bot(
    config: Config, *, sync_global: bool = False, resync: bool = False, grace: float = STOP_GRACE
) -> None:
    """Start the bot and serve until SIGINT/SIGTERM; SIGHUP reloads the transcripts.

    A stop lets replies in flight finish (up to `grace` seconds), logs out, then closes the
    database. The event loop's lag is watched throughout (`LoopLag`: stalls logged as they
    happen, a summary at the end).
    """
    token = discord_token()
    point_at(config)
    lag = LoopLag()
    watching = asyncio.create_task(lag.run(), name="loop-lag")
    meaning = await asyncio.to_thread(load_meaning, config.search.meaning)
    (log.warning if meaning.missing else log.info)("%s", meaning.status)
    archive = await Archive.open_async(config.data.episodes, meaning=meaning.encoder)
    for problem in archive.library.problems:
        log.warning("%s", problem)
    await asyncio.to_thread(sweep_parts, archive.places(config.data.raw))
    store = await open_store(config.data.database)
    await share_reloads(archive, store)  # PostgreSQL: a reload reaches every process
    if config.search.workers:
        archive.search_in_processes(config.search.workers, config.search.meaning)
    if config.search.vectors and meaning.folder is not None:
        archive.fill_vectors(meaning.folder)  # what the stored vectors lack, in the background
    bot = PodquoteBot(config, archive, store, sync_global=sync_global, resync=resync)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    reloads: set[asyncio.Task[None]] = set()

    async def reload() -> None:
        try:
            diff = await archive.reload()
        except Exception:
            log.exception("reload on SIGHUP failed; the previous transcripts are still served")
            return
        log.info(
            "reloaded on SIGHUP: +%d -%d ~%d episodes",
            len(diff.added),
            len(diff.removed),
            len(diff.changed),
        )

    def on_hup() -> None:
        task = loop.create_task(reload())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    loop.add_signal_handler(signal.SIGHUP, on_hup)
    try:
        async with bot:
            log.info("starting on %s", bot.shards_text())
            runner = asyncio.create_task(bot.start(token))
            waiter = asyncio.create_task(stopping.wait())
            done, _ = await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if runner in done:
                try:
                    runner.result()  # a login failure and the like: raise it
                except Exception as exc:
                    failure = start_failure(exc, config.discord.api_base)
                    if failure is None:
                        raise
                    raise failure from exc
            log.info("stopping")
            waiter.cancel()
            await bot.stop(grace)
            with contextlib.suppress(asyncio.CancelledError):
                await runner
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        await archive.stop_filling()
        await asyncio.to_thread(archive.close)
        await store.close()
        log.info("database closed")
        watching.cancel()
        log.info("%s", lag.summary())
