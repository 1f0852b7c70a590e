"""The seeds' `ps -aef | grep python` experiment: while the child runs, count the processes.

The seed's child sleeps forever and you run ps in another terminal; here the child names the
moment with a step and forklab's tree is the ps. Usage: python3 forkserver_ps.py METHOD
"""
import multiprocessing
import os
import sys
from multiprocessing import Process

import forklab_steps


def process_task():
    forklab_steps.key_step("the child is running: count the processes")
    print(f"child {os.getpid()}: my parent is {os.getppid()}")


if __name__ == '__main__':
    multiprocessing.set_start_method(sys.argv[1])
    process = Process(target=process_task)
    process.start()
    print("New process created")
    process.join()
    forklab_steps.step("the parent has joined its child")
