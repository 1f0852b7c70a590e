#pragma once
// The Dear ImGui + GLFW front end of forklab. The CLI's `forklab gui` fills GuiOptions and calls
// runGui(); nothing else of ImGui, GLFW or OpenGL leaks out of app/gui.
#include <string>

namespace forklab {

struct GuiOptions {
    int frames = 0;         // 0 = interactive until the window is closed; N > 0 = exactly N frames
    std::string screenshot; // PNG written from the back buffer after the last frame ("" = none)
    float scale = 1.0f;     // display scale: font size and all style sizes (presentation mode)
    bool hidden = false;    // create the window invisible (still renders and reads back)
};

// Exit codes of runGui().
inline constexpr int kGuiOk = 0;
inline constexpr int kGuiScreenshotFailed = 1; // the frames ran but the PNG could not be written
inline constexpr int kGuiNoDisplay = 3;        // no window could be opened (no DISPLAY, no GL 3.3)

// Opens the 1280x800 window, runs the frame loop and shuts everything down again.
// Returns one of the kGui* codes; messages go to stderr.
int runGui(const GuiOptions& options);

} // namespace forklab
