"""The seed's example: a global and a local string passed to a child as arguments. Under spawn
and forkserver the parent pickles them (with the Process object and its target) and writes the
bytes into the data pipe, where forklab's recorder catches them; under fork nothing crosses: the
child is a copy of the parent's memory, arguments included.

Variants: `lambda` makes the target a lambda (pickle finds a function by its name, and a lambda
has none); `lock` passes a threading.Lock as the second argument (no pickling of a lock).

Usage: python3 arguments.py METHOD [lambda|lock]
"""
import multiprocessing
import os
import sys
import threading
import traceback

import forklab_steps

global_arg = "this is a global arg"


def process_task(garg, larg):
    forklab_steps.key_step("the child runs its target")
    print(f"child {os.getpid()}: " + garg + " - " + str(larg), flush=True)


# The same body as process_task, but a lambda: its qualified name is "<lambda>".
lambda_task = lambda garg, larg: (forklab_steps.key_step("the child runs its target"),
                                  print(f"child {os.getpid()}: " + garg + " - " + str(larg),
                                        flush=True))


if __name__ == '__main__':
    ctx = multiprocessing.get_context(sys.argv[1])
    variant = sys.argv[2] if len(sys.argv) > 2 else ""
    local_arg = "this is a local arg"
    target = lambda_task if variant == "lambda" else process_task
    second = threading.Lock() if variant == "lock" else local_arg
    forklab_steps.step("the parent starts the child")
    process = ctx.Process(target=target, name="process-1", args=(global_arg, second))
    try:
        process.start()
    except Exception:
        # What start() raised, as CPython formats it, on the parent's own stderr.
        traceback.print_exc()
        sys.stderr.flush()
        forklab_steps.key_step("start() raised in the parent")
    else:
        process.join()
        print(f"parent {os.getpid()}: the child exited with {process.exitcode}", flush=True)
    forklab_steps.step("the parent is done")
