#include "WorldCache.hpp"

#include <algorithm>

namespace forklab {
namespace {

std::string basename(std::string_view p) {
    auto slash = p.rfind('/');
    return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

} // namespace

const ProcessHistory& CursorWorld::of(pid_t pid) const {
    static const ProcessHistory kEmpty;
    auto it = history.find(pid);
    return it == history.end() ? kEmpty : it->second;
}

// Mirrors the loop body of World::at (World.cpp) event for event; WorldCache's test compares
// the two on recorded traces so they cannot drift apart unnoticed.
void CursorWorld::apply(const Trace& trace, size_t i) {
    World& w = world;
    const Event& e = trace[i];
    w.upto = i + 1;
    if (e.pid && e.kind != EventKind::RunStart) {
        ProcessHistory& h = history[e.pid];
        h.lastEvent = i;
        switch (e.kind) {
        case EventKind::Snapshot:
        case EventKind::Deadlock:
        case EventKind::KilledBySandbox:
        case EventKind::Leak:
        case EventKind::Proc:
            break; // observations by the recorder, not something the process did
        default:
            h.lastActivity = i;
        }
    }
    switch (e.kind) {
    case EventKind::Proc: {
        auto& d = e.as<ev::Proc>();
        ProcessView& p = w.procs[e.pid];
        p.pid = e.pid;
        p.nspid = d.nspid;
        p.parent = d.parent;
        p.role = d.role;
        p.how = d.how;
        p.name = std::string(trace.str(d.name));
        p.born = e.t;
        p.threads = {e.pid};
        if (auto* pp = d.parent ? &w.procs[d.parent] : nullptr)
            pp->children.push_back(e.pid);
        else
            w.roots.push_back(e.pid);
        break;
    }
    case EventKind::Fork: {
        auto& d = e.as<ev::Fork>();
        if (d.how == ForkKind::Thread) {
            auto it = w.procs.find(e.pid);
            if (it != w.procs.end()) it->second.threads.push_back(d.child);
        } else {
            history[d.child].forkEvent = i;
        }
        break;
    }
    case EventKind::ThreadExit: {
        auto it = w.procs.find(e.pid);
        if (it != w.procs.end()) std::erase(it->second.threads, e.as<ev::ThreadExit>().tid);
        break;
    }
    case EventKind::Exec: {
        auto it = w.procs.find(e.pid);
        if (it == w.procs.end()) break;
        auto& d = e.as<ev::Exec>();
        it->second.exe = std::string(trace.str(d.exe));
        it->second.argv = splitArgv(trace.str(d.argv));
        it->second.name = basename(it->second.exe);
        it->second.execs++;
        it->second.role = d.role;
        it->second.threads = {e.pid};
        history[e.pid].lastExec = i;
        break;
    }
    case EventKind::Exit: {
        auto it = w.procs.find(e.pid);
        if (it == w.procs.end()) break;
        it->second.alive = false;
        it->second.status = e.as<ev::Exit>().status;
        it->second.died = e.t;
        it->second.threads.clear();
        break;
    }
    case EventKind::Snapshot: {
        auto it = w.procs.find(e.pid);
        if (it == w.procs.end()) break;
        auto& d = e.as<ev::Snapshot>();
        it->second.snap = d.snap;
        const ProcessSnapshot& s = trace.snapshot(d.snap);
        if (!s.partial && !s.threads.empty()) {
            it->second.threads.clear();
            for (auto& t : s.threads) it->second.threads.push_back(t.tid);
        }
        ProcessHistory& h = history[e.pid];
        if (h.firstSnap == kNoSnap) h.firstSnap = d.snap;
        h.lastSnapEvent = i;
        if (s.full && !s.partial) {
            h.lastFull = d.snap;
            h.lastFullEvent = i;
        }
        break;
    }
    case EventKind::Deadlock: {
        auto it = w.procs.find(e.pid);
        if (it != w.procs.end()) it->second.deadlocks.push_back(i);
        break;
    }
    case EventKind::KilledBySandbox: {
        auto it = w.procs.find(e.pid);
        if (it != w.procs.end()) it->second.killedBySandbox = true;
        break;
    }
    case EventKind::ShmCreate: {
        auto& d = e.as<ev::Shm>();
        w.shm.push_back(ShmView{std::string(trace.str(d.name)), e.pid, d.inode, e.t, 0, false});
        break;
    }
    case EventKind::ShmUnlink: {
        auto& d = e.as<ev::Shm>();
        std::string_view name = trace.str(d.name);
        for (auto it = w.shm.rbegin(); it != w.shm.rend(); ++it) {
            if (it->name == name && !it->unlinkedBy) {
                it->unlinkedBy = e.pid;
                break;
            }
        }
        break;
    }
    case EventKind::Leak: {
        auto& d = e.as<ev::Leak>();
        std::string_view name = trace.str(d.name);
        bool found = false;
        for (auto it = w.shm.rbegin(); it != w.shm.rend(); ++it) {
            if (it->name == name && !it->unlinkedBy) {
                it->leaked = found = true;
                break;
            }
        }
        if (!found) w.shm.push_back(ShmView{std::string(name), d.creator, 0, e.t, 0, true});
        break;
    }
    default:
        break;
    }
}

void WorldCache::extend(const Trace& trace, size_t upto) {
    upto = std::min(upto, trace.size());
    for (size_t i = head_.world.upto; i < upto; ++i) {
        if (i % every_ == 0 && i / every_ == checkpoints_.size()) checkpoints_.push_back(head_);
        head_.apply(trace, i);
    }
}

const CursorWorld& WorldCache::at(const Trace& trace, size_t upto) {
    upto = std::min(upto, head_.world.upto);
    if (upto == head_.world.upto) return head_;
    if (cur_.world.upto == upto) return cur_;
    // Checkpoint k was taken before event k*every_ was applied, and the head is past upto.
    const size_t k = std::min(upto / every_, checkpoints_.size() - 1);
    const size_t base = checkpoints_[k].world.upto;
    if (cur_.world.upto > upto || cur_.world.upto < base) cur_ = checkpoints_[k];
    for (size_t i = cur_.world.upto; i < upto; ++i) cur_.apply(trace, i);
    return cur_;
}

} // namespace forklab
