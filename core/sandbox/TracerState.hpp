#pragma once
// The recorder's state and its parts (DESIGN §3): one Tracer per run, on one thread. Its member
// functions live in files named after what they do:
//   Tracer.cpp          the main loop: ptrace stops and the events they become
//   TracerLaunch.cpp    starting the sandbox and the run's first facts
//   TrappedSyscalls.cpp the seccomp traps, checked against the syscall really made
//   ExecStops.cpp       an execve's stop: its path and the table before it
//   SandboxStops.cpp    freezing the whole sandbox: the idle probe, markers, step gates
//   Teardown.cpp        the end of the run: killing the rest, unrecorded processes, the sweep
//   DataPipeCapture.cpp the bytes a CPython parent pickles into its child's data pipe
#include "Tracer.hpp"

#include "CPythonPlumbing.hpp"
#include "DataPipeWatch.hpp"
#include "Launcher.hpp"
#include "MarkerSyscall.hpp"
#include "OriginalStdio.hpp"
#include "PidsCgroup.hpp"
#include "PrivateShm.hpp"
#include "ProgramIds.hpp"
#include "Roles.hpp"
#include "SeccompFilter.hpp"
#include "TraceeMemory.hpp"
#include "WakeTimer.hpp"
#include "core/base/Clock.hpp"
#include "core/probe/Deadlock.hpp"
#include "core/probe/ProcStatus.hpp"
#include "core/probe/ProcessProbe.hpp"
#include "core/trace/Names.hpp"
#include "core/trace/Roles.hpp"

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/nsfs.h>
#include <linux/seccomp.h>
#include <map>
#include <memory>
#include <optional>
#include <sched.h>
#include <set>
#include <string_view>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <unordered_map>

extern char** environ;

namespace forklab::tracer {

constexpr long kTickMs = 20;
constexpr size_t kOutputCap = 4096; // bytes of one write kept in the trace
inline const std::string kShmDir = "/dev/shm/";

std::string shellQuote(const std::vector<std::string>& argv);
std::string rlimitText(const std::vector<RlimitSetting>& overrides, rlim_t maxTasks);

// A syscall we let run to its exit stop because only its result tells what happened.
struct PendingSyscall {
    enum Kind { None, Create, Link, Unlink, Exec } kind = None;
    std::string name;  // relative to /dev/shm
    std::string other; // link: the old name (relative to /dev/shm, or empty)
    bool existed = false;
    bool exclusive = false;
    uint64_t inode = 0;
};

// An execve a thread made, as read at its seccomp stop: per thread, since another thread of the
// process may make (and fail) execs of its own meanwhile.
struct ExecAttempt {
    std::string path;        // the filename it was given (tracee memory, read at the stop)
    SnapId before = kNoSnap; // the thread's fd table then
};

struct Task {
    pid_t tid = 0;
    pid_t tgid = 0;
    bool firstStopSeen = false; // the auto-attach stop (or seized while running)
    bool announced = false;     // its creator's fork/clone event was handled
    bool isThread = false;
    bool held = false; // stopped, and we have not resumed it
    bool interruptPending = false;
    bool exiting = false;      // past its exit stop: it never stops again (a zombie leader)
    bool groupStopped = false; // in a job-control stop of its group: resumed with PTRACE_LISTEN
    int resumeSig = 0;
    bool resumeToSyscallExit = false;
    PendingSyscall pending;
    ExecAttempt exec;        // its last execve not known to have failed (ExecStops.cpp)
    bool cloneAsked = false; // at a clone's entry stop, watching the task limit (RefusedClone)
    ForkKind cloneHow = ForkKind::Fork;
};

inline bool isJobControlStop(int sig) {
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

struct Proc {
    pid_t pid = 0;
    pid_t nspid = 0;
    bool nspidRead = false; // from its status (stop snapshots then read the cheaper stat)
    pid_t parent = 0;
    Role role = Role::Program;
    bool alive = true;
    // It (or an ancestor, before forking it) installed a seccomp filter of its own, which may
    // take an execve from forklab's trap (ExecStops.cpp).
    bool ownSeccomp = false;
    std::string name; // what it calls itself (Names.hpp): its children start with it
    bool exitSnapTaken = false;
    // /proc/PID opened at the announcement and held until the death is reported, so each stop
    // snapshot reads through it instead of opening and closing the directory (2 syscalls per
    // stop). The handle names this process for good: once it is reaped every read through it
    // fails, whoever gets the number next. Empty beyond kHeldProcDirs live processes.
    std::shared_ptr<const ProcDir> dir;
};

// Held /proc/PID handles per run at most: the tracer's fd table stays small however many
// processes live at once (the rest open the directory at each snapshot, as before).
constexpr int kHeldProcDirs = 64;

class Tracer {
  public:
    Tracer(const SandboxOptions& o, std::string path, Trace& trace, TracerControl& c)
        : opt_(o), path_(std::move(path)), trace_(trace), ctl_(c) {}
    int run();

  private:
    // --- launch and end ---
    bool launch();
    void loop();
    void teardown(EndReason reason);
    void sweepShm();
    void finish(EndReason reason);
    void announceRun(bool programCreated = false);
    void waitForLauncherToReap();

    // --- event handling ---
    void handle(pid_t tid, WaitStatus ws);
    void onFirstStop(Task& t);
    void onNewChild(Task& parent, pid_t child, int event);
    void announceChild(Task& child, pid_t parentTgid, ForkKind how);
    void childReady(Task& child);
    void onExec(Task& t, pid_t formerTid);
    void onExitStop(Task& t);
    void onDeath(pid_t tid, WaitStatus ws);
    void onSeccomp(Task& t); // the filter's RET_DATA is not trusted: the syscall is read
    void onSyscallExit(Task& t);
    void resume(Task& t);
    // CPython's data pipe (DataPipeCapture.cpp)
    void watchCPythonFork(pid_t parent, pid_t child, bool vfork);
    void watchDataPipe(Task& t, const seccomp_data& sc);
    void childExecOrDeath(pid_t pid, pid_t parent, const seccomp_data* sc, pid_t tid);
    bool onWatchedSyscall(Task& t);
    void emitPipeWrite(pid_t pid, const DataPipeWatch::Written& w);

    // --- the task limit (RefusedClone.cpp) ---
    int taskCountNearLimit();
    void watchTaskLimit();
    void noteUnreaped(pid_t pid);
    bool onCloneSyscallStop(Task& t);

    // --- whole-sandbox stops ---
    void stopAll();
    void resumeAll();
    void probe(SnapReason why);
    void snapshotAll(SnapReason why);
    void markerStop();
    void holdUntilStep();

    // --- helpers ---
    // Run time: time held at a step gate is left out (a class may pause for minutes), so the
    // timeline has no gap and the deadline and grace count running time only.
    int64_t now() const { return (holdStart_ >= 0 ? holdStart_ : monotonicNs()) - t0_ - heldNs_; }
    void emit(pid_t pid, EventKind kind, Payload p) {
        trace_.append(Event{now(), pid, kind, std::move(p)});
        lastEvent_ = monotonicNs();
        eventsSinceProbe_ = true;
    }
    ProcessSnapshot readStop(pid_t pid);
    SnapId snapshot(pid_t pid, SnapReason why, const std::vector<std::string>& execArgv = {});
    SnapId record(pid_t pid, SnapReason why, ProcessSnapshot s,
                  const std::vector<std::string>& execArgv = {});
    // --- an execve's stop (ExecStops.cpp) ---
    void beforeExec(Task& t, Proc& p);
    void onOwnSeccomp(Proc& p);
    void learnCPython(pid_t pid, SnapReason why, SnapId id,
                      const std::vector<std::string>& execArgv = {});
    void nameCPythonFds(pid_t pid, SnapId id);
    Task& task(pid_t tid);
    // waitpid for the next report of any tracee; returns -1/EINTR at least every tick.
    pid_t waitEvent(int* raw);
    // Waits for the next report and handles it; false when no tracee is left (ECHILD). An
    // interruption (the tick, a poke) returns true: the caller looks at its condition again.
    bool handleNext();
    Proc* proc(pid_t pid) {
        auto it = procs_.find(pid);
        return it == procs_.end() ? nullptr : &it->second;
    }
    // The live process's held /proc/PID handle, else a newly opened one (or none: it is gone).
    std::shared_ptr<const ProcDir> procDir(pid_t pid);
    void dropProcDir(Proc& p);
    int heldProcDirs_ = 0;
    int liveProgramProcs() const;
    std::vector<pid_t> unrecordedProcs() const;
    int adoptUnrecorded();
    int liveTasks() const { return int(tasks_.size()); }
    pid_t hostTid(pid_t nstid) const;
    std::optional<std::string> shmName(pid_t pid, int dirfd, const std::string& path) const;
    uint64_t shmInode(pid_t pid, const std::string& name) const;
    void noteCreated(const std::string& name, pid_t creator);
    void reportNotKept(pid_t pid); // 0: every process
    bool active() const { return !ctl_.stopRequested.load(); }

    const SandboxOptions& opt_;
    std::string path_;
    Trace& trace_;
    TracerControl& ctl_;

    WakeTimer* timer_ = nullptr;
    int64_t t0_ = 0;
    pid_t launcher_ = 0;
    pid_t root_ = 0; // the program's first process
    bool namespaces_ = false;
    uint16_t isolation_ = 0;
    std::optional<PidsCgroup> cgroup_;
    OriginalStdio stdio_{opt_.inheritStdio};
    std::optional<PrivateShm> shm_;
    std::string shmProblem_; // why the private /dev/shm could not be verified
    ProgramIds ids_;
    rlim_t maxTasks_ = 0;
    int reportFd_ = -1;

    std::unordered_map<pid_t, Task> tasks_;
    bool watchClones_ = false;    // near the task limit: tasks run with syscall stops
    std::vector<pid_t> unreaped_; // exited processes that may still be zombies
    std::map<pid_t, Proc> procs_;
    std::map<std::string, pid_t> created_; // /dev/shm name -> creator
    std::map<std::string, pid_t> temps_;   // sem_open's temporary files, not yet linked
    std::set<std::tuple<pid_t, pid_t, uint64_t, int>> verdicts_;
    CPythonPlumbing cpython_;
    DataPipeWatch pipes_;
    uint64_t outputKept_ = 0;                           // bytes of output text in the trace
    std::map<std::pair<pid_t, int>, uint64_t> notKept_; // (pid, fd) -> bytes past the cap

    bool runAnnounced_ = false;
    bool holdAll_ = false;
    std::set<pid_t> unfrozen_; // processes with a task the last stopAll could not stop
    bool tearingDown_ = false;
    std::vector<std::pair<pid_t, ev::Marker>> pendingMarkers_;
    bool eventsSinceProbe_ = true;
    int64_t lastEvent_ = 0;
    int64_t activeNs_ = 0;
    int64_t lastTick_ = 0;
    int64_t rootExitAt_ = -1;
    int64_t heldNs_ = 0;     // time spent held at step gates, in all
    int64_t holdStart_ = -1; // when the current hold began (-1: not held)
    WaitStatus rootStatus_;
    bool rootDone_ = false;
    int execErrno_ = 0;
    int launchStage_ = -1; // the launcher step that failed (LaunchStage), -1 if none
    void readLaunchReport();
};

} // namespace forklab::tracer
