"""Mystery shoppers: evaluations against the site's QA checklists, from files and the API, kept apart from
automatic QA and CSI training, and compared with the automatic and reviewer scores of the same operators.

- :mod:`~pipeline.mystery.evaluation`: an evaluation, checked against its checklist and scored;
- :mod:`~pipeline.mystery.files`: ``NAME.mystery.csv|jsonl`` read with line numbers;
- :mod:`~pipeline.mystery.store`: the ``mystery_evaluations`` table;
- :mod:`~pipeline.mystery.compare`: mystery beside automatic and reviewer scores, per operator and item;
- :mod:`~pipeline.mystery.report`: the report's files (CSV, Parquet, XLSX, PNG) and text.
"""
