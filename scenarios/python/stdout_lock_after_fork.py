"""The hang people meet in production (CPython gh-91776): a thread is writing to sys.stdout at
the moment the main thread forks, so the fork child's copy of sys.stdout's buffer lock is held
by a thread the child does not have, and the child waits forever.

The child's print() itself returns (TextIOWrapper keeps the line in its own buffer); the
wait comes when multiprocessing flushes sys.stdout as the child exits.
Luck decides that moment in production; here it is chosen. sys.stdout is a pipe nobody reads
yet, so a thread's big write blocks inside BufferedWriter with its lock held. Under fork an
os.register_at_fork(before=...) hook, which runs inside os.fork() after multiprocessing has
flushed sys.stdout, starts that write and waits until the thread is blocked in write(2). Under
spawn and forkserver there is no os.fork() in this process: the write starts right after
start(). The parent's own lines go to the original stdout (sys.__stdout__).
Usage: python3 stdout_lock_after_fork.py METHOD
"""
import multiprocessing
import os
import sys
import threading

import forklab_steps

go = threading.Event()
writer_tid = []


def writer():
    writer_tid.append(threading.get_native_id())
    go.wait()
    sys.stdout.write("x" * (1 << 20))  # blocks: the pipe holds 64 KiB and nobody reads it
    sys.stdout.flush()


def wait_until_blocked_in_write():
    go.set()
    path = f"/proc/self/task/{writer_tid[0]}/syscall"
    while True:
        with open(path) as f:
            if f.read().split()[0] == "1":  # write(2), x86_64
                return


def before_fork():
    wait_until_blocked_in_write()
    forklab_steps.step("a thread is blocked in sys.stdout.write, holding its lock")


def child():
    print(f"child {os.getpid()}: {threading.active_count()} thread(s)",
          file=sys.__stderr__, flush=True)
    print(f"child {os.getpid()}: a line for sys.stdout")  # kept in TextIOWrapper's own buffer
    print(f"child {os.getpid()}: print() returned", file=sys.__stderr__, flush=True)
    # Next, multiprocessing's _bootstrap flushes sys.stdout before the child exits.
    forklab_steps.key_step("the child's target returns: sys.stdout is flushed at exit")


def say(text):
    print(text, file=sys.__stdout__, flush=True)


if __name__ == '__main__':
    method = sys.argv[1]
    multiprocessing.set_start_method(method)
    r, w = os.pipe()
    sys.stdout = open(w, "w")
    t = threading.Thread(target=writer, name="writer", daemon=True)
    t.start()
    while not writer_tid:
        pass
    if method == "fork":
        os.register_at_fork(before=before_fork)
    forklab_steps.step("the parent starts a child while its writer thread waits to print")
    p = multiprocessing.Process(target=child)
    p.start()
    if method != "fork":
        before_fork()
    drained = 0
    while drained < (1 << 20):  # let the writer finish: its lock is free again in the parent
        drained += len(os.read(r, 1 << 16))
    t.join()
    say(f"parent: drained {drained} bytes; the writer thread is done")
    p.join(timeout=1.0)
    observed = forklab_steps.step("one second later: has the child printed?")
    if p.is_alive():
        if not observed:  # no forklab teardown to end it: do not leave it behind
            p.kill()
            sys.exit(f"parent: child {p.pid} was still waiting; killed it")
        say(f"parent: child {p.pid} is still waiting; leaving it to forklab's teardown")
        os._exit(0)  # skip multiprocessing's atexit join, which would wait forever too
    say(f"parent: the child exited with {p.exitcode}")
