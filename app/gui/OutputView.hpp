#pragma once
// What the selected process wrote to stdout/stderr up to the cursor, as the kernel saw the
// write() calls (the recorder traps them; the process cannot fake who wrote what).
#include "app/gui/App.hpp"

namespace forklab::gui {

struct OutputLine {
    size_t event = 0;
    int fd = 1;
    std::string text;
};
// The newest `max` writes of `pid` before the cursor, oldest first.
std::vector<OutputLine> outputOf(Session& s, pid_t pid, size_t max = 200);
void drawOutputView(const App& app, Pane& pane, const CursorWorld& w);

} // namespace forklab::gui
