"""newskb's own Whoosh codec: postings laid out for numpy (see packed.py)."""
from index.codec.matcher import PackedMatcher, PostingsArrays
from index.codec.packed import PackedCodec
from index.codec.writer import PackedPostingsWriter

__all__ = ["PackedCodec", "PackedMatcher", "PackedPostingsWriter", "PostingsArrays"]
