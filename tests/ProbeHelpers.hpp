#pragma once
// What the /proc probe tests share: children reaped at scope end, a thread that holds a mutex,
// temporary files and fds, futex helpers and hand-built pthread_mutex_t bytes.
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

namespace forklab::test {

// Kills and reaps one child when the test scope ends, whatever happened in between.
class ChildGuard {
  public:
    explicit ChildGuard(pid_t pid) : pid_(pid) {}
    ChildGuard(const ChildGuard&) = delete;
    ChildGuard& operator=(const ChildGuard&) = delete;
    ~ChildGuard() { killAndReap(); }

    pid_t pid() const { return pid_; }
    void killAndReap() {
        if (pid_ <= 0) return; // never kill(0) or kill(-1)
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
        pid_ = 0;
    }

  private:
    pid_t pid_;
};

// Runs body in a forked child, which must never return into Catch2.
template <typename F>
pid_t forkChild(F body) {
    pid_t pid = ::fork();
    if (pid == 0) {
        body();
        ::_exit(0);
    }
    return pid;
}

// A thread of this process that holds *m until the holder goes out of scope.
class LockHolder {
  public:
    explicit LockHolder(pthread_mutex_t* m) : m_(m) {
        auto lockedTid = locked_.get_future();
        auto released = release_.get_future();
        thread_ = std::thread([this, released = std::move(released)] {
            ::pthread_mutex_lock(m_);
            locked_.set_value(::gettid());
            released.wait();
            ::pthread_mutex_unlock(m_);
        });
        tid_ = lockedTid.get();
    }
    LockHolder(const LockHolder&) = delete;
    LockHolder& operator=(const LockHolder&) = delete;
    ~LockHolder() {
        release_.set_value();
        thread_.join();
    }
    pid_t tid() const { return tid_; }

  private:
    pthread_mutex_t* m_;
    std::promise<pid_t> locked_;
    std::promise<void> release_;
    std::thread thread_;
    pid_t tid_ = 0;
};

// A temporary regular file, unlinked at scope end.
struct TempFile {
    std::string path;
    TempFile() {
        char name[] = "/tmp/forklab_probe_XXXXXX";
        int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        ::close(fd);
        path = name;
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() { ::unlink(path.c_str()); }
    ino_t inode() const {
        struct stat st {};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        return st.st_ino;
    }
};

struct FdPair {
    int fd[2] = {-1, -1};
    FdPair() = default;
    FdPair(const FdPair&) = delete;
    FdPair& operator=(const FdPair&) = delete;
    ~FdPair() {
        for (int f : fd)
            if (f >= 0) ::close(f);
    }
};

inline uint64_t inodeOf(int fd) {
    struct stat st {};
    REQUIRE(::fstat(fd, &st) == 0);
    return st.st_ino;
}

// Polls (a bounded number of times, no wall-clock assertion) until pid has exactly `threads`
// threads and every one of them is blocked in futex ("202 ..." in its syscall file).
inline bool waitForFutexWaits(pid_t pid, size_t threads) {
    for (int i = 0; i < 20000; ++i) {
        auto dir = ProcDir::open(pid);
        if (!dir) return false;
        auto tids = listThreads(*dir);
        size_t waiting = 0;
        for (pid_t tid : tids) {
            auto sys = dir->readFile(("task/" + std::to_string(tid) + "/syscall").c_str());
            if (sys && sys->rfind("202 ", 0) == 0) ++waiting;
        }
        if (tids.size() == threads && waiting == threads) return true;
        ::usleep(500);
    }
    return false;
}

// ThreadSanitizer starts a runtime thread in every forked child, so "the child has one thread"
// cannot hold under it.
#if defined(__SANITIZE_THREAD__)
constexpr bool kChildrenHaveExtraThreads = true;
#else
constexpr bool kChildrenHaveExtraThreads = false;
#endif

// The tracer's mapping, for a test process that lives in our own pid namespace.
inline pid_t sameNamespace(pid_t tid) {
    return ProcDir::open(tid) ? tid : 0;
}

inline long futexWait(void* addr, int op, uint32_t val, const timespec* timeout,
                      uint32_t bitset = 0) {
    return ::syscall(SYS_futex, addr, op, val, timeout, nullptr, bitset);
}

inline pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
alignas(64) inline std::array<uint32_t,
                              16> g_word{}; // a futex word that stays 0, with room for 40 bytes

inline std::array<uint8_t, 40> mutexBytes(int32_t lock, uint32_t count, int32_t owner,
                                          uint32_t nusers, int32_t kind) {
    std::array<uint8_t, 40> b{};
    auto put = [&b](size_t at, uint32_t v) {
        for (size_t i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (8 * i)); // little-endian
    };
    put(0, uint32_t(lock));
    put(4, count);
    put(8, uint32_t(owner));
    put(12, nusers);
    put(16, uint32_t(kind));
    return b;
}

} // namespace forklab::test
