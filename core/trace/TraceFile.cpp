#include "TraceFile.hpp"
#include "Names.hpp"

#include "JsonWriter.hpp"
#include "StackText.hpp"
#include "TableText.hpp"
#include "core/probe/Deadlock.hpp"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

namespace forklab {

using nlohmann::json;

namespace {

std::string str(const Trace& t, StrId id) {
    return std::string(t.str(id));
}

json isolationJson(uint16_t f) {
    json j = json::object();
    for (auto& n : kIsolationNames) j[n.key] = bool(f & n.flag);
    return j;
}

// How a process ended: "code" (exited) or "signal" (killed), the other null.
void statusJson(json& j, WaitStatus s, const std::string& prefix) {
    if (s.exited()) {
        j[prefix + "code"] = s.exitCode();
        j[prefix + "signal"] = nullptr;
    } else {
        j[prefix + "code"] = nullptr;
        j[prefix + "signal"] = s.termSignal();
        j[prefix + "signal_name"] = signalName(s.termSignal());
    }
    j[prefix + "core_dumped"] = s.coreDumped();
}

// The optional stack fields of a verdict (docs/trace-format.md): absent when not recorded.
void stackToJson(json& j, const ThreadStack& s) {
    if (!s.recorded()) return;
    json frames = json::array();
    for (const StackFrame& f : s.frames)
        frames.push_back(json{{"pc", f.pc}, {"module", f.module}, {"function", f.function}});
    j["stack"] = std::move(frames);
    if (s.truncated) j["stack_truncated"] = true;
    if (!s.unread.empty()) j["stack_unread"] = s.unread;
}

} // namespace

json snapshotToJson(const ProcessSnapshot& s) {
    json fds = json::array();
    for (auto& f : s.fds) {
        fds.push_back(json{{"fd", f.fd},
                           {"target", f.target},
                           {"cloexec", f.cloexec},
                           {"type", toString(f.kind)},
                           {"inode", f.inode},
                           {"access", toString(f.access)},
                           {"flags", f.flags}});
    }
    json threads = json::array(), states = json::array();
    for (auto& t : s.threads) {
        threads.push_back(t.tid);
        json sc = nullptr;
        if (!t.syscall.running && t.syscall.nr >= 0) {
            sc = json::array({t.syscall.nr});
            for (auto a : t.syscall.args) sc.push_back(a);
        }
        states.push_back(json{{"tid", t.tid},
                              {"nstid", t.nstid},
                              {"state", std::string(1, t.state)},
                              {"wchan", t.wchan},
                              {"running", t.syscall.running},
                              {"syscall", sc}});
    }
    json shm = json::array();
    for (auto& m : s.shm)
        shm.push_back(
            json{{"path", m.path}, {"dev", m.dev}, {"inode", m.inode}, {"start", m.start}});
    return json{{"nspid", s.nspid},   {"ppid", s.ppid},       {"state", std::string(1, s.state)},
                {"threads", threads}, {"fds", fds},           {"thread_states", states},
                {"shm_maps", shm},    {"partial", s.partial}, {"depth", s.full ? "full" : "stop"}};
}

json eventToJson(const Trace& t, const Event& e) {
    json j{{"t", e.t}, {"kind", kindName(e)}};
    if (e.kind != EventKind::RunStart && e.kind != EventKind::RunEnd && e.kind != EventKind::Leak)
        j["pid"] = e.pid;
    std::visit(
        [&](const auto& d) {
            using T = std::decay_t<decltype(d)>;
            if constexpr (std::is_same_v<T, ev::RunStart>) {
                j["command"] = str(t, d.command);
                j["isolation"] = isolationJson(d.isolation);
                j["max_procs"] = d.maxProcs;
                j["deadline_ms"] = d.deadlineMs;
                j["grace_ms"] = d.graceMs;
                if (d.uid != kNoId) j["uid"] = d.uid;
                if (d.gid != kNoId) j["gid"] = d.gid;
                if (d.rlimits) j["rlimits"] = str(t, d.rlimits);
                if (!d.stopSnapshots) j["stop_snapshots"] = false;
            } else if constexpr (std::is_same_v<T, ev::Proc>) {
                j["nspid"] = d.nspid;
                j["parent"] = d.parent;
                j["role"] = toString(d.role);
                j["how"] = toString(d.how);
                j["name"] = str(t, d.name);
            } else if constexpr (std::is_same_v<T, ev::Fork>) {
                j["child"] = d.child;
            } else if constexpr (std::is_same_v<T, ev::Exec>) {
                j["path"] = str(t, d.path);
                j["exe"] = str(t, d.exe);
                j["name"] = processNameOfArgv(t.str(d.argv), t.str(d.path));
                j["role"] = toString(d.role);
                j["argv"] = splitArgv(t.str(d.argv));
                j["before_snap"] = d.before == kNoSnap ? json(nullptr) : json(d.before);
                j["after_snap"] = d.after == kNoSnap ? json(nullptr) : json(d.after);
            } else if constexpr (std::is_same_v<T, ev::Exit>) {
                statusJson(j, d.status, "");
            } else if constexpr (std::is_same_v<T, ev::ThreadExit>) {
                j["tid"] = d.tid;
            } else if constexpr (std::is_same_v<T, ev::Snapshot>) {
                j["snap"] = d.snap;
                j["reason"] = toString(d.reason);
                j.update(snapshotToJson(t.snapshot(d.snap)));
            } else if constexpr (std::is_same_v<T, ev::Output>) {
                j["fd"] = d.fd;
                j["text"] = str(t, d.text); // invalid UTF-8 becomes U+FFFD when dumped
                j["truncated"] = d.truncated;
                if (d.notKept) j["not_kept"] = d.notKept;
            } else if constexpr (std::is_same_v<T, ev::Deadlock>) {
                j["tid"] = d.tid;
                j["addr"] = d.addr;
                j["rule"] = toString(DeadlockRule(d.rule));
                j["owner_tid"] = d.rule == uint8_t(DeadlockRule::OrphanedMutex) ? json(d.ownerTid)
                                                                                : json(nullptr);
                j["owner_nstid"] = d.rule == uint8_t(DeadlockRule::OrphanedMutex)
                                       ? json(d.ownerNsTid)
                                       : json(nullptr);
                j["evidence"] = str(t, d.evidence);
                stackToJson(j, unpackStack(t.str(d.stack)));
            } else if constexpr (std::is_same_v<T, ev::Shm>) {
                j["name"] = str(t, d.name);
                j["inode"] = d.inode;
            } else if constexpr (std::is_same_v<T, ev::Leak>) {
                j["name"] = str(t, d.name);
                j["creator"] = d.creator ? json(d.creator) : json(nullptr);
                j["removed"] = d.removed;
            } else if constexpr (std::is_same_v<T, ev::Kill>) {
                j["target"] = d.target;
                j["signal"] = d.sig;
                j["signal_name"] = signalName(d.sig);
                j["group"] = d.group;
            } else if constexpr (std::is_same_v<T, ev::Marker>) {
                j["label"] = str(t, d.label);
                j["key"] = d.key;
                if (d.line) {
                    j["file"] = str(t, d.file);
                    j["line"] = d.line;
                }
            } else if constexpr (std::is_same_v<T, ev::Annotation>) {
                j["label"] = str(t, d.label);
                if (d.what == ev::NameOf::Mutex) {
                    j["addr"] = d.value;
                } else {
                    j["fd"] = d.value;
                    j["target"] = str(t, d.target);
                }
            } else if constexpr (std::is_same_v<T, ev::PipeWrite>) {
                j["fd"] = d.fd;
                j["target"] = str(t, d.target);
                j["hex"] = str(t, d.hex);
                j["length"] = d.length;
            } else if constexpr (std::is_same_v<T, ev::CloneRefused>) {
                j["limit"] = toString(d.limit);
                j["max_procs"] = d.maxProcs;
                j["tasks"] = d.tasks;
                j["errno"] = d.err;
                j["how"] = toString(d.how);
            } else if constexpr (std::is_same_v<T, ev::RunEnd>) {
                j["reason"] = toString(d.reason);
                j["exit_code"] = d.exitCode;
                statusJson(j, d.rootStatus, "root_");
            }
        },
        e.data);
    return j;
}

namespace {

// The streaming twin of eventToJson: the same text (keys in nlohmann's sorted order, the same
// escapes), written without building a tree. A test holds the two to byte equality.
class LineWriter {
  public:
    LineWriter(const Trace& t, std::string& out) : t_(t), w_(out) {}

    void event(const Event& e) {
        w_.beginObject();
        std::visit([&](const auto& d) { fields(e, d); }, e.data);
        w_.endObject();
    }

  private:
    std::string_view str(StrId id) const { return t_.str(id); }
    void pid(const Event& e) { w_.field("pid", e.pid); }
    void kind(const Event& e) { w_.field("kind", kindName(e)); }
    void t(const Event& e) { w_.field("t", e.t); }

    // code, core_dumped, [kind, pid,] signal, signal_name: the caller's keys between them.
    template <class Middle>
    void status(WaitStatus s, std::string_view prefix, Middle middle) {
        std::string k(prefix);
        auto key = [&](const char* name) {
            k.resize(prefix.size());
            k += name;
            return std::string_view(k);
        };
        if (s.exited())
            w_.field(key("code"), s.exitCode());
        else
            w_.key(key("code")).null();
        w_.field(key("core_dumped"), s.coreDumped());
        middle();
        if (s.exited()) {
            w_.key(key("signal")).null();
        } else {
            w_.field(key("signal"), s.termSignal());
            w_.field(key("signal_name"), signalName(s.termSignal()));
        }
    }
    void snap(SnapId id) {
        if (id == kNoSnap)
            w_.null();
        else
            w_.value(id);
    }

    void fields(const Event& e, const ev::RunStart& d) {
        w_.field("command", str(d.command));
        w_.field("deadline_ms", d.deadlineMs);
        if (d.gid != kNoId) w_.field("gid", d.gid);
        w_.field("grace_ms", d.graceMs);
        w_.key("isolation").beginObject();
        for (auto& n : kIsolationNames) w_.field(n.key, bool(d.isolation & n.flag));
        w_.endObject();
        kind(e);
        w_.field("max_procs", d.maxProcs);
        if (d.rlimits) w_.field("rlimits", str(d.rlimits));
        if (!d.stopSnapshots) w_.field("stop_snapshots", false);
        t(e);
        if (d.uid != kNoId) w_.field("uid", d.uid);
    }
    void fields(const Event& e, const ev::Proc& d) {
        w_.field("how", toString(d.how));
        kind(e);
        w_.field("name", str(d.name));
        w_.field("nspid", d.nspid);
        w_.field("parent", d.parent);
        pid(e);
        w_.field("role", toString(d.role));
        t(e);
    }
    void fields(const Event& e, const ev::Fork& d) {
        w_.field("child", d.child);
        kind(e);
        pid(e);
        t(e);
    }
    void fields(const Event& e, const ev::Exec& d) {
        w_.key("after_snap");
        snap(d.after);
        w_.key("argv").beginArray();
        std::string_view argv = str(d.argv);
        for (size_t start = 0; start < argv.size();) { // as splitArgv
            size_t end = argv.find('\0', start);
            if (end == std::string_view::npos) end = argv.size();
            w_.value(argv.substr(start, end - start));
            start = end + 1;
        }
        w_.endArray();
        w_.key("before_snap");
        snap(d.before);
        w_.field("exe", str(d.exe));
        kind(e);
        w_.field("name", processNameOfArgv(str(d.argv), str(d.path)));
        w_.field("path", str(d.path));
        pid(e);
        w_.field("role", toString(d.role));
        t(e);
    }
    void fields(const Event& e, const ev::Exit& d) {
        status(d.status, "", [&] {
            kind(e);
            pid(e);
        });
        t(e);
    }
    void fields(const Event& e, const ev::ThreadExit& d) {
        kind(e);
        pid(e);
        t(e);
        w_.field("tid", d.tid);
    }
    void fields(const Event& e, const ev::Snapshot& d) {
        const ProcessSnapshot& s = t_.snapshot(d.snap);
        w_.field("depth", s.full ? "full" : "stop");
        writeTable(w_.key("fds"), s.fds);
        kind(e);
        w_.field("nspid", s.nspid);
        w_.field("partial", s.partial);
        pid(e);
        w_.field("ppid", s.ppid);
        w_.field("reason", toString(d.reason));
        writeTable(w_.key("shm_maps"), s.shm);
        w_.field("snap", d.snap);
        w_.field("state", std::string_view(&s.state, 1));
        t(e);
        writeTable(w_.key("thread_states"), s.threads);
        w_.key("threads").beginArray();
        for (auto& th : s.threads) w_.value(th.tid);
        w_.endArray();
    }
    void fields(const Event& e, const ev::Output& d) {
        w_.field("fd", d.fd);
        kind(e);
        if (d.notKept) w_.field("not_kept", d.notKept);
        pid(e);
        t(e);
        w_.field("text", str(d.text));
        w_.field("truncated", d.truncated);
    }
    void fields(const Event& e, const ev::Deadlock& d) {
        bool orphaned = d.rule == uint8_t(DeadlockRule::OrphanedMutex);
        ThreadStack stack = unpackStack(str(d.stack));
        w_.field("addr", d.addr);
        w_.field("evidence", str(d.evidence));
        kind(e);
        if (orphaned) {
            w_.field("owner_nstid", d.ownerNsTid);
            w_.field("owner_tid", d.ownerTid);
        } else {
            w_.key("owner_nstid").null();
            w_.key("owner_tid").null();
        }
        pid(e);
        w_.field("rule", toString(DeadlockRule(d.rule)));
        if (stack.recorded()) {
            w_.key("stack").beginArray();
            for (const StackFrame& f : stack.frames) {
                w_.beginObject();
                w_.field("function", f.function);
                w_.field("module", f.module);
                w_.field("pc", f.pc);
                w_.endObject();
            }
            w_.endArray();
            if (stack.truncated) w_.field("stack_truncated", true);
            if (!stack.unread.empty()) w_.field("stack_unread", stack.unread);
        }
        t(e);
        w_.field("tid", d.tid);
    }
    void fields(const Event& e, const ev::Shm& d) {
        w_.field("inode", d.inode);
        kind(e);
        w_.field("name", str(d.name));
        pid(e);
        t(e);
    }
    void fields(const Event& e, const ev::Leak& d) {
        w_.key("creator");
        if (d.creator)
            w_.value(d.creator);
        else
            w_.null();
        kind(e);
        w_.field("name", str(d.name));
        w_.field("removed", d.removed);
        t(e);
    }
    void fields(const Event& e, const ev::Kill& d) {
        w_.field("group", d.group);
        kind(e);
        pid(e);
        w_.field("signal", d.sig);
        w_.field("signal_name", signalName(d.sig));
        t(e);
        w_.field("target", d.target);
    }
    void fields(const Event& e, const ev::Marker& d) {
        if (d.line) w_.field("file", str(d.file));
        w_.field("key", d.key);
        kind(e);
        w_.field("label", str(d.label));
        if (d.line) w_.field("line", d.line);
        pid(e);
        t(e);
    }
    void fields(const Event& e, const ev::Annotation& d) {
        bool mutex = d.what == ev::NameOf::Mutex;
        w_.field(mutex ? "addr" : "fd", d.value);
        kind(e);
        w_.field("label", str(d.label));
        pid(e);
        t(e);
        if (!mutex) w_.field("target", str(d.target));
    }
    void fields(const Event& e, const ev::PipeWrite& d) {
        w_.field("fd", d.fd);
        w_.field("hex", str(d.hex));
        kind(e);
        w_.field("length", d.length);
        pid(e);
        t(e);
        w_.field("target", str(d.target));
    }
    void fields(const Event& e, const ev::KilledBySandbox&) {
        kind(e);
        pid(e);
        t(e);
    }
    void fields(const Event& e, const ev::CloneRefused& d) {
        w_.field("errno", d.err);
        w_.field("how", toString(d.how));
        kind(e);
        w_.field("limit", toString(d.limit));
        w_.field("max_procs", d.maxProcs);
        pid(e);
        t(e);
        w_.field("tasks", d.tasks);
    }
    void fields(const Event& e, const ev::RunEnd& d) {
        w_.field("exit_code", d.exitCode);
        kind(e);
        w_.field("reason", toString(d.reason));
        status(d.rootStatus, "root_", [] {});
        t(e);
    }

    const Trace& t_;
    JsonWriter w_;
};

} // namespace

void writeJsonl(const Trace& trace, std::ostream& out) {
    std::string buf = "{\"format\":\"forklab-trace\",\"kind\":\"header\",\"t\":0,\"version\":" +
                      std::to_string(kTraceFormatVersion) + "}\n";
    // Lines are formatted into a string and written in 1 MiB pieces: the stream is called once
    // per piece, not once per field.
    constexpr size_t kFlushAt = size_t(1) << 20;
    buf.reserve(kFlushAt + (64 << 10));
    size_t n = trace.size();
    for (size_t i = 0; i < n; ++i) {
        LineWriter(trace, buf).event(trace[i]);
        buf += '\n';
        if (buf.size() >= kFlushAt) {
            out.write(buf.data(), std::streamsize(buf.size()));
            buf.clear();
        }
    }
    out.write(buf.data(), std::streamsize(buf.size()));
}

bool writeJsonlFile(const Trace& trace, const std::string& path, std::string* error) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
        if (error) *error = "cannot write " + path + ": " + strerror(errno);
        return false;
    }
    writeJsonl(trace, out);
    out.flush();
    if (!out) {
        if (error) *error = "error while writing " + path;
        return false;
    }
    return true;
}

} // namespace forklab
