// core/probe: the /proc parsers on fixed text, and live snapshots of real forked children.
// Every child is SIGKILLed and reaped by a guard, also when a check fails.
#include "ProbeHelpers.hpp"

#include "core/probe/Deadlock.hpp"
#include "core/probe/FdTable.hpp"
#include "core/probe/MutexProbe.hpp"
#include "core/probe/ProcDir.hpp"
#include "core/probe/ProcStatus.hpp"
#include "core/probe/ProcessProbe.hpp"
#include "core/probe/ShmMaps.hpp"
#include "core/probe/Snapshot.hpp"
#include "core/probe/Threads.hpp"
#include <array>
#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <future>
#include <linux/futex.h>
#include <pthread.h>
#include <string>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace forklab;
using namespace forklab::test;

// ---------------------------------------------------------------------------------------------
// Pure parsers

TEST_CASE("parseSyscallLine reads the three shapes of /proc/TID/syscall", "[probe]") {
    SECTION("running") {
        auto s = parseSyscallLine("running\n");
        CHECK(s.running);
        CHECK_FALSE(s.inFutexWait());
    }
    SECTION("not in a syscall: -1 sp pc") {
        auto s = parseSyscallLine("-1 0x7ffe6be4da38 0x7fa8a1b8812b\n");
        CHECK_FALSE(s.running);
        CHECK(s.nr == -1);
        CHECK(s.args == std::array<uint64_t, 6>{});
        CHECK_FALSE(s.inFutexWait());
    }
    SECTION("FUTEX_WAIT_PRIVATE on a normal mutex") {
        auto s = parseSyscallLine(
            "202 0x561d0a522200 0x80 0x2 0x0 0x0 0x0 0x7ffe6be4da38 0x7fa8a1b8812b\n");
        CHECK_FALSE(s.running);
        CHECK(s.nr == 202);
        CHECK(s.args == std::array<uint64_t, 6>{0x561d0a522200, 0x80, 2, 0, 0, 0});
        CHECK(s.inFutexWait());
        CHECK(s.futexPrivate());
    }
    SECTION("WAIT_BITSET|CLOCK_REALTIME, shared (a named semaphore's sem_wait)") {
        auto s = parseSyscallLine("202 0x7f3c1e2d4000 0x109 0x0 0x0 0x0 0xffffffff 0x7ffc 0x7f\n");
        CHECK(s.inFutexWait());
        CHECK_FALSE(s.futexPrivate());
    }
    SECTION("futex calls that are not waits, and other syscalls") {
        CHECK_FALSE(parseSyscallLine("202 0x5600 0x81 0x1 0x0 0x0 0x0 0x7ffc 0x7f").inFutexWait());
        CHECK_FALSE(parseSyscallLine("202 0x5600 0x86 0x0 0x0 0x0 0x0 0x7ffc 0x7f").inFutexWait());
        auto read = parseSyscallLine("0 0x3 0x7ffc0000 0x1000 0x0 0x0 0x0 0x7ffc 0x7f");
        CHECK(read.nr == 0);
        CHECK(read.args[0] == 3);
        CHECK_FALSE(read.inFutexWait());
    }
    SECTION("garbage gives an unknown state, not a crash") {
        auto s = parseSyscallLine("202 0xZZ");
        CHECK(s.nr == -1);
        CHECK_FALSE(s.running);
        CHECK(parseSyscallLine("").nr == -1);
    }
}

TEST_CASE("parseStatState takes the letter after the last ')'", "[probe]") {
    CHECK(parseStatState("7334 (tgt) S 7332 7332 2389 0 -1") == 'S');
    CHECK(parseStatState("42 (a) b) Z 1 42 42") == 'Z'); // comm "a) b"
    CHECK(parseStatState("42 (x) t 1") == 't');
    CHECK(parseStatState("garbage") == '?');
}

TEST_CASE("parseProcStat reads the fields after the last ')', all or none", "[probe]") {
    // comm "a) b (c" : spaces and parentheses of its own.
    const std::string line = "42 (a) b (c) t 41 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 3 0 "
                             "987654 12345 67 18446744073709551615";
    auto st = parseProcStat(line);
    REQUIRE(st);
    CHECK(st->state == 't');
    CHECK(st->ppid == 41);
    CHECK(st->threads == 3);
    CHECK(st->startTime == 987654);
    CHECK_FALSE(parseProcStat("42 (x) S 1 42 42"));            // cut short
    CHECK_FALSE(parseProcStat("garbage"));                     // no comm
    CHECK_FALSE(parseProcStat("42 (x) SS" + line.substr(13))); // a state of two letters
    std::string bad = line;
    bad.replace(bad.find(" 3 0 "), 5, " x 0 ");
    CHECK_FALSE(parseProcStat(bad)); // num_threads not a number
}

TEST_CASE("parseProcStatus reads NSpid, PPid, State and Threads", "[probe]") {
    const std::string text = "Name:\ttgt\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t8160\n"
                             "Ngid:\t0\nPid:\t8160\nPPid:\t8159\nTracerPid:\t8150\n"
                             "NStgid:\t8160\t1\nNSpid:\t8160\t1\nNSpgid:\t8160\t1\n"
                             "Threads:\t3\nSigQ:\t0/31457\n";
    auto st = parseProcStatus(text);
    REQUIRE(st);
    CHECK(st->name == "tgt");
    CHECK(st->state == 'S');
    CHECK(st->tgid == 8160);
    CHECK(st->ppid == 8159);
    CHECK(st->nspid == std::vector<pid_t>{8160, 1});
    CHECK(st->innermostPid() == 1);
    CHECK(st->threads == 3);

    auto flat = parseProcStatus("Name:\tx\nTgid:\t77\nPPid:\t1\n");
    REQUIRE(flat);
    CHECK(flat->nspid.empty());
    CHECK(flat->innermostPid() == 77);

    CHECK_FALSE(parseProcStatus("Name:\tx\nState:\tR (running)\n")); // no Tgid: not a status
    CHECK_FALSE(parseProcStatus(""));
}

TEST_CASE("fd targets and fdinfo flags", "[probe]") {
    uint64_t ino = 0;
    CHECK(classifyFdTarget("pipe:[123456]", &ino) == FdKind::Pipe);
    CHECK(ino == 123456);
    CHECK(classifyFdTarget("socket:[98765]", &ino) == FdKind::Socket);
    CHECK(ino == 98765);
    CHECK(classifyFdTarget("anon_inode:[eventfd]", &ino) == FdKind::Anon);
    CHECK(ino == 0);
    CHECK(classifyFdTarget("/dev/shm/sem.AbC123 (deleted)", &ino) == FdKind::File);
    CHECK(classifyFdTarget("pipe:[12", &ino) == FdKind::Other);
    CHECK(classifyFdTarget("net:[4026531840]", &ino) == FdKind::Other);
    CHECK(ino == 4026531840u);

    uint32_t flags = 0;
    REQUIRE(parseFdInfoFlags("pos:\t0\nflags:\t02100000\nmnt_id:\t25\nino:\t1234\n", &flags));
    CHECK(flags == 02100000u); // O_CLOEXEC | O_LARGEFILE | O_RDONLY
    REQUIRE(parseFdInfoFlags("pos:\t7\nflags:\t01\n", &flags));
    CHECK(flags == 1u);
    CHECK_FALSE(parseFdInfoFlags("pos:\t0\nmnt_id:\t25\n", &flags));
    CHECK_FALSE(parseFdInfoFlags("flags:\t09\n", &flags)); // not octal

    CHECK(std::string(toString(FdKind::Pipe)) == "pipe");
    CHECK(std::string(toString(AccessMode::ReadWrite)) == "rw");
}

TEST_CASE("parseShmMappings keeps /dev/shm lines, one per dev:inode", "[probe]") {
    const std::string maps =
        "55d0c0a00000-55d0c0a21000 r--p 00000000 fe:01 1234567                    /usr/bin/tgt\n"
        "7f1234570000-7f1234571000 rw-s 00000000 00:1a 43                         /dev/shm/a b\n"
        "7f1234580000-7f1234581000 rw-s 00000000 00:1a 42                         "
        "/dev/shm/sem.BOH1KZ (deleted)\n"
        "7f1234590000-7f1234591000 rw-s 00000000 00:1a 42                         /dev/shm/sem.x\n"
        "7f1234500000-7f1234501000 rw-s 00000000 00:1a 42                         /dev/shm/sem.y\n"
        "7f12345a0000-7f12345a1000 rw-s 00000000 00:1b 42                         /dev/shm/sem.z\n"
        "7f12345b0000-7f12345b1000 rw-s 00000000 00:1a 44                         /dev/shmx/no\n"
        "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n";
    auto shm = parseShmMappings(maps);
    REQUIRE(shm.size() == 3);
    CHECK(shm[0] == ShmMapping{"/dev/shm/a b", makedev(0, 0x1a), 43, 0x7f1234570000});
    // Same file three times: the lowest start wins, with the name printed there.
    CHECK(shm[1] == ShmMapping{"/dev/shm/sem.y", makedev(0, 0x1a), 42, 0x7f1234500000});
    // Same inode number on another device is another file.
    CHECK(shm[2] == ShmMapping{"/dev/shm/sem.z", makedev(0, 0x1b), 42, 0x7f12345a0000});
    CHECK(parseShmMappings("").empty());
    CHECK(parseShmMappings("garbage line\n/dev/shm/x\n").empty());
}

TEST_CASE("decodeMutex on hand-built bytes", "[probe][mutex]") {
    SECTION("normal, locked with waiters") {
        auto m = decodeMutex(mutexBytes(2, 0, 7333, 1, 0));
        CHECK(m.lock == 2);
        CHECK(m.owner == 7333);
        CHECK(m.nusers == 1u);
        CHECK_FALSE(m.robust());
        CHECK(m.locked());
        CHECK(m.ownerTid() == 7333);
        CHECK(m.describe().rfind("__lock=2 __owner=7333 __kind=0 (normal, locked, waiters", 0) ==
              0);
    }
    SECTION("normal, free") {
        auto m = decodeMutex(mutexBytes(0, 0, 0, 0, 0));
        CHECK_FALSE(m.locked());
        CHECK(m.ownerTid() == 0);
    }
    SECTION("robust: the owner lives in __lock") {
        auto m = decodeMutex(mutexBytes(int32_t(0x80001d82u), 1, 7554, 1, 144));
        CHECK(m.robust());
        CHECK_FALSE(m.priorityInherit());
        CHECK(m.count == 1u);
        CHECK(m.locked());
        CHECK(m.ownerTid() == 0x1d82);
        CHECK(m.describe().find("robust") != std::string::npos);
    }
    SECTION("robust, freed by the kernel after the owner died") {
        auto m = decodeMutex(mutexBytes(0x40000000, 0, 0, 0, 656));
        CHECK_FALSE(m.locked());
        CHECK(m.ownerTid() == 0);
    }
    SECTION("PI") {
        auto m = decodeMutex(mutexBytes(4242, 1, 4242, 1, 544));
        CHECK(m.priorityInherit());
        CHECK(m.locked());
        CHECK(m.ownerTid() == 4242);
    }
}

// ---------------------------------------------------------------------------------------------
// Live: this process

TEST_CASE("glibc's pthread_mutex_t layout, read from our own memory", "[probe][mutex][live]") {
    SECTION("static initializer") {
        pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
        REQUIRE(pthread_mutex_lock(&m) == 0);
        auto s = readMutex(::getpid(), uint64_t(&m));
        pthread_mutex_unlock(&m);
        REQUIRE(s);
        CHECK(s->lock == 1);
        CHECK(s->owner == ::gettid());
        CHECK(s->kind == 0);
        CHECK(s->ownerTid() == ::gettid());
        auto after = readMutex(::getpid(), uint64_t(&m));
        REQUIRE(after);
        CHECK_FALSE(after->locked());
    }
    SECTION("robust: __kind 144, owner TID in __lock") {
        pthread_mutexattr_t a;
        pthread_mutexattr_init(&a);
        pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
        pthread_mutex_t m;
        pthread_mutex_init(&m, &a);
        pthread_mutexattr_destroy(&a);
        REQUIRE(pthread_mutex_lock(&m) == 0);
        auto s = readMutex(::getpid(), uint64_t(&m));
        pthread_mutex_unlock(&m);
        pthread_mutex_destroy(&m);
        REQUIRE(s);
        CHECK(s->kind == 144);
        CHECK(s->robust());
        CHECK(s->lock == ::gettid());
        CHECK(s->ownerTid() == ::gettid());
    }
    SECTION("unmapped memory is no mutex") {
        CHECK_FALSE(readMutex(::getpid(), 8));
    }
}

TEST_CASE("status, stat and cmdline of this process", "[probe][live]") {
    auto dir = ProcDir::open(::getpid());
    REQUIRE(dir);
    auto st = readProcStatus(*dir);
    REQUIRE(st);
    CHECK(st->tgid == ::getpid());
    CHECK(st->ppid == ::getppid());
    CHECK(st->state == 'R'); // we are the one reading
    REQUIRE_FALSE(st->nspid.empty());
    CHECK(st->nspid.front() == ::getpid());
    auto start = readStartTime(*dir);
    REQUIRE(start);
    CHECK(*start > 0);
    CHECK(readStartTime(*dir) == start); // it names this process for good
    CHECK_FALSE(readCmdline(*dir).empty());
    CHECK_FALSE(ProcDir::open(0));
    CHECK_FALSE(ProcDir::open(-1));
    CHECK(ProcDir::openTask(::getpid(), ::gettid()));
}

TEST_CASE("a /dev/shm mapping is named by dev:inode, also after unlink", "[probe][live]") {
    std::string path = "/dev/shm/forklab_probe_" + std::to_string(::getpid());
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    struct Cleanup {
        std::string path;
        int fd;
        void* map = MAP_FAILED;
        ~Cleanup() {
            if (map != MAP_FAILED) ::munmap(map, 4096);
            ::close(fd);
            ::unlink(path.c_str());
        }
    } cleanup{path, fd};
    REQUIRE(::ftruncate(fd, 4096) == 0);
    cleanup.map = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(cleanup.map != MAP_FAILED);
    struct stat st {};
    REQUIRE(::fstat(fd, &st) == 0);

    auto find = [&] {
        auto dir = ProcDir::open(::getpid());
        REQUIRE(dir);
        for (const auto& m : readShmMappings(*dir))
            if (m.dev == st.st_dev && m.inode == st.st_ino) return m;
        FAIL("no mapping of " << path);
        return ShmMapping{};
    };
    auto m = find();
    CHECK(m.path == path);
    CHECK(m.start == uint64_t(cleanup.map));

    REQUIRE(::unlink(path.c_str()) == 0);
    auto gone = find();
    CHECK(gone.path == path + " (deleted)");
    CHECK(gone.start == uint64_t(cleanup.map));
}

// ---------------------------------------------------------------------------------------------
// Live: forked children

TEST_CASE("fd table of a stopped child: cloexec, access, kind and inode", "[probe][live]") {
    TempFile ro, wo;
    FdPair pipeFds, sock;
    REQUIRE(::pipe(pipeFds.fd) == 0);
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock.fd) == 0);
    const int kCloexecFd = 200, kPlainFd = 201, kDupFd = 202, kEventFd = 203;

    ChildGuard child(forkChild([&] {
        int a = ::open(ro.path.c_str(), O_RDONLY | O_CLOEXEC);
        int b = ::open(wo.path.c_str(), O_WRONLY);
        int e = ::eventfd(0, 0);
        if (a < 0 || b < 0 || e < 0) ::_exit(2);
        ::dup3(a, kCloexecFd, O_CLOEXEC);
        ::dup2(b, kPlainFd);
        ::fcntl(kCloexecFd, F_DUPFD, kDupFd); // F_DUPFD clears FD_CLOEXEC on the copy
        ::dup2(e, kEventFd);
        ::close(a);
        ::close(b);
        ::close(e);
        ::raise(SIGSTOP);
        for (;;) ::pause();
    }));
    REQUIRE(child.pid() > 0);
    int status = 0;
    REQUIRE(::waitpid(child.pid(), &status, WUNTRACED) == child.pid());
    REQUIRE(WIFSTOPPED(status));

    ProcessSnapshot snap = snapshotProcess(child.pid());
    CHECK_FALSE(snap.partial);
    CHECK(snap.pid == child.pid());
    CHECK(snap.nspid == child.pid()); // no pid namespace here
    CHECK(snap.ppid == ::getpid());
    CHECK(snap.state == 'T');
    if (!kChildrenHaveExtraThreads) CHECK(snap.threads.size() == 1);
    REQUIRE_FALSE(snap.threads.empty());
    CHECK(snap.threads[0].tid == child.pid());
    CHECK(snap.threads[0].state == 'T');
    for (size_t i = 1; i < snap.fds.size(); ++i) CHECK(snap.fds[i - 1].fd < snap.fds[i].fd);

    const FdEntry* a = snap.findFd(kCloexecFd);
    REQUIRE(a);
    CHECK(a->kind == FdKind::File);
    CHECK(a->target == ro.path);
    CHECK(a->inode == ro.inode());
    CHECK(a->cloexec);
    CHECK(a->access == AccessMode::Read);
    CHECK((a->flags & 0100000) != 0); // the kernel forces O_LARGEFILE on x86_64

    const FdEntry* b = snap.findFd(kPlainFd);
    REQUIRE(b);
    CHECK(b->kind == FdKind::File);
    CHECK(b->inode == wo.inode());
    CHECK_FALSE(b->cloexec);
    CHECK(b->access == AccessMode::Write);

    const FdEntry* d = snap.findFd(kDupFd);
    REQUIRE(d);
    CHECK(d->inode == ro.inode());
    CHECK_FALSE(d->cloexec); // CLOEXEC is per fd, not per open file

    const FdEntry* e = snap.findFd(kEventFd);
    REQUIRE(e);
    CHECK(e->kind == FdKind::Anon);
    CHECK(e->target == "anon_inode:[eventfd]");

    // Both pipe ends carry the inode that our own /proc/self/fd shows.
    auto self = ProcDir::open(::getpid());
    REQUIRE(self);
    auto selfTarget = self->readLink(("fd/" + std::to_string(pipeFds.fd[0])).c_str());
    REQUIRE(selfTarget);
    uint64_t selfPipeInode = 0;
    REQUIRE(classifyFdTarget(*selfTarget, &selfPipeInode) == FdKind::Pipe);
    CHECK(selfPipeInode == inodeOf(pipeFds.fd[1]));
    const FdEntry* pr = snap.findFd(pipeFds.fd[0]);
    const FdEntry* pw = snap.findFd(pipeFds.fd[1]);
    REQUIRE(pr);
    REQUIRE(pw);
    CHECK(pr->kind == FdKind::Pipe);
    CHECK(pw->kind == FdKind::Pipe);
    CHECK(pr->inode == selfPipeInode);
    CHECK(pw->inode == selfPipeInode);
    CHECK(pr->access == AccessMode::Read);
    CHECK(pw->access == AccessMode::Write);
    CHECK_FALSE(pr->cloexec);

    const FdEntry* s0 = snap.findFd(sock.fd[0]);
    const FdEntry* s1 = snap.findFd(sock.fd[1]);
    REQUIRE(s0);
    REQUIRE(s1);
    CHECK(s0->kind == FdKind::Socket);
    CHECK(s0->inode == inodeOf(sock.fd[0]));
    CHECK(s1->inode == inodeOf(sock.fd[1]));
    CHECK(s0->inode != s1->inode); // a socketpair has two sockets, unlike a pipe
    CHECK(s0->cloexec);
    CHECK(s0->access == AccessMode::ReadWrite);

    // The held handle goes dead with the process: no silent read of a reused pid.
    auto held = ProcDir::open(child.pid());
    REQUIRE(held);
    pid_t gone = child.pid();
    child.killAndReap();
    CHECK_FALSE(held->readFile("status"));
    CHECK_FALSE(readStartTime(*held));
    ProcessSnapshot after = snapshotProcess(gone);
    CHECK((after.partial || (after.fds.empty() && after.threads.empty())));
}

TEST_CASE("a zombie's snapshot is complete: state Z, no fds", "[probe][live]") {
    ChildGuard child(forkChild([] { ::_exit(3); }));
    REQUIRE(child.pid() > 0);
    siginfo_t info{};
    REQUIRE(::waitid(P_PID, id_t(child.pid()), &info, WEXITED | WNOWAIT) == 0); // stays a zombie
    ProcessSnapshot snap = snapshotProcess(child.pid());
    CHECK_FALSE(snap.partial);
    CHECK(snap.state == 'Z');
    CHECK(snap.fds.empty());
    CHECK(snap.shm.empty());
    CHECK(snap.ppid == ::getpid());
    CHECK(findDeadlocks(snap, sameNamespace).empty());
}

TEST_CASE("this process: leader first, then threads by tid", "[probe][live]") {
    LockHolder holder(&g_mutex);
    ProcessSnapshot snap = snapshotProcess(::getpid());
    CHECK_FALSE(snap.partial);
    REQUIRE(snap.threads.size() >= 2);
    CHECK(snap.threads[0].tid == ::getpid());
    for (size_t i = 2; i < snap.threads.size(); ++i)
        CHECK(snap.threads[i - 1].tid < snap.threads[i].tid);
    bool found = false;
    for (const auto& t : snap.threads) found = found || t.tid == holder.tid();
    CHECK(found);
}
