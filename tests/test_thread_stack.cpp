// Where a deadlocked thread is stuck: the native stack a verdict carries, unwound from outside
// (core/probe/ThreadStack.cpp) while the thread is held under ptrace. Every check reads what the
// recorder stored: the stack of a real waiter names the functions it is in; a made-up stack
// gives a bounded answer, never a crash or a hang; the thread stays stopped and traced; the
// stack survives export and import, and every view shows it (or why it is missing).
#include "PythonHelpers.hpp"

#include "core/probe/Deadlock.hpp"
#include "core/probe/ThreadStack.hpp"
#include "core/trace/ChromeExport.hpp"
#include "core/trace/StackText.hpp"
#include "core/trace/TraceFile.hpp"
#include "core/trace/TraceReader.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pthread.h>
#include <sstream>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

using namespace forklab;
using namespace forklab::test;

namespace {

pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

// The function the child blocks in: its name must come back in the stack.
extern "C" __attribute__((noinline)) void forklab_stack_test_waiter() {
    ::pthread_mutex_lock(&g_lock);
    asm volatile("" ::: "memory"); // not a tail call: this frame stays on the stack
    ::pthread_mutex_unlock(&g_lock);
}

// The deadlock verdicts' stacks, as stored in the trace.
std::vector<ThreadStack> verdictStacks(const Run& r) {
    std::vector<ThreadStack> out;
    for (auto* e : r.events(EventKind::Deadlock))
        out.push_back(unpackStack(r.trace->str(e->as<ev::Deadlock>().stack)));
    return out;
}

// Index of the first frame whose short name is `fn` (SIZE_MAX if none).
size_t frameNamed(const ThreadStack& s, const std::string& fn) {
    for (size_t i = 0; i < s.frames.size(); ++i)
        if (shortFunctionName(s.frames[i].function) == fn) return i;
    return SIZE_MAX;
}

std::string describe(const ThreadStack& s) {
    std::string out = s.unread.empty() ? "" : "unread: " + s.unread + "\n";
    for (auto& f : s.frames) out += frameText(f) + "\n";
    return out;
}

// "State:" and "TracerPid:" of /proc/PID/status.
std::string statusField(pid_t pid, const std::string& key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key + ":", 0) == 0) return line.substr(key.size() + 2);
    return "";
}

} // namespace

TEST_CASE("a held child's stack names the functions it waits in, and it stays held",
          "[probe][stack][live]") {
    // Locked here, so the fork child's copy is locked by a thread it does not have.
    REQUIRE(::pthread_mutex_lock(&g_lock) == 0);
    pid_t child = ::fork();
    if (child == 0) {
        forklab_stack_test_waiter();
        ::_exit(0);
    }
    ::pthread_mutex_unlock(&g_lock);
    REQUIRE(child > 0);
    struct Reap {
        pid_t pid;
        ~Reap() {
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, nullptr, __WALL) < 0 && errno == EINTR) {
            }
        }
    } reap{child};
    // Until it waits in futex(2): the kernel's word, not a sleep.
    bool waiting = false;
    for (int i = 0; i < 20000 && !waiting; ++i) {
        std::ifstream in("/proc/" + std::to_string(child) + "/syscall");
        std::string nr;
        waiting = (in >> nr) && nr == "202";
        if (!waiting) ::usleep(500);
    }
    REQUIRE(waiting);

    SECTION("not stopped under ptrace: no frames, and why") {
        ThreadStack s = readThreadStack(child, child);
        CHECK(s.frames.empty());
        CHECK_FALSE(s.unread.empty());
        CHECK(s.recorded());
    }
    SECTION("held under ptrace, as forklab's tracer holds it") {
        REQUIRE(::ptrace(PTRACE_SEIZE, child, 0, 0) == 0);
        REQUIRE(::ptrace(PTRACE_INTERRUPT, child, 0, 0) == 0);
        int status = 0;
        REQUIRE(::waitpid(child, &status, __WALL) == child);
        REQUIRE(WIFSTOPPED(status));
        user_regs_struct before{};
        REQUIRE(::ptrace(PTRACE_GETREGS, child, 0, &before) == 0);

        ThreadStack s = readThreadStack(child, child);
        INFO(describe(s));
        CHECK(s.unread.empty());
        REQUIRE_FALSE(s.frames.empty());
        CHECK(s.frames.size() <= kMaxStackFrames);
        CHECK(s.frames[0].pc == before.rip); // the innermost frame is where it is
        size_t lock = frameNamed(s, "pthread_mutex_lock");
        size_t waiter = frameNamed(s, "forklab_stack_test_waiter");
        REQUIRE(lock != SIZE_MAX);
        REQUIRE(waiter != SIZE_MAX);
        CHECK(lock < waiter); // innermost first
        CHECK(s.frames[lock].module.rfind("libc.so", 0) == 0);
        CHECK(s.frames[waiter].module == "forklab_tests");

        // libdwfl neither detached nor resumed it: still our tracee, still stopped, same place.
        CHECK(statusField(child, "TracerPid") == std::to_string(::getpid()));
        CHECK(statusField(child, "State").rfind("t", 0) == 0);
        user_regs_struct after{};
        REQUIRE(::ptrace(PTRACE_GETREGS, child, 0, &after) == 0);
        CHECK(after.rip == before.rip);
        CHECK(after.rsp == before.rsp);
        // And a second read gives the same stack.
        ThreadStack again = readThreadStack(child, child);
        CHECK(packStack(again) == packStack(s));
    }
    SECTION("a thread that does not exist") {
        ThreadStack s = readThreadStack(child, 0);
        CHECK(s.frames.empty());
        CHECK_FALSE(s.unread.empty());
    }
}

TEST_CASE("mutex-after-fork: the verdict's stack names pthread_mutex_lock and the lesson's child",
          "[lessons][stack][deadlock]") {
    Run r = lesson("mutex-after-fork", StartMethod::Fork);
    auto stacks = verdictStacks(r);
    REQUIRE(stacks.size() == 1);
    const ThreadStack& s = stacks[0];
    INFO(describe(s));
    size_t lock = frameNamed(s, "pthread_mutex_lock");
    size_t child = frameNamed(s, "child");
    REQUIRE(lock != SIZE_MAX);
    REQUIRE(child != SIZE_MAX);
    CHECK(lock < child);
    // The lesson's own function (scenarios/mutex_after_fork.cpp), demangled, in its program.
    CHECK(s.frames[child].module == "forklab-lessons");
    CHECK(s.frames[child].function.find("forklab::lessons::") == 0);
    // The story says it on the verdict's lines.
    CHECK(r.story().find("  stack: ") != std::string::npos);
    CHECK(r.story().find("pthread_mutex_lock \u2190 child") != std::string::npos);
}

TEST_CASE("a made-up stack gives a bounded answer, never a crash or a hang",
          "[sandbox][stack][deadlock]") {
    for (std::string mode : {"random", "loop", "unmapped", "deep"}) {
        CAPTURE(mode);
        Run r = runInSandbox({fixture("garbage_stack"), mode});
        CHECK(r.exitCode == 0); // the parent's own verdict: the child did not get out
        auto stacks = verdictStacks(r);
        REQUIRE(stacks.size() == 1);
        const ThreadStack& s = stacks[0];
        INFO(describe(s));
        CHECK(s.recorded());
        CHECK(s.frames.size() <= kMaxStackFrames);
        for (auto& f : s.frames) {
            CHECK(f.function.size() <= kMaxFrameFunction);
            CHECK(f.module.size() <= kMaxFrameModule);
        }
        if (mode == "deep") {
            // 2000 real frames: the reader keeps 32 and says there are more.
            CHECK(s.frames.size() == kMaxStackFrames);
            CHECK(s.truncated);
            CHECK(std::any_of(s.frames.begin(), s.frames.end(), [](const StackFrame& f) {
                return f.function.rfind("recurse", 0) == 0; // "recurse.isra.0" at -O2
            }));
        } else {
            // Where it really is comes first; what the garbage says after it is not trusted.
            REQUIRE_FALSE(s.frames.empty());
            CHECK(shortFunctionName(s.frames[0].function) == "wait_on");
        }
        World w = r.world();
        const ProcessView* c = w.find(r.events(EventKind::Deadlock)[0]->pid);
        REQUIRE(c);
        CHECK(c->killedBySandbox);
    }
}

namespace {

// A python lesson's fork child: its verdict's stack names PyThread_acquire_lock_timed (and
// `also`, if given). Skipped with the reason where the interpreter's frames have no names.
void checkCPythonStack(int minor, const std::string& lessonId, const std::string& also) {
    std::string why;
    auto py = findMinor(minor, &why);
    if (!py) {
        std::cout << "forklab-skip: " << why << '\n';
        return;
    }
    CAPTURE(py->path, py->version);
    Run r = runWith(*py, lessonId, StartMethod::Fork);
    auto stacks = verdictStacks(r);
    REQUIRE(stacks.size() == 1);
    const ThreadStack& s = stacks[0];
    INFO(describe(s));
    REQUIRE_FALSE(s.frames.empty());
    bool unnamed = std::any_of(s.frames.begin(), s.frames.end(), [](const StackFrame& f) {
        return f.function.empty() && f.module.find("python") != std::string::npos;
    });
    size_t acquire = frameNamed(s, "PyThread_acquire_lock_timed");
    if (acquire == SIZE_MAX && unnamed) {
        std::cout << "forklab-skip: CPython " << py->version << " (" << py->path
                  << ") lacks symbols: its frames have no names (a stripped build; only exported "
                     "functions are named)\n";
        return;
    }
    CHECK(acquire != SIZE_MAX);
    if (!also.empty()) {
        size_t caller = frameNamed(s, also);
        CHECK(caller != SIZE_MAX);
        CHECK(acquire < caller);
    }
}

} // namespace

TEST_CASE("python-stdout-lock-after-fork: the stuck child is in PyThread_acquire_lock_timed under "
          "_enter_buffered_busy, on every CPython here",
          "[python][stack][deadlock]") {
    int minor = GENERATE(8, 9, 10, 11, 12, 13);
    CAPTURE(minor);
    checkCPythonStack(minor, "python-stdout-lock-after-fork", "_enter_buffered_busy");
}

TEST_CASE("python-lock-after-fork: the stuck child is in PyThread_acquire_lock_timed",
          "[python][stack][deadlock]") {
    if (pythonMissing()) return;
    std::string why;
    const PythonInterpreter* py = lessonPython(&why);
    REQUIRE(py);
    checkCPythonStack(parsePyVersion(py->version).minor, "python-lock-after-fork", "");
}

TEST_CASE("a verdict's stack survives export and import, and every export shows it",
          "[tracefile][export][stack]") {
    Trace t;
    t.append(Event{0, 0, EventKind::RunStart, ev::RunStart{0, 0, 1, 1, 1}});
    ThreadStack read;
    // {pc, function, module}
    read.frames = {{0x7f0000001234, "__lll_lock_wait", "libc.so.6"},
                   {0x7f0000005678, "pthread_mutex_lock", "libc.so.6"},
                   {0x55000000abcd, "ns::child(int)", "forklab-lessons"},
                   {0xdead, "", ""}};
    read.truncated = true;
    ThreadStack unread;
    unread.unread = "the sandbox was not wholly stopped";
    auto verdict = [&](const ThreadStack& s) {
        t.append(Event{1, 7, EventKind::Deadlock,
                       ev::Deadlock{7, uint8_t(DeadlockRule::NobodyToWake), 0x1000, 0, 0,
                                    t.intern("e"), t.intern(packStack(s))}});
    };
    verdict(read);
    verdict(unread);
    verdict(ThreadStack{}); // an older trace's verdict: no stack fields at all
    t.append(Event{2, 0, EventKind::RunEnd, ev::RunEnd{EndReason::AllExited, {}, 0}});

    std::ostringstream out;
    writeJsonl(t, out);
    const std::string text = out.str();
    Trace back;
    std::istringstream in(text);
    auto error = readJsonl(in, back);
    INFO(text);
    REQUIRE_FALSE(error);
    REQUIRE(back.size() == t.size());
    for (size_t i = 1; i <= 3; ++i)
        CHECK(back.str(back[i].as<ev::Deadlock>().stack) == t.str(t[i].as<ev::Deadlock>().stack));
    ThreadStack again = unpackStack(back.str(back[1].as<ev::Deadlock>().stack));
    REQUIRE(again.frames.size() == 4);
    CHECK(again.frames[2].function == "ns::child(int)");
    CHECK(again.frames[3].pc == 0xdead);
    CHECK(again.truncated);
    CHECK(unpackStack(back.str(back[2].as<ev::Deadlock>().stack)).unread == unread.unread);
    CHECK_FALSE(unpackStack(back.str(back[3].as<ev::Deadlock>().stack)).recorded());
    // The streaming writer and the documented tree agree, and the fields are as documented.
    std::istringstream lines(text);
    std::string line;
    std::getline(lines, line);
    for (size_t i = 0; i < t.size() && std::getline(lines, line); ++i)
        CHECK(line ==
              eventToJson(t, t[i]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    auto j1 = eventToJson(t, t[1]);
    CHECK(j1["stack"][1]["function"] == "pthread_mutex_lock");
    CHECK(j1["stack"][1]["module"] == "libc.so.6");
    CHECK(j1["stack"][0]["pc"] == 0x7f0000001234);
    CHECK(j1["stack_truncated"] == true);
    CHECK_FALSE(j1.contains("stack_unread"));
    auto j2 = eventToJson(t, t[2]);
    CHECK(j2["stack"].empty());
    CHECK(j2["stack_unread"] == unread.unread);
    CHECK_FALSE(eventToJson(t, t[3]).contains("stack"));
    std::ostringstream again2;
    writeJsonl(back, again2);
    CHECK(again2.str() == text);

    // Chrome: the verdict's args list the frames, or say why there are none.
    std::ostringstream chrome;
    writeChromeJson(t, chrome);
    auto cj = nlohmann::json::parse(chrome.str());
    std::vector<nlohmann::json> args;
    for (auto& ev : cj["traceEvents"])
        if (ev.value("cat", "") == "deadlock" && ev.value("ph", "") == "i")
            args.push_back(ev["args"]);
    REQUIRE(args.size() == 3);
    REQUIRE(args[0]["stack"].size() == 5);
    CHECK(args[0]["stack"][1] == "pthread_mutex_lock (libc.so.6)");
    CHECK(args[0]["stack"][3] == "0xdead");
    CHECK(args[1]["stack_unread"] == unread.unread);
    CHECK_FALSE(args[2].contains("stack"));

    // The story: the frames on one line, or why not.
    std::ostringstream story;
    Story(t).feed(t.size(), story);
    CHECK(story.str().find("stack: __lll_lock_wait \u2190 pthread_mutex_lock \u2190 child \u2190 "
                           "?? (0xdead) \u2190 \u2026") != std::string::npos);
    CHECK(story.str().find("stack not read: the sandbox was not wholly stopped") !=
          std::string::npos);
}

TEST_CASE("a recorded verdict's stack reads back from its file", "[tracefile][stack]") {
    Run r = runInSandbox({fixture("mutex_fork")});
    auto stacks = verdictStacks(r);
    REQUIRE(stacks.size() == 1);
    REQUIRE_FALSE(stacks[0].frames.empty());
    std::ostringstream out;
    writeJsonl(*r.trace, out);
    Trace back;
    std::istringstream in(out.str());
    REQUIRE_FALSE(readJsonl(in, back));
    size_t n = 0;
    for (size_t i = 0; i < back.size(); ++i)
        if (auto* d = back[i].get<ev::Deadlock>()) {
            ++n;
            CHECK(packStack(unpackStack(back.str(d->stack))) == packStack(stacks[0]));
        }
    CHECK(n == 1);
}

TEST_CASE("frame names: bounded, cleaned, demangled, shortened", "[stack]") {
    CHECK(cleanName("a\tb\nc\x7f", 100) == "a?b?c?");
    CHECK(cleanName("abc\xc3\xa9", 4) == "abc"); // not inside the two-byte é
    CHECK(cleanName(std::string(1000, 'x'), 10).size() == 10);
    CHECK(readableSymbol("pthread_mutex_lock@@GLIBC_2.2.5", 256) == "pthread_mutex_lock");
    CHECK(readableSymbol("_ZN7forklab7lessons12_GLOBAL__N_15childERKNS_6launch4ArgsE", 256) ==
          "forklab::lessons::(anonymous namespace)::child(forklab::launch::Args const&)");
    CHECK(readableSymbol("_Z" + std::string(5000, 'Z'), 256).size() <= 256); // not demangled
    CHECK(readableSymbol("_Zgarbage", 256) == "_Zgarbage");
    CHECK(shortFunctionName(
              "forklab::lessons::(anonymous namespace)::child(forklab::launch::Args const&)") ==
          "child");
    CHECK(shortFunctionName("std::vector<std::pair<int, int>, std::allocator<int> >::push_back("
                            "std::pair<int, int>&&)") == "push_back");
    CHECK(shortFunctionName("Foo::operator()(int) const") == "operator()");
    // A function template's demangled name starts with its return type, which stays.
    CHECK(shortFunctionName("bool operator< <int>(A<int> const&)") == "bool operator< <int>");
    CHECK(shortFunctionName("PyThread_acquire_lock_timed") == "PyThread_acquire_lock_timed");
    CHECK(shortFunctionName("__new_sem_wait_slow64.constprop.0") ==
          "__new_sem_wait_slow64.constprop.0");
    CHECK(shortFunctionName("") == "");
    CHECK(shortFunctionName("((((") == "");
    CHECK(shortFunctionName("::::") == "::::");
    // Packed text never splits on a name: tabs and newlines are cleaned before packing.
    ThreadStack s;
    s.frames = {{1, "f\nn", "m\tod"}};
    ThreadStack back = unpackStack(packStack(s));
    REQUIRE(back.frames.size() == 1);
    CHECK(back.frames[0].module == "m?od");
    CHECK(back.frames[0].function == "f?n");
    CHECK(unpackStack("garbage\n0x\t\t\n0xzz\ta\tb\n+\n").frames.empty());
}
