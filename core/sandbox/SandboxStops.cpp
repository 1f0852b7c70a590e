// Freezing the whole sandbox: the idle probe, markers and step gates.
#include "TracerState.hpp"
#include "core/probe/ThreadStack.hpp"
#include "core/trace/StackText.hpp"

namespace forklab::tracer {
namespace {

// Whether a task will report a stop when interrupted. One past its exit stop never does: a
// leader that called pthread_exit() stays a zombie until its last thread exits.
bool stoppable(const Task& t) {
    return !t.held && t.firstStopSeen && !t.exiting;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Whole-sandbox stops: the idle probe, markers, gates

void Tracer::stopAll() {
    holdAll_ = true;
    for (auto& [tid, t] : tasks_) {
        if (!stoppable(t)) continue;
        if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) == 0) t.interruptPending = true;
    }
    // The give-up is for a task stuck where ptrace cannot stop it (a vfork parent waits for a
    // child that is held itself).
    int64_t giveUp = monotonicNs() + 2'000'000'000;
    for (;;) {
        bool waiting = false;
        for (auto& [tid, t] : tasks_) waiting |= stoppable(t);
        if (!waiting || monotonicNs() > giveUp) break;
        if (!handleNext()) break;
    }
    // What did not stop in time is not frozen: its process's snapshot says so (partial).
    unfrozen_.clear();
    for (auto& [tid, t] : tasks_)
        if (stoppable(t)) unfrozen_.insert(t.tgid);
}

void Tracer::resumeAll() {
    holdAll_ = false;
    for (auto& [tid, t] : tasks_) {
        if (t.held && t.announced) resume(t);
    }
}

void Tracer::probe(SnapReason why) {
    stopAll();
    snapshotAll(why);
    resumeAll();
}

// A marker: stop everything, then the marker, then every process as it is at that instant, and
// in live stepping hold it all until the user goes on.
void Tracer::markerStop() {
    stopAll();
    for (auto& [pid, m] : pendingMarkers_) emit(pid, EventKind::Marker, m);
    pendingMarkers_.clear();
    if (opt_.snapshots) snapshotAll(SnapReason::Marker);
    if (opt_.stepping) holdUntilStep();
    resumeAll();
}

// Assumes every tracee is stopped.
void Tracer::snapshotAll(SnapReason why) {
    std::vector<std::pair<pid_t, SnapId>> taken;
    for (auto& [pid, p] : procs_) {
        if (!p.alive || p.role == Role::Sandbox) continue;
        ProcessSnapshot snap = snapshotProcess(pid);
        if (unfrozen_.count(pid)) snap.partial = true;
        auto verdicts = findDeadlocks(snap, [this](pid_t ns) { return hostTid(ns); });
        SnapId id = trace_.addSnapshot(std::move(snap));
        emit(pid, EventKind::Snapshot, ev::Snapshot{id, why});
        learnCPython(pid, why, id);
        taken.emplace_back(pid, id);
        for (auto& v : verdicts) {
            auto key = std::make_tuple(v.pid, v.tid, v.addr, int(v.rule));
            if (!verdicts_.insert(key).second) continue;
            // Where it waits, unwound while it is held here. Only with the whole sandbox
            // frozen: no other process can change the files or memory being read.
            ThreadStack stack;
            if (unfrozen_.empty())
                stack = readThreadStack(v.pid, v.tid);
            else
                stack.unread = "the sandbox was not wholly stopped";
            emit(pid, EventKind::Deadlock,
                 ev::Deadlock{v.tid, uint8_t(v.rule), v.addr, v.ownerTid, v.ownerNsTid,
                              trace_.intern(v.evidence), trace_.intern(packStack(stack))});
        }
    }
    // Named once everything is seen: an object learnt from one process names it in all.
    for (auto& [pid, id] : taken) nameCPythonFds(pid, id);
}

void Tracer::holdUntilStep() {
    holdStart_ = monotonicNs();
    ctl_.gates++;
    ctl_.held = true;
    while (!ctl_.stepRequested && !ctl_.stopRequested && !tasks_.empty()) {
        if (!handleNext()) break; // e.g. killed from outside while held
    }
    ctl_.stepRequested = false;
    ctl_.held = false;
    // The hold was not running time: not for the deadline, the grace period or event times.
    const int64_t held = monotonicNs() - holdStart_;
    holdStart_ = -1;
    heldNs_ += held;
    lastTick_ += held;
    if (rootDone_) rootExitAt_ += held;
}

} // namespace forklab::tracer
