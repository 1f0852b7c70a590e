// forklab-lessons: the programs forklab's lessons run in the sandbox. One executable plays every
// part, as CPython's interpreter does: the lesson's parent, spawn children, the forkserver and
// the semaphore tracker (core/launch decides which from the command line).
//   forklab-lessons LESSON --method fork|spawn|forkserver [--variant NAME]
#include "Lesson.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>

using namespace forklab;

// Lessons run under ptrace, where LeakSanitizer cannot work; the rest of ASan still does.
extern "C" const char* __asan_default_options() {
    return "detect_leaks=0";
}

int main(int argc, char** argv) {
    // A write to a tracker whose reader was killed must fail with EPIPE, not kill the writer.
    signal(SIGPIPE, SIG_IGN);
    int helper = launch::dispatchHelperModes(argc, argv);
    if (helper >= 0) return helper;
    if (argc == 2 && !strcmp(argv[1], "--bench-noop")) return 0; // the exec floor's child
    if (argc == 4 && !strcmp(argv[1], "--bench-launch"))
        return lessons::benchLaunch(argv[2], atoi(argv[3]));

    std::string id, method = "fork", variant;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--method") && i + 1 < argc)
            method = argv[++i];
        else if (!strcmp(argv[i], "--variant") && i + 1 < argc)
            variant = argv[++i];
        else if (argv[i][0] != '-' && id.empty())
            id = argv[i];
        else {
            fprintf(stderr, "usage: forklab-lessons LESSON --method fork|spawn|forkserver "
                            "[--variant NAME]\n");
            return 2;
        }
    }
    auto m = parseStartMethod(method);
    auto fn = lessons::findLesson(id);
    if (!m || !fn) {
        fprintf(stderr, "forklab-lessons: unknown %s '%s'\n", m ? "lesson" : "method",
                m ? id.c_str() : method.c_str());
        return 2;
    }
    return fn(*m, variant);
}
