#pragma once
// What the views show, computed from the trace and the world at the cursor, without ImGui: the
// views draw these rows and the test mode dumps them as JSON, so a test checks what a student
// sees. Everything here is a plain function of (trace, world, selection).
#include "core/base/Text.hpp"
#include "core/probe/Snapshot.hpp"
#include "core/trace/TraceIndex.hpp"
#include "core/trace/WorldCache.hpp"

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace forklab::gui {

// How a process came to be, in the words of the lessons. Today's trace knows the sandbox role,
// fork/vfork and exec; the forkserver and tracker are recognised by their command line.
enum class StartKind : uint8_t {
    Sandbox,         // forklab's own launcher / reaper
    Root,            // the program forklab started
    Fork,            // fork, no exec (yet)
    Spawn,           // a start method's spawn child (recognised by its command line)
    PosixSpawn,      // vfork (posix_spawn) + exec
    Server,          // a forkserver
    ForkserverChild, // forked by a forkserver
    Tracker,         // a semaphore / resource tracker
    ForkExec,        // fork + exec outside a start method (a shell's command): not "spawn"
};
const char* label(StartKind);       // "fork", "spawn", "forkserver child"...
const char* explanation(StartKind); // one line for tooltips and the legend

enum class ProcState : uint8_t { Running, Blocked, Deadlocked, Exited, Killed };
const char* label(ProcState);

struct TreeNode {
    const ProcessView* proc = nullptr; // valid while the world it came from is
    int depth = 0;
    int row = 0;
    StartKind start = StartKind::Fork;
    ProcState state = ProcState::Running;
    std::string
        stateText; // "exited with code 0", "killed by SIGKILL (sandbox)", "blocked in futex"
    bool collapsed = false;
    bool threadsHidden = false; // predict-then-reveal (Spoilers.hpp): the count would answer
    bool stateHidden = false;   // ... the state would (a verdict, a wait, an exit)
    int hidden = 0;             // descendants hidden by collapsing this node
    int firstChildRow = -1;     // rows spanned by the visible children (for the connector trunk)
    int lastChildRow = -1;
    int parentIndex = -1; // index in TreeLayout::nodes, -1 for a root
    // Identical siblings shown as one row ("2,000 × /bin/true, exit 0"): `proc` is the first of
    // them, `members` all of them in fork order. 0 / empty for a single process.
    int groupSize = 0;
    std::vector<pid_t> members;
    int openGroupSize = 0; // the first process of an opened group: how many it had (to fold it)
};

// Childless siblings alike in name, command line, start and end are grouped from this many on:
// fewer fit on screen as they are.
constexpr int kMinGroup = 8;

struct TreeLayout {
    std::vector<TreeNode> nodes; // depth-first order; rows never decrease along it
    int rows = 0;
    int maxDepth = 0;
    std::unordered_map<pid_t, int> byPid; // pid -> index in nodes (a group's members: its row)
    int exitedHidden = 0;                 // processes left out by hideExited
    int indexOf(pid_t pid) const;
};

StartKind startKind(const CursorWorld& w, const ProcessView& p);
ProcState procState(const Trace& trace, const CursorWorld& w, const ProcessView& p,
                    std::string* text = nullptr);
// The visible tree: the observed program (and the sandbox's processes when asked), with
// collapsed subtrees folded into their root. `hideExited` leaves out subtrees in which every
// process has exited (a pyenv shim's forty helpers before the interpreter it runs).
// Identical childless siblings become one group row unless the pid of their first is in
// `openGroups` (then each has its row, and the first carries openGroupSize).
TreeLayout layoutTree(const Trace& trace, const CursorWorld& w, const std::set<pid_t>& collapsed,
                      bool showSandbox, bool hideExited = false,
                      const std::set<pid_t>& openGroups = {});

// What a TreeLayout was made from. A frame asks for the same layout several times (before and
// after the keys move the cursor; every pane), and 2,000 processes take a millisecond to lay out:
// it is made again only when one of these changed. The trace's length counts because the
// process states read snapshots beside the world.
struct TreeLayoutInputs {
    const CursorWorld* world = nullptr;
    uint64_t stamp = 0;
    size_t traceSize = 0;
    std::set<pid_t> collapsed, openGroups;
    bool showSandbox = false, hideExited = false;
    bool operator==(const TreeLayoutInputs&) const = default;
};
// layoutTree into `out` unless `made` says `out` is already that layout; true if it was made.
// (The spoiler masks in TreeNode are set again each frame, so a kept layout stays right.)
bool relayoutTree(TreeLayout& out, TreeLayoutInputs& made, const Trace& trace, const CursorWorld& w,
                  const std::set<pid_t>& collapsed, bool showSandbox, bool hideExited,
                  const std::set<pid_t>& openGroups);
// What a group row says: "2,000 × /bin/true, exit 0" ("?" for a state the lesson hides yet).
std::string groupTitle(const TreeNode& group);
// "2,000": counts a class reads at a glance.
std::string thousands(size_t n);

// ---- threads over time (the timeline draws them under their process) -----------------------
struct ThreadLife {
    pid_t tid = 0;
    int64_t born = 0, died = -1; // ns; died -1: alive at the end of what is indexed
};
// Every thread a process created (clone with CLONE_THREAD), from the trace's thread events,
// read incrementally: update() looks only at events it has not seen.
struct ThreadLives {
    size_t scanned = 0;
    std::unordered_map<pid_t, std::vector<ThreadLife>> byPid;
    void update(const Trace& trace, size_t upto);
};

// ---- file descriptors ----------------------------------------------------------------------
struct FdEnd {
    pid_t pid = 0;
    std::string name;
    int fd = -1;
    AccessMode access = AccessMode::Read;
};

struct FdRow {
    enum class Status : uint8_t { Open, ClosedByExec, ClosedAfterFork };
    FdEntry entry;
    std::string name;            // what the program calls it ("sentinel", "data pipe"), if it said
    bool inherited = false;      // present, same object, in the table it got at fork
    bool setUpByForklab = false; // the run's first process: forklab's launcher put it there
    Status status = Status::Open;
    std::vector<FdEnd> otherEnds; // who else holds the same pipe/socket (the first kMaxEnds)
    size_t otherEndsTotal = 0;    // how many hold it in all
    static constexpr size_t kMaxEnds = 12;
};

struct FdTable {
    pid_t pid = 0;
    pid_t parent = 0;
    bool known = false;        // a snapshot of this process exists at the cursor
    bool stopSnapshots = true; // the run read tables at fork/exec/exit stops (run_start says)
    std::string when;          // "at its fork stop", "at its exec", "idle probe"...
    int inheritedCount = 0;    // fds it received at fork (the first process: forklab set up)
    bool setUp = false;        // the run's first process: its starting table is forklab's
    bool execed = false;
    int closedByExec = 0;
    std::vector<FdRow> rows; // open fds by number, then what exec closed, then other closings
};

// `annotations`: TraceIndex::annotations(), for the names the program gave its fds.
FdTable fdTable(const Trace& trace, const CursorWorld& w, pid_t pid,
                const std::vector<size_t>& annotations = {});

// ---- mutexes, futex waits, semaphores -------------------------------------------------------
struct WaitRow {
    pid_t pid = 0, tid = 0;
    std::string name;
    uint64_t addr = 0;
    bool privateFutex = false;
    bool timeout = false;
    std::string wchan;
};

struct DeadlockRow {
    size_t event = 0;
    pid_t pid = 0, tid = 0;
    std::string name;
    char rule = 'b'; // 'a' orphaned mutex, 'b' nobody left to wake it
    uint64_t addr = 0;
    std::string mutexName; // what the program calls the mutex, if it said
    pid_t ownerTid = 0, ownerNsTid = 0;
    std::string headline;    // one sentence a class can read
    std::string explanation; // why this is a deadlock
    std::string evidence;    // the recorder's proof, verbatim
};

struct SemRow {
    std::string name; // as sem_open names it: "/lesson"
    std::string file; // under /dev/shm: "sem.lesson"
    pid_t creator = 0;
    std::string creatorName;
    std::vector<pid_t> mappedBy; // processes whose newest full snapshot maps the same inode
    std::optional<int> value;    // not recorded yet
    pid_t unlinkedBy = 0;
    std::string unlinkedByName;
    bool leaked = false;
    std::string status; // "linked", "unlinked by 14 tracker", "LEAKED: removed by the sandbox"
};

struct SyncModel {
    std::vector<DeadlockRow> deadlocks;
    std::vector<WaitRow> waits;
    std::vector<SemRow> semaphores;
};

SyncModel syncModel(const Trace& trace, const CursorWorld& w,
                    const std::vector<size_t>& annotations = {});
// The newest name (before the cursor) that `pid` or one of its ancestors gave to an fd with
// this target (same number, or any number for a socket) or to a mutex at `value`.
std::string nameOf(const Trace& trace, const CursorWorld& w, const std::vector<size_t>& annotations,
                   pid_t pid, ev::NameOf what, uint64_t value, std::string_view target = {},
                   const ProcessSnapshot* table = nullptr);

// ---- words ------------------------------------------------------------------------------------
// The name a class reads: the program's name, or for the lessons program the process's part in
// the lesson ("parent", "child", "forkserver", "tracker").
std::string displayName(const CursorWorld& w, const ProcessView& p);
std::string who(const CursorWorld& w, pid_t pid); // "14969 mutex_fork", "5108 child"
// One line telling event i, as the story would: "14576 mutex_fork forked 14969".
std::string describeEvent(const Trace& trace, const CursorWorld& w, size_t i);
// The process an event is about (a fork's child, a kill's target, else the actor).
pid_t subjectOf(const Event& e);
// A command line typed in the picker, split like a shell would (quotes and backslashes only).
std::vector<std::string> splitCommand(const std::string& line);

} // namespace forklab::gui
