#include "LessonFocus.hpp"

#include <array>
#include <vector>

namespace forklab {
namespace {

std::string_view trim(std::string_view s) {
    const size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

bool fail(std::string* why, std::string text) {
    if (why) *why = std::move(text);
    return false;
}

// "fork", "spawn, forkserver": the methods a row alternative is for; false when `s` is not a
// list of method names (then the ':' belongs to the row, as in "output child: got it").
bool methodList(std::string_view s, std::array<bool, 3>& out) {
    static constexpr std::string_view kNames[3] = {"fork", "spawn", "forkserver"};
    std::array<bool, 3> on = {false, false, false};
    bool any = false;
    while (!s.empty()) {
        const size_t comma = s.find(',');
        const std::string_view name = trim(s.substr(0, comma));
        bool known = false;
        for (int m = 0; m < 3; ++m)
            if (name == kNames[m]) on[size_t(m)] = known = true;
        if (!known) return false;
        any = true;
        s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
    }
    if (any) out = on;
    return any;
}

bool oneOf(std::string_view s, std::initializer_list<std::string_view> words) {
    for (auto w : words)
        if (s == w) return true;
    return false;
}

} // namespace

const char* FocusRow::tab() const {
    switch (kind) {
    case Kind::Fd:
        return "fds";
    case Kind::Semaphore:
    case Kind::Verdict:
        return "sync";
    case Kind::Output:
        return "output";
    case Kind::None:
        break;
    }
    return "";
}

std::optional<FocusRow> parseFocusRow(std::string_view text, std::string* why) {
    text = trim(text);
    if (text.size() > kMaxFocusLine) {
        fail(why, "the row is longer than " + std::to_string(kMaxFocusLine) + " characters");
        return std::nullopt;
    }
    FocusRow r;
    r.words = std::string(text);
    const size_t sp = text.find(' ');
    const std::string_view head = text.substr(0, sp);
    const std::string_view arg = sp == std::string_view::npos ? "" : trim(text.substr(sp + 1));
    if (head == "fd") {
        r.kind = FocusRow::Kind::Fd;
        if (arg.empty()) {
            fail(why, "'fd' needs a number, closed-by-exec, cloexec or a path");
            return std::nullopt;
        }
        if (arg == "closed-by-exec")
            r.fd = FocusRow::Fd::ClosedByExec;
        else if (arg == "cloexec")
            r.fd = FocusRow::Fd::Cloexec;
        else if (arg.find_first_not_of("0123456789") == std::string_view::npos) {
            if (arg.size() > 7) {
                fail(why, "fd number '" + std::string(arg) + "' is out of range");
                return std::nullopt;
            }
            r.fd = FocusRow::Fd::Number;
            r.number = std::stoi(std::string(arg));
        } else if (arg.front() == '/' || arg.rfind("pipe:", 0) == 0 ||
                   arg.rfind("socket:", 0) == 0) {
            r.fd = FocusRow::Fd::Target;
            r.arg = std::string(arg);
        } else {
            fail(why, "'fd " + std::string(arg) +
                          "': expected a number, closed-by-exec, cloexec or a path");
            return std::nullopt;
        }
    } else if (head == "semaphore") {
        r.kind = FocusRow::Kind::Semaphore;
        if (!arg.empty() && arg.front() != '/') {
            fail(why, "a semaphore's name starts with '/': '" + std::string(arg) + "'");
            return std::nullopt;
        }
        r.arg = std::string(arg);
    } else if (head == "verdict") {
        r.kind = FocusRow::Kind::Verdict;
        if (!arg.empty()) {
            fail(why, "'verdict' takes nothing after it");
            return std::nullopt;
        }
    } else if (head == "output") {
        r.kind = FocusRow::Kind::Output;
        r.arg = std::string(arg);
    } else {
        fail(why,
             "unknown row '" + std::string(head) + "' (expected fd, semaphore, verdict or output)");
        return std::nullopt;
    }
    return r;
}

bool parseFocusRows(std::string_view text, FocusRow (&rows)[3], std::string* why) {
    for (auto& r : rows) r = FocusRow{};
    text = trim(text);
    if (text.empty()) return fail(why, "the row field is empty");
    if (text.size() > kMaxFocusLine)
        return fail(why, "the row is longer than " + std::to_string(kMaxFocusLine) + " characters");
    std::array<bool, 3> given = {false, false, false};
    for (int alternatives = 0; !text.empty(); ++alternatives) {
        if (alternatives == 3) return fail(why, "more than three alternatives (one per method)");
        const size_t semi = text.find(';');
        std::string_view alt = trim(text.substr(0, semi));
        text = semi == std::string_view::npos ? std::string_view() : trim(text.substr(semi + 1));
        std::array<bool, 3> on = {true, true, true};
        const size_t colon = alt.find(':');
        if (colon != std::string_view::npos && methodList(alt.substr(0, colon), on))
            alt = trim(alt.substr(colon + 1));
        std::string inner;
        auto row = parseFocusRow(alt, &inner);
        if (!row) return fail(why, inner);
        for (size_t m = 0; m < 3; ++m) {
            if (!on[m]) continue;
            if (given[m]) return fail(why, "two rows for the same method");
            given[m] = true;
            rows[m] = *row;
        }
    }
    return true;
}

std::optional<FocusLine> parseFocusLine(std::string_view line, std::string* why) {
    if (line.size() > kMaxFocusLine) {
        fail(why, "longer than " + std::to_string(kMaxFocusLine) + " characters");
        return std::nullopt;
    }
    line = trim(line);
    if (line.rfind("- ", 0) != 0) {
        fail(why, "not a '- ' line");
        return std::nullopt;
    }
    line.remove_prefix(2);
    if (line.rfind("| ", 0) == 0) {
        fail(why, "the step label is empty");
        return std::nullopt;
    }
    // Fields are separated by " | " (a label may hold a '|' without spaces around it).
    std::vector<std::string_view> fields;
    while (fields.size() < 5) {
        const size_t bar = line.find(" | ");
        fields.push_back(trim(line.substr(0, bar)));
        if (bar == std::string_view::npos) break;
        line.remove_prefix(bar + 3);
    }
    if (fields.size() < 3 || fields.size() > 4) {
        fail(why, "expected 'LABEL | PROCESS | TAB' or 'LABEL | PROCESS | TAB | ROW', got " +
                      std::to_string(fields.size()) + " fields");
        return std::nullopt;
    }
    FocusLine f;
    f.label = std::string(fields[0]);
    f.focus.process = std::string(fields[1]);
    f.focus.tab = std::string(fields[2]);
    if (f.label.empty()) {
        fail(why, "the step label is empty");
        return std::nullopt;
    }
    if (!oneOf(fields[1], {"parent", "child", "forkserver", "tracker", "marker"})) {
        fail(why, "unknown process '" + f.focus.process +
                      "' (expected parent, child, forkserver, tracker or marker)");
        return std::nullopt;
    }
    if (!oneOf(fields[2], {"fds", "sync", "output"})) {
        fail(why, "unknown tab '" + f.focus.tab + "' (expected fds, sync or output)");
        return std::nullopt;
    }
    if (fields.size() == 4) {
        std::string inner;
        if (!parseFocusRows(fields[3], f.focus.rows, &inner)) {
            fail(why, inner);
            return std::nullopt;
        }
        for (const FocusRow& r : f.focus.rows)
            if (r && f.focus.tab != r.tab()) {
                fail(why,
                     "the row '" + r.words + "' is on the " + r.tab() + " tab, not " + f.focus.tab);
                return std::nullopt;
            }
    }
    return f;
}

} // namespace forklab
