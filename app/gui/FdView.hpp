#pragma once
// The file descriptor table of the selected process at the cursor: inherited at fork or opened
// here, close-on-exec, who else holds each pipe or socket, and — struck out — what exec closed.
#include "app/gui/App.hpp"

namespace forklab::gui {

void drawFdView(const App& app, Pane& pane, const CursorWorld& w);

} // namespace forklab::gui
