"""Outputs for analysts, as pandas DataFrames.

`read_outputs(out_dir)` gives the articles and the sentence pairs of an output folder with the
types they have in Parquet: lists stay lists (flags, key points, warnings), timestamps stay
timezone-aware timestamps, integers stay integers even where some rows hold none (rows an older
tolk wrote), and the paragraph kind is a category.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pyarrow as pa

from tolk.store.reader import read_tables
from tolk.store.tables import ARTICLES_FILE, SENTENCES_FILE

_NULLABLE = {
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
    pa.float32(): pd.Float32Dtype(),
}


def _dtype(arrow_type: pa.DataType):
    if pa.types.is_list(arrow_type) or pa.types.is_struct(arrow_type):
        return pd.ArrowDtype(arrow_type)  # each cell a Python list (of dicts, for key points)
    return _NULLABLE.get(arrow_type)  # None: pandas' own choice (timestamps, strings, ...)


def to_frame(table: pa.Table) -> pd.DataFrame:
    """Convert an output table to a DataFrame with the types described above."""
    return table.to_pandas(types_mapper=_dtype)


class Outputs(NamedTuple):
    articles: pd.DataFrame
    sentences: pd.DataFrame


def read_outputs(out_dir: str | Path) -> Outputs:
    """Read an output folder's articles and sentence pairs as DataFrames."""
    tables = read_tables(Path(out_dir))
    return Outputs(to_frame(tables[ARTICLES_FILE]), to_frame(tables[SENTENCES_FILE]))
