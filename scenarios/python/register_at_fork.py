"""os.register_at_fork, the Python twin of the atfork-fix lesson: a thread holds a
threading.Lock while the main thread starts a child that takes the lock, and fork hooks make
the child's copy one it can take.

Usage: python3 register_at_fork.py METHOD
"""
import multiprocessing
import os
import sys
import threading
import time
from multiprocessing import Process

import forklab_steps

lock = threading.Lock()
holding = threading.Event()


def before():
    forklab_steps.step("before: fork waits to take the lock itself")
    lock.acquire()


def after_in_child():
    lock.release()
    forklab_steps.step("after_in_child: the child releases its copy")


# Module level, so a spawn or forkserver child's re-run of this file registers them too.
os.register_at_fork(before=before, after_in_parent=lock.release, after_in_child=after_in_child)


def holder():
    with lock:
        holding.set()
        time.sleep(0.3)  # busy with the lock for a while, then done


def child():
    print(f"child {os.getpid()}: {threading.active_count()} thread(s), "
          f"lock.locked() = {lock.locked()}", flush=True)
    forklab_steps.key_step("the child calls lock.acquire()")
    with lock:
        print(f"child {os.getpid()}: acquired the lock", flush=True)


if __name__ == '__main__':
    multiprocessing.set_start_method(sys.argv[1])
    t = threading.Thread(target=holder, name="holder")
    t.start()
    holding.wait()
    forklab_steps.step("a thread holds the lock; the parent starts a child")
    p = Process(target=child)
    p.start()
    p.join(timeout=5.0)
    if p.is_alive():  # the hooks failed: do not leave the child behind
        p.kill()
        sys.exit(f"parent: child {p.pid} was still waiting; killed it")
    print(f"parent: the child exited with {p.exitcode}", flush=True)
    t.join()
