"""Where pulled pages land: generations of page files behind one link, swapped atomically.

A source's pages live in ``<workspace>/.bridgewatch/pulls/<source>/g<N>/``; the source's ``path``
(what its reader reads) is a symbolic link to the current generation. A pull writes generation
N+1 in a ``.tmp`` folder — new pages, unchanged page files hard-linked from generation N, pages
that held a record changed since rewritten without it — then renames it and replaces the link in
one ``rename(2)``. A pull that dies before that leaves generation N, its cursors (kept in its
``.pull.json`` manifest, a file readers skip) and the link untouched; the debris is removed next time.

Merging a delta: the newest copy of a record wins and every record is in exactly one page, so
readers (which keep the first of repeated records) read the same rows as after a full pull. An
SQLite index (record key → page file) makes a refresh cost proportional to the records changed:
only pages holding them are rewritten. The index is rebuilt from the pages if it ever disagrees
with the current generation.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bridgewatch.connectors.base import Page, Resource
from bridgewatch.connectors.http.redact import Redactor
from bridgewatch.errors import ConfigError

STATE_DIR = ".bridgewatch"
PULLS_DIR = "pulls"
MANIFEST = ".pull.json"
INDEX = "index.sqlite"
INDEX_VERSION = "2"
"""2: keys of scoped resources carry their scope (an index of version 1, or none, is rebuilt from the pages)."""
CHUNK = 500
GLOB_CHARS = set("*?[")


@dataclass
class FileEntry:
    """One page file of a generation."""

    resource: str
    scope: str
    records: int


@dataclass
class Manifest:
    """What one generation holds, and the cursors it was pulled up to."""

    generation: int
    pulled_at: str
    cursors: dict[str, str | None] = field(default_factory=dict)
    modes: dict[str, str] = field(default_factory=dict)
    files: dict[str, FileEntry] = field(default_factory=dict)
    selection: dict[str, Any] | None = None
    """The settings that chose what was pulled (filters, fields, the store); None before they were kept."""
    full_at: dict[str, str] = field(default_factory=dict)
    """Per resource, when it was last read in full (the records deleted at the vendor went then)."""

    def last_full(self, resource: str) -> str | None:
        """When ``resource`` was last read in full (a generation kept before this was recorded: when it was)."""
        if resource in self.full_at:
            return self.full_at[resource]
        return self.pulled_at if self.modes.get(resource) == "full" else None

    def totals(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.files.values():
            out[f.resource] = out.get(f.resource, 0) + f.records
        return out

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "records": self.totals()}, indent=1)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        raw = json.loads(path.read_text(encoding="utf-8"))
        files = {n: FileEntry(**e) for n, e in raw.get("files", {}).items()}
        return cls(raw["generation"], raw["pulled_at"], raw.get("cursors", {}), raw.get("modes", {}), files,
                   raw.get("selection"), raw.get("full_at", {}))


def record_key(resource: Resource, record: Any, scope: str = "") -> str:
    """The record's key (within its page's scope when the resource's keys are unique only there), or a digest of
    the whole record when it has none."""
    key = resource.key(record)
    if key is None:
        key = "sha1:" + hashlib.sha1(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()
    return f"{scope}|{key}" if resource.scoped else key


def write_synced(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and wait until it is on disk (``fsync``).

    A generation's pages and cursors become visible through renames; without this, a machine that stops
    (power, kernel) after a rename may come back with the new link and cursors but pages empty or cut short
    (the renames reach the disk before the data written just before them), and a refresh would never fetch
    the missing records again.
    """
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def sync_dir(path: Path) -> None:
    """Wait until the names in folder ``path`` (files added, renamed, linked) are on disk."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class PageStore:
    """The pulled pages of one source."""

    def __init__(self, root: Path, source: str, path: str) -> None:
        self.source = source
        self.home = Path(root) / STATE_DIR / PULLS_DIR / source
        self.link = Path(root) / path
        self.path = path

    def check_link(self) -> None:
        """The source's path must be free or our own link.

        Raises:
            ConfigError: the path is a glob, or holds files bridgewatch did not pull.
        """
        where = f"sources.{self.source}.path"
        if GLOB_CHARS & set(self.path):
            raise ConfigError(f"{where}: '{self.path}' is a glob; a pulled source needs a folder name "
                              f"(e.g. pulled/{self.source}) where bridgewatch pull puts its pages")
        if self.link.is_symlink():
            if Path(os.path.realpath(self.link)).parent != Path(os.path.realpath(self.home)):
                raise ConfigError(f"{where}: '{self.path}' links elsewhere; point path at a new folder name")
        elif self.link.exists():
            raise ConfigError(f"{where}: '{self.path}' already holds files bridgewatch did not pull; point path at "
                              f"a new folder name (e.g. pulled/{self.source}) so exports and pulls never mix")

    def current(self) -> Manifest | None:
        """The manifest of the generation the link points at (None before the first pull)."""
        if not self.link.is_symlink():
            return None
        manifest = Path(os.path.realpath(self.link)) / MANIFEST
        return Manifest.read(manifest) if manifest.is_file() else None

    def recover(self) -> Manifest | None:
        """Remove what an interrupted pull left behind; return the current manifest."""
        current = self.current()
        keep = f"g{current.generation:06d}" if current else None
        if self.home.is_dir():
            for child in self.home.iterdir():
                if child.is_dir() and child.name != keep:
                    shutil.rmtree(child, ignore_errors=True)
        return current

    def begin(self, base: Manifest | None, resources: Mapping[str, Resource],
              redactor: Redactor | None = None) -> Draft:
        self.home.mkdir(parents=True, exist_ok=True)
        index = Index(self.home / INDEX)
        if base is not None and (index.generation() != base.generation or index.version() != INDEX_VERSION):
            index.rebuild(self._dir(base.generation), base, resources)
        return Draft(self, base, resources, index, redactor)

    def _dir(self, generation: int) -> Path:
        return self.home / f"g{generation:06d}"

    def flip(self, generation: int) -> None:
        """Point the source's path at ``generation`` in one rename."""
        target = os.path.relpath(self._dir(generation), self.link.parent)
        self.link.parent.mkdir(parents=True, exist_ok=True)
        temp = self.link.parent / f".{self.link.name}.link-{os.getpid()}"
        if temp.is_symlink():
            temp.unlink()
        os.symlink(target, temp, target_is_directory=True)
        os.replace(temp, self.link)
        sync_dir(self.link.parent)


class Index:
    """record key → page file, per resource (SQLite)."""

    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path)
        self.con.execute("CREATE TABLE IF NOT EXISTS rec (resource TEXT, key TEXT, file TEXT, "
                         "PRIMARY KEY (resource, key)) WITHOUT ROWID")
        self.con.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")

    def generation(self) -> int | None:
        row = self.con.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
        return int(row[0]) if row else None

    def version(self) -> str | None:
        """How its keys are made (:data:`INDEX_VERSION`); an index of another version is rebuilt."""
        row = self.con.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()
        return str(row[0]) if row else None

    def files_of(self, resource: str, keys: Sequence[str]) -> dict[str, set[str]]:
        """Page files holding any of ``keys`` → the keys they hold."""
        found: dict[str, set[str]] = {}
        for i in range(0, len(keys), CHUNK):
            chunk = keys[i:i + CHUNK]
            marks = ",".join("?" * len(chunk))
            for key, file in self.con.execute(f"SELECT key, file FROM rec WHERE resource = ? AND key IN ({marks})",
                                              [resource, *chunk]):
                found.setdefault(file, set()).add(key)
        return found

    def apply(self, generation: int, replaced: Iterable[str], rows: Iterable[tuple[str, str, str]]) -> None:
        """One transaction: drop the replaced resources, upsert ``(resource, key, file)``, stamp the generation."""
        with self.con:
            for resource in replaced:
                self.con.execute("DELETE FROM rec WHERE resource = ?", (resource,))
            self.con.executemany("INSERT OR REPLACE INTO rec VALUES (?, ?, ?)", rows)
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(generation),))
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (INDEX_VERSION,))

    def rebuild(self, folder: Path, manifest: Manifest, resources: Mapping[str, Resource]) -> None:
        """Re-derive the index from the pages of the current generation."""
        def rows() -> Iterator[tuple[str, str, str]]:
            for name, entry in manifest.files.items():
                res = resources.get(entry.resource)
                if res is not None:
                    for record in res.format.parse((folder / name).read_bytes()):
                        yield entry.resource, record_key(res, record, entry.scope), name
        with self.con:
            self.con.execute("DELETE FROM rec")
        self.apply(manifest.generation, (), rows())

    def close(self) -> None:
        self.con.close()


class Draft:
    """Generation N+1 being written; nothing is visible until :meth:`commit`."""

    def __init__(self, store: PageStore, base: Manifest | None, resources: Mapping[str, Resource],
                 index: Index, redactor: Redactor | None = None) -> None:
        self.store, self.base, self.resources, self.index = store, base, resources, index
        self.redactor = redactor
        """Masks the pull's secrets in any record that holds one (a log quoting the request that failed)."""
        self.generation = (base.generation if base else 0) + 1
        self.folder = store.home / f"g{self.generation:06d}.tmp"
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        self.files: dict[str, FileEntry] = {}
        self.modes: dict[str, str] = {}
        self.keys: dict[str, dict[str, str]] = {}
        """resource → key → the file of this draft holding its newest copy."""
        self._stale: dict[str, set[str]] = {}
        self._seq = 0

    def start(self, resource: str, *, full: bool) -> None:
        self.modes[resource] = "full" if full else "incremental"
        self.keys.setdefault(resource, {})

    def add(self, page: Page) -> None:
        """Write one page; a record repeated within this pull keeps only its newest copy."""
        res = self.resources[page.resource]
        name = self._write(res, page.records, page.scope, page.resource)
        keys = self.keys[page.resource]
        for record in page.records:
            key = record_key(res, record, page.scope)
            earlier = keys.get(key)
            if earlier is not None:
                self._stale.setdefault(earlier, set()).add(key)
            keys[key] = name

    def _write(self, res: Resource, records: Sequence[Any], scope: str, resource: str) -> str:
        self._seq += 1
        name = f"{resource}-{self.generation:06d}-{self._seq:06d}{res.format.suffix}"
        data = res.format.render(records, scope)
        if self.redactor is not None and self.redactor.found(data.decode("utf-8", "replace")):
            data = res.format.render([self.redactor.scrub(r) for r in records], scope)
        write_synced(self.folder / name, data)
        self.files[name] = FileEntry(resource, scope, len(records))
        return name

    def commit(self, cursors: Mapping[str, str | None], pulled_at: str,
               selection: Mapping[str, Any] | None = None, full_at: Mapping[str, str] | None = None) -> Manifest:
        """Carry unchanged pages, drop replaced copies, then swap generations in one rename."""
        rows: list[tuple[str, str, str]] = []
        self._drop_stale(rows)
        for resource in self.modes:
            if not any(f.resource == resource for f in self.files.values()) and self.modes[resource] == "full":
                self._write(self.resources[resource], [], "", resource)  # an empty list is still a page
        if self.base is not None:
            self._carry(rows)
        rows += [(r, k, f) for r, keys in self.keys.items() for k, f in keys.items()]
        manifest = Manifest(self.generation, pulled_at, dict(cursors), dict(self.modes), self.files,
                            dict(selection) if selection is not None else None, dict(full_at or {}))
        write_synced(self.folder / MANIFEST, manifest.to_json().encode())
        sync_dir(self.folder)  # pages, links and manifest on disk before any name points at them
        final = self.store.home / f"g{self.generation:06d}"
        os.replace(self.folder, final)
        sync_dir(self.store.home)
        self.store.flip(self.generation)
        replaced = [r for r, m in self.modes.items() if m == "full"]
        self.index.apply(self.generation, replaced, rows)
        self.index.close()
        self.store.recover()
        return manifest

    def abort(self) -> None:
        self.index.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _drop_stale(self, rows: list[tuple[str, str, str]]) -> None:
        """Pages of this pull holding an older copy of a record fetched again later lose that copy."""
        for name, keys in self._stale.items():
            entry = self.files[name]
            res = self.resources[entry.resource]
            newest = self.keys[entry.resource]
            kept = [r for r in res.format.parse((self.folder / name).read_bytes())
                    if not (record_key(res, r, entry.scope) in keys
                            and newest.get(record_key(res, r, entry.scope)) != name)]
            write_synced(self.folder / name, res.format.render(kept, entry.scope))
            entry.records = len(kept)

    def _carry(self, rows: list[tuple[str, str, str]]) -> None:
        """Hard-link the previous generation's pages of incremental resources; rewrite those holding changed keys."""
        assert self.base is not None
        old = self.store._dir(self.base.generation)
        touched: dict[str, set[str]] = {}
        for resource, mode in self.modes.items():
            if mode == "incremental":
                touched.update(self.index.files_of(resource, list(self.keys[resource])))
        for name, entry in self.base.files.items():
            if self.modes.get(entry.resource) != "incremental":
                continue
            if name in touched:
                self._rewrite(old / name, entry, touched[name], rows)
            else:
                os.link(old / name, self.folder / name)
                self.files[name] = entry

    def _rewrite(self, path: Path, entry: FileEntry, changed: set[str], rows: list[tuple[str, str, str]]) -> None:
        res = self.resources[entry.resource]
        kept = [r for r in res.format.parse(path.read_bytes()) if record_key(res, r, entry.scope) not in changed]
        if kept:
            name = self._write(res, kept, entry.scope, entry.resource)
            rows += [(entry.resource, record_key(res, r, entry.scope), name) for r in kept]
