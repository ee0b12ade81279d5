"""Surveys: answers, invitations, consent, metrics.

:mod:`~pipeline.surveys.files` reads ``.surveys.*`` and ``.consents.*`` files, :mod:`~pipeline.surveys.ingest`
puts them into the catalog, :mod:`~pipeline.surveys.consent` says who may be surveyed ("STOP" withdraws
consent at once), and :mod:`~pipeline.surveys.metrics` turns answers into metrics.
"""
