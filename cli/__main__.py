"""``python -m cli``: the ``anpr`` command."""
from cli.main import main

main()
