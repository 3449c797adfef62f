"""Outputs for analysts, as pandas DataFrames.

`read_outputs(out_dir)` gives the articles and the sentence pairs of an output folder with the
types they have in Parquet: lists stay lists (flags, key points, warnings), timestamps stay
timezone-aware timestamps, integers stay integers even where some rows hold none (rows an older
tolk wrote), and the paragraph kind is a category.

Two conveniences on top of the tables (the Parquet files keep their names and types, so older
output folders read as before):

- the sentences' `flags` column is named `flag_names` here: `DataFrame.flags` is pandas' own
  attribute, so `sentences.flags` would silently give that instead of the column;
- beside `date` (an ISO string, `YYYY-MM-DD`, or `YYYY-MM` where only the month is known, or
  missing), `published` is a real date (`datetime64`; a month's first day when only the month
  is known) and `date_precision` says which: "day", "month", or missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pyarrow as pa

from tolk.store.layout import ARTICLES_FILE, SENTENCES_FILE
from tolk.store.reader import read_tables

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


FLAG_COLUMN = "flag_names"  # the sentences' `flags`, renamed: `DataFrame.flags` is pandas'


def with_dates(articles: pd.DataFrame) -> pd.DataFrame:
    """Add `published` (a real date) and `date_precision` ("day", "month") beside `date`."""
    dates = articles["date"].astype("string")
    day = dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    month = dates.str.fullmatch(r"\d{4}-\d{2}").fillna(False).astype(bool)
    precision = pd.Series(pd.NA, index=articles.index, dtype="string")
    precision[day], precision[month] = "day", "month"
    full = dates.where(day, dates.where(~month, dates + "-01"))
    published = pd.to_datetime(full.where(day | month), format="%Y-%m-%d", errors="coerce")
    return articles.assign(published=published, date_precision=precision)


def read_outputs(out_dir: str | Path) -> Outputs:
    """Read an output folder's articles and sentence pairs as DataFrames (see above)."""
    tables = read_tables(Path(out_dir))
    sentences = to_frame(tables[SENTENCES_FILE]).rename(columns={"flags": FLAG_COLUMN})
    return Outputs(with_dates(to_frame(tables[ARTICLES_FILE])), sentences)
