#pragma once
// World::at(trace, n) for a cursor that moves every frame, without rescanning from event 0.
// The cache follows the growing trace with a head World, keeps a copy every `checkpointEvery`
// events, and answers at(n) by walking forward from the cached world or the nearest checkpoint:
// a frame at a fixed cursor costs nothing, a jump costs at most checkpointEvery events.
//
// It also keeps, per process, what the views need and World does not hold: the snapshot
// taken at its fork stop (what it inherited), its newest full snapshot (thread states, maps) and
// its newest exec.
#include "World.hpp"

#include <unordered_map>
#include <vector>

namespace forklab {

struct ProcessHistory {
    static constexpr size_t kNone = SIZE_MAX;
    SnapId firstSnap = kNoSnap;   // its first snapshot: the table it inherited at fork
    SnapId lastFull = kNoSnap;    // newest full snapshot (thread states, wchan, /dev/shm maps)
    size_t lastFullEvent = kNone; // the snapshot event of lastFull
    size_t lastSnapEvent = kNone; // the snapshot event of ProcessView::snap (its reason)
    size_t forkEvent = kNone;     // the parent's fork event that created it
    size_t firstExec = kNone;     // its first exec event
    size_t lastExec = kNone;      // its newest exec event
    size_t lastEvent = kNone;     // its newest event of any kind
    // Its newest event that shows it ran (fork, exec, exit, output, a trapped syscall, a step):
    // a full snapshot taken after it still tells what the process is doing.
    size_t lastActivity = kNone;
};

struct CursorWorld {
    World world;
    std::unordered_map<pid_t, ProcessHistory> history;
    // Changes whenever the world does, also when a copy replaces it (a jump back): a view keeps
    // what it derived from the world (pointers into it) while the address and stamp stay.
    uint64_t stamp = 0;

    const ProcessHistory& of(pid_t pid) const;
    // Applies event i (which must be event world.upto) the way World::at does, plus history.
    void apply(const Trace& trace, size_t i);
};

class WorldCache {
  public:
    explicit WorldCache(size_t checkpointEvery = 16384)
        : every_(checkpointEvery ? checkpointEvery : 1) {}

    // Moves the head forward to min(upto, trace.size()) events.
    void extend(const Trace& trace, size_t upto);
    // The world after the first min(upto, head().world.upto) events. The reference stays valid
    // until the next call of at() or extend().
    const CursorWorld& at(const Trace& trace, size_t upto);
    const CursorWorld& head() const { return head_; }
    size_t checkpoints() const { return checkpoints_.size(); }

  private:
    size_t every_;
    CursorWorld head_, cur_;
    std::vector<CursorWorld> checkpoints_; // checkpoints_[k].world.upto == k * every_
};

} // namespace forklab
