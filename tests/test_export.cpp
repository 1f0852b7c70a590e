// The exports a user takes away from a run: Chrome Trace Event JSON (what Perfetto and
// chrome://tracing read, peers.md §2) and the process tree as Graphviz DOT, checked on real
// runs of every lesson under every start method; and `forklab export` / `forklab replay` as a
// user meets them.
//
// Ordering rule checked here (and documented in ChromeExport.hpp): after the "M" events, the
// file is in non-decreasing "ts" order as a whole, so every (pid, tid) track is monotone in file
// order and no viewer has to sort.
#include "CliRunner.hpp"
#include "SandboxHelpers.hpp"

#include "core/lessons/Catalogue.hpp"
#include "core/trace/ChromeExport.hpp"
#include "core/trace/DotExport.hpp"
#include "core/trace/Steps.hpp"
#include "core/trace/SyntheticTrace.hpp"
#include "core/trace/TraceFile.hpp"
#include "core/trace/TraceReader.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

using namespace forklab;
using namespace forklab::test;
using nlohmann::json;

namespace {

std::string chromeOf(const Trace& t) {
    std::ostringstream out;
    writeChromeJson(t, out);
    return out.str();
}

// Processes of a World, without the empty entry World makes for a parent it never saw.
std::map<pid_t, const ProcessView*> realProcs(const World& w) {
    std::map<pid_t, const ProcessView*> out;
    for (auto& [pid, p] : w.procs)
        if (p.pid == pid) out[pid] = &p;
    return out;
}

// Every rule of the Chrome Trace Event format that Perfetto and chrome://tracing depend on, and
// what forklab promises on top (names with roles, tree order, one arrow per recorded fork).
json checkChrome(const Trace& trace, const std::string& text) {
    json doc = json::parse(text); // throws (and fails the test) if it is not JSON
    REQUIRE(doc.is_object());
    REQUIRE(doc["traceEvents"].is_array());
    CHECK(doc["displayTimeUnit"] == "ms");
    const json& events = doc["traceEvents"];

    std::map<pid_t, std::string> names;
    std::map<pid_t, int> sortIndex;
    std::set<pid_t> pidsWithEvents;
    std::map<std::pair<pid_t, pid_t>, std::vector<std::pair<double, double>>> slices;
    std::map<int64_t, std::vector<const json*>> starts, finishes;
    double lastTs = -1;
    bool metaDone = false;
    int deadlockSlices = 0;
    for (const json& e : events) {
        INFO(e.dump());
        REQUIRE(e["ph"].is_string());
        REQUIRE(e["name"].is_string());
        REQUIRE(e["pid"].is_number_integer());
        REQUIRE(e["tid"].is_number_integer());
        const std::string ph = e["ph"];
        const pid_t pid = e["pid"].get<pid_t>();
        CHECK(pid > 0);
        CHECK(e["tid"].get<pid_t>() > 0);
        if (ph == "M") {
            CHECK_FALSE(metaDone); // metadata first, then the timeline
            if (e["name"] == "process_name") {
                REQUIRE(e["args"]["name"].is_string());
                CHECK(names.count(pid) == 0);
                names[pid] = e["args"]["name"];
            } else if (e["name"] == "process_sort_index") {
                REQUIRE(e["args"]["sort_index"].is_number_integer());
                sortIndex[pid] = e["args"]["sort_index"];
            }
            continue;
        }
        metaDone = true;
        pidsWithEvents.insert(pid);
        REQUIRE(e["ts"].is_number());
        double ts = e["ts"];
        CHECK(ts >= 0);
        CHECK(ts >= lastTs); // see the ordering rule at the top
        lastTs = ts;
        REQUIRE(e["cat"].is_string());
        if (ph == "X") {
            REQUIRE(e["dur"].is_number());
            CHECK(e["dur"].get<double>() >= 0);
            slices[{pid, e["tid"]}].push_back({ts, ts + e["dur"].get<double>()});
            if (e["name"] == "DEADLOCKED") ++deadlockSlices;
        } else if (ph == "i" || ph == "I") {
            REQUIRE(e["s"].is_string());
            CHECK((e["s"] == "g" || e["s"] == "p" || e["s"] == "t"));
        } else if (ph == "C") {
            REQUIRE(e["args"].is_object());
            CHECK_FALSE(e["args"].empty());
            for (auto& [k, v] : e["args"].items()) CHECK(v.is_number());
        } else if (ph == "s" || ph == "f") {
            // Perfetto reads a string id as hex: ids must be integers.
            REQUIRE(e["id"].is_number_integer());
            (ph == "s" ? starts : finishes)[e["id"].get<int64_t>()].push_back(&e);
            if (ph == "f") CHECK(e["bp"] == "e");
        } else {
            FAIL("unexpected phase " << ph);
        }
    }
    // Every pid on the timeline is named.
    for (pid_t pid : pidsWithEvents) {
        INFO("pid " << pid << " has events but no process_name");
        CHECK(names.count(pid) == 1);
    }
    // Flows: one s and one f per id, same cat and name, each inside a slice of its own track.
    auto inside = [&](const json& e) {
        auto it = slices.find({e["pid"].get<pid_t>(), e["tid"].get<pid_t>()});
        if (it == slices.end()) return false;
        double ts = e["ts"];
        for (auto& [a, b] : it->second)
            if (a - 1e-6 <= ts && ts <= b + 1e-6) return true;
        return false;
    };
    for (auto& [id, ss] : starts) {
        CAPTURE(id);
        REQUIRE(ss.size() == 1);
        REQUIRE(finishes.count(id) == 1);
        REQUIRE(finishes[id].size() == 1);
        const json& s = *ss[0];
        const json& f = *finishes[id][0];
        CHECK(s["cat"] == f["cat"]);
        CHECK(s["name"] == f["name"]);
        CHECK(s["ts"].get<double>() <= f["ts"].get<double>());
        INFO(s.dump() << "\n" << f.dump());
        CHECK(inside(s));
        CHECK(inside(f));
    }
    for (auto& [id, fs] : finishes) {
        INFO("flow end " << id << " without a start");
        CHECK(starts.count(id) == 1);
    }

    // forklab's own promises, against the World at the end of the trace.
    World w = World::at(trace, trace.size());
    auto procs = realProcs(w);
    size_t forks = 0;
    for (size_t i = 0; i < trace.size(); ++i)
        if (auto* f = trace[i].get<ev::Fork>();
            f && f->how != ForkKind::Thread && procs.count(f->child))
            ++forks;
    CHECK(starts.size() == forks); // one arrow per fork whose child was seen
    int deadlocked = 0;
    for (auto& [pid, p] : procs) {
        CAPTURE(pid);
        REQUIRE(names.count(pid) == 1);
        const std::string& name = names[pid];
        CHECK(name.rfind(std::to_string(pid) + " ", 0) == 0);
        CHECK(name.find(std::string("[") + toString(p->role) + "]") != std::string::npos);
        if (p->nspid && p->nspid != pid)
            CHECK(name.find("(pid " + std::to_string(p->nspid) + " inside)") != std::string::npos);
        CHECK(slices.count({pid, pid}) == 1); // its life is on its main track
        if (procs.count(p->parent)) {
            REQUIRE(sortIndex.count(pid));
            CHECK(sortIndex[p->parent] < sortIndex[pid]); // parents sort above children
        }
        deadlocked += !p->deadlocks.empty();
    }
    CHECK(deadlockSlices == deadlocked);
    return doc;
}

// A small DOT reader: enough of the grammar (graphviz.org/doc/info/lang.html) to prove the
// export is one well-formed digraph, and to list its nodes, their attributes and its edges.
struct DotGraph {
    std::map<std::string, std::map<std::string, std::string>> nodes;
    std::set<std::pair<std::string, std::string>> edges;
};

class DotParser {
  public:
    explicit DotParser(const std::string& s) : s_(s) {}

    DotGraph parse() {
        DotGraph g;
        REQUIRE(next() == "digraph");
        std::string t = next();
        if (t != "{") REQUIRE(next() == "{");
        while (true) {
            t = next();
            REQUIRE_FALSE(t.empty()); // the graph must be closed
            if (t == "}") break;
            if (t == ";") continue;
            if (t == "graph" || t == "node" || t == "edge") {
                attrs();
                continue;
            }
            REQUIRE(isId(t));
            if (peek() == "=") { // ID = ID
                next();
                REQUIRE(isId(next()));
                continue;
            }
            std::vector<std::string> chain{t};
            while (peek() == "->") {
                next();
                std::string to = next();
                REQUIRE(isId(to));
                chain.push_back(to);
            }
            auto a = attrs();
            for (auto& n : chain) g.nodes[n]; // an edge declares its ends
            if (chain.size() == 1)
                for (auto& [k, v] : a) g.nodes[t][k] = v;
            for (size_t i = 0; i + 1 < chain.size(); ++i) g.edges.insert({chain[i], chain[i + 1]});
        }
        REQUIRE(next().empty()); // nothing after the graph
        return g;
    }

  private:
    static bool isId(const std::string& t) {
        return !t.empty() && (std::isalnum(static_cast<unsigned char>(t[0])) || t[0] == '_' ||
                              t[0] == '"' || t[0] == '<' || t[0] == '-' || t[0] == '.');
    }
    static std::string value(const std::string& t) {
        if (t.size() >= 2 && t[0] == '"') {
            std::string v;
            for (size_t i = 1; i + 1 < t.size(); ++i) {
                if (t[i] == '\\' && t[i + 1] == '"') ++i;
                v += t[i];
            }
            return v;
        }
        return t;
    }
    std::map<std::string, std::string> attrs() {
        std::map<std::string, std::string> out;
        while (peek() == "[") {
            next();
            while (peek() != "]") {
                std::string k = next();
                REQUIRE(isId(k));
                REQUIRE(next() == "=");
                std::string v = next();
                REQUIRE(isId(v));
                out[value(k)] = value(v);
                if (peek() == "," || peek() == ";") next();
            }
            next();
        }
        return out;
    }
    std::string peek() {
        size_t save = i_;
        std::string t = next();
        i_ = save;
        return t;
    }
    std::string next() {
        while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
        if (i_ >= s_.size()) return "";
        size_t b = i_;
        char c = s_[i_];
        if (c == '"') {
            for (++i_; i_ < s_.size() && s_[i_] != '"'; ++i_)
                if (s_[i_] == '\\') ++i_;
            REQUIRE(i_ < s_.size()); // unterminated string
            return s_.substr(b, ++i_ - b);
        }
        if (c == '<') { // an HTML string: angle brackets nest
            int depth = 0;
            for (; i_ < s_.size(); ++i_) {
                if (s_[i_] == '<') ++depth;
                if (s_[i_] == '>' && --depth == 0) break;
            }
            REQUIRE(i_ < s_.size());
            return s_.substr(b, ++i_ - b);
        }
        if (s_.compare(i_, 2, "->") == 0) {
            i_ += 2;
            return "->";
        }
        if (std::string("{}[]=;,").find(c) != std::string::npos) return std::string(1, s_[i_++]);
        while (i_ < s_.size() &&
               (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' ||
                s_[i_] == '.' || s_[i_] == '-') &&
               s_.compare(i_, 2, "->") != 0)
            ++i_;
        REQUIRE(i_ > b); // a character DOT does not allow here
        return s_.substr(b, i_ - b);
    }

    const std::string& s_;
    size_t i_ = 0;
};

// Where Graphviz is installed, it must accept the file too (it is not required to test).
void checkWithGraphviz(const std::string& dot) {
    if (system("command -v dot >/dev/null 2>&1") != 0) return;
    auto path = std::filesystem::temp_directory_path() /
                ("forklab-test-" + std::to_string(getpid()) + ".dot");
    std::ofstream(path) << dot;
    std::string cmd = "dot -Tsvg -o /dev/null " + path.string() + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::string msg;
    char buf[512];
    while (fgets(buf, sizeof buf, p)) msg += buf;
    int status = pclose(p);
    std::filesystem::remove(path);
    INFO("dot says: " << msg);
    CHECK(status == 0);
    CHECK(msg.empty()); // no warnings either
}

// The DOT export at a step: one node per process of the World there, one edge per recorded
// parent -> child, and red + bold exactly on the processes with a deadlock verdict.
DotGraph checkDot(const Trace& trace, const std::string& spec) {
    std::string err;
    auto step = resolveDotStep(trace, spec, &err);
    INFO(err);
    REQUIRE(step);
    World w = World::at(trace, step->upto);
    std::ostringstream out;
    writeDot(trace, w, step->title, out);
    INFO(out.str());
    DotGraph g = DotParser(out.str()).parse();
    auto procs = realProcs(w);
    CHECK(g.nodes.size() == procs.size());
    size_t edges = 0;
    for (auto& [pid, p] : procs) {
        CAPTURE(pid);
        std::string id = "p" + std::to_string(pid);
        REQUIRE(g.nodes.count(id));
        auto& a = g.nodes[id];
        CHECK(a["label"].rfind(std::to_string(pid), 0) == 0);
        bool red = a["color"] == "red" && a["style"].find("bold") != std::string::npos;
        CHECK(red == !p->deadlocks.empty());
        if (!p->deadlocks.empty()) CHECK(a["label"].find("DEADLOCKED") != std::string::npos);
        if (procs.count(p->parent)) {
            ++edges;
            CHECK(g.edges.count({"p" + std::to_string(p->parent), id}));
        }
    }
    CHECK(g.edges.size() == edges);
    checkWithGraphviz(out.str());
    return g;
}

// Reading back what was written: the exports depend only on what the file carries.
std::unique_ptr<Trace> roundTrip(const Trace& t) {
    std::ostringstream out;
    writeJsonl(t, out);
    auto back = std::make_unique<Trace>();
    std::istringstream in(out.str());
    auto err = readJsonl(in, *back);
    INFO(err.value_or(""));
    REQUIRE_FALSE(err);
    return back;
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "forklab-export-XXXXXX");
        REQUIRE(mkdtemp(tmpl.data()));
        path = tmpl;
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("every lesson under every method exports to valid Chrome JSON and DOT", "[export]") {
    for (auto& lesson : lessons()) {
        if (std::string why = lessonUnavailable(lesson); !why.empty()) {
            WARN(lesson.id << " not run: " << why);
            continue;
        }
        for (StartMethod m : kAllMethods) {
            CAPTURE(lesson.id, toString(m));
            Run r = runInSandbox(lessonRun(lesson, m, lesson.id == "launch-latency" ? "3" : ""));
            INFO(r.story());
            std::string text = chromeOf(*r.trace);
            checkChrome(*r.trace, text);
            CHECK(chromeOf(*roundTrip(*r.trace)) == text);

            StepIndex steps = StepIndex::build(*r.trace);
            REQUIRE(steps.key);
            auto key = resolveDotStep(*r.trace, "key", nullptr);
            REQUIRE(key);
            CHECK(key->upto == settle(*r.trace, *steps.key));
            CHECK(key->title.find("★") != std::string::npos);
            checkDot(*r.trace, "key");
            checkDot(*r.trace, "first");
            DotGraph last = checkDot(*r.trace, "last");

            if (lesson.id == "mutex-after-fork" && m == StartMethod::Fork) {
                // The child stuck on the orphaned mutex: red on the tree, a slice in Perfetto.
                int red = 0;
                for (auto& [id, a] : last.nodes) red += a["color"] == "red";
                CHECK(red == 1);
                CHECK(text.find("\"DEADLOCKED\"") != std::string::npos);
                CHECK(text.find("\"mutex_name\":\"log_lock\"") != std::string::npos);
            }
        }
    }
}

TEST_CASE("Chrome export of an unfinished, a synthetic and an empty trace", "[export]") {
    SECTION("a recording cut short: what never ended lasts until its last event") {
        Run r = runInSandbox({fixture("mutex_fork")});
        std::ostringstream full;
        writeJsonl(*r.trace, full);
        std::istringstream lines(full.str());
        std::string cut, line;
        size_t total = r.trace->size(), kept = 0;
        while (std::getline(lines, line) && kept++ < total * 2 / 3) cut += line + "\n";
        Trace t;
        std::istringstream in(cut);
        REQUIRE_FALSE(readJsonl(in, t));
        REQUIRE_FALSE(t.finished());
        checkChrome(t, chromeOf(t));
        checkDot(t, "last");
    }
    SECTION("a large synthetic tree") {
        Trace t;
        makeSyntheticTrace(t, SyntheticTraceSpec{200, 20000, 7});
        checkChrome(t, chromeOf(t));
        checkDot(t, "last");
    }
    SECTION("bytes that are not text: argv, names and output") {
        Trace t;
        int64_t now = 1000;
        auto add = [&](pid_t pid, EventKind kind, Payload data) {
            Event e;
            e.t = now += 1000;
            e.pid = pid;
            e.kind = kind;
            e.data = std::move(data);
            t.append(std::move(e));
        };
        add(0, EventKind::RunStart, ev::RunStart{t.intern("odd \xff \"bytes\""), 0, 8, 1000, 1000});
        add(100, EventKind::Proc, ev::Proc{1, 0, Role::Sandbox, ForkKind::Fork, t.intern("sb")});
        add(100, EventKind::Fork, ev::Fork{101, ForkKind::Vfork});
        add(101, EventKind::Proc,
            ev::Proc{2, 100, Role::Program, ForkKind::Vfork, t.intern("n\xc3\x28me<&>")});
        add(101, EventKind::Exec,
            ev::Exec{t.intern("/bin/\xfe\\x"), t.intern("/bin/\xfe\\x"),
                     t.intern(std::string("a\0\xfe\"b\\c\n{d}\0", 12)), kNoSnap, kNoSnap,
                     Role::Program});
        add(101, EventKind::Output, ev::Output{1, t.intern("\x01\x7f\xc3 \"x\"\n"), false});
        add(101, EventKind::Exit, ev::Exit{WaitStatus::forExit(3)});
        add(100, EventKind::Exit, ev::Exit{WaitStatus::forSignal(9)});
        json doc = checkChrome(t, chromeOf(t));
        CHECK(doc.dump(-1, ' ', false, json::error_handler_t::strict).size() > 0); // valid UTF-8
        DotGraph g = checkDot(t, "last");
        CHECK(g.nodes["p101"]["label"].find("exited 3") != std::string::npos);
    }
    SECTION("no process at all: still a file Perfetto opens") {
        Trace t;
        Event e;
        e.t = 1000;
        e.kind = EventKind::RunStart;
        e.data = ev::RunStart{t.intern("nothing"), 0, 1, 1000, 1000};
        t.append(e);
        json doc = checkChrome(t, chromeOf(t));
        CHECK(doc["traceEvents"].size() > 0);
        std::string err;
        CHECK(resolveDotStep(t, "last", &err)); // the tree at the end, even without steps
        CHECK_FALSE(resolveDotStep(t, "key", &err));
        CHECK_FALSE(err.empty());
    }
    SECTION("out of time order (only a hand-made trace): sorted, and as a trace in order is") {
        // A trace in time order is streamed; one out of order is kept whole and sorted. The two
        // must agree: a late snapshot makes no event of its own, so moving it changes nothing.
        auto make = [](Trace& t, int64_t snapAt, int64_t outputAt) {
            auto add = [&](int64_t at, pid_t pid, EventKind kind, Payload data) {
                t.append(Event{at, pid, kind, std::move(data)});
            };
            ProcessSnapshot snap;
            snap.pid = 101;
            SnapId s = t.addSnapshot(snap);
            add(1000, 0, EventKind::RunStart, ev::RunStart{t.intern("demo"), 0, 8, 1000, 1000});
            add(2000, 100, EventKind::Proc,
                ev::Proc{1, 0, Role::Sandbox, ForkKind::Fork, t.intern("sb")});
            add(3000, 100, EventKind::Fork, ev::Fork{101, ForkKind::Fork});
            add(3000, 101, EventKind::Proc,
                ev::Proc{2, 100, Role::Program, ForkKind::Fork, t.intern("child")});
            add(snapAt, 101, EventKind::Snapshot, ev::Snapshot{s, SnapReason::Fork});
            add(4000, 101, EventKind::Exec,
                ev::Exec{t.intern("/bin/true"), t.intern("/bin/true"),
                         t.intern(std::string("true\0", 5)), kNoSnap, kNoSnap, Role::Program});
            add(outputAt, 101, EventKind::Output, ev::Output{1, t.intern("hi\n"), false});
            add(5000, 101, EventKind::Marker, ev::Marker{t.intern("done"), true});
            add(6000, 101, EventKind::Exit, ev::Exit{WaitStatus::forExit(0)});
            add(6000, 100, EventKind::Exit, ev::Exit{WaitStatus::forExit(0)});
        };
        Trace inOrder, lateSnapshot, earlyOutput;
        make(inOrder, 3500, 4000);
        make(lateSnapshot, 500, 4000);
        make(earlyOutput, 3500, 2500);
        std::string text = chromeOf(inOrder);
        checkChrome(inOrder, text);
        CHECK(chromeOf(lateSnapshot) == text);
        checkChrome(earlyOutput, chromeOf(earlyOutput));
    }
}

TEST_CASE("forklab export and forklab replay, as a user meets them", "[export][cli]") {
    TempDir dir;
    const std::string trace = dir / "t.forklab.jsonl";
    auto rec =
        runForklab({"trace", "-q", "--export", trace, "--", "sh", "-c", "sleep 0.01 & wait"});
    INFO(rec.out);
    REQUIRE(rec.exitCode == 0);

    SECTION("errors: unreadable input is 1 and names the file, bad usage is 2") {
        auto r = runForklab({"export", dir / "missing.forklab.jsonl", "--format", "chrome"});
        CHECK(r.exitCode == 1);
        CHECK(r.out.find(dir / "missing.forklab.jsonl") != std::string::npos);
        std::ofstream(dir / "garbage.jsonl") << "not a trace\n";
        r = runForklab({"export", dir / "garbage.jsonl", "--format", "dot"});
        CHECK(r.exitCode == 1);
        CHECK(r.out.find("garbage.jsonl") != std::string::npos);
        CHECK(r.out.find("line 1") != std::string::npos);
        CHECK(runForklab({"export", trace, "--format", "svg"}).exitCode == 2);
        CHECK(runForklab({"export", trace}).exitCode == 2); // which format?
        CHECK(runForklab({"export", "--format", "chrome"}).exitCode == 2);
        CHECK(runForklab({"export", trace, "--format", "chrome", "--step", "2"}).exitCode == 2);
        r = runForklab({"export", trace, "--format", "dot", "--step", "key"});
        CHECK(r.exitCode == 2); // `forklab trace` flags no key step
        CHECK(r.out.find("key") != std::string::npos);
        CHECK(runForklab({"export", trace, "-f", "chrome", "-o", dir / "no/such/dir.json"})
                  .exitCode == 1);
        r = runForklab({"replay", "--text", dir / "missing.forklab.jsonl"});
        CHECK(r.exitCode == 1);
        CHECK(r.out.find("missing.forklab.jsonl") != std::string::npos);
    }
    SECTION("chrome, jsonl and dot, to stdout and to files") {
        Trace t;
        REQUIRE_FALSE(readJsonlFile(trace, t));
        auto r = runForklab({"export", trace, "--format", "chrome"});
        CHECK(r.exitCode == 0);
        checkChrome(t, r.out);
        CHECK(r.out == chromeOf(t));
        r = runForklab({"export", trace, "--format", "chrome", "-o", "-"});
        CHECK(r.exitCode == 0);
        CHECK(r.out == chromeOf(t));
        r = runForklab({"export", trace, "-o", dir / "t.json"}); // format from the extension
        CHECK(r.exitCode == 0);
        CHECK(slurp(dir / "t.json") == chromeOf(t));
        r = runForklab({"export", trace, "--format", "jsonl", "-o", dir / "copy.forklab.jsonl"});
        CHECK(r.exitCode == 0);
        CHECK(slurp(dir / "copy.forklab.jsonl") == slurp(trace));
        r = runForklab({"export", trace, "--format", "dot", "--step", "last", "-o", dir / "t.dot"});
        CHECK(r.exitCode == 0);
        DotGraph g = DotParser(slurp(dir / "t.dot")).parse();
        CHECK(g.nodes.size() == 3); // sandbox, sh, sleep
        CHECK(g.edges.size() == 2);
        r = runForklab({"export", "--help"});
        CHECK(r.exitCode == 0);
        CHECK(r.out.find("Perfetto") != std::string::npos);
        CHECK(r.out.find("--step") != std::string::npos);
    }
    SECTION("replay tells the recorded story; without --text it points at the window") {
        auto r = runForklab({"replay", "--text", trace});
        CHECK(r.exitCode == 0);
        CHECK(r.out.find("Process tree:") != std::string::npos);
        CHECK(r.out.find("forklab runs: sh -c") != std::string::npos);
        CHECK(r.out.find("gui --trace") == std::string::npos);
        r = runForklab({"replay", trace});
        CHECK(r.exitCode == 0);
        CHECK(r.out.find("Process tree:") != std::string::npos);
        // A build with the window says how to open it there; one without says it has none.
        CHECK((r.out.find("forklab gui --trace " + trace) != std::string::npos ||
               r.out.find("no window") != std::string::npos));
        r = runForklab({"replay", "--help"});
        CHECK(r.exitCode == 0);
        CHECK(r.out.find("--text") != std::string::npos);
    }
}
