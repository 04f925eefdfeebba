"""``python -m crawler`` is the ``sourcekeeper`` command."""

from crawler.cli import main

main()
