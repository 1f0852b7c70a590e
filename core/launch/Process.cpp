#include "Process.hpp"

#include "ForkServer.hpp"
#include "Marker.hpp"
#include "SemaphoreTracker.hpp"
#include "SpawnSelf.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace forklab::launch {

int pollRunning(pollfd* fds, nfds_t n, int timeoutMs) {
    if (timeoutMs < 0) {
        int r;
        do r = poll(fds, n, -1);
        while (r < 0 && errno == EINTR);
        return r;
    }
    // Short slices, each counted as at most its own length: a slice that took longer was
    // stopped (a ptrace gate), and that time was not the program's.
    constexpr int kSliceMs = 20;
    int left = timeoutMs;
    for (;;) {
        const int slice = std::min(left, kSliceMs);
        timespec a{}, b{};
        clock_gettime(CLOCK_MONOTONIC, &a);
        int r = poll(fds, n, slice);
        if (r != 0 && !(r < 0 && errno == EINTR)) return r;
        clock_gettime(CLOCK_MONOTONIC, &b);
        const int64_t took = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1'000'000;
        left -= int(std::clamp<int64_t>(took, r < 0 ? 0 : 1, slice));
        if (left <= 0) return 0;
    }
}

Process::Process(StartMethod method, std::string target, Args args)
    : method_(method), target_(std::move(target)), args_(std::move(args)) {}

Process::~Process() {
    if (sentinel_ >= 0) close(sentinel_);
}

bool Process::start() {
    if (method_ == StartMethod::Forkserver) {
        // The server substitutes the fd numbers the child receives.
        auto l = forkServerLaunch(encodeCall(target_, args_), extraFds_);
        pid_ = l.pid;
        sentinel_ = l.sentinel;
        if (sentinel_ >= 0) nameFd(sentinel_, "sentinel (status pipe from the forkserver)");
        return pid_ > 0;
    }
    // parent_r/child_w: the sentinel (EOF when the child's write end dies with it);
    // child_r/parent_w: the data pipe (spawn sends the call through it).
    int sentinel[2], data[2];
    args_ = substituteFds(args_, extraFds_); // same numbers in the child
    if (pipe2(sentinel, O_CLOEXEC) != 0) return false;
    if (pipe2(data, O_CLOEXEC) != 0) {
        close(sentinel[0]);
        close(sentinel[1]);
        return false;
    }
    if (method_ == StartMethod::Fork) {
        pid_ = fork();
        if (pid_ == 0) {
            // The child runs the target in the copied memory: nothing is sent.
            close(sentinel[0]);
            close(data[1]);
            nameFd(sentinel[1], "sentinel (write end: its death is the parent's EOF)");
            _exit(runTarget(target_, args_));
        }
    } else {
        int tracker = ensureTracker();
        std::vector<int> keep = {data[0], sentinel[1]};
        if (tracker >= 0) keep.push_back(tracker);
        keep.insert(keep.end(), extraFds_.begin(), extraFds_.end());
        pid_ = spawnSelf({kSpawnChildFlag, "data=" + std::to_string(data[0]),
                          "sentinel=" + std::to_string(sentinel[1]),
                          "tracker=" + std::to_string(tracker)},
                         keep);
        if (pid_ > 0) {
            std::string call = encodeCall(target_, args_); // the "pickle"
            (void)!write(data[1], call.data(), call.size());
        }
    }
    close(sentinel[1]);
    close(data[0]);
    close(data[1]);
    sentinel_ = sentinel[0];
    if (pid_ <= 0) {
        close(sentinel_);
        sentinel_ = -1;
        return false;
    }
    nameFd(sentinel_, "sentinel (read end)");
    return true;
}

std::optional<int> Process::join(int timeoutMs) {
    if (exitCode_) return exitCode_;
    if (sentinel_ < 0) return std::nullopt;
    pollfd p{sentinel_, POLLIN, 0};
    const int r = pollRunning(&p, 1, timeoutMs);
    if (r <= 0) return std::nullopt;
    if (method_ == StartMethod::Forkserver) {
        // Not our child: no waitpid. The server writes the status, 8 bytes.
        int64_t code = 0;
        ssize_t n = read(sentinel_, &code, sizeof code);
        exitCode_ = n == sizeof code ? int(code) : -SIGKILL;
    } else {
        int st = 0;
        while (waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
        }
        exitCode_ = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
    }
    return exitCode_;
}

void Process::kill(int sig) {
    if (pid_ > 0 && !exitCode_) ::kill(pid_, sig);
}

} // namespace forklab::launch
