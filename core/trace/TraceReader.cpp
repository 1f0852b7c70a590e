#include "TraceReader.hpp"

#include "JsonScan.hpp"
#include "LineReader.hpp"
#include "StackText.hpp"
#include "TraceFile.hpp"
#include "TraceJsonFields.hpp"
#include "TraceStackField.hpp"
#include "core/base/HexBytes.hpp"
#include "core/probe/Deadlock.hpp"

#include "JsonWriter.hpp"
#include "TableText.hpp"
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>
#include <simdjson.h>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace forklab {

using nlohmann::json;

namespace {
using namespace tracefile;

bool tooDeep(std::string_view s) {
    return Scan().deeperThan(s, kMaxDepth);
}

// One kind of snapshot table for the reader: those already read, by their text, and what
// Reader::preRead found in the line at hand.
template <class T>
struct Tables {
    TableMemo<T> memo;
    const CowVector<T>* known = nullptr; // the table the line repeats
    std::optional<size_t> at;            // where the table's text starts in the line
    void forget() { known = nullptr, at.reset(); }
};

class Reader {
  public:
    Reader(Trace& out, KnownTables known) : out_(out), reuse_(known == KnownTables::Reuse) {
        // The parser keeps its buffers between lines; its depth limit refuses what the format
        // never writes before any of it is built (kMaxDepth levels are allowed).
        if (parser_.allocate(64 << 10, kMaxDepth + 1)) throw std::bad_alloc();
    }

    // `text` must have SIMDJSON_PADDING bytes of capacity beyond its size (simdjson reads ahead).
    void line(const std::string& text, bool newline, bool first) {
        line_ = text;
        if (first || !reuse_ || !preRead(text)) return read(text, newline, first);
        try {
            read(shortened_, newline, first);
        } catch (const BadLine&) {
            // Something is wrong with this line: read it whole, which names the problem.
            forget();
            read(text, newline, first);
        }
    }

  private:
    // Parses and reads one line (`text` has simdjson's padding).
    void read(const std::string& text, bool newline, bool first) {
        simdjson::dom::element root;
        auto error = parser_.parse(text).get(root);
        if (error == simdjson::DEPTH_ERROR)
            fail("not a forklab trace line (JSON nested too deeply)");
        std::optional<Val> j;
        json fallback;
        if (!error) {
            j.emplace(root);
        } else {
            // simdjson refused it; nlohmann may still take it (numbers beyond 64 bits). Its
            // recursion is bounded by the depth check first.
            if (tooDeep(text)) fail("not a forklab trace line (JSON nested too deeply)");
            fallback = json::parse(text, nullptr, false);
            if (fallback.is_discarded()) {
                if (first) fail("not a forklab trace (the first line is not JSON)");
                if (!newline) fail("truncated line (the file ends in the middle of it)");
                fail(text.empty() ? "empty line" : "not valid JSON");
            }
            j.emplace(fallback);
        }
        if (j->type() != Val::Object) fail("expected a JSON object (got " + shown(*j) + ")");
        if (first)
            header(*j);
        else
            event(Obj(*j));
    }

    void header(Val j) {
        auto kind = j.find("kind");
        if (!kind || kind->type() != Val::String || kind->string() != "header")
            fail("missing header: a forklab trace starts with "
                 "{\"kind\":\"header\",\"format\":\"forklab-trace\",\"version\":1,...}");
        Obj o(j);
        if (o.string("format") != "forklab-trace")
            fail("not a forklab trace (format " + quoted(o.string("format")) + ")");
        Val v = o.need("version");
        if (!v.isInteger()) fail(o.name("version") + " must be an integer (got " + shown(v) + ")");
        if (v.type() != Val::Unsigned || v.u64() != uint64_t(kTraceFormatVersion))
            fail("unsupported trace version " + shown(v) + " (this forklab reads version " +
                 std::to_string(kTraceFormatVersion) + ")");
    }

    void event(const Obj& o) {
        std::string_view kind = o.string("kind");
        Event e;
        e.t = o.integer("t", 0, kI64Max);
        std::optional<ProcessSnapshot> snap; // a snapshot event's body, added once checked
        uint32_t fileSnapId = 0;

        if (kind == "run_start") {
            Obj iso = o.object("isolation");
            uint16_t f = 0;
            // The first six are in every trace; the others were added later and may be absent.
            for (auto& n : kIsolationNames) {
                bool v1 = n.flag < (1u << kIsolationKeysOfVersion1);
                if ((v1 || iso.has(n.key)) && iso.boolean(n.key)) f |= n.flag;
            }
            ev::RunStart d{str(o, "command"), f, i32(o, "max_procs"), i32(o, "deadline_ms"),
                           i32(o, "grace_ms")};
            if (o.has("uid")) d.uid = uint32_t(o.integer("uid", 0, kNoId - 1));
            if (o.has("gid")) d.gid = uint32_t(o.integer("gid", 0, kNoId - 1));
            if (o.has("rlimits")) d.rlimits = str(o, "rlimits");
            if (o.has("stop_snapshots")) d.stopSnapshots = o.boolean("stop_snapshots");
            e.kind = EventKind::RunStart;
            e.data = d;
        } else if (kind == "proc") {
            e.kind = EventKind::Proc;
            e.data = ev::Proc{o.pid("nspid"), o.pid("parent"), o.choice<Role>("role"),
                              o.choice<ForkKind>("how"), str(o, "name")};
        } else if (kind == "fork" || kind == "vfork" || kind == "thread") {
            e.kind = EventKind::Fork;
            ForkKind how = kind == "fork"    ? ForkKind::Fork
                           : kind == "vfork" ? ForkKind::Vfork
                                             : ForkKind::Thread;
            e.data = ev::Fork{o.pid("child"), how};
        } else if (kind == "exec") {
            e.kind = EventKind::Exec;
            // In memory argv is each argument followed by a NUL.
            std::string& joined = scratch_;
            joined.clear();
            o.array("argv").each([&](size_t i, Val a) {
                if (a.type() != Val::String)
                    fail(o.name("argv[" + std::to_string(i) + "]") + " must be a string (got " +
                         shown(a) + ")");
                joined += a.string();
                joined += '\0';
            });
            e.data = ev::Exec{str(o, "path"),           str(o, "exe"),
                              out_.intern(joined),      snapRef(o, "before_snap"),
                              snapRef(o, "after_snap"), o.choice<Role>("role")};
        } else if (kind == "exit") {
            e.kind = EventKind::Exit;
            e.data = ev::Exit{status(o, "")};
        } else if (kind == "thread_exit") {
            e.kind = EventKind::ThreadExit;
            e.data = ev::ThreadExit{o.pid("tid")};
        } else if (kind == "snapshot") {
            e.kind = EventKind::Snapshot;
            fileSnapId = uint32_t(o.integer("snap", 0, int64_t(kNoSnap) - 1));
            e.data = ev::Snapshot{kNoSnap, o.choice<SnapReason>("reason")};
            snap = snapshotBody(o);
        } else if (kind == "output") {
            e.kind = EventKind::Output;
            e.data = ev::Output{i32(o, "fd"), str(o, "text"), o.boolean("truncated"),
                                o.has("not_kept") ? o.u64("not_kept") : 0};
        } else if (kind == "deadlock") {
            e.kind = EventKind::Deadlock;
            // owner_nstid is what the mutex's memory said: any int.
            e.data = ev::Deadlock{o.pid("tid"),
                                  uint8_t(o.choice<DeadlockRule>("rule")),
                                  o.u64("addr"),
                                  pid_t(o.nullableInt("owner_tid", 0, kPidMax).value_or(0)),
                                  pid_t(o.nullableInt("owner_nstid", kI32Min, kI32Max).value_or(0)),
                                  str(o, "evidence"),
                                  out_.intern(packStack(stackFields(o)))};
        } else if (kind == "shm_create" || kind == "shm_unlink") {
            e.kind = kind == "shm_create" ? EventKind::ShmCreate : EventKind::ShmUnlink;
            e.data = ev::Shm{str(o, "name"), o.u64("inode")};
        } else if (kind == "leak") {
            // Reported by the sandbox's sweep; the acting pid is the creator (0 if unknown).
            pid_t creator = pid_t(o.nullableInt("creator", 0, kPidMax).value_or(0));
            e.pid = creator;
            e.kind = EventKind::Leak;
            e.data = ev::Leak{str(o, "name"), creator, !o.has("removed") || o.boolean("removed")};
        } else if (kind == "kill") {
            e.kind = EventKind::Kill;
            o.string("signal_name");
            // Target and signal are the syscall's arguments as given: any int.
            e.data = ev::Kill{i32(o, "target"), i32(o, "signal"), o.boolean("group")};
        } else if (kind == "marker") {
            e.kind = EventKind::Marker;
            ev::Marker m{str(o, "label"), o.boolean("key")};
            // Where the program said the step is: optional, and only with both fields.
            if (o.has("line")) {
                m.line = uint32_t(o.integer("line", 1, ev::Marker::kMaxLine));
                m.file = str(o, "file");
            }
            e.data = m;
        } else if (kind == "name_mutex" || kind == "name_fd") {
            e.kind = EventKind::Annotation;
            // The fd is the register the program passed: kept as given, like an address.
            bool fd = kind == "name_fd";
            e.data = ev::Annotation{fd ? ev::NameOf::Fd : ev::NameOf::Mutex, str(o, "label"),
                                    o.u64(fd ? "fd" : "addr"), fd ? str(o, "target") : 0};
        } else if (kind == "pipe_write") {
            e.kind = EventKind::PipeWrite;
            // The kept bytes are hex; never more of them than the write wrote.
            StrId hex = str(o, "hex");
            std::string_view h = out_.str(hex);
            uint64_t length = o.u64("length");
            if (!fromHexBytes(h)) fail("\"hex\" is not an even number of hex digits");
            if (h.size() / 2 > length) fail("\"hex\" holds more bytes than \"length\"");
            e.data = ev::PipeWrite{i32(o, "fd"), str(o, "target"), hex, length};
        } else if (kind == "killed_by_sandbox") {
            e.kind = EventKind::KilledBySandbox;
            e.data = ev::KilledBySandbox{};
        } else if (kind == "clone_refused") {
            e.kind = EventKind::CloneRefused;
            e.data = ev::CloneRefused{o.choice<TaskLimit>("limit"), i32(o, "max_procs"),
                                      i32(o, "tasks"), i32(o, "errno"), o.choice<ForkKind>("how")};
        } else if (kind == "run_end") {
            e.kind = EventKind::RunEnd;
            e.data =
                ev::RunEnd{o.choice<EndReason>("reason"), status(o, "root_"), i32(o, "exit_code")};
        } else if (kind == "header") {
            fail("a second header");
        } else {
            fail("unknown kind " + quoted(kind) + " (not part of trace format version " +
                 std::to_string(kTraceFormatVersion) + ")");
        }

        // Every event but these has the acting pid (the writer leaves it out of them).
        if (e.kind != EventKind::RunStart && e.kind != EventKind::RunEnd &&
            e.kind != EventKind::Leak)
            e.pid = o.pid("pid");

        // The order the recorder guarantees: run_start first, run_end last, time never
        // going backwards.
        if (ended_) fail("event after run_end");
        if (!started_ && e.kind != EventKind::RunStart)
            fail("the first event must be run_start (got " + quoted(kind) + ")");
        if (started_ && e.kind == EventKind::RunStart) fail("a second run_start");
        if (e.t < lastT_)
            fail("time goes backwards: t=" + std::to_string(e.t) +
                 " after t=" + std::to_string(lastT_));

        if (snap) {
            if (snaps_.count(fileSnapId))
                fail("snapshot " + std::to_string(fileSnapId) + " is defined twice");
            snap->pid = e.pid; // the file keeps it once, as the event's pid
            SnapId id = out_.addPooledSnapshot(std::move(*snap));
            snaps_[fileSnapId] = id;
            std::get<ev::Snapshot>(e.data).snap = id;
        }
        started_ = true;
        ended_ = e.kind == EventKind::RunEnd;
        lastT_ = e.t;
        out_.append(std::move(e));
    }

    StrId str(const Obj& o, std::string_view key) { return out_.intern(o.string(key)); }
    static int32_t i32(const Obj& o, std::string_view key) {
        return int32_t(o.integer(key, kI32Min, kI32Max));
    }

    // A snapshot named by an earlier snapshot event, as the file numbers it; null: none.
    SnapId snapRef(const Obj& o, std::string_view key) {
        auto id = o.nullableInt(key, 0, int64_t(kNoSnap) - 1);
        if (!id) return kNoSnap;
        auto it = snaps_.find(uint32_t(*id));
        if (it == snaps_.end())
            fail(o.name(key) + " names snapshot " + std::to_string(*id) +
                 ", which no earlier line defines");
        return it->second;
    }

    // code/signal/core_dumped (with a prefix for run_end's root_*): exactly one of the first
    // two is null.
    static WaitStatus status(const Obj& o, const std::string& prefix) {
        auto code = o.nullableInt(prefix + "code", 0, 255);
        auto sig = o.nullableInt(prefix + "signal", 1, 126);
        if (code.has_value() == sig.has_value())
            fail("exactly one of " + o.name(prefix + "code") + " and " + o.name(prefix + "signal") +
                 " must be null");
        bool core = o.boolean(prefix + "core_dumped");
        if (code) return WaitStatus::forExit(int(*code));
        o.string(prefix + "signal_name");
        constexpr int kCoreFlag = 0x80; // WCOREFLAG
        return WaitStatus(WaitStatus::forSignal(int(*sig)).raw() | (core ? kCoreFlag : 0));
    }

    // The tables are read into reused buffers and stored as the trace's equal table when it has
    // one, so a repeated table costs no allocation.
    ProcessSnapshot snapshotBody(const Obj& o) {
        ProcessSnapshot s;
        s.nspid = o.pid("nspid");
        s.ppid = o.pid("ppid");
        s.state = o.character("state");
        s.partial = o.boolean("partial");
        std::string_view depth = o.string("depth");
        if (depth != "full" && depth != "stop")
            fail(o.name("depth") + " must be one of \"full\", \"stop\" (got " + quoted(depth) +
                 ")");
        s.full = depth == "full";
        s.fds = table(o, "fds", fds_, [&] {
            size_t n = 0;
            o.objects("fds", [&](const Obj& f) {
                if (n == fdRows_.size()) fdRows_.emplace_back();
                FdEntry& e = fdRows_[n++];
                e.fd = int(f.integer("fd", 0, kI32Max));
                e.target.assign(f.string("target"));
                e.kind = f.choice<FdKind>("type");
                e.inode = f.u64("inode");
                e.access = f.choice<AccessMode>("access");
                e.cloexec = f.boolean("cloexec");
                e.flags = uint32_t(f.integer("flags", 0, UINT32_MAX));
            });
            fdRows_.resize(n);
            return out_.shareTable(fdRows_);
        });
        s.threads = table(o, "thread_states", threads_, [&] {
            size_t n = 0;
            o.objects("thread_states", [&](const Obj& t) {
                if (n == threadRows_.size()) threadRows_.emplace_back();
                ThreadState& ts = threadRows_[n++];
                ts.tid = t.pid("tid");
                ts.nstid = t.pid("nstid");
                ts.state = t.character("state");
                ts.wchan.assign(t.string("wchan"));
                ts.syscall = SyscallState();
                ts.syscall.running = t.boolean("running");
                // [nr, six arguments] while blocked in a syscall; null when running or not in one.
                Val sc = t.need("syscall");
                if (!sc.isNull()) {
                    if (sc.type() != Val::Array || sc.size() != 7)
                        fail(t.name("syscall") + " must be null or an array of 7 integers (got " +
                             shown(sc) + ")");
                    sc.each([&](size_t a, Val v) {
                        auto name = [&t, a] {
                            return t.name("syscall[" + std::to_string(a) + "]");
                        };
                        if (a == 0)
                            ts.syscall.nr = long(Obj::toInt(v, name, 0, kI64Max));
                        else
                            ts.syscall.args[a - 1] = Obj::toU64(v, name);
                    });
                }
            });
            threadRows_.resize(n);
            return out_.shareTable(threadRows_);
        });
        // "threads" repeats the tids of "thread_states" for readers that want only those.
        Val tids = o.array("threads");
        bool same = tids.size() == s.threads.size();
        if (same)
            tids.each([&](size_t i, Val v) {
                same = same && v.type() == Val::Unsigned && v.u64() == uint64_t(s.threads[i].tid);
            });
        if (!same) fail(o.name("threads") + " must list the tids of \"thread_states\" in order");
        s.shm = table(o, "shm_maps", shm_, [&] {
            size_t n = 0;
            o.objects("shm_maps", [&](const Obj& m) {
                if (n == shmRows_.size()) shmRows_.emplace_back();
                ShmMapping& e = shmRows_[n++];
                e.path.assign(m.string("path"));
                e.dev = m.u64("dev");
                e.inode = m.u64("inode");
                e.start = m.u64("start");
            });
            shmRows_.resize(n);
            return out_.shareTable(shmRows_);
        });
        return s;
    }

    // The tables a snapshot line repeats from earlier lines are found in its text before it is
    // parsed (see TableText.hpp), and the line is parsed and checked with each replaced by null:
    // most of a snapshot line is its tables, so this is most of the parsing saved. If the
    // shortened line is a good line, the line is that line with each null a whole known table, so
    // the reader takes the known tables for those fields. If anything in it is wrong, the whole
    // line is read again, so every message is what it would be without this. Only lines as this
    // writer writes them ("depth" first) are looked at. Returns whether shortened_ was made.
    bool preRead(const std::string& text) {
        forget();
        if (text.compare(0, 10, "{\"depth\":\"") != 0) return false;
        shortened_.clear();
        size_t copied = 0; // text[0, copied) is in shortened_
        Scan scan;
        auto look = [&](std::string_view key, auto& tables) {
            std::optional<size_t> at = scan.findKey(text, key);
            if (!at || text.compare(*at, 2, "[]") == 0) return; // empty: nothing to save
            size_t length = 0;
            tables.at = at;
            tables.known = tables.memo.find(std::string_view(text).substr(*at), &length);
            if (!tables.known) return;
            shortened_.append(text, copied, *at - copied).append("null");
            copied = *at + length;
            scan = Scan{copied, 1, false}; // the value is whole, so its end is in the line's object
        };
        look("fds", fds_); // in the order the writer writes them
        look("shm_maps", shm_);
        look("thread_states", threads_);
        if (!copied) return false;
        shortened_.append(text, copied);
        shortened_.reserve(shortened_.size() + simdjson::SIMDJSON_PADDING);
        return true;
    }
    void forget() {
        fds_.forget();
        threads_.forget();
        shm_.forget();
    }

    // A snapshot table: the known one preRead found, else `decode`'s, remembered by its text.
    template <class T, class Decode>
    CowVector<T> table(const Obj& o, std::string_view key, Tables<T>& tables, Decode decode) {
        // With the key twice, the text found may not be the value the parser took.
        bool once = o.unique(key);
        if (tables.known && once) return *tables.known;
        CowVector<T> decoded = decode();
        if (tables.at && once && !decoded.empty())
            tables.memo.remember(line_.substr(*tables.at), decoded);
        return decoded;
    }

    Trace& out_;
    bool reuse_; // KnownTables::Reuse
    simdjson::dom::parser parser_{kMaxTraceLineBytes};
    std::string scratch_;         // argv joined, reused between lines
    std::vector<FdEntry> fdRows_; // a snapshot's tables as decoded, reused between lines
    std::vector<ThreadState> threadRows_;
    std::vector<ShmMapping> shmRows_;
    Tables<FdEntry> fds_;
    Tables<ThreadState> threads_;
    Tables<ShmMapping> shm_;
    std::string shortened_;                      // the line with the known tables replaced by null
    std::string_view line_;                      // the line as read
    std::unordered_map<uint32_t, SnapId> snaps_; // the file's snapshot ids -> out_'s
    int64_t lastT_ = 0;
    bool started_ = false, ended_ = false;
};

std::string atLine(size_t n, const std::string& msg) {
    return "line " + std::to_string(n) + ": " + msg;
}

} // namespace

std::optional<std::string> readJsonl(std::istream& in, Trace& out, KnownTables known) {
    size_t lineNo = 0;
    try {
        if (out.size() || out.snapshotCount()) return "readJsonl needs an empty Trace";
        LineReader lines(in);
        Reader reader(out, known);
        std::string line;
        for (;;) {
            bool newline = false;
            LineReader::Result r = lines.next(line, &newline);
            if (r == LineReader::End) break;
            ++lineNo;
            if (r == LineReader::TooLong)
                return atLine(lineNo, "longer than " + std::to_string(kMaxTraceLineBytes >> 20) +
                                          " MiB (not a forklab trace line)");
            if (r == LineReader::ReadError) return atLine(lineNo, "read error");
            line.reserve(line.size() + simdjson::SIMDJSON_PADDING);
            reader.line(line, newline, lineNo == 1);
        }
        if (lineNo == 0) return "empty file (not a forklab trace: no header line)";
        return std::nullopt;
    } catch (const BadLine& e) {
        return atLine(lineNo, e.msg);
    } catch (const std::bad_alloc&) {
        return atLine(lineNo, "out of memory");
    } catch (const std::exception& e) { // e.g. the trace's capacity, or the stream's exceptions
        return atLine(lineNo, e.what());
    } catch (...) {
        return atLine(lineNo, "unexpected error");
    }
}

std::optional<std::string> readJsonlFile(const std::string& path, Trace& out) {
    try {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) return path + " is a directory";
        std::ifstream in(path, std::ios::binary);
        if (!in) return "cannot open " + path + ": " + strerror(errno);
        return readJsonl(in, out);
    } catch (...) {
        return "cannot read " + path;
    }
}

} // namespace forklab
