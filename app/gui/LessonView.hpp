#pragma once
// The narration of the current step: the lesson's text for the step's marker, the
// predict-then-reveal question before the key step and its answer after it, what to notice
// under this start method, and — for any program — the kernel event the cursor is on.
#include "app/gui/App.hpp"

namespace forklab::gui {

// The text the narration panel shows at the cursor (also what --dump-state reports).
struct NarrationShown {
    std::string title;
    std::string stepLine; // "Step 3 of 7: child locks the mutex"
    std::string text;     // narration for the step (or the intro)
    std::string event;    // the kernel event at the cursor, in words
    std::string question; // shown before the key step
    std::vector<std::string> choices;
    std::string reveal;    // shown once the key step is on screen
    std::string perMethod; // what to notice under this method
    bool beforeKey = false;
};

NarrationShown narrationAt(const App& app, Pane& pane);
// perMethod: also what to notice under this pane's method (compare mode shows it per column).
void drawLessonView(App& app, Pane& pane, bool perMethod = true);

} // namespace forklab::gui
