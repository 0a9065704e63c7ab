"""First-fit decreasing bin packing of objects into Lambda batches, deterministic and O(n log n).

Objects are taken longest first (ties by index); each goes into the lowest-numbered batch with enough
seconds left and room for another object. A segment tree over the batches' remaining seconds finds
that batch in log time, so 100,000 objects pack in well under a second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["PackedBatch", "first_fit_decreasing"]

_FULL = -1.0


@dataclass
class PackedBatch:
    """Indices of the objects in one batch, its estimated seconds and stored bytes."""

    objects: list[int] = field(default_factory=list)
    seconds: float = 0.0
    bytes: int = 0


class _MaxTree:
    """Leftmost slot whose value is at least x; values are remaining seconds (-1 when full)."""

    def __init__(self, size: int, initial: float) -> None:
        self.size = 1 << max(size - 1, 1).bit_length()
        self.tree = [initial] * (2 * self.size)

    def leftmost(self, need: float) -> int | None:
        if self.tree[1] < need:
            return None
        i = 1
        while i < self.size:
            i = 2 * i if self.tree[2 * i] >= need else 2 * i + 1
        return i - self.size

    def set(self, slot: int, value: float) -> None:
        i = slot + self.size
        self.tree[i] = value
        i //= 2
        while i:
            a, b = self.tree[2 * i], self.tree[2 * i + 1]
            self.tree[i] = a if a >= b else b
            i //= 2


def first_fit_decreasing(seconds: Sequence[float], sizes: Sequence[int], capacity: float,
                         max_objects: int) -> list[PackedBatch]:
    """Pack objects (their estimated ``seconds`` and stored ``sizes``) into batches of at most
    ``capacity`` seconds and ``max_objects`` objects. An object longer than the capacity gets a batch
    of its own. Batches come out in creation order, their object indices ascending."""
    n = len(seconds)
    if n == 0:
        return []
    capacity = max(capacity, 1e-9)
    order = sorted(range(n), key=lambda i: (-seconds[i], i))
    guess = int(2 * math.ceil(sum(seconds) / capacity) + n / max_objects + 2)
    tree = _MaxTree(min(max(guess, 16), n), capacity)
    batches: list[PackedBatch] = []
    for i in order:
        need = min(seconds[i], capacity)
        slot = tree.leftmost(need)
        while slot is None:  # every slot is taken: double the tree, keeping the batches
            bigger = _MaxTree(tree.size * 2, capacity)
            for s, b in enumerate(batches):
                bigger.set(s, _remaining(b, capacity, max_objects))
            tree = bigger
            slot = tree.leftmost(need)
        if slot == len(batches):
            batches.append(PackedBatch())
        batch = batches[slot]
        batch.objects.append(i)
        batch.seconds += seconds[i]
        batch.bytes += sizes[i]
        tree.set(slot, _remaining(batch, capacity, max_objects))
    for b in batches:
        b.objects.sort()
    return batches


def _remaining(batch: PackedBatch, capacity: float, max_objects: int) -> float:
    if len(batch.objects) >= max_objects:
        return _FULL
    return max(capacity - batch.seconds, 0.0)
