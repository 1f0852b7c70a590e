#pragma once
// The JSON of one trace line as the reader validates it (TraceReader.cpp only): a value (Val),
// parsed with simdjson and, for integers beyond 64 bits, again with nlohmann; the fields of an
// object (Obj), each read with its type and range checked, failing with the field's full name.
#include "JsonWriter.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>
#include <vector>

namespace forklab::tracefile {

using nlohmann::json;

constexpr int64_t kPidMax = 4194304; // PID_MAX_LIMIT on 64-bit Linux: no pid is larger
constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int kMaxDepth = 16; // the format nests 4 deep; deeper is garbage, refused before parsing

// Thrown inside the reader only; readJsonl turns it into "line N: msg".
struct BadLine {
    std::string msg;
};
[[noreturn]] inline void fail(std::string msg) {
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
inline std::string shown(const Val& v) {
    std::string s;
    v.show(s, 60);
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}
inline std::string quoted(std::string_view s) {
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

} // namespace forklab::tracefile
