"""``python -m nemo_widgets.cli``: the ``nemo-widgets`` command."""

import sys

from nemo_widgets.cli import main

sys.exit(main())
