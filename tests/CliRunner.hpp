#pragma once
// Runs the forklab executable as a user would and captures what it prints.
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace forklab::test {

struct CliResult {
    int exitCode = -1; // 128+N when killed by signal N
    std::string out;
};

inline CliResult runForklab(const std::vector<std::string>& args) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return {};
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        std::vector<char*> argv;
        std::string bin = FORKLAB_BINARY;
        argv.push_back(bin.data());
        std::vector<std::string> copy = args;
        for (auto& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(bin.c_str(), argv.data());
        _exit(126);
    }
    close(p[1]);
    CliResult r;
    char buf[4096];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0) r.out.append(buf, size_t(n));
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    r.exitCode = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

// The same with stdout and stderr apart, and a shell command line (pipes allowed) around it:
// FORKLAB in SHELL is replaced by the binary's path.
struct CliSplit {
    int exitCode = -1;
    std::string out, err;
};

inline CliSplit runShellSplit(std::string shell) {
    for (size_t at; (at = shell.find("FORKLAB")) != std::string::npos;)
        shell.replace(at, 7, FORKLAB_BINARY);
    char errPath[] = "/tmp/forklab-test-stderr-XXXXXX";
    int errFd = mkstemp(errPath);
    CliSplit r;
    if (errFd < 0) return r;
    std::string cmd = "(" + shell + ") 2>" + errPath + " </dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    if (p) {
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
        int st = pclose(p);
        r.exitCode = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    char buf[4096];
    ssize_t n;
    while ((n = read(errFd, buf, sizeof buf)) > 0) r.err.append(buf, size_t(n));
    close(errFd);
    unlink(errPath);
    return r;
}

} // namespace forklab::test
