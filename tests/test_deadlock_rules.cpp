// core/probe: the deadlock rules on real forked children and on built snapshots. Every child is
// SIGKILLed and reaped by a guard, also when a check fails.
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
// Live deadlocks

TEST_CASE("rule a: a child locks a mutex whose owner thread stayed in the parent",
          "[probe][deadlock][live]") {
    LockHolder holder(&g_mutex); // released (and joined) after the child is gone
    ChildGuard child(forkChild([] { ::pthread_mutex_lock(&g_mutex); }));
    REQUIRE(child.pid() > 0);
    REQUIRE(waitForFutexWaits(child.pid(), 1));

    ProcessSnapshot snap = snapshotProcess(child.pid());
    REQUIRE_FALSE(snap.partial);
    REQUIRE(snap.threads.size() == 1);
    const SyscallState& sc = snap.threads[0].syscall;
    CHECK(sc.inFutexWait());
    CHECK(sc.args[0] == uint64_t(&g_mutex));
    CHECK(sc.args[1] == 0x80); // FUTEX_WAIT_PRIVATE
    CHECK(sc.args[2] == 2);    // glibc waits for "locked with waiters"

    auto verdicts = findDeadlocks(snap, sameNamespace);
    REQUIRE(verdicts.size() == 1);
    const DeadlockVerdict& v = verdicts[0];
    CHECK(v.rule == DeadlockRule::OrphanedMutex);
    CHECK(std::string(toString(v.rule)) == "a");
    CHECK(v.pid == child.pid());
    CHECK(v.tid == child.pid());
    CHECK(v.addr == uint64_t(&g_mutex));
    CHECK(v.ownerNsTid == holder.tid());
    CHECK(v.ownerTid == holder.tid()); // it lives on, in this process
    REQUIRE(v.mutex);
    CHECK(v.mutex->lock == 2);
    CHECK(v.mutex->owner == holder.tid());
    INFO(v.evidence);
    CHECK(v.evidence.find("FUTEX_WAIT_PRIVATE") != std::string::npos);
    CHECK(v.evidence.find("__owner=" + std::to_string(holder.tid())) != std::string::npos);
    CHECK(v.evidence.find("[" + std::to_string(child.pid()) + "]") != std::string::npos);

    // Not the parent: its owner thread is right here.
    ProcessSnapshot parent = snapshotProcess(::getpid());
    CHECK_FALSE(parent.partial);
    CHECK(findDeadlocks(parent, sameNamespace).empty());
}

TEST_CASE("a robust mutex waits on a shared futex: excluded by design", "[probe][deadlock][live]") {
    static pthread_mutex_t robust;
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &a);
    pthread_mutexattr_destroy(&a);
    struct Destroy {
        ~Destroy() { pthread_mutex_destroy(&robust); }
    } destroy;

    if (kChildrenHaveExtraThreads) return;
    LockHolder holder(&robust);
    ChildGuard child(forkChild([] { ::pthread_mutex_lock(&robust); }));
    REQUIRE(child.pid() > 0);
    REQUIRE(waitForFutexWaits(child.pid(), 1));
    ProcessSnapshot snap = snapshotProcess(child.pid());
    REQUIRE(snap.threads.size() == 1);
    const SyscallState& sc = snap.threads[0].syscall;
    CHECK(sc.inFutexWait());
    CHECK(sc.args[0] == uint64_t(&robust));
    CHECK_FALSE(sc.futexPrivate()); // glibc uses shared futex ops for every robust mutex
    auto m = readMutex(child.pid(), uint64_t(&robust));
    REQUIRE(m);
    CHECK(m->robust());
    CHECK(m->locked());
    CHECK(m->ownerTid() == holder.tid());
    CHECK((uint32_t(m->lock) & 0x80000000u) != 0); // FUTEX_WAITERS: the child is waiting
    CHECK(findDeadlocks(snap, sameNamespace).empty());
}

TEST_CASE("rule b: the only thread waits on a private futex with no timeout",
          "[probe][deadlock][live]") {
    if (kChildrenHaveExtraThreads) return;
    uint32_t* word = g_word.data();
    REQUIRE(*word == 0);

    SECTION("FUTEX_WAIT_PRIVATE, no timeout: rule b") {
        ChildGuard child(forkChild([word] {
            for (;;) futexWait(word, FUTEX_WAIT_PRIVATE, 0, nullptr);
        }));
        REQUIRE(child.pid() > 0);
        REQUIRE(waitForFutexWaits(child.pid(), 1));
        auto verdicts = findDeadlocks(snapshotProcess(child.pid()), sameNamespace);
        REQUIRE(verdicts.size() == 1);
        CHECK(verdicts[0].rule == DeadlockRule::NobodyToWake);
        CHECK(verdicts[0].addr == uint64_t(word));
        CHECK(verdicts[0].tid == child.pid());
        CHECK(verdicts[0].ownerTid == 0);
        CHECK(verdicts[0].ownerNsTid == 0);
        INFO(verdicts[0].evidence);
        CHECK(verdicts[0].evidence.find("NULL") != std::string::npos);
    }
    SECTION("FUTEX_WAIT_BITSET_PRIVATE, no timeout: rule b") {
        ChildGuard child(forkChild([word] {
            for (;;) futexWait(word, FUTEX_WAIT_BITSET_PRIVATE, 0, nullptr, FUTEX_BITSET_MATCH_ANY);
        }));
        REQUIRE(child.pid() > 0);
        REQUIRE(waitForFutexWaits(child.pid(), 1));
        ProcessSnapshot snap = snapshotProcess(child.pid());
        REQUIRE(snap.threads.size() == 1);
        CHECK(snap.threads[0].syscall.args[1] == 0x89);
        auto verdicts = findDeadlocks(snap, sameNamespace);
        REQUIRE(verdicts.size() == 1);
        CHECK(verdicts[0].rule == DeadlockRule::NobodyToWake);
        CHECK(verdicts[0].evidence.find("FUTEX_WAIT_BITSET_PRIVATE") != std::string::npos);
    }
    SECTION("with a timeout: not rule b") {
        ChildGuard child(forkChild([word] {
            const timespec longWait{100000, 0};
            for (;;) futexWait(word, FUTEX_WAIT_PRIVATE, 0, &longWait);
        }));
        REQUIRE(child.pid() > 0);
        REQUIRE(waitForFutexWaits(child.pid(), 1));
        ProcessSnapshot snap = snapshotProcess(child.pid());
        REQUIRE(snap.threads.size() == 1);
        CHECK(snap.threads[0].syscall.args[3] != 0);
        CHECK(findDeadlocks(snap, sameNamespace).empty());
    }
    SECTION("a shared futex: not rule b (another process could wake it)") {
        ChildGuard child(forkChild([word] {
            for (;;) futexWait(word, FUTEX_WAIT, 0, nullptr);
        }));
        REQUIRE(child.pid() > 0);
        REQUIRE(waitForFutexWaits(child.pid(), 1));
        CHECK(findDeadlocks(snapshotProcess(child.pid()), sameNamespace).empty());
    }
    SECTION("a second thread waits on the same futex: not rule b") {
        ChildGuard child(forkChild([word] {
            pthread_t t;
            auto waiter = [](void* w) -> void* {
                for (;;) futexWait(w, FUTEX_WAIT_PRIVATE, 0, nullptr);
            };
            if (::pthread_create(&t, nullptr, waiter, word) != 0) ::_exit(2);
            for (;;) futexWait(word, FUTEX_WAIT_PRIVATE, 0, nullptr);
        }));
        REQUIRE(child.pid() > 0);
        REQUIRE(waitForFutexWaits(child.pid(), 2));
        ProcessSnapshot snap = snapshotProcess(child.pid());
        REQUIRE(snap.threads.size() == 2);
        CHECK(snap.threads[0].tid == child.pid());
        CHECK(snap.threads[0].syscall.inFutexWait());
        CHECK(snap.threads[1].syscall.inFutexWait());
        CHECK(findDeadlocks(snap, sameNamespace).empty());
    }
}

TEST_CASE("findDeadlocks on built snapshots over our own memory", "[probe][deadlock]") {
    // The futex word is real memory of this process, so readMutex reads what we built.
    alignas(8) static std::array<uint8_t, 40> bytes;
    auto snapWaitingOn = [](int32_t lock, int32_t owner, std::vector<pid_t> nstids) {
        bytes = mutexBytes(lock, 0, owner, 1, 0);
        ProcessSnapshot s;
        s.pid = ::getpid();
        for (pid_t n : nstids) {
            ThreadState t;
            t.tid = n + 1000;
            t.nstid = n;
            t.syscall.nr = 202;
            t.syscall.args = {uint64_t(&bytes), 0x80 /* FUTEX_WAIT_PRIVATE */, 2, 0, 0, 0};
            s.threads.push_back(t);
        }
        return s;
    };
    SECTION("rule a wins over rule b") {
        auto v = findDeadlocks(snapWaitingOn(2, 99, {1}), [](pid_t) { return pid_t(0); });
        REQUIRE(v.size() == 1);
        CHECK(v[0].rule == DeadlockRule::OrphanedMutex);
        CHECK(v[0].ownerNsTid == 99);
        CHECK(v[0].ownerTid == 0);
        CHECK(v[0].tid == 1001);
        CHECK(v[0].evidence.find("exists nowhere") != std::string::npos);
    }
    SECTION("owner is one of the threads (compared in the namespace): no rule a") {
        CHECK(findDeadlocks(snapWaitingOn(2, 2, {1, 2}), {}).empty());
    }
    SECTION("an empty toHostTid gives owner 0") {
        auto v = findDeadlocks(snapWaitingOn(2, 99, {1, 2}), {});
        REQUIRE(v.size() == 2); // both threads wait on the orphaned mutex
        CHECK(v[0].ownerTid == 0);
    }
    SECTION("a partial snapshot proves nothing") {
        auto s = snapWaitingOn(2, 99, {1});
        s.partial = true;
        CHECK(findDeadlocks(s, {}).empty());
    }
}
