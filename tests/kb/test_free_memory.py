"""A process gives the C library's free heap pages back only when there are many: pages
given back are faulted in again by the next batch (kb.workers.release_free_memory)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from kb import workers

pytestmark = pytest.mark.skipif(workers._MALLINFO2 is None, reason="needs glibc 2.33 or later (mallinfo2)")

# Frees `megabytes` of the heap in holes (every other block of 16 KB: they cannot join
# the heap's top), then prints the free heap bytes and the resident set's drop across
# release_free_memory, in a process of its own (the test runner's heap is not known).
SCRIPT = """
import os, sys
from kb.workers import _MALLINFO2, release_free_memory
blocks = [bytes(16384) for _ in range(int(sys.argv[1]) * 128)]
del blocks[::2]
def resident():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
free, before = _MALLINFO2().fordblks, resident()
release_free_memory()
print(free, before - resident())
"""


def freed_and_released(megabytes: int) -> tuple[int, int]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(megabytes)], capture_output=True, text=True, check=True)
    free, released = map(int, done.stdout.split())
    return free, released


def test_many_free_pages_go_back_to_the_system():
    free, released = freed_and_released(64)  # 32 MB free in holes
    assert free > workers.FREE_KEPT
    assert released > free // 2


def test_a_few_free_pages_are_kept():
    free, released = freed_and_released(4)  # 2 MB free in holes, with what start-up left
    assert 2 << 20 < free < workers.FREE_KEPT
    assert released < 1 << 20
