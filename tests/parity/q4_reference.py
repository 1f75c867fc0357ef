"""Q4 data in the hub's real format.

sentiment OUT: hezarai/sentiment-dksf-style parquet files written with pyarrow (columns
`text` string and `label` int64; one row with a null text) under OUT/data/, and
OUT/truth.json with the rows each file holds.
"""
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def sentiment(out_dir):
    data = Path(out_dir) / "data"
    data.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([("text", pa.string()), ("label", pa.int64())])
    files = {
        "train-00000-of-00001.parquet": [("کیفیتش عالی بود", 1), ("اصلاً راضی نیستم", 0), (None, 1), ("معمولی بود", 2), ("ارزش خرید داشت", 1)],
        "test-00000-of-00001.parquet": [("خیلی بد بود", 0), ("خوشمزه و تازه بود", 1)],
    }
    truth = {}
    for name, rows in files.items():
        pq.write_table(pa.table({"text": [r[0] for r in rows], "label": [r[1] for r in rows]}, schema=schema), data / name)
        truth[name] = len(rows)
    (Path(out_dir) / "truth.json").write_text(json.dumps(truth))


if __name__ == "__main__":
    if sys.argv[1] == "sentiment":
        sentiment(sys.argv[2])
