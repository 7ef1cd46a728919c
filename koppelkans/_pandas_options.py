"""pandas settings every part of Koppelkans relies on, applied once when the package is imported.

Text columns use pandas' default string dtype with Python storage whether or not pyarrow is installed
(Dask brings it in): with pyarrow storage, arithmetic on a mapped but empty column fails, so results would
depend on an optional package.
"""

from __future__ import annotations

import pandas as pd

pd.set_option("mode.string_storage", "python")
