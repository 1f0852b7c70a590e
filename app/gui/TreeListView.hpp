#pragma once
// The compact view of the process tree (one row per process, as htop shows it: pid, how it
// started, state, threads, then the name indented by depth and its command line), and what it
// shares with the box view: group rows of identical siblings, the switch between the two views,
// and opening the group of a process the user looks for.
#include "app/gui/App.hpp"

#include <imgui.h>
#include <optional>

namespace forklab::gui {

// Draws the compact view into a child region of `size` (0 = the rest of the window).
void drawTreeList(App& app, Pane& pane, const CursorWorld& w, ImVec2 size);
// The "List" / "Boxes" switch (C does the same): where the cursor is, or with its top right
// corner at `topRight`.
void drawTreeStyleToggle(App& app, std::optional<ImVec2> topRight = std::nullopt);
// A process the user asked for (search, a click in the timeline) that sits in a folded group
// opens the group; true when it did (the layout shows it from the next frame on).
bool openFocusGroup(Pane& pane, pid_t focus);
void groupTooltip(const TreeNode& group);
// One card standing for a group: a stack of cards with "2,000 × /bin/true, exit 0"; a click
// opens it.
void drawGroupCard(Pane& pane, const CursorWorld& w, const TreeNode& group, ImVec2 pos, ImVec2 size,
                   bool selected, float line);
// On the first card of an opened group: a button that folds the group again.
void drawGroupFoldButton(Pane& pane, const TreeNode& first, ImVec2 centre, float radius,
                         float line);
// The state in a few words ("killed by SIGKILL", "?" while a lesson hides it): compact for a
// list row or a group ("exit 3"), else as a card says it ("exited, code 3").
std::string stateWords(const TreeNode& n, bool compact = true);

} // namespace forklab::gui
