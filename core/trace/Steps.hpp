#pragma once
// The step index of a trace (DESIGN §6): every marker and every kernel event worth showing
// (fork, exec, exit, verdict, shm create/unlink, kill, leak, teardown kill). Steps are counted
// over markers when the trace has any, otherwise over those kernel events.
#include "Trace.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace forklab {

bool isStepEvent(const Event& e);

struct StepIndex {
    std::vector<size_t> steps;   // event indices of every step event, in order
    std::vector<size_t> markers; // event indices of markers, in order
    std::optional<size_t> key;   // event index of the marker flagged as the key step

    static StepIndex build(const Trace& trace);
    // What `--goto-step` counts: markers when there are any, else all steps.
    const std::vector<size_t>& gotoSteps() const { return markers.empty() ? steps : markers; }
    // "N" (1-based; past the end means the last), "key", "last", "first". Returns the event
    // index to show the world *after* (World::at(trace, index + 1)), or nullopt with *error set.
    std::optional<size_t> resolve(const std::string& spec, std::string* error) const;
};

// The end of a step: one past its event and what the recorder attached right after it (a
// marker stops the whole sandbox and snapshots every process; a fork brings the child's record
// and inherited table). World::at(trace, settle(...)) is what the step shows. `end` bounds the
// look-ahead (the part of a live trace indexed so far).
size_t settle(const Trace& trace, size_t stepEvent, size_t end = SIZE_MAX);

} // namespace forklab
