#include "TraceReader.hpp"

#include "TraceFile.hpp"
#include "core/probe/Deadlock.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace forklab {

using nlohmann::json;

namespace {

constexpr int64_t kPidMax = 4194304; // PID_MAX_LIMIT on 64-bit Linux: no pid is larger
constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int kMaxDepth = 16; // the format nests 4 deep; deeper is garbage, refused before parsing

// Thrown inside the reader only; readJsonl turns it into "line N: msg".
struct BadLine {
    std::string msg;
};
[[noreturn]] void fail(std::string msg) {
    throw BadLine{std::move(msg)};
}

// A value from the file as it appears in a message: JSON-quoted, cut short.
std::string shown(const json& v) {
    std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}
std::string quoted(const std::string& s) {
    return shown(json(s));
}

// One JSON object of the file under validation. `where` prefixes field names in messages, so a
// nested field reads "fds[2].inode".
class Obj {
  public:
    Obj(const json& j, std::string where) : j_(j), where_(std::move(where)) {}

    std::string name(const std::string& key) const { return "field \"" + where_ + key + "\""; }
    const json& need(const std::string& key) const {
        auto it = j_.find(key);
        if (it == j_.end()) fail("missing " + name(key));
        return *it;
    }

    int64_t integer(const std::string& key, int64_t lo, int64_t hi) const {
        return toInt(
            need(key), [&] { return name(key); }, lo, hi);
    }
    std::optional<int64_t> nullableInt(const std::string& key, int64_t lo, int64_t hi) const {
        const json& v = need(key);
        if (v.is_null()) return std::nullopt;
        return toInt(
            v, [&] { return name(key); }, lo, hi);
    }
    pid_t pid(const std::string& key) const { return pid_t(integer(key, 0, kPidMax)); }
    uint64_t u64(const std::string& key) const {
        return toU64(need(key), [&] { return name(key); });
    }
    bool boolean(const std::string& key) const {
        const json& v = need(key);
        if (!v.is_boolean()) fail(name(key) + " must be true or false (got " + shown(v) + ")");
        return v.get<bool>();
    }
    const std::string& string(const std::string& key) const {
        const json& v = need(key);
        if (!v.is_string()) fail(name(key) + " must be a string (got " + shown(v) + ")");
        return v.get_ref<const std::string&>();
    }
    char character(const std::string& key) const {
        const std::string& s = string(key);
        if (s.size() != 1) fail(name(key) + " must be one character (got " + quoted(s) + ")");
        return s[0];
    }
    const json& array(const std::string& key) const {
        const json& v = need(key);
        if (!v.is_array()) fail(name(key) + " must be an array (got " + shown(v) + ")");
        return v;
    }
    Obj object(const std::string& key) const {
        const json& v = need(key);
        if (!v.is_object()) fail(name(key) + " must be an object (got " + shown(v) + ")");
        return Obj(v, where_ + key + ".");
    }
    // Element i of array `key`, which must be an object.
    Obj element(const std::string& key, size_t i) const {
        const json& v = j_[key][i];
        std::string at = key + "[" + std::to_string(i) + "]";
        if (!v.is_object()) fail(name(at) + " must be an object (got " + shown(v) + ")");
        return Obj(v, where_ + at + ".");
    }

    // An enum by its toString() name. Its values are 0, 1, ... up to the first that toString()
    // calls "?", so values added to the enum are read without changing this.
    template <class E>
    E choice(const std::string& key) const {
        const std::string& s = string(key);
        std::string all;
        for (int i = 0; i < 64 && std::string_view(toString(E(i))) != "?"; ++i) {
            if (s == toString(E(i))) return E(i);
            all += std::string(i ? ", " : "") + "\"" + toString(E(i)) + "\"";
        }
        fail(name(key) + " must be one of " + all + " (got " + quoted(s) + ")");
    }

    // `name` makes the field's name for a message: only built when there is one to write.
    template <class Name>
    static int64_t toInt(const json& v, const Name& name, int64_t lo, int64_t hi) {
        if (!v.is_number_integer()) fail(name() + " must be an integer (got " + shown(v) + ")");
        bool fits = !v.is_number_unsigned() || v.get<uint64_t>() <= uint64_t(kI64Max);
        int64_t x = v.is_number_unsigned() ? int64_t(v.get<uint64_t>()) : v.get<int64_t>();
        if (!fits || x < lo || x > hi)
            fail(name() + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                 " (got " + shown(v) + ")");
        return x;
    }
    template <class Name>
    static uint64_t toU64(const json& v, const Name& name) {
        if (!v.is_number_unsigned())
            fail(name() + " must be an integer between 0 and 2^64-1 (got " + shown(v) + ")");
        return v.get<uint64_t>();
    }

  private:
    const json& j_;
    std::string where_;
};

// Nesting depth of a JSON text, counted without parsing (strings skipped).
bool tooDeep(const std::string& s) {
    int depth = 0;
    bool inString = false, escaped = false;
    for (char c : s) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > kMaxDepth) return true;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return false;
}

// Splits a stream into lines through a fixed buffer, so no line can grow past the cap.
class LineReader {
  public:
    enum Result { Line, End, TooLong, ReadError };
    explicit LineReader(std::istream& in) : in_(in), buf_(64 * 1024) {}

    // The next line without its '\n'; *newline says whether it had one (else the file ended).
    Result next(std::string& line, bool* newline) {
        line.clear();
        for (;;) {
            if (pos_ == len_) {
                if (eof_) {
                    *newline = false;
                    return line.empty() ? End : Line;
                }
                in_.read(buf_.data(), std::streamsize(buf_.size()));
                if (in_.bad()) return ReadError;
                len_ = size_t(in_.gcount());
                pos_ = 0;
                eof_ = len_ < buf_.size();
                continue;
            }
            const char* start = buf_.data() + pos_;
            auto* nl = static_cast<const char*>(memchr(start, '\n', len_ - pos_));
            size_t n = nl ? size_t(nl - start) : len_ - pos_;
            if (line.size() + n > kMaxTraceLineBytes) return TooLong;
            line.append(start, n);
            pos_ += n;
            if (nl) {
                ++pos_;
                *newline = true;
                return Line;
            }
        }
    }

  private:
    std::istream& in_;
    std::vector<char> buf_;
    size_t pos_ = 0, len_ = 0;
    bool eof_ = false;
};

class Reader {
  public:
    explicit Reader(Trace& out) : out_(out) {}

    void line(const std::string& text, bool newline, bool first) {
        if (tooDeep(text)) fail("not a forklab trace line (JSON nested too deeply)");
        json j = json::parse(text, nullptr, false);
        if (j.is_discarded()) {
            if (first) fail("not a forklab trace (the first line is not JSON)");
            if (!newline) fail("truncated line (the file ends in the middle of it)");
            fail(text.empty() ? "empty line" : "not valid JSON");
        }
        if (!j.is_object()) fail("expected a JSON object (got " + shown(j) + ")");
        if (first)
            header(j);
        else
            event(Obj(j, ""));
    }

  private:
    void header(const json& j) {
        auto kind = j.find("kind");
        if (kind == j.end() || *kind != "header")
            fail("missing header: a forklab trace starts with "
                 "{\"kind\":\"header\",\"format\":\"forklab-trace\",\"version\":1,...}");
        Obj o(j, "");
        if (o.string("format") != "forklab-trace")
            fail("not a forklab trace (format " + quoted(o.string("format")) + ")");
        const json& v = o.need("version");
        if (!v.is_number_integer())
            fail(o.name("version") + " must be an integer (got " + shown(v) + ")");
        if (v != kTraceFormatVersion)
            fail("unsupported trace version " + shown(v) + " (this forklab reads version " +
                 std::to_string(kTraceFormatVersion) + ")");
    }

    void event(const Obj& o) {
        const std::string& kind = o.string("kind");
        Event e;
        e.t = o.integer("t", 0, kI64Max);
        std::optional<ProcessSnapshot> snap; // a snapshot event's body, added once checked
        uint32_t fileSnapId = 0;

        if (kind == "run_start") {
            Obj iso = o.object("isolation");
            uint8_t f = 0;
            if (iso.boolean("user_ns")) f |= kIsoUserNs;
            if (iso.boolean("pid_ns")) f |= kIsoPidNs;
            if (iso.boolean("ipc_ns")) f |= kIsoIpcNs;
            if (iso.boolean("mount_ns")) f |= kIsoMountNs;
            if (iso.boolean("private_shm")) f |= kIsoPrivateShm;
            if (iso.boolean("pids_cgroup")) f |= kIsoPidsCgroup;
            e.kind = EventKind::RunStart;
            e.data = ev::RunStart{str(o, "command"), f, i32(o, "max_procs"), i32(o, "deadline_ms"),
                                  i32(o, "grace_ms")};
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
            const json& argv = o.array("argv");
            std::string joined;
            for (size_t i = 0; i < argv.size(); ++i) {
                if (!argv[i].is_string())
                    fail(o.name("argv[" + std::to_string(i) + "]") + " must be a string (got " +
                         shown(argv[i]) + ")");
                joined += argv[i].get_ref<const std::string&>();
                joined += '\0';
            }
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
            e.data = ev::Output{i32(o, "fd"), str(o, "text"), o.boolean("truncated")};
        } else if (kind == "deadlock") {
            e.kind = EventKind::Deadlock;
            // owner_nstid is what the mutex's memory said: any int.
            e.data = ev::Deadlock{o.pid("tid"),
                                  uint8_t(o.choice<DeadlockRule>("rule")),
                                  o.u64("addr"),
                                  pid_t(o.nullableInt("owner_tid", 0, kPidMax).value_or(0)),
                                  pid_t(o.nullableInt("owner_nstid", kI32Min, kI32Max).value_or(0)),
                                  str(o, "evidence")};
        } else if (kind == "shm_create" || kind == "shm_unlink") {
            e.kind = kind == "shm_create" ? EventKind::ShmCreate : EventKind::ShmUnlink;
            e.data = ev::Shm{str(o, "name"), o.u64("inode")};
        } else if (kind == "leak") {
            // Reported by the sandbox's sweep; the acting pid is the creator (0 if unknown).
            pid_t creator = pid_t(o.nullableInt("creator", 0, kPidMax).value_or(0));
            e.pid = creator;
            e.kind = EventKind::Leak;
            e.data = ev::Leak{str(o, "name"), creator};
        } else if (kind == "kill") {
            e.kind = EventKind::Kill;
            o.string("signal_name");
            // Target and signal are the syscall's arguments as given: any int.
            e.data = ev::Kill{i32(o, "target"), i32(o, "signal"), o.boolean("group")};
        } else if (kind == "marker") {
            e.kind = EventKind::Marker;
            e.data = ev::Marker{str(o, "label"), o.boolean("key")};
        } else if (kind == "name_mutex" || kind == "name_fd") {
            e.kind = EventKind::Annotation;
            // The fd is the register the program passed: kept as given, like an address.
            bool fd = kind == "name_fd";
            e.data = ev::Annotation{fd ? ev::NameOf::Fd : ev::NameOf::Mutex, str(o, "label"),
                                    o.u64(fd ? "fd" : "addr"), fd ? str(o, "target") : 0};
        } else if (kind == "killed_by_sandbox") {
            e.kind = EventKind::KilledBySandbox;
            e.data = ev::KilledBySandbox{};
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
            SnapId id = out_.addSnapshot(std::move(*snap));
            snaps_[fileSnapId] = id;
            std::get<ev::Snapshot>(e.data).snap = id;
        }
        started_ = true;
        ended_ = e.kind == EventKind::RunEnd;
        lastT_ = e.t;
        out_.append(std::move(e));
    }

    StrId str(const Obj& o, const std::string& key) { return out_.intern(o.string(key)); }
    static int32_t i32(const Obj& o, const std::string& key) {
        return int32_t(o.integer(key, kI32Min, kI32Max));
    }

    // A snapshot named by an earlier snapshot event, as the file numbers it; null: none.
    SnapId snapRef(const Obj& o, const std::string& key) {
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

    static ProcessSnapshot snapshotBody(const Obj& o) {
        ProcessSnapshot s;
        s.nspid = o.pid("nspid");
        s.ppid = o.pid("ppid");
        s.state = o.character("state");
        s.partial = o.boolean("partial");
        const std::string& depth = o.string("depth");
        if (depth != "full" && depth != "stop")
            fail(o.name("depth") + " must be one of \"full\", \"stop\" (got " + quoted(depth) +
                 ")");
        s.full = depth == "full";
        for (size_t i = 0; i < o.array("fds").size(); ++i) {
            Obj f = o.element("fds", i);
            s.fds.push_back(FdEntry{int(f.integer("fd", 0, kI32Max)), f.string("target"),
                                    f.choice<FdKind>("type"), f.u64("inode"),
                                    f.choice<AccessMode>("access"), f.boolean("cloexec"),
                                    uint32_t(f.integer("flags", 0, UINT32_MAX))});
        }
        for (size_t i = 0; i < o.array("thread_states").size(); ++i) {
            Obj t = o.element("thread_states", i);
            ThreadState ts;
            ts.tid = t.pid("tid");
            ts.nstid = t.pid("nstid");
            ts.state = t.character("state");
            ts.wchan = t.string("wchan");
            ts.syscall.running = t.boolean("running");
            // [nr, six arguments] while blocked in a syscall; null when running or not in one.
            const json& sc = t.need("syscall");
            if (!sc.is_null()) {
                if (!sc.is_array() || sc.size() != 7)
                    fail(t.name("syscall") + " must be null or an array of 7 integers (got " +
                         shown(sc) + ")");
                auto element = [&](size_t a) {
                    return [&t, a] { return t.name("syscall[" + std::to_string(a) + "]"); };
                };
                ts.syscall.nr = long(Obj::toInt(sc[0], element(0), 0, kI64Max));
                for (size_t a = 0; a < 6; ++a)
                    ts.syscall.args[a] = Obj::toU64(sc[a + 1], element(a + 1));
            }
            s.threads.push_back(std::move(ts));
        }
        // "threads" repeats the tids of "thread_states" for readers that want only those.
        const json& tids = o.array("threads");
        bool same = tids.size() == s.threads.size();
        for (size_t i = 0; same && i < tids.size(); ++i)
            same = tids[i].is_number_integer() && tids[i] == s.threads[i].tid;
        if (!same) fail(o.name("threads") + " must list the tids of \"thread_states\" in order");
        for (size_t i = 0; i < o.array("shm_maps").size(); ++i) {
            Obj m = o.element("shm_maps", i);
            s.shm.push_back(
                ShmMapping{m.string("path"), m.u64("dev"), m.u64("inode"), m.u64("start")});
        }
        return s;
    }

    Trace& out_;
    std::unordered_map<uint32_t, SnapId> snaps_; // the file's snapshot ids -> out_'s
    int64_t lastT_ = 0;
    bool started_ = false, ended_ = false;
};

std::string atLine(size_t n, const std::string& msg) {
    return "line " + std::to_string(n) + ": " + msg;
}

} // namespace

std::optional<std::string> readJsonl(std::istream& in, Trace& out) {
    size_t lineNo = 0;
    try {
        if (out.size() || out.snapshotCount()) return "readJsonl needs an empty Trace";
        LineReader lines(in);
        Reader reader(out);
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
