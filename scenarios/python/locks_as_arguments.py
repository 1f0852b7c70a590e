"""A multiprocessing.Lock and a threading.Lock, both held by the parent, passed to a child as
arguments: the first is one semaphore that parent and child share; the second is copied by
fork, and cannot be pickled for spawn or forkserver at all.

Usage: python3 locks_as_arguments.py METHOD
"""
import multiprocessing
import os
import sys
import threading

import forklab_steps


def child(mlock, tlock=None):
    got = mlock.acquire(block=False)
    print(f"child {os.getpid()}: mp.Lock acquire(block=False) = {got}", flush=True)
    forklab_steps.key_step("the child waits for the mp.Lock")
    mlock.acquire()
    print(f"child {os.getpid()}: got the mp.Lock", flush=True)
    if tlock is not None:
        # The parent released its threading.Lock before its mp.Lock: the child's copy?
        got = tlock.acquire(timeout=0.2)
        print(f"child {os.getpid()}: threading.Lock acquire(timeout=0.2) = {got}", flush=True)


if __name__ == '__main__':
    ctx = multiprocessing.get_context(sys.argv[1])
    mlock = ctx.Lock()
    tlock = threading.Lock()
    mlock.acquire()
    tlock.acquire()
    forklab_steps.step("the parent holds both locks and starts a child with them")
    p = ctx.Process(target=child, args=(mlock, tlock))
    try:
        p.start()
    except TypeError as e:
        print(f"parent: start() with the threading.Lock: TypeError: {e}", flush=True)
        p = ctx.Process(target=child, args=(mlock,))
        p.start()
    p.join(timeout=0.5)
    tlock.release()
    mlock.release()
    forklab_steps.step("the parent released both locks")
    p.join()
    print(f"parent: the child exited with {p.exitcode}", flush=True)
