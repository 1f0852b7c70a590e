"""A thread holds a threading.Lock while the main thread starts a child that takes the lock.

Under fork the child's copy of the lock is locked and no code in the child releases it (any
thread may release a threading.Lock): the child waits forever. The parent does not rescue it;
forklab's teardown kills it.
Usage: python3 lock_after_fork.py METHOD
"""
import multiprocessing
import os
import sys
import threading
from multiprocessing import Process

import forklab_steps

lock = threading.Lock()
holding = threading.Event()
release = threading.Event()


def holder():
    with lock:
        holding.set()
        release.wait()


def child():
    print(f"child {os.getpid()}: {threading.active_count()} thread(s), "
          f"lock.locked() = {lock.locked()}", flush=True)  # before it may hang
    forklab_steps.step("the child calls lock.acquire()")
    lock.acquire()
    print(f"child {os.getpid()}: acquired the lock")


if __name__ == '__main__':
    multiprocessing.set_start_method(sys.argv[1])
    t = threading.Thread(target=holder, name="holder")
    t.start()
    holding.wait()
    forklab_steps.step("a thread holds the lock")
    p = Process(target=child)
    p.start()
    # one second of running time: a pause at a step does not use it up
    forklab_steps.wait_running(lambda t: p.join(t) or not p.is_alive(), 1.0)
    forklab_steps.key_step("one second later: is the child still waiting?")
    release.set()
    t.join()
    observed = forklab_steps.step("the parent released its lock")
    forklab_steps.wait_running(lambda t: p.join(t) or not p.is_alive(), 0.3)
    if p.is_alive():
        if not observed:  # no forklab teardown to end it: do not leave it behind
            p.kill()
            sys.exit(f"parent: child {p.pid} was still waiting; killed it")
        print(f"parent: child {p.pid} is still waiting; leaving it to forklab's teardown",
              flush=True)
        os._exit(0)  # skip multiprocessing's atexit join, which would wait forever too
    print(f"parent: the child exited with {p.exitcode}")
