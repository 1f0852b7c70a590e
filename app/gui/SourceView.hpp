#pragma once
// The Source panel (DESIGN §7): the lesson's program — its C++ scenario or its Python script, as
// shipped — with the line of the current step highlighted, so a student sees which line made the
// tree change. The line comes from the step's marker, which the program sends like its label: it
// is highlighted only when the marker names the lesson's own file and that file has the line.
#include <cstdint>
#include <string>
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

// The file for the app's current lesson (reads it when the lesson changed).
const SourceFile& lessonSource(App& app);
// Reads and classifies a source file (bounded); exposed for tests.
SourceFile readSourceFile(const std::string& path, const std::string& lesson);
// A line as shown: commentary folded to "…" while a question is open.
std::string shownLine(const SourceFile& f, size_t index, bool foldComments);
SourceShown sourceAt(App& app, Pane& pane);
void drawSourceView(App& app, Pane& pane);
// Narrow windows (a projector): the step's line alone, wrapped, in a highlighted band.
void drawSourceStrip(App& app, Pane& pane);

} // namespace forklab::gui
