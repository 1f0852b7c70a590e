#include "StoryPrinter.hpp"

#include "core/trace/Story.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace forklab::cli {

namespace {
std::atomic<bool> interrupted{false};
}

int tellRun(SandboxOptions options, Trace& trace, std::ostream& out, const TellOptions& tell) {
    options.stepping = tell.stepping;
    // A reader of the story that goes away (`forklab trace ... 2>&1 | head`) ends the story, not
    // the run: the program goes on as it would untraced, and the export is still written. From
    // before the sandbox starts, which may already say something (a swept cgroup). The launcher
    // gives the program SIGPIPE's default action again.
    struct PipeIgnored {
        struct sigaction old {};
        PipeIgnored() {
            struct sigaction ignore {};
            ignore.sa_handler = SIG_IGN;
            sigaction(SIGPIPE, &ignore, &old);
        }
        ~PipeIgnored() { sigaction(SIGPIPE, &old, nullptr); }
    } pipeIgnored;
    Sandbox sandbox(options, trace);
    sandbox.start();
    struct sigaction sa {
    }, oldInt{}, oldTerm{};
    sa.sa_handler = [](int) { interrupted = true; };
    sigaction(SIGINT, &sa, &oldInt);
    sigaction(SIGTERM, &sa, &oldTerm);
    Story story(trace);
    story.onMarker = tell.onMarker;
    bool stdinOpen = true;
    while (!sandbox.finished()) {
        if (interrupted.exchange(false)) sandbox.stop();
        if (!tell.quiet) story.feed(trace.size(), out);
        if (tell.stepping && sandbox.held()) {
            // Everything is frozen at this step: tell all of it, then wait for the user.
            story.feed(trace.size(), out);
            std::string line;
            if (stdinOpen) {
                out << "            [Enter: next step] " << std::flush;
                stdinOpen = bool(std::getline(std::cin, line));
                if (!stdinOpen) out << "\n            (stdin is closed: stepping on by itself)\n";
            }
            uint64_t gate = sandbox.gatesEntered();
            sandbox.step();
            // Let the recorder leave this gate before looking again (it may be at the next one).
            while (sandbox.held() && sandbox.gatesEntered() == gate && !sandbox.finished())
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            continue;
        }
        out.flush();
        // The story is told every 20 ms; the end of the run ends the wait at once.
        sandbox.waitFor(std::chrono::milliseconds(20));
    }
    int code = sandbox.wait();
    // Said on stderr in every mode: a refused namespace, a sandbox step that failed.
    if (std::string problem = sandbox.launchProblem(); !problem.empty())
        std::cerr << "forklab: " << problem << '\n';
    sigaction(SIGINT, &oldInt, nullptr);
    sigaction(SIGTERM, &oldTerm, nullptr);
    if (!tell.quiet) story.feed(trace.size(), out);
    story.summary(out);
    out.flush();
    return code;
}

// Wraps text at about 88 columns, indented to sit under the story's lines.
void printWrapped(std::ostream& out, const std::string& text, const std::string& indent) {
    std::istringstream paragraphs(text);
    std::string para;
    while (std::getline(paragraphs, para)) {
        if (para.empty()) {
            out << '\n';
            continue;
        }
        std::istringstream words(para);
        std::string word, line;
        while (words >> word) {
            if (!line.empty() && line.size() + word.size() + 1 > 88) {
                out << indent << line << '\n';
                line.clear();
            }
            line += (line.empty() ? "" : " ") + word;
        }
        if (!line.empty()) out << indent << line << '\n';
    }
}

} // namespace forklab::cli
