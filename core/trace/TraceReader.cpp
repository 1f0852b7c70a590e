#include "TraceReader.hpp"

#include "TraceFile.hpp"
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

// A JSON value of the line under validation. Lines are parsed with simdjson; the few it refuses
// that nlohmann accepts (integers beyond 64 bits) are parsed again with nlohmann, so every
// file the reader ever accepted still reads and every message still shows the offending value.
// Non-negative integers are unsigned, negative ones signed, as nlohmann types them.
class Val {
  public:
    enum Type { Null, Bool, Signed, Unsigned, Float, String, Array, Object };

    // The type and a scalar's value are read from the parser's tape once, here.
    explicit Val(simdjson::dom::element e) : sj_(e) {
        using T = simdjson::dom::element_type;
        switch (e.type()) {
        case T::BOOL:
            type_ = Bool;
            n_.b = e.get_bool().value_unsafe();
            break;
        case T::INT64:
            n_.i = e.get_int64().value_unsafe();
            type_ = n_.i < 0 ? Signed : Unsigned;
            break;
        case T::UINT64:
            type_ = Unsigned;
            n_.u = e.get_uint64().value_unsafe();
            break;
        case T::DOUBLE:
            type_ = Float;
            n_.d = e.get_double().value_unsafe();
            break;
        case T::STRING:
            type_ = String;
            str_ = e.get_string().value_unsafe();
            break;
        case T::ARRAY:
            type_ = Array;
            break;
        case T::OBJECT:
            type_ = Object;
            break;
        default:
            type_ = Null;
        }
    }
    explicit Val(const json& j) : nl_(&j) {
        switch (j.type()) {
        case json::value_t::boolean:
            type_ = Bool;
            n_.b = j.get<bool>();
            break;
        case json::value_t::number_integer:
            n_.i = j.get<int64_t>();
            type_ = n_.i < 0 ? Signed : Unsigned;
            break;
        case json::value_t::number_unsigned:
            type_ = Unsigned;
            n_.u = j.get<uint64_t>();
            break;
        case json::value_t::number_float:
            type_ = Float;
            n_.d = j.get<double>();
            break;
        case json::value_t::string:
            type_ = String;
            str_ = j.get_ref<const std::string&>();
            break;
        case json::value_t::array:
            type_ = Array;
            break;
        case json::value_t::object:
            type_ = Object;
            break;
        default:
            type_ = Null;
        }
    }

    Type type() const { return type_; }
    bool isNull() const { return type_ == Null; }
    bool isInteger() const { return type_ == Signed || type_ == Unsigned; }

    bool boolean() const { return n_.b; }
    // Signed and Unsigned share the bits: an Unsigned above INT64_MAX must be read by u64().
    int64_t i64() const { return n_.i; }
    uint64_t u64() const { return n_.u; }
    double f64() const { return n_.d; }
    std::string_view string() const { return str_; }
    bool isSimdjson() const { return nl_ == nullptr; }
    simdjson::dom::element element() const { return sj_; }

    // Arrays: their size, and each element in order.
    size_t size() const { return nl_ ? nl_->size() : sjArray().size(); }
    template <class F>
    void each(F f) const {
        size_t i = 0;
        if (nl_) {
            for (const json& v : *nl_) f(i++, Val(v));
        } else {
            for (simdjson::dom::element v : sjArray()) f(i++, Val(v));
        }
    }
    // Objects: the value of a key, if present.
    std::optional<Val> find(std::string_view key) const {
        if (nl_) {
            auto it = nl_->find(key);
            if (it == nl_->end()) return std::nullopt;
            return Val(*it);
        }
        simdjson::dom::element v;
        if (sjObject().at_key(key).get(v)) return std::nullopt;
        return Val(v);
    }

    // The value as JSON text, stopping soon after `limit` characters: a message shows only the
    // start of a value, so a huge one costs no more than a small one.
    void show(std::string& out, size_t limit) const {
        if (out.size() > limit) return;
        switch (type()) {
        case Null:
            out += "null";
            break;
        case Bool:
            out += boolean() ? "true" : "false";
            break;
        case Signed:
            out += std::to_string(i64());
            break;
        case Unsigned:
            out += std::to_string(u64());
            break;
        case Float:
            out += json(f64()).dump();
            break; // nlohmann's form: "100.0", "1e+23"
        case String: {
            std::string_view s = string();
            // A prefix a little longer than the limit: escapes only lengthen it.
            if (s.size() > limit + 8) s = s.substr(0, limit + 8);
            JsonWriter::appendQuoted(out, s);
            break;
        }
        case Array:
            out += '[';
            each([&](size_t i, Val v) {
                if (out.size() > limit) return;
                if (i) out += ',';
                v.show(out, limit);
            });
            out += ']';
            break;
        case Object: {
            out += '{';
            bool first = true;
            auto member = [&](std::string_view k, Val v) {
                if (out.size() > limit) return;
                if (!first) out += ',';
                first = false;
                JsonWriter::appendQuoted(out, k.substr(0, limit + 8));
                out += ':';
                v.show(out, limit);
            };
            if (nl_) {
                for (auto& [k, v] : nl_->items()) member(k, Val(v));
            } else {
                for (auto [k, v] : sjObject()) member(k, Val(v));
            }
            out += '}';
            break;
        }
        }
    }

  private:
    simdjson::dom::array sjArray() const {
        simdjson::dom::array a;
        if (sj_.get_array().get(a)) return {}; // type() is checked before every call
        return a;
    }
    simdjson::dom::object sjObject() const {
        simdjson::dom::object o;
        if (sj_.get_object().get(o)) return {};
        return o;
    }

    simdjson::dom::element sj_;
    const json* nl_ = nullptr;
    Type type_ = Null;
    union {
        bool b;
        int64_t i;
        uint64_t u;
        double d;
    } n_{};
    std::string_view str_;
};

// A value from the file as it appears in a message: JSON-quoted, cut short.
std::string shown(const Val& v) {
    std::string s;
    v.show(s, 60);
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}
std::string quoted(std::string_view s) {
    std::string q;
    JsonWriter::appendQuoted(q, s.substr(0, 70));
    if (q.size() > 60) q = q.substr(0, 57) + "...";
    return q;
}

// One JSON object of the file under validation. `where` prefixes field names in messages, so a
// nested field reads "fds[2].inode".
class Obj {
  public:
    // The top-level object of a line.
    explicit Obj(Val j) : j_(j) { index(); }
    // Field `key` (element `at` of it, if given) of `parent`, which must outlive this.
    Obj(Val j, const Obj* parent, std::string_view key, std::optional<size_t> at = std::nullopt)
        : j_(j), parent_(parent), key_(key), at_(at) {
        index();
    }

    std::string name(std::string_view key) const {
        return "field \"" + where() + std::string(key) + "\"";
    }
    Val need(std::string_view key) const {
        if (indexed_) {
            // The last of equal keys wins, as it did with nlohmann.
            for (size_t i = n_; i-- > 0;)
                if (sameKey(fields_[i].first, key)) return Val(fields_[i].second);
            fail("missing " + name(key));
        }
        auto v = j_.find(key);
        if (!v) fail("missing " + name(key));
        return *v;
    }

    bool has(std::string_view key) const {
        if (indexed_) {
            for (size_t i = n_; i-- > 0;)
                if (sameKey(fields_[i].first, key)) return true;
            return false;
        }
        return bool(j_.find(key));
    }

    int64_t integer(std::string_view key, int64_t lo, int64_t hi) const {
        return toInt(
            need(key), [&] { return name(key); }, lo, hi);
    }
    std::optional<int64_t> nullableInt(std::string_view key, int64_t lo, int64_t hi) const {
        Val v = need(key);
        if (v.isNull()) return std::nullopt;
        return toInt(
            v, [&] { return name(key); }, lo, hi);
    }
    pid_t pid(std::string_view key) const { return pid_t(integer(key, 0, kPidMax)); }
    uint64_t u64(std::string_view key) const {
        return toU64(need(key), [&] { return name(key); });
    }
    bool boolean(std::string_view key) const {
        Val v = need(key);
        if (v.type() != Val::Bool)
            fail(name(key) + " must be true or false (got " + shown(v) + ")");
        return v.boolean();
    }
    std::string_view string(std::string_view key) const {
        Val v = need(key);
        if (v.type() != Val::String) fail(name(key) + " must be a string (got " + shown(v) + ")");
        return v.string();
    }
    char character(std::string_view key) const {
        std::string_view s = string(key);
        if (s.size() != 1) fail(name(key) + " must be one character (got " + quoted(s) + ")");
        return s[0];
    }
    Val array(std::string_view key) const {
        Val v = need(key);
        if (v.type() != Val::Array) fail(name(key) + " must be an array (got " + shown(v) + ")");
        return v;
    }
    Obj object(std::string_view key) const {
        Val v = need(key);
        if (v.type() != Val::Object) fail(name(key) + " must be an object (got " + shown(v) + ")");
        return Obj(v, this, key);
    }
    // Calls f(Obj) for each element of array `key`, each of which must be an object.
    template <class F>
    void objects(std::string_view key, F f) const {
        array(key).each([&](size_t i, Val v) {
            if (v.type() != Val::Object)
                fail(name(std::string(key) + "[" + std::to_string(i) + "]") +
                     " must be an object (got " + shown(v) + ")");
            f(Obj(v, this, key, i));
        });
    }

    // An enum by its toString() name. Its values are 0, 1, ... up to the first that toString()
    // calls "?", so values added to the enum are read without changing this.
    template <class E>
    E choice(std::string_view key) const {
        std::string_view s = string(key);
        static const std::vector<std::string_view> names = [] { // toString() once per enum
            std::vector<std::string_view> n;
            for (int i = 0; i < 64 && std::string_view(toString(E(i))) != "?"; ++i)
                n.push_back(toString(E(i)));
            return n;
        }();
        for (size_t i = 0; i < names.size(); ++i)
            if (s == names[i]) return E(i);
        std::string all;
        for (size_t i = 0; i < names.size(); ++i)
            all += std::string(i ? ", " : "") + "\"" + std::string(names[i]) + "\"";
        fail(name(key) + " must be one of " + all + " (got " + quoted(s) + ")");
    }

    // `name` makes the field's name for a message: only built when there is one to write.
    template <class Name>
    static int64_t toInt(Val v, const Name& name, int64_t lo, int64_t hi) {
        Val::Type type = v.type();
        if (type != Val::Signed && type != Val::Unsigned)
            fail(name() + " must be an integer (got " + shown(v) + ")");
        bool fits = type == Val::Signed || v.u64() <= uint64_t(kI64Max);
        int64_t x = fits ? v.i64() : 0;
        if (!fits || x < lo || x > hi)
            fail(name() + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                 " (got " + shown(v) + ")");
        return x;
    }
    template <class Name>
    static uint64_t toU64(Val v, const Name& name) {
        if (v.type() != Val::Unsigned)
            fail(name() + " must be an integer between 0 and 2^64-1 (got " + shown(v) + ")");
        return v.u64();
    }

    // True if the object has field `key` exactly once and its fields are indexed (so the
    // reader knows which one a lookup gives).
    bool unique(std::string_view key) const {
        if (!indexed_) return false;
        int n = 0;
        for (size_t i = 0; i < n_; ++i) n += sameKey(fields_[i].first, key);
        return n == 1;
    }

  private:
    // Keys are short and mostly differ in length or first byte: test those before memcmp.
    static bool sameKey(std::string_view a, std::string_view b) {
        return a.size() == b.size() && (a.empty() || (a[0] == b[0] && a == b));
    }
    // What prefixes a field's name in messages: "", "isolation.", "fds[2]." (built on error only).
    std::string where() const {
        if (!parent_) return "";
        std::string w = parent_->where() + std::string(key_);
        if (at_) w += "[" + std::to_string(*at_) + "]";
        return w + ".";
    }
    // The fields of a simdjson object, read in one pass: looking each up with at_key walked the
    // object again for every field.
    void index() {
        if (!j_.isSimdjson() || j_.type() != Val::Object) return;
        simdjson::dom::object o;
        if (j_.element().get_object().get(o)) return;
        n_ = 0;
        for (auto [k, v] : o) {
            if (n_ == fields_.size()) return; // more than the format has: look up as we go
            fields_[n_++] = {k, v};
        }
        indexed_ = true;
    }

    Val j_;
    const Obj* parent_ = nullptr;
    std::string_view key_;
    std::optional<size_t> at_;
    bool indexed_ = false;
    size_t n_ = 0;
    std::array<std::pair<std::string_view, simdjson::dom::element>, 24> fields_;
};

// A walk through a JSON text that knows, at `pos`, the nesting depth and whether it is inside a
// string, without parsing it: exact for valid JSON (and the reader trusts what it finds only
// once the line parsed).
struct Scan {
    size_t pos = 0;
    int depth = 0;
    bool inString = false;

    // Walks on to the next "key": of the text's own object; returns where its value starts.
    std::optional<size_t> findKey(std::string_view s, std::string_view key) {
        return walk(s,
                    [&](size_t p, char c) {
                        return c == '"' && depth == 1 && s.size() - p > key.size() + 2 &&
                               s[p + 1] == key[0] && s.compare(p + 1, key.size(), key) == 0 &&
                               s.compare(p + 1 + key.size(), 2, "\":") == 0;
                    })
                   ? std::optional<size_t>(pos + key.size() + 3)
                   : std::nullopt;
    }
    // Whether the text nests deeper than `limit` anywhere.
    bool deeperThan(std::string_view s, int limit) {
        return walk(s, [&](size_t, char) { return depth > limit; });
    }

  private:
    static constexpr std::array<bool, 256> kMatters = [] {
        std::array<bool, 256> m{};
        for (char c : std::string_view("\"\\{}[]")) m[uint8_t(c)] = true;
        return m;
    }();
    // Walks on until `stop(pos, c)` says so, asked at each '"' that opens a string (before it is
    // entered) and after each '{' or '['; returns whether it stopped.
    template <class Stop>
    bool walk(std::string_view s, Stop stop) {
        for (size_t n = s.size(); pos < n; ++pos) {
            char c = s[pos];
            if (!kMatters[uint8_t(c)]) continue; // most bytes: one table look-up
            if (inString) {
                if (c == '\\')
                    ++pos; // the escaped character is skipped
                else if (c == '"')
                    inString = false;
            } else if (c == '"') {
                if (stop(pos, c)) return true;
                inString = true;
            } else if (c == '{' || c == '[') {
                ++depth;
                if (stop(pos, c)) return true;
            } else if (c == '}' || c == ']') {
                --depth;
            }
        }
        return false;
    }
};

bool tooDeep(std::string_view s) {
    return Scan().deeperThan(s, kMaxDepth);
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
                                  str(o, "evidence")};
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
