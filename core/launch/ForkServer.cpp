#include "ForkServer.hpp"

#include "Marker.hpp"
#include "Runtime.hpp"
#include "SemaphoreTracker.hpp"
#include "SpawnSelf.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdio_ext.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace forklab::launch {
namespace {

struct Server {
    pid_t pid = 0;
    std::string dir, path;
    int aliveW = -1;
};
Server g_server;

bool writeAll(int fd, const void* buf, size_t n) {
    const char* p = static_cast<const char*>(buf);
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= size_t(w);
    }
    return true;
}

bool readAll(int fd, void* buf, size_t n) {
    char* p = static_cast<char*>(buf);
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= size_t(r);
    }
    return true;
}

void removeSocketDir() {
    if (g_server.path.empty()) return;
    unlink(g_server.path.c_str());
    rmdir(g_server.dir.c_str());
}

bool startServer() {
    char tmpl[] = "/tmp/forklab-fs-XXXXXX";
    if (!mkdtemp(tmpl)) return false; // 0700
    g_server.dir = tmpl;
    g_server.path = g_server.dir + "/listener";
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", g_server.path.c_str());
    // listen() before the server exists: the kernel queues the first connections meanwhile.
    if (l < 0 || bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        chmod(g_server.path.c_str(), 0600) != 0 || listen(l, 64) != 0) {
        if (l >= 0) close(l);
        return false;
    }
    int alive[2];
    if (pipe2(alive, O_CLOEXEC) != 0) return false;
    g_server.pid = spawnSelf(
        {kForkserverFlag, "listener=" + std::to_string(l), "alive=" + std::to_string(alive[0])},
        {l, alive[0]});
    close(l);
    close(alive[0]);
    g_server.aliveW = alive[1];
    nameFd(alive[1], "forkserver alive pipe (write end)");
    atexit(removeSocketDir);
    return g_server.pid > 0;
}

} // namespace

pid_t forkServerPid() {
    return g_server.pid;
}

ForkServerLaunch forkServerLaunch(const std::string& callData, const std::vector<int>& extraFds) {
    ForkServerLaunch out;
    int tracker = ensureTracker();
    if (g_server.pid <= 0 && !startServer()) return out;

    // Everything the server will need is ready before the connect: the connect wakes the server,
    // and a server woken before the sendmsg would sleep again in recvmsg (one more round trip).
    // The call goes into the data pipe first too (up to PIPE_BUF, which an empty pipe always
    // takes without blocking), so the child never waits for it.
    int status[2], data[2]; // status: parent_r / child_w; data: child_r / parent_w
    if (pipe2(status, O_CLOEXEC) != 0) return out;
    if (pipe2(data, O_CLOEXEC) != 0) {
        close(status[0]);
        close(status[1]);
        return out;
    }
    auto closeAll = [&] {
        for (int fd : {status[0], status[1], data[0], data[1]})
            if (fd >= 0) close(fd);
    };
    bool written =
        callData.size() <= PIPE_BUF && writeAll(data[1], callData.data(), callData.size());
    if (written) {
        close(data[1]);
        data[1] = -1;
    }
    std::vector<int> fds = {data[0], status[1], g_server.aliveW, tracker};
    fds.insert(fds.end(), extraFds.begin(), extraFds.end());
    char body = char(fds.size() % 256);
    iovec iov{&body, 1};
    std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", g_server.path.c_str());
    if (s < 0 || connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (s >= 0) close(s);
        closeAll();
        return out;
    }
    bool sent = sendmsg(s, &msg, 0) == 1;
    close(s);
    close(data[0]);
    close(status[1]);
    if (sent && !written) writeAll(data[1], callData.data(), callData.size()); // a longer call
    if (data[1] >= 0) close(data[1]);
    int64_t pid = -1;
    if (!sent || !readAll(status[0], &pid, sizeof pid)) {
        close(status[0]);
        return out;
    }
    out.pid = pid_t(pid);
    out.sentinel = status[0];
    return out;
}

namespace {
int g_sigW = -1;

void onSigchld(int) {
    char c = 0;
    (void)!write(g_sigW, &c, 1);
}

} // namespace

int forkServerMain(int listenFd, int aliveFd) {
    signal(SIGINT, SIG_IGN);
    int sig[2];
    if (pipe2(sig, O_CLOEXEC | O_NONBLOCK) != 0) return 1;
    g_sigW = sig[1];
    struct sigaction sa {};
    sa.sa_handler = onSigchld;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGCHLD, &sa, nullptr);
    nameFd(listenFd, "forkserver listening socket");
    nameFd(aliveFd, "forkserver alive pipe (read end)");

    // Child -> write end of its status pipe. Flat and reserved once: after a fork every page the
    // server writes is a copy-on-write fault while the child lives, and a map node is a malloc
    // (its arena and its chunk: two pages more than the vector's one).
    std::vector<std::pair<pid_t, int>> statusFd;
    statusFd.reserve(256);
    for (;;) {
        pollfd p[3] = {{listenFd, POLLIN, 0}, {aliveFd, POLLIN, 0}, {sig[0], POLLIN, 0}};
        if (poll(p, 3, -1) < 0) {
            if (errno != EINTR) return 1;
            // Interrupted by SIGCHLD: its handler has written the signal pipe already, so it
            // is read now rather than after one more poll (a connection waits for the next).
            p[0].revents = p[1].revents = 0;
            p[2].revents = POLLIN;
        }
        if (p[1].revents) return 0; // EOF on alive: the parent and all its children are gone
        if (p[2].revents) {
            char buf[64]; // one read empties it, unless 64 signals came
            while (read(sig[0], buf, sizeof buf) == ssize_t(sizeof buf)) {
            }
            int st;
            pid_t done;
            // Every child of the server is in statusFd: none left, none to wait for (ECHILD).
            while (!statusFd.empty() && (done = waitpid(-1, &st, WNOHANG)) > 0) {
                auto it = std::find_if(statusFd.begin(), statusFd.end(),
                                       [&](auto& e) { return e.first == done; });
                if (it == statusFd.end()) continue;
                int64_t code = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
                writeAll(it->second, &code, sizeof code);
                close(it->second);
                *it = statusFd.back();
                statusFd.pop_back();
            }
        }
        if (!p[0].revents) continue;
        int conn = accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
        if (conn < 0) continue;
        char body;
        iovec iov{&body, 1};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 64)];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        ssize_t r = recvmsg(conn, &msg, 0); // new fd numbers, inheritable, as in CPython
        close(conn);
        int fds[64]; // on the stack, as the control buffer: no heap page to copy after the fork
        size_t nfds = 0;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); r == 1 && c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
            nfds = std::min<size_t>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int), 64);
            memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
        }
        if (nfds < 4) {
            for (size_t i = 0; i < nfds; ++i) close(fds[i]);
            continue;
        }
        int childR = fds[0], childW = fds[1], aliveW = fds[2], trackerW = fds[3];
        pid_t pid = fork(); // safe: this process has exactly one thread
        if (pid == 0) {
            close(listenFd);
            close(aliveFd);
            close(sig[0]);
            close(sig[1]);
            close(childW);
            for (auto& [other, fd] : statusFd) close(fd);
            signal(SIGCHLD, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            (void)aliveW; // kept open: the server lives as long as any of its children
            setTrackerFd(trackerW);
            nameFd(aliveW, "forkserver alive pipe (write end)");
            nameFd(trackerW, "tracker pipe (write end)");
            int code = runCall(childR, std::vector<int>(fds + 4, fds + nfds));
            // Then leave like CPython's child: the standard streams flushed
            // (util._flush_std_streams), no atexit handlers of the server. Only a stream with
            // bytes pending is flushed: flushing takes its lock, a write to a shared page.
            for (FILE* f : {stdout, stderr})
                if (__fpending(f) > 0) fflush(f);
            _exit(code);
        }
        int64_t pid64 = pid;
        writeAll(childW, &pid64, sizeof pid64);
        if (pid > 0)
            statusFd.emplace_back(pid, childW);
        else
            close(childW); // the parent sees EOF instead of a pid
        close(childR);
        close(aliveW);
        close(trackerW);
        for (size_t i = 4; i < nfds; ++i) close(fds[i]);
    }
}

} // namespace forklab::launch
