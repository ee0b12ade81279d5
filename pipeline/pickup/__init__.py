"""Where recordings come from: pick up what the call recorder exports into a drop folder or an S3 prefix.

Each pass lists the source (:class:`~pipeline.pickup.folder.FolderSource`,
:class:`~pipeline.pickup.s3.S3Source`) and keeps a ledger of what it saw (the catalog's ``picked_files``):
a file seen for the first time waits; a group of files (a recording and its sidecars: one base name in
one folder) is taken once every file of it has kept its size and time for ``settle_s`` seconds, as the
ledger saw them at least that long ago: the first pass records, a later one takes. Taking claims the
ledger rows (one conditional UPDATE each), so two pickups at once never take a file twice, then ingests
the group through the ingest it is given (``pipeline.ingest.ingest_paths``) and marks each file taken,
with its contacts, or failed, with the reason. See :func:`~pipeline.pickup.ledger.pickup_pass`.
"""

from __future__ import annotations

from pipeline.pickup.ledger import PickupReport, Seen, Source, pickup_pass
from pipeline.pickup.sources import source_of

__all__ = ["PickupReport", "Seen", "Source", "pickup_pass", "source_of"]
