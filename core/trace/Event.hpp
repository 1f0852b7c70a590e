#pragma once
// One thing the recorder observed. Small and typed: a fixed header (time, pid, kind) and a
// payload per kind. Strings and snapshots live in the Trace's pools and are named by id, so an
// event stays a few dozen bytes whatever it carries.
#include "core/base/WaitStatus.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <variant>
#include <vector>

namespace forklab {

using StrId = uint32_t;  // index into Trace's string pool; 0 is the empty string
using SnapId = uint32_t; // index into Trace's snapshot pool
constexpr SnapId kNoSnap = UINT32_MAX;

// Who a process is, for the views. Recognised by the recorder from the command line it observed
// at exec (forklab's lesson runtime and CPython's multiprocessing alike), never declared.
enum class Role : uint8_t {
    Sandbox,         // forklab's own launcher / pid-1 reaper: not part of the program
    Program,         // the observed program
    SpawnChild,      // a child started by spawn (a fresh image running a target)
    Forkserver,      // the forkserver
    Tracker,         // the semaphore (resource) tracker
    ForkserverChild, // forked by a recognised forkserver, not exec'd since (a Pool worker)
};
const char* toString(Role); // the one vocabulary of roles (Roles.cpp)

enum class ForkKind : uint8_t { Fork, Vfork, Thread };
const char* toString(ForkKind);

// Why a snapshot was taken: the stop it was taken at.
enum class SnapReason : uint8_t { Start, Fork, PreExec, Exec, Exit, Probe, Marker };
const char* toString(SnapReason);

// Which limit refused a new task. The kernel answers EAGAIN either way; the recorder names the
// limit the run was under.
enum class TaskLimit : uint8_t { PidsCgroup, TaskRlimit, Other };
const char* toString(TaskLimit);

// How a run ended (DESIGN §3).
enum class EndReason : uint8_t { AllExited, Grace, Deadline, Stopped, LaunchFailed };
const char* toString(EndReason);

// Isolation the sandbox obtained; checked at run time, so the trace says what really held.
enum IsolationFlags : uint16_t {
    kIsoUserNs = 1,
    kIsoPidNs = 2,
    kIsoIpcNs = 4,
    kIsoMountNs = 8,
    kIsoPrivateShm = 16, // a tmpfs of the run's own on /dev/shm, verified by device
    kIsoPidsCgroup = 32,
    kIsoNetNs = 64,         // a network namespace (only loopback)
    kIsoReadOnlyRoot = 128, // the host's filesystem is read-only in the sandbox
    kIsoPrivateTmp = 256,   // a tmpfs of the run's own on /tmp
    kIsoLockedMounts = 512, // the program's user namespace is below the mounts' (locked)
    kIsoTaskRlimit = 1024,  // RLIMIT_NPROC counted in the program's own user namespace
};
struct IsolationName {
    uint16_t flag;
    const char* key; // in run_start's "isolation" object
};
extern const IsolationName kIsolationNames[11]; // sorted by key
constexpr int kIsolationKeysOfVersion1 = 6;     // what every trace has; the rest may be absent
constexpr uint32_t kNoId = UINT32_MAX;          // uid/gid not recorded (older traces)

namespace ev {

struct RunStart {
    StrId command;      // the command line, shell-quoted
    uint16_t isolation; // IsolationFlags
    int32_t maxProcs;
    int32_t deadlineMs;
    int32_t graceMs;
    uint32_t uid = kNoId; // the program's ids on the host
    uint32_t gid = kNoId;
    StrId rlimits = 0; // "nofile=SOFT:HARD as=… cpu=… nproc=…" as the program got them
    // Each process's fd table and threads were read at its fork, exec and exit stops (false:
    // `trace --no-stop-snapshots`, whose tables are only the idle probe's).
    bool stopSnapshots = true;
};
struct Proc { // a process first seen
    pid_t nspid;
    pid_t parent; // 0 for the sandbox's first process
    Role role;
    ForkKind how;
    StrId name;
};
struct Fork { // pid (parent) created child
    pid_t child;
    ForkKind how;
};
struct Exec {
    StrId path;    // the filename execve was given
    StrId exe;     // what the kernel ran (/proc/PID/exe: symlinks resolved)
    StrId argv;    // NUL-separated
    SnapId before; // fd table at the execve stop (kNoSnap if unseen)
    SnapId after;  // fd table right after exec
    Role role;     // the role recognised from the new command line
};
struct Exit {
    WaitStatus status;
};
struct ThreadExit {
    pid_t tid;
};
struct Snapshot {
    SnapId snap;
    SnapReason reason;
};
struct Output {
    int32_t fd;
    StrId text;
    bool truncated;
    // Bytes this process wrote to fd that the trace does not hold: the run's output cap was
    // reached (a record of its own, with empty text, at the process's exit or the run's end).
    uint64_t notKept = 0;
};
struct Deadlock {
    pid_t tid;
    uint8_t rule; // DeadlockRule
    uint64_t addr;
    pid_t ownerTid;   // as the tracer sees it; 0 if none / nowhere
    pid_t ownerNsTid; // as the mutex stores it
    StrId evidence;
    StrId stack = 0; // the waiting thread's native stack, packed (StackText.hpp); 0: not recorded
};
struct Shm {    // create or unlink of a /dev/shm entry
    StrId name; // "sem.NAME" (relative to /dev/shm)
    uint64_t inode;
};
struct Leak {
    StrId name;
    pid_t creator;       // 0 if unknown
    bool removed = true; // by the sweep of the private /dev/shm; false: left on the host
};
struct Kill {
    pid_t target; // as the tracer sees it (translated from the sender's namespace)
    int32_t sig;
    bool group; // target was a process group (kill with pid <= 0)
};
struct Marker {
    StrId label;
    bool key;
    // Where the program says the step is (its source file and line): an annotation like the
    // label, bounded when read and trusted by no view (0 / 0: not given).
    StrId file = 0;
    uint32_t line = 0;
    static constexpr uint32_t kMaxLine = 1'000'000; // a larger line is not kept
};
struct KilledBySandbox {};
// The kernel refused pid's clone, fork or vfork (EAGAIN): the run's task limit was reached.
// Seen at the syscall's exit stop, which the recorder asks for only near the limit.
struct CloneRefused {
    TaskLimit limit;
    int32_t maxProcs; // the limit as forklab set it (it counts threads)
    int32_t tasks;    // the run's tasks the recorder knew alive then (zombies included)
    int32_t err;      // the errno the program got
    ForkKind how;     // what was asked for: a thread, a process, or a vfork
};
// A name the program gave to one of its objects (a mutex address, an fd): shown beside the
// kernel's facts, never taken for one.
enum class NameOf : uint8_t { Mutex, Fd };
struct Annotation {
    NameOf what;
    StrId label;
    uint64_t value; // the address, or the fd number
    StrId target;   // for an fd: its /proc target when it was named (a reused number won't match)
};
// Bytes a process wrote into a pipe the recorder watched for it: CPython's data pipe, into which
// the parent of a spawn or forkserver child pickles what crosses (DataPipeWatch). Caught at the
// write's exit stop, from the writer's buffer: what the kernel took, not what a program says.
struct PipeWrite {
    int32_t fd;      // the writer's fd number
    StrId target;    // its /proc target: "pipe:[123]"
    StrId hex;       // the bytes kept, as lowercase hex (the run's cap may keep fewer)
    uint64_t length; // the bytes the write wrote (its result)
};
struct RunEnd {
    EndReason reason;
    WaitStatus rootStatus;
    int32_t exitCode; // what forklab exits with
};

} // namespace ev

using Payload =
    std::variant<ev::RunStart, ev::Proc, ev::Fork, ev::Exec, ev::Exit, ev::ThreadExit, ev::Snapshot,
                 ev::Output, ev::Deadlock, ev::Shm, ev::Leak, ev::Kill, ev::Marker,
                 ev::KilledBySandbox, ev::RunEnd, ev::Annotation, ev::PipeWrite, ev::CloneRefused>;

// The `kind` names of the trace file, one per payload, plus shm_create/shm_unlink sharing ev::Shm.
enum class EventKind : uint8_t {
    RunStart,
    Proc,
    Fork, // fork / vfork / thread by ev::Fork::how
    Exec,
    Exit,
    ThreadExit,
    Snapshot,
    Output,
    Deadlock,
    ShmCreate,
    ShmUnlink,
    Leak,
    Kill,
    Marker,
    KilledBySandbox,
    RunEnd,
    Annotation,
    PipeWrite,
    CloneRefused,
};

struct Event {
    int64_t t = 0; // ns since the run started
    pid_t pid = 0; // the acting process, as the tracer sees it
    EventKind kind = EventKind::RunStart;
    Payload data;

    template <class T>
    const T& as() const {
        return std::get<T>(data);
    }
    template <class T>
    const T* get() const {
        return std::get_if<T>(&data);
    }
};

// The name used in files and the story: "fork", "vfork", "thread", "exec", "shm_create"...
const char* kindName(const Event&);

// ev::Exec::argv is stored NUL-separated; this gives the arguments back.
std::vector<std::string> splitArgv(std::string_view nulSeparated);

} // namespace forklab
