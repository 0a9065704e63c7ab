"""Overlap reading, processing and writing: pyarrow and DuckDB release the GIL in their heavy calls,
so a reader thread, chunk workers and a writer thread keep every core busy. Queues hold at most one item
and at most ``workers`` chunks are in flight, so memory stays a few blocks whatever the input size."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["prefetch", "chunk_pool", "ordered_map", "BackgroundWriter"]

T = TypeVar("T")
R = TypeVar("R")
_DONE = object()


def prefetch(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Iterate ``items`` in a background thread, ``depth`` items ahead; re-raises its errors."""
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def run() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        q.put((True, item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put((True, _DONE))
        except BaseException as e:  # noqa: BLE001 - handed to the consumer
            q.put((False, e))

    t = threading.Thread(target=run, name="lockgate-reader", daemon=True)
    t.start()
    try:
        while True:
            ok, item = q.get()
            if not ok:
                raise item
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        while t.is_alive():
            with contextlib.suppress(queue.Empty):
                q.get(timeout=0.1)
        t.join()


def chunk_pool(workers: int) -> ThreadPoolExecutor | None:
    """The worker threads of one invocation (None for one worker: chunks run on the caller's thread).
    One pool serves every object of the batch, so each thread's DuckDB connection and prepared
    statements are made once, not once per object."""
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lockgate-chunk") if workers > 1 else None


def ordered_map(fn: Callable[[T], R], items: Iterable[T], pool: ThreadPoolExecutor | None,
                workers: int) -> Iterator[tuple[T, R]]:
    """``(item, fn(item))`` for each item, in the items' order, with ``fn`` running on ``pool``'s threads
    (at most ``workers`` items taken ahead of the consumer), or on this thread without a pool. The first
    error is re-raised in the consumer's thread; the items not yet started are cancelled."""
    if pool is None:
        for item in items:
            yield item, fn(item)
        return
    pending: deque[tuple[T, Future[R]]] = deque()
    try:
        for item in items:
            pending.append((item, pool.submit(fn, item)))
            if len(pending) >= workers:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    finally:
        for _, future in pending:  # the pool's owner waits for those already running
            future.cancel()


class BackgroundWriter:
    """Calls ``fn(item)`` in one background thread, in order; errors surface on the next call or close."""

    def __init__(self, fn: Callable[[Any], None], depth: int = 1) -> None:
        self._fn = fn
        self._q: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._t = threading.Thread(target=self._run, name="lockgate-writer", daemon=True)
        self._t.start()

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is _DONE:
                return
            if self._error is None:
                try:
                    self._fn(item)
                except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
                    self._error = e

    def submit(self, item: Any) -> None:
        if self._error is not None:
            raise self._error
        self._q.put(item)

    def close(self) -> None:
        """Wait for every submitted item; re-raise the first error."""
        self._q.put(_DONE)
        self._t.join()
        if self._error is not None:
            raise self._error
