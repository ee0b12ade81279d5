"""Desk devices as a capability of the pipeline: device files through ingest (:mod:`pipeline.devices.files`).

The adapters that read the devices themselves live in ``hardware/``; they write through the spool
(``hardware.spool``) into the catalog's ``device_events`` table.
"""
