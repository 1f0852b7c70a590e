#pragma once
// The process tree at the cursor, laid out as a tree (depth to the right, siblings downwards):
// one card per process with its pid, name, how it was started, threads and state; fork arrows
// from parent to child; collapsible subtrees. Clicking a card selects the process.
#include "app/gui/App.hpp"

#include <imgui.h>

namespace forklab::gui {

// Draws into a child region of `size` (0 = the rest of the window). `compact` for compare mode.
// With app.compactTree set it draws the compact view instead (TreeListView.hpp).
void drawTreeView(App& app, Pane& pane, const CursorWorld& w, ImVec2 size, bool compact);
// The colour chips of the start kinds present in the tree, on one line.
// (skipped when it would not fit in `width`)
void drawTreeLegend(const TreeLayout& tree, float width);
// The command line a card shows (what the process exec'd; the lessons program's path left out,
// so its role flag shows), "" if it never exec'd.
std::string cardCommand(const ProcessView& p);

} // namespace forklab::gui
