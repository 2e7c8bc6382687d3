// Memory of a headless Chromium run, from /proc (Linux): the RSS of the process tree whose
// browser process was started with `--user-data-dir=<dir>`, and each process's private
// memory (USS: `Private_Clean + Private_Dirty` of smaps_rollup, the pages no other process
// maps; RSS also counts the Chromium binary's and libraries' pages every process shares).
// Shared by the browser and extension benchmarks.
import { readFileSync, readdirSync } from 'node:fs';

const round = (x) => Math.round(x * 10) / 10;

/** Private memory of a process in MB (null where smaps_rollup cannot be read). */
function privateMB(pid) {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? NaN);
    const v = (kb('Private_Clean') + kb('Private_Dirty')) / 1024;
    return Number.isFinite(v) ? v : null;
  } catch { return null; }
}

/** {totalMB, largestMB, largestKind, byKind: {kind: largest MB of that kind}, processes,
 * and by private memory: largestPrivateMB, largestPrivateKind, privateByKind} of the
 * browser started on `userDataDir`, or null. */
export function processMemory(userDataDir) {
  const procs = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      procs.push({ pid: Number(pid), ppid, rss, cmd, private: privateMB(pid) });
    } catch { /* gone */ }
  }
  const root = procs.find((p) => p.cmd.includes(`--user-data-dir=${userDataDir}`) && !p.cmd.includes('--type='));
  if (!root) return null;
  const tree = new Set([root.pid]);
  for (let grew = true; grew;) { grew = false; for (const p of procs) if (!tree.has(p.pid) && tree.has(p.ppid)) { tree.add(p.pid); grew = true; } }
  const mine = procs.filter((p) => tree.has(p.pid));
  const largest = mine.reduce((a, b) => (b.rss > a.rss ? b : a));
  const kind = (p) => /--type=(\S+)/.exec(p.cmd)?.[1] ?? 'browser';
  const byKind = {};
  for (const p of mine) byKind[kind(p)] = round(Math.max(byKind[kind(p)] ?? 0, p.rss));
  const own = mine.filter((p) => p.private !== null);
  const largestOwn = own.length ? own.reduce((a, b) => (b.private > a.private ? b : a)) : null;
  const privateByKind = {};
  for (const p of own) privateByKind[kind(p)] = round(Math.max(privateByKind[kind(p)] ?? 0, p.private));
  return {
    totalMB: round(mine.reduce((a, p) => a + p.rss, 0)), largestMB: round(largest.rss), largestKind: kind(largest), byKind, processes: mine.length,
    largestPrivateMB: largestOwn && round(largestOwn.private), largestPrivateKind: largestOwn && kind(largestOwn), privateByKind,
  };
}

/** Samples `processMemory(userDataDir)` every `everyMs` until `stop()`, which returns the
 * largest of each figure seen (each on its own: the largest process by RSS and the largest
 * by private memory may be different processes, at different moments), or null if no
 * sample found the browser. */
export function memoryPeak(userDataDir, everyMs = 250) {
  let peak = null;
  const max = (a = {}, b = {}) => Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, Math.max(a[k] ?? 0, b[k] ?? 0)]));
  const sample = () => {
    const m = processMemory(userDataDir);
    if (!m) return;
    if (!peak) { peak = { ...m, samples: 1 }; return; }
    if (m.largestMB > peak.largestMB) Object.assign(peak, { largestMB: m.largestMB, largestKind: m.largestKind });
    if ((m.largestPrivateMB ?? 0) > (peak.largestPrivateMB ?? 0)) Object.assign(peak, { largestPrivateMB: m.largestPrivateMB, largestPrivateKind: m.largestPrivateKind });
    Object.assign(peak, { totalMB: Math.max(peak.totalMB, m.totalMB), byKind: max(peak.byKind, m.byKind), privateByKind: max(peak.privateByKind, m.privateByKind), processes: Math.max(peak.processes, m.processes), samples: peak.samples + 1 });
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return { stop: () => { clearInterval(timer); sample(); return peak; } };
}
