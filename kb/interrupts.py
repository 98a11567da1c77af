"""Ctrl-C (SIGINT) during an import: reading stops at once, storing finishes its batch.

While records are read (a file parsed, standard input waited on) Ctrl-C ends the reading
at once; while a batch is stored or the index committed it only asks the import to stop,
so nothing is left half-written, and the import then commits what it stored. A second
Ctrl-C raises KeyboardInterrupt wherever it lands (the store's transactions and the
index's queue keep that safe too). As KnowledgeBase uses it around an import:

    with Interrupts() as interrupts:
        interrupts.call_on_interrupt(ingest.stop)
        for article in interrupts.until_interrupted(articles):
            ingest.add(article)
"""
from __future__ import annotations

import signal
import threading
from typing import Callable, Iterable, Iterator, TypeVar

Item = TypeVar("Item")
_END = object()


class Interrupts:
    """The SIGINT handler of one import (installed only in the main thread, where Python
    runs signal handlers)."""

    def __init__(self) -> None:
        self.interrupted = self.reading = False
        self._stop: Callable[[], None] = lambda: None
        self._previous = None

    def __enter__(self) -> "Interrupts":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exception) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def call_on_interrupt(self, stop: Callable[[], None]) -> None:
        """Call `stop` on Ctrl-C (at once if it came already)."""
        self._stop = stop
        if self.interrupted:
            stop()

    def until_interrupted(self, items: Iterable[Item]) -> Iterator[Item]:
        """`items` until Ctrl-C: one that comes while the next item is read ends the reading."""
        iterator = iter(items)
        try:
            while not self.interrupted:
                self.reading = True
                try:
                    item = next(iterator, _END)
                finally:
                    self.reading = False
                if item is _END:
                    return
                yield item
        except KeyboardInterrupt:
            if not self.interrupted:
                raise

    def _handle(self, signum, frame) -> None:
        first = not self.interrupted
        self.interrupted = True
        if first:
            self._stop()
        if self.reading or not first:
            raise KeyboardInterrupt
