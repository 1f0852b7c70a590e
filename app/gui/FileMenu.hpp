#pragma once
// Open…, Export… and PNG in the controls bar: the buttons, their popups (a path field each,
// since ImGui has no file dialog), the keys Ctrl+O / Ctrl+E / Ctrl+P, and the line under the bar
// that confirms what was written or read (with Copy path) or says why not.
#include "app/gui/App.hpp"

namespace forklab::gui {

float fileButtonsWidth();       // what drawFileButtons takes on the bar
void drawFileButtons(App& app); // the three buttons and their popups, on the current line
void drawFileNotice(App& app);  // under the bar: the last result, if any
void handleFileKeys(App& app);

} // namespace forklab::gui
