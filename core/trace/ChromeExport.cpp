#include "ChromeExport.hpp"

#include "Steps.hpp"
#include "World.hpp"
#include "core/probe/Deadlock.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace forklab {

using nlohmann::json;

namespace {

std::string hex(uint64_t v) {
    char buf[32];
    snprintf(buf, sizeof buf, "0x%" PRIx64, v);
    return buf;
}

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

std::string fdText(const FdEntry& f) {
    return std::to_string(f.fd) + " " + f.target + " (" + toString(f.access) +
           (f.cloexec ? ", CLOEXEC)" : ")");
}

json fdList(const ProcessSnapshot& s) {
    json a = json::array();
    for (auto& f : s.fds) a.push_back(fdText(f));
    return a;
}

json statusArgs(WaitStatus s) {
    json j{{"status", s.describe()}};
    if (s.exited())
        j["code"] = s.exitCode();
    else {
        j["signal"] = s.termSignal();
        j["signal_name"] = signalName(s.termSignal());
        j["core_dumped"] = s.coreDumped();
    }
    return j;
}

// One life of a process on its pid (a pid reused within a run gets a second life on the same
// track). Built by one pass over the events, emitted afterwards when every end is known.
struct Segment { // one program image: before the first exec, then one per exec
    int64_t start = 0, end = -1;
    std::string name;
    json args;
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
        collect();
        emitLives();
        emitMetadata();
        // Timed events in ts order; at equal ts, enclosing (longer) slices before the ones they
        // hold, then emission order (stable), so a viewer nests them as intended.
        std::stable_sort(timed_.begin(), timed_.end(), [](const Item& a, const Item& b) {
            if (a.ns != b.ns) return a.ns < b.ns;
            return a.dur > b.dur;
        });
        json other{{"generator", "forklab"},
                   {"source", "forklab trace (.forklab.jsonl), exported to Chrome Trace Event"},
                   {"command", command_},
                   {"time", "ts and dur in µs since the recorder's clock started"}};
        out << "{\"displayTimeUnit\":\"ms\",\"otherData\":" << dump(other)
            << ",\"traceEvents\":[\n";
        bool first = true;
        auto put = [&](const std::string& text) {
            if (!first) out << ",\n";
            out << text;
            first = false;
        };
        for (auto& m : meta_) put(m);
        for (auto& it : timed_) put(it.text);
        out << "\n]}\n";
    }

  private:
    // Each event is serialised once, when made: a million events stay a million strings, not a
    // million trees of JSON objects.
    struct Item {
        int64_t ns;
        int64_t dur; // -1 for everything but "X"
        std::string text;
    };

    // Argv, names and output are bytes: invalid UTF-8 becomes U+FFFD rather than an exception.
    static std::string dump(const json& j) {
        return j.dump(-1, ' ', false, json::error_handler_t::replace);
    }
    // ns -> µs exactly, as decimal text: "21161.781".
    static void appendUs(std::string& s, int64_t ns) {
        ns = std::max<int64_t>(ns, 0); // the reader guarantees it; a hand-made Trace may not
        s += std::to_string(ns / 1000);
        int frac = int(ns % 1000);
        if (!frac) return;
        char buf[8];
        snprintf(buf, sizeof buf, ".%03d", frac);
        std::string_view f(buf);
        while (f.back() == '0') f.remove_suffix(1);
        s += f;
    }
    // A JSON string. ASCII (nearly everything) is escaped here; other bytes go through
    // nlohmann, which checks the UTF-8.
    static std::string quote(std::string_view v) {
        if (!std::all_of(v.begin(), v.end(), [](char c) { return (c & 0x80) == 0; }))
            return dump(json(v));
        std::string s;
        s.reserve(v.size() + 2);
        s += '"';
        for (char c : v) {
            if (c == '"' || c == '\\') {
                s += '\\';
                s += c;
            } else if (c == '\n') {
                s += "\\n";
            } else if (c < 0x20 || c == 0x7f) {
                char buf[8];
                snprintf(buf, sizeof buf, "\\u%04x", unsigned(c));
                s += buf;
            } else {
                s += c;
            }
        }
        s += '"';
        return s;
    }
    // The fields every event has; the caller appends its own and the closing brace.
    static std::string head(const char* ph, std::string_view name, const char* cat, int64_t ns,
                            pid_t pid, pid_t tid) {
        std::string s = "{\"ph\":\"";
        s += ph;
        s += "\",\"name\":";
        s += quote(name);
        s += ",\"cat\":";
        s += quote(cat);
        s += ",\"ts\":";
        appendUs(s, ns);
        s += ",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(tid);
        return s;
    }
    std::string str(StrId id) const { return std::string(t_.str(id)); }

    void slice(std::string_view name, const char* cat, int64_t start, int64_t end, pid_t pid,
               pid_t tid, const json& args, const char* cname = nullptr) {
        int64_t dur = std::max<int64_t>(0, end - start);
        std::string s = head("X", name, cat, start, pid, tid);
        s += ",\"dur\":";
        appendUs(s, dur);
        if (cname) s += std::string(",\"cname\":\"") + cname + "\"";
        s += ",\"args\":" + dump(args) + "}";
        timed_.push_back({start, dur, std::move(s)});
    }
    // scope: "t" (the main track), "p" (the process's instant track), "g" (all processes).
    void instant(const char* scope, std::string_view name, const char* cat, int64_t ns, pid_t pid,
                 const json& args) {
        instantRaw(scope, name, cat, ns, pid, dump(args));
    }
    void instantRaw(const char* scope, std::string_view name, const char* cat, int64_t ns,
                    pid_t pid, const std::string& args) {
        if (pid <= 0) pid = rootPid_; // Chrome pids are positive; an unknown actor goes home
        std::string s = head("i", name, cat, ns, pid, pid);
        s += std::string(",\"s\":\"") + scope + "\",\"args\":" + args + "}";
        timed_.push_back({ns, -1, std::move(s)});
    }
    void counter(const char* name, const char* series, int64_t ns, int64_t value) {
        std::string s = head("C", name, "counter", ns, rootPid_, rootPid_);
        s += ",\"args\":{" + quote(series) + ":" + std::to_string(value) + "}}";
        timed_.push_back({ns, -1, std::move(s)});
    }
    void flow(const char* ph, long id, const char* name, int64_t ns, pid_t pid) {
        std::string s = head(ph, name, "fork", ns, pid, pid);
        s += ",\"id\":" + std::to_string(id);
        if (ph[0] == 'f') s += ",\"bp\":\"e\""; // bind to the enclosing slice, not the next one
        timed_.push_back({ns, -1, s + "}"});
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
    std::map<pid_t, size_t> current_;                        // pid -> its newest life
    std::map<pid_t, std::pair<size_t, size_t>> pendingFork_; // child -> (parent life, fork)
    std::map<uint64_t, std::string> mutexNames_;             // address -> the program's name for it
    std::multiset<std::string> shmLive_;
    std::vector<std::string> meta_;
    std::vector<Item> timed_;
    std::set<pid_t> pidsUsed_;
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
        l.segs.push_back(Segment{
            e.t, -1, first,
            json{{"image", d.parent ? "the parent's, inherited by fork" : "as first seen"}}});
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
        json args{
            {"path", str(d.path)}, {"exe", str(d.exe)}, {"argv", argv}, {"role", toString(d.role)}};
        if (d.before != kNoSnap && d.after != kNoSnap) {
            const auto& before = t_.snapshot(d.before);
            const auto& after = t_.snapshot(d.after);
            json kept = json::array(), closed = json::array();
            for (auto& f : before.fds) (after.findFd(f.fd) ? kept : closed).push_back(fdText(f));
            args["fds_kept"] = kept;
            args["fds_closed_by_exec"] = closed;
        }
        if (d.role != Role::Program && d.role != Role::Sandbox)
            args["recognised_as"] = toString(d.role);
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
        instant("t", "exec " + basename(str(d.path)), "exec", e.t, e.pid, std::move(args));
        break;
    }
    case EventKind::Exit: {
        auto& d = e.as<ev::Exit>();
        json args = statusArgs(d.status);
        if (L) {
            if (!L->segs.empty() && L->segs.back().end < 0) L->segs.back().end = e.t;
            closeThreads(*L, e.t);
            if (L->died < 0) counter("live", "processes", e.t, --liveProcs_);
            L->died = e.t;
            L->exited = true;
            L->status = d.status;
            args["killed_by_sandbox"] = L->killedBySandbox;
            args["role"] = toString(L->role);
        }
        instant("p",
                (d.status.exited() ? "exit " + std::to_string(d.status.exitCode())
                                   : d.status.describe()),
                "exit", e.t, e.pid, std::move(args));
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
        // Output is most of a busy trace's events: its args are written without a json tree.
        instantRaw("t", stream + ": " + shorten(text, 60), "output", e.t, e.pid,
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
        auto& list = steps_.gotoSteps();
        size_t number = size_t(std::find(list.begin(), list.end(), i) - list.begin()) + 1;
        json args{{"label", text}, {"key", d.key}, {"by", who(e.pid)}};
        if (number <= list.size()) args["step"] = number; // what --step / --goto-step count
        instant("g",
                std::string(d.key ? "★ key step " : "step ") +
                    (number <= list.size() ? std::to_string(number) + ": " : ": ") + text,
                "step", e.t, e.pid, std::move(args));
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
                    "annotation", e.t, e.pid,
                    json{{"label", text}, {"addr", hex(d.value)}, {"note", "said by the program"}});
        } else {
            instant("t", "names fd " + std::to_string(d.value) + " \"" + shorten(text, 40) + "\"",
                    "annotation", e.t, e.pid,
                    json{{"label", text},
                         {"fd", d.value},
                         {"target", str(d.target)},
                         {"note", "said by the program"}});
        }
        break;
    }
    }
    if (e.pid > 0) pidsUsed_.insert(e.pid);
}

void ChromeWriter::emitLives() {
    long nextFlow = 1;
    for (auto& l : lives_) {
        int64_t end = l.died >= 0 ? l.died : std::max(l.born, end_);
        json args{{"pid", l.pid},
                  {"nspid", l.nspid},
                  {"parent", l.parent},
                  {"role", toString(l.role)},
                  {"started_by", toString(l.how)},
                  {"execs", l.execs}};
        if (!l.argv.empty()) args["argv"] = l.argv;
        if (!l.exe.empty()) args["exe"] = l.exe;
        args["end"] = l.exited ? l.status.describe() : "still running when the trace ends";
        if (l.killedBySandbox) args["killed_by_sandbox"] = true;
        if (l.deadlockAt >= 0) args["deadlocked"] = true;
        if (l.inherited != kNoSnap) args["fds_inherited"] = fdList(t_.snapshot(l.inherited));
        if (l.last != kNoSnap) args["fds_last_seen"] = fdList(t_.snapshot(l.last));
        std::string name = std::to_string(l.pid) + " " + (l.name.empty() ? "?" : l.name) + " [" +
                           toString(l.role) + "]";
        slice(name, "process", l.born, end, l.pid, l.pid, std::move(args));
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
            json fargs{{"child", f.child}, {"how", how}};
            if (f.how == ForkKind::Vfork)
                fargs["note"] = "vfork (posix_spawn): the parent waits until the child execs";
            if (child) fargs["child_name"] = child->name;
            slice(std::string(how) + " → " + std::to_string(f.child), "fork", f.t, stop, l.pid,
                  l.pid, std::move(fargs));
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
                  json{{"tid", th.tid}, {"process", l.pid}});
    }
}

void ChromeWriter::emitMetadata() {
    auto meta = [&](const char* name, pid_t pid, pid_t tid, const json& args) {
        meta_.push_back(head("M", name, "__metadata", 0, pid, tid) + ",\"args\":" + dump(args) +
                        "}");
    };
    // Tree order: a depth-first walk from the roots, so each parent sorts above its children.
    World w = World::at(t_, t_.size());
    std::vector<pid_t> order;
    std::set<pid_t> seen;
    std::function<void(pid_t)> walk = [&](pid_t pid) {
        auto it = w.procs.find(pid);
        if (it == w.procs.end() || it->second.pid != pid || !seen.insert(pid).second) return;
        order.push_back(pid);
        for (pid_t c : it->second.children) walk(c);
    };
    for (pid_t r : w.roots) walk(r);
    for (auto& [pid, p] : w.procs) walk(pid); // children of an unrecorded parent
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
        meta("process_name", pid, pid, json{{"name", name}});
        meta("process_sort_index", pid, pid, json{{"sort_index", int(k)}});
        if (known) {
            const Life& l = lives_[current_.at(pid)];
            meta("process_labels", pid, pid,
                 json{{"labels", std::string(toString(l.role)) + "," + toString(l.how)}});
        }
        meta("thread_name", pid, pid,
             json{{"name", (known ? lives_[current_.at(pid)].name : std::string("main")) + " " +
                               std::to_string(pid)}});
        meta("thread_sort_index", pid, pid, json{{"sort_index", 0}});
    }
    std::set<std::pair<pid_t, pid_t>> named;
    for (auto& l : lives_) {
        int k = 1;
        for (auto& th : l.threads)
            if (named.insert({l.pid, th.tid}).second) {
                meta("thread_name", l.pid, th.tid,
                     json{{"name", "thread " + std::to_string(th.tid)}});
                meta("thread_sort_index", l.pid, th.tid, json{{"sort_index", k++}});
            }
    }
}

} // namespace

void writeChromeJson(const Trace& trace, std::ostream& out) {
    ChromeWriter(trace).write(out);
}

} // namespace forklab
