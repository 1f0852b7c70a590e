#pragma once
// An index of a Trace that grows with it, so a reader (the GUI, once per frame) never scans the
// whole trace: the step list of StepIndex, one list of events per process (its timeline track),
// and time -> event lookups. update() looks only at the events appended since the last call.
#include "Steps.hpp"
#include "Trace.hpp"

#include <optional>
#include <unordered_map>
#include <vector>

namespace forklab {

class TraceIndex {
  public:
    // Indexes up to `budget` of the events appended since the last call; true if any were new.
    bool update(const Trace& trace, size_t budget = SIZE_MAX);
    size_t indexed() const { return indexed_; }

    // The same lists as StepIndex::build over the indexed prefix.
    const std::vector<size_t>& steps() const { return steps_; }
    const std::vector<size_t>& markers() const { return markers_; }
    std::optional<size_t> key() const { return key_; }
    const std::vector<size_t>& gotoSteps() const { return markers_.empty() ? steps_ : markers_; }
    StepIndex stepIndex() const { return StepIndex{steps_, markers_, key_}; }

    // Event indices shown on a process's timeline track (every step event naming it, including
    // the fork that created it, and its output), in order.
    const std::vector<size_t>& track(pid_t pid) const;
    // Names the program gave its objects (mutex addresses, fds), in order.
    const std::vector<size_t>& annotations() const { return annotations_; }
    // The pipe_write events (what the recorder caught in watched pipes), in order.
    const std::vector<size_t>& pipeWrites() const { return pipeWrites_; }

    // Number of steps at or before event `upto - 1` (the step the cursor `upto` shows, 1-based;
    // 0 before the first step).
    size_t stepsBefore(size_t upto) const;
    size_t markersBefore(size_t upto) const;
    // First event whose time is >= t (events are appended in time order).
    size_t firstAtOrAfter(const Trace& trace, int64_t t) const;
    int64_t endTime() const { return endTime_; }

  private:
    size_t indexed_ = 0;
    std::vector<size_t> steps_, markers_, annotations_, pipeWrites_;
    std::optional<size_t> key_;
    std::unordered_map<pid_t, std::vector<size_t>> tracks_;
    int64_t endTime_ = 0;
};

} // namespace forklab
