"""A tiny, exact generator of `orders` exports: every row's fate is known, so counts can be asserted."""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

HEADER = ["OrderID", "customer_id", "amount", "currency", "status", "ordered_at", "channel"]


@dataclass(frozen=True)
class Sample:
    rows: int
    rejected: int
    filtered: int
    duplicates: int

    @property
    def written(self) -> int:
        return self.rows - self.rejected - self.filtered - self.duplicates


def write_orders(lake: Path, day: str = "2024-03-01", good: int = 200) -> Sample:
    """``good`` valid orders, plus 1 bad amount (quarantine), 3 test orders (filtered) and 2 older
    re-exports of existing orders (deduplicated) in one gzip CSV under s3://acme-raw/shop/orders/DAY/."""
    rows = [[str(1000 + i), str(1 + i % 50), f"{10 + i % 90}.50", ["EUR", "USD", "GBP"][i % 3], "paid",
             f"{day} {i % 24:02d}:{i % 60:02d}:00", "web"] for i in range(good)]
    rows.append(["5000", "7", "abc", "EUR", "paid", f"{day} 10:00:00", "web"])  # cast:amount
    rows += [[str(6000 + i), "7", "1.00", "EUR", "test", f"{day} 11:00:00", "app"] for i in range(3)]
    rows += [[str(1000 + i), "7", "2.00", "EUR", "paid", f"{day} 00:00:00", "app"] for i in (1, 2)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path = lake / "acme-raw" / "shop" / "orders" / day / "orders-part-000.csv.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(buf.getvalue().encode(), mtime=0))
    return Sample(rows=len(rows), rejected=1, filtered=3, duplicates=2)
