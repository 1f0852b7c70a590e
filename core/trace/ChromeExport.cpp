#include "ChromeExport.hpp"
#include "core/base/Text.hpp"

#include "Steps.hpp"
#include "core/probe/Deadlock.hpp"

#include "JsonWriter.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <functional>
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

// "3 pipe:[123] (w, CLOEXEC)", made in `out` (reused, so a long fd list allocates once).
const std::string& fdText(std::string& out, const FdEntry& f) {
    char buf[16];
    out.assign(buf, std::to_chars(buf, buf + sizeof buf, f.fd).ptr);
    out += ' ';
    out += f.target;
    out += " (";
    out += toString(f.access);
    out += f.cloexec ? ", CLOEXEC)" : ")";
    return out;
}

void fdList(JsonWriter& w, const ProcessSnapshot& s) {
    w.beginArray();
    std::string text;
    for (auto& f : s.fds) w.value(fdText(text, f));
    w.endArray();
}

// One life of a process on its pid (a pid reused within a run gets a second life on the same
// track). Built by one pass over the events, emitted afterwards when every end is known.
struct Segment { // one program image: before the first exec, then one per exec
    int64_t start = 0, end = -1;
    std::string name;
    std::string args; // JSON text
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

class ChromeWriter {
  public:
    explicit ChromeWriter(const Trace& trace) : t_(trace) {}

    void write(std::ostream& out) {
        timed_.reserve(t_.size());
        collect();
        size_t fromEvents = timed_.size();
        emitLives();
        emitMetadata();
        // Timed events in ts order; at equal ts, enclosing (longer) slices before the ones they
        // hold, then emission order (stable), so a viewer nests them as intended.
        auto before = [](const Item& a, const Item& b) {
            if (a.ns != b.ns) return a.ns < b.ns;
            return a.dur > b.dur;
        };
        // The event pass makes its items in event order, which is time order in any trace the
        // reader made: then only the lives' items need sorting, and merging the two runs (the
        // event pass's first at a tie) gives exactly the order a stable sort of all of them gives.
        auto mid = timed_.begin() + std::ptrdiff_t(fromEvents);
        bool merge = std::is_sorted(timed_.begin(), mid, before);
        std::stable_sort(merge ? mid : timed_.begin(), timed_.end(), before);
        json other{{"generator", "forklab"},
                   {"source", "forklab trace (.forklab.jsonl), exported to Chrome Trace Event"},
                   {"command", command_},
                   {"time", "ts and dur in µs since the recorder's clock started"}};
        std::string buf =
            "{\"displayTimeUnit\":\"ms\",\"otherData\":" + dump(other) + ",\"traceEvents\":[\n";
        // Written in 1 MiB pieces (measured as fast as two ostream calls per event, not faster).
        constexpr size_t kFlushAt = size_t(1) << 20;
        bool first = true;
        auto put = [&](std::string_view text) {
            if (!first) buf += ",\n";
            buf += text;
            first = false;
            if (buf.size() >= kFlushAt) {
                out.write(buf.data(), std::streamsize(buf.size()));
                buf.clear();
            }
        };
        for (auto& m : meta_) put(textOf(m));
        if (merge) {
            auto a = timed_.begin(), b = mid, end = timed_.end();
            while (a != mid || b != end)
                put(textOf(b != end && (a == mid || before(*b, *a)) ? *b++ : *a++));
        } else {
            for (auto& it : timed_) put(textOf(it));
        }
        buf += "\n]}\n";
        out.write(buf.data(), std::streamsize(buf.size()));
    }

  private:
    // Each event is serialised once, when made, into one arena of text: a million events are a
    // million small records, not a million strings or trees of JSON objects.
    struct Item {
        int64_t ns;
        int64_t dur;    // -1 for everything but "X"
        uint32_t chunk; // its text: chunks_[chunk] (or text_, the one being filled) ...
        uint32_t len;   // ... `len` bytes from `at`
        size_t at;
    };
    std::string_view textOf(const Item& it) const {
        const std::string& c = it.chunk < chunks_.size() ? chunks_[it.chunk] : text_;
        return std::string_view(c).substr(it.at, it.len);
    }
    // Starts an event's text; done() records it. The text is kept in chunks of a few MiB that
    // never move: one string grown to the whole export would copy it over and over.
    size_t start() {
        constexpr size_t kChunk = size_t(8) << 20;
        if (text_.size() > kChunk - (kChunk >> 3)) {
            chunks_.push_back(std::move(text_));
            text_ = std::string();
        }
        if (text_.capacity() < kChunk) text_.reserve(kChunk);
        return text_.size();
    }
    void done(std::vector<Item>& list, size_t at, int64_t ns, int64_t dur) {
        list.push_back({ns, dur, uint32_t(chunks_.size()), uint32_t(text_.size() - at), at});
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
        s += ",\"cat\":";
        quote(s, cat);
        s += ",\"ts\":";
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
    void slice(std::string_view name, const char* cat, int64_t start, int64_t end, pid_t pid,
               pid_t tid, const Args& args, const char* cname = nullptr) {
        int64_t dur = std::max<int64_t>(0, end - start);
        size_t at = this->start();
        head(text_, "X", name, cat, start, pid, tid);
        text_ += ",\"dur\":";
        appendUs(text_, dur);
        if (cname) {
            text_ += ",\"cname\":\"";
            text_ += cname;
            text_ += '"';
        }
        text_ += ",\"args\":";
        writeArgs(args);
        text_ += '}';
        done(timed_, at, start, dur);
    }
    // scope: "t" (the main track), "p" (the process's instant track), "g" (all processes).
    template <class Args>
    void instant(const char* scope, std::string_view name, const char* cat, int64_t ns, pid_t pid,
                 const Args& args) {
        if (pid <= 0) pid = rootPid_; // Chrome pids are positive; an unknown actor goes home
        size_t at = start();
        head(text_, "i", name, cat, ns, pid, pid);
        text_ += ",\"s\":\"";
        text_ += scope;
        text_ += "\",\"args\":";
        writeArgs(args);
        text_ += '}';
        done(timed_, at, ns, -1);
    }
    void writeArgs(const json& args) { text_ += dump(args); }
    void writeArgs(std::string_view jsonText) { text_ += jsonText; }
    void writeArgs(const std::string& jsonText) { text_ += jsonText; }
    template <class F, class = std::enable_if_t<std::is_invocable_v<const F&, JsonWriter&>>>
    void writeArgs(const F& f) {
        JsonWriter w(text_);
        w.beginObject();
        f(w);
        w.endObject();
    }
    void counter(const char* name, const char* series, int64_t ns, int64_t value) {
        size_t at = start();
        head(text_, "C", name, "counter", ns, rootPid_, rootPid_);
        text_ += ",\"args\":{";
        quote(text_, series);
        text_ += ':';
        appendInt(text_, value);
        text_ += "}}";
        done(timed_, at, ns, -1);
    }
    void flow(const char* ph, long id, const char* name, int64_t ns, pid_t pid) {
        size_t at = start();
        head(text_, ph, name, "fork", ns, pid, pid);
        text_ += ",\"id\":";
        appendInt(text_, id);
        if (ph[0] == 'f') text_ += ",\"bp\":\"e\""; // bind to the enclosing slice, not the next one
        text_ += '}';
        done(timed_, at, ns, -1);
    }

    Life* life(pid_t pid) {
        auto it = current_.find(pid);
        return it == current_.end() ? nullptr : &lives_[it->second];
    }
    // "1234 forklab-lessons [spawn-child] (pid 4 inside)"
    std::string label(pid_t pid) const {
        auto it = current_.find(pid);
        if (it == current_.end()) return std::to_string(pid) + " (not recorded)";
        const Life& l = lives_[it->second];
        std::string s = std::to_string(pid) + " " + (l.name.empty() ? "?" : l.name) + " [" +
                        toString(l.role) + "]";
        if (l.nspid && l.nspid != pid) s += " (pid " + std::to_string(l.nspid) + " inside)";
        return s;
    }
    std::string who(pid_t pid) const {
        auto it = current_.find(pid);
        if (it == current_.end()) return std::to_string(pid);
        return std::to_string(pid) + " " + lives_[it->second].name;
    }

    void collect();
    void event(size_t i, const Event& e);
    void emitLives();
    void emitMetadata();

    const Trace& t_;
    std::vector<Life> lives_;
    std::unordered_map<pid_t, size_t> current_;              // pid -> its newest life
    std::map<pid_t, std::pair<size_t, size_t>> pendingFork_; // child -> (parent life, fork)
    std::map<uint64_t, std::string> mutexNames_;             // address -> the program's name for it
    std::multiset<std::string> shmLive_;
    std::vector<std::string> chunks_; // every event's text, in the order made
    std::string text_;                // the chunk being filled
    std::string fdText_;              // reused by fdText()
    std::vector<Item> meta_;
    std::vector<Item> timed_;
    std::set<pid_t> pidsUsed_;
    pid_t lastPid_ = 0; // the pid last added to pidsUsed_
    std::string command_;
    pid_t rootPid_ = 1; // where counters and global instants live: the sandbox's launcher
    int64_t end_ = 0;
    int liveProcs_ = 0;
    StepIndex steps_;
};

void ChromeWriter::collect() {
    size_t n = t_.size();
    end_ = n ? t_[n - 1].t : 0;
    steps_ = StepIndex::build(t_);
    for (size_t i = 0; i < n; ++i)
        if (t_[i].kind == EventKind::Proc && t_[i].pid > 0) {
            rootPid_ = t_[i].pid;
            break;
        }
    for (size_t i = 0; i < n; ++i) event(i, t_[i]);
    // What never ended ends with the trace (an unfinished recording, or a process the run
    // left behind): its slices stop at the last event.
    for (auto& l : lives_) {
        for (auto& s : l.segs)
            if (s.end < 0) s.end = std::max(s.start, end_);
        for (auto& th : l.threads)
            if (th.end < 0) th.end = std::max(th.start, end_);
    }
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
        command_ = str(d.command);
        json iso{{"user_ns", bool(d.isolation & kIsoUserNs)},
                 {"pid_ns", bool(d.isolation & kIsoPidNs)},
                 {"ipc_ns", bool(d.isolation & kIsoIpcNs)},
                 {"mount_ns", bool(d.isolation & kIsoMountNs)},
                 {"private_shm", bool(d.isolation & kIsoPrivateShm)},
                 {"pids_cgroup", bool(d.isolation & kIsoPidsCgroup)}};
        instant("g", "run start: " + shorten(command_), "run", e.t, rootPid_,
                json{{"command", command_},
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
        std::string first = l.name.empty() ? "?" : l.name;
        if (d.parent && d.role != Role::Sandbox) first += " (the parent's copy, before any exec)";
        l.segs.push_back(Segment{e.t, -1, first,
                                 d.parent ? R"({"image":"the parent's, inherited by fork"})"
                                          : R"({"image":"as first seen"})"});
        current_[e.pid] = lives_.size();
        auto pf = pendingFork_.find(e.pid);
        if (pf != pendingFork_.end()) {
            lives_[pf->second.first].forks[pf->second.second].childLife = long(lives_.size());
            pendingFork_.erase(pf);
        }
        lives_.push_back(std::move(l));
        counter("live", "processes", e.t, ++liveProcs_);
        break;
    }
    case EventKind::Fork: {
        if (!L) break;
        auto& d = e.as<ev::Fork>();
        if (d.how == ForkKind::Thread) {
            L->threads.push_back(ThreadLife{d.child, e.t, -1});
        } else {
            pendingFork_[d.child] = {size_t(L - lives_.data()), L->forks.size()};
            L->forks.push_back(ForkOut{e.t, d.child, d.how, -1});
        }
        break;
    }
    case EventKind::ThreadExit: {
        if (!L) break;
        pid_t tid = e.as<ev::ThreadExit>().tid;
        for (auto& th : L->threads)
            if (th.tid == tid && th.end < 0) th.end = e.t;
        break;
    }
    case EventKind::Exec: {
        auto& d = e.as<ev::Exec>();
        std::vector<std::string> argv = splitArgv(t_.str(d.argv));
        std::string args;
        JsonWriter w(args);
        w.beginObject().key("argv").beginArray();
        for (auto& a : argv) w.value(a);
        w.endArray().field("exe", t_.str(d.exe));
        if (d.before != kNoSnap && d.after != kNoSnap) {
            const auto& before = t_.snapshot(d.before);
            const auto& after = t_.snapshot(d.after);
            for (bool kept : {false, true}) {
                w.key(kept ? "fds_kept" : "fds_closed_by_exec").beginArray();
                for (auto& f : before.fds)
                    if ((after.findFd(f.fd) != nullptr) == kept) w.value(fdText(fdText_, f));
                w.endArray();
            }
        }
        w.field("path", t_.str(d.path));
        if (d.role != Role::Program && d.role != Role::Sandbox)
            w.field("recognised_as", toString(d.role));
        w.field("role", toString(d.role)).endObject();
        if (L) {
            if (!L->segs.empty() && L->segs.back().end < 0) L->segs.back().end = e.t;
            closeThreads(*L, e.t); // exec leaves the calling process one thread
            L->exe = str(d.exe);
            L->argv = argv;
            L->name = basename(L->exe.empty() ? str(d.path) : L->exe);
            L->role = d.role;
            L->execs++;
            L->segs.push_back(Segment{
                e.t, -1, shorten(commandLine(argv).empty() ? L->name : commandLine(argv)), args});
        }
        instant("t", "exec " + basename(str(d.path)), "exec", e.t, e.pid, args);
        break;
    }
    case EventKind::Exit: {
        auto& d = e.as<ev::Exit>();
        if (L) {
            if (!L->segs.empty() && L->segs.back().end < 0) L->segs.back().end = e.t;
            closeThreads(*L, e.t);
            if (L->died < 0) counter("live", "processes", e.t, --liveProcs_);
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
        if (!L) break;
        auto& d = e.as<ev::Snapshot>();
        if (d.reason == SnapReason::Fork && L->inherited == kNoSnap) L->inherited = d.snap;
        L->last = d.snap;
        break;
    }
    case EventKind::Output: {
        auto& d = e.as<ev::Output>();
        std::string text = str(d.text);
        std::string stream = d.fd == 1   ? "stdout"
                             : d.fd == 2 ? "stderr"
                                         : "fd " + std::to_string(d.fd);
        instant("t", stream + ": " + shorten(text, 60), "output", e.t, e.pid,
                "{\"fd\":" + std::to_string(d.fd) + ",\"text\":" + quote(text) +
                    ",\"truncated\":" + (d.truncated ? "true" : "false") + "}");
        break;
    }
    case EventKind::Deadlock: {
        auto& d = e.as<ev::Deadlock>();
        bool orphaned = d.rule == uint8_t(DeadlockRule::OrphanedMutex);
        json args{{"tid", d.tid},
                  {"rule", orphaned ? "a" : "b"},
                  {"meaning", orphaned ? "waits for a mutex whose owner thread is not in this "
                                         "process (left behind at fork): nobody can unlock it"
                                       : "its only thread waits without timeout on a private "
                                         "futex: no thread exists that could wake it"},
                  {"futex", hex(d.addr)},
                  {"evidence", str(d.evidence)}};
        if (orphaned) {
            args["owner_tid"] = d.ownerTid;
            args["owner_nstid"] = d.ownerNsTid;
        }
        auto m = mutexNames_.find(d.addr);
        if (m != mutexNames_.end()) args["mutex_name"] = m->second;
        if (L && L->deadlockAt < 0) {
            L->deadlockAt = e.t;
            L->deadlockArgs = args;
        }
        instant("p", orphaned ? "DEADLOCK (a): orphaned mutex" : "DEADLOCK (b): nobody to wake it",
                "deadlock", e.t, e.pid, std::move(args));
        break;
    }
    case EventKind::ShmCreate:
    case EventKind::ShmUnlink: {
        auto& d = e.as<ev::Shm>();
        std::string name = str(d.name);
        bool create = e.kind == EventKind::ShmCreate;
        if (create)
            shmLive_.insert(name);
        else if (auto it = shmLive_.find(name); it != shmLive_.end())
            shmLive_.erase(it);
        instant("p", std::string(create ? "create" : "unlink") + " /dev/shm/" + name, "shm", e.t,
                e.pid, json{{"name", name}, {"path", "/dev/shm/" + name}, {"inode", d.inode}});
        counter("/dev/shm", "entries", e.t, int64_t(shmLive_.size()));
        break;
    }
    case EventKind::Leak: {
        auto& d = e.as<ev::Leak>();
        std::string name = str(d.name);
        if (auto it = shmLive_.find(name); it != shmLive_.end()) shmLive_.erase(it);
        // No pid of its own: it sits on its creator when that is known, else on the sandbox.
        pid_t on = d.creator > 0 && current_.count(d.creator) ? d.creator : rootPid_;
        json args{{"name", name}, {"path", "/dev/shm/" + name}, {"removed_by", "the sandbox"}};
        if (d.creator > 0) args["creator"] = who(d.creator);
        instant("g", "LEAK /dev/shm/" + name + " (never unlinked)", "shm", e.t, on,
                std::move(args));
        counter("/dev/shm", "entries", e.t, int64_t(shmLive_.size()));
        break;
    }
    case EventKind::Kill: {
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
        std::string text = str(d.label);
        if (d.what == ev::NameOf::Mutex) {
            mutexNames_[d.value] = text;
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
    if (e.pid > 0 && e.pid != lastPid_) { // runs of one pid are common: skip the set for them
        pidsUsed_.insert(e.pid);
        lastPid_ = e.pid;
    }
}

void ChromeWriter::emitLives() {
    long nextFlow = 1;
    for (auto& l : lives_) {
        int64_t end = l.died >= 0 ? l.died : std::max(l.born, end_);
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
            if (l.inherited != kNoSnap) fdList(w.key("fds_inherited"), t_.snapshot(l.inherited));
            if (l.last != kNoSnap) fdList(w.key("fds_last_seen"), t_.snapshot(l.last));
            if (l.killedBySandbox) w.field("killed_by_sandbox", true);
            w.field("nspid", l.nspid).field("parent", l.parent).field("pid", l.pid);
            w.field("role", toString(l.role)).field("started_by", toString(l.how));
        };
        std::string name = std::to_string(l.pid) + " " + (l.name.empty() ? "?" : l.name) + " [" +
                           toString(l.role) + "]";
        slice(name, "process", l.born, end, l.pid, l.pid, args);
        for (auto& s : l.segs) slice(s.name, "image", s.start, s.end, l.pid, l.pid, s.args);

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
            const Life* child = f.childLife >= 0 ? &lives_[size_t(f.childLife)] : nullptr;
            stop = std::min(stop, child ? std::max(child->born, f.t) : f.t + 1000);
            stop = std::max(stop, f.t);
            const char* how = f.how == ForkKind::Vfork ? "vfork" : "fork";
            auto fargs = [&](JsonWriter& w) {
                w.field("child", f.child);
                if (child) w.field("child_name", child->name);
                w.field("how", how);
                if (f.how == ForkKind::Vfork)
                    w.field("note", "vfork (posix_spawn): the parent waits until the child execs");
            };
            slice(std::string(how) + " → " + std::to_string(f.child), "fork", f.t, stop, l.pid,
                  l.pid, fargs);
            if (!child) continue;
            // The arrow: strictly inside both slices it binds to (peers.md §2).
            long id = nextFlow++;
            flow("s", id, how, f.t + (stop - f.t) / 2, l.pid);
            int64_t first = child->segs.empty() ? child->born : child->segs.front().end;
            flow("f", id, how, child->born + std::min<int64_t>(1000, (first - child->born) / 2),
                 child->pid);
        }
        if (l.deadlockAt >= 0) {
            json dargs = l.deadlockArgs;
            dargs["until"] = l.exited ? l.status.describe() : "the end of the trace";
            int64_t stop = std::max(l.deadlockAt, segEnd(l.deadlockAt));
            // "terrible" is chrome://tracing's red; Perfetto colours slices by name.
            slice("DEADLOCKED", "deadlock", l.deadlockAt, stop, l.pid, l.pid, dargs, "terrible");
        }
        for (auto& th : l.threads)
            slice("thread " + std::to_string(th.tid), "thread", th.start, th.end, l.pid, th.tid,
                  [&](JsonWriter& w) { w.field("process", l.pid).field("tid", th.tid); });
    }
}

void ChromeWriter::emitMetadata() {
    // Each "M" event's args hold one field.
    auto meta = [&](const char* name, pid_t pid, pid_t tid, std::string_view key, auto value) {
        size_t at = start();
        head(text_, "M", name, "__metadata", 0, pid, tid);
        text_ += ",\"args\":";
        JsonWriter(text_).beginObject().field(key, value).endObject();
        text_ += '}';
        done(meta_, at, 0, -1);
    };
    // Tree order: a depth-first walk from the roots, so each parent sorts above its children.
    // The links are World::at's (only proc events make them), built without replaying the rest.
    struct Node {
        pid_t pid = 0; // 0: named as a parent only
        std::vector<pid_t> children;
    };
    std::map<pid_t, Node> procs;
    std::vector<pid_t> roots;
    for (size_t i = 0, n = t_.size(); i < n; ++i) {
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
    std::function<void(pid_t)> walk = [&](pid_t pid) {
        auto it = procs.find(pid);
        if (it == procs.end() || it->second.pid != pid || !seen.insert(pid).second) return;
        order.push_back(pid);
        for (pid_t c : it->second.children) walk(c);
    };
    for (pid_t r : roots) walk(r);
    for (auto& [pid, p] : procs) walk(pid); // children of an unrecorded parent
    for (pid_t pid : pidsUsed_)
        if (seen.insert(pid).second) order.push_back(pid);
    if (seen.insert(rootPid_).second) order.push_back(rootPid_); // counters' home, even if empty

    for (size_t k = 0; k < order.size(); ++k) {
        pid_t pid = order[k];
        bool known = current_.count(pid) != 0;
        std::string name = known ? label(pid)
                           : lives_.empty() && pid == rootPid_
                               ? "forklab run (no process recorded)"
                               : std::to_string(pid) + " (no proc event in the trace)";
        meta("process_name", pid, pid, "name", name);
        meta("process_sort_index", pid, pid, "sort_index", int(k));
        if (known) {
            const Life& l = lives_[current_.at(pid)];
            meta("process_labels", pid, pid, "labels",
                 std::string(toString(l.role)) + "," + toString(l.how));
        }
        meta("thread_name", pid, pid, "name",
             (known ? lives_[current_.at(pid)].name : std::string("main")) + " " +
                 std::to_string(pid));
        meta("thread_sort_index", pid, pid, "sort_index", 0);
    }
    std::set<std::pair<pid_t, pid_t>> named;
    for (auto& l : lives_) {
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
