"""``python -m cli``: the ``policyqa`` command of this checkout."""

import sys

from cli.main import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
