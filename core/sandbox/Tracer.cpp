// The recorder's main loop: each ptrace stop and the events it becomes.
#include "TracerState.hpp"

namespace forklab::tracer {

// ---------------------------------------------------------------------------------------------
// Main loop

int Tracer::run() {
    ctl_.tracerTid = gettid();
    WakeTimer timer(kTickMs);
    timer_ = &timer;
    t0_ = monotonicNs();
    lastEvent_ = lastTick_ = t0_;

    if (!launch()) {
        emit(0, EventKind::RunStart,
             ev::RunStart{trace_.intern(shellQuote(opt_.argv)), 0, opt_.maxProcs, opt_.deadlineMs,
                          opt_.graceMs, ids_.uid, ids_.gid,
                          trace_.intern(rlimitText(opt_.rlimits, maxTasks_)), opt_.snapshots});
        emit(0, EventKind::RunEnd, ev::RunEnd{EndReason::LaunchFailed, WaitStatus(), 125});
        return 125;
    }
    loop();
    readLaunchReport();
    if (reportFd_ >= 0) close(reportFd_);
    int code = rootDone_ ? rootStatus_.shellCode() : 128 + SIGKILL;
    if (execErrno_) code = execErrno_ == ENOENT ? 127 : 126;
    if (launchStage_ > kStageExec) code = 125;
    ctl_.exitCode = code;
    return code;
}

void Tracer::loop() {
    while (!tasks_.empty()) {
        int64_t t = monotonicNs();
        if (!holdAll_) activeNs_ += t - lastTick_;
        lastTick_ = t;

        if (!tearingDown_) {
            if (ctl_.stopRequested) {
                teardown(EndReason::Stopped);
                continue;
            }
            if (opt_.deadlineMs > 0 && activeNs_ > int64_t(opt_.deadlineMs) * 1'000'000) {
                teardown(EndReason::Deadline);
                continue;
            }
            if (rootDone_ && liveProgramProcs() == 0 && adoptUnrecorded() == 0) {
                teardown(EndReason::AllExited);
                continue;
            }
            if (rootDone_ && t - rootExitAt_ > int64_t(opt_.graceMs) * 1'000'000) {
                teardown(EndReason::Grace);
                continue;
            }
            if (!pendingMarkers_.empty()) {
                markerStop();
                continue;
            }
            // The idle probe (deadlocks, blocked threads) runs with or without stop snapshots.
            if (eventsSinceProbe_ && root_ &&
                t - lastEvent_ > int64_t(opt_.idleProbeMs) * 1'000'000) {
                probe(SnapReason::Probe);
                eventsSinceProbe_ = false;
                continue;
            }
        }

        if (!handleNext()) break;
    }
    if (!tearingDown_) finish(EndReason::AllExited);
}

bool Tracer::handleNext() {
    int raw = 0;
    pid_t r = waitEvent(&raw);
    if (r < 0) return errno == EINTR; // ECHILD: nothing left to wait for
    handle(r, WaitStatus(raw));
    return true;
}

pid_t Tracer::waitEvent(int* raw) {
    if (timer_ && timer_->armed()) return waitpid(-1, raw, __WALL | __WNOTHREAD);
    // No wake-up timer (the kernel refused one): poll instead of blocking forever.
    for (int i = 0; i < int(kTickMs); ++i) {
        pid_t r = waitpid(-1, raw, __WALL | __WNOTHREAD | WNOHANG);
        if (r != 0) return r;
        usleep(1000);
    }
    errno = EINTR;
    return -1;
}

Task& Tracer::task(pid_t tid) {
    auto [it, inserted] = tasks_.try_emplace(tid);
    if (inserted) {
        it->second.tid = tid;
        it->second.tgid = tid;
    }
    return it->second;
}

int Tracer::liveProgramProcs() const {
    int n = 0;
    for (auto& [pid, p] : procs_) n += p.alive && p.role != Role::Sandbox;
    return n;
}

void Tracer::handle(pid_t tid, WaitStatus ws) {
    static const bool debug = getenv("FORKLAB_DEBUG_PTRACE") != nullptr;
    if (debug)
        fprintf(stderr, "ptrace: %d raw=%#x event=%d %s\n", tid, ws.raw(), ws.ptraceEvent(),
                ws.describe().c_str());
    if (ws.dead()) {
        onDeath(tid, ws);
        return;
    }
    bool known = tasks_.count(tid) != 0;
    Task& t = task(tid);
    if (!known) t.firstStopSeen = false;
    int event = ws.ptraceEvent();
    if (event != PTRACE_EVENT_STOP) t.groupStopped = false; // only that stop can be listened in
    switch (event) {
    case PTRACE_EVENT_STOP:
        if (!t.firstStopSeen) {
            t.firstStopSeen = true;
            onFirstStop(t);
            return;
        }
        t.interruptPending = false;
        // A job-control stop of its group (the stop signal is reported) stays stopped, as
        // without forklab: PTRACE_LISTEN lets its parent see it with WUNTRACED and SIGCONT end
        // it. A stop reported with SIGTRAP is our interrupt, or the end of the group stop.
        t.groupStopped = isJobControlStop(ws.stopSignal());
        resume(t);
        return;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE: {
        unsigned long msg = 0;
        ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
        onNewChild(t, pid_t(msg), event);
        if (event != PTRACE_EVENT_CLONE)
            watchCPythonFork(t.tgid, pid_t(msg), event == PTRACE_EVENT_VFORK);
        resume(t);
        return;
    }
    case PTRACE_EVENT_EXEC: {
        unsigned long msg = 0;
        ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
        onExec(t, pid_t(msg));
        resume(tasks_.at(tid));
        return;
    }
    case PTRACE_EVENT_EXIT:
        t.exiting = true;
        onExitStop(t);
        resume(t);
        return;
    case PTRACE_EVENT_SECCOMP:
        onSeccomp(t);
        return;
    default:
        break;
    }
    if (ws.syscallStop()) {
        // Syscall stops asked for by the data-pipe watch and by the near-limit clone watch: an
        // entry either took is resumed; an exit goes on to onSyscallExit.
        bool entryTaken = false;
        if (pipes_.watching(t.tgid) || pipes_.pending(t.tid)) entryTaken |= onWatchedSyscall(t);
        if (watchClones_ || t.cloneAsked) entryTaken |= onCloneSyscallStop(t);
        if (entryTaken) {
            resume(t);
            return;
        }
        onSyscallExit(t);
        resume(t);
        return;
    }
    if (!t.firstStopSeen) { // first report of an unknown task that is a plain signal stop
        t.firstStopSeen = true;
        onFirstStop(t);
        return;
    }
    // Signal-delivery stop: hand the signal on.
    t.resumeSig = ws.stopSignal();
    resume(t);
}

void Tracer::resume(Task& t) {
    if (holdAll_) {
        t.held = true;
        return;
    }
    t.held = false;
    int req = t.resumeToSyscallExit || watchClones_ || pipes_.watching(t.tgid) ? PTRACE_SYSCALL
                                                                               : PTRACE_CONT;
    // A task the kernel will not let listen (EIO: not in a group stop) goes on instead.
    if (!t.groupStopped || ptrace(PTRACE_LISTEN, t.tid, 0, 0) != 0)
        ptrace(__ptrace_request(req), t.tid, 0, t.resumeSig);
    t.resumeSig = 0;
    t.resumeToSyscallExit = false;
}

// A new task's first stop. Its creator's event may not have arrived yet: then it stays stopped
// until it does, so the trace always says "fork" before anything about the child.
void Tracer::onFirstStop(Task& t) {
    if (tearingDown_) {
        kill(t.tid, SIGKILL);
        t.held = false;
        ptrace(PTRACE_CONT, t.tid, 0, 0);
        return;
    }
    if (!t.announced) {
        t.held = true; // wait for the parent's event
        return;
    }
    childReady(t);
}

// The child is announced and stopped at its first stop: its fd table is exactly what it
// inherited, frozen.
void Tracer::childReady(Task& t) {
    if (!t.isThread && opt_.snapshots && proc(t.tid)) snapshot(t.tid, SnapReason::Fork);
    t.held = false;
    resume(t);
}

void Tracer::onNewChild(Task& parent, pid_t child, int event) {
    ForkKind how = event == PTRACE_EVENT_VFORK ? ForkKind::Vfork : ForkKind::Fork;
    if (event == PTRACE_EVENT_CLONE) {
        auto dir = ProcDir::open(child);
        auto st = dir ? readProcStatus(*dir) : std::nullopt;
        // CLONE events are clones without SIGCHLD: threads, unless Tgid says otherwise.
        how = (!st || st->tgid == parent.tgid) ? ForkKind::Thread : ForkKind::Fork;
    }
    bool stoppedAlready = tasks_.count(child) && tasks_.at(child).firstStopSeen;
    Task& c = task(child);
    if (c.announced) return;
    announceChild(c, parent.tgid, how);
    watchTaskLimit(); // before the child's first resume, so it starts watched when near
    if (stoppedAlready) childReady(c);
}

void Tracer::announceChild(Task& c, pid_t parentTgid, ForkKind how) {
    announceRun(true);
    c.announced = true;
    c.isThread = how == ForkKind::Thread;
    c.tgid = c.isThread ? parentTgid : c.tid;
    emit(parentTgid, EventKind::Fork, ev::Fork{c.tid, how});
    if (c.isThread) return;

    Proc* pp = proc(parentTgid);
    Proc& p = procs_[c.tid];
    // Pids wrap (pid_max is 32,768 by default): a former process with this number left its
    // record here, dead, with its exit snapshot taken. Nothing of it belongs to the new one.
    dropProcDir(p);
    p = Proc{};
    p.pid = c.tid;
    p.parent = parentTgid;
    // Children of the sandbox's launcher are the program; a forkserver's are its workers.
    p.role = pp ? roleAtFork(pp->role) : Role::Program;
    p.ownSeccomp = pp && pp->ownSeccomp; // filters are inherited
    p.nspid = c.tid;
    std::string name;
    if (auto opened = ProcDir::open(c.tid)) {
        auto dir = std::make_shared<const ProcDir>(std::move(*opened));
        if (heldProcDirs_ < kHeldProcDirs) {
            p.dir = dir;
            ++heldProcDirs_;
        }
        if (auto st = readProcStatus(*dir)) {
            p.nspid = st->innermostPid();
            p.nspidRead = true;
            name = st->name;
        }
    }
    if (pp && pp->role == Role::Sandbox && !root_) {
        root_ = c.tid;
        // Before its exec the program's first process is the launcher's copy: name it by the
        // command it is about to run, not by forklab's name.
        name = processName(opt_.argv.empty() ? std::string_view() : opt_.argv[0], path_);
    } else if (pp && pp->role != Role::Sandbox && !pp->name.empty()) {
        name = pp->name; // a copy of its parent: the same argv, so the same name
    }
    p.name = name;
    emit(c.tid, EventKind::Proc, ev::Proc{p.nspid, parentTgid, p.role, how, trace_.intern(name)});

    if (!cgroup_ && liveTasks() > opt_.maxProcs + 1) {
        // No pids cgroup here: the limit is enforced at the fork event instead.
        kill(c.tid, SIGKILL);
        emit(c.tid, EventKind::KilledBySandbox, ev::KilledBySandbox{});
    }
}

std::shared_ptr<const ProcDir> Tracer::procDir(pid_t pid) {
    if (Proc* p = proc(pid); p && p->dir) return p->dir;
    if (auto dir = ProcDir::open(pid)) return std::make_shared<const ProcDir>(std::move(*dir));
    return nullptr;
}

void Tracer::dropProcDir(Proc& p) {
    if (!p.dir) return;
    p.dir.reset();
    --heldProcDirs_;
}

// A stop snapshot, through the held /proc/PID handle; stat instead of status once nspid is known.
ProcessSnapshot Tracer::readStop(pid_t pid) {
    auto dir = procDir(pid);
    const Proc* p = proc(pid);
    return dir ? snapshotProcess(*dir, SnapshotDepth::Stop, p && p->nspidRead ? p->nspid : 0)
               : snapshotProcess(pid, SnapshotDepth::Stop);
}

SnapId Tracer::snapshot(pid_t pid, SnapReason why, const std::vector<std::string>& execArgv) {
    return record(pid, why, readStop(pid), execArgv);
}

SnapId Tracer::record(pid_t pid, SnapReason why, ProcessSnapshot s,
                      const std::vector<std::string>& execArgv) {
    SnapId id = trace_.addSnapshot(std::move(s));
    emit(pid, EventKind::Snapshot, ev::Snapshot{id, why});
    learnCPython(pid, why, id, execArgv);
    nameCPythonFds(pid, id);
    return id;
}

// CPython's plumbing as the recorder reads it (CPythonPlumbing): what a snapshot teaches ...
void Tracer::learnCPython(pid_t pid, SnapReason why, SnapId id,
                          const std::vector<std::string>& execArgv) {
    const ProcessSnapshot& s = trace_.snapshot(id);
    switch (why) {
    case SnapReason::PreExec:
        return; // the old image's table: exec decides what stays
    case SnapReason::Exec:
        cpython_.learnExec(pid, execArgv, s);
        return;
    case SnapReason::Fork:
        if (const Proc* p = proc(pid)) cpython_.learnFork(p->parent, pid, s);
        return;
    default:
        cpython_.learnLater(pid, s);
    }
}

// ... and the names it then gives the fds a snapshot shows, beside it.
void Tracer::nameCPythonFds(pid_t pid, SnapId id) {
    if (cpython_.empty()) return;
    for (auto& n : cpython_.namesFor(pid, trace_.snapshot(id)))
        emit(pid, EventKind::Annotation,
             ev::Annotation{ev::NameOf::Fd, trace_.intern(n.label), uint64_t(n.fd),
                            trace_.intern(n.target)});
}

void Tracer::onExec(Task& t, pid_t formerTid) {
    // What the exec'ing thread's stop read (a non-leader's task is re-keyed to the leader's tid).
    ExecAttempt attempt;
    if (auto it = tasks_.find(formerTid); it != tasks_.end()) attempt = std::move(it->second.exec);
    if (formerTid != t.tid) tasks_.erase(formerTid);
    Task& leader = task(t.tgid == 0 ? t.tid : t.tgid);
    leader.isThread = false;
    leader.exec = {};
    pid_t pid = leader.tid;
    Proc* p = proc(pid);
    if (!p) return;
    std::string exe, argv;
    std::vector<std::string> args;
    if (auto dir = procDir(pid)) {
        exe = dir->readLink("exe").value_or("");
        args = readCmdline(*dir);
        for (auto& a : args) {
            argv += a;
            argv += '\0';
        }
    }
    if (p->role != Role::Sandbox) p->role = roleFromCommandLine(exe, args);
    const std::string path = attempt.path.empty() ? exe : attempt.path;
    p->name = processName(args.empty() ? std::string_view() : args[0], path);
    if (t.pending.kind == PendingSyscall::Exec) t.pending = {}; // it did not fail
    SnapId after = opt_.snapshots ? snapshot(pid, SnapReason::Exec, args) : kNoSnap;
    emit(pid, EventKind::Exec,
         ev::Exec{trace_.intern(path), trace_.intern(exe), trace_.intern(argv), attempt.before,
                  after, p->role});
}

void Tracer::onExitStop(Task& t) {
    if (t.isThread || !opt_.snapshots) return;
    Proc* p = proc(t.tid);
    if (!p || p->exitSnapTaken || p->role == Role::Sandbox) return;
    p->exitSnapTaken = true;
    snapshot(t.tid, SnapReason::Exit); // the fd table is still intact at this stop
}

void Tracer::onDeath(pid_t tid, WaitStatus ws) {
    auto it = tasks_.find(tid);
    if (it == tasks_.end()) return; // already reaped (a second report of the same death)
    Task t = it->second;
    tasks_.erase(it);
    if (!t.announced && !t.isThread && procs_.count(tid) == 0) return; // died before we knew it

    Proc* p = proc(tid);
    if (p && !t.isThread) {
        p->alive = false;
        dropProcDir(*p); // reaped: nothing more to read through it
        pipes_.forget(tid);
        childExecOrDeath(tid, p->parent, nullptr, tid);
        noteUnreaped(tid);
        reportNotKept(tid);
        emit(tid, EventKind::Exit, ev::Exit{ws});
        if (tid == root_) {
            rootDone_ = true;
            rootStatus_ = ws;
            rootExitAt_ = monotonicNs();
            readLaunchReport();
        }
        // Children still held for this parent's fork event will never get one.
        for (auto& [ctid, c] : tasks_) {
            if (c.firstStopSeen && !c.announced && c.held) {
                auto dir = ProcDir::open(ctid);
                auto st = dir ? readProcStatus(*dir) : std::nullopt;
                if (!st || st->ppid != tid) continue;
                announceChild(c, tid, ForkKind::Fork);
                childReady(c);
            }
        }
    } else {
        emit(t.tgid, EventKind::ThreadExit, ev::ThreadExit{tid});
    }
    if (watchClones_) watchTaskLimit();
}

} // namespace forklab::tracer

namespace forklab {

int runTracer(const SandboxOptions& options, const std::string& programPath, Trace& trace,
              TracerControl& control) {
    tracer::Tracer tracer(options, programPath, trace, control);
    int code = tracer.run();
    control.exitCode = code;
    {
        std::lock_guard lock(control.doneMutex);
        control.done = true;
    }
    control.doneCv.notify_all();
    return code;
}

} // namespace forklab
