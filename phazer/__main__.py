"""Allow ``python -m phazer``."""

from phazer.cli.main import main

raise SystemExit(main())
