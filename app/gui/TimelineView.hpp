#pragma once
// The whole recording on a time axis: one track per process (in tree order) with its lifetime,
// fork arrows, exec/exit/verdict/output marks, the lesson's steps as vertical lines and the
// cursor. Wheel zooms around the mouse, dragging pans, double-click fits; clicking a mark moves
// the cursor there. Only what is visible is looked at (binary search per track).
#include "app/gui/App.hpp"

#include <imgui.h>

namespace forklab::gui {

// hideFuture: draw nothing after the cursor (a question is pending: the timeline of a recorded
// lesson must not give its answer away).
void drawTimelineView(const App& app, Pane& pane, const TreeLayout& tracks, ImVec2 size,
                      bool hideFuture = false);

} // namespace forklab::gui
