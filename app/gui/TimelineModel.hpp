#pragma once
// What the timeline decides without drawing (TimelineView.cpp draws it): which step flags get a
// label, and the lanes a process's threads take under its bar.
#include "app/gui/Model.hpp"

#include <vector>

namespace forklab::gui {

// A step flag's label on the ruler, in pixels.
struct FlagSpot {
    float x = 0, w = 0;
};
// Which flags (left to right) get their label: `current` (an index, -1 for none on screen)
// always; each other one only where its label, `gap` included, covers neither the current one
// nor the label before it. A flag left without one keeps its line (hover names it, Z zooms in).
std::vector<bool> labelFlags(const std::vector<FlagSpot>& flags, int current, float gap);

// Lanes for a process's threads under its bar: a lane is reused once its thread has exited;
// past kThreadLanes the last lane is shared. Threads born after `until` get -1 (not drawn: a
// question is pending); a thread still alive ends at `end`. Returns the number of lanes.
constexpr int kThreadLanes = 4;
int threadLanes(const std::vector<ThreadLife>& lives, double until, double end,
                std::vector<int>* laneOf);

} // namespace forklab::gui
