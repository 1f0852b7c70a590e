"""multiprocessing.Pool(2): two long-lived workers run six tasks; where do the workers sit in
the tree, and which pipes carry the tasks and the results?

Usage: python3 pool.py METHOD
"""
import multiprocessing
import os
import sys

import forklab_steps


def task(i):
    # The worker's own write: the kernel says which process ran which task.
    print(f"task {i} runs in pid {os.getpid()}", flush=True)
    return i * i


if __name__ == '__main__':
    ctx = multiprocessing.get_context(sys.argv[1])
    # The key step comes before the pool: once the workers exist, the tree answers the question.
    forklab_steps.key_step("the parent creates Pool(2)")
    with ctx.Pool(2) as pool:
        # The pool's two SimpleQueues, each a one-way Pipe (private attributes, named here only
        # so the fd view can show which pipe is which).
        forklab_steps.name_fd(pool._inqueue._writer.fileno(),
                              "task pipe (write end: the parent sends tasks)")
        forklab_steps.name_fd(pool._outqueue._reader.fileno(),
                              "result pipe (read end: the workers' results come back)")
        forklab_steps.step("the parent hands six tasks to the pool")
        results = pool.map(task, range(6), chunksize=1)
        forklab_steps.step("six tasks done: who ran them?")
        print(f"parent: results {results}", flush=True)
    # Leaving the with-block calls pool.terminate().
    forklab_steps.step("the with-block has ended: pool.terminate()")
