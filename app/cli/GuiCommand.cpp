// `forklab gui` and the bare `forklab`.
#include "Commands.hpp"

#include "StoryPrinter.hpp"
#include "core/lessons/Python.hpp"

#include "core/lessons/Catalogue.hpp"

#ifdef FORKLAB_HAVE_GUI
#include "app/gui/Gui.hpp"
#endif

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace forklab::cli {

Run addGui(CLI::App& app) {
    struct Args {
        int frames = 0;
        std::string screenshot;
        float scale = 0.0f;
        bool hidden = false;
        std::string scenario, method, variant, gotoStep, dumpState, tab, theme, palette;
        std::vector<std::string> command;
        bool compare = false;
        bool compareVersions = false;
        bool live = false, hold = false;
        std::string size, actions, trace;
        std::string python;
        bool hideExited = false;
        bool present = false;
        std::string openFile, png, fileMenu;
        std::vector<std::string> exports; // FORMAT PATH pairs
        int select = 0;
        bool benchFrame = false;
        int benchProcesses = 1000;
        size_t benchEvents = 1000000;
        int benchFrames = 300;
        std::string benchJson;
        bool benchNoGl = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* sub = app.add_subcommand("gui", "Open the classroom window.");
    sub->footer(
        "Examples:\n"
        "  forklab gui --scenario mutex-after-fork --method fork\n"
        "  forklab gui -- python3 my_script.py          (any program, watched from outside)\n"
        "Test mode (under xvfb-run -a): --frames N runs the lesson or program to completion "
        "first, puts the cursor on --goto-step, renders N frames, then writes --screenshot and "
        "--dump-state.\nKeys: Space next step, \u2190/\u2192 back/forward, Home/End first/last, "
        "R restart, C tree as list/boxes, Z timeline zoom to the step, Ctrl+O open a trace, "
        "Ctrl+E export, Ctrl+P save a PNG.");
    sub->add_option("--scenario", args->scenario, "Lesson to show (see `forklab list`)");
    sub->add_option("--method", args->method, "Start method: fork, spawn or forkserver")
        ->check(CLI::IsMember({"fork", "spawn", "forkserver"}));
    sub->add_option("--variant", args->variant, "Lesson variant, e.g. tracker-killed");
    sub->add_flag("--compare", args->compare, "The lesson under all three methods side by side");
    sub->add_flag("--compare-versions", args->compareVersions,
                  "A python-* lesson under --method with every CPython found (see `list "
                  "--pythons`), one column each");
    sub->add_option("--frames", args->frames, "Render N frames, then exit (test mode)")
        ->check(CLI::NonNegativeNumber);
    sub->add_option(
        "--goto-step", args->gotoStep,
        "Test mode: put the cursor on step N (markers if any), 'key', 'first' or 'last'");
    sub->add_option("--screenshot", args->screenshot, "Write a PNG of the last frame");
    sub->add_option(
        "--dump-state", args->dumpState,
        "Write what the views show as JSON (tree, fds, deadlocks, semaphores, narration)");
    sub->add_option("--select", args->select, "Select this pid (else the step's process)");
    sub->add_flag("--live", args->live,
                  "Test mode: render while the run records (closing ends it) instead of waiting");
    sub->add_option("--tab", args->tab, "Detail tab shown: fds, sync or output")
        ->check(CLI::IsMember({"fds", "sync", "output"}));
    sub->add_option("--scale", args->scale, "Display scale, 1 to 3 (default: as last time)")
        ->check(CLI::Range(1.0, 3.0));
    sub->add_option("--theme", args->theme, "dark, light or high-contrast")
        ->check(CLI::IsMember({"dark", "light", "high-contrast"}));
    sub->add_option("--palette", args->palette, "okabe-ito (colour-blind safe) or classic")
        ->check(CLI::IsMember({"okabe-ito", "classic"}));
    sub->add_flag("--hidden", args->hidden, "Do not show the window (render off-screen)");
    sub->add_option("--size", args->size, "Window size WIDTHxHEIGHT (default 1600x900)");
    sub->add_option("--trace", args->trace, "Replay a recorded FILE.forklab.jsonl");
    sub->add_flag("--hold", args->hold, "Test mode with --live: hold at each lesson step");
    sub->add_option("--open-from-gui", args->openFile,
                    "Test mode: what Open… does with FILE, before frame 2 (an unreadable file "
                    "shows the importer's error in the window)");
    sub->add_option("--export-from-gui", args->exports,
                    "Test mode: what Export… does: FORMAT (chrome, jsonl, dot: the tree at the "
                    "cursor) and PATH, before the last frame; may be repeated")
        ->expected(2)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_option("--png-from-gui", args->png,
                    "Test mode: what the PNG button does: the last frame as FILE.png");
    sub->add_option("--file-menu", args->fileMenu,
                    "Test mode: show the Open… or Export… popup from frame 2 on")
        ->check(CLI::IsMember({"open", "export"}));
    sub->add_option("--actions", args->actions,
                    "Test mode: FRAME:ACTION,... (run next back forward first last pause; await: "
                    "until a live run is held at a step; dump=FILE: the state dump of that "
                    "frame)");
    sub->add_flag(
        "--bench-frame", args->benchFrame,
        "Measure the frame time over a synthetic trace (what `forklab bench frame` runs)");
    sub->add_option("--bench-processes", args->benchProcesses, "bench: processes")
        ->check(CLI::Range(1, 1000000));
    sub->add_option("--bench-events", args->benchEvents, "bench: events");
    sub->add_option("--bench-frames", args->benchFrames, "bench: measured frames per row")
        ->check(CLI::Range(1, 100000));
    sub->add_option("--bench-json", args->benchJson, "bench: also write the numbers as JSON");
    sub->add_flag("--bench-no-gl", args->benchNoGl, "bench: CPU side only, no window");
    sub->add_flag("--present", args->present,
                  "Presentation mode: the controls fold into one thin bar (P toggles it)");
    sub->add_flag("--hide-exited", args->hideExited,
                  "Leave processes that have exited out of the tree (a shim's helpers)");
    sub->add_option("--python", args->python,
                    "CPython for the python-* lessons (a path or a name on PATH; default python3)");
    sub->add_option("command", args->command, "A program to run and watch (after --)");
    return [args]() -> int {
        choosePython(args->python);
#ifdef FORKLAB_HAVE_GUI
        if (args->benchFrame) {
            FrameBenchOptions b;
            b.processes = args->benchProcesses;
            b.events = args->benchEvents;
            b.frames = args->benchFrames;
            b.json = args->benchJson;
            b.shots = args->screenshot; // a prefix: one PNG per row
            b.gl = !args->benchNoGl;
            b.scale = args->scale > 0 ? args->scale : 1.0f;
            return benchFrame(b);
        }
        if (!args->command.empty() && !args->scenario.empty()) {
            std::cerr << "forklab gui: give either --scenario or a command, not both\n";
            return kExitUsage;
        }
        GuiOptions o;
        o.frames = args->frames;
        o.screenshot = args->screenshot;
        o.scale = args->scale;
        o.hidden = args->hidden;
        o.scenario = args->scenario;
        o.method = args->method;
        o.variant = args->variant;
        o.command = args->command;
        o.compare = args->compare;
        o.compareVersions = args->compareVersions;
        o.gotoStep = args->gotoStep;
        o.dumpState = args->dumpState;
        o.select = args->select;
        o.live = args->live;
        o.hold = args->hold;
        o.actions = args->actions;
        o.trace = args->trace;
        o.openFile = args->openFile;
        o.png = args->png;
        o.fileMenu = args->fileMenu;
        if (args->exports.size() % 2) {
            std::cerr << "forklab gui: --export-from-gui takes FORMAT PATH\n";
            return kExitUsage;
        }
        for (size_t i = 0; i + 1 < args->exports.size(); i += 2) {
            const std::string& format = args->exports[i];
            if (format != "jsonl" && format != "chrome" && format != "dot") {
                std::cerr << "forklab gui: --export-from-gui: the format is jsonl, chrome or dot, "
                             "not '"
                          << format << "'\n";
                return kExitUsage;
            }
            o.exports.emplace_back(format, args->exports[i + 1]);
        }
        if (!o.trace.empty() && (!o.command.empty() || !o.scenario.empty())) {
            std::cerr << "forklab gui: --trace replays a file; give no --scenario or command\n";
            return kExitUsage;
        }
        if (!args->size.empty() &&
            std::sscanf(args->size.c_str(), "%dx%d", &o.width, &o.height) != 2) {
            std::cerr << "forklab gui: --size takes WIDTHxHEIGHT, e.g. 1920x1080\n";
            return kExitUsage;
        }
        o.width = std::clamp(o.width, 640, 7680);
        o.height = std::clamp(o.height, 400, 4320);
        o.tab = args->tab;
        o.theme = args->theme;
        if (!args->palette.empty()) o.colourBlindSafe = args->palette == "okabe-ito" ? 1 : 0;
        o.hideExited = args->hideExited;
        o.present = args->present;
        return runGui(o);
#else
        std::cerr << "forklab: this build has no GUI (configured with -DFORKLAB_GUI=OFF)\n";
        return kExitNoDisplay;
#endif
    };
}

int runDefault() {
    const char* display = getenv("DISPLAY");
#ifdef FORKLAB_HAVE_GUI
    if (display && *display) {
        int code = runGui(GuiOptions{});
        if (code != kExitNoDisplay) return code;
    }
#endif
    std::cout << "forklab: no display here (DISPLAY is "
              << (display && *display ? display : "unset")
              << "), so here is the default lesson, told in the terminal.\n"
              << "  (The window: `xvfb-run -a forklab gui`; all lessons: `forklab list`; your own "
                 "program: `forklab trace -- CMD`.)\n\n";
    return runLesson(defaultLessonId(), "fork", "", false, false, "");
}

} // namespace forklab::cli
