"""The seeds' example: Test.value is 777, the parent sets it to 999, the child prints it.

Usage: python3 test_value.py fork|spawn|forkserver
"""
import multiprocessing
import sys
from multiprocessing import Process

import forklab_steps


class Test:
    value = 777


def process_task():
    forklab_steps.key_step("the child reads Test.value")
    print(f"Test.value = {Test.value}")


if __name__ == '__main__':
    multiprocessing.set_start_method(sys.argv[1])
    # change the value of Test.value before creating a new process
    Test.value = 999
    forklab_steps.step("the parent set Test.value = 999")
    process = Process(target=process_task, name="process-1")
    process.start()
    process.join()
    forklab_steps.step("the parent has joined its child")
