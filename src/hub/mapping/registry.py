"""All mappings of a folder by name, where that folder is, and the process-wide default set."""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from hub.infra.watch import Reloading
from hub.mapping.errors import MappingError
from hub.mapping.loader import display
from hub.mapping.mapping import Mapping

ENV_VAR = "HUB_MAPPINGS_DIR"


def mappings_dir() -> Path:
    """``$HUB_MAPPINGS_DIR``, else the mappings inside an installed wheel, else the checkout's."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured)
    packaged = resources.files("hub").joinpath("_mappings")
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[3] / "mappings"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"no mappings folder in this installation; set {ENV_VAR}")


def mapping_files(path: Path) -> list[Path]:
    """The ``*.yaml`` and ``*.yml`` files in ``path``, sorted."""
    if not path.is_dir():
        raise FileNotFoundError(f"mappings folder {path} does not exist")
    return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def scan_dir(path: Path) -> tuple[list[Mapping], list[MappingError]]:
    """Load every mapping file in ``path``, collecting every error rather than stopping."""
    loaded: list[Mapping] = []
    errors: list[MappingError] = []
    seen: dict[str, Mapping] = {}
    for file in mapping_files(path):
        try:
            mapping = Mapping.load(file)
        except MappingError as exc:
            errors.append(exc)
            continue
        first = seen.get(mapping.name)
        if first is not None:
            errors.append(
                MappingError(
                    display(file),
                    "name",
                    f"{mapping.name!r} is already the name of {display(first.path)}",
                )
            )
            continue
        seen[mapping.name] = mapping
        loaded.append(mapping)
    return loaded, errors


class MappingSet:
    """Mappings by unique name."""

    def __init__(self, mappings: Iterable[Mapping]) -> None:
        self._by_name: dict[str, Mapping] = {}
        for mapping in mappings:
            if mapping.name in self._by_name:
                raise MappingError(display(mapping.path), "name", f"{mapping.name!r} is taken")
            self._by_name[mapping.name] = mapping

    @classmethod
    def load_dir(cls, path: Path) -> MappingSet:
        """Every mapping in ``path``; the first error (of all files) is raised."""
        loaded, errors = scan_dir(Path(path))
        if errors:
            raise errors[0]
        return cls(loaded)

    def get(self, name: str) -> Mapping:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(self.names()) or "none"
            raise KeyError(f"no mapping named {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __len__(self) -> int:
        return len(self._by_name)


def load_default() -> MappingSet:
    """The mappings in ``mappings_dir()``, loaded again whenever a file there changed.

    An integrator who fixes a mapping and replays quarantined messages gets the fixed
    mapping in every running process, without a restart (``hub.infra.watch``).
    """
    folder = mappings_dir()
    watched = _watched.get(folder)
    if watched is None:
        watched = Reloading(
            lambda: mapping_files(folder),
            lambda: MappingSet.load_dir(folder),
            every=RECHECK_SECONDS,
        )
        _watched[folder] = watched
    watched.every = RECHECK_SECONDS
    return watched.get()


#: how often the files are looked at again for changes (a stat each; cheap, but not free)
RECHECK_SECONDS = 1.0
_watched: dict[Path, Reloading[MappingSet]] = {}


def _cache_clear() -> None:
    _watched.clear()


load_default.cache_clear = _cache_clear  # type: ignore[attr-defined]
