#include "SemaphoreTracker.hpp"

#include "Marker.hpp"
#include "Runtime.hpp"
#include "SpawnSelf.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <map>
#include <poll.h>
#include <semaphore.h>
#include <set>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace forklab::launch {
namespace {

pid_t g_trackerPid = 0;

void writeLine(const std::string& line) {
    int fd = trackerFd();
    if (fd < 0) return;
    // One write of at most PIPE_BUF bytes is atomic: lines of many writers never interleave.
    if (line.size() <= 512) (void)!write(fd, line.data(), line.size());
}

void warnLeaks(const char* when, const std::set<std::string>& names) {
    std::string list;
    for (auto& n : names) list += (list.empty() ? "'" : ", '") + n + "'";
    fprintf(stderr,
            "forklab resource tracker: There appear to be %zu leaked semaphore objects to clean "
            "up %s: {%s}\n",
            names.size(), when, list.c_str());
    fflush(stderr);
}

} // namespace

int ensureTracker(bool eager) {
    if (trackerFd() >= 0) return trackerFd();
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return -1;
    // Like CPython: the tracker must not die of Ctrl-C before it has set SIG_IGN.
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    std::vector<std::string> args = {kTrackerFlag, "fd=" + std::to_string(p[0])};
    if (eager) args.push_back("eager");
    g_trackerPid = spawnSelf(args, {p[0]});
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    close(p[0]);
    if (g_trackerPid < 0) {
        close(p[1]);
        return -1;
    }
    setTrackerFd(p[1]);
    nameFd(p[1], "tracker pipe (write end)");
    return p[1];
}

pid_t trackerPid() {
    return g_trackerPid > 0 ? g_trackerPid : 0;
}

void trackerRegister(const std::string& name) {
    writeLine("REGISTER:" + name + ":semaphore:" + std::to_string(getpid()) + "\n");
}

void trackerUnregister(const std::string& name) {
    writeLine("UNREGISTER:" + name + ":semaphore\n");
}

int trackerMain(int readFd, bool eager) {
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    nameFd(readFd, "tracker pipe (read end)");

    std::set<std::string> registered;
    std::map<std::string, int> creatorPidfd; // eager mode: name -> pidfd of its creator
    std::string pending;
    for (;;) {
        std::vector<pollfd> fds = {{readFd, POLLIN, 0}};
        std::vector<std::string> names;
        for (auto& [name, pfd] : creatorPidfd) {
            fds.push_back({pfd, POLLIN, 0});
            names.push_back(name);
        }
        if (poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (size_t i = 1; i < fds.size(); ++i) {
            if (!(fds[i].revents & POLLIN)) continue; // the creator died
            const std::string& name = names[i - 1];
            if (registered.erase(name)) {
                warnLeaks("now that their creator died", {name});
                sem_unlink(name.c_str());
            }
            close(creatorPidfd[name]);
            creatorPidfd.erase(name);
        }
        if (!(fds[0].revents & (POLLIN | POLLHUP))) continue;
        char buf[4096];
        ssize_t n = read(readFd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; // EOF: every writer is gone
        pending.append(buf, size_t(n));
        size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
            std::string line = pending.substr(0, nl);
            pending.erase(0, nl + 1);
            auto c1 = line.find(':');
            auto c2 = c1 == std::string::npos ? c1 : line.find(':', c1 + 1);
            if (c2 == std::string::npos) continue;
            std::string cmd = line.substr(0, c1), name = line.substr(c1 + 1, c2 - c1 - 1);
            if (cmd == "REGISTER") {
                registered.insert(name);
                auto c3 = line.find(':', c2 + 1);
                if (eager && c3 != std::string::npos) {
                    int pid = atoi(line.c_str() + c3 + 1);
                    int pfd = int(syscall(SYS_pidfd_open, pid, 0));
                    if (pfd >= 0) creatorPidfd[name] = pfd;
                }
            } else if (cmd == "UNREGISTER") {
                registered.erase(name);
                if (auto it = creatorPidfd.find(name); it != creatorPidfd.end()) {
                    close(it->second);
                    creatorPidfd.erase(it);
                }
            }
        }
    }
    if (registered.empty()) return 0;
    warnLeaks("at shutdown", registered);
    for (auto& name : registered) sem_unlink(name.c_str());
    return 1;
}

} // namespace forklab::launch
