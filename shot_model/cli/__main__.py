"""`python -m shot_model.cli` (what `accelerate launch -m shot_model.cli batch ...` runs)."""

import sys

from . import main

sys.exit(main())
