#include "ChromeExport.hpp"

#include "ChromeWriter.hpp"
#include "Names.hpp"
#include "PipeWrites.hpp"
#include "Refusal.hpp"
#include "StackText.hpp"
#include "core/base/HexBytes.hpp"

namespace forklab {
namespace chrome {

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
        L->name = processNameOfArgv(t_.str(d.argv), t_.str(d.path)); // exe is in the args
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
        // Where the waiter is stuck, innermost first; or why that was not read.
        const ThreadStack stack = unpackStack(str(d.stack));
        if (!stack.frames.empty()) {
            json frames = json::array();
            for (const StackFrame& f : stack.frames) frames.push_back(frameText(f));
            if (stack.truncated) frames.push_back("… (deeper frames not read)");
            args["stack"] = std::move(frames);
        } else if (!stack.unread.empty()) {
            args["stack_unread"] = stack.unread;
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
    case EventKind::CloneRefused: {
        if (!emitting()) break;
        auto& d = e.as<ev::CloneRefused>();
        instant("p", "clone refused: task limit", "limit", e.t, e.pid,
                json{{"limit", toString(d.limit)},
                     {"max_procs", d.maxProcs},
                     {"tasks", d.tasks},
                     {"errno", d.err},
                     {"how", toString(d.how)},
                     {"meaning", refusalText(d)}});
        break;
    }
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
    case EventKind::PipeWrite: {
        if (!emitting()) break;
        auto& d = e.as<ev::PipeWrite>();
        const std::string head = hexHead(fromHexBytes(t_.str(d.hex)).value_or(std::string()), 8);
        instant("t",
                "writes " + std::to_string(d.length) + " bytes into fd " + std::to_string(d.fd),
                "pipe", e.t, e.pid, [&](JsonWriter& w) {
                    w.field("fd", d.fd).field("target", t_.str(d.target));
                    w.field("length", d.length).field("first_bytes", head);
                });
        break;
    }
    }
    // Runs of one pid are common: one entry per run.
    if (learning() && e.pid > 0 && e.pid != w_.lastPid) {
        w_.pidsUsed.push_back(e.pid);
        w_.lastPid = e.pid;
    }
}

} // namespace chrome

void writeChromeJson(const Trace& trace, std::ostream& out) {
    chrome::ChromeWriter(trace).write(out);
}

} // namespace forklab
