// `forklab bench trace`: the trace file's costs on a 1,000,000-event trace made by replicating
// real recordings of the lessons (snapshots included, so the mix of events is real).
#include "BenchTrace.hpp"

#include "core/base/Clock.hpp"
#include "core/lessons/Catalogue.hpp"
#include "core/trace/ChromeExport.hpp"
#include "core/trace/TraceFile.hpp"
#include "core/trace/TraceReader.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <malloc.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>
#include <unistd.h>
#include <unordered_map>

namespace forklab::cli {
namespace {

// Heap bytes in use (malloc's own count: RSS would hide what reuses freed pages).
long heapInUse() {
    struct mallinfo2 m = mallinfo2();
    return long(m.uordblks + m.hblkhd);
}

// Copies src's events into dst, shifted in time and pid, re-interning strings and re-adding
// snapshots, so the copy costs what a recording of the same size would.
void appendCopy(const Trace& src, Trace& dst, int64_t dt, pid_t dpid) {
    auto s = [&](StrId id) { return dst.intern(src.str(id)); };
    std::unordered_map<SnapId, SnapId> snaps; // each snapshot copied once, however often named
    auto snap = [&](SnapId id) {
        if (id == kNoSnap) return kNoSnap;
        auto [it, fresh] = snaps.try_emplace(id, kNoSnap);
        if (fresh) {
            ProcessSnapshot copy = src.snapshot(id);
            copy.pid += dpid;
            it->second = dst.addSnapshot(std::move(copy));
        }
        return it->second;
    };
    for (size_t i = 0; i < src.size(); ++i) {
        Event e = src[i];
        if (e.kind == EventKind::RunStart || e.kind == EventKind::RunEnd) continue;
        e.t += dt;
        if (e.pid) e.pid += dpid;
        std::visit(
            [&](auto& d) {
                using T = std::decay_t<decltype(d)>;
                if constexpr (std::is_same_v<T, ev::Proc>) {
                    d.name = s(d.name);
                    if (d.parent) d.parent += dpid;
                } else if constexpr (std::is_same_v<T, ev::Fork>) {
                    d.child += dpid;
                } else if constexpr (std::is_same_v<T, ev::Exec>) {
                    d.path = s(d.path), d.exe = s(d.exe), d.argv = s(d.argv);
                    d.before = snap(d.before), d.after = snap(d.after);
                } else if constexpr (std::is_same_v<T, ev::Snapshot>) {
                    d.snap = snap(d.snap);
                } else if constexpr (std::is_same_v<T, ev::Output>) {
                    d.text = s(d.text);
                } else if constexpr (std::is_same_v<T, ev::Deadlock>) {
                    d.evidence = s(d.evidence);
                    d.tid += dpid;
                } else if constexpr (std::is_same_v<T, ev::Shm>) {
                    d.name = s(d.name);
                } else if constexpr (std::is_same_v<T, ev::Leak>) {
                    d.name = s(d.name);
                    if (d.creator) d.creator += dpid;
                } else if constexpr (std::is_same_v<T, ev::Marker>) {
                    d.label = s(d.label);
                } else if constexpr (std::is_same_v<T, ev::Annotation>) {
                    d.label = s(d.label), d.target = s(d.target);
                } else if constexpr (std::is_same_v<T, ev::ThreadExit>) {
                    d.tid += dpid;
                } else if constexpr (std::is_same_v<T, ev::Kill>) {
                    if (!d.group) d.target += dpid;
                }
            },
            e.data);
        dst.append(std::move(e));
    }
}

// Counts the bytes written and drops them. The exports are measured into this: the writer's
// speed, not a disk's, nor that of a string grown to hundreds of MB (for the Chrome export,
// growing an ostringstream took ~0.6 s of ~1.7 s).
class CountingBuf : public std::streambuf {
  public:
    size_t bytes = 0;

  protected:
    std::streamsize xsputn(const char*, std::streamsize n) override {
        bytes += size_t(n);
        return n;
    }
    int_type overflow(int_type c) override {
        if (!traits_type::eq_int_type(c, traits_type::eof())) ++bytes;
        return traits_type::not_eof(c);
    }
};

} // namespace

int benchTrace(size_t targetEvents, const std::string& jsonPath, const std::string& savePath) {
    // 1. Real recordings: every lesson under every method.
    std::vector<std::unique_ptr<Trace>> recordings;
    // The C++ lessons: the mix the aims were set against, and no dependence on a CPython here.
    for (auto& l : lessons())
        for (StartMethod m : kAllMethods) {
            if (l.python()) continue;
            auto t = std::make_unique<Trace>();
            runSandbox(lessonRun(l, m, l.id == "launch-latency" ? "3" : ""), *t);
            recordings.push_back(std::move(t));
        }
    // 2. Replicate them into one trace of targetEvents events.
    Trace big;
    big.append(Event{
        0, 0, EventKind::RunStart,
        ev::RunStart{big.intern("forklab bench trace (replicated lessons)"), 0, 256, 60000, 1000}});
    int64_t t = 0;
    pid_t dpid = 0;
    for (size_t round = 0; big.size() < targetEvents; ++round) {
        const Trace& r = *recordings[round % recordings.size()];
        appendCopy(r, big, t, dpid);
        t += r[r.size() - 1].t + 1000;
        dpid += 64;
    }
    big.append(Event{t, 0, EventKind::RunEnd, ev::RunEnd{EndReason::AllExited, WaitStatus(), 0}});
    size_t events = big.size();

    // 3. Each measurement three times (this machine is shared: one run can be 30% off); the
    // median is reported, with the range. Exports go into a sink that counts and drops the bytes.
    struct Runs {
        std::array<int64_t, 3> ns{};
        int64_t median() const {
            auto s = ns;
            std::sort(s.begin(), s.end());
            return s[1];
        }
        int64_t min() const { return *std::min_element(ns.begin(), ns.end()); }
        int64_t max() const { return *std::max_element(ns.begin(), ns.end()); }
    };
    auto timedExport = [&](auto write, Runs* runs) {
        size_t bytes = 0;
        for (int64_t& ns : runs->ns) {
            CountingBuf sink;
            std::ostream out(&sink);
            int64_t t0 = monotonicNs();
            write(big, out);
            ns = monotonicNs() - t0;
            bytes = sink.bytes;
        }
        return bytes;
    };
    Runs jsonlRuns, chromeRuns, importRuns, decodeRuns;
    size_t jsonlBytes = timedExport(&writeJsonl, &jsonlRuns);
    size_t chromeBytes = timedExport(&writeChromeJson, &chromeRuns);
    std::ostringstream jsonl;
    writeJsonl(big, jsonl);
    std::string text = jsonl.str();
    jsonl.str("");
    if (!savePath.empty()) {
        std::ofstream save(savePath, std::ios::binary);
        if (!save.write(text.data(), std::streamsize(text.size())).flush()) {
            fprintf(stderr, "forklab bench trace: cannot write %s\n", savePath.c_str());
            return 1;
        }
    }

    // 4. Import (reusing known tables, then decoding every table: what the reuse saves), and the
    // heap the first loaded trace holds.
    double perEvent = 0;
    for (KnownTables known : {KnownTables::Reuse, KnownTables::Decode}) {
        Runs& runs = known == KnownTables::Reuse ? importRuns : decodeRuns;
        for (int64_t& ns : runs.ns) {
            std::istringstream in(text);
            long before = heapInUse();
            auto imported = std::make_unique<Trace>();
            int64_t t0 = monotonicNs();
            auto error = readJsonl(in, *imported, known);
            ns = monotonicNs() - t0;
            if (error) {
                fprintf(stderr, "forklab bench trace: import failed: %s\n", error->c_str());
                return 1;
            }
            if (perEvent == 0) perEvent = double(heapInUse() - before) / double(imported->size());
        }
    }

    auto mbps = [](size_t bytes, int64_t ns) { return double(bytes) / 1e6 / (double(ns) / 1e9); };
    auto evps = [&](int64_t ns) { return double(events) / (double(ns) / 1e9); };
    printf("forklab bench trace: %zu events (%zu recordings of every lesson × method, "
           "replicated), %zu snapshots; each measured 3 times: median (slowest – fastest)\n\n",
           events, recordings.size(), big.snapshotCount());
    for (auto [name, runs, bytes] : {std::tuple{"export JSONL", &jsonlRuns, jsonlBytes},
                                     std::tuple{"export Chrome JSON", &chromeRuns, chromeBytes}})
        printf("%-28s %8.1f MB/s  (%.1f – %.1f)  %.1f MB, counted and dropped (no disk)\n", name,
               mbps(bytes, runs->median()), mbps(bytes, runs->max()), mbps(bytes, runs->min()),
               bytes / 1e6);
    printf("%-28s %8.0f ev/s  (%.0f – %.0f)  %.1f MB/s\n", "import JSONL",
           evps(importRuns.median()), evps(importRuns.max()), evps(importRuns.min()),
           mbps(text.size(), importRuns.median()));
    printf("%-28s %8.0f ev/s  (%.0f – %.0f)  reusing known tables is %.2fx faster\n",
           "import, every table decoded", evps(decodeRuns.median()), evps(decodeRuns.max()),
           evps(decodeRuns.min()), double(decodeRuns.median()) / double(importRuns.median()));
    printf("%-28s %8.0f bytes per event (heap in use by the imported trace)\n", "memory", perEvent);
    printf("\n(The replicas repeat each other's snapshot tables, so reusing and sharing tables\n"
           "helps here more than in a single recording.)\n");
    if (!jsonPath.empty()) {
        nlohmann::json j{{"events", events},
                         {"snapshots", big.snapshotCount()},
                         {"export_jsonl_mb_per_s", mbps(jsonlBytes, jsonlRuns.median())},
                         {"export_chrome_mb_per_s", mbps(chromeBytes, chromeRuns.median())},
                         {"import_events_per_s", evps(importRuns.median())},
                         {"import_decoding_every_table_events_per_s", evps(decodeRuns.median())},
                         {"resident_bytes_per_event", perEvent}};
        std::ofstream(jsonPath) << j.dump(2) << '\n';
        printf("wrote %s\n", jsonPath.c_str());
    }
    return 0;
}

} // namespace forklab::cli
