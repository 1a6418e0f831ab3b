"""Database outages for fault tests: a TCP proxy in front of PostgreSQL that can cut every
connection and refuse new ones, and its SQLite counterpart (the database file out of reach).

Both act on 127.0.0.1 only and never touch the shared PostgreSQL server itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pmf_api.platform.observability import current_request_id


class PostgresProxy:
    """Forwards 127.0.0.1:<port> to the PostgreSQL server, byte for byte.

    ``cut()`` closes every connection passing through (as a database restart or a network fault
    would, mid-request); ``refuse()`` stops listening, so new connections are refused until
    ``accept()`` listens again on the same port.
    """

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = _free_port()
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    def url(self, database_url: str) -> str:
        """``database_url`` with its host and port replaced by the proxy's."""
        parts = urlsplit(database_url)
        credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        return urlunsplit(parts._replace(netloc=f"{credentials}127.0.0.1:{self.port}"))

    async def accept(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def refuse(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def cut(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()  # a reset, not a polite close
        self._writers.clear()

    async def close(self) -> None:
        await self.refuse()
        await self.cut()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers |= {client_writer, server_writer}
        for source, sink in ((client_reader, server_writer), (server_reader, client_writer)):
            pipe = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(pipe)
            pipe.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(sink)
            sink.transport.abort()


@contextlib.asynccontextmanager
async def postgres_proxy(database_url: str) -> AsyncIterator[PostgresProxy]:
    parts = urlsplit(database_url)
    proxy = PostgresProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.accept()
    try:
        yield proxy
    finally:
        await proxy.close()


@dataclass
class SqliteOutage:
    """The SQLite file's folder moved away: a new connection cannot open the database."""

    path: Path
    hidden: Path = field(init=False)

    def __post_init__(self) -> None:
        self.hidden = self.path.parent.with_name(self.path.parent.name + "-away")

    def begin(self) -> None:
        self.path.parent.rename(self.hidden)

    def end(self) -> None:
        self.hidden.rename(self.path.parent)


def sqlite_path(database_url: str) -> Path:
    return Path(database_url.split("///", 1)[1])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LogLines(logging.Handler):
    """Every line the service logs (``pmf_api`` and below) while attached."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str | None, logging.LogRecord]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((current_request_id(), record))

    def of(self, request_id: str) -> list[logging.LogRecord]:
        return [record for rid, record in self.records if rid == request_id]

    @contextlib.contextmanager
    def attached(self) -> Iterator[LogLines]:
        root = logging.getLogger("pmf_api")
        root.addHandler(self)
        try:
            yield self
        finally:
            root.removeHandler(self)
