#pragma once
// What one process looked like at one instant, read from /proc while it was frozen
// (ptrace-stopped). Plain values: the trace stores them, the views and tests read them.
#include "core/base/CowVector.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace forklab {

enum class FdKind : uint8_t { File, Pipe, Socket, Anon, Other };
enum class AccessMode : uint8_t { Read, Write, ReadWrite };

const char* toString(FdKind);
const char* toString(AccessMode);

struct FdEntry {
    int fd = -1;
    std::string target; // readlink of /proc/PID/fd/N: "/etc/passwd", "pipe:[123]", ...
    FdKind kind = FdKind::Other;
    uint64_t inode = 0; // pipe/socket inode from the target, else st_ino of the file
    AccessMode access = AccessMode::Read;
    bool cloexec = false; // fdinfo "flags:" & 02000000 (per fd, from the fd-table bitmap)
    uint32_t flags = 0;   // fdinfo "flags:" as parsed (octal in the file)

    friend bool operator==(const FdEntry&, const FdEntry&) = default;
};

// /proc/TID/syscall: "running", or the number and six arguments of the syscall the thread is
// blocked in ("-1 sp pc" when it is not in a syscall).
struct SyscallState {
    bool running = false; // the thread was running: nothing is known
    long nr = -1;         // -1: not in a syscall
    std::array<uint64_t, 6> args{};

    bool inFutexWait() const; // nr == SYS_futex and op (without flags) is WAIT or WAIT_BITSET
    bool futexPrivate() const { return (args[1] & 0x80) != 0; } // FUTEX_PRIVATE_FLAG
    friend bool operator==(const SyscallState&, const SyscallState&) = default;
};

struct ThreadState {
    pid_t tid = 0;     // as forklab sees it
    pid_t nstid = 0;   // inside the thread's own pid namespace (last field of NSpid)
    char state = '?';  // from /proc/TID/stat
    std::string wchan; // kernel-version specific: show it, never match it
    SyscallState syscall;

    friend bool operator==(const ThreadState&, const ThreadState&) = default;
};

// A mapping of a file under /dev/shm (named semaphores, shm_open). The creator's maps line names
// glibc's temporary file, so the dev:inode pair is what identifies it.
struct ShmMapping {
    std::string path; // as in /proc/PID/maps, e.g. "/dev/shm/sem.AbC123 (deleted)"
    uint64_t dev = 0; // makedev(major, minor)
    uint64_t inode = 0;
    uint64_t start = 0; // mapping base address (the sem_t lives there)

    friend bool operator==(const ShmMapping&, const ShmMapping&) = default;
};

struct ProcessSnapshot {
    pid_t pid = 0;
    pid_t nspid = 0;  // inside the process's own pid namespace
    pid_t ppid = 0;   // /proc PPid (changes on reparenting: not the tree)
    char state = '?'; // process state from /proc/PID/stat
    // Copy-on-write: snapshots with equal tables share them (Trace::addSnapshot).
    CowVector<FdEntry> fds;         // sorted by fd
    CowVector<ThreadState> threads; // sorted by tid, leader first when present
    CowVector<ShmMapping> shm;
    // The process vanished (or was mid-exit) while it was read, or a thread of it could not be
    // stopped for a whole-sandbox snapshot (the recorder sets that).
    bool partial = false;
    // A stop snapshot (fork/exec/exit) has fds and thread ids only: no per-thread state, no
    // maps, no inodes of plain files; the idle probe and markers take full ones.
    bool full = true;

    const FdEntry* findFd(int fd) const;
    friend bool operator==(const ProcessSnapshot&, const ProcessSnapshot&) = default;
};

} // namespace forklab
