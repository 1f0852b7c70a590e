#pragma once
// The bar at the top: what to run (lesson or program, start method, compare), Run / Pause /
// Restart, stepping (First, Back, Next step, Forward, Last, a slider over the recording), the
// files (Open… Export… PNG: FileMenu.cpp), the presentation settings; and the keyboard: Space
// next, arrows, Home/End, R restart.
#include "app/gui/App.hpp"

namespace forklab::gui {

void drawControls(App& app);
// Every key press, queued as it arrives (Window.cpp's GLFW callback): a tap shorter than a
// frame — a presenter clicker's, or xdotool's — is one press, never lost between two frames.
void queueKeyPress(int glfwKey, int mods);
void handleKeys(App& app);
void drawSettingsPopup(App& app);

} // namespace forklab::gui
