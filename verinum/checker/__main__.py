"""``python -m verinum.checker CERT.json ...`` -- same as ``verinum check``."""

import sys

from verinum.checker.cli import main

sys.exit(main())
