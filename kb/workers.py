"""The helper processes of an import, one per core. Each derives what an import needs
from the articles it is sent (entities, story signature, language); one of them also
writes the stored articles it is told to index into a segment, finished before each
index commit with the entities the import's votes have given some of them since (see
index.segments), and the import commits the segment. Each article thus crosses between
processes twice, and is analysed for the index once.

Requests and replies go through queues (whose feeder threads never block the sender);
a worker stops when the import ends, and also when the importing process dies. Workers
ignore Ctrl-C (SIGINT reaches every process of the terminal's foreground group): the
import decides, and tells them through an event to stop analysing (see kb.interrupts).
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import queue
import signal
import threading
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Callable, Iterator

from importers.language import detect_language
from index import SegmentBuilder
from kb.entities import count_entities, get_extractor
from kb.errors import StoreError
from kb.models import EntityCount
from kb.shingles import Signature, signatures
from kb.vocabulary import language_tag

POLL_SECONDS = 1.0  # how often the import, waiting on a worker, checks that it is still alive
_LIBC = ctypes.CDLL(None)
_MALLOC_TRIM = getattr(_LIBC, "malloc_trim", None)  # glibc's; elsewhere nothing to do
FREE_KEPT = 16 << 20  # free heap bytes a process keeps (it would soon fault them in again)


class _MallInfo2(ctypes.Structure):
    """glibc's `struct mallinfo2` (2.33 and later)."""
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]


_MALLINFO2 = getattr(_LIBC, "mallinfo2", None)
if _MALLINFO2 is not None:
    _MALLINFO2.restype = _MallInfo2


Text = tuple[str, str, "str | None"]  # an article's title, body and language (None: unknown)
Derived = tuple[list[EntityCount], bytes, "str | None"]


ANALYSED_TOGETHER = 32  # texts an extractor tags at once (Extractor.extract_all); Ctrl-C is heard between


def derive(text: Text, mentions: list, story_signature: Signature) -> Derived:
    """What an import derives from an article's text, the mentions found in it and its
    body's signature: its entities, its story signature as bytes, and its language (as a
    BCP 47 tag in one case form), detected when the source gave none."""
    title, body, language = text
    return (count_entities(mentions, body), story_signature.to_bytes(),
            language_tag(language) or detect_language(f"{title}\n\n{body}"))


def analyse_all(extractor, texts: list[Text], stopped: Callable[[], bool]) -> list[Derived] | None:
    """What an import derives from each text (`derive`), ANALYSED_TOGETHER at a time;
    None once `stopped()` says so (checked before each group)."""
    results = []
    for first in range(0, len(texts), ANALYSED_TOGETHER):
        if stopped():
            return None
        group = texts[first:first + ANALYSED_TOGETHER]
        bodies = [body for _, body, _ in group]
        results.extend(map(derive, group, extractor.extract_all(bodies), signatures(bodies)))
    return results


class WorkerFailed(StoreError):
    """A helper process died, or failed on its work."""


class Worker:
    """One helper process, driven by the import: `analyse` then `result` (in order),
    `index`, and `finish_segment` then `result` before each index commit."""

    def __init__(self, context, extractor_name: str, index_path: Path, stopping):
        """`stopping`: an event of `context`; once set, the worker answers each request to
        analyse with None."""
        self.requests, self.replies = context.Queue(), context.Queue()
        self.process = context.Process(target=serve, daemon=True, name="kb-import-worker",
                                       args=(extractor_name, index_path, self.requests, self.replies, stopping))
        with interrupts_blocked():  # until the worker ignores them
            self.process.start()

    def analyse(self, texts: list) -> None:
        """Send texts to analyse; `result` gives the answer (None if stopped), in the order sent."""
        self.requests.put(("analyse", texts))

    def has_reply(self) -> bool:
        """Whether an answer is waiting, so that `result` returns at once."""
        return not self.replies.empty()

    def result(self):
        """The answer to the oldest request not answered yet; an error the worker met is
        raised here."""
        while True:
            try:
                kind, value = self.replies.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not self.process.is_alive():
                    raise WorkerFailed(f"an import helper process died (exit code {self.process.exitcode})") from None
                continue
            if kind == "error":
                raise value
            return value

    def index(self, articles: list) -> None:
        """Add stored articles to this worker's segment."""
        self.requests.put(("index", articles))

    def finish_segment(self, changed: dict) -> None:
        """Ask for the segment written since the last request, the entities of its
        articles in `changed` (by id: as stored now) replacing those they were added
        with; `result` gives it (None if there is none), for the commit."""
        self.requests.put(("finish", changed))

    def stop(self, cancel: bool) -> None:
        """End the process; with `cancel`, its unfinished segment is dropped first."""
        if self.process.is_alive():
            self.requests.put(("cancel" if cancel else "stop", None))
            self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        for channel in (self.requests, self.replies):
            channel.close()
            channel.cancel_join_thread()


def serve(extractor_name: str, index_path: Path, requests, replies, stopping) -> None:
    """A worker's loop: answer requests until told to stop; when told to cancel, drop the
    unfinished segment first. A watch thread ends the process once the importing process
    is gone, whatever this loop is doing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    extractor, builder = get_extractor(extractor_name), SegmentBuilder(index_path)
    if (parent := multiprocessing.parent_process()) is not None:
        threading.Thread(target=_end_with, args=(parent, builder), name="kb-parent-watch", daemon=True).start()
    while True:
        kind, value = requests.get()
        if kind == "stop":
            return
        if kind == "cancel":
            break
        try:
            if kind == "analyse":
                replies.put(("result", analyse_all(extractor, value, stopping.is_set)))
            elif kind == "index":
                for article in value:
                    builder.add(article)
            else:
                replies.put(("result", builder.finish(changed=value)))
        except Exception as error:  # noqa: BLE001 (raised again in the importing process)
            replies.put(("error", error if _picklable(error) else WorkerFailed(
                f"an import helper process failed: {type(error).__name__}: {error}")))
        release_free_memory()
    with suppress(OSError):  # a full disk may refuse even the clean-up
        builder.cancel()
    # Nobody may read what is left to send: exit without waiting to send it (a sibling
    # worker, forked later, holds the queue's pipe open, so the wait would never end).
    replies.cancel_join_thread()


@contextmanager
def interrupts_blocked() -> Iterator[None]:
    """SIGINT held back from this thread (a process started meanwhile inherits the block),
    then delivered."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _end_with(parent, builder: SegmentBuilder) -> None:
    """Once the importing process is gone, drop the unfinished segment and exit at once.
    The loop cannot be left to notice: it may be blocked reading a request its parent
    died half-way through sending, a read no end of file ends (this process and its
    siblings hold the pipe's other end), or be busy with a batch for a minute."""
    parent.join()
    with suppress(Exception):  # the loop may be using the segment's files meanwhile
        builder.cancel()
    os._exit(1)


def release_free_memory() -> None:
    """Give the C library's free heap pages back to the system once they come to more
    than FREE_KEPT. A worker's bounded caches keep evicting and refilling, which leaves
    free holes across the heap that the allocator would otherwise keep; but pages given
    back are faulted in again by the next batch: trimmed after every batch, a BBC import
    took 166,000 page faults instead of 113,000 (3-18 MB free a worker each time)."""
    if _MALLOC_TRIM is not None and (_MALLINFO2 is None or _MALLINFO2().fordblks > FREE_KEPT):
        _MALLOC_TRIM(0)


def _picklable(error: Exception) -> bool:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 (whatever pickling raises, the error goes as text)
        return False
    return True
