#include "ChromeExport.hpp"
#include "core/base/Text.hpp"

#include "Steps.hpp"
#include "core/probe/Deadlock.hpp"

#include "JsonWriter.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

namespace forklab {

using nlohmann::json;

namespace {

std::string basename(std::string_view p) {
    auto slash = p.rfind('/');
    return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

// Slice names stay short enough to read on a track; args carry the whole text.
std::string shorten(std::string s, size_t max = 80) {
    for (char& c : s)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    if (s.size() > max) {
        s.resize(max);
        // Never cut a UTF-8 sequence in half: back up to a lead byte.
        while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
        if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();
        s += "…";
    }
    while (!s.empty() && s.back() == ' ') s.pop_back(); // "hello\n" reads "hello"
    return s;
}

std::string commandLine(const std::vector<std::string>& argv) {
    std::string s;
    for (size_t i = 0; i < argv.size(); ++i)
        s += (i ? " " : "") + (i ? argv[i] : basename(argv[i]));
    return s;
}

// "3 pipe:[123] (w, CLOEXEC)", appended to `out`.
void appendFdText(std::string& out, const FdEntry& f) {
    char buf[16];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, f.fd).ptr);
    out += ' ';
    out += f.target;
    out += " (";
    out += toString(f.access);
    out += f.cloexec ? ", CLOEXEC)" : ")";
}
// The same, made in `out` (reused, so a long fd list allocates once).
const std::string& fdText(std::string& out, const FdEntry& f) {
    out.clear();
    appendFdText(out, f);
    return out;
}

// True if `v` is a JSON string as it is, between quotes: printable ASCII but '"' and '\\'. Both
// quote() and JsonWriter then write '"' + v + '"'.
bool plain(std::string_view v) {
    return std::all_of(v.begin(), v.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
    });
}

// The fds of `snap` that `pick` keeps, as a JSON array of their fdText()s, made in `out` for
// JsonWriter::raw. A target is nearly always a plain path or "pipe:[123]": its text is then
// written at once, not made and then escaped (each process slice lists its fds twice).
template <class Pick>
const std::string& fdArray(std::string& out, std::string& scratch, const ProcessSnapshot& snap,
                           Pick pick) {
    out = '[';
    for (auto& f : snap.fds) {
        if (!pick(f)) continue;
        if (out.size() > 1) out += ',';
        if (!plain(f.target)) {
            JsonWriter::appendQuoted(out, fdText(scratch, f));
            continue;
        }
        out += '"';
        appendFdText(out, f); // plain, and so are the rest: no escapes needed
        out += '"';
    }
    out += ']';
    return out;
}

// One life of a process on its pid (a pid reused within a run gets a second life on the same
// track). Built by one pass over the events, emitted afterwards when every end is known.
struct Segment { // one program image: before the first exec, then one per exec
    int64_t start = 0, end = -1;
    std::string name;
    std::string_view args; // JSON text: a literal, or an exec's in ChromeWriter::execArgs_
};
struct ForkOut {
    int64_t t = 0;
    pid_t child = 0;
    ForkKind how = ForkKind::Fork;
    long childLife = -1; // index into lives, once the child's proc event is seen
};
struct ThreadLife {
    pid_t tid = 0;
    int64_t start = 0, end = -1;
};
struct Life {
    pid_t pid = 0, nspid = 0, parent = 0;
    Role role = Role::Program;
    ForkKind how = ForkKind::Fork;
    std::string name; // comm, then the exec'd basename
    std::vector<std::string> argv;
    std::string exe;
    int execs = 0;
    int64_t born = 0, died = -1;
    bool exited = false, killedBySandbox = false;
    WaitStatus status;
    std::vector<Segment> segs;
    std::vector<ForkOut> forks;
    std::vector<ThreadLife> threads;
    int64_t deadlockAt = -1;
    json deadlockArgs;
    SnapId inherited = kNoSnap, last = kNoSnap;
};

// What a walk over the events has learnt so far. A streamed export walks the events twice (see
// ChromeWriter::write), each time from a fresh Walk.
struct Walk {
    std::vector<Life> lives;
    std::unordered_map<pid_t, size_t> current;              // pid -> its newest life
    std::map<pid_t, std::pair<size_t, size_t>> pendingFork; // child -> (parent life, fork)
    std::map<uint64_t, std::string> mutexNames;             // address -> the program's name for it
    std::multiset<std::string> shmLive;
    std::vector<pid_t> pidsUsed; // the pid of every event (sorted and unique once collected)
    pid_t lastPid = 0;           // the pid last added to pidsUsed
    std::string command;
    int liveProcs = 0;
    size_t execs = 0; // Exec events seen

    Walk() = default;
    explicit Walk(size_t procs) { // sized once: a million-event trace has ~100k processes
        lives.reserve(procs);
        current.reserve(procs);
    }
};

// A slice or flow made from an ended life: only its place in time until it is written.
struct LifeItem {
    enum Part : uint8_t { Process, Image, Fork, FlowStart, FlowEnd, Deadlock, Thread };
    int64_t ns, dur; // dur: -1 for a flow
    uint32_t life;   // index into the lives
    uint32_t k;      // Image: segs[k]; Fork, FlowStart, FlowEnd: forks[k]; Thread: threads[k]
    uint32_t flow;   // FlowStart, FlowEnd: the arrow's id
    Part part;
};

class ChromeWriter {
  public:
    explicit ChromeWriter(const Trace& trace) : t_(trace) {}

    // The "M" events come first and need the whole trace: a first walk over the events learns
    // every life and name. In a trace in time order (any the reader made) a second walk then
    // makes the instants and counters and writes each at once, after the lives' slices and flows
    // that come before it (made as they are written), so the export is never held in memory:
    // ~340 MB for a million events, all page faults and copies. A trace out of time order (only
    // a hand-made Trace) keeps the first walk's instants and counters, and sorts them.
    void write(std::ostream& out) {
        out_ = &out;
        bool inOrder = true;
        size_t procs = 0;
        n_ = t_.size();
        for (size_t i = 0; i < n_; ++i) {
            inOrder = inOrder && (i == 0 || t_[i - 1].t <= t_[i].t);
            procs += t_[i].kind == EventKind::Proc;
        }
        sink_ = inOrder ? Sink::None : Sink::Keep;
        w_ = Walk(procs);
        collect();
        ended_ = std::move(w_);
        planLives();
        json other{{"generator", "forklab"},
                   {"source", "forklab trace (.forklab.jsonl), exported to Chrome Trace Event"},
                   {"command", ended_.command},
                   {"time", "ts and dur in µs since the recorder's clock started"}};
        buf_ = "{\"displayTimeUnit\":\"ms\",\"otherData\":" + dump(other) + ",\"traceEvents\":[\n";
        emitMetadata();
        if (inOrder) {
            w_ = Walk(procs);
            sink_ = Sink::Stream;
            walk();
        } else {
            std::stable_sort(kept_.begin(), kept_.end(),
                             [](const Kept& a, const Kept& b) { return a.ns < b.ns; });
            for (const Kept& k : kept_) {
                putLivesBefore(k.ns);
                next().append(keptText_, k.at, k.len);
                written();
            }
        }
        while (nextLife_ < lifeItems_.size()) putLifeItem(lifeItems_[nextLife_++]);
        buf_ += "\n]}\n";
        out.write(buf_.data(), std::streamsize(buf_.size()));
    }

  private:
    // Timed events in ts order; at equal ts, enclosing (longer) slices before the ones they hold
    // (instants, counters and flows have dur -1), then the order made, so a viewer nests them as
    // intended.
    static bool before(int64_t ns, int64_t dur, int64_t otherNs, int64_t otherDur) {
        return ns != otherNs ? ns < otherNs : dur > otherDur;
    }

    // The output: each event is appended to buf_ after next(), then written(). buf_ goes out in
    // 1 MiB pieces (measured as fast as two ostream calls per event, not faster).
    std::string& next() {
        if (!first_) buf_ += ",\n";
        first_ = false;
        return buf_;
    }
    void written() {
        if (buf_.size() >= (size_t(1) << 20)) {
            out_->write(buf_.data(), std::streamsize(buf_.size()));
            buf_.clear();
        }
    }

    // Where a walk's instants and counters go.
    enum class Sink {
        None,   // nowhere: the first walk of a trace in time order
        Keep,   // into kept_, to be sorted
        Stream, // out, at once
    };
    // The first walk learns the lives (what their slices and the "M" events are made from); a
    // streaming walk only keeps what its instants and counters say (names, roles, counts). Each
    // skips the work it has no use for.
    bool learning() const { return sink_ != Sink::Stream; }
    bool emitting() const { return sink_ != Sink::None; }
    // An instant or counter at `ns` is appended to the string eventText() returns, then
    // eventDone(): kept, or written at once.
    std::string& eventText(int64_t ns) {
        if (sink_ == Sink::Keep) {
            kept_.push_back({ns, keptText_.size(), 0});
            return keptText_;
        }
        putLivesBefore(ns);
        return next();
    }
    void eventDone() {
        if (sink_ == Sink::Keep)
            kept_.back().len = keptText_.size() - kept_.back().at;
        else
            written();
    }
    // Writes the lives' items that go before an instant or counter at `ns`. Instants and
    // counters come in time order here, so this merge gives the order a stable sort of all of
    // them, instants and counters first (the first walk makes them before the lives' items),
    // would give.
    void putLivesBefore(int64_t ns) {
        while (nextLife_ < lifeItems_.size() &&
               before(lifeItems_[nextLife_].ns, lifeItems_[nextLife_].dur, ns, -1))
            putLifeItem(lifeItems_[nextLife_++]);
    }

    // Argv, names and output are bytes: invalid UTF-8 becomes U+FFFD rather than an exception.
    static std::string dump(const json& j) {
        return j.dump(-1, ' ', false, json::error_handler_t::replace);
    }
    // ns -> µs exactly, as decimal text: "21161.781".
    static void appendUs(std::string& s, int64_t ns) {
        ns = std::max<int64_t>(ns, 0); // the reader guarantees it; a hand-made Trace may not
        appendInt(s, ns / 1000);
        int frac = int(ns % 1000);
        if (!frac) return;
        char f[4] = {'.', char('0' + frac / 100), char('0' + frac / 10 % 10),
                     char('0' + frac % 10)};
        size_t n = 4;
        while (f[n - 1] == '0') --n;
        s.append(f, n);
    }
    // A JSON string. ASCII (nearly everything) is escaped here; other bytes go through
    // JsonWriter, which checks the UTF-8 as nlohmann does.
    static void quote(std::string& s, std::string_view v) {
        if (plain(v)) { // nearly every string: one pass, one copy
            s += '"';
            s += v;
            s += '"';
            return;
        }
        if (!std::all_of(v.begin(), v.end(), [](char c) { return (c & 0x80) == 0; }))
            return JsonWriter::appendQuoted(s, v);
        s += '"';
        size_t run = 0; // start of the bytes not yet copied
        for (size_t i = 0; i < v.size(); ++i) {
            char c = v[i];
            if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) continue;
            s.append(v.data() + run, i - run);
            run = i + 1;
            if (c == '"' || c == '\\') {
                s += '\\';
                s += c;
            } else if (c == '\n') {
                s += "\\n";
            } else {
                char buf[8];
                snprintf(buf, sizeof buf, "\\u%04x", unsigned(c));
                s += buf;
            }
        }
        s.append(v.data() + run, v.size() - run);
        s += '"';
    }
    static std::string quote(std::string_view v) {
        std::string s;
        quote(s, v);
        return s;
    }
    static void appendInt(std::string& s, int64_t v) {
        char buf[24];
        s.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
    }
    // The fields every event has; the caller appends its own and the closing brace.
    static void head(std::string& s, const char* ph, std::string_view name, const char* cat,
                     int64_t ns, pid_t pid, pid_t tid) {
        s += "{\"ph\":\"";
        s += ph;
        s += "\",\"name\":";
        quote(s, name);
        s += ",\"cat\":\""; // cat is one of ours: plain ASCII
        s += cat;
        s += "\",\"ts\":";
        appendUs(s, ns);
        s += ",\"pid\":";
        appendInt(s, pid);
        s += ",\"tid\":";
        appendInt(s, tid);
    }
    std::string str(StrId id) const { return std::string(t_.str(id)); }

    // `args` writes the args object with the JsonWriter it is given (keys in sorted order, as
    // nlohmann's dump wrote them).
    template <class Args>
    static void slice(std::string& s, std::string_view name, const char* cat, int64_t start,
                      int64_t dur, pid_t pid, pid_t tid, const Args& args,
                      const char* cname = nullptr) {
        head(s, "X", name, cat, start, pid, tid);
        s += ",\"dur\":";
        appendUs(s, dur);
        if (cname) {
            s += ",\"cname\":\"";
            s += cname;
            s += '"';
        }
        s += ",\"args\":";
        writeArgs(s, args);
        s += '}';
    }
    // scope: "t" (the main track), "p" (the process's instant track), "g" (all processes).
    template <class Args>
    void instant(const char* scope, std::string_view name, const char* cat, int64_t ns, pid_t pid,
                 const Args& args) {
        if (sink_ == Sink::None) return;
        if (pid <= 0) pid = rootPid_; // Chrome pids are positive; an unknown actor goes home
        std::string& s = eventText(ns);
        head(s, "i", name, cat, ns, pid, pid);
        s += ",\"s\":\"";
        s += scope;
        s += "\",\"args\":";
        writeArgs(s, args);
        s += '}';
        eventDone();
    }
    static void writeArgs(std::string& s, const json& args) { s += dump(args); }
    static void writeArgs(std::string& s, std::string_view jsonText) { s += jsonText; }
    static void writeArgs(std::string& s, const std::string& jsonText) { s += jsonText; }
    template <class F, class = std::enable_if_t<std::is_invocable_v<const F&, JsonWriter&>>>
    static void writeArgs(std::string& s, const F& f) {
        JsonWriter w(s);
        w.beginObject();
        f(w);
        w.endObject();
    }
    void counter(const char* name, const char* series, int64_t ns, int64_t value) {
        if (sink_ == Sink::None) return;
        std::string& s = eventText(ns);
        head(s, "C", name, "counter", ns, rootPid_, rootPid_);
        s += ",\"args\":{";
        quote(s, series);
        s += ':';
        appendInt(s, value);
        s += "}}";
        eventDone();
    }
    static void flow(std::string& s, const char* ph, long id, const char* name, int64_t ns,
                     pid_t pid) {
        head(s, ph, name, "fork", ns, pid, pid);
        s += ",\"id\":";
        appendInt(s, id);
        if (ph[0] == 'f') s += ",\"bp\":\"e\""; // bind to the enclosing slice, not the next one
        s += '}';
    }

    Life* life(pid_t pid) {
        auto it = w_.current.find(pid);
        return it == w_.current.end() ? nullptr : &w_.lives[it->second];
    }
    // "1234 forklab-lessons [spawn-child]": a process slice's name
    static std::string title(const Life& l) {
        return std::to_string(l.pid) + " " + (l.name.empty() ? "?" : l.name) + " [" +
               toString(l.role) + "]";
    }
    // "1234 forklab-lessons [spawn-child] (pid 4 inside)", at the end of the trace
    static std::string label(const Life& l) {
        std::string s = title(l);
        if (l.nspid && l.nspid != l.pid) s += " (pid " + std::to_string(l.nspid) + " inside)";
        return s;
    }
    std::string who(pid_t pid) const {
        auto it = w_.current.find(pid);
        if (it == w_.current.end()) return std::to_string(pid);
        return std::to_string(pid) + " " + w_.lives[it->second].name;
    }

    void collect();
    void walk();
    void event(size_t i, const Event& e);
    std::string execArgs(const ev::Exec& d, const std::vector<std::string>& argv);
    void planLives();
    void putLifeItem(const LifeItem& it);
    void emitMetadata();

    const Trace& t_;
    size_t n_ = 0; // the events exported: the trace's size when write() began (both walks see
                   // the same events, however many a recording appends meanwhile)
    Walk w_;       // the walk in progress
    Walk ended_;   // the first walk, ended: what the lives' items and "M" events are made from
    Sink sink_ = Sink::Keep;
    std::string fdText_, fdArray_; // reused by fdArray()
    struct Kept { // an instant or counter of Sink::Keep: its time and text in keptText_
        int64_t ns;
        size_t at, len;
    };
    std::vector<Kept> kept_;
    std::string keptText_;
    std::deque<std::string> execArgs_; // each Exec event's args, made by the first walk
    std::vector<LifeItem> lifeItems_;  // in time order, once planLives() is done
    size_t nextLife_ = 0;              // lifeItems_[nextLife_] is the next to write
    std::ostream* out_ = nullptr;
    std::string buf_;   // output not yet written to out_
    bool first_ = true; // no event written yet (the next needs no separator)
    pid_t rootPid_ = 1; // where counters and global instants live: the sandbox's launcher
    int64_t end_ = 0;
    StepIndex steps_;
};

void ChromeWriter::collect() {
    size_t n = n_;
    end_ = n ? t_[n - 1].t : 0;
    steps_ = StepIndex::build(t_);
    for (size_t i = 0; i < n; ++i)
        if (t_[i].kind == EventKind::Proc && t_[i].pid > 0) {
            rootPid_ = t_[i].pid;
            break;
        }
    walk();
    std::sort(w_.pidsUsed.begin(), w_.pidsUsed.end());
    w_.pidsUsed.erase(std::unique(w_.pidsUsed.begin(), w_.pidsUsed.end()), w_.pidsUsed.end());
    // What never ended ends with the trace (an unfinished recording, or a process the run
    // left behind): its slices stop at the last event.
    for (auto& l : w_.lives) {
        for (auto& s : l.segs)
            if (s.end < 0) s.end = std::max(s.start, end_);
        for (auto& th : l.threads)
            if (th.end < 0) th.end = std::max(th.start, end_);
    }
}

void ChromeWriter::walk() {
    for (size_t i = 0; i < n_; ++i) event(i, t_[i]);
}

// The args of an exec's instant and of the image slice it starts.
std::string ChromeWriter::execArgs(const ev::Exec& d, const std::vector<std::string>& argv) {
    std::string args;
    JsonWriter w(args);
    w.beginObject().key("argv").beginArray();
    for (auto& a : argv) w.value(a);
    w.endArray().field("exe", t_.str(d.exe));
    if (d.before != kNoSnap && d.after != kNoSnap) {
        const auto& before = t_.snapshot(d.before);
        const auto& after = t_.snapshot(d.after);
        for (bool kept : {false, true})
            w.key(kept ? "fds_kept" : "fds_closed_by_exec")
                .raw(fdArray(fdArray_, fdText_, before, [&](const FdEntry& f) {
                    return (after.findFd(f.fd) != nullptr) == kept;
                }));
    }
    w.field("path", t_.str(d.path));
    if (d.role != Role::Program && d.role != Role::Sandbox)
        w.field("recognised_as", toString(d.role));
    w.field("role", toString(d.role)).endObject();
    return args;
}

void ChromeWriter::event(size_t i, const Event& e) {
    Life* L = e.pid > 0 ? life(e.pid) : nullptr;
    auto closeThreads = [](Life& l, int64_t at) {
        for (auto& th : l.threads)
            if (th.end < 0) th.end = at;
    };
    switch (e.kind) {
    case EventKind::RunStart: {
        auto& d = e.as<ev::RunStart>();
        w_.command = str(d.command);
        json iso = json::object();
        for (auto& n : kIsolationNames) iso[n.key] = bool(d.isolation & n.flag);
        instant("g", "run start: " + shorten(w_.command), "run", e.t, rootPid_,
                json{{"command", w_.command},
                     {"isolation", iso},
                     {"max_procs", d.maxProcs},
                     {"deadline_ms", d.deadlineMs},
                     {"grace_ms", d.graceMs}});
        // The counters start from zero, so their tracks cover the whole run.
        counter("live", "processes", e.t, 0);
        counter("/dev/shm", "entries", e.t, 0);
        break;
    }
    case EventKind::Proc: {
        if (e.pid <= 0) break;
        auto& d = e.as<ev::Proc>();
        Life l;
        l.pid = e.pid;
        l.nspid = d.nspid;
        l.parent = d.parent;
        l.role = d.role;
        l.how = d.how;
        l.name = str(d.name);
        l.born = e.t;
        if (learning()) {
            std::string first = l.name.empty() ? "?" : l.name;
            if (d.parent && d.role != Role::Sandbox)
                first += " (the parent's copy, before any exec)";
            l.segs.push_back(Segment{e.t, -1, first,
                                     d.parent ? R"({"image":"the parent's, inherited by fork"})"
                                              : R"({"image":"as first seen"})"});
            auto pf = w_.pendingFork.find(e.pid);
            if (pf != w_.pendingFork.end()) {
                w_.lives[pf->second.first].forks[pf->second.second].childLife =
                    long(w_.lives.size());
                w_.pendingFork.erase(pf);
            }
        }
        w_.current[e.pid] = w_.lives.size();
        w_.lives.push_back(std::move(l));
        counter("live", "processes", e.t, ++w_.liveProcs);
        break;
    }
    case EventKind::Fork: {
        if (!L || !learning()) break;
        auto& d = e.as<ev::Fork>();
        if (d.how == ForkKind::Thread) {
            L->threads.push_back(ThreadLife{d.child, e.t, -1});
        } else {
            w_.pendingFork[d.child] = {size_t(L - w_.lives.data()), L->forks.size()};
            L->forks.push_back(ForkOut{e.t, d.child, d.how, -1});
        }
        break;
    }
    case EventKind::ThreadExit: {
        if (!L || !learning()) break;
        pid_t tid = e.as<ev::ThreadExit>().tid;
        for (auto& th : L->threads)
            if (th.tid == tid && th.end < 0) th.end = e.t;
        break;
    }
    case EventKind::Exec: {
        auto& d = e.as<ev::Exec>();
        std::vector<std::string> argv;
        if (learning()) { // made once: a streaming walk finds them in execArgs_
            argv = splitArgv(t_.str(d.argv));
            execArgs_.push_back(execArgs(d, argv));
        }
        const std::string& args = execArgs_[w_.execs++];
        instant("t", "exec " + basename(str(d.path)), "exec", e.t, e.pid, args);
        if (!L) break;
        std::string_view exe = t_.str(d.exe);
        L->name = basename(exe.empty() ? t_.str(d.path) : exe);
        L->role = d.role;
        if (!learning()) break;
        if (!L->segs.empty() && L->segs.back().end < 0) L->segs.back().end = e.t;
        closeThreads(*L, e.t); // exec leaves the calling process one thread
        L->exe = exe;
        L->execs++;
        std::string cmd = commandLine(argv);
        L->segs.push_back(Segment{e.t, -1, shorten(cmd.empty() ? L->name : cmd), args});
        L->argv = std::move(argv);
        break;
    }
    case EventKind::Exit: {
        auto& d = e.as<ev::Exit>();
        if (L) {
            if (!L->segs.empty() && L->segs.back().end < 0) L->segs.back().end = e.t;
            closeThreads(*L, e.t);
            if (L->died < 0) counter("live", "processes", e.t, --w_.liveProcs);
            L->died = e.t;
            L->exited = true;
            L->status = d.status;
        }
        WaitStatus st = d.status;
        instant("p", (st.exited() ? "exit " + std::to_string(st.exitCode()) : st.describe()),
                "exit", e.t, e.pid, [&](JsonWriter& w) {
                    if (st.exited())
                        w.field("code", st.exitCode());
                    else
                        w.field("core_dumped", st.coreDumped());
                    if (L) {
                        w.field("killed_by_sandbox", L->killedBySandbox);
                        w.field("role", toString(L->role));
                    }
                    if (!st.exited()) {
                        w.field("signal", st.termSignal());
                        w.field("signal_name", signalName(st.termSignal()));
                    }
                    w.field("status", st.describe());
                });
        break;
    }
    case EventKind::Snapshot: {
        if (!L || !learning()) break;
        auto& d = e.as<ev::Snapshot>();
        if (d.reason == SnapReason::Fork && L->inherited == kNoSnap) L->inherited = d.snap;
        L->last = d.snap;
        break;
    }
    case EventKind::Output: {
        if (!emitting()) break;
        auto& d = e.as<ev::Output>();
        std::string text = str(d.text);
        std::string stream = d.fd == 1   ? "stdout"
                             : d.fd == 2 ? "stderr"
                                         : "fd " + std::to_string(d.fd);
        instant("t", stream + ": " + shorten(text, 60), "output", e.t, e.pid,
                "{\"fd\":" + std::to_string(d.fd) + ",\"text\":" + quote(text) +
                    ",\"truncated\":" + (d.truncated ? "true" : "false") +
                    (d.notKept ? ",\"not_kept\":" + std::to_string(d.notKept) : "") + "}");
        break;
    }
    case EventKind::Deadlock: {
        auto& d = e.as<ev::Deadlock>();
        bool orphaned = d.rule == uint8_t(DeadlockRule::OrphanedMutex);
        json args{{"tid", d.tid},
                  {"rule", orphaned ? "a" : "b"},
                  {"meaning", orphaned
                                  ? "waits for a mutex whose owner thread is not in this "
                                    "process (left behind at fork): no thread here will unlock it"
                                  : "its only thread waits without timeout on a private "
                                    "futex: no thread exists that could wake it"},
                  {"futex", hex(d.addr)},
                  {"evidence", str(d.evidence)}};
        if (orphaned) {
            args["owner_tid"] = d.ownerTid;
            args["owner_nstid"] = d.ownerNsTid;
        }
        auto m = w_.mutexNames.find(d.addr);
        if (m != w_.mutexNames.end()) args["mutex_name"] = m->second;
        if (L && L->deadlockAt < 0) {
            L->deadlockAt = e.t;
            L->deadlockArgs = args;
        }
        instant("p", orphaned ? "DEADLOCK (a): orphaned mutex" : "DEADLOCK (b): nobody to wake it",
                "deadlock", e.t, e.pid, std::move(args));
        break;
    }
    case EventKind::ShmCreate:
    case EventKind::ShmUnlink: { // only the counter needs the live entries
        if (!emitting()) break;
        auto& d = e.as<ev::Shm>();
        std::string name = str(d.name);
        bool create = e.kind == EventKind::ShmCreate;
        if (create)
            w_.shmLive.insert(name);
        else if (auto it = w_.shmLive.find(name); it != w_.shmLive.end())
            w_.shmLive.erase(it);
        instant("p", std::string(create ? "create" : "unlink") + " /dev/shm/" + name, "shm", e.t,
                e.pid, json{{"name", name}, {"path", "/dev/shm/" + name}, {"inode", d.inode}});
        counter("/dev/shm", "entries", e.t, int64_t(w_.shmLive.size()));
        break;
    }
    case EventKind::Leak: {
        if (!emitting()) break;
        auto& d = e.as<ev::Leak>();
        std::string name = str(d.name);
        if (auto it = w_.shmLive.find(name); it != w_.shmLive.end()) w_.shmLive.erase(it);
        // No pid of its own: it sits on its creator when that is known, else on the sandbox.
        pid_t on = d.creator > 0 && w_.current.count(d.creator) ? d.creator : rootPid_;
        json args{{"name", name}, {"path", "/dev/shm/" + name}, {"removed_by", "the sandbox"}};
        if (d.creator > 0) args["creator"] = who(d.creator);
        instant("g", "LEAK /dev/shm/" + name + " (never unlinked)", "shm", e.t, on,
                std::move(args));
        counter("/dev/shm", "entries", e.t, int64_t(w_.shmLive.size()));
        break;
    }
    case EventKind::Kill: {
        if (!emitting()) break;
        auto& d = e.as<ev::Kill>();
        std::string target = d.group ? "process group " + std::to_string(-d.target) : who(d.target);
        instant("p", "kill " + signalName(d.sig) + " → " + target, "signal", e.t, e.pid,
                json{{"target", d.target},
                     {"target_name", target},
                     {"signal", d.sig},
                     {"signal_name", signalName(d.sig)},
                     {"group", d.group}});
        break;
    }
    case EventKind::Marker: {
        if (!emitting()) break;
        auto& d = e.as<ev::Marker>();
        std::string text = str(d.label);
        auto& list = steps_.gotoSteps(); // event indices, ascending
        auto at = std::lower_bound(list.begin(), list.end(), i);
        size_t number =
            at != list.end() && *at == i ? size_t(at - list.begin()) + 1 : list.size() + 1;
        instant("g",
                std::string(d.key ? "★ key step " : "step ") +
                    (number <= list.size() ? std::to_string(number) + ": " : ": ") + text,
                "step", e.t, e.pid, [&](JsonWriter& w) {
                    w.field("by", who(e.pid)).field("key", d.key).field("label", text);
                    if (number <= list.size()) w.field("step", number); // what --goto-step counts
                });
        break;
    }
    case EventKind::KilledBySandbox:
        if (L) L->killedBySandbox = true;
        instant("p", "killed by the sandbox (teardown)", "signal", e.t, e.pid,
                json{{"why", "the deadline, the grace period after the program's first process "
                             "exited, a stop, or too many tasks"}});
        break;
    case EventKind::RunEnd: {
        if (!emitting()) break;
        auto& d = e.as<ev::RunEnd>();
        json args{{"reason", toString(d.reason)}, {"exit_code", d.exitCode}};
        args["root_status"] = d.rootStatus.describe();
        instant("g",
                std::string("run end: ") + toString(d.reason) + ", exit code " +
                    std::to_string(d.exitCode),
                "run", e.t, rootPid_, std::move(args));
        break;
    }
    case EventKind::Annotation: {
        auto& d = e.as<ev::Annotation>();
        if (d.what == ev::NameOf::Mutex) w_.mutexNames[d.value] = str(d.label);
        if (!emitting()) break;
        std::string text = str(d.label);
        if (d.what == ev::NameOf::Mutex) {
            instant("t", "names mutex " + hex(d.value) + " \"" + shorten(text, 40) + "\"",
                    "annotation", e.t, e.pid, [&](JsonWriter& w) {
                        w.field("addr", hex(d.value)).field("label", text);
                        w.field("note", "said by the program");
                    });
        } else {
            instant("t", "names fd " + std::to_string(d.value) + " \"" + shorten(text, 40) + "\"",
                    "annotation", e.t, e.pid, [&](JsonWriter& w) {
                        w.field("fd", d.value).field("label", text);
                        w.field("note", "said by the program").field("target", t_.str(d.target));
                    });
        }
        break;
    }
    }
    // Runs of one pid are common: one entry per run.
    if (learning() && e.pid > 0 && e.pid != w_.lastPid) {
        w_.pidsUsed.push_back(e.pid);
        w_.lastPid = e.pid;
    }
}

void ChromeWriter::planLives() {
    // Per life: its slice, its images, each fork with its arrow, a deadlock, its threads (the
    // order of a stable sort's ties).
    uint32_t nextFlow = 1;
    auto add = [&](int64_t ns, int64_t dur, size_t life, size_t k, LifeItem::Part part,
                   uint32_t flow = 0) {
        lifeItems_.push_back({ns, dur, uint32_t(life), uint32_t(k), flow, part});
    };
    auto sliceOf = [&](int64_t start, int64_t end, size_t life, size_t k, LifeItem::Part part) {
        add(start, std::max<int64_t>(0, end - start), life, k, part);
    };
    const auto& lives = ended_.lives;
    for (size_t li = 0; li < lives.size(); ++li) {
        const Life& l = lives[li];
        int64_t end = l.died >= 0 ? l.died : std::max(l.born, end_);
        sliceOf(l.born, end, li, 0, LifeItem::Process);
        for (size_t k = 0; k < l.segs.size(); ++k)
            sliceOf(l.segs[k].start, l.segs[k].end, li, k, LifeItem::Image);

        auto segEnd = [&](int64_t at) { // the end of the image slice that holds `at`
            for (auto& s : l.segs)
                if (s.start <= at && at < s.end) return s.end;
            return l.segs.empty() ? end : l.segs.back().end;
        };
        for (size_t k = 0; k < l.forks.size(); ++k) {
            const ForkOut& f = l.forks[k];
            // The fork slice runs from the fork stop to the child's first sight, inside its image
            // slice and before the next fork, so the parent's slices nest without overlap.
            int64_t stop = segEnd(f.t);
            if (k + 1 < l.forks.size()) stop = std::min(stop, l.forks[k + 1].t);
            const Life* child = f.childLife >= 0 ? &lives[size_t(f.childLife)] : nullptr;
            stop = std::min(stop, child ? std::max(child->born, f.t) : f.t + 1000);
            stop = std::max(stop, f.t);
            sliceOf(f.t, stop, li, k, LifeItem::Fork);
            if (!child) continue;
            // The arrow: strictly inside both slices it binds to (peers.md §2).
            uint32_t id = nextFlow++;
            add(f.t + (stop - f.t) / 2, -1, li, k, LifeItem::FlowStart, id);
            int64_t first = child->segs.empty() ? child->born : child->segs.front().end;
            add(child->born + std::min<int64_t>(1000, (first - child->born) / 2), -1, li, k,
                LifeItem::FlowEnd, id);
        }
        if (l.deadlockAt >= 0)
            sliceOf(l.deadlockAt, std::max(l.deadlockAt, segEnd(l.deadlockAt)), li, 0,
                    LifeItem::Deadlock);
        for (size_t k = 0; k < l.threads.size(); ++k)
            sliceOf(l.threads[k].start, l.threads[k].end, li, k, LifeItem::Thread);
    }
    std::stable_sort(
        lifeItems_.begin(), lifeItems_.end(),
        [](const LifeItem& a, const LifeItem& b) { return before(a.ns, a.dur, b.ns, b.dur); });
}

void ChromeWriter::putLifeItem(const LifeItem& it) {
    std::string& s = next();
    const Life& l = ended_.lives[it.life];
    switch (it.part) {
    case LifeItem::Process: {
        auto args = [&](JsonWriter& w) {
            if (!l.argv.empty()) {
                w.key("argv").beginArray();
                for (auto& a : l.argv) w.value(a);
                w.endArray();
            }
            if (l.deadlockAt >= 0) w.field("deadlocked", true);
            w.field("end", l.exited ? l.status.describe() : "still running when the trace ends");
            if (!l.exe.empty()) w.field("exe", l.exe);
            w.field("execs", l.execs);
            auto all = [](const FdEntry&) { return true; };
            if (l.inherited != kNoSnap)
                w.key("fds_inherited")
                    .raw(fdArray(fdArray_, fdText_, t_.snapshot(l.inherited), all));
            if (l.last != kNoSnap)
                w.key("fds_last_seen").raw(fdArray(fdArray_, fdText_, t_.snapshot(l.last), all));
            if (l.killedBySandbox) w.field("killed_by_sandbox", true);
            w.field("nspid", l.nspid).field("parent", l.parent).field("pid", l.pid);
            w.field("role", toString(l.role)).field("started_by", toString(l.how));
        };
        slice(s, title(l), "process", it.ns, it.dur, l.pid, l.pid, args);
        break;
    }
    case LifeItem::Image:
        slice(s, l.segs[it.k].name, "image", it.ns, it.dur, l.pid, l.pid, l.segs[it.k].args);
        break;
    case LifeItem::Fork:
    case LifeItem::FlowStart:
    case LifeItem::FlowEnd: {
        const ForkOut& f = l.forks[it.k];
        const Life* child = f.childLife >= 0 ? &ended_.lives[size_t(f.childLife)] : nullptr;
        const char* how = f.how == ForkKind::Vfork ? "vfork" : "fork";
        if (it.part == LifeItem::FlowStart) {
            flow(s, "s", it.flow, how, it.ns, l.pid);
        } else if (it.part == LifeItem::FlowEnd) {
            flow(s, "f", it.flow, how, it.ns, child->pid);
        } else {
            auto fargs = [&](JsonWriter& w) {
                w.field("child", f.child);
                if (child) w.field("child_name", child->name);
                w.field("how", how);
                if (f.how == ForkKind::Vfork)
                    w.field("note", "vfork (posix_spawn): the parent waits until the child execs");
            };
            slice(s, std::string(how) + " → " + std::to_string(f.child), "fork", it.ns, it.dur,
                  l.pid, l.pid, fargs);
        }
        break;
    }
    case LifeItem::Deadlock: {
        json dargs = l.deadlockArgs;
        dargs["until"] = l.exited ? l.status.describe() : "the end of the trace";
        // "terrible" is chrome://tracing's red; Perfetto colours slices by name.
        slice(s, "DEADLOCKED", "deadlock", it.ns, it.dur, l.pid, l.pid, dargs, "terrible");
        break;
    }
    case LifeItem::Thread: {
        const ThreadLife& th = l.threads[it.k];
        slice(s, "thread " + std::to_string(th.tid), "thread", it.ns, it.dur, l.pid, th.tid,
              [&](JsonWriter& w) { w.field("process", l.pid).field("tid", th.tid); });
        break;
    }
    }
    written();
}

void ChromeWriter::emitMetadata() {
    // Each "M" event's args hold one field.
    auto meta = [&](const char* name, pid_t pid, pid_t tid, const char* key, const auto& value) {
        std::string& s = next();
        head(s, "M", name, "__metadata", 0, pid, tid);
        s += ",\"args\":{\"";
        s += key;
        s += "\":";
        if constexpr (std::is_integral_v<std::decay_t<decltype(value)>>)
            appendInt(s, value);
        else
            JsonWriter::appendQuoted(s, value);
        s += "}}";
        written();
    };
    // Tree order: a depth-first walk from the roots, so each parent sorts above its children.
    // The links are World::at's (only proc events make them), built without replaying the rest.
    struct Node {
        pid_t pid = 0; // 0: named as a parent only
        std::vector<pid_t> children;
    };
    std::map<pid_t, Node> procs;
    std::vector<pid_t> roots;
    for (size_t i = 0; i < n_; ++i) {
        const Event& e = t_[i];
        if (e.kind != EventKind::Proc) continue;
        pid_t parent = e.as<ev::Proc>().parent;
        procs[e.pid].pid = e.pid;
        if (parent)
            procs[parent].children.push_back(e.pid);
        else
            roots.push_back(e.pid);
    }
    std::vector<pid_t> order;
    std::set<pid_t> seen;
    std::vector<pid_t> stack; // explicit: a fork chain is as deep as the program makes it
    auto walk = [&](pid_t start) {
        stack.push_back(start);
        while (!stack.empty()) {
            pid_t pid = stack.back();
            stack.pop_back();
            auto it = procs.find(pid);
            if (it == procs.end() || it->second.pid != pid || !seen.insert(pid).second) continue;
            order.push_back(pid);
            const auto& children = it->second.children;
            stack.insert(stack.end(), children.rbegin(), children.rend()); // first child on top
        }
    };
    for (pid_t r : roots) walk(r);
    for (auto& [pid, p] : procs) walk(pid); // children of an unrecorded parent
    for (pid_t pid : ended_.pidsUsed)
        if (seen.insert(pid).second) order.push_back(pid);
    if (seen.insert(rootPid_).second) order.push_back(rootPid_); // counters' home

    for (size_t k = 0; k < order.size(); ++k) {
        pid_t pid = order[k];
        auto current = ended_.current.find(pid); // its last life, if it had a proc event
        const Life* l = current != ended_.current.end() ? &ended_.lives[current->second] : nullptr;
        std::string name = l ? label(*l)
                           : ended_.lives.empty() && pid == rootPid_
                               ? "forklab run (no process recorded)"
                               : std::to_string(pid) + " (no proc event in the trace)";
        meta("process_name", pid, pid, "name", name);
        meta("process_sort_index", pid, pid, "sort_index", int(k));
        if (l)
            meta("process_labels", pid, pid, "labels",
                 std::string(toString(l->role)) + "," + toString(l->how));
        meta("thread_name", pid, pid, "name",
             (l ? l->name : std::string("main")) + " " + std::to_string(pid));
        meta("thread_sort_index", pid, pid, "sort_index", 0);
    }
    std::set<std::pair<pid_t, pid_t>> named;
    for (auto& l : ended_.lives) {
        int k = 1;
        for (auto& th : l.threads)
            if (named.insert({l.pid, th.tid}).second) {
                meta("thread_name", l.pid, th.tid, "name", "thread " + std::to_string(th.tid));
                meta("thread_sort_index", l.pid, th.tid, "sort_index", k++);
            }
    }
}

} // namespace

void writeChromeJson(const Trace& trace, std::ostream& out) {
    ChromeWriter(trace).write(out);
}

} // namespace forklab
