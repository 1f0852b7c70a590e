// The native trace file (.forklab.jsonl): what the recorder saw survives writing and reading back
// exactly, and any malformed file is refused with one message naming its line.
#include "SandboxHelpers.hpp"

#include "core/lessons/Catalogue.hpp"
#include "core/probe/Deadlock.hpp"
#include "core/trace/TraceFile.hpp"
#include "core/trace/TraceReader.hpp"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

using namespace forklab;
using namespace forklab::test;
namespace fs = std::filesystem;

namespace {

const std::string kHeader = R"({"format":"forklab-trace","kind":"header","t":0,"version":1})";

std::string toJsonl(const Trace& t) {
    std::ostringstream out;
    writeJsonl(t, out);
    return out.str();
}

std::optional<std::string> readText(const std::string& text, Trace& out,
                                    KnownTables known = KnownTables::Reuse) {
    std::istringstream in(text);
    return readJsonl(in, out, known);
}

// Reading with known tables reused gives what decoding every table gives: the same message, or
// the same trace. Returns the message.
std::optional<std::string> readBothWays(const std::string& text) {
    Trace reused, decoded;
    auto error = readText(text, reused);
    auto expected = readText(text, decoded, KnownTables::Decode);
    CHECK(error == expected);
    if (!error && !expected) CHECK(toJsonl(reused) == toJsonl(decoded));
    return error;
}

// "" when both name equal snapshots (or both none), else what differs.
std::string diffSnap(const Trace& ta, SnapId a, const Trace& tb, SnapId b) {
    if ((a == kNoSnap) != (b == kNoSnap)) return "one snapshot is missing";
    if (a == kNoSnap) return "";
    if (a >= ta.snapshotCount() || b >= tb.snapshotCount()) return "snapshot id out of range";
    return ta.snapshot(a) == tb.snapshot(b) ? "" : "snapshot contents";
}

// "" when event i of both traces is the same, else what differs: the written fields, plus what
// the JSON shows only decoded (wait statuses, isolation bits, snapshot contents).
std::string diffEvent(const Trace& ta, const Trace& tb, size_t i) {
    const Event& a = ta[i];
    const Event& b = tb[i];
    if (a.t != b.t || a.pid != b.pid || a.kind != b.kind) return "t, pid or kind";
    if (eventToJson(ta, a) != eventToJson(tb, b)) return "fields";
    if (auto* x = a.get<ev::Exit>(); x && x->status.raw() != b.as<ev::Exit>().status.raw())
        return "exit status";
    if (auto* x = a.get<ev::RunEnd>();
        x && x->rootStatus.raw() != b.as<ev::RunEnd>().rootStatus.raw())
        return "root status";
    if (auto* x = a.get<ev::RunStart>(); x && x->isolation != b.as<ev::RunStart>().isolation)
        return "isolation";
    if (auto* x = a.get<ev::Snapshot>())
        return diffSnap(ta, x->snap, tb, b.as<ev::Snapshot>().snap);
    if (auto* x = a.get<ev::Exec>()) {
        auto& y = b.as<ev::Exec>();
        std::string d = diffSnap(ta, x->before, tb, y.before);
        return d.empty() ? diffSnap(ta, x->after, tb, y.after) : d;
    }
    return "";
}

// "" when the two worlds are the same, field by field, else the first field that differs.
std::string diffWorlds(const World& a, const Trace& ta, const World& b, const Trace& tb) {
    if (a.upto != b.upto) return "upto";
    if (a.roots != b.roots) return "roots";
    if (a.procs.size() != b.procs.size()) return "number of processes";
    for (auto& [pid, p] : a.procs) {
        const ProcessView* q = b.find(pid);
        std::string who = "process " + std::to_string(pid) + ": ";
        if (!q) return who + "missing";
#define SAME(field)                                                                                \
    if (!(p.field == q->field)) return who + #field
        SAME(pid);
        SAME(nspid);
        SAME(parent);
        SAME(role);
        SAME(how);
        SAME(name);
        SAME(exe);
        SAME(argv);
        SAME(execs);
        SAME(alive);
        SAME(killedBySandbox);
        SAME(status);
        SAME(born);
        SAME(died);
        SAME(snap);
        SAME(threads);
        SAME(deadlocks);
        SAME(children);
#undef SAME
        std::string d = diffSnap(ta, p.snap, tb, q->snap);
        if (!d.empty()) return who + d;
    }
    if (a.shm.size() != b.shm.size()) return "number of shm entries";
    for (size_t i = 0; i < a.shm.size(); ++i) {
        const ShmView &x = a.shm[i], &y = b.shm[i];
        if (x.name != y.name || x.creator != y.creator || x.inode != y.inode ||
            x.created != y.created || x.unlinkedBy != y.unlinkedBy || x.leaked != y.leaked)
            return "shm entry " + std::to_string(i);
    }
    return "";
}

// Writes `live`, reads it back, and requires the same events, the same World at every step and
// the same bytes when written again.
void requireRoundTrip(const Trace& live) {
    std::string text = toJsonl(live);
    Trace imported;
    auto error = readText(text, imported);
    INFO("read error: " << error.value_or("none"));
    REQUIRE_FALSE(error);
    REQUIRE(imported.size() == live.size());
    REQUIRE(imported.snapshotCount() == live.snapshotCount());
    CHECK(imported.finished() == live.finished());
    for (size_t i = 0; i < live.size(); ++i) {
        INFO("event " << i << ": " << eventToJson(live, live[i]).dump());
        CHECK(diffEvent(live, imported, i) == "");
    }
    for (size_t k = 0; k <= live.size(); ++k) {
        INFO("World::at(trace, " << k << ")");
        CHECK(diffWorlds(World::at(live, k), live, World::at(imported, k), imported) == "");
    }
    // The streaming writer emits exactly what the documented eventToJson tree dumps to.
    std::istringstream lines(text);
    std::string line;
    std::getline(lines, line);
    CHECK(line == kHeader);
    for (size_t i = 0; i < live.size() && std::getline(lines, line); ++i) {
        INFO("event " << i);
        CHECK(line == eventToJson(live, live[i])
                          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    std::string again = toJsonl(imported);
    auto mismatch = std::mismatch(text.begin(), text.end(), again.begin(), again.end());
    INFO("rewritten file differs at byte " << (mismatch.first - text.begin()));
    CHECK(again == text);
}

// Every kind of event, with the edge values of every field the writer can emit.
void buildEveryKind(Trace& t) {
    int64_t now = 0;
    auto add = [&](pid_t pid, EventKind k, Payload p) {
        t.append(Event{now, pid, k, std::move(p)});
        if (now < INT64_MAX) now += 1000;
    };
    ev::RunStart start{t.intern("sh -c 'echo \"hi\"'"), 63, INT32_MAX, INT32_MIN, 0};
    start.stopSnapshots = false; // written only when false (--no-stop-snapshots)
    add(0, EventKind::RunStart, start);
    add(100, EventKind::Proc,
        ev::Proc{1, 0, Role::Sandbox, ForkKind::Fork, t.intern("forklab-sandbox")});
    add(100, EventKind::Fork, ev::Fork{101, ForkKind::Fork});
    add(101, EventKind::Proc,
        ev::Proc{2, 100, Role::Program, ForkKind::Fork, t.intern("h\xc3\xa9")});

    ProcessSnapshot full;
    full.pid = 101;
    full.nspid = 2;
    full.ppid = 100;
    full.state = 'S';
    full.fds = {
        FdEntry{0, "/dev/null", FdKind::File, 3, AccessMode::Read, false, 0100000},
        FdEntry{1, "pipe:[77]", FdKind::Pipe, 77, AccessMode::Write, true, UINT32_MAX},
        FdEntry{2, "socket:[78]", FdKind::Socket, UINT64_MAX, AccessMode::ReadWrite, false, 2},
        FdEntry{3, "anon_inode:[eventfd]", FdKind::Anon, 0, AccessMode::Read, false, 0},
        FdEntry{INT_MAX, "/x\ny", FdKind::Other, 0, AccessMode::Read, false, 0}};
    ThreadState blocked{101, 2, 'S', "futex_wait_queue", {false, 202, {}}};
    blocked.syscall.args = {UINT64_MAX, 128, 0, 0, 1, 2};
    full.threads = {blocked, ThreadState{102, 3, 'R', "", {true, -1, {}}},
                    ThreadState{103, 4, 't', "ptrace_stop", {false, -1, {}}}};
    full.shm = {ShmMapping{"/dev/shm/sem.x (deleted)", UINT64_MAX, 12, 0x7f0000000000}};
    SnapId s0 = t.addSnapshot(full);
    add(101, EventKind::Snapshot, ev::Snapshot{s0, SnapReason::Probe});
    // The same tables again: read the second time as known tables (TableText.hpp).
    add(101, EventKind::Snapshot, ev::Snapshot{t.addSnapshot(full), SnapReason::Probe});

    ProcessSnapshot stop;
    stop.pid = 101;
    stop.full = false;
    stop.partial = true;
    SnapId s1 = t.addSnapshot(stop);
    add(101, EventKind::Snapshot, ev::Snapshot{s1, SnapReason::PreExec});
    // argv with an empty argument, and an empty argv.
    add(101, EventKind::Exec,
        ev::Exec{t.intern("/bin/sh"), t.intern("/usr/bin/dash"),
                 t.intern(std::string("sh\0\0-c\0", 8)), s1, s0, Role::Program});
    add(101, EventKind::Exec,
        ev::Exec{t.intern(""), t.intern(""), 0, kNoSnap, kNoSnap, Role::Forkserver});
    add(101, EventKind::Fork, ev::Fork{104, ForkKind::Vfork});
    add(104, EventKind::Proc, ev::Proc{5, 101, Role::Tracker, ForkKind::Vfork, t.intern("")});
    add(101, EventKind::Fork, ev::Fork{105, ForkKind::Thread});
    add(101, EventKind::ThreadExit, ev::ThreadExit{105});
    now -= 1000; // equal times are fine
    add(101, EventKind::Output,
        ev::Output{1, t.intern(std::string("a\0b\n\t\"\\\xc3\xa9", 10)), true});
    add(101, EventKind::Output, ev::Output{-1, 0, false});
    add(101, EventKind::Deadlock,
        ev::Deadlock{101, uint8_t(DeadlockRule::OrphanedMutex), UINT64_MAX, 0, -7,
                     t.intern("owner tid -7 exists nowhere")});
    add(101, EventKind::Deadlock,
        ev::Deadlock{101, uint8_t(DeadlockRule::NobodyToWake), 0x1000, 0, 0, t.intern("b")});
    add(101, EventKind::ShmCreate, ev::Shm{t.intern("sem.x"), UINT64_MAX});
    add(101, EventKind::ShmUnlink, ev::Shm{t.intern("sem.x"), 0});
    add(101, EventKind::ShmCreate, ev::Shm{t.intern("sem.y"), 5});
    add(101, EventKind::Kill, ev::Kill{INT32_MIN, 9, true});
    add(101, EventKind::Kill, ev::Kill{101, 1000, false});
    add(101, EventKind::Marker, ev::Marker{0, false});
    add(101, EventKind::Marker, ev::Marker{t.intern("the key step"), true});
    add(101, EventKind::Annotation,
        ev::Annotation{ev::NameOf::Mutex, t.intern("log_lock"), UINT64_MAX, 0});
    add(101, EventKind::Annotation,
        ev::Annotation{ev::NameOf::Fd, t.intern("pipe's read end"), 3, t.intern("pipe:[77]")});
    add(104, EventKind::KilledBySandbox, ev::KilledBySandbox{});
    add(104, EventKind::Exit, ev::Exit{WaitStatus(WaitStatus::forSignal(SIGSEGV).raw() | 0x80)});
    add(101, EventKind::Exit, ev::Exit{WaitStatus::forExit(255)});
    add(101, EventKind::Leak, ev::Leak{t.intern("sem.y"), 101});
    add(0, EventKind::Leak, ev::Leak{t.intern("sem.z"), 0});
    now = INT64_MAX;
    add(0, EventKind::RunEnd, ev::RunEnd{EndReason::Deadline, WaitStatus::forSignal(SIGKILL), 137});
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// An endless stream of one byte, counting what it served: a "file" larger than any memory.
class EndlessBuf : public std::streambuf {
  public:
    explicit EndlessBuf(char c) : chunk_(1 << 16, c) {}
    size_t served = 0;

  protected:
    int_type underflow() override {
        served += chunk_.size();
        setg(chunk_.data(), chunk_.data(), chunk_.data() + chunk_.size());
        return traits_type::to_int_type(chunk_[0]);
    }

  private:
    std::string chunk_;
};

} // namespace

TEST_CASE("a recorded shell pipeline reads back exactly", "[tracefile]") {
    bool namespaces = GENERATE(true, false);
    INFO("namespaces: " << namespaces);
    Run r = runInSandbox({"sh", "-c", "sleep 0.2 | cat; (sleep 30 &); exec true"}, namespaces);
    CHECK_FALSE(r.events(EventKind::KilledBySandbox).empty());
    requireRoundTrip(*r.trace);
}

TEST_CASE("a recorded fork-with-a-held-mutex deadlock reads back exactly", "[tracefile]") {
    Run r = runInSandbox({fixture("mutex_fork")});
    CHECK_FALSE(r.events(EventKind::Deadlock).empty());
    CHECK_FALSE(r.events(EventKind::ThreadExit).empty());
    requireRoundTrip(*r.trace);
}

TEST_CASE("a recorded semaphore leak reads back exactly", "[tracefile]") {
    Run r = runInSandbox({fixture("sem_kill"), "/forklab_tracefile_" + std::to_string(getpid())});
    CHECK_FALSE(r.events(EventKind::ShmCreate).empty());
    CHECK_FALSE(r.events(EventKind::Kill).empty());
    CHECK_FALSE(r.events(EventKind::Leak).empty());
    requireRoundTrip(*r.trace);
}

TEST_CASE("recorded markers and output read back exactly", "[tracefile]") {
    if (system("command -v perl >/dev/null 2>&1") != 0) {
        WARN("perl is not installed: the marker round trip is skipped");
        return;
    }
    // perl can make the marker syscall (4001: label pointer, length, flags) without a fixture.
    Run r = runInSandbox({"perl", "-e",
                          "my $l = 'first step'; syscall(4001, $l, length($l), 0);"
                          "my $k = 'the key'; syscall(4001, $k, length($k), 1); print qq(hi\\n);"});
    CHECK(r.events(EventKind::Marker).size() == 2);
    CHECK_FALSE(r.events(EventKind::Output).empty());
    requireRoundTrip(*r.trace);
}

TEST_CASE("every kind and the edge values of every field read back exactly", "[tracefile]") {
    Trace t;
    buildEveryKind(t);
    requireRoundTrip(t);
}

TEST_CASE("bytes that are not UTF-8 are written as U+FFFD and read back as such", "[tracefile]") {
    Trace t;
    t.append(Event{0, 0, EventKind::RunStart, ev::RunStart{0, 0, 1, 1, 1}});
    t.append(Event{1, 7, EventKind::Output, ev::Output{1, t.intern("a\xff"), false}});
    Trace imported;
    REQUIRE_FALSE(readText(toJsonl(t), imported));
    CHECK(imported.str(imported[1].as<ev::Output>().text) == "a\xef\xbf\xbd");
}

TEST_CASE("every file in tests/malformed/ is refused with its expected message", "[tracefile]") {
    fs::path dir = fs::path(__FILE__).parent_path() / "malformed";
    REQUIRE(fs::is_directory(dir));
    std::vector<fs::path> files;
    for (auto& entry : fs::directory_iterator(dir))
        if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    CHECK(files.size() >= 25);
    for (const fs::path& file : files) {
        fs::path expectedFile = file;
        expectedFile.replace_extension(".expected");
        std::string expected = slurp(expectedFile);
        while (!expected.empty() && expected.back() == '\n') expected.pop_back();
        INFO(file.filename().string());
        REQUIRE_FALSE(expected.empty());
        Trace t;
        auto error = readJsonlFile(file.string(), t);
        REQUIRE(error);
        CHECK_THAT(*error, Catch::Matchers::Contains(expected));
        CHECK(readBothWays(slurp(file)) == error);
    }
}

TEST_CASE("a line longer than the cap is refused without reading on", "[tracefile]") {
    SECTION("a long line in a file") {
        std::string text = kHeader + "\n" + R"({"kind":"marker","label":")" +
                           std::string(kMaxTraceLineBytes + 1, 'x') + "\"}\n";
        Trace t;
        auto error = readText(text, t);
        REQUIRE(error);
        CHECK(*error == "line 2: longer than 16 MiB (not a forklab trace line)");
    }
    SECTION("an endless stream without a newline: a bounded read, then the error") {
        EndlessBuf buf('x');
        std::istream in(&buf);
        Trace t;
        auto error = readJsonl(in, t);
        REQUIRE(error);
        CHECK(*error == "line 1: longer than 16 MiB (not a forklab trace line)");
        CHECK(buf.served <= kMaxTraceLineBytes + (1 << 17));
    }
    SECTION("an endless stream of newlines: stops at the first line") {
        EndlessBuf buf('\n');
        std::istream in(&buf);
        Trace t;
        auto error = readJsonl(in, t);
        REQUIRE(error);
        CHECK(*error == "line 1: not a forklab trace (the first line is not JSON)");
        CHECK(buf.served <= (1 << 17));
    }
}

TEST_CASE("every cut of a trace is a shorter trace or a truncated line", "[tracefile]") {
    Trace full;
    buildEveryKind(full);
    std::string text = toJsonl(full);
    for (size_t cut = 0; cut < text.size(); ++cut) {
        std::string part = text.substr(0, cut);
        size_t line = size_t(std::count(part.begin(), part.end(), '\n')) + 1;
        Trace t;
        auto error = readText(part, t);
        INFO("cut at byte " << cut << ": " << error.value_or("no error"));
        if (cut == 0) {
            CHECK(error == "empty file (not a forklab trace: no header line)");
        } else if (part.back() == '\n' || text[cut] == '\n') {
            // A whole line is complete JSON even without its newline: a shorter, valid trace.
            REQUIRE_FALSE(error);
            CHECK(t.size() == (part.back() == '\n' ? line - 2 : line - 1));
        } else if (line == 1) {
            CHECK(error == "line 1: not a forklab trace (the first line is not JSON)");
        } else {
            CHECK(error == "line " + std::to_string(line) +
                               ": truncated line (the file ends in the middle of it)");
        }
    }
}

TEST_CASE("random damage to a trace never crashes the reader", "[tracefile]") {
    Trace full;
    buildEveryKind(full);
    const std::string text = toJsonl(full);
    std::mt19937 rng(12345);
    for (int round = 0; round < 2000; ++round) {
        std::string bad = text;
        int edits = 1 + int(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            size_t at = rng() % bad.size();
            switch (rng() % 3) {
            case 0:
                bad[at] = char(rng());
                break;
            case 1:
                bad.erase(at, 1 + rng() % 8);
                break;
            default:
                bad.insert(at, 1, "\n\"{}[],:0-9e"[rng() % 12]);
                break;
            }
        }
        auto error = readBothWays(bad);
        INFO("round " << round << ": " << error.value_or("no error"));
        if (error) CHECK((error->rfind("line ", 0) == 0 || error->rfind("empty file", 0) == 0));
    }
}

TEST_CASE("a table an earlier line had is taken as read only where the line has that table",
          "[tracefile]") {
    Trace every;
    buildEveryKind(every);
    std::string text = toJsonl(every);
    // The first snapshot line and its fd table's text.
    size_t at = text.find("\"kind\":\"snapshot\"");
    REQUIRE(at != std::string::npos);
    size_t start = text.rfind('\n', at) + 1, end = text.find('\n', at) + 1;
    std::string line = text.substr(start, end - start);
    size_t fdsAt = line.find("\"fds\":") + 6;
    std::string fds = line.substr(fdsAt, line.find(",\"kind\"") - fdsAt);
    REQUIRE(fds.size() > 100);
    // `change` makes a second line from the first (under a new snapshot number), put after it.
    auto withSecond = [&](auto change) {
        std::string second = line;
        size_t snap = second.find("\"snap\":");
        second.replace(snap, second.find(',', snap) - snap, "\"snap\":99");
        change(second);
        return text.substr(0, end) + second + text.substr(end);
    };
    auto replace = [](std::string& s, const std::string& from, const std::string& to) {
        size_t i = s.find(from);
        REQUIRE(i != std::string::npos);
        s.replace(i, from.size(), to);
    };
    const std::string kFds = "\"fds\":";
    SECTION("the same tables: read, and equal to the first line's") {
        Trace t;
        REQUIRE_FALSE(readBothWays(withSecond([](std::string&) {})));
        REQUIRE_FALSE(readText(withSecond([](std::string&) {}), t));
        size_t n = 0;
        for (size_t i = 0; i < t.size(); ++i)
            if (auto* s = t[i].get<ev::Snapshot>(); s && t.snapshot(s->snap).fds.size() == 5) ++n;
        CHECK(n == 3); // two from buildEveryKind, one added here
    }
    SECTION("the key twice: the last is the value, as the parser takes it") {
        std::string file = withSecond(
            [&](std::string& s) { replace(s, kFds + fds + ",", kFds + fds + ",\"fds\":[],"); });
        Trace t;
        REQUIRE_FALSE(readBothWays(file));
        REQUIRE_FALSE(readText(file, t));
        bool emptyFds = false;
        for (size_t i = 0; i < t.size(); ++i)
            if (auto* s = t[i].get<ev::Snapshot>();
                s && t.snapshot(s->snap).fds.empty() && !t.snapshot(s->snap).threads.empty())
                emptyFds = true;
        CHECK(emptyFds);
    }
    SECTION("the table's text as another object's field, before the line's own") {
        readBothWays(withSecond([&](std::string& s) {
            replace(s, kFds + fds + ",", "\"x\":{" + kFds + fds + "}," + kFds + "[],");
        }));
    }
    SECTION("the table's text where the line goes wrong") {
        readBothWays(
            withSecond([&](std::string& s) { replace(s, "\"ppid\":100", "\"ppid\":\"100\""); }));
        readBothWays(withSecond([&](std::string& s) { replace(s, fds + ",", fds + "],"); }));
        readBothWays(withSecond([&](std::string& s) { replace(s, fds + ",", fds + "}"); }));
        readBothWays(withSecond([&](std::string& s) { replace(s, fds + ",", fds); }));
        readBothWays(withSecond([&](std::string& s) { s.resize(s.find(fds) + fds.size()); }));
        readBothWays(withSecond(
            [&](std::string& s) { replace(s, "\"depth\":\"full\"", "\"depth\":\"full"); }));
        readBothWays(withSecond(
            [&](std::string& s) { replace(s, "{\"depth\"", "{\"x\":\"\\\\\",\"depth\""); }));
    }
}

TEST_CASE("the reader refuses a used Trace and files it cannot read", "[tracefile]") {
    Trace used;
    used.append(Event{0, 0, EventKind::RunStart, ev::RunStart{0, 0, 1, 1, 1}});
    CHECK(readText(kHeader + "\n", used) == "readJsonl needs an empty Trace");

    Trace t;
    auto missing = readJsonlFile("/nonexistent/forklab/trace.jsonl", t);
    REQUIRE(missing);
    CHECK_THAT(*missing,
               Catch::Matchers::StartsWith("cannot open /nonexistent/forklab/trace.jsonl"));
    auto dir = readJsonlFile("/tmp", t);
    REQUIRE(dir);
    CHECK_THAT(*dir, Catch::Matchers::Contains("is a directory"));
}

TEST_CASE("numbers the fast parser refuses still read where the format ignores them",
          "[tracefile]") {
    // simdjson refuses integers beyond 64 bits; nlohmann, which read these files before, takes
    // them (as doubles), and so must the reader in fields it does not read.
    std::string runStart =
        R"({"command":"true","deadline_ms":1,"grace_ms":1,"isolation":{"ipc_ns":true,)"
        R"("mount_ns":true,"pid_ns":true,"pids_cgroup":true,"private_shm":false,"user_ns":true},)"
        R"("kind":"run_start","max_procs":1,"t":0,"extra":[99999999999999999999999,-99999999999999999999999]})";
    Trace t;
    auto error = readText(kHeader + "\n" + runStart + "\n", t);
    INFO(error.value_or("none"));
    CHECK_FALSE(error);
    CHECK(t.size() == 1);
}

TEST_CASE("a header alone is an empty trace, and a trace without run_end is unfinished",
          "[tracefile]") {
    Trace empty;
    CHECK_FALSE(readText(kHeader + "\n", empty));
    CHECK(empty.size() == 0);

    Trace full;
    buildEveryKind(full);
    std::string text = toJsonl(full);
    text.erase(text.rfind('\n', text.size() - 2) + 1); // drop the run_end line
    Trace cut;
    REQUIRE_FALSE(readText(text, cut));
    CHECK(cut.size() == full.size() - 1);
    CHECK_FALSE(cut.finished());
}

TEST_CASE("every lesson under every method reads back with the same World at every step",
          "[tracefile][lessons]") {
    for (auto& l : lessons()) {
        if (std::string why = lessonUnavailable(l); !why.empty()) {
            WARN(l.id << " not run: " << why);
            continue;
        }
        for (StartMethod m : kAllMethods) {
            CAPTURE(l.id, toString(m));
            Run r = runInSandbox(lessonRun(l, m, l.id == "launch-latency" ? "3" : ""));
            REQUIRE(r.exitCode == 0);
            requireRoundTrip(*r.trace);
        }
    }
}
