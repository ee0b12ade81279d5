"""QA reviews of checklist answers: the workflow (reviewer, operator), calibration, grades and the review queue.

``records`` and ``workflow`` are pure; ``actions``, ``calibration``, ``grades`` and ``queue`` pair a
pure function with a thin wrapper over the store.
"""
