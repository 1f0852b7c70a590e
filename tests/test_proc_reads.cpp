// The snapshot's fast reads of /proc (one read per single-show file, getdents64 on a stack
// buffer) return exactly what the plain loops return, on a stopped child whose files hold still:
// the same text, the same numbers, also when a listing or a text is longer than one buffer.
#include "core/probe/ProcDir.hpp"
#include "core/probe/ProcStatus.hpp"
#include "core/probe/ProcessProbe.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <string>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace forklab;

namespace {

std::vector<int> listedByReaddir(pid_t pid, const char* rel) {
    std::vector<int> out;
    std::string path = "/proc/" + std::to_string(pid) + "/" + rel;
    DIR* d = opendir(path.c_str());
    REQUIRE(d);
    while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == ".." || n.find_first_not_of("0123456789") != std::string::npos)
            continue;
        out.push_back(std::stoi(n));
    }
    closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

TEST_CASE("fast /proc reads equal the plain ones (also past one buffer)", "[probe][live]") {
    // Wide fd table: more entries than one 16 KiB getdents64 buffer holds (24 bytes each).
    rlimit nofile{};
    getrlimit(RLIMIT_NOFILE, &nofile);
    rlimit raised = nofile;
    raised.rlim_cur = std::min<rlim_t>(nofile.rlim_max, 4096);
    setrlimit(RLIMIT_NOFILE, &raised);
    std::vector<int> opened;
    // An epoll watching 200 pipes: its fdinfo is one show() of over 8 KiB (a line per watch).
    int ep = epoll_create1(EPOLL_CLOEXEC);
    REQUIRE(ep >= 0);
    opened.push_back(ep);
    for (int i = 0; i < 200; ++i) {
        int p[2];
        REQUIRE(pipe2(p, O_CLOEXEC) == 0);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = p[0];
        REQUIRE(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
        opened.push_back(p[0]);
        opened.push_back(p[1]);
    }
    while (opened.size() < raised.rlim_cur - 16) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0) break;
        opened.push_back(fd);
    }
    pid_t child = fork();
    if (child == 0) {
        raise(SIGSTOP);
        _exit(0);
    }
    for (int fd : opened) close(fd);
    setrlimit(RLIMIT_NOFILE, &nofile);
    REQUIRE(child > 0);
    int st = 0;
    REQUIRE(waitpid(child, &st, WUNTRACED) == child);
    REQUIRE(WIFSTOPPED(st));

    auto dir = ProcDir::open(child);
    REQUIRE(dir);
    auto fds = dir->listNumbers("fd");
    REQUIRE(fds);
    CHECK(*fds == listedByReaddir(child, "fd"));
    CHECK(fds->size() >= std::min<size_t>(opened.size(), 1000));
    auto tasks = dir->listNumbers("task");
    REQUIRE(tasks);
    CHECK(*tasks == listedByReaddir(child, "task"));

    const std::string epInfo = "fdinfo/" + std::to_string(ep);
    for (std::string rel : {"status", "stat", "wchan", "syscall", "fdinfo/0", epInfo.c_str()}) {
        INFO(rel);
        auto fast = dir->readShown(rel.c_str()), plain = dir->readFile(rel.c_str());
        REQUIRE(plain);
        REQUIRE(fast);
        CHECK(*fast == *plain);
    }
    CHECK(dir->readShown(epInfo.c_str())->size() > 8192);
    CHECK_FALSE(dir->listNumbers("no-such-dir"));
    CHECK_FALSE(dir->readShown("no-such-file"));

    kill(child, SIGKILL);
    REQUIRE(waitpid(child, &st, 0) == child);
    CHECK_FALSE(ProcDir::open(child)); // nothing survives
}

TEST_CASE("a stop snapshot with the nspid known (stat) equals the one from status",
          "[probe][live]") {
    int p[2];
    REQUIRE(pipe2(p, 0) == 0); // inheritable: the child holds both ends
    pid_t child = fork();
    if (child == 0) {
        raise(SIGSTOP);
        _exit(3);
    }
    close(p[0]);
    close(p[1]);
    REQUIRE(child > 0);
    int st = 0;
    auto compare = [&](char state) {
        auto dir = ProcDir::open(child);
        REQUIRE(dir);
        auto status = readProcStatus(*dir);
        REQUIRE(status);
        ProcessSnapshot fromStatus = snapshotProcess(child, SnapshotDepth::Stop);
        ProcessSnapshot fromStat =
            snapshotProcess(child, SnapshotDepth::Stop, status->innermostPid());
        CHECK(fromStatus.state == state);
        CHECK(fromStatus.ppid == getpid());
        CHECK_FALSE(fromStatus.partial);
        CHECK(fromStat == fromStatus);
    };
    REQUIRE(waitpid(child, &st, WUNTRACED) == child);
    compare('T');
    kill(child, SIGCONT);
    // A zombie: exited, not yet reaped (waitid with WNOWAIT leaves it so).
    siginfo_t info{};
    REQUIRE(waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT) == 0);
    compare('Z');
    REQUIRE(waitpid(child, &st, 0) == child);
    CHECK(WEXITSTATUS(st) == 3);
    CHECK_FALSE(ProcDir::open(child));

    // Two threads, stopped: the task listing is read either way, and agrees.
    child = fork();
    if (child == 0) {
        pthread_t t;
        pthread_create(
            &t, nullptr,
            [](void*) -> void* {
                for (;;) pause();
            },
            nullptr);
        raise(SIGSTOP);
        _exit(0);
    }
    REQUIRE(child > 0);
    REQUIRE(waitpid(child, &st, WUNTRACED) == child);
    {
        auto dir = ProcDir::open(child);
        REQUIRE(dir);
        auto status = readProcStatus(*dir);
        REQUIRE(status);
        ProcessSnapshot fromStatus = snapshotProcess(child, SnapshotDepth::Stop);
        CHECK(fromStatus.threads.size() == 2);
        CHECK(snapshotProcess(child, SnapshotDepth::Stop, status->innermostPid()) == fromStatus);
    }
    kill(child, SIGKILL);
    REQUIRE(waitpid(child, &st, 0) == child);
    CHECK_FALSE(ProcDir::open(child));
}
