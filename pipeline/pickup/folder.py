"""A drop folder the call recorder exports into: its files, recursively, as they are now."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from pipeline.pickup.ledger import Seen, group_of
from pipeline.store.intake import display_text, name_of_text, name_text


class FolderSource:
    """The regular files under ``folder`` (sub-folders too). Hidden files and folders (".name": a recorder's
    or a copy's work in progress) and symlinks are not listed."""

    def __init__(self, folder: Path) -> None:
        folder = Path(folder).expanduser().absolute()
        if not folder.is_dir():
            raise ValueError(f"{display_text(str(folder))}: no such folder; expected the drop folder the "
                             f"recorder exports into")
        self.folder = folder
        self.where = name_text(str(folder))

    def listing(self) -> list[Seen]:
        found: list[Seen] = []
        for parent, folders, names in os.walk(self.folder):
            folders[:] = sorted(name for name in folders if not name.startswith("."))
            for name in sorted(names):
                if name.startswith("."):
                    continue
                path = Path(parent, name)
                try:
                    info = path.lstat()
                except OSError:  # gone since the walk listed it
                    continue
                if not stat.S_ISREG(info.st_mode):
                    continue
                found.append(Seen(source=name_text(str(path)), group=group_of(name_text(parent), name_text(name)),
                                  name=name, size_bytes=info.st_size, mtime_ns=info.st_mtime_ns))
        return found

    def _path(self, file: Seen) -> Path:
        return Path(name_of_text(file.source))

    def fetch(self, files: Sequence[Seen], into: Path) -> dict[str, Path]:
        """The files where they are (``into`` is not used): ingest reads them in place."""
        paths = {file.source: self._path(file) for file in files}
        for path in paths.values():
            if not path.is_file():
                raise FileNotFoundError(2, "No such file or directory", str(path))
        return paths

    def remove(self, file: Seen) -> None:
        self._path(file).unlink(missing_ok=True)
