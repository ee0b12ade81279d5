"""Retention and erasure: deleting what the store may no longer keep (152-FZ, GDPR).

:mod:`pipeline.retention.erase` erases one customer (``cxmon erase --customer ID``): their contacts'
rows in every catalog table and the objects that hold their bytes, with an audit entry that names the
customer by a hash only. :mod:`pipeline.retention.retention` applies ``recording_retention_days``
(deletes old recordings, the contacts stay) and ``record_retention_days`` (erases old contacts whole)
(``cxmon retention``, the ``apply_retention`` flow).

The catalog part of an erasure is one transaction; the objects go after it commits, and the keys not
yet deleted stay listed on the audit entry, so a run that met an object store outage exits non-zero
and the next run (of either command) deletes the rest.
"""
