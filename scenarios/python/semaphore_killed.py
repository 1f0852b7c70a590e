"""A child creates a multiprocessing.Semaphore and is SIGKILLed before it can clean up.

Under spawn and forkserver the semaphore has a name in /dev/shm (sem.mp-...) that the child
registered with the resource tracker; the tracker unlinks it, with a warning, once the last
holder of its pipe is gone. Under fork the name is unlinked as soon as it is created.
Usage: python3 semaphore_killed.py METHOD
"""
import multiprocessing
import os
import sys
import time
from multiprocessing import Process

import forklab_steps


def child(ready):
    sem = multiprocessing.Semaphore(1)
    print(f"child {os.getpid()}: created a semaphore named {sem._semlock.name}", flush=True)
    forklab_steps.step("the child created a named semaphore")
    ready.send("ready")
    while True:  # until killed: its finalizer never runs
        time.sleep(1)


if __name__ == '__main__':
    multiprocessing.set_start_method(sys.argv[1])
    reader, writer = multiprocessing.Pipe(duplex=False)
    p = Process(target=child, args=(writer,))
    p.start()
    writer.close()
    if not forklab_steps.wait_running(reader.poll, 20):
        print("parent: the child never said it was ready")
        p.kill()
        sys.exit(1)
    forklab_steps.step("the parent SIGKILLs the child")
    p.kill()
    p.join()
    print(f"parent: the child died with exitcode {p.exitcode}")
    forklab_steps.key_step("the child is dead: is its semaphore still there?")
    time.sleep(0.2)
    forklab_steps.step("the parent exits")
