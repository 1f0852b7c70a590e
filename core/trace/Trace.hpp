#pragma once
// The single source of truth of a run: an append-only list of events with pools for the strings
// and snapshots they name. The recorder appends from its thread; views, the stepper, exporters
// and tests read from any thread at any time and see a consistent prefix.
#include "AppendOnly.hpp"
#include "Event.hpp"
#include "TablePool.hpp"
#include "core/probe/Snapshot.hpp"

#include <string>
#include <string_view>
#include <unordered_map>

namespace forklab {

class Trace {
  public:
    Trace();

    // --- writer (one thread) ---
    size_t append(Event e);
    StrId intern(std::string_view s);      // equal strings share one id
    SnapId addSnapshot(ProcessSnapshot s); // its tables are shared with equal ones already in
    // addSnapshot for a snapshot whose tables all came from shareTable (not shared again).
    SnapId addPooledSnapshot(ProcessSnapshot s);
    // The trace's copy of a table equal to `v`: lets a reader build a snapshot without allocating
    // tables the trace already has.
    template <class T>
    CowVector<T> shareTable(const std::vector<T>& v) {
        return tables_.share(v);
    }

    // --- readers (any thread) ---
    size_t size() const { return events_.size(); }
    const Event& operator[](size_t i) const { return events_[i]; }
    std::string_view str(StrId id) const { return strings_[id]; }
    const ProcessSnapshot& snapshot(SnapId id) const { return snapshots_[id]; }
    size_t snapshotCount() const { return snapshots_.size(); }
    // True once the RunEnd event is in (nothing more will be appended).
    bool finished() const;
    // The run_start event, which every trace has first; null while there is none yet.
    const ev::RunStart* runStart() const;

  private:
    AppendOnly<Event> events_;
    AppendOnly<std::string> strings_;
    AppendOnly<ProcessSnapshot, 10> snapshots_;
    // Writer-side only. The keys view the pool's own strings (which never move), so each string
    // is kept once.
    std::unordered_map<std::string_view, StrId> interned_;
    TablePool tables_;
};

} // namespace forklab
