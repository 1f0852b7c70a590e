#include "BenchLoop.hpp"

#include "core/base/Clock.hpp"

#include <cstdio>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

namespace forklab::cli {

int benchLoop(const char* kind, int iterations) {
    bool exec = strcmp(kind, "exec") == 0;
    if (!exec && strcmp(kind, "fork") != 0) return 2;
    int64_t start = monotonicNs();
    for (int i = 0; i < iterations; ++i) {
        pid_t p = fork();
        if (p < 0) return 1;
        if (p == 0) {
            if (exec) execl("/bin/true", "true", (char*)nullptr);
            _exit(0);
        }
        int st;
        waitpid(p, &st, 0);
    }
    int64_t total = monotonicNs() - start;
    printf("%lld %d\n", (long long)total, iterations);
    fflush(stdout);
    return 0;
}

} // namespace forklab::cli
