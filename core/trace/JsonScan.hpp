#pragma once
// Where a trace line's JSON nests and where its own keys start, found without parsing it: the
// reader uses it to refuse deep nesting before a parser builds anything, and to find a table's
// text it has already read. Exact for valid JSON; the reader trusts what it finds only once the
// line parsed.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace forklab::tracefile {

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

} // namespace forklab::tracefile
