#pragma once
// The bar at the top: what to run (lesson or program, start method, compare), Run / Pause /
// Restart, stepping (First, Back, Next step, Forward, Last, a slider over the recording), the
// files (Open… Export… PNG: FileMenu.cpp), the presentation settings; and the keyboard: Space
// next, arrows, Home/End, R restart.
#include "app/gui/App.hpp"

namespace forklab::gui {

void drawControls(App& app);
void handleKeys(App& app);
void drawSettingsPopup(App& app);

} // namespace forklab::gui
