#include "CaptureStdout.hpp"

#include "core/base/Clock.hpp"
#include "core/base/ScopedFd.hpp"

#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace forklab {

std::string captureStdout(const std::vector<std::string>& argv, int timeoutMs) {
    int p[2];
    if (argv.empty() || pipe2(p, O_CLOEXEC) != 0) return {};
    ScopedFd in(p[0]);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[1]);
        return {};
    }
    if (pid == 0) {
        dup2(p[1], 1);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        std::vector<std::string> copy = argv;
        std::vector<char*> args;
        for (auto& a : copy) args.push_back(a.data());
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(p[1]);
    std::string out;
    const int64_t giveUp = monotonicNs() + int64_t(timeoutMs) * 1'000'000;
    for (;;) {
        int wait = -1;
        if (timeoutMs > 0) {
            int64_t left = giveUp - monotonicNs();
            if (left <= 0) {
                kill(pid, SIGKILL);
                break;
            }
            wait = int(left / 1'000'000) + 1;
        }
        pollfd pf{in.get(), POLLIN, 0};
        int r = poll(&pf, 1, wait);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue; // timed out: the deadline check above kills it
        char buf[4096];
        ssize_t n = read(in.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, size_t(n));
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return out;
}

} // namespace forklab
