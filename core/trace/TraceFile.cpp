#include "TraceFile.hpp"

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

json isolationJson(uint8_t f) {
    return json{
        {"user_ns", bool(f & kIsoUserNs)},         {"pid_ns", bool(f & kIsoPidNs)},
        {"ipc_ns", bool(f & kIsoIpcNs)},           {"mount_ns", bool(f & kIsoMountNs)},
        {"private_shm", bool(f & kIsoPrivateShm)}, {"pids_cgroup", bool(f & kIsoPidsCgroup)}};
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
            } else if constexpr (std::is_same_v<T, ev::Shm>) {
                j["name"] = str(t, d.name);
                j["inode"] = d.inode;
            } else if constexpr (std::is_same_v<T, ev::Leak>) {
                j["name"] = str(t, d.name);
                j["creator"] = d.creator ? json(d.creator) : json(nullptr);
            } else if constexpr (std::is_same_v<T, ev::Kill>) {
                j["target"] = d.target;
                j["signal"] = d.sig;
                j["signal_name"] = signalName(d.sig);
                j["group"] = d.group;
            } else if constexpr (std::is_same_v<T, ev::Marker>) {
                j["label"] = str(t, d.label);
                j["key"] = d.key;
            } else if constexpr (std::is_same_v<T, ev::Annotation>) {
                j["label"] = str(t, d.label);
                if (d.what == ev::NameOf::Mutex) {
                    j["addr"] = d.value;
                } else {
                    j["fd"] = d.value;
                    j["target"] = str(t, d.target);
                }
            } else if constexpr (std::is_same_v<T, ev::RunEnd>) {
                j["reason"] = toString(d.reason);
                j["exit_code"] = d.exitCode;
                statusJson(j, d.rootStatus, "root_");
            }
        },
        e.data);
    return j;
}

void writeJsonl(const Trace& trace, std::ostream& out) {
    json header{{"t", 0},
                {"kind", "header"},
                {"format", "forklab-trace"},
                {"version", kTraceFormatVersion}};
    out << header.dump() << '\n';
    size_t n = trace.size();
    for (size_t i = 0; i < n; ++i)
        out << eventToJson(trace, trace[i]).dump(-1, ' ', false, json::error_handler_t::replace)
            << '\n';
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
