"""QA reviews of checklist answers: the workflow (reviewer, operator), calibration, grades and the review queue.

The review records and the states of an answer with the step between them are records
(:mod:`pipeline.records.reviews`, :mod:`pipeline.records.review_states`), pure, so the catalog can apply
them in one transaction; ``actions``, ``calibration``, ``grades`` and ``queue`` pair a pure function with
a thin wrapper over the store.
"""
