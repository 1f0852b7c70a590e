"""Module-level code runs again in every spawn and forkserver child. Without the
`if __name__ == '__main__'` guard, that re-run tries to start a child of its own, and CPython
refuses with its "bootstrapping phase" RuntimeError.

Usage: python3 main_guard.py METHOD [unguarded]
"""
import multiprocessing
import os
import sys

import forklab_steps

# Not guarded: every process that executes this file's body prints this line.
print(f"module level: pid {os.getpid()}, __name__ = {__name__!r}", flush=True)


def work():
    forklab_steps.key_step("the child runs its target")
    print(f"target: pid {os.getpid()}", flush=True)


def main(unguarded):
    ctx = multiprocessing.get_context(sys.argv[1])
    forklab_steps.step("the parent starts a child")
    p = ctx.Process(target=work)
    p.start()
    p.join()
    print(f"pid {os.getpid()}: the child exited with {p.exitcode}", flush=True)
    joined = forklab_steps.key_step if unguarded else forklab_steps.step
    joined("the parent has joined its child")


if len(sys.argv) > 2 and sys.argv[2] == "unguarded":
    main(True)  # no guard: a spawn or forkserver child's re-run of this file comes here too
elif __name__ == '__main__':
    main(False)
