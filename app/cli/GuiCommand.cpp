// `forklab gui` and the bare `forklab`.
#include "Commands.hpp"
#include "StoryPrinter.hpp"

#ifdef FORKLAB_HAVE_GUI
#include "app/gui/Gui.hpp"
#endif

#include <cstdlib>
#include <iostream>
#include <memory>

namespace forklab::cli {

Run addGui(CLI::App& app) {
    struct Args {
        int frames = 0;
        std::string screenshot;
        float scale = 1.0f;
        bool hidden = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* sub = app.add_subcommand("gui", "Open the classroom window.");
    sub->add_option("--frames", args->frames, "Render N frames, then exit (for tests)")
        ->check(CLI::NonNegativeNumber);
    sub->add_option("--screenshot", args->screenshot, "Write a PNG of the last frame");
    sub->add_option("--scale", args->scale, "Display scale, 1 to 3")->check(CLI::Range(0.5, 4.0));
    sub->add_flag("--hidden", args->hidden, "Do not show the window (render off-screen)");
    return [args]() -> int {
#ifdef FORKLAB_HAVE_GUI
        GuiOptions o;
        o.frames = args->frames;
        o.screenshot = args->screenshot;
        o.scale = args->scale;
        o.hidden = args->hidden;
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
              << "), so here is a run told in the terminal instead.\n"
              << "  (The window: `xvfb-run -a forklab gui`; your own program: `forklab trace -- "
                 "CMD`.)\n\n";
    SandboxOptions o;
    // A shell that forks a pipeline, execs, and leaves a daemon behind for teardown to find.
    o.argv = {"sh", "-c",
              "exec 3</etc/hostname; echo hello from $$; sleep 0.1 | cat; (sleep 30 &); exec true"};
    Trace trace;
    try {
        return tellRun(o, trace, std::cout, false);
    } catch (const LaunchError& e) {
        std::cerr << "forklab: " << e.what() << '\n';
        return e.exitCode();
    }
}

} // namespace forklab::cli
