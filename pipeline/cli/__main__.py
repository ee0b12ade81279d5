"""``python -m pipeline.cli``: the same as the ``cxmon`` command."""

from pipeline.cli import main

main()
