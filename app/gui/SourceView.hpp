#pragma once
// The Source panel (DESIGN §7): the lesson's program — its C++ scenario or its Python script, as
// shipped — with the line of the current step highlighted, so a student sees which line made the
// tree change. The line comes from the step's marker, which the program sends like its label: it
// is highlighted only when the marker names the lesson's own file and that file has the line.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace forklab::gui {

struct App;
struct Pane;

// The lesson's shipped source, read once per lesson (bounded: it is a file of ours, but a folder
// set by FORKLAB_SCENARIOS could hold anything).
struct SourceFile {
    std::string lesson; // the lesson it was read for
    std::string path;   // "" when the lesson has none
    std::string name;   // the file's name, shown as the panel's title
    std::vector<std::string> lines;
    bool python = false;
    std::vector<bool> comment; // per line: commentary (folded until the reveal: it may answer)
    std::string error;         // why it could not be read
};

// What the panel shows at the cursor (also what --dump-state reports).
struct SourceShown {
    std::string file;            // the shipped file's name
    uint32_t line = 0;           // the highlighted line, 1-based; 0: none
    std::string text;            // that line as shown
    std::string markerFile;      // what the step's marker said (bounded), "" if nothing
    uint32_t markerLine = 0;     //
    std::string why;             // why no line is highlighted
    bool commentsFolded = false; // a question is open: commentary is folded
};

// Compare mode (DESIGN §7): one listing shared by the columns, one highlight per column, in the
// column's colour and labelled with its name (columns stepped together may stand at different
// lines: other methods run other code). S shows or hides it.
struct SourceMark {
    uint32_t line = 0;   // 1-based; 0: this column highlights nothing
    uint32_t colour = 0; // ImU32
    std::string label;   // "fork", "3.11.7"; "" for single mode's one highlight
    size_t column = 0;   // its slot in the listing's gutter
};
struct CompareSource {
    std::optional<bool> shown;         // S; unset: shown when the window is wide enough
    std::vector<uint32_t> scrolledFor; // the columns' lines the panel last scrolled to
    uint32_t scrollTo = 0;             // a column's line asked for (its reference clicked)
    // What the last frame drew, for the test mode's dump.
    bool drawn = false;
    bool lines = false;                         // the narrow form: each column's line alone
    uint32_t firstVisible = 0, lastVisible = 0; // the listing's lines wholly in view
    std::vector<SourceMark> marks;              // the highlights drawn
    std::vector<bool> inView;                   // per drawn highlight: wholly on screen
};

// The file for the app's current lesson (reads it when the lesson changed).
const SourceFile& lessonSource(App& app);
// Reads and classifies a source file (bounded); exposed for tests.
SourceFile readSourceFile(const std::string& path, const std::string& lesson);
// A line as shown: commentary folded to "…" while a question is open.
std::string shownLine(const SourceFile& f, size_t index, bool foldComments);
SourceShown sourceAt(App& app, Pane& pane);
void drawSourceView(App& app, Pane& pane);
// The listing (single and compare mode): every line of f, numbered, a band on each marked line
// (several columns at one line: each in its gutter slot, 0..gutter-1, and its name chip). Brings
// the first of `spans` (first..last line) that fits into view, in the middle (none fits: the last
// one's first line near the top). Returns the lines wholly in view.
std::pair<uint32_t, uint32_t>
drawSourceListing(App& app, const SourceFile& f, const std::vector<SourceMark>& marks,
                  size_t gutter, bool fold,
                  const std::vector<std::pair<uint32_t, uint32_t>>& spans);
// A column's name in its colour at (x, y) on screen, one text line high; returns its width.
float drawSourceChip(float x, float y, const SourceMark& m);
// The columns' highlights: column i's line is sourceAt(app, panes[i]).line.
std::vector<SourceMark> compareMarks(App& app);
// A projector's scale (the window is narrow for its font): compare mode's Source is hidden until
// S, then takes the narration's place with each column's line alone (a listing would show two).
bool compareSourceNarrow(const App& app);
// Shown in compare mode: S's choice, else when the window is wide for its font.
bool compareSourceShown(const App& app);
// Compare mode's Source (CompareSource.cpp): the listing with every column's highlight, or on a
// narrow window each column's line alone (in the current child).
void drawCompareSource(App& app);
// Narrow windows (a projector): the step's line alone, wrapped, in a highlighted band. The line is
// named by `file` ("x.cpp:27") when given.
void drawSourceStrip(App& app, Pane& pane, const std::string& file = {});

} // namespace forklab::gui
