"""CPython's launch latency for `forklab bench launch`: Process(target=noop).start() + join().

Usage: python3 bench_launches.py fork|spawn|forkserver N
Prints the median and the 90th percentile in microseconds. One warm-up launch first starts the
resource tracker and the forkserver, so N measures launches only.
"""
import multiprocessing as mp
import sys
import time


def noop():
    pass


if __name__ == '__main__':
    ctx = mp.get_context(sys.argv[1])
    n = int(sys.argv[2])
    p = ctx.Process(target=noop)
    p.start()
    p.join()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        ts.append((time.perf_counter() - t0) * 1e6)
    ts.sort()
    print('%.1f %.1f' % (ts[len(ts) // 2], ts[min(len(ts) - 1, len(ts) * 9 // 10)]))
