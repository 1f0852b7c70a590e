#pragma once
// Compare mode: the same lesson under fork | spawn | forkserver side by side, or (compare
// versions) under one method with every CPython found, each column its own recording (own
// Sandbox and recorder thread), stepped together by lesson step. A column that could not start
// says why and offers Retry.
#include "app/gui/App.hpp"

namespace forklab::gui {

void drawCompareView(App& app);
// A column's state in words: starting, running, held at step n, ended (reason, exit code), or
// could not start (why).
std::string paneStatus(const Pane& pane);
// It could not start, or its recorder stopped without an end: Retry is offered.
bool paneFailed(const Pane& pane);
// "fork", or "CPython 3.11.7" when comparing versions.
std::string columnTitle(const Pane& pane);
// Column i's colour (its header's swatch, its Source highlight): a method's column takes the
// colour the tree gives that method's children (fork, spawn, the forkserver), so a colour means
// one thing across the views; the columns of compare versions take Theme's column colours.
uint32_t paneColour(const App& app, size_t i);
// What answers the lesson's question in this column, once revealed (the child's printed value,
// the verdict, the semaphore's fate, the process count, the launch times): "?" before.
std::string keyFact(const App& app, Pane& pane);

} // namespace forklab::gui
