#pragma once
// What each step of a lesson is about (its "## focus" section): the process the views select,
// the tab they open and, optionally, the row of that tab the step points at, in the lesson's
// words. One line a step: "- LABEL | PROCESS | TAB" or "- LABEL | PROCESS | TAB | ROW".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace forklab {

// The row a step points at. What it names is looked up in the trace at the step (the fd the
// kernel closed at exec, the semaphore in the ledger), never written in the lesson file.
struct FocusRow {
    enum class Kind : uint8_t { None, Fd, Semaphore, Verdict, Output };
    enum class Fd : uint8_t { Number, ClosedByExec, Cloexec, Target };
    Kind kind = Kind::None;
    Fd fd = Fd::Number; // Kind::Fd: which rows of the fd table
    int number = -1;    // Fd::Number: "fd 3"
    // Fd::Target: the file or pipe the fd refers to ("fd /etc/hostname"); Semaphore: its name
    // ("semaphore /lesson"; empty: the one the step's process created); Output: text the line
    // contains ("output Test.value"; empty: its newest line).
    std::string arg;
    std::string words; // as the lesson wrote it: "fd closed-by-exec"

    explicit operator bool() const { return kind != Kind::None; }
    // The tab that shows this kind of row: "fds", "sync" or "output".
    const char* tab() const;
};

// A step's focus. rows[m] is the row under method m (0 fork, 1 spawn, 2 forkserver): a row
// field may name one row for all methods or one per method ("fork: fd cloexec; spawn: fd
// closed-by-exec"), since what a step points at can differ by method.
struct StepFocusSpec {
    std::string process; // parent, child, forkserver, tracker or marker
    std::string tab;     // fds, sync or output
    FocusRow rows[3];
};

// Parses a row field ("fd closed-by-exec", "fork: verdict", "semaphore"); nullopt and *why set
// when malformed. Bounded: at most kMaxFocusLine characters, three alternatives.
std::optional<FocusRow> parseFocusRow(std::string_view text, std::string* why = nullptr);
bool parseFocusRows(std::string_view text, FocusRow (&rows)[3], std::string* why = nullptr);
// Parses one "- LABEL | PROCESS | TAB [| ROW]" line into its label and focus; nullopt and *why
// set when malformed (the caller ignores the line and reports why).
struct FocusLine {
    std::string label;
    StepFocusSpec focus;
};
std::optional<FocusLine> parseFocusLine(std::string_view line, std::string* why = nullptr);

inline constexpr size_t kMaxFocusLine = 512;

} // namespace forklab
