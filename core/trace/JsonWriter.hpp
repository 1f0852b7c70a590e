#pragma once
// Streaming JSON text for the exporters: values are appended to a string as they are given, with
// no tree in between (a tree per event made the exports ~7x slower). Separators are placed by
// the writer; keys are written in the order given, so callers that must match nlohmann's output
// (sorted keys) give them sorted. Strings are escaped exactly as nlohmann's
// dump(-1, ' ', false, error_handler_t::replace) does: invalid UTF-8 becomes U+FFFD.
#include <cstdint>
#include <string>
#include <string_view>

namespace forklab {

class JsonWriter {
  public:
    explicit JsonWriter(std::string& out) : s_(out) {}

    JsonWriter& beginObject() { return open('{'); }
    JsonWriter& endObject() { return close('}'); }
    JsonWriter& beginArray() { return open('['); }
    JsonWriter& endArray() { return close(']'); }

    // A key of the current object; the next call writes its value. Keys are plain ASCII.
    JsonWriter& key(std::string_view k) {
        sep();
        s_ += '"';
        s_ += k;
        s_ += "\":";
        afterKey_ = true;
        return *this;
    }

    JsonWriter& value(std::string_view v) {
        sep();
        appendQuoted(s_, v);
        return *this;
    }
    JsonWriter& value(const char* v) { return value(std::string_view(v)); }
    JsonWriter& value(const std::string& v) { return value(std::string_view(v)); }
    JsonWriter& value(bool v) {
        sep();
        s_ += v ? "true" : "false";
        return *this;
    }
    JsonWriter& value(int64_t v);
    JsonWriter& value(uint64_t v);
    JsonWriter& value(int v) { return value(int64_t(v)); }
    JsonWriter& value(long long v) { return value(int64_t(v)); }
    JsonWriter& value(unsigned v) { return value(uint64_t(v)); }
    JsonWriter& value(unsigned long long v) { return value(uint64_t(v)); }
    JsonWriter& null() {
        sep();
        s_ += "null";
        return *this;
    }
    // Text that is already JSON (one value).
    JsonWriter& raw(std::string_view json) {
        sep();
        s_ += json;
        return *this;
    }

    template <class T>
    JsonWriter& field(std::string_view k, const T& v) {
        key(k);
        return value(v);
    }

    // `v` as a JSON string literal, quotes included.
    static void appendQuoted(std::string& out, std::string_view v);

  private:
    void sep() {
        if (afterKey_)
            afterKey_ = false;
        else if (!first_)
            s_ += ',';
        first_ = false;
    }
    JsonWriter& open(char c) {
        sep();
        s_ += c;
        first_ = true;
        return *this;
    }
    JsonWriter& close(char c) {
        s_ += c;
        first_ = false; // the enclosing container now holds at least this one
        return *this;
    }

    std::string& s_;
    bool first_ = true;
    bool afterKey_ = false;
};

} // namespace forklab
