#pragma once
// The Chrome/Perfetto writer's model (ChromeExport.cpp walks the trace into it, ChromeLives.cpp
// writes each process's life and the metadata): small text helpers, the lives and segments one
// walk collects, and the ChromeWriter that holds them. Internal to the exporter.
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

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace forklab::chrome {

using nlohmann::json;

inline std::string basename(std::string_view p) {
    auto slash = p.rfind('/');
    return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

// Slice names stay short enough to read on a track; args carry the whole text.
inline std::string shorten(std::string s, size_t max = 80) {
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

inline std::string commandLine(const std::vector<std::string>& argv) {
    std::string s;
    for (size_t i = 0; i < argv.size(); ++i)
        s += (i ? " " : "") + (i ? argv[i] : basename(argv[i]));
    return s;
}

// "3 pipe:[123] (w, CLOEXEC)", appended to `out`.
inline void appendFdText(std::string& out, const FdEntry& f) {
    char buf[16];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, f.fd).ptr);
    out += ' ';
    out += f.target;
    out += " (";
    out += toString(f.access);
    out += f.cloexec ? ", CLOEXEC)" : ")";
}
// The same, made in `out` (reused, so a long fd list allocates once).
inline const std::string& fdText(std::string& out, const FdEntry& f) {
    out.clear();
    appendFdText(out, f);
    return out;
}

// True if `v` is a JSON string as it is, between quotes: printable ASCII but '"' and '\\'. Both
// quote() and JsonWriter then write '"' + v + '"'.
inline bool plain(std::string_view v) {
    return std::all_of(v.begin(), v.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
    });
}

// The fds of `snap` that `pick` keeps, as a JSON array of their fdText()s, made in `out` for
// JsonWriter::raw. A target is nearly always a plain path or "pipe:[123]": its text is then
// written at once, not made and then escaped (each process slice lists its fds twice).
template <class Pick>
inline const std::string& fdArray(std::string& out, std::string& scratch,
                                  const ProcessSnapshot& snap, Pick pick) {
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

} // namespace forklab::chrome
