#pragma once
// The Dear ImGui + GLFW front end of forklab. The CLI's `forklab gui` fills GuiOptions and calls
// runGui(); nothing else of ImGui, GLFW or OpenGL leaks out of app/gui.
#include <string>
#include <utility>
#include <vector>

namespace forklab {

struct GuiOptions {
    int frames = 0;         // 0 = interactive until the window is closed; N > 0 = exactly N frames
    std::string screenshot; // PNG written from the back buffer after the last frame ("" = none)
    float scale = 0.0f;     // display scale 1..3 (0 = the remembered setting, else 1)
    bool hidden = false;    // create the window invisible (still renders and reads back)

    // What to show. A lesson (scenario + method), or a program's argv.
    std::string scenario;
    std::string method; // fork | spawn | forkserver
    std::string variant;
    std::vector<std::string> command;
    bool compare = false;         // the lesson under all three methods side by side
    bool compareVersions = false; // a python-* lesson under every CPython found, one method

    // Test mode (frames > 0): run to completion, put the cursor on a step, report what is shown.
    std::string gotoStep;  // N | key | last | first (StepIndex::resolve)
    std::string dumpState; // JSON of what the views show
    int select = 0;        // pid to select (else the views follow the step's process)
    bool live = false;     // test mode: render while the run is recording (do not wait for it)
    bool hold = false;     // test mode, live: hold at each lesson step as a teacher's run does
    // test mode: "FRAME:ACTION,..." with ACTION one of run next back forward first last pause
    // scale=X theme=T, done before that frame is drawn (the keys, buttons and the Display…
    // popup do the same), or await: wait until a live run is held at a step (or has ended)
    std::string actions;
    std::string trace; // replay a recorded .forklab.jsonl instead of running anything
    // Test mode: what Open…, Export… and PNG do, through the same functions as the buttons.
    std::string openFile; // Open… this file before frame 2 (an unreadable one: the error shows)
    std::vector<std::pair<std::string, std::string>> exports; // FORMAT, PATH: before the last frame
    std::string png;          // the PNG button's file, written from the last frame
    std::string fileMenu;     // open | export: that popup is open from frame 2 on
    std::string tab;          // fds | sync | output
    std::string theme;        // dark | light | high-contrast
    int colourBlindSafe = -1; // -1 = setting, 0 = classic palette, 1 = Okabe-Ito
    bool present = false;     // presentation mode: one thin bar of controls
    bool hideExited = false;  // leave exited subtrees out of the tree (else: the setting)
    int width = 1600, height = 900;
};

// Exit codes of runGui().
inline constexpr int kGuiOk = 0;
inline constexpr int kGuiScreenshotFailed = 1; // the frames ran but the PNG could not be written
inline constexpr int kGuiUsage = 2;            // a bad --scenario / --method / --goto-step
inline constexpr int kGuiNoDisplay = 3;        // no window could be opened (no DISPLAY, no GL 3.3)

// Opens the window, runs the frame loop and shuts everything down again (every run it started
// is torn down: no process survives the window). Returns one of the kGui* codes.
int runGui(const GuiOptions& options);

// `forklab bench frame`: frame build time over a synthetic trace (see FrameBench.cpp).
struct FrameBenchOptions {
    int processes = 1000;
    size_t events = 1000000;
    int frames = 300;  // measured frames per configuration
    bool gl = true;    // also whole frames under the real renderer (needs a display)
    std::string json;  // also write the numbers here
    std::string shots; // also a PNG of each row's last frame: SHOTS-<cursor>-<zoom>.png
    float scale = 1.0f;
};
int benchFrame(const FrameBenchOptions& options);

} // namespace forklab
