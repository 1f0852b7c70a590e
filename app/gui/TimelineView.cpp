#include "app/gui/TimelineView.hpp"

#include "app/gui/Draw.hpp"
#include "app/gui/Theme.hpp"
#include "app/gui/TimelineModel.hpp"

#include "core/base/Clock.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace forklab::gui {
namespace {

std::string timeLabel(double ns, double step) {
    char buf[32];
    if (step >= 1e9)
        std::snprintf(buf, sizeof buf, "%.0f s", ns / 1e9);
    else if (step >= 1e8)
        std::snprintf(buf, sizeof buf, "%.1f s", ns / 1e9);
    else if (step >= 1e6)
        std::snprintf(buf, sizeof buf, "%.0f ms", ns / 1e6);
    else if (step >= 1e5)
        std::snprintf(buf, sizeof buf, "%.1f ms", ns / 1e6);
    else if (step >= 1e3)
        std::snprintf(buf, sizeof buf, "%.0f \u00b5s", ns / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.0f ns", ns);
    return buf;
}

double niceStep(double raw) {
    const double p = std::pow(10.0, std::floor(std::log10(std::max(raw, 1.0))));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (p * m >= raw) return p * m;
    return p * 10;
}

// First position in `events` (event indices, time-ordered) whose time is >= t.
size_t firstAt(const Trace& trace, const std::vector<size_t>& events, size_t from, double t) {
    auto it = std::lower_bound(events.begin() + long(from), events.end(), t,
                               [&](size_t i, double v) { return double(trace[i].t) < v; });
    return size_t(it - events.begin());
}

bool important(const Event& e) {
    return e.kind != EventKind::Output && e.kind != EventKind::Snapshot;
}

// The current step's time span: from its step (a lesson's marker, else any step event) to the
// next one, or to the end of the run.
std::pair<double, double> stepSpan(const Session& s, double end) {
    const TraceIndex& index = s.index();
    const bool markers = !index.markers().empty();
    const auto& list = markers ? index.markers() : index.steps();
    const size_t k = markers ? index.markersBefore(s.cursor()) : s.currentStep();
    const double a = k > 0 && k <= list.size() ? double(s.trace()[list[k - 1]].t) : 0.0;
    const double b = k < list.size() ? double(s.trace()[list[k]].t) : end;
    return {a, std::max(b, a + 1e3)};
}

// A live run's end as drawn: the newest event's time plus the running time since, frozen while
// the run is held at a step (held time is not on the time axis).
double liveEnd(const Session& s, TimelineState& tl, double recorded) {
    if (!s.live()) {
        tl.liveAnchorMs = 0;
        return recorded;
    }
    const double now = double(monotonicNs()) / 1e6;
    double grown =
        tl.liveAnchorMs > 0 && !s.held() ? tl.liveEnd + (now - tl.liveAnchorMs) * 1e6 : tl.liveEnd;
    if (tl.liveAnchorMs <= 0) grown = recorded;
    tl.liveEnd = std::max(grown, recorded);
    tl.liveAnchorMs = now;
    return tl.liveEnd;
}

// When the processes of a group were alive: one bar per run of pixels in which any was.
void groupBar(ImDrawList* dl, const CursorWorld& head, const TreeNode& g, float x0, float x1,
              float y0, float y1, double t0, double span, double end, ImU32 colour) {
    const int width = std::max(1, int(x1 - x0));
    std::vector<uint8_t> busy(size_t(width) + 1, 0);
    for (pid_t m : g.members) {
        const ProcessView* p = head.world.find(m);
        if (!p) continue;
        const double died = p->alive ? end : double(p->died);
        const int a = int(std::floor((double(p->born) - t0) / span * width));
        const int b = int(std::ceil((died - t0) / span * width));
        for (int x = std::max(a, 0); x <= std::min(b, width); ++x) busy[size_t(x)] = 1;
    }
    for (int x = 0; x <= width;) {
        if (!busy[size_t(x)]) {
            ++x;
            continue;
        }
        int e = x;
        while (e <= width && busy[size_t(e)]) ++e;
        dl->AddRectFilled(ImVec2(x0 + float(x), y0), ImVec2(x0 + float(e), y1), colour);
        x = e;
    }
}

} // namespace

void drawTimelineView(const App& /*app*/, Pane& pane, const TreeLayout& tracks, ImVec2 size,
                      bool hideFuture) {
    const Palette& pal = palette();
    Session& s = *pane.session;
    const Trace& trace = s.trace();
    const TraceIndex& index = s.index();
    TimelineState& tl = pane.timeline;
    const float em = ImGui::GetFontSize();
    const float line = std::fmax(1.0f, pal.line * em / 16.0f);

    ImGui::PushStyleColor(ImGuiCol_ChildBg, pal.canvas);
    ImGui::BeginChild("timeline", size, true,
                      ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 wp = ImGui::GetCursorScreenPos();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float gutter = std::min(12.0f * em, avail.x * 0.3f);
    const float ruler = 1.7f * em;
    const float trackH = 1.7f * em;
    const ImVec2 area0(wp.x + gutter, wp.y + ruler);
    const ImVec2 area1(wp.x + avail.x, wp.y + avail.y);
    const float areaW = std::max(1.0f, area1.x - area0.x);

    // Visible time range; "fit" follows the recording as it grows.
    const double end = std::max<double>(liveEnd(s, tl, double(index.endTime())), 1e6);
    tl.shownEnd = end;
    if (tl.zoomToStep) { // Z or the "step" button: the current step fills the width
        tl.zoomToStep = false;
        const auto [a, b] = stepSpan(s, end);
        const double pad = (b - a) * 0.08;
        tl.t0 = a - pad;
        tl.t1 = b + pad;
        tl.fit = false;
    }
    if (tl.fit || tl.t1 <= tl.t0) {
        tl.t0 = 0;
        tl.t1 = end * 1.03;
    }
    tl.threads.update(trace, index.indexed());
    const double span = tl.t1 - tl.t0;
    auto xOf = [&](double t) { return float(area0.x + (t - tl.t0) / span * areaW); };
    auto tOf = [&](float x) { return tl.t0 + double(x - area0.x) / areaW * span; };

    // Interaction over the whole area: wheel zoom at the mouse, drag to pan, double-click fits.
    ImGui::SetCursorScreenPos(ImVec2(wp.x, wp.y));
    ImGui::InvisibleButton("canvas", ImVec2(std::max(1.0f, avail.x), std::max(1.0f, avail.y)));
    const bool hovered = ImGui::IsItemHovered();
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    tl.threadLinesDrawn = 0;
    tl.forkArrows = 0;
    if (hovered && ImGui::GetIO().MouseWheel != 0 && mouse.x > area0.x) {
        const double factor = std::pow(0.8, double(ImGui::GetIO().MouseWheel));
        const double at = tOf(mouse.x);
        const double newSpan = std::clamp(span * factor, 1e3, end * 4);
        tl.t0 = at - (at - tl.t0) * newSpan / span;
        tl.t1 = tl.t0 + newSpan;
        tl.fit = false;
    }
    bool dragged = false;
    if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 3.0f)) {
        const ImVec2 d = ImGui::GetIO().MouseDelta;
        const double dt = double(d.x) / areaW * span;
        tl.t0 -= dt;
        tl.t1 -= dt;
        tl.scrollY -= d.y;
        tl.fit = false;
        dragged = true;
    }
    if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) tl.fit = true;

    // Where the cursor is; with a question pending nothing after it is drawn.
    // (following a live run: the newest event; held at a gate: the gate's step)
    const double cursorT = s.cursor() == 0              ? 0.0
                           : s.following() && !s.held() ? end
                                                        : double(trace[s.cursor() - 1].t);
    const float horizonX = hideFuture ? std::clamp(xOf(cursorT) + 2.0f, area0.x, area1.x) : area1.x;

    // Ruler: nice time ticks, then the lesson's steps as flags.
    dl->PushClipRect(ImVec2(area0.x, wp.y), area1, true);
    const double step = niceStep(span / std::max(1.0, double(areaW / (7.0f * em))));
    for (double t = std::ceil(tl.t0 / step) * step; t <= tl.t1; t += step) {
        const float x = xOf(t);
        dl->AddLine(ImVec2(x, wp.y + ruler * 0.6f), ImVec2(x, area1.y), pal.grid, 1.0f);
        dl->AddText(ImVec2(x + 3, wp.y), pal.textDim, timeLabel(t, step).c_str());
    }
    const auto& markers = index.markers();
    // Where the run was held at a step: a break (two slanted strokes on the ruler); the held
    // time itself is not on the time axis.
    for (size_t b : s.breaks()) {
        const double t = double(trace[b].t);
        if (t < tl.t0 || t > tl.t1 || (hideFuture && t > cursorT)) continue;
        const float x = xOf(t) + em * 0.45f, y0 = wp.y + ruler * 0.05f, y1 = wp.y + ruler * 0.5f;
        for (float dx : {0.0f, em * 0.3f})
            dl->AddLine(ImVec2(x + dx, y1), ImVec2(x + dx + em * 0.25f, y0), pal.blocked,
                        line * 1.5f);
    }
    // Step flags: no label covers another. The current step's is placed first and always shown
    // (outlined); the others get a label where it fits whole, else only their line (Z zooms in
    // to the step; hovering a line names it).
    const size_t currentMarker = index.markersBefore(s.cursor());
    auto flagWidth = [&](size_t k) {
        return ImGui::CalcTextSize(std::to_string(k + 1).c_str()).x * 0.8f + em * 0.5f;
    };
    auto flag = [&](size_t k, float x, ImU32 c, bool current) {
        const std::string num = std::to_string(k + 1);
        const float w = flagWidth(k), h = em * 0.8f;
        const ImVec2 a(x, wp.y + ruler * 0.5f), b(x + w, wp.y + ruler * 0.5f + h);
        dl->AddRectFilled(a, b, c);
        if (current) dl->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(b.x + 1, b.y + 1), pal.text);
        dl->AddText(ImGui::GetFont(), em * 0.8f, ImVec2(x + em * 0.25f, a.y), pal.markerText,
                    num.c_str());
        tl.flags.push_back({int(k + 1), x, w, current});
    };
    tl.flags.clear();
    struct Seen {
        size_t k;
        float x;
        ImU32 c;
    };
    std::vector<Seen> seen; // the flags in view, left to right
    std::vector<FlagSpot> spots;
    int current = -1;
    size_t hoveredFlag = SIZE_MAX;
    const ImVec2 mouseNow = ImGui::GetIO().MousePos;
    for (size_t k = firstAt(trace, markers, 0, tl.t0); k < markers.size(); ++k) {
        const Event& e = trace[markers[k]];
        if (double(e.t) > tl.t1) break;
        if (hideFuture && double(e.t) > cursorT) break;
        const auto& mk = e.as<ev::Marker>();
        const float x = xOf(double(e.t));
        const ImU32 c = mk.key ? pal.keyMarker : pal.marker;
        dl->AddLine(ImVec2(x, wp.y + ruler * 0.5f), ImVec2(x, area1.y), withAlpha(c, 0.8f),
                    mk.key ? line * 2 : line);
        if (std::fabs(mouseNow.x - x) < em * 0.3f && mouseNow.y >= wp.y &&
            mouseNow.y < wp.y + ruler)
            hoveredFlag = k;
        if (k + 1 == currentMarker) current = int(seen.size());
        seen.push_back({k, x, c});
        spots.push_back({x, flagWidth(k)});
    }
    const std::vector<bool> labelled = labelFlags(spots, current, em * 0.3f);
    for (size_t i = 0; i < seen.size(); ++i)
        if (labelled[i] && int(i) != current) flag(seen[i].k, seen[i].x, seen[i].c, false);
    if (current >= 0) // drawn last: nothing covers it
        flag(seen[size_t(current)].k, seen[size_t(current)].x, seen[size_t(current)].c, true);
    dl->PopClipRect();
    if (hoveredFlag != SIZE_MAX)
        ImGui::SetTooltip("step %zu%s", hoveredFlag + 1,
                          hoveredFlag + 1 == currentMarker ? " (this step)" : "");

    // Track heights: a process's threads get lanes under its bar (none while a lesson hides
    // the thread count).
    const float laneH = 0.45f * em;
    const double until = hideFuture ? cursorT : 1e300;
    std::vector<float> top(tracks.nodes.size() + 1, trackH);
    top[0] = 0;
    if (!pane.spoilers.threads)
        for (auto& [pid, lives] : tl.threads.byPid)
            if (const int ti = tracks.indexOf(pid); ti >= 0 &&
                                                    tracks.nodes[size_t(ti)].groupSize == 0 &&
                                                    tracks.nodes[size_t(ti)].proc->pid == pid)
                top[size_t(ti) + 1] += float(threadLanes(lives, until, end, nullptr)) * laneH;
    for (size_t i = 1; i < top.size(); ++i) top[i] += top[i - 1]; // heights -> tops
    tl.tracksHeight = top.back(); // the panel asks for this much next frame
    const float viewH = area1.y - area0.y;
    // A new focus (a step about another process, a search) brings its track into view too.
    const pid_t focus = focusPid(pane, s.world());
    if (const int fi = tracks.indexOf(focus); fi >= 0 && focus != tl.scrolledTo) {
        tl.scrolledTo = focus;
        const float a = top[size_t(fi)], b = top[size_t(fi) + 1];
        if (a < tl.scrollY || b > tl.scrollY + viewH) tl.scrollY = a - (viewH - (b - a)) * 0.5f;
    }
    tl.scrollY = std::clamp(tl.scrollY, 0.0f, std::max(0.0f, top.back() - viewH));
    // Tracks, visible ones only.
    const size_t firstTrack = size_t(std::max<long>(
        0, long(std::upper_bound(top.begin(), top.end(), tl.scrollY) - top.begin()) - 1));
    const size_t lastTrack = std::min(
        tracks.nodes.size(),
        size_t(std::lower_bound(top.begin(), top.end(), tl.scrollY + viewH) - top.begin()));
    std::vector<int> laneOf;
    auto trackY = [&](size_t i) { return area0.y + top[i] - tl.scrollY; };
    size_t bestEvent = SIZE_MAX;
    float bestDist = em * 0.6f;
    pid_t bestPid = 0;

    dl->PushClipRect(ImVec2(wp.x, area0.y), area1, true);
    for (size_t i = firstTrack; i < lastTrack; ++i) {
        const TreeNode& n = tracks.nodes[i];
        const ProcessView& p = *n.proc;
        if (hideFuture && double(p.born) > cursorT) continue; // not born yet: not even a name
        const float y = trackY(i);
        const float mid = y + trackH * 0.5f;
        const ImU32 kind = startColour(n.start);
        if (p.pid == focus)
            dl->AddRectFilled(ImVec2(wp.x, y), ImVec2(area1.x, trackY(i + 1)),
                              withAlpha(pal.selection, 0.08f));
        // Gutter: colour chip, pid and name.
        dl->AddRectFilled(ImVec2(wp.x, y + 2), ImVec2(wp.x + em * 0.3f, y + trackH - 2), kind);
        // A group's row is laid out over the whole run: with a question pending it counts only
        // those born by the cursor and says nothing of how they end.
        std::string title = n.groupSize > 0 ? groupTitle(n) : std::string();
        if (n.groupSize > 0 && hideFuture) {
            size_t born = 0;
            for (pid_t m : n.members)
                if (const ProcessView* mp = s.headWorld().world.find(m);
                    mp && double(mp->born) <= cursorT)
                    ++born;
            title = thousands(born) + " \u00d7 " + displayName(s.headWorld(), p);
        }
        const std::string name = ellipsize(
            n.groupSize > 0 ? title : std::to_string(p.pid) + " " + displayName(s.headWorld(), p),
            gutter - em * 0.8f);
        dl->AddText(ImVec2(wp.x + em * 0.5f, mid - em * 0.5f),
                    p.pid == focus ? pal.text : pal.textDim, name.c_str());

        // Lifetime bar, red from the first deadlock verdict on.
        dl->PushClipRect(ImVec2(area0.x, area0.y), ImVec2(horizonX, area1.y), true);
        if (n.groupSize > 0) { // a group: when any of them was alive (their marks would be a wall)
            groupBar(dl, s.headWorld(), n, area0.x, area1.x, y + trackH * 0.22f, y + trackH * 0.78f,
                     tl.t0, span, end, withAlpha(kind, 0.45f));
            dl->PopClipRect();
            continue;
        }
        const double born = double(p.born), died = p.alive ? end : double(p.died);
        const float xb = std::max(xOf(born), area0.x - 10), xd = std::min(xOf(died), area1.x + 10);
        if (xd >= area0.x && xb <= area1.x) {
            dl->AddRectFilled(ImVec2(xb, y + trackH * 0.22f),
                              ImVec2(std::max(xd, xb + 2), y + trackH * 0.78f),
                              withAlpha(kind, p.alive ? 0.45f : 0.3f), em * 0.2f);
            if (!p.deadlocks.empty() && !pane.spoilers.verdict) {
                const double from = double(trace[p.deadlocks.front()].t);
                const float xf = std::max(xOf(from), xb);
                dl->AddRectFilled(ImVec2(xf, y + trackH * 0.22f),
                                  ImVec2(std::max(xd, xf + 2), y + trackH * 0.78f),
                                  withAlpha(pal.deadlock, 0.55f), em * 0.2f);
            }
        }
        // Its threads (beyond the first), one line each in the lanes under the bar, from the
        // clone that made it to its exit (or its process's).
        if (auto th = tl.threads.byPid.find(p.pid);
            th != tl.threads.byPid.end() && !pane.spoilers.threads) {
            threadLanes(th->second, until, end, &laneOf);
            for (size_t k = 0; k < th->second.size(); ++k) {
                if (laneOf[k] < 0) continue;
                const ThreadLife& life = th->second[k];
                const double died = life.died >= 0 ? double(life.died) : end;
                const float ty = y + trackH + (float(laneOf[k]) + 0.5f) * laneH;
                const float a = std::max(xOf(double(life.born)), area0.x - 10);
                const float b = std::min(xOf(died), area1.x + 10);
                if (b < area0.x || a > area1.x) continue;
                dl->AddRectFilled(ImVec2(a, ty - laneH * 0.22f),
                                  ImVec2(std::max(b, a + 2), ty + laneH * 0.22f),
                                  withAlpha(kind, 0.75f), laneH * 0.2f);
                ++tl.threadLinesDrawn;
                if (hovered && !dragged && std::fabs(mouse.y - ty) < laneH * 0.5f && mouse.x >= a &&
                    mouse.x <= b)
                    ImGui::SetTooltip("thread %d of %d %s", life.tid, p.pid,
                                      displayName(s.headWorld(), p).c_str());
            }
        }
        // Marks, skipping ahead when several fall on one pixel. Output comes in bursts: writes
        // closer than 3 px apart are drawn as one bar (few vertices, no dotted noise).
        const auto& evs = index.track(p.pid);
        const float outY = mid + trackH * 0.28f, outR = em * 0.15f;
        float runStart = -1e9f, runEnd = -1e9f;
        auto flushRun = [&] {
            if (runEnd < -1e8f) return;
            if (runEnd - runStart < 1.0f)
                dl->AddCircleFilled(ImVec2(runStart, outY), outR, pal.textDim, 6);
            else
                dl->AddRectFilled(ImVec2(runStart - outR, outY - outR),
                                  ImVec2(runEnd + outR, outY + outR), pal.textDim, outR);
            runStart = runEnd = -1e9f;
        };
        for (size_t k = firstAt(trace, evs, 0, tl.t0 - span * 0.01); k < evs.size();) {
            const size_t ei = evs[k];
            const Event& e = trace[ei];
            if (double(e.t) > tl.t1 + span * 0.01) break;
            if (hideFuture && double(e.t) > cursorT) break;
            if (eventHidden(pane.spoilers, e)) { // the answer: drawn with the reveal
                ++k;
                continue;
            }
            const float x = xOf(double(e.t));
            const float r = em * 0.32f;
            switch (e.kind) {
            case EventKind::Fork:
                if (e.pid == p.pid) { // the parent's side: an arrow down to the child's track
                    // An arrow down to the child's track when that track is on screen and is the
                    // child's own (or its group's first); else a short stub saying which way:
                    // thousands of children must not paint a wall across the other tracks.
                    const pid_t child = e.as<ev::Fork>().child;
                    const int ci = tracks.indexOf(child);
                    if (ci >= 0) {
                        const TreeNode& cn = tracks.nodes[size_t(ci)];
                        const ImU32 cc = startColour(cn.start);
                        const bool own = cn.groupSize == 0 || cn.members.front() == child;
                        const bool onScreen = size_t(ci) >= firstTrack && size_t(ci) < lastTrack;
                        if (own && onScreen) {
                            const float cy = trackY(size_t(ci)) + trackH * 0.5f;
                            dl->AddLine(ImVec2(x, mid), ImVec2(x, cy - r), cc, line * 1.5f);
                            ++tl.forkArrows;
                            arrowHead(dl, ImVec2(x, cy), ImVec2(0, cy >= mid ? 1.0f : -1.0f),
                                      r * 1.6f, cc);
                        } else if (own) {
                            const float dir = size_t(ci) > i ? 1.0f : -1.0f;
                            const float tip = mid + dir * trackH * 0.5f;
                            dl->AddLine(ImVec2(x, mid), ImVec2(x, tip), cc, line);
                            arrowHead(dl, ImVec2(x, tip), ImVec2(0, dir), r, cc);
                        }
                    }
                    dl->AddCircleFilled(ImVec2(x, mid), r * 0.8f, pal.text, 12);
                }
                break;
            case EventKind::Exec:
                dl->AddQuadFilled(ImVec2(x, mid - r * 1.2f), ImVec2(x + r * 1.2f, mid),
                                  ImVec2(x, mid + r * 1.2f), ImVec2(x - r * 1.2f, mid), pal.text);
                break;
            case EventKind::Exit: {
                const bool bad = !e.as<ev::Exit>().status.exited();
                dl->AddLine(ImVec2(x, y + trackH * 0.1f), ImVec2(x, y + trackH * 0.9f),
                            bad ? pal.deadlock : pal.text, line * 2);
                break;
            }
            case EventKind::Deadlock:
                dl->AddRectFilled(ImVec2(x - r * 1.3f, mid - r * 1.3f),
                                  ImVec2(x + r * 1.3f, mid + r * 1.3f), pal.deadlock);
                dl->AddText(ImVec2(x - em * 0.3f, mid - em * 0.5f), IM_COL32_WHITE, "!");
                break;
            case EventKind::Kill:
            case EventKind::KilledBySandbox:
                if (e.pid != p.pid || e.kind == EventKind::KilledBySandbox) {
                    dl->AddLine(ImVec2(x - r, mid - r), ImVec2(x + r, mid + r), pal.deadlock,
                                line * 2);
                    dl->AddLine(ImVec2(x - r, mid + r), ImVec2(x + r, mid - r), pal.deadlock,
                                line * 2);
                } else {
                    dl->AddCircle(ImVec2(x, mid), r, pal.deadlock, 12, line);
                }
                break;
            case EventKind::Output:
                if (x - runEnd > 3.0f) {
                    flushRun();
                    runStart = x;
                }
                runEnd = x;
                break;
            case EventKind::ShmCreate:
            case EventKind::ShmUnlink:
            case EventKind::Leak:
                dl->AddRect(ImVec2(x - r, mid - r), ImVec2(x + r, mid + r),
                            e.kind == EventKind::Leak ? pal.deadlock
                                                      : startColour(StartKind::Tracker),
                            0, 0, line * 1.5f);
                break;
            case EventKind::Marker:
                dl->AddTriangleFilled(ImVec2(x, y + 1), ImVec2(x + r * 1.4f, y + 1 + r * 0.7f),
                                      ImVec2(x, y + 1 + r * 1.4f),
                                      e.as<ev::Marker>().key ? pal.keyMarker : pal.marker);
                break;
            default:
                break;
            }
            if (hovered && !dragged && std::fabs(mouse.y - mid) < trackH * 0.5f) {
                const float d = std::fabs(mouse.x - x) + (important(e) ? 0.0f : em * 0.2f);
                if (d < bestDist) {
                    bestDist = d;
                    bestEvent = ei;
                    bestPid = p.pid;
                }
            }
            // Next mark at least a pixel further right.
            const size_t next = k + 1;
            if (next < evs.size() && xOf(double(trace[evs[next]].t)) < x + 1.0f)
                k = firstAt(trace, evs, next, tOf(x + 1.0f));
            else
                k = next;
        }
        flushRun();
        dl->PopClipRect();
    }
    // The cursor: where the other views are.
    {
        const float x = xOf(cursorT);
        if (x >= area0.x && x <= area1.x) {
            dl->AddLine(ImVec2(x, wp.y), ImVec2(x, area1.y), pal.cursor, line * 1.5f);
            arrowHead(dl, ImVec2(x, wp.y + ruler * 0.55f), ImVec2(0, 1), em * 0.6f, pal.cursor);
        }
    }
    dl->PopClipRect();

    // Fit and zoom-to-step buttons in the top-left corner of the gutter.
    ImGui::SetCursorScreenPos(ImVec2(wp.x, wp.y));
    if (ImGui::SmallButton(tl.fit ? "whole run" : "fit")) tl.fit = true;
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Wheel: zoom at the mouse. Drag: pan. Double-click: whole run.\n"
                          "Click a mark to move the step cursor there.");
    ImGui::SameLine(0, em * 0.3f);
    if (ImGui::SmallButton("step")) tl.zoomToStep = true;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Zoom to the current step (Z)");

    if (bestEvent != SIZE_MAX) {
        ImGui::BeginTooltip();
        ImGui::TextUnformatted(describeEvent(trace, s.world(), bestEvent).c_str());
        ImGui::TextDisabled("at %.3f ms; click to go there", double(trace[bestEvent].t) / 1e6);
        ImGui::EndTooltip();
        if (ImGui::IsMouseReleased(ImGuiMouseButton_Left) && !dragged &&
            ImGui::GetIO().MouseDragMaxDistanceSqr[0] < 9.0f) {
            s.setCursor(s.stepEnd(bestEvent));
            pane.selected = bestPid;
            pane.userSelected = true;
        }
    }
    if (tracks.nodes.empty()) {
        ImGui::SetCursorScreenPos(ImVec2(area0.x + em, area0.y + em));
        ImGui::TextDisabled("The timeline fills in as the run is recorded.");
    }
    ImGui::EndChild();
    ImGui::PopStyleColor();
}

} // namespace forklab::gui
