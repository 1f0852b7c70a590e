"""`forklab bench programs`: a multiprocessing Pool under one start method.

    python3 pool.py fork|spawn|forkserver POOLS

Starts POOLS pools of 2 workers one after the other; each maps a small function over 200 numbers
and checks the result, so every worker really starts, receives work and answers.
"""
import multiprocessing as mp
import sys


def square(x):
    return x * x


def main():
    method, pools = sys.argv[1], int(sys.argv[2])
    ctx = mp.get_context(method)
    for _ in range(pools):
        with ctx.Pool(2) as pool:
            if sum(pool.map(square, range(200))) != sum(x * x for x in range(200)):
                sys.exit("wrong result")
    return 0


if __name__ == "__main__":
    sys.exit(main())
