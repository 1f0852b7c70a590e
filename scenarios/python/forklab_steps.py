"""Name the steps of a lesson, so forklab can stop there and the narration can speak.

forklab's sandbox traps syscall 4001, which no kernel implements, and reads the label from this
process's memory. The call opens no file and maps no memory, so the plumbing forklab shows is
CPython's own. Outside forklab it fails with ENOSYS and nothing happens.
"""
import ctypes
import sys
import time

_libc = ctypes.CDLL(None, use_errno=True)
_MARKER = 4001
_KEY = 1  # this step is the lesson's key moment


_WHERE = 8  # the step also gives its source file and line (the Source panel highlights it)


def _mark(label: str, flags: int) -> bool:
    raw = label.encode()
    # The line that called step() or key_step(): two frames up from here.
    caller = sys._getframe(2)
    file = caller.f_code.co_filename.encode()
    return 0 == _libc.syscall(ctypes.c_long(_MARKER), ctypes.c_char_p(raw), ctypes.c_size_t(len(raw)),
                              ctypes.c_ulong(flags | _WHERE), ctypes.c_ulong(caller.f_lineno),
                              ctypes.c_char_p(file), ctypes.c_size_t(len(file)))


def step(label: str) -> bool:
    """Returns whether forklab saw it (False: not running under forklab)."""
    return _mark(label, 0)


def key_step(label: str) -> bool:
    return _mark(label, _KEY)


def wait_running(ready, seconds: float, slice_: float = 0.02) -> bool:
    """Calls ready(timeout) in short slices until it returns true or `seconds` of running time
    have passed. Time this process spent stopped (held at a forklab step gate while a class
    discusses it) does not count: a slice that took longer counts as its own length."""
    left = seconds
    while left > 0:
        t = time.monotonic()
        if ready(min(slice_, left)):
            return True
        left -= min(time.monotonic() - t, slice_)
    return False


_NAME_FD = 4  # not a step: "fd N of this process is LABEL"


def name_fd(fd: int, label: str) -> bool:
    """Gives one of this process's fds a name for forklab's fd view (shown as a name only)."""
    raw = label.encode()
    return 0 == _libc.syscall(ctypes.c_long(_MARKER), ctypes.c_char_p(raw), ctypes.c_size_t(len(raw)),
                              ctypes.c_ulong(_NAME_FD), ctypes.c_ulong(fd))
