"""A small Discord-compatible server on 127.0.0.1 for end-to-end tests of a discord.py bot.

The real discord.py library logs in against it, receives gateway events (READY, GUILD_CREATE,
INTERACTION_CREATE, ...) and answers through the REST routes it would use against Discord. Every
JSON body the bot sends is validated against Discord's published OpenAPI description
(``discord-api-spec/openapi.json`` beside this file); a violation is recorded and answered with a
400 "Invalid Form Body", as Discord would.

Sharding as Discord does it: ``GET /gateway/bot`` recommends ``shard_count`` shards, an IDENTIFY
may name ``[shard_id, shard_count]``, and that session then gets only the guilds of its shard,
``(guild_id >> 22) % shard_count``, in READY and GUILD_CREATE, and only their events (an
unsharded session gets every guild, as before).

Anything unexpected (an unknown route, an unknown interaction token, a second acknowledgement,
a late callback, a schema violation) is recorded in ``errors`` or ``violations``;
:meth:`FakeDiscord.raise_for_problems` turns them into one loud test failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import itertools
import json
import re
import reprlib
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import jsonschema
from aiohttp import WSMsgType, web
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

if TYPE_CHECKING:
    import discord

SPEC_PATH = Path(__file__).resolve().parent / "discord-api-spec" / "openapi.json"
SPEC_URI = "urn:discord-openapi"
API_VERSION = 10
DISCORD_EPOCH_MS = 1_420_070_400_000
HEARTBEAT_INTERVAL_MS = 41_250
EMBED_TOTAL_LIMIT = 6000

EPHEMERAL = 1 << 6
LOADING = 1 << 7
GUILD_MEMBERS_INTENT = 1 << 1
GUILD_MESSAGES_INTENT = 1 << 9
CLICK_DELAY = 0.05  # seconds from `send_component` to the click (see there)

# Permission bits as Discord sends them (strings): a plain member and a bot with what a quote bot
# needs (view channel, send messages, embed links, read history, use application commands).
MEMBER_PERMISSIONS = "2248473465835073"
BOT_PERMISSIONS = str((1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 31) | (1 << 38))

JsonObject = dict[str, Any]


# --------------------------------------------------------------------------- the world's data


@dataclass(frozen=True)
class FakeUser:
    """A user who is a member of the fake guilds."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    roles: tuple[int, ...] = ()

    def payload(self) -> JsonObject:
        """The user object as the gateway and REST API send it."""
        data: JsonObject = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
            "public_flags": 0,
            "flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(frozen=True)
class FakeChannel:
    """A guild channel (type 0 is a text channel)."""

    id: int
    name: str
    type: int = 0
    position: int = 0

    def payload(self, guild_id: int | None = None) -> JsonObject:
        """The channel object; ``guild_id`` is set outside GUILD_CREATE."""
        data: JsonObject = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "parent_id": None,
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        return data


@dataclass(frozen=True)
class FakeGuild:
    """A guild the bot is in: its channels and its members (besides the bot)."""

    id: int
    name: str
    channels: tuple[FakeChannel, ...]
    members: tuple[FakeUser, ...]
    owner_id: int | None = None


@dataclass(frozen=True)
class FakeAttachment:
    """A file a member attaches to a slash command's attachment option (type 11): sent as
    the option's value, resolved in the interaction data, its bytes served at its URL."""

    filename: str
    data: bytes
    content_type: str = "text/plain; charset=utf-8"


def _opt_str(value: Any) -> str | None:
    """Permission bit sets are strings in Discord's answers, whatever the request used."""
    return None if value is None else str(value)


def default_guild() -> FakeGuild:
    """One guild with a #general text channel and two members, alice and bob."""
    return FakeGuild(
        id=1_200_000_000_000_000_001,
        name="Podquote Test Guild",
        channels=(FakeChannel(1_300_000_000_000_000_001, "general"),),
        members=(
            FakeUser(1_400_000_000_000_000_001, "alice", "Alice"),
            FakeUser(1_400_000_000_000_000_002, "bob", "Bob"),
        ),
        owner_id=1_400_000_000_000_000_001,
    )


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a guild's events to."""
    return (guild_id >> 22) % shard_count


def guild_on_shard(shard: int, shard_count: int, index: int = 0) -> FakeGuild:
    """A guild whose events go to ``shard`` of ``shard_count`` (its ``index``-th there), with
    one #general channel and the default guild's members."""
    base = default_guild()
    stamp = 300_000_000_000 + index * shard_count + shard  # ms since Discord's epoch
    guild_id = (stamp << 22) | 1
    channel = FakeChannel((stamp << 22) | 2, "general")
    return FakeGuild(guild_id, f"Guild {shard}.{index}", (channel,), base.members, base.owner_id)


def _iso(ts: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if ts is None else ts, tz=UTC)
    return moment.isoformat(timespec="microseconds")


# --------------------------------------------------------------------------- records


@dataclass
class Call:
    """One REST call the bot made, with what it sent and what it got back."""

    method: str
    path: str  # below the API base, e.g. /interactions/123/abc/callback
    route: str | None  # the spec's path template, None for an unknown route
    query: dict[str, str]
    body: Any  # the parsed JSON body (or ``payload_json`` of a multipart body), else None
    files: list[str]
    at: float  # time.perf_counter() when the request arrived
    status: int = 0
    response: Any = None
    injected: bool = False  # answered by fail_next()
    violation: str | None = None

    @property
    def ok(self) -> bool:
        """True when the call succeeded (2xx)."""
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Violation:
    """A request body that the OpenAPI schema of its operation refuses."""

    route: str
    message: str
    body: Any


@dataclass(frozen=True)
class CommandSync:
    """One bulk overwrite of application commands (guild_id None: global)."""

    guild_id: int | None
    payload: list[JsonObject]
    at: float


@dataclass
class _Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: JsonObject | None
    retry_after: float | None
    times: int


class _ApiError(Exception):
    """An error answer of the API; ``record`` also files it in FakeDiscord.errors."""

    def __init__(self, status: int, code: int, message: str, *, record: bool = True) -> None:
        super().__init__(f"{status} {message} (code {code})")
        self.status = status
        self.body: JsonObject = {"message": message, "code": code}
        self.record = record


# --------------------------------------------------------------------------- OpenAPI validation


@functools.cache
def _spec_and_registry() -> tuple[JsonObject, Registry[Any]]:
    """Load openapi.json once per process; snowflakes may also be sent as JSON integers."""
    spec: JsonObject = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    # Discord accepts integer snowflakes in request bodies and discord.py sends some that way
    # (allowed_mentions.users, message_reference.message_id): accept both forms.
    schemas["SnowflakeType"] = {"anyOf": [schemas["SnowflakeType"], {"type": "integer"}]}
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    return spec, Registry().with_resource(SPEC_URI, resource)


def _absolute_refs(schema: Any) -> Any:
    """Rewrite local ``#/...`` refs of an operation's schema to point into the registered spec."""
    if isinstance(schema, dict):
        return {
            k: (SPEC_URI + v if k == "$ref" and v.startswith("#") else _absolute_refs(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_absolute_refs(v) for v in schema]
    return schema


@functools.cache
def _validator(template: str, method: str, kind: str) -> jsonschema.Draft202012Validator | None:
    """The validator of an operation's JSON request body (``kind='request'``) or 2xx response."""
    spec, registry = _spec_and_registry()
    operation = spec["paths"].get(template, {}).get(method.lower())
    if operation is None:
        return None
    if kind == "request":
        content = operation.get("requestBody", {}).get("content", {})
    else:
        content = operation.get("responses", {}).get("200", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    return jsonschema.Draft202012Validator(_absolute_refs(schema), registry=registry)


def spec_templates() -> dict[str, set[str]]:
    """Every path template of the spec with its methods (upper case)."""
    spec, _ = _spec_and_registry()
    return {
        path: {m.upper() for m in ops if m != "parameters"} for path, ops in spec["paths"].items()
    }


def _branch_errors(error: ValidationError) -> list[ValidationError]:
    """For an anyOf/oneOf failure, the errors of the branch the body most likely meant.

    Preferred, in order: a branch of the value's JSON type (not ``null`` for an object); one
    whose ``type`` discriminator (e.g. the interaction callback type) matched; the one with
    the fewest errors; the one whose errors go deepest.
    """
    depth = len(error.absolute_path)
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def rank(errors: list[ValidationError]) -> tuple[bool, bool, int, int]:
        wrong_type = any(e.validator == "type" and len(e.absolute_path) == depth for e in errors)
        discriminator_failed = any(list(e.relative_path) == ["type"] for e in errors)
        deepest = max(len(e.absolute_path) for e in errors)
        return (not wrong_type, not discriminator_failed, -len(errors), deepest)

    return max(branches.values(), key=rank) if branches else []


def _leaf_errors(error: ValidationError) -> list[ValidationError]:
    """The most specific errors under ``error`` (descending into anyOf/oneOf)."""
    depth = len(error.absolute_path)
    if not error.context or all(len(e.absolute_path) == depth for e in error.context):
        return [error]  # e.g. a value outside an enum written as oneOf of consts
    return [leaf for sub in _branch_errors(error) for leaf in _leaf_errors(sub)]


def _message(error: ValidationError) -> str:
    """A short message in Discord's words where it has some (no huge instance reprs)."""
    value, instance = error.validator_value, error.instance
    if error.validator in ("maxLength", "maxItems"):
        return f"Must be {value} or fewer in length (got {len(instance)})."
    if error.validator in ("minLength", "minItems"):
        return f"Must be {value} or more in length (got {len(instance)})."
    if error.validator in ("anyOf", "oneOf"):
        return f"{reprlib.repr(instance)} is not valid here."
    text = str(error.message)
    return text if len(text) <= 200 else text[:200] + "..."


def _embed_size_problems(body: Any) -> list[str]:
    """Discord's 6000-character limit on all embeds of a message, which no schema states."""
    problems = []
    holders = [("", body)]
    if isinstance(body, dict):
        holders.append(("data.", body.get("data")))
    for prefix, holder in holders:
        if not isinstance(holder, dict) or not isinstance(holder.get("embeds"), list):
            continue
        total = 0
        for embed in holder["embeds"]:
            if not isinstance(embed, dict):
                continue
            texts = [embed.get("title"), embed.get("description")]
            texts += [
                (embed.get("footer") or {}).get("text"),
                (embed.get("author") or {}).get("name"),
            ]
            for item in embed.get("fields") or []:
                texts += [item.get("name"), item.get("value")]
            total += sum(len(t) for t in texts if isinstance(t, str))
        if total > EMBED_TOTAL_LIMIT:
            problems.append(
                f"{prefix}embeds: Embed size exceeds maximum size of {EMBED_TOTAL_LIMIT} "
                f"(got {total})."
            )
    return problems


def validate_body(template: str, method: str, body: Any, kind: str = "request") -> list[str]:
    """Schema errors of ``body`` for the operation, as ``'data.embeds.0.title: msg'`` lines.

    Request bodies are also held to the total embed size, which the schema cannot express.
    """
    validator = _validator(template, method, kind)
    if validator is None:
        return []
    problems = _embed_size_problems(body) if kind == "request" else []
    for error in validator.iter_errors(body):
        for leaf in _leaf_errors(error):
            where = ".".join(str(p) for p in leaf.absolute_path) or "(body)"
            problems.append(f"{where}: {_message(leaf)}")
    return sorted(set(problems))


def _form_errors(problems: Sequence[str]) -> JsonObject:
    """Discord's nested ``errors`` object of an Invalid Form Body answer."""
    tree: JsonObject = {}
    for problem in problems:
        where, _, message = problem.partition(": ")
        node = tree
        for part in where.split(".") if where != "(body)" else []:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "SCHEMA_VALIDATION", "message": message})
    return tree


# --------------------------------------------------------------------------- interactions


@dataclass
class _InteractionState:
    handle: InteractionHandle
    channel_id: int
    guild_id: int | None
    user: JsonObject
    deadline: float | None
    component_message: JsonObject | None = None  # the message a component sits on
    response_type: int | None = None
    original: JsonObject | None = None
    followups: dict[int, JsonObject] = field(default_factory=dict)


class InteractionHandle:
    """What a test holds after sending an interaction: await the bot's responses here.

    ``callback()`` gives the accepted ``POST /interactions/{id}/{token}/callback``; ``edit(n)``
    the n-th accepted edit of the original response; ``followup(n)`` the n-th followup. Every
    attempt, including failed or injected ones, is in ``calls``.
    """

    def __init__(self, server: FakeDiscord, payload: JsonObject) -> None:
        self.server = server
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.sent_at = 0.0
        self.calls: list[Call] = []
        self.shards: list[tuple[int, int] | None] = []  # the sessions it was sent to

    @property
    def message(self) -> JsonObject | None:
        """The original response message as it stands now (None before a message exists)."""
        state = self.server._interactions.get(self.token)
        return None if state is None else state.original

    def elapsed(self, call: Call) -> float:
        """Seconds from sending the interaction to the arrival of ``call``."""
        return call.at - self.sent_at

    def _kind(self, call: Call) -> str:
        route = call.route or ""
        if route.endswith("/callback"):
            return "callback"
        if route.endswith("/@original"):
            return f"{call.method.lower()}-original"
        if route == "/webhooks/{webhook_id}/{webhook_token}" and call.method == "POST":
            return "followup"
        return f"{call.method.lower()}-followup"

    def accepted(self, kind: str) -> list[Call]:
        """Successful calls of one kind: callback, patch-original, followup, patch-followup..."""
        return [c for c in self.calls if c.ok and self._kind(c) == kind]

    async def _nth(self, kind: str, index: int, timeout: float) -> Call:
        def found() -> bool:
            return len(self.accepted(kind)) > index

        try:
            await self.server.wait_until(found, timeout)
        except TimeoutError:
            seen = [f"{c.method} {c.path} -> {c.status}" for c in self.calls] or ["nothing"]
            raise AssertionError(
                f"interaction {self.id}: no {kind} #{index} within {timeout}s; got: {seen}; "
                f"server problems: {self.server.problems()}"
            ) from None
        return self.accepted(kind)[index]

    async def callback(self, timeout: float = 3.0) -> Call:
        """The accepted interaction callback."""
        return await self._nth("callback", 0, timeout)

    async def edit(self, index: int = 0, timeout: float = 3.0) -> Call:
        """The ``index``-th accepted PATCH of the original response."""
        return await self._nth("patch-original", index, timeout)

    async def followup(self, index: int = 0, timeout: float = 3.0) -> Call:
        """The ``index``-th accepted followup message."""
        return await self._nth("followup", index, timeout)


# --------------------------------------------------------------------------- the server


@dataclass(frozen=True)
class _Req:
    """What a route handler gets: the path parameters, the parsed body and the query."""

    params: dict[str, str]
    body: Any
    query: Mapping[str, str]


Handler = Callable[[_Req], Awaitable[tuple[int, Any]]]


@dataclass
class _GatewaySession:
    ws: web.WebSocketResponse
    session_id: str = field(default_factory=lambda: secrets.token_hex(16))
    seq: int = 0
    identified: bool = False
    intents: int = 0
    shard: tuple[int, int] | None = None  # [shard_id, shard_count] of IDENTIFY; None: all

    def receives(self, guild_id: int) -> bool:
        """Whether this session gets the guild's events (an unsharded one gets them all)."""
        return self.shard is None or shard_of(guild_id, self.shard[1]) == self.shard[0]


@dataclass
class PostGate:
    """Holds the bot's next post to one channel (`FakeDiscord.hold_posts`): ``arrived`` is
    set when it is held; ``release`` answers it, made (``deliver``) or failed with a 500."""

    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    deliver: bool = True

    def release(self, *, deliver: bool = True) -> None:
        """Let the held post through, made or not."""
        self.deliver = deliver
        self.released.set()


class FakeDiscord:
    """A Discord-compatible REST API and gateway on 127.0.0.1 (random free port).

    Use as ``async with FakeDiscord() as server:``; point discord.py at it with
    :func:`patch_discord` and run a bot with :func:`run_bot`.
    """

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        application_id: int = 1_100_000_000_000_000_001,
        bot_name: str = "podquote",
        guilds: Sequence[FakeGuild] | None = None,
        callback_deadline: float | None = 3.0,
        validate_responses: bool = True,
        validate_requests: bool = True,
        shard_count: int = 1,
    ) -> None:
        self.token = token
        # What GET /gateway/bot recommends; IDENTIFY may name any count of its own.
        self.shard_count = shard_count
        self.application_id = application_id
        self.bot_user = FakeUser(application_id, bot_name, None, bot=True)
        self.guilds: list[FakeGuild] = list(guilds) if guilds is not None else [default_guild()]
        self.callback_deadline = callback_deadline
        self.validate_responses = validate_responses
        # Off only for benchmarks (bench/soak.py): checking each body against the API's
        # schema costs the server more than the bot's answer, and would be timed with it.
        self.validate_requests = validate_requests

        self.calls: list[Call] = []
        self.errors: list[str] = []
        self.violations: list[Violation] = []
        self.command_syncs: list[CommandSync] = []
        self.commands: dict[int | None, list[JsonObject]] = {}
        self.channel_messages: dict[int, list[JsonObject]] = {}
        # Channels deleted since the guild was created (404 Unknown Channel from then on),
        # and channels where the bot lacks Send Messages (403 Missing Permissions on post).
        self.deleted_channels: set[int] = set()
        self.forbidden_channels: set[int] = set()
        self._nonces: dict[tuple[int, str], JsonObject] = {}
        self.gateway_received: list[JsonObject] = []
        # Attachments members sent, by id, and the ids whose bytes the bot downloaded.
        self.attachments: dict[str, FakeAttachment] = {}
        self.downloads: list[str] = []
        self.identified = asyncio.Event()
        # Each IDENTIFY's [shard_id, shard_count] (None: unsharded), and the guilds its READY
        # listed, in order.
        self.identifies: list[tuple[tuple[int, int] | None, list[int]]] = []
        self._session_shards: dict[str, tuple[int, int] | None] = {}
        self._held_posts: dict[int, PostGate] = {}

        self._interactions: dict[str, _InteractionState] = {}
        self._failures: list[_Failure] = []
        self._sessions: list[_GatewaySession] = []
        self._changed = asyncio.Condition()
        self._last_snowflake = 0
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._routes: list[tuple[str, str, re.Pattern[str], Handler]] = []
        self._add_routes()

    # ------------------------------------------------------------------ lifecycle

    @property
    def api_base(self) -> str:
        """The REST base URL, the value for ``discord.http.Route.BASE``."""
        return f"http://127.0.0.1:{self._port}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        """The gateway URL, the value for ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    def attachment_url(self, attachment_id: str, filename: str) -> str:
        """Where an attachment's bytes are served (Discord's CDN)."""
        return f"http://127.0.0.1:{self._port}/attachments/{attachment_id}/{filename}"

    async def _download(self, request: web.Request) -> web.Response:
        """An attachment's bytes, as Discord's CDN serves them."""
        attachment_id = request.match_info["attachment_id"]
        found = self.attachments.get(attachment_id)
        if found is None or found.filename != request.match_info["filename"]:
            self.errors.append(f"unknown attachment: GET {request.path}")
            return web.Response(status=404, text="404: Not Found")
        self.downloads.append(attachment_id)
        return web.Response(body=found.data, content_type="application/octet-stream")

    def _resolve_attachments(self, options: Mapping[str, Any]) -> tuple[JsonObject, JsonObject]:
        """`options` with each `FakeAttachment` replaced by a new attachment id, and the
        interaction data's `resolved` attachments for them."""
        values: JsonObject = {}
        resolved: JsonObject = {}
        for name, value in options.items():
            if not isinstance(value, FakeAttachment):
                values[name] = value
                continue
            attachment_id = str(self.snowflake())
            self.attachments[attachment_id] = value
            url = self.attachment_url(attachment_id, value.filename)
            resolved[attachment_id] = {
                "id": attachment_id,
                "filename": value.filename,
                "size": len(value.data),
                "url": url,
                "proxy_url": url,
                "content_type": value.content_type,
                "ephemeral": True,
            }
            values[name] = attachment_id
        return values, resolved

    def config_section(self) -> str:
        """The `[discord]` section of a config.toml that points the bot at this server."""
        return (
            f"[discord]\nguild_ids = [{default_guild().id}]\n"
            f'api_base = "{self.api_base}"\ngateway_url = "{self.gateway_url}"\n'
        )

    async def start(self) -> None:
        """Listen on 127.0.0.1 at a free port."""
        _spec_and_registry()  # load the spec now rather than during the first request
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._download)
        app.router.add_route("*", "/api/v{version}/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close gateway connections and the listener."""
        for session in list(self._sessions):
            await session.ws.close(code=1001, message=b"server stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test-facing helpers

    @property
    def routes(self) -> list[tuple[str, str]]:
        """The REST operations the fake answers, as (method, spec path template)."""
        return [(method, template) for method, template, _, _ in self._routes]

    @property
    def gateway_connections(self) -> int:
        """How many gateway connections are open."""
        return len(self._sessions)

    def problems(self) -> list[str]:
        """Recorded errors and schema violations, one line each."""
        return self.errors + [f"schema: {v.route}: {v.message}" for v in self.violations]

    def raise_for_problems(self) -> None:
        """Fail loudly when anything unexpected was recorded."""
        if problems := self.problems():
            raise AssertionError("fake Discord saw problems:\n  " + "\n  ".join(problems))

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        body: JsonObject | None = None,
        retry_after: float | None = None,
        *,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls matching ``method`` and ``path_regex`` with ``status``.

        ``path_regex`` is searched in the path below the API base. A 429 carries Discord's
        rate-limit headers and body (``retry_after`` seconds, default 0.05) so discord.py retries.
        """
        self._failures.append(
            _Failure(method.upper(), re.compile(path_regex), status, body, retry_after, times)
        )

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 3.0) -> None:
        """Wait until ``predicate()`` holds, or raise TimeoutError.

        It is re-checked after each REST call or gateway message, and every 20 ms for
        conditions on the bot's side (which the server cannot see change).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with self._changed:
            while not predicate():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(remaining, 0.02))

    async def wait_for_call(self, method: str, path_regex: str, timeout: float = 3.0) -> Call:
        """The first recorded call matching ``method`` and ``path_regex``."""
        pattern = re.compile(path_regex)

        def matching() -> list[Call]:
            return [c for c in self.calls if c.method == method and pattern.search(c.path)]

        try:
            await self.wait_until(lambda: bool(matching()), timeout)
        except TimeoutError:
            raise AssertionError(f"no {method} {path_regex} within {timeout}s") from None
        return matching()[0]

    def snowflake(self) -> int:
        """A fresh, increasing snowflake id for the current time."""
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_snowflake = max(candidate, self._last_snowflake + 1)
        return self._last_snowflake

    def guild(self, guild_id: int | None = None) -> FakeGuild:
        """A configured guild (the first one by default)."""
        if guild_id is None:
            return self.guilds[0]
        for guild in self.guilds:
            if guild.id == guild_id:
                return guild
        raise LookupError(f"no configured guild {guild_id}")

    def channel(self, channel_id: int) -> tuple[FakeGuild, FakeChannel] | None:
        """The guild and channel for a channel id, if configured."""
        for guild in self.guilds:
            for channel in guild.channels:
                if channel.id == channel_id:
                    return guild, channel
        return None

    # ------------------------------------------------------------------ gateway

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _send(self, session: _GatewaySession, payload: JsonObject) -> None:
        await session.ws.send_str(json.dumps(payload))

    async def _dispatch_to(self, session: _GatewaySession, event: str, data: JsonObject) -> int:
        session.seq += 1
        await self._send(session, {"op": 0, "t": event, "s": session.seq, "d": data})
        return session.seq

    async def dispatch(
        self, event: str, data: JsonObject, *, guild_id: int | None = None
    ) -> list[tuple[int, int] | None]:
        """Send a DISPATCH (op 0) event to every identified gateway connection; a guild's
        event only to the connections of its shard (`shard_of`) and unsharded ones. Returns
        the shard of each connection it went to (None: unsharded)."""
        sessions = [
            s
            for s in self._sessions
            if s.identified and not s.ws.closed and (guild_id is None or s.receives(guild_id))
        ]
        if not sessions:
            shard = "" if guild_id is None else f" of guild {guild_id}'s shard"
            raise RuntimeError(f"cannot dispatch {event}: no bot{shard} is connected")
        for session in sessions:
            await self._dispatch_to(session, event, data)
        return [session.shard for session in sessions]

    def sessions_by_shard(self) -> dict[int | None, int]:
        """Open, identified gateway connections per shard id (None: unsharded)."""
        found: dict[int | None, int] = {}
        for session in self._sessions:
            if session.identified and not session.ws.closed:
                key = None if session.shard is None else session.shard[0]
                found[key] = found.get(key, 0) + 1
        return found

    def hold_posts(self, channel_id: int) -> PostGate:
        """Hold the bot's next post to a channel until the test releases it (to kill a bot
        between recording a post and hearing it was made, say); later posts pass."""
        gate = PostGate()
        self._held_posts[channel_id] = gate
        return gate

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        if request.query.get("v") != str(API_VERSION) or request.query.get("encoding") != "json":
            self.errors.append(f"gateway: unsupported query {dict(request.query)}")
            await ws.close(code=4012, message=b"Invalid API version")
            return ws
        # The client asks for compress=zlib-stream but accepts plain text frames, so none is used.
        session = _GatewaySession(ws)
        self._sessions.append(session)
        try:
            await self._send(
                session, {"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}
            )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_gateway_message(session, json.loads(msg.data))
                    await self._notify()
                elif msg.type is WSMsgType.BINARY:
                    self.errors.append("gateway: binary frame received (only JSON text is spoken)")
        finally:
            self._sessions.remove(session)
        return ws

    async def _on_gateway_message(self, session: _GatewaySession, message: JsonObject) -> None:
        self.gateway_received.append(message)
        op = message.get("op")
        raw = message.get("d")
        data: JsonObject = raw if isinstance(raw, dict) else {}
        if op == 1:
            await self._send(session, {"op": 11})
        elif op == 2:
            await self._identify(session, data)
        elif op == 6:
            await self._resume(session, data)
        elif op == 8:
            await self._request_members(session, data)
        elif op not in (3, 4):  # presence and voice state updates are accepted silently
            self.errors.append(f"gateway: unexpected op {op}: {message}")

    async def _identify(self, session: _GatewaySession, data: JsonObject) -> None:
        if data.get("token") != self.token:
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = data.get("shard")
        if shard is not None:
            valid = (
                isinstance(shard, list)
                and len(shard) == 2
                and all(isinstance(n, int) and not isinstance(n, bool) for n in shard)
                and 0 <= shard[0] < shard[1]
            )
            if not valid:
                self.errors.append(f"gateway: invalid shard in IDENTIFY: {shard!r}")
                await session.ws.close(code=4010, message=b"Invalid shard.")
                return
            session.shard = (shard[0], shard[1])
        self._session_shards[session.session_id] = session.shard
        guilds = [g for g in self.guilds if session.receives(g.id)]
        self.identifies.append((session.shard, [g.id for g in guilds]))
        session.identified = True
        session.intents = int(data.get("intents", 0))
        ready: JsonObject = {
            "v": API_VERSION,
            "user": {
                **self.bot_user.payload(),
                "mfa_enabled": False,
                "verified": True,
                "email": None,
            },
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "user_settings": {},
            "auth": {},
            "_trace": ['["fake-discord",{"micros":0}]'],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self._dispatch_to(session, "READY", ready)
        members_intent = bool(session.intents & GUILD_MEMBERS_INTENT)
        for guild in guilds:
            payload = self.guild_create_payload(guild, all_members=members_intent)
            await self._dispatch_to(session, "GUILD_CREATE", payload)
        self.identified.set()

    async def _resume(self, session: _GatewaySession, data: JsonObject) -> None:
        if data.get("token") != self.token:
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        # Nothing was missed: no event is queued while a bot is away. Start a fresh sequence.
        session.identified = True
        session.session_id = str(data.get("session_id") or session.session_id)
        session.shard = self._session_shards.get(session.session_id)
        session.seq = int(data.get("seq") or 0)
        await self._dispatch_to(session, "RESUMED", {"_trace": ['["fake-discord",{}]']})

    async def _request_members(self, session: _GatewaySession, data: JsonObject) -> None:
        guild_id = int(data["guild_id"])
        guild = self.guild(guild_id)
        chunk = {
            "guild_id": str(guild_id),
            "members": [self.member_payload(u) for u in (*guild.members, self.bot_user)],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)

    def member_payload(self, user: FakeUser, *, with_permissions: bool = False) -> JsonObject:
        """A guild member object for ``user``."""
        member: JsonObject = {
            "user": user.payload(),
            "roles": [str(r) for r in user.roles],
            "nick": None,
            "avatar": None,
            "banner": None,
            "collectibles": None,
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "premium_since": None,
            "communication_disabled_until": None,
            "unusual_dm_activity_until": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
        }
        if with_permissions:
            member["permissions"] = MEMBER_PERMISSIONS
        return member

    def guild_create_payload(self, guild: FakeGuild, *, all_members: bool = True) -> JsonObject:
        """The GUILD_CREATE payload of a configured guild.

        As on Discord, the member list holds every member only for a bot with the privileged
        GUILD_MEMBERS intent; otherwise just the bot itself (``member_count`` counts them all).
        """
        everyone = {
            "id": str(guild.id),
            "name": "@everyone",
            "permissions": MEMBER_PERMISSIONS,
            "position": 0,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        everyone_else = guild.members if all_members else ()
        members = [self.member_payload(u) for u in (*everyone_else, self.bot_user)]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id or guild.members[0].id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": str(guild.channels[0].id) if guild.channels else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "features": [],
            "roles": [everyone],
            "emojis": [],
            "stickers": [],
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "large": False,
            "lazy": True,
            "unavailable": False,
            "member_count": len(guild.members) + 1,
            "members": members,
            "channels": [c.payload() for c in guild.channels],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "application_command_counts": {},
            "incidents_data": None,
        }

    # ------------------------------------------------------------------ sending interactions

    def _find_command(self, name: str, guild_id: int | None) -> JsonObject | None:
        for scope in (guild_id, None):
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command
        return None

    @staticmethod
    def _option_payloads(
        options: Mapping[str, Any] | Sequence[JsonObject] | None,
        command: JsonObject | None,
        focused: str | None = None,
    ) -> list[JsonObject]:
        if options is None:
            return []
        if not isinstance(options, Mapping):
            return [dict(o) for o in options]
        declared = {o["name"]: o for o in (command or {}).get("options") or []}
        payloads = []
        for name, value in options.items():
            if name in declared:
                kind = declared[name]["type"]
            elif isinstance(value, bool):
                kind = 5
            elif isinstance(value, int):
                kind = 4
            elif isinstance(value, float):
                kind = 10
            else:
                kind = 3
            option: JsonObject = {"name": name, "type": kind, "value": value}
            if name == focused:
                option["focused"] = True
                option["value"] = str(value)  # the partial text the user is typing
            payloads.append(option)
        return payloads

    def _base_interaction(
        self,
        kind: int,
        guild_id: int | None,
        channel_id: int | None,
        user: FakeUser | None,
        locale: str,
    ) -> tuple[JsonObject, FakeGuild, FakeChannel, FakeUser]:
        guild = self.guild(guild_id)
        channel = (
            guild.channels[0]
            if channel_id is None
            else next(c for c in guild.channels if c.id == channel_id)
        )
        user = user or guild.members[0]
        channel_payload = channel.payload(guild.id)
        channel_payload["permissions"] = MEMBER_PERMISSIONS
        payload: JsonObject = {
            "id": str(self.snowflake()),
            "application_id": str(self.application_id),
            "type": kind,
            "token": "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96),
            "version": 1,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "features": [], "locale": "en-US"},
            "guild_locale": "en-US",
            "channel_id": str(channel.id),
            "channel": channel_payload,
            "member": self.member_payload(user, with_permissions=True),
            "locale": locale,
            "app_permissions": BOT_PERMISSIONS,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        return payload, guild, channel, user

    async def _send_interaction_payload(
        self,
        payload: JsonObject,
        guild: FakeGuild,
        channel: FakeChannel,
        component_message: JsonObject | None = None,
    ) -> InteractionHandle:
        handle = InteractionHandle(self, payload)
        self._interactions[handle.token] = _InteractionState(
            handle=handle,
            channel_id=channel.id,
            guild_id=guild.id,
            user=payload["member"]["user"],
            deadline=self.callback_deadline,
            component_message=component_message,
        )
        handle.sent_at = time.perf_counter()
        handle.shards = await self.dispatch("INTERACTION_CREATE", payload, guild_id=guild.id)
        return handle

    async def send_interaction(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[JsonObject] | None = None,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user: FakeUser | None = None,
        locale: str = "en-US",
        resolved: JsonObject | None = None,
    ) -> InteractionHandle:
        """Send INTERACTION_CREATE for the slash command ``/name`` (type 2).

        ``options`` maps option names to values (types come from the synced command), or is a
        raw list of option payloads (for subcommands). The command must have been synced
        (guild or global): Discord sends interactions only for registered commands.
        ``resolved`` is the data's resolved users/channels/roles for such options. A
        `FakeAttachment` value is sent as Discord sends a file: its id as the value, the
        attachment in ``resolved``, its bytes served at its URL.
        """
        payload, guild, channel, _ = self._base_interaction(2, guild_id, channel_id, user, locale)
        files: JsonObject = {}
        if isinstance(options, Mapping):
            options, files = self._resolve_attachments(options)
        command = self._command_data(name, guild.id, options)
        if files:
            resolved = {**(resolved or {}), "attachments": files}
        if resolved is not None:
            command["resolved"] = resolved
        payload["data"] = command
        return await self._send_interaction_payload(payload, guild, channel)

    async def send_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user: FakeUser | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Send an autocomplete interaction (type 4) for ``/name`` with ``focused`` being typed."""
        payload, guild, channel, _ = self._base_interaction(4, guild_id, channel_id, user, locale)
        payload["data"] = self._command_data(name, guild.id, options, focused)
        return await self._send_interaction_payload(payload, guild, channel)

    async def send_component(
        self,
        message: JsonObject | InteractionHandle,
        custom_id: str,
        *,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        user: FakeUser | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Send a component interaction (type 3): a click on ``custom_id`` of ``message``.

        ``message`` is a message the bot sent (a dict, or the handle whose original response
        carries the component). ``values`` are the picked options of a select menu.

        The click comes `CLICK_DELAY` after the call: discord.py stores a view only once it
        has read Discord's answer to the message that carries it, and a click sent the instant
        the test saw that message could reach the gateway first and find no view (no member
        clicks within 50 ms of a message appearing).
        """
        await asyncio.sleep(CLICK_DELAY)
        if isinstance(message, InteractionHandle):
            original = message.message
            if original is None:
                raise LookupError(f"interaction {message.id} has no response message yet")
            message = original
        component = _find_component(message.get("components") or [], custom_id)
        if component is None:
            raise LookupError(f"message {message['id']} has no component {custom_id!r}")
        channel_id = int(message["channel_id"])
        located = self.channel(channel_id)
        if located is None:
            raise LookupError(f"message {message['id']} is in an unknown channel {channel_id}")
        guild, channel = located
        payload, _, _, _ = self._base_interaction(3, guild.id, channel.id, user, locale)
        data: JsonObject = {"custom_id": custom_id, "component_type": component_type}
        if "id" in component:
            data["id"] = component["id"]
        if values is not None:
            data["values"] = list(values)
        payload["data"] = data
        payload["message"] = copy.deepcopy(message)
        return await self._send_interaction_payload(payload, guild, channel, message)

    def _command_data(
        self,
        name: str,
        guild_id: int,
        options: Mapping[str, Any] | Sequence[JsonObject] | None,
        focused: str | None = None,
    ) -> JsonObject:
        command = self._find_command(name, guild_id)
        if command is None:
            known = sorted(c["name"] for cs in self.commands.values() for c in cs)
            raise LookupError(f"/{name} was never synced (synced: {known}); sync the tree first")
        data: JsonObject = {
            "id": command["id"],
            "name": name,
            "type": 1,
            "options": self._option_payloads(options, command, focused),
        }
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return data

    # ------------------------------------------------------------------ REST plumbing

    def _add_routes(self) -> None:
        app = "/applications/{application_id}"
        hook = "/webhooks/{webhook_id}/{webhook_token}"
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/users/@me", self._get_me),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", f"{app}/commands", self._get_commands),
            ("PUT", f"{app}/commands", self._put_commands),
            ("GET", f"{app}/guilds/{{guild_id}}/commands", self._get_commands),
            ("PUT", f"{app}/guilds/{{guild_id}}/commands", self._put_commands),
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self._callback),
            ("GET", f"{hook}/messages/@original", self._get_original),
            ("PATCH", f"{hook}/messages/@original", self._patch_original),
            ("DELETE", f"{hook}/messages/@original", self._delete_original),
            ("POST", hook, self._post_followup),
            ("GET", f"{hook}/messages/{{message_id}}", self._get_followup),
            ("PATCH", f"{hook}/messages/{{message_id}}", self._patch_followup),
            ("DELETE", f"{hook}/messages/{{message_id}}", self._delete_followup),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("POST", "/channels/{channel_id}/messages", self._post_channel_message),
            ("GET", "/channels/{channel_id}/messages", self._list_channel_messages),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_channel_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._patch_channel_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_channel_msg),
        ]
        for method, template, handler in table:
            parts = re.split(r"\{(\w+)\}", template)  # literal, name, literal, name, ...
            regex = "".join(
                f"(?P<{part}>[^/]+)" if i % 2 else re.escape(part) for i, part in enumerate(parts)
            )
            # literal segments first, so /messages/@original wins over /messages/{message_id}
            self._routes.append((method, template, re.compile(f"^{regex}$"), handler))
        self._routes.sort(key=lambda r: r[1].count("{"))

    def _match(self, method: str, path: str) -> tuple[str, dict[str, str], Handler] | None:
        for route_method, template, pattern, handler in self._routes:
            if route_method == method and (found := pattern.match(path)):
                return template, found.groupdict(), handler
        return None

    def _take_failure(self, method: str, path: str) -> _Failure | None:
        for failure in self._failures:
            if failure.method == method and failure.pattern.search(path):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[str]]:
        if not request.can_read_body:
            return None, []
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            files = [name for name in form if name != "payload_json"]
            raw = form.get("payload_json")
            return (json.loads(str(raw)) if raw is not None else None), files
        text = await request.text()
        return (json.loads(text) if text else None), []

    @staticmethod
    def _json(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> web.Response:
        if status == 204:
            return web.Response(status=204, headers=headers)
        # Exactly "application/json": discord.py compares the header string (no charset).
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        return web.Response(status=status, body=json.dumps(payload).encode(), headers=all_headers)

    def _injected(self, failure: _Failure) -> tuple[int, JsonObject, dict[str, str]]:
        headers: dict[str, str] = {}
        if failure.status == 429:
            retry_after = 0.05 if failure.retry_after is None else failure.retry_after
            body = failure.body or {
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": False,
            }
            headers = {
                "Retry-After": str(max(1, round(retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": "fake" + secrets.token_hex(8),
                "X-RateLimit-Scope": "user",
                "Via": "1.1 google",  # discord.py treats a 429 without Via as a Cloudflare ban
            }
            return 429, body, headers
        body = failure.body or {"message": f"{failure.status}: injected failure", "code": 0}
        return failure.status, body, headers

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method
        try:
            body, files = await self._read_body(request)
        except (ValueError, UnicodeDecodeError) as exc:
            self.errors.append(f"{method} {path}: unreadable body: {exc}")
            return self._json(400, {"message": "400: Bad Request", "code": 50109})
        matched = self._match(method, path)
        call = Call(
            method=method,
            path=path,
            route=matched[0] if matched else None,
            query=dict(request.query),
            body=body,
            files=files,
            at=time.perf_counter(),
        )
        self.calls.append(call)
        self._attach(call, matched)
        status, payload, headers = await self._answer(request, call, matched)
        call.status, call.response = status, payload
        await self._notify()
        return self._json(status, payload, headers)

    def _attach(self, call: Call, matched: tuple[str, dict[str, str], Handler] | None) -> None:
        if matched is None:
            return
        params = matched[1]
        token = params.get("interaction_token") or params.get("webhook_token")
        if token is not None and (state := self._interactions.get(token)) is not None:
            state.handle.calls.append(call)

    async def _answer(
        self,
        request: web.Request,
        call: Call,
        matched: tuple[str, dict[str, str], Handler] | None,
    ) -> tuple[int, Any, dict[str, str]]:
        if (failure := self._take_failure(call.method, call.path)) is not None:
            call.injected = True
            return self._injected(failure)
        if matched is None:
            self.errors.append(f"unknown route: {call.method} {call.path}")
            return 404, {"message": "404: Not Found", "code": 0}, {}
        template, params, handler = matched
        if (
            not template.startswith(("/webhooks/", "/interactions/"))
            and request.headers.get("Authorization") != f"Bot {self.token}"
        ):
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        if call.body is not None and self.validate_requests:
            problems = validate_body(template, call.method, call.body)
            if problems:
                call.violation = "; ".join(problems)
                for problem in problems:
                    self.violations.append(
                        Violation(f"{call.method} {template}", problem, call.body)
                    )
                body = {"message": "Invalid Form Body", "code": 50035}
                return 400, {**body, "errors": _form_errors(problems)}, {}
        try:
            status, payload = await handler(_Req(params, call.body, call.query))
        except _ApiError as exc:
            if exc.record:
                self.errors.append(f"{call.method} {call.path}: {exc}")
            return exc.status, exc.body, {}
        if self.validate_responses and status == 200:
            for problem in validate_body(template, call.method, payload, kind="response"):
                self.errors.append(f"fake's own answer to {call.method} {template}: {problem}")
        return status, payload, {}

    # ------------------------------------------------------------------ REST: session

    async def _get_gateway(self, req: _Req) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, req: _Req) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        answer = {"url": self.gateway_url, "shards": self.shard_count}
        return 200, {**answer, "session_start_limit": limit}

    async def _get_me(self, req: _Req) -> tuple[int, Any]:
        me = {
            **self.bot_user.payload(),
            "bot": True,
            "banner": None,
            "accent_color": None,
            "mfa_enabled": False,
            "locale": "en-US",
            "premium_type": 0,
            "email": None,
            "verified": True,
        }
        return 200, me

    async def _get_application(self, req: _Req) -> tuple[int, Any]:
        owner = self.guilds[0].members[0]
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot": self.bot_user.payload(),
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "flags_new": "0",
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "owner": owner.payload(),
            "team": None,
            "approximate_guild_count": len(self.guilds),
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": ["bot", "applications.commands"],
            "tags": [],
            "rpc_origins": [],
            "integration_types_config": {"0": {}},
        }

    # ------------------------------------------------------------------ REST: commands

    def _scope(self, params: dict[str, str]) -> int | None:
        if int(params["application_id"]) != self.application_id:
            raise _ApiError(403, 50001, "Missing Access")
        if "guild_id" not in params:
            return None
        guild_id = int(params["guild_id"])
        if all(g.id != guild_id for g in self.guilds):
            raise _ApiError(403, 50001, "Missing Access")
        return guild_id

    async def _get_commands(self, req: _Req) -> tuple[int, Any]:
        return 200, self.commands.get(self._scope(req.params), [])

    async def _put_commands(self, req: _Req) -> tuple[int, Any]:
        scope = self._scope(req.params)
        previous = {(c["name"], c["type"]): c["id"] for c in self.commands.get(scope, [])}
        registered = []
        for command in req.body or []:
            kind = command.get("type", 1)
            data: JsonObject = {
                "id": previous.get((command["name"], kind)) or str(self.snowflake()),
                "application_id": str(self.application_id),
                "version": str(self.snowflake()),
                "default_member_permissions": _opt_str(command.get("default_member_permissions")),
                "type": kind,
                "name": command["name"],
                "description": command.get("description", ""),
                "dm_permission": command.get("dm_permission", True),
                "contexts": command.get("contexts"),
                "integration_types": command.get("integration_types") or [0],
                "nsfw": bool(command.get("nsfw", False)),
            }
            for key in ("name_localizations", "description_localizations"):
                if command.get(key):
                    data[key] = command[key]
            if command.get("options"):
                data["options"] = command["options"]
            if scope is not None:
                data["guild_id"] = str(scope)
            registered.append(data)
        self.commands[scope] = registered
        self.command_syncs.append(
            CommandSync(scope, copy.deepcopy(req.body or []), time.perf_counter())
        )
        return 200, registered

    # ------------------------------------------------------------------ REST: messages

    def _message(
        self,
        channel_id: int,
        body: JsonObject,
        *,
        author: JsonObject | None = None,
        kind: int = 0,
        flags: int = 0,
        interaction: _InteractionState | None = None,
    ) -> JsonObject:
        """A message object as Discord returns it, built from a create-message body."""
        message: JsonObject = {
            "id": str(self.snowflake()),
            "type": kind,
            "channel_id": str(channel_id),
            "author": author or self.bot_user.payload(),
            "content": "",
            "embeds": [],
            "components": [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": _iso(),
            "edited_timestamp": None,
            "flags": flags,
        }
        if interaction is not None:
            message["application_id"] = str(self.application_id)
            message["webhook_id"] = str(self.application_id)
            payload = interaction.handle.payload
            message["interaction_metadata"] = {
                "id": str(interaction.handle.id),
                "type": payload["type"],
                "user": interaction.user,
                "authorizing_integration_owners": payload["authorizing_integration_owners"],
            }
            if payload["type"] == 3 and payload.get("message"):  # a component interaction
                message["interaction_metadata"]["interacted_message_id"] = str(
                    payload["message"]["id"]
                )
        located = self.channel(channel_id)
        if located is not None:
            message["guild_id"] = str(located[0].id)
        _apply_edit(message, body, itertools.count(1))
        message["edited_timestamp"] = None
        return message

    def _interaction_state(self, params: dict[str, str], *, webhook: bool) -> _InteractionState:
        token = params["webhook_token"] if webhook else params["interaction_token"]
        state = self._interactions.get(token)
        if webhook:
            if state is None or int(params["webhook_id"]) != self.application_id:
                raise _ApiError(404, 10015, "Unknown Webhook")
        elif state is None or int(params["interaction_id"]) != state.handle.id:
            raise _ApiError(404, 10062, "Unknown interaction")
        return state

    async def _callback(self, req: _Req) -> tuple[int, Any]:
        state = self._interaction_state(req.params, webhook=False)
        now = time.perf_counter()
        if state.deadline is not None and now - state.handle.sent_at > state.deadline:
            late = now - state.handle.sent_at
            raise _ApiError(404, 10062, f"Unknown interaction (answered after {late:.2f}s)")
        if state.response_type is not None:
            raise _ApiError(400, 40060, "Interaction has already been acknowledged.")
        kind = int(req.body["type"])
        data: JsonObject = req.body.get("data") or {}
        state.response_type = kind
        flags = int(data.get("flags") or 0)
        interaction: JsonObject = {
            "id": str(state.handle.id),
            "type": state.handle.payload["type"],
        }
        answer: JsonObject = {"interaction": interaction}
        if kind in (4, 5):
            message_kind = 20 if state.handle.payload["type"] == 2 else 0
            if kind == 5:
                flags = (flags & EPHEMERAL) | LOADING
                data = {"flags": flags}
            state.original = self._message(
                state.channel_id, data, kind=message_kind, flags=flags, interaction=state
            )
            interaction["response_message_id"] = state.original["id"]
            interaction["response_message_loading"] = kind == 5
            interaction["response_message_ephemeral"] = bool(flags & EPHEMERAL)
            if kind == 4:  # the spec has a resource only for types 4, 7 and 12
                answer["resource"] = {"type": kind, "message": state.original}
        elif kind in (6, 7):
            if state.component_message is None:
                raise _ApiError(400, 40004, "Update callbacks need a component interaction")
            state.original = state.component_message
            if kind == 7:
                _apply_edit(state.original, data, itertools.count(1))
                state.original["edited_timestamp"] = _iso()
            interaction["response_message_id"] = state.original["id"]
            interaction["response_message_loading"] = False
            interaction["response_message_ephemeral"] = bool(state.original["flags"] & EPHEMERAL)
            if kind == 7:
                answer["resource"] = {"type": kind, "message": state.original}
        return 200, answer

    def _original(self, state: _InteractionState) -> JsonObject:
        if state.original is None:
            raise _ApiError(404, 10008, "Unknown Message")
        return state.original

    async def _get_original(self, req: _Req) -> tuple[int, Any]:
        return 200, self._original(self._interaction_state(req.params, webhook=True))

    async def _patch_original(self, req: _Req) -> tuple[int, Any]:
        message = self._original(self._interaction_state(req.params, webhook=True))
        _apply_edit(message, req.body or {}, itertools.count(1))
        message["flags"] = int(message["flags"]) & ~LOADING
        message["edited_timestamp"] = _iso()
        return 200, message

    async def _delete_original(self, req: _Req) -> tuple[int, Any]:
        state = self._interaction_state(req.params, webhook=True)
        self._original(state)
        state.original = None
        return 204, None

    async def _post_followup(self, req: _Req) -> tuple[int, Any]:
        state = self._interaction_state(req.params, webhook=True)
        if state.response_type is None:
            raise _ApiError(404, 10015, "Unknown Webhook")  # followups need an acknowledgement
        data: JsonObject = req.body or {}
        original = state.original
        if original is not None and int(original["flags"]) & LOADING:
            # Discord's rule for the first follow-up of a deferral: it resolves the "thinking"
            # message, whose privacy the deferral fixed (its own flags are ignored).
            edit = {key: value for key, value in data.items() if key != "flags"}
            _apply_edit(original, edit, itertools.count(1))
            original["flags"] = int(original["flags"]) & ~LOADING
            if req.query.get("wait", "").lower() in ("1", "true"):
                return 200, original
            return 204, None
        flags = int(data.get("flags") or 0) & EPHEMERAL
        message = self._message(state.channel_id, data, kind=0, flags=flags, interaction=state)
        state.followups[int(message["id"])] = message
        if req.query.get("wait", "").lower() in ("1", "true"):
            return 200, message
        return 204, None

    def _followup(self, params: dict[str, str]) -> tuple[_InteractionState, JsonObject]:
        state = self._interaction_state(params, webhook=True)
        message_id = int(params["message_id"])
        if state.original is not None and int(state.original["id"]) == message_id:
            return state, state.original
        if message_id not in state.followups:
            raise _ApiError(404, 10008, "Unknown Message")
        return state, state.followups[message_id]

    async def _get_followup(self, req: _Req) -> tuple[int, Any]:
        return 200, self._followup(req.params)[1]

    async def _patch_followup(self, req: _Req) -> tuple[int, Any]:
        _, message = self._followup(req.params)
        _apply_edit(message, req.body or {}, itertools.count(1))
        message["edited_timestamp"] = _iso()
        return 200, message

    async def _delete_followup(self, req: _Req) -> tuple[int, Any]:
        state, message = self._followup(req.params)
        if message is state.original:
            state.original = None
        else:
            del state.followups[int(message["id"])]
        return 204, None

    def _known_channel(self, params: dict[str, str]) -> tuple[FakeGuild, FakeChannel]:
        located = self.channel(int(params["channel_id"]))
        if located is None or located[1].id in self.deleted_channels:
            raise _ApiError(404, 10003, "Unknown Channel")
        return located

    async def _get_channel(self, req: _Req) -> tuple[int, Any]:
        guild, channel = self._known_channel(req.params)
        return 200, channel.payload(guild.id)

    async def _post_channel_message(self, req: _Req) -> tuple[int, Any]:
        guild, channel = self._known_channel(req.params)
        if channel.id in self.forbidden_channels:
            raise _ApiError(403, 50013, "Missing Permissions")
        gate = self._held_posts.get(channel.id)
        if gate is not None:
            gate.arrived.set()
            await gate.released.wait()
            if self._held_posts.get(channel.id) is gate:
                del self._held_posts[channel.id]  # one post held; the next ones pass
            if not gate.deliver:
                raise _ApiError(500, 0, "500: Internal Server Error", record=False)
        body = req.body or {}
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            # Discord answers a repeat of a recent nonce with the message it already made.
            earlier = self._nonces.get((channel.id, str(nonce)))
            if earlier is not None:
                return 200, earlier
        message = self._message(channel.id, body)
        if nonce is not None:
            message["nonce"] = nonce
            self._nonces[(channel.id, str(nonce))] = message
        self.channel_messages.setdefault(channel.id, []).append(message)
        for session in self._sessions:
            wants = session.intents & GUILD_MESSAGES_INTENT and session.receives(guild.id)
            if session.identified and wants:
                await self._dispatch_to(session, "MESSAGE_CREATE", message)
        return 200, message

    async def _list_channel_messages(self, req: _Req) -> tuple[int, Any]:
        """Channel history, newest first, as Discord pages it (limit, before, after)."""
        _, channel = self._known_channel(req.params)
        query = req.query
        limit = max(1, min(100, int(query.get("limit", 50))))
        found = list(reversed(self.channel_messages.get(channel.id, [])))
        if "before" in query:
            found = [m for m in found if int(m["id"]) < int(query["before"])]
        if "after" in query:
            found = [m for m in found if int(m["id"]) > int(query["after"])]
            found = found[-limit:]  # the oldest ones after the id, still newest first
        page = [{k: v for k, v in m.items() if k != "nonce"} for m in found[:limit]]
        return 200, page

    def _channel_message(self, params: dict[str, str]) -> tuple[list[JsonObject], JsonObject]:
        _, channel = self._known_channel(params)
        messages = self.channel_messages.get(channel.id, [])
        for message in messages:
            if message["id"] == params["message_id"]:
                return messages, message
        raise _ApiError(404, 10008, "Unknown Message")

    async def _get_channel_message(self, req: _Req) -> tuple[int, Any]:
        return 200, self._channel_message(req.params)[1]

    async def _patch_channel_message(self, req: _Req) -> tuple[int, Any]:
        _, message = self._channel_message(req.params)
        _apply_edit(message, req.body or {}, itertools.count(1))
        message["edited_timestamp"] = _iso()
        return 200, message

    async def _delete_channel_msg(self, req: _Req) -> tuple[int, Any]:
        messages, message = self._channel_message(req.params)
        messages.remove(message)
        return 204, None


# --------------------------------------------------------------------------- message helpers

_EDITABLE = ("content", "embeds", "components", "attachments", "poll")


def _apply_edit(message: JsonObject, body: JsonObject, ids: Iterator[int]) -> None:
    """Apply a create/edit message body to a stored message, as Discord would render it."""
    for key in _EDITABLE:
        if key in body and body[key] is not None:
            message[key] = copy.deepcopy(body[key])
    if body.get("flags") is not None:
        message["flags"] = (int(message.get("flags") or 0) & LOADING) | int(body["flags"])
    if "tts" in body:
        message["tts"] = bool(body["tts"])
    message["attachments"] = [_attachment(a) for a in message["attachments"]]
    for embed in message["embeds"]:
        embed.setdefault("type", "rich")
        embed.setdefault("content_scan_version", 0)
    _number_components(message["components"], ids)


def _attachment(sent: JsonObject) -> JsonObject:
    """An attachment as Discord returns it; new uploads are referred to by a small index id."""
    if "url" in sent:
        return sent  # already stored
    attachment_id = str(secrets.randbits(59) | (1 << 59))
    filename = str(sent.get("filename") or "file")
    url = f"https://cdn.discordapp.com/attachments/0/{attachment_id}/{filename}"
    return {
        "id": attachment_id,
        "filename": filename,
        "size": 0,
        "url": url,
        "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
    }


def _number_components(components: list[JsonObject], ids: Iterator[int]) -> None:
    """Give every component a numeric ``id`` as Discord does when it stores a message; a
    Unicode emoji is stored by name alone (its ``id: null`` is dropped)."""
    for component in components:
        component.setdefault("id", next(ids))
        emoji = component.get("emoji")
        if isinstance(emoji, dict) and emoji.get("id") is None:
            emoji.pop("id", None)
        _number_components(component.get("components") or [], ids)
        if isinstance(component.get("accessory"), dict):
            _number_components([component["accessory"]], ids)


def _find_component(components: list[JsonObject], custom_id: str) -> JsonObject | None:
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        nested = [*(component.get("components") or [])]
        if isinstance(component.get("accessory"), dict):
            nested.append(component["accessory"])
        if (found := _find_component(nested, custom_id)) is not None:
            return found
    return None


# --------------------------------------------------------------------------- discord.py glue


@asynccontextmanager
async def patch_discord(server: FakeDiscord) -> AsyncIterator[None]:
    """Point discord.py's REST base and gateway at ``server``; restored on exit."""
    import discord.gateway  # noqa: PLC0415 - discord is only needed by the tests that use it
    import discord.http  # noqa: PLC0415
    import yarl  # noqa: PLC0415

    route_base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = server.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = route_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


@asynccontextmanager
async def run_bot(
    client: discord.Client, server: FakeDiscord, *, ready_timeout: float = 5.0
) -> AsyncIterator[discord.Client]:
    """Log ``client`` in to ``server`` and wait for ``on_ready``; close it cleanly on exit.

    discord.py must already point at the server (see :func:`patch_discord`). A connection
    that fails or closes early raises here instead of hanging until the timeout.
    """
    # Ready fires after guild_ready_timeout (default 2 s) of silence after the last
    # GUILD_CREATE: a short wait is enough on loopback.
    state = client._connection
    state.guild_ready_timeout = min(state.guild_ready_timeout, 0.05)
    task = asyncio.create_task(client.start(server.token, reconnect=False), name="fake-bot")
    ready = asyncio.create_task(client.wait_until_ready(), name="fake-bot-ready")
    failure: BaseException | None = None
    try:
        done, _ = await asyncio.wait(
            {task, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if task in done:
            task.result()  # re-raise the login or connection error
            raise AssertionError("the bot stopped before it was ready")
        if ready not in done:
            raise AssertionError(f"the bot was not ready within {ready_timeout}s")
        yield client
    finally:
        ready.cancel()
        await asyncio.gather(ready, return_exceptions=True)
        await client.close()
        done, _ = await asyncio.wait({task}, timeout=5)
        if task in done:
            failure = task.exception()  # retrieved here, raised below after a clean exit
        else:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            failure = AssertionError("the bot did not stop within 5s of close()")
    if failure is not None:
        raise failure
