// Memory of a headless Chromium run, from /proc (Linux): the RSS of the process tree whose
// browser process was started with `--user-data-dir=<dir>`. Shared by the browser and
// extension benchmarks.
import { readFileSync, readdirSync } from 'node:fs';

const round = (x) => Math.round(x * 10) / 10;

/** {totalMB, largestMB, largestKind, byKind: {kind: largest MB of that kind}, processes} of
 * the browser started on `userDataDir`, or null. */
export function processMemory(userDataDir) {
  const procs = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      procs.push({ pid: Number(pid), ppid, rss, cmd });
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
  return { totalMB: round(mine.reduce((a, p) => a + p.rss, 0)), largestMB: round(largest.rss), largestKind: kind(largest), byKind, processes: mine.length };
}
