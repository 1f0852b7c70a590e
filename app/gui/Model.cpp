#include "app/gui/Model.hpp"

#include "app/gui/LessonSource.hpp"
#include "core/probe/Deadlock.hpp"
#include "core/trace/Refusal.hpp"
#include "core/trace/Roles.hpp"

#include <algorithm>
#include <cstdio>

namespace forklab::gui {

// The kinds that are roles are named and explained by the roles' one vocabulary (Roles.hpp),
// as in the story and the exports; the rest say how a process was started.
const char* label(StartKind k) {
    switch (k) {
    case StartKind::Sandbox:
        return toString(Role::Sandbox);
    case StartKind::Root:
        return "started by forklab";
    case StartKind::Fork:
        return "fork";
    case StartKind::Spawn:
        return toString(Role::SpawnChild);
    case StartKind::PosixSpawn:
        return "vfork + exec"; // the kernel saw vfork (posix_spawn is one): not which call
    case StartKind::Server:
        return toString(Role::Forkserver);
    case StartKind::ForkserverChild:
        return toString(Role::ForkserverChild);
    case StartKind::Tracker:
        return toString(Role::Tracker);
    case StartKind::ForkExec:
        return "fork + exec";
    }
    return "?";
}

const char* explanation(StartKind k) {
    switch (k) {
    case StartKind::Sandbox:
        return roleMeaning(Role::Sandbox);
    case StartKind::Root:
        return "the program forklab started in the sandbox";
    case StartKind::Fork:
        return "created by fork(): a copy of its parent (memory, fds, one thread), no exec";
    case StartKind::Spawn:
        return roleMeaning(Role::SpawnChild);
    case StartKind::PosixSpawn:
        return "created by vfork() (glibc's posix_spawn is one) and exec'd: the parent waits until "
               "the exec";
    case StartKind::Server:
        return roleMeaning(Role::Forkserver);
    case StartKind::ForkserverChild:
        return roleMeaning(Role::ForkserverChild);
    case StartKind::Tracker:
        return roleMeaning(Role::Tracker);
    case StartKind::ForkExec:
        return "created by fork() and then exec'd a program (as a shell runs a command): fresh "
               "memory, only the fds that survive exec";
    }
    return "";
}

const char* label(ProcState s) {
    switch (s) {
    case ProcState::Running:
        return "running";
    case ProcState::Blocked:
        return "blocked";
    case ProcState::Deadlocked:
        return "DEADLOCKED";
    case ProcState::Exited:
        return "exited";
    case ProcState::Killed:
        return "killed";
    }
    return "?";
}

std::string displayName(const CursorWorld& w, const ProcessView& p) {
    const std::string& lessons = lessonProgramName();
    // comm is cut at 15 characters; the exec'd name is whole.
    if (!lessons.empty() && !p.name.empty() && lessons.compare(0, p.name.size(), p.name) == 0 &&
        p.name.size() >= std::min<size_t>(lessons.size(), 15)) {
        switch (startKind(w, p)) {
        case StartKind::Root:
            return "parent";
        case StartKind::Server:
            return "forkserver";
        case StartKind::Tracker:
            return "tracker";
        case StartKind::Sandbox:
            return "sandbox";
        default:
            return "child";
        }
    }
    return p.name;
}

std::string who(const CursorWorld& w, pid_t pid) {
    const ProcessView* p = w.world.find(pid);
    std::string s = std::to_string(pid);
    if (p) {
        const std::string name = displayName(w, *p);
        if (!name.empty()) s += " " + name;
    }
    return s;
}

namespace {

const FdEntry* sameObject(const ProcessSnapshot& s, const FdEntry& f) {
    const FdEntry* g = s.findFd(f.fd);
    if (!g || g->target != f.target) return nullptr;
    if (f.inode && g->inode && f.inode != g->inode) return nullptr;
    return g;
}

// The newest full snapshot still describes the process: it did nothing since.
bool snapshotIsCurrent(const ProcessHistory& h) {
    return h.lastFullEvent != ProcessHistory::kNone &&
           (h.lastActivity == ProcessHistory::kNone || h.lastFullEvent > h.lastActivity);
}

} // namespace

StartKind startKind(const CursorWorld& w, const ProcessView& p) {
    // The recorder recognises the forkserver, the tracker and spawned children from the command
    // line it saw at exec (Role); everything else follows from fork/vfork and exec.
    switch (p.role) {
    case Role::Sandbox:
        return StartKind::Sandbox;
    case Role::Forkserver:
        return StartKind::Server;
    case Role::Tracker:
        return StartKind::Tracker;
    case Role::ForkserverChild:
        return StartKind::ForkserverChild;
    default:
        break;
    }
    const ProcessView* parent = w.world.find(p.parent);
    if (!parent || parent->role == Role::Sandbox) return StartKind::Root;
    if (p.role == Role::SpawnChild) return StartKind::Spawn;
    if (p.how == ForkKind::Vfork) return StartKind::PosixSpawn;
    if (p.execs > 0) return StartKind::ForkExec; // "spawn" is a start method's word
    return StartKind::Fork;
}

ProcState procState(const Trace& trace, const CursorWorld& w, const ProcessView& p,
                    std::string* text) {
    auto say = [&](std::string s) {
        if (text) *text = std::move(s);
    };
    if (!p.alive) {
        if (p.status.signaled()) {
            say(p.status.describe() + (p.killedBySandbox ? " (sandbox teardown)" : ""));
            return ProcState::Killed;
        }
        say(p.status.describe());
        return ProcState::Exited;
    }
    if (!p.deadlocks.empty()) {
        auto& d = trace[p.deadlocks.back()].as<ev::Deadlock>();
        say(d.rule == uint8_t(DeadlockRule::OrphanedMutex)
                ? "waits for a mutex whose owner is not in this process"
                : "its only thread waits; nobody is left to wake it");
        return ProcState::Deadlocked;
    }
    const ProcessHistory& h = w.of(p.pid);
    // Only a full snapshot taken after the process's last event tells what it does now.
    if (h.lastFull != kNoSnap && snapshotIsCurrent(h)) {
        const ProcessSnapshot& s = trace.snapshot(h.lastFull);
        size_t waiting = 0;
        uint64_t addr = 0;
        for (auto& t : s.threads) {
            if (t.syscall.inFutexWait()) {
                ++waiting;
                addr = t.syscall.args[0];
            }
        }
        if (!s.threads.empty() && waiting == s.threads.size()) {
            say(waiting == 1 ? "waits on futex " + hex(addr)
                             : "all " + std::to_string(waiting) + " threads wait on futexes");
            return ProcState::Blocked;
        }
    }
    say("running");
    return ProcState::Running;
}

std::string nameOf(const Trace& trace, const CursorWorld& w, const std::vector<size_t>& annotations,
                   pid_t pid, ev::NameOf what, uint64_t value, std::string_view target,
                   const ProcessSnapshot* table) {
    if (annotations.empty()) return {};
    // fork copies the address space and the fd table: an ancestor's names hold in the child.
    std::vector<pid_t> line;
    for (const ProcessView* p = w.world.find(pid); p && line.size() < 64;
         p = w.world.find(p->parent))
        line.push_back(p->pid);
    // Both ends of a pipe share a target, so only a socket can be recognised under a new number.
    const bool object = target.rfind("socket:", 0) == 0;
    auto end = std::lower_bound(annotations.begin(), annotations.end(), w.world.upto);
    for (auto it = end; it != annotations.begin();) {
        const Event& e = trace[*--it];
        auto& a = e.as<ev::Annotation>();
        if (a.what != what || std::find(line.begin(), line.end(), e.pid) == line.end()) continue;
        if (what == ev::NameOf::Mutex) {
            if (a.value == value) return std::string(trace.str(a.label));
        } else if (trace.str(a.target) == target && a.value == value) {
            return std::string(trace.str(a.label));
        }
    }
    if (!object || !table) return {};
    // The same socket under another number (passed with SCM_RIGHTS): a name given to a number
    // this table does not hold for that object.
    for (auto it = end; it != annotations.begin();) {
        const Event& e = trace[*--it];
        auto& a = e.as<ev::Annotation>();
        if (a.what != ev::NameOf::Fd || trace.str(a.target) != target) continue;
        const FdEntry* there = table->findFd(int(a.value));
        if (!there || there->target != target) return std::string(trace.str(a.label));
    }
    return {};
}

FdTable fdTable(const Trace& trace, const CursorWorld& w, pid_t pid,
                const std::vector<size_t>& annotations) {
    FdTable t;
    t.pid = pid;
    if (const auto* start = trace.runStart()) t.stopSnapshots = start->stopSnapshots;
    const ProcessView* p = w.world.find(pid);
    if (!p || p->snap == kNoSnap) return t;
    t.known = true;
    t.parent = p->parent;
    const ProcessHistory& h = w.of(pid);
    const ProcessSnapshot& cur = trace.snapshot(p->snap);
    if (h.lastSnapEvent != ProcessHistory::kNone) {
        switch (trace[h.lastSnapEvent].as<ev::Snapshot>().reason) {
        case SnapReason::Start:
            t.when = "when it started";
            break;
        case SnapReason::Fork:
            t.when = "at its fork (what it inherited)";
            break;
        case SnapReason::PreExec:
            t.when = "just before its exec";
            break;
        case SnapReason::Exec:
            t.when = "just after its exec";
            break;
        case SnapReason::Exit:
            t.when = "as it exited";
            break;
        case SnapReason::Probe:
            t.when = "while it was idle (probe)";
            break;
        case SnapReason::Marker:
            t.when = "at the lesson step";
            break;
        }
    }
    const ProcessSnapshot* first = h.firstSnap != kNoSnap ? &trace.snapshot(h.firstSnap) : nullptr;
    // The run's first process starts with what forklab's launcher set up before its first exec
    // (stdio, /dev/null under --quiet-program): the table right after that exec is forklab's,
    // not opened by the program (no program code has run yet).
    const ProcessView* parent = w.world.find(p->parent);
    if (parent && parent->role == Role::Sandbox && h.firstExec != ProcessHistory::kNone) {
        const SnapId setUp = trace[h.firstExec].as<ev::Exec>().after;
        if (setUp != kNoSnap && setUp < trace.snapshotCount()) {
            first = &trace.snapshot(setUp);
            t.setUp = true;
        }
    }
    if (first) t.inheritedCount = int(first->fds.size());

    auto ends = [&](const FdEntry& f, size_t* total) {
        std::vector<FdEnd> out;
        if ((f.kind != FdKind::Pipe && f.kind != FdKind::Socket) || f.inode == 0) return out;
        for (auto& [opid, op] : w.world.procs) {
            if (!op.alive || op.snap == kNoSnap) continue;
            for (auto& g : trace.snapshot(op.snap).fds) {
                if (g.inode != f.inode || g.kind != f.kind) continue;
                if (opid == pid && g.fd == f.fd) continue;
                ++*total;
                if (out.size() < FdRow::kMaxEnds)
                    out.push_back(FdEnd{opid, displayName(w, op), g.fd, g.access});
            }
        }
        return out;
    };

    for (auto& f : cur.fds) {
        FdRow r;
        r.entry = f;
        r.inherited = first && sameObject(*first, f);
        r.setUpByForklab = r.inherited && t.setUp;
        r.otherEnds = ends(f, &r.otherEndsTotal);
        r.name = nameOf(trace, w, annotations, pid, ev::NameOf::Fd, uint64_t(f.fd), f.target, &cur);
        t.rows.push_back(std::move(r));
    }
    // What the newest exec closed: in the table just before it, gone just after.
    const ProcessSnapshot* before = nullptr;
    if (h.lastExec != ProcessHistory::kNone) {
        auto& x = trace[h.lastExec].as<ev::Exec>();
        t.execed = true;
        if (x.before != kNoSnap && x.after != kNoSnap) {
            before = &trace.snapshot(x.before);
            const ProcessSnapshot& after = trace.snapshot(x.after);
            for (auto& f : before->fds) {
                if (after.findFd(f.fd)) continue;
                FdRow r;
                r.entry = f;
                r.inherited = first && sameObject(*first, f);
                r.name = nameOf(trace, w, annotations, pid, ev::NameOf::Fd, uint64_t(f.fd),
                                f.target, &cur);
                r.status = FdRow::Status::ClosedByExec;
                t.rows.push_back(std::move(r));
                ++t.closedByExec;
            }
        }
    }
    // Inherited at fork and closed since by the program itself (before any exec, or since).
    if (first && first != &cur) {
        for (auto& f : first->fds) {
            if (sameObject(cur, f)) continue;
            if (cur.findFd(f.fd)) continue; // the number was reused: the open row shows it
            bool byExec = false;
            for (auto& r : t.rows)
                if (r.status == FdRow::Status::ClosedByExec && r.entry.fd == f.fd) byExec = true;
            if (byExec) continue;
            FdRow r;
            r.entry = f;
            r.inherited = true;
            r.name =
                nameOf(trace, w, annotations, pid, ev::NameOf::Fd, uint64_t(f.fd), f.target, &cur);
            r.status = FdRow::Status::ClosedAfterFork;
            t.rows.push_back(std::move(r));
        }
    }
    return t;
}

SyncModel syncModel(const Trace& trace, const CursorWorld& w,
                    const std::vector<size_t>& annotations) {
    SyncModel m;
    for (auto& [pid, p] : w.world.procs) {
        for (size_t i : p.deadlocks) {
            auto& d = trace[i].as<ev::Deadlock>();
            DeadlockRow r;
            r.event = i;
            r.pid = pid;
            r.tid = d.tid;
            r.name = displayName(w, p);
            r.addr = d.addr;
            r.ownerTid = d.ownerTid;
            r.ownerNsTid = d.ownerNsTid;
            r.evidence = std::string(trace.str(d.evidence));
            r.mutexName = nameOf(trace, w, annotations, pid, ev::NameOf::Mutex, d.addr);
            const std::string mutex =
                r.mutexName.empty() ? hex(d.addr) : "\"" + r.mutexName + "\" (" + hex(d.addr) + ")";
            if (d.rule == uint8_t(DeadlockRule::OrphanedMutex)) {
                r.rule = 'a';
                const std::string owner = "thread " + std::to_string(d.ownerNsTid);
                r.headline = who(w, pid) + ": thread " + std::to_string(d.tid) +
                             " waits forever for mutex " + mutex + ". Its owner, " + owner +
                             ", is not a thread of this process.";
                r.explanation =
                    "The mutex was locked by " + owner +
                    (d.ownerTid ? " (host tid " + std::to_string(d.ownerTid) + ")" : "") +
                    " of the parent when the parent called fork(). fork() copied the memory, so "
                    "the lock still says \"held by " +
                    std::to_string(d.ownerNsTid) +
                    "\", but it copied only the thread that called fork. No thread of this "
                    "process owns it, so none will unlock it (for a normal mutex, unlocking "
                    "from a thread that does not own it is undefined). The child's way out "
                    "is to re-initialise the mutex, not to wait.";
            } else {
                r.rule = 'b';
                r.headline = "The only thread of " + who(w, pid) + " waits on " +
                             (r.mutexName.empty() ? "futex " + mutex : "lock " + mutex) +
                             " with no timeout.";
                r.explanation = "A futex wait ends only when another thread wakes it. This "
                                "process has a single thread and the futex is private to it, so "
                                "nobody is left to wake it: it will wait forever.";
            }
            m.deadlocks.push_back(std::move(r));
        }
        if (!p.alive) continue;
        const ProcessHistory& h = w.of(pid);
        if (h.lastFull == kNoSnap || !snapshotIsCurrent(h)) continue;
        for (auto& t : trace.snapshot(h.lastFull).threads) {
            if (!t.syscall.inFutexWait()) continue;
            m.waits.push_back(WaitRow{pid, t.tid, displayName(w, p), t.syscall.args[0],
                                      t.syscall.futexPrivate(), t.syscall.args[3] != 0, t.wchan});
        }
    }
    for (auto& s : w.world.shm) {
        SemRow r;
        r.file = s.name;
        r.name = s.name.rfind("sem.", 0) == 0 ? "/" + s.name.substr(4) : "/dev/shm/" + s.name;
        r.creator = s.creator;
        r.creatorName = s.creator ? who(w, s.creator) : "unknown";
        r.unlinkedBy = s.unlinkedBy;
        r.leaked = s.leaked;
        if (s.inode) {
            for (auto& [pid, p] : w.world.procs) {
                const ProcessHistory& h = w.of(pid);
                if (!p.alive || h.lastFull == kNoSnap) continue;
                for (auto& mp : trace.snapshot(h.lastFull).shm) {
                    if (mp.inode == s.inode) {
                        r.mappedBy.push_back(pid);
                        break;
                    }
                }
            }
        }
        if (s.unlinkedBy) r.unlinkedByName = who(w, s.unlinkedBy);
        r.status = s.leftOnHost   ? "LEAKED: never unlinked; left in the host's /dev/shm"
                   : s.leaked     ? "LEAKED: never unlinked; the sandbox removed it at the end"
                   : s.unlinkedBy ? "unlinked by " + r.unlinkedByName
                                  : "linked: still in /dev/shm";
        m.semaphores.push_back(std::move(r));
    }
    return m;
}

pid_t subjectOf(const Event& e) {
    if (auto* f = e.get<ev::Fork>(); f && f->how != ForkKind::Thread) return f->child;
    if (auto* k = e.get<ev::Kill>(); k && k->target > 0) return k->target;
    if (auto* l = e.get<ev::Leak>(); l && l->creator) return l->creator;
    return e.pid;
}

std::string describeEvent(const Trace& trace, const CursorWorld& w, size_t i) {
    if (i >= trace.size()) return {};
    const Event& e = trace[i];
    const std::string actor = who(w, e.pid);
    switch (e.kind) {
    case EventKind::RunStart:
        return "forklab starts " + std::string(trace.str(e.as<ev::RunStart>().command));
    case EventKind::Proc: {
        auto& d = e.as<ev::Proc>();
        return actor + " appears" +
               (d.nspid != e.pid ? " (pid " + std::to_string(d.nspid) + " inside the sandbox)"
                                 : std::string());
    }
    case EventKind::Fork: {
        auto& d = e.as<ev::Fork>();
        if (d.how == ForkKind::Thread) return actor + " started thread " + std::to_string(d.child);
        return actor + (d.how == ForkKind::Vfork ? " vforked (or posix_spawned) " : " forked ") +
               std::to_string(d.child);
    }
    case EventKind::Exec:
        return actor + " exec'd " + std::string(trace.str(e.as<ev::Exec>().path));
    case EventKind::Exit: {
        const ProcessView* p = w.world.find(e.pid);
        if (p && p->role == Role::Sandbox) return "forklab's sandbox launcher ends (teardown)";
        return actor + " " + e.as<ev::Exit>().status.describe();
    }
    case EventKind::ThreadExit:
        return "thread " + std::to_string(e.as<ev::ThreadExit>().tid) + " of " + actor + " exited";
    case EventKind::Snapshot:
        return "snapshot of " + actor + " (" + toString(e.as<ev::Snapshot>().reason) + ")";
    case EventKind::Output: {
        auto& d = e.as<ev::Output>();
        if (d.notKept)
            return actor + " wrote " + std::to_string(d.notKept) + " more bytes to " +
                   (d.fd == 2 ? "stderr" : "stdout") + ", not kept (the run's output cap)";
        return actor + " wrote to " + (d.fd == 2 ? "stderr" : "stdout") + ": \"" +
               printable(trace.str(d.text), 160) + "\"";
    }
    case EventKind::Deadlock: {
        auto& d = e.as<ev::Deadlock>();
        return std::string("DEADLOCK (") +
               (d.rule == uint8_t(DeadlockRule::OrphanedMutex) ? "a" : "b") + ") in " + actor +
               ": thread " + std::to_string(d.tid) + " can never be woken";
    }
    case EventKind::ShmCreate:
        return actor + " created /dev/shm/" + std::string(trace.str(e.as<ev::Shm>().name));
    case EventKind::ShmUnlink:
        return actor + " unlinked /dev/shm/" + std::string(trace.str(e.as<ev::Shm>().name));
    case EventKind::Leak:
        return "LEAK: /dev/shm/" + std::string(trace.str(e.as<ev::Leak>().name)) +
               " was never unlinked";
    case EventKind::Kill: {
        auto& d = e.as<ev::Kill>();
        return actor + " sent " + signalName(d.sig) + " to " +
               (d.group ? "process group " + std::to_string(d.target) : who(w, d.target));
    }
    case EventKind::Marker: {
        auto& d = e.as<ev::Marker>();
        return std::string("step: ") + std::string(trace.str(d.label)) +
               (d.key ? " (the key step)" : "");
    }
    case EventKind::KilledBySandbox:
        return "teardown: the sandbox kills " + actor;
    case EventKind::CloneRefused:
        return actor + " " + refusalText(e.as<ev::CloneRefused>());
    case EventKind::RunEnd: {
        auto& d = e.as<ev::RunEnd>();
        return std::string("run ended (") + toString(d.reason) + "), exit code " +
               std::to_string(d.exitCode);
    }
    case EventKind::Annotation: {
        auto& d = e.as<ev::Annotation>();
        return actor + " names " +
               (d.what == ev::NameOf::Mutex ? "the mutex at " + hex(d.value)
                                            : "fd " + std::to_string(d.value)) +
               " \"" + std::string(trace.str(d.label)) + "\"";
    }
    case EventKind::PipeWrite: {
        auto& d = e.as<ev::PipeWrite>();
        return actor + " writes " + std::to_string(d.length) + " bytes into fd " +
               std::to_string(d.fd) + " (" + std::string(trace.str(d.target)) + ")";
    }
    }
    return kindName(e);
}

std::vector<std::string> splitCommand(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool any = false;
    char quote = 0;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            else if (c == '\\' && quote == '"' && i + 1 < line.size())
                cur += line[++i];
            else
                cur += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            any = true;
        } else if (c == '\\' && i + 1 < line.size()) {
            cur += line[++i];
            any = true;
        } else if (c == ' ' || c == '\t') {
            if (any || !cur.empty()) out.push_back(cur);
            cur.clear();
            any = false;
        } else {
            cur += c;
        }
    }
    if (any || !cur.empty()) out.push_back(cur);
    return out;
}

void ThreadLives::update(const Trace& trace, size_t upto) {
    for (; scanned < upto && scanned < trace.size(); ++scanned) {
        const Event& e = trace[scanned];
        if (auto* f = e.get<ev::Fork>(); f && f->how == ForkKind::Thread) {
            byPid[e.pid].push_back({f->child, e.t, -1});
        } else if (auto* x = e.get<ev::ThreadExit>()) {
            auto it = byPid.find(e.pid);
            if (it == byPid.end()) continue;
            for (auto& l : it->second)
                if (l.tid == x->tid && l.died < 0) l.died = e.t;
        } else if (e.kind == EventKind::Exit) { // the process's end ends its threads
            auto it = byPid.find(e.pid);
            if (it == byPid.end()) continue;
            for (auto& l : it->second)
                if (l.died < 0) l.died = e.t;
        }
    }
}

} // namespace forklab::gui
