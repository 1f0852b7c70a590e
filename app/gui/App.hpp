#pragma once
// The state of the classroom window and the frame that draws it. One Pane per recording shown:
// one normally, three (fork | spawn | forkserver) in compare mode. Each view is a function of
// this state, in its own file (TreeView, FdView, SyncView, TimelineView, LessonView...).
#include "app/gui/FileActions.hpp"
#include "app/gui/Fonts.hpp"
#include "app/gui/LessonSource.hpp"
#include "app/gui/Model.hpp"
#include "app/gui/Session.hpp"
#include "app/gui/Settings.hpp"
#include "app/gui/SourceView.hpp"
#include "app/gui/Spoilers.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace forklab::gui {

struct TimelineState {
    double t0 = 0, t1 = 0; // visible time range in ns (t1 <= t0: fit the whole run)
    bool fit = true;       // follow the whole run as it grows
    float scrollY = 0;
    pid_t scrolledTo = 0;    // the process whose track was last scrolled into view
    bool zoomToStep = false; // Z: show the current step's span (applied by the next frame)
    // A live run grows while nothing happens (a `sleep 60`): the end drawn is the newest event's
    // time plus the running time since it was seen, frozen while the run is held at a step.
    double liveEnd = 0, liveAnchorMs = 0;
    ThreadLives threads; // for the thread lifetimes under each process
    // What the last frame drew, for the test mode's dump.
    double shownEnd = 0;
    struct Flag {
        int step = 0;
        float x = 0, w = 0;
        bool current = false;
    };
    std::vector<Flag> flags;
    int threadLinesDrawn = 0;
    float tracksHeight = 0; // every track with its thread lanes, in pixels
    int forkArrows = 0;     // drawn to a child's track on screen (stubs and group members: none)
};

struct Pane {
    std::unique_ptr<Session> session;
    int method = -1; // 0..2 in a lesson, -1 for a program
    pid_t selected = 0;
    bool userSelected = false; // else the selection follows the current step's process
    std::set<pid_t> collapsed;
    TimelineState timeline;
    // Per frame: the tree at the cursor (the views share it), and what it may not show yet.
    TreeLayout tree;
    TreeLayoutInputs treeMadeFrom; // made again only when these change
    TreeLayout tracks;             // the timeline's: every process seen (the head's world)
    TreeLayoutInputs tracksMadeFrom;
    Spoilers spoilers;
    // Where the tree panel and its cards were drawn (screen pixels), for the test mode's dump.
    struct Rect {
        float x = 0, y = 0, w = 0, h = 0;
    };
    Rect treePanel;
    std::vector<std::pair<pid_t, Rect>> cards; // the first kMaxCards nodes
    bool treeVertical = false;
    std::string search;   // the tree's search field: a pid or part of a name
    pid_t scrolledTo = 0; // the process the tree last scrolled into view
    // Groups of identical siblings shown one by one (by their first pid).
    std::set<pid_t> openGroups;
    static constexpr size_t kMaxCards = 512;
    // At the step that reveals the answer: the process the key step was about (its output, its
    // verdict, its threads are the answer), selected unless the user picked another.
    pid_t revealPid = 0;
    size_t autoTabAt = SIZE_MAX; // the marker count at which the answer's tab was last selected
    // Compare versions: the CPython this column runs ("3.11.7", its sys.executable).
    std::string version, python;
    // How the column was started, so Retry can start it again (a lesson column only).
    std::shared_ptr<const SandboxOptions> launched;
    std::string launchedTitle;
    int attempts = 1;
    // The current step's declared focus (the lesson's "## focus"): its process, selected unless
    // the user picked another during this step; focusAt is the marker count it was applied at.
    pid_t stepFocus = 0;
    size_t focusAt = SIZE_MAX;
    size_t sourceScrolledAt = SIZE_MAX; // the step whose line the Source panel last scrolled to
};

enum class DetailTab : int { Fds, Sync, Output };

// Open…, Export… and PNG (FileActions.hpp writes and reads, FileMenu.cpp draws).
enum class FilePopup : int { None, Open, Export };
struct FileState {
    std::string openPath;  // the Open… field (prefilled with the last export, else the cwd)
    std::string openError; // the importer's message about openPath, shown in the popup
    std::string exportPath;
    bool exportPathEdited = false; // typed by hand: a new format or step no longer renames it
    ExportFormat exportFormat = ExportFormat::Jsonl;
    int exportPane = 0;                  // compare mode: which column is exported
    std::string exportError;             // why the last Export did not write, shown in the popup
    std::string lastExport;              // the last .forklab.jsonl written: what Open… suggests
    std::string pngPending;              // written after the next frame is rendered (Gui.cpp)
    bool capturing = false;              // this frame becomes the PNG: no notices, no tooltips
    FileResult result;                   // the last open / export / PNG: shown under the controls
    FilePopup request = FilePopup::None; // open this popup in the next frame (keys, tests)
    bool refocus = false; // the open popup's path field takes the keyboard again (after a failure)
};

struct App {
    Settings settings;
    GuiFonts fonts;
    bool testMode = false;
    bool holdInTests = false; // test mode normally runs lessons straight through

    // What to run.
    bool programSource = false; // "Run a program" instead of a lesson
    std::string lesson;
    int method = 0;
    std::string variant;
    std::string command;                  // edited in the picker
    std::vector<std::string> commandArgv; // from the command line (exact argv), wins over command
    bool compare = false;
    // A python-* lesson under every CPython found (core/lessons/Pythons), same method, one
    // column each, stepped together.
    bool compareVersions = false;
    bool columns() const { return (compare || compareVersions) && panes.size() > 1; }
    std::vector<Lesson> catalogue;

    std::vector<Pane> panes;
    std::vector<std::unique_ptr<Session>> retiring; // stopped, destroyed once their run ended
    std::optional<Narration> narration;
    std::pair<std::string, std::optional<Narration>> preview; // the welcome page's lesson
    std::string narrationError;
    SourceFile source; // the lesson's program, for the Source panel (read once per lesson)
    CompareSource compareSource; // compare mode's shared Source panel (S shows or hides it)
    std::string message;         // the last thing that went wrong, shown under the controls

    // Predict-then-reveal.
    int predictChoice = -1;
    bool revealed = false;

    // Presentation mode: the controls fold into one thin bar. Unset: folded when the window is
    // short for its font (a projector at display scale 2 or 3); P toggles it.
    std::optional<bool> present;
    bool presenting() const;
    bool blank = false;          // B: the screen goes dark (a clicker's blank key), B again back
    bool displayRequest = false; // open the Display… popup in the next frame (test mode)

    bool compactTree = false; // C: one row per process instead of boxes (TreeListView.hpp)

    DetailTab tab = DetailTab::Fds;
    std::optional<bool> timelineOpen;    // unset: open when the window is wide enough for it
    std::optional<DetailTab> tabRequest; // select this tab in the next frame (test mode, links)
    bool settingsChanged = false;        // presentation settings edited: apply between frames
    bool fontsDirty = false;             // the scale changed: rebuild the font atlas between frames
    std::string glInfo;
    FileState file;

    // ---- actions (keyboard and buttons call the same ones) ------------------------------
    void run(); // start (or restart) the recording(s) for the current choice
    // Starts column i again as it was started (Retry, for a column that could not start).
    void retryPane(size_t i);
    // The picker's choice of a lesson: another one leaves nothing of the old (run, narration).
    void chooseLesson(const std::string& id);
    void stopAll(); // ends the runs (window closing); retire() keeps them until they end
    void retire();
    void next(); // live: release the gate; else the next marker/step
    void back();
    void forward();
    void first();
    void last();
    void pause();
    void gotoStep(size_t n); // n-th step of the first pane, the others follow by marker count
    void reapRetired();      // destroys retired sessions whose run has ended (never waits)
    // Replays a recorded .forklab.jsonl in place of what is shown; on failure keeps what is
    // shown and puts the importer's message in file.openError.
    bool openTrace(const std::string& path);
    // Writes the shown trace (compare mode: column file.exportPane) to path; file.result says.
    bool exportShown(ExportFormat format, const std::string& path);
    // The window as it is drawn next, as a PNG at path (Gui.cpp writes it after rendering).
    void savePng(const std::string& path) { file.pngPending = path; }
    Pane* exportedPane(); // the pane Export… writes, nullptr when none
    void update();        // indexes what the recorders published since the last frame

    bool anyLive() const;
    bool anyHeld() const;
    bool lessonMode() const { return !programSource && lessonsAvailable(); }
};

// Draws one frame of the whole window (between ImGui::NewFrame and ImGui::Render).
void drawApp(App& app);
// Where the answer of a lesson's question is: the tab that shows it (none: the tree).
std::optional<DetailTab> answerTab(const App& app);
// Sets pane.spoilers and pane.revealPid for the cursor, and masks the tree (every frame).
void updateSpoilers(App& app, Pane& pane);
// The current step's declared focus: sets pane.stepFocus every frame and, when the step is
// reached, asks for its tab and drops the user's pick of the step before.
void followStepFocus(App& app, Pane& pane);
// The process a focus names ("parent", "child", "forkserver", "tracker", "marker") at the
// cursor; 0 when there is none.
pid_t focusProcess(const Pane& pane, const CursorWorld& w, const std::string& spec, pid_t marker);
// Selects the first process of the tree whose pid is `text` or whose name contains it (the
// tree then scrolls to it); false when none matches.
bool findInTree(Pane& pane, const std::string& text);
// The pid the views show for a pane: the user's choice, else the current step's process.
pid_t focusPid(Pane& pane, const CursorWorld& w);

} // namespace forklab::gui
