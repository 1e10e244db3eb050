"""A minimal progress line on stderr, shown only when stderr is a terminal."""
import sys
import time


class Progress:
    """`update(text)` redraws one status line at most every 0.2 s; `close()` clears it."""

    def __init__(self, enabled=None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._last = 0.0
        self._shown = False

    def update(self, text):
        now = time.monotonic()
        if not self.enabled or now - self._last < 0.2:
            return
        self._last, self._shown = now, True
        sys.stderr.write("\r\033[K" + text[:120])
        sys.stderr.flush()

    def close(self):
        if self._shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
