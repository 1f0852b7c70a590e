#pragma once
// The row a step points at (the lesson's "## focus" ROW field: the fd exec closed, the ledger
// row of a semaphore, the verdict, the child's output line), looked up in what the views show
// at the cursor: the fd table, the sync model and the output as the trace recorded them. The
// views highlight it and scroll it into view once per step; the dump-state records it.
#include "app/gui/App.hpp"
#include "app/gui/OutputView.hpp"

#include <imgui.h>
#include <string>
#include <vector>

namespace forklab::gui {

struct RowFocus {
    const FocusRow* row = nullptr; // the current step's row under this pane's method, or none
    pid_t pid = 0;                 // the step's process: the row is in its view
    // It would tell the answer while the question is open (a verdict, hidden output, what exec
    // closed): pointed at only after the reveal.
    bool held = false;
    size_t step = 0; // the marker count of the step (the views scroll to it once per step)
    explicit operator bool() const { return row != nullptr; }
};

// The current step's row for this pane (updateSpoilers and followStepFocus ran this frame).
RowFocus stepRow(const App& app, Pane& pane);

// Whether a row of a view is the step's row (for the process `pid` the view shows).
bool rowIs(const RowFocus& f, pid_t pid, const FdRow& r);
bool rowIs(const RowFocus& f, pid_t pid, const SemRow& r);
bool rowIs(const RowFocus& f, pid_t pid, const DeadlockRow& r);
// The output line that is the step's row: the newest containing the row's text; -1 if none.
int outputRowIndex(const RowFocus& f, pid_t pid, const std::vector<OutputLine>& lines);

// Drawn before the highlighted row, so it is not told by colour alone.
inline constexpr const char* kRowMarker = "\u25B6";

// True once per step and view: the view scrolls the row into view (ImGui::SetScrollHereY).
bool scrollRowNow(const RowFocus& f, const char* view);
// In the first cell of a table row that is the step's row, before its content: the fill behind
// the row, a bar at its left edge and the marker; scrolls it into view once per step.
void markTableRow(const RowFocus& f, const char* view);
// The height of a view (a table, a child window) about to be drawn at the cursor: `otherwise`
// (0 for a child window: the rest of the panel), but at least three lines when it holds the
// step's row and fewer than kRowViewLines are left.
float viewHeight(bool pointed, float otherwise);
// The lines a view holding the step's row is given when it can (App.cpp keeps them on a
// projector).
inline constexpr float kRowViewLines = 6.0f;
// Around a block that is the step's row (a verdict box): a thick outline; `start` and `end` are
// its corners in screen pixels.
void outlineBlock(ImVec2 start, ImVec2 end);

} // namespace forklab::gui
