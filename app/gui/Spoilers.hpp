#pragma once
// Predict-then-reveal: until a lesson's answer is revealed, no view shows the facts that answer
// its question. Each lesson declares those facts (assets/lessons/*.md, "## spoilers"); every
// view asks this one object what it may show, and the test mode dumps the same masked values.
#include "app/gui/Model.hpp"

#include <string>

namespace forklab::gui {

struct App;
struct Pane;

struct Spoilers {
    bool pending = false;      // a question is open: its answer is not on screen yet
    bool threads = false;      // thread counts of the processes the program started
    bool verdict = false;      // deadlock verdicts, blocked states, futex waits
    bool exit = false;         // how the started processes ended
    bool output = false;       // what the started processes wrote
    bool ledger = false;       // a semaphore's fate in /dev/shm
    bool processCount = false; // "N processes"
    bool timings = false;      // everything written (the launch times are in the parent's output)
};

inline constexpr const char* kHiddenText = "? (hidden until the reveal)";

// The facts a lesson declares, hidden when `pending` (a question open, no answer yet).
Spoilers declaredSpoilers(const std::vector<std::string>& facts, bool pending);
// What the pane may show now: nothing is hidden outside a lesson, or once the answer is out.
Spoilers spoilersOf(const App& app, Pane& pane);
// Marks the tree's nodes whose thread count or state would answer the question (the program's
// root is the lesson's setup and stays shown).
void maskTree(TreeLayout& tree, const CursorWorld& w, const Spoilers& s);
// Leaves out of the sync model what would answer: the verdicts and waits, a semaphore's fate.
void maskSync(SyncModel& m, const Spoilers& s);
// Whether `pid`'s output is hidden.
bool outputHidden(const Spoilers& s, const CursorWorld& w, pid_t pid);
// An event line ("The kernel shows: …") that would tell the answer.
bool eventHidden(const Spoilers& s, const Event& e);

} // namespace forklab::gui
