// The stop snapshot's reads of /proc return the whole table also while signals keep arriving.
// The tracer thread takes a periodic wake-up signal (WakeTimer, SIGURG, no SA_RESTART), and the
// kernel ends a getdents64 early, short of the end of the listing, when the caller has a signal
// pending (fs/readdir.c: filldir64 stops once an entry is written and signal_pending()); a
// listing that took such a short return for the end read fd tables short (no fds at an exec stop,
// fd 0 alone at a fork stop). Here a fast timer makes that interruption frequent, and every
// listing is compared with the one read before the storm, on stopped children that hold still.
#include "ProbeHelpers.hpp"
#include "SandboxHelpers.hpp"

#include "core/probe/ProcDir.hpp"
#include "core/probe/ProcStatus.hpp"
#include "core/probe/ProcessProbe.hpp"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <optional>
#include <pthread.h>
#include <string>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace forklab;
using namespace forklab::test;

namespace {

// The tracer's wake-up signal: the same signal and the same kind of handler (no SA_RESTART).
constexpr int kStormSignal = SIGURG;
constexpr long kStormPeriodNs = 50'000; // often enough to land inside many getdents64 calls

std::atomic<long> stormHits{0};

// A timer that sends kStormSignal every kStormPeriodNs, to the calling thread (threadDirected)
// or to the process, whose only thread that does not block it is then the tracer's. Restores
// the signal's previous handler when it ends.
class SignalStorm {
  public:
    explicit SignalStorm(bool threadDirected) {
        struct sigaction sa {};
        sa.sa_handler = handler_;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; // no SA_RESTART, like WakeTimer's
        REQUIRE(sigaction(kStormSignal, &sa, &old_) == 0);
        sigevent sev{};
        sev.sigev_signo = kStormSignal;
        if (threadDirected) {
            sev.sigev_notify = SIGEV_THREAD_ID;
            sev._sigev_un._tid = gettid();
        } else {
            sev.sigev_notify = SIGEV_SIGNAL;
        }
        REQUIRE(timer_create(CLOCK_MONOTONIC, &sev, &timer_) == 0);
        itimerspec its{};
        its.it_interval.tv_nsec = kStormPeriodNs;
        its.it_value = its.it_interval;
        REQUIRE(timer_settime(timer_, 0, &its, nullptr) == 0);
    }
    SignalStorm(const SignalStorm&) = delete;
    SignalStorm& operator=(const SignalStorm&) = delete;
    ~SignalStorm() {
        timer_delete(timer_);
        // Put the former handler back only over ours: WakeTimer installs its handler once per
        // process, and if it did so during the storm, the SIG_DFL found before would leave
        // every later recorder thread deaf to its wake-up ticks (its waitpid would never end).
        struct sigaction now {};
        sigaction(kStormSignal, nullptr, &now);
        if (now.sa_handler == handler_) sigaction(kStormSignal, &old_, nullptr);
    }

  private:
    static void handler_(int) { stormHits.fetch_add(1, std::memory_order_relaxed); }
    timer_t timer_{};
    struct sigaction old_ {};
};

// The plain listing: readdir reads on until getdents64 returns 0, so it is whole.
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

// Numeric entries one getdents64 call returns: the listing a reader gets if it takes the first
// short return for the end.
size_t listedByOneCall(pid_t pid, const char* rel) {
    std::string path = "/proc/" + std::to_string(pid) + "/" + rel;
    ScopedFd d(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(d);
    alignas(8) char buf[16384];
    long got;
    while ((got = syscall(SYS_getdents64, d.get(), buf, sizeof buf)) < 0 && errno == EINTR) {
    }
    size_t n = 0;
    for (long at = 0; at < got;) {
        auto reclen = *reinterpret_cast<unsigned short*>(buf + at + 16); // d_reclen
        const char* name = buf + at + 19;                                // d_name
        n += name[0] >= '0' && name[0] <= '9';
        at += reclen;
    }
    return n;
}

// In a forked child: one more thread, which waits in pause() until the child is killed.
void startPausingThread() {
    pthread_t t;
    pthread_create(
        &t, nullptr,
        [](void*) -> void* {
            for (;;) pause();
        },
        nullptr);
}

// A child stopped by SIGSTOP with `threads` threads (the others wait in pause()) and the fds
// it inherits, killed and reaped by the guard.
pid_t stoppedChild(int threads) {
    pid_t pid = forkChild([threads] {
        for (int i = 1; i < threads; ++i) startPausingThread();
        raise(SIGSTOP);
        for (;;) pause();
    });
    REQUIRE(pid > 0);
    int st = 0;
    REQUIRE(waitpid(pid, &st, WUNTRACED) == pid);
    REQUIRE(WIFSTOPPED(st));
    return pid;
}

// status without its SigQ: line, which counts the signals queued for the whole user (the
// storm's own among them), not anything of the stopped child's.
std::optional<std::string> withoutSigQ(std::optional<std::string> text) {
    if (!text) return text;
    size_t at = text->find("\nSigQ:");
    if (at != std::string::npos) text->erase(at + 1, text->find('\n', at + 1) - at);
    return text;
}

// The first line where two texts differ, both ways, for a failure message.
std::string firstDifference(const std::string& want, const std::optional<std::string>& got) {
    if (!got) return "not read";
    size_t at = 0;
    while (at < want.size() && at < got->size() && want[at] == (*got)[at]) ++at;
    size_t from = want.rfind('\n', at);
    from = from == std::string::npos ? 0 : from + 1;
    auto line = [from](const std::string& s) { return s.substr(from, s.find('\n', from) - from); };
    return "\"" + line(want) + "\" read as \"" + line(*got) + "\" (" + std::to_string(got->size()) +
           " bytes of " + std::to_string(want.size()) + ")";
}

} // namespace

TEST_CASE("fd and task listings are whole while signals keep interrupting the reader",
          "[probe][live][signals]") {
    // Like an exec stop (fds 0-2 and little else) and like a process with a few more fds and
    // two threads.
    ChildGuard small(stoppedChild(1));
    FdPair extra;
    REQUIRE(pipe2(extra.fd, 0) == 0); // inheritable: the second child holds both ends
    ChildGuard wide(stoppedChild(2));
    close(extra.fd[0]);
    close(extra.fd[1]);
    extra.fd[0] = extra.fd[1] = -1;

    struct Case {
        pid_t pid;
        const char* rel;
        std::vector<int> whole;
    };
    std::vector<Case> cases;
    for (pid_t pid : {small.pid(), wide.pid()})
        for (const char* rel : {"fd", "task"})
            cases.push_back({pid, rel, listedByReaddir(pid, rel)});
    CHECK(cases[3].whole.size() == 2); // the wide child's two threads
    CHECK(cases[2].whole.size() == cases[0].whole.size() + 2);

    auto dirSmall = ProcDir::open(small.pid());
    auto dirWide = ProcDir::open(wide.pid());
    REQUIRE(dirSmall);
    REQUIRE(dirWide);

    // Bounded rounds, no clock: until the storm has cut enough single calls short.
    size_t cutShort = 0, wrong = 0, rounds = 0;
    std::string firstWrong;
    const long hitsBefore = stormHits.load();
    {
        SignalStorm storm(true);
        for (; rounds < 100'000 && cutShort < 200; ++rounds) {
            const Case& c = cases[rounds % cases.size()];
            cutShort += listedByOneCall(c.pid, c.rel) < c.whole.size();
            const ProcDir& dir = c.pid == small.pid() ? *dirSmall : *dirWide;
            auto got = dir.listNumbers(c.rel);
            if (!got || *got != c.whole) {
                if (!wrong++)
                    firstWrong = std::string(c.rel) + " of " + std::to_string(c.pid) + ": " +
                                 std::to_string(got ? got->size() : 0) + " entries of " +
                                 std::to_string(c.whole.size());
            }
        }
    }
    INFO("rounds " << rounds << ", signals " << stormHits.load() - hitsBefore
                   << ", single getdents64 calls cut short " << cutShort << "; " << firstWrong);
    CHECK(cutShort > 0); // the storm did what the tracer's timer does now and then
    CHECK(wrong == 0);
    for (const Case& c : cases) CHECK(listedByReaddir(c.pid, c.rel) == c.whole); // held still
}

TEST_CASE("a traced run's stop snapshots list every fd while signals keep waking the tracer",
          "[probe][sandbox][signals]") {
    // The storm goes to the process; this thread blocks it, so does the recorder thread it
    // starts until its WakeTimer unblocks the signal for itself: the recorder takes every one.
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, kStormSignal);
    REQUIRE(pthread_sigmask(SIG_BLOCK, &block, &old) == 0);
    Run r;
    {
        SignalStorm storm(false);
        SandboxOptions o;
        o.argv = {"sh", "-c", "for i in $(seq 300); do /bin/true; done"};
        o.deadlineMs = 0;
        r.exitCode = runSandbox(std::move(o), *r.trace);
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr); // a storm signal still pending is handled here
    requireNothingSurvives(r);
    REQUIRE(r.exitCode == 0);

    // Every process of this run holds fds 0, 1 and 2 at its fork and exec stops (sh, the
    // command substitution's child, each /bin/true), and is its own thread.
    size_t looked = 0, short_ = 0;
    std::string firstShort;
    for (const Event* e : r.events(EventKind::Snapshot)) {
        const auto& s = e->as<ev::Snapshot>();
        if (s.reason != SnapReason::Fork && s.reason != SnapReason::PreExec &&
            s.reason != SnapReason::Exec)
            continue;
        const ProcessSnapshot& snap = r.trace->snapshot(s.snap);
        if (snap.partial) continue; // said so, not read short
        ++looked;
        std::vector<int> fds;
        for (const FdEntry& f : snap.fds)
            if (f.fd <= 2) fds.push_back(f.fd);
        bool self = false;
        for (const ThreadState& t : snap.threads) self |= t.tid == snap.pid;
        if (fds != std::vector<int>{0, 1, 2} || !self) {
            if (!short_++)
                firstShort = std::to_string(snap.pid) + " at " + toString(s.reason) + ": " +
                             std::to_string(snap.fds.size()) + " fds, " +
                             std::to_string(snap.threads.size()) + " threads";
        }
    }
    INFO(firstShort);
    CHECK(looked >= 600); // each /bin/true's fork and exec stops at least
    CHECK(short_ == 0);
}

TEST_CASE("single-show files come whole in one read, listings past one buffer, under signals",
          "[probe][live][signals]") {
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
    pid_t pid = forkChild([] {
        raise(SIGSTOP);
        for (;;) pause();
    });
    for (int fd : opened) close(fd);
    setrlimit(RLIMIT_NOFILE, &nofile);
    REQUIRE(pid > 0);
    ChildGuard child(pid);
    int st = 0;
    REQUIRE(waitpid(pid, &st, WUNTRACED) == pid);
    REQUIRE(WIFSTOPPED(st));

    auto dir = ProcDir::open(pid);
    REQUIRE(dir);
    const std::vector<int> whole = listedByReaddir(pid, "fd");
    CHECK(whole.size() >= std::min<size_t>(opened.size(), 1000));
    const std::string epInfo = "fdinfo/" + std::to_string(ep);
    std::vector<std::pair<std::string, std::string>> texts;
    for (std::string rel : {"status", "stat", "wchan", "syscall", "fdinfo/0", epInfo.c_str()}) {
        auto plain = dir->readFile(rel.c_str());
        REQUIRE(plain);
        texts.emplace_back(rel, *withoutSigQ(plain));
    }
    CHECK(texts.back().second.size() > 8192);

    size_t wrong = 0;
    std::string firstWrong;
    {
        SignalStorm storm(true);
        for (int round = 0; round < 200; ++round) {
            auto fds = dir->listNumbers("fd");
            if (!fds || *fds != whole) {
                if (!wrong++) firstWrong = "fd: " + std::to_string(fds ? fds->size() : 0);
            }
            for (auto& [rel, plain] : texts) {
                auto fast = withoutSigQ(dir->readShown(rel.c_str()));
                if (!fast || *fast != plain) {
                    if (!wrong++) firstWrong = rel + ": " + firstDifference(plain, fast);
                }
            }
        }
    }
    INFO(firstWrong);
    CHECK(wrong == 0);
    CHECK_FALSE(dir->listNumbers("no-such-dir"));
    CHECK_FALSE(dir->readShown("no-such-file"));
}

TEST_CASE("a stop snapshot's threads are task/'s listing, also when one thread spares it",
          "[probe][live]") {
    auto sorted = [](std::vector<int> v) {
        std::sort(v.begin(), v.end());
        return v;
    };
    auto snapshotTids = [](pid_t pid) {
        ProcessSnapshot s = snapshotProcess(pid, SnapshotDepth::Stop);
        CHECK_FALSE(s.partial);
        std::vector<int> tids;
        for (const ThreadState& t : s.threads) tids.push_back(t.tid);
        REQUIRE_FALSE(tids.empty());
        CHECK(tids[0] == pid); // the leader first
        std::sort(tids.begin(), tids.end());
        return tids;
    };
    // Stopped, with one, two and three threads.
    for (int threads : {1, 2, 3}) {
        ChildGuard child(stoppedChild(threads));
        INFO(threads << " threads");
        auto listed = listedByReaddir(child.pid(), "task");
        CHECK(listed.size() == size_t(threads));
        CHECK(snapshotTids(child.pid()) == sorted(listed));
    }
    // A leader that exited alone (as pthread_exit() does) while another thread runs on: the
    // leader is a zombie, both are listed.
    {
        ChildGuard child(forkChild([] {
            startPausingThread();
            syscall(SYS_exit, 0); // this thread only, no unwinding into Catch2
        }));
        bool leaderGone = false;
        for (int i = 0; i < 100'000 && !leaderGone; ++i) {
            auto dir = ProcDir::open(child.pid());
            auto st = dir ? readProcStatus(*dir) : std::nullopt;
            leaderGone = st && st->state == 'Z' && st->threads == 2;
            if (!leaderGone) usleep(100);
        }
        REQUIRE(leaderGone);
        auto listed = listedByReaddir(child.pid(), "task");
        CHECK(listed.size() == 2);
        ProcessSnapshot s = snapshotProcess(child.pid(), SnapshotDepth::Stop);
        std::vector<int> tids;
        for (const ThreadState& t : s.threads) tids.push_back(t.tid);
        CHECK(sorted(tids) == listed);
    }
    // A zombie process: exited, not reaped (waitid with WNOWAIT leaves it so).
    {
        pid_t pid = forkChild([] { _exit(3); });
        REQUIRE(pid > 0);
        ChildGuard child(pid);
        siginfo_t info{};
        REQUIRE(waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == 0);
        ProcessSnapshot s = snapshotProcess(pid, SnapshotDepth::Stop);
        CHECK(s.state == 'Z');
        std::vector<int> tids;
        for (const ThreadState& t : s.threads) tids.push_back(t.tid);
        CHECK(sorted(tids) == listedByReaddir(pid, "task"));
    }
}

TEST_CASE("a held /proc/PID handle reads nothing once its process is reaped", "[probe][live]") {
    ChildGuard child(stoppedChild(1));
    auto dir = ProcDir::open(child.pid());
    REQUIRE(dir);
    ProcessSnapshot before = snapshotProcess(*dir, SnapshotDepth::Stop);
    CHECK_FALSE(before.partial);
    CHECK(before == snapshotProcess(child.pid(), SnapshotDepth::Stop)); // the same reads
    child.killAndReap();
    // The number may be reused at any time now; the handle still names the reaped process.
    ProcessSnapshot after = snapshotProcess(*dir, SnapshotDepth::Stop);
    CHECK(after.partial);
    CHECK(after.fds.empty());
    CHECK(after.threads.empty());
}

TEST_CASE("a stop snapshot given the inner pid reads stat and says what status says",
          "[probe][live]") {
    for (int threads : {1, 3}) {
        INFO(threads << " threads");
        ChildGuard child(stoppedChild(threads));
        auto dir = ProcDir::open(child.pid());
        REQUIRE(dir);
        ProcessSnapshot viaStatus = snapshotProcess(*dir, SnapshotDepth::Stop);
        REQUIRE_FALSE(viaStatus.partial);
        CHECK(viaStatus.threads.size() == size_t(threads));
        CHECK(snapshotProcess(*dir, SnapshotDepth::Stop, viaStatus.nspid) == viaStatus);
    }
    // Reaped: nothing to read either way.
    ChildGuard gone(stoppedChild(1));
    auto dir = ProcDir::open(gone.pid());
    REQUIRE(dir);
    gone.killAndReap();
    ProcessSnapshot s = snapshotProcess(*dir, SnapshotDepth::Stop, 7);
    CHECK(s.partial);
    CHECK(s.fds.empty());
}
