#include "WorldCache.hpp"

#include <algorithm>
#include <atomic>

namespace forklab {

namespace {
uint64_t nextStamp() {
    static std::atomic<uint64_t> last{0};
    return ++last;
}
} // namespace
const ProcessHistory& CursorWorld::of(pid_t pid) const {
    static const ProcessHistory kEmpty;
    auto it = history.find(pid);
    return it == history.end() ? kEmpty : it->second;
}

// The world itself is World::apply's; what is added here is each process's history.
void CursorWorld::apply(const Trace& trace, size_t i) {
    stamp = nextStamp();
    const Event& e = trace[i];
    // A new process with an old pid (pids wrap): the old life and its history move to a key of
    // their own before the new life's history starts (at its fork, or at Proc without one).
    pid_t born = e.kind == EventKind::Proc ? e.pid : 0;
    if (e.kind == EventKind::Fork && e.as<ev::Fork>().how != ForkKind::Thread) {
        const ProcessView* was = world.find(e.as<ev::Fork>().child);
        if (was && !was->alive) born = was->pid; // a live one is this child, if Proc came first
    }
    if (pid_t key = born ? world.retire(born) : 0) {
        if (auto h = history.extract(born)) {
            h.key() = key;
            history.insert(std::move(h));
        }
    }
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
    case EventKind::Fork:
        if (e.as<ev::Fork>().how != ForkKind::Thread) history[e.as<ev::Fork>().child].forkEvent = i;
        break;
    case EventKind::Exec:
        if (world.find(e.pid)) {
            ProcessHistory& h = history[e.pid];
            if (h.firstExec == ProcessHistory::kNone) h.firstExec = i;
            h.lastExec = i;
        }
        break;
    case EventKind::Snapshot: {
        if (!world.find(e.pid)) break;
        SnapId snap = e.as<ev::Snapshot>().snap;
        const ProcessSnapshot& s = trace.snapshot(snap);
        ProcessHistory& h = history[e.pid];
        if (h.firstSnap == kNoSnap) h.firstSnap = snap;
        h.lastSnapEvent = i;
        if (s.full && !s.partial) {
            h.lastFull = snap;
            h.lastFullEvent = i;
        }
        break;
    }
    default:
        break;
    }
    world.apply(trace, i);
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
    if (cur_.world.upto > upto || cur_.world.upto < base) {
        cur_ = checkpoints_[k];
        cur_.stamp = nextStamp(); // the same world, but a new copy
    }
    for (size_t i = cur_.world.upto; i < upto; ++i) cur_.apply(trace, i);
    return cur_;
}

} // namespace forklab
