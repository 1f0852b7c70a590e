"""Which start method does CPython use when the program chooses none? Then get_context(METHOD),
which leaves the default alone, and set_start_method(METHOD), which changes it.

Usage: python3 start_method_defaults.py METHOD
"""
import multiprocessing
import os
import sys

import forklab_steps


def child(how):
    if how == "default":
        forklab_steps.step("the child started without a chosen method runs")
    else:
        forklab_steps.step(f"the {how} child runs")
    print(f"{how} child {os.getpid()}: my parent is {os.getppid()}", flush=True)


def start(process):
    process.start()
    process.join()


if __name__ == '__main__':
    method = sys.argv[1]
    print(f"parent {os.getpid()}: get_start_method(allow_none=True) = "
          f"{multiprocessing.get_start_method(allow_none=True)!r}", flush=True)
    # The key step comes before the start: once the child exists, the tree shows its method.
    forklab_steps.key_step("no method chosen: the parent starts a child")
    start(multiprocessing.Process(target=child, args=("default",)))
    print(f"parent: now get_start_method() = {multiprocessing.get_start_method()!r}", flush=True)

    forklab_steps.step("get_context(METHOD).Process starts a child")
    start(multiprocessing.get_context(method).Process(target=child, args=("get_context",)))
    print(f"parent: get_start_method() is still {multiprocessing.get_start_method()!r}",
          flush=True)

    try:
        multiprocessing.set_start_method(method)
    except RuntimeError as e:
        print(f"parent: set_start_method({method!r}) -> RuntimeError: {e}", flush=True)
    multiprocessing.set_start_method(method, force=True)
    forklab_steps.step("after set_start_method(METHOD, force=True) a plain Process starts")
    start(multiprocessing.Process(target=child, args=("set_start_method",)))
    print(f"parent: get_start_method() = {multiprocessing.get_start_method()!r}", flush=True)
