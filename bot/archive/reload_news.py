"""A reload reaches every process of the bot: one that reloads (/reload, SIGHUP, /ingest,
/remove) tells the others through the database (PostgreSQL's NOTIFY), and each that hears it
reloads without telling again, so the news never goes round in a loop. On SQLite the store
has no channel between processes and this does nothing (each process is sent SIGHUP)."""

from __future__ import annotations

import logging

from bot.archive.loaded import Archive
from bot.errors import PodquoteError
from bot.storage import Store, StoreError

log = logging.getLogger(__name__)


async def share_reloads(archive: Archive, store: Store) -> None:
    """Announce `archive`'s reloads to the other processes and reload it when they announce
    theirs (`StoreError` when the store cannot listen)."""

    async def tell() -> None:
        try:
            await store.notify_reload()
        except StoreError as exc:
            log.warning("the other processes were not told to reload: %s", exc)

    async def heard() -> None:
        try:
            diff = await archive.reload(announce=False)
        except PodquoteError as exc:
            log.warning("reload announced by another process failed: %s", exc)
            return
        log.info(
            "reloaded as another process did: +%d -%d ~%d episodes",
            len(diff.added),
            len(diff.removed),
            len(diff.changed),
        )

    archive.after_reload(tell)
    await store.listen_reload(heard)
