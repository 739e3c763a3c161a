"""Compile each template file once per test process instead of once per rendering.

Cookiecutter builds a fresh Jinja environment for every rendering and compiles
every file again: over half of a rendering's time (measured: 2.1 s of 3.9 s
profiled). Jinja's compiled code depends only on the template source, which a
bytecode bucket checks by checksum, so sharing it between renderings in one
process changes no output, only the time tier 1's renderings take.
"""

from __future__ import annotations

from typing import Any

from cookiecutter.environment import StrictEnvironment
from jinja2.bccache import Bucket, BytecodeCache


class InProcessBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            # Resets the bucket itself when the source checksum differs.
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()

    def __len__(self) -> int:
        return len(self._code)


SHARED_CACHE = InProcessBytecodeCache()


def share_compiled_templates() -> None:
    """Give every StrictEnvironment made in this process the shared bytecode cache."""
    if getattr(StrictEnvironment, "_shares_compiled_templates", False):
        return
    original_init = StrictEnvironment.__init__

    def init_with_shared_cache(self: StrictEnvironment, **kwargs: Any) -> None:
        original_init(self, **kwargs)
        self.bytecode_cache = SHARED_CACHE

    StrictEnvironment.__init__ = init_with_shared_cache  # type: ignore[method-assign]
    StrictEnvironment._shares_compiled_templates = True  # type: ignore[attr-defined]
