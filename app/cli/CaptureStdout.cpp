#include "CaptureStdout.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace forklab::cli {

std::string captureStdout(const std::vector<std::string>& argv) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return {};
    pid_t pid = fork();
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
    char buf[256];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0) out.append(buf, size_t(n));
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    return out;
}

} // namespace forklab::cli
