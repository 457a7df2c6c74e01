/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and says where the time under
 * a given function went: for the JavaScript stages of discover (transform,
 * cluster, profile, publish), the functions that take the time inside them.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A function's time inside one subtree. */
export interface HotFunction {
  name: string;
  /** Time in it and everything it calls, ms (recursion counted once). */
  inclusive_ms: number;
  /** Time in its own code, ms. */
  self_ms: number;
}

/** The time under one root function and the functions that take it. */
export interface HotSpots {
  root: string;
  total_ms: number;
  functions: HotFunction[];
}

const label = (node: ProfileNode): string => {
  const file = node.callFrame.url.split('/').pop() || '(native)';
  return `${node.callFrame.functionName || '(anonymous)'} (${file})`;
};

/**
 * For each function named in `roots` (matched on the function name), sums
 * the samples under its call-tree nodes and ranks the functions below it by
 * inclusive time. Times are milliseconds of samples, so they add up to the
 * root's CPU time on the main thread (worker threads have their own profiles).
 */
export function hotSpots(path: string, roots: string[], top = 8): HotSpots[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  return roots.map((root) => {
    const inclusive = new Map<string, number>();
    const own = new Map<string, number>();
    let total = 0;
    for (const [id, us] of selfUs) {
      // Walk up to the root function; the sample counts only if it is under it.
      const chain: ProfileNode[] = [];
      let underRoot = false;
      for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
        const node = byId.get(x)!;
        if (node.callFrame.functionName === root) {
          underRoot = true;
          break;
        }
        chain.push(node);
      }
      if (!underRoot) continue;
      total += us;
      if (chain.length > 0) own.set(label(chain[0]), (own.get(label(chain[0])) ?? 0) + us);
      for (const name of new Set(chain.map(label))) inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
    const functions = [...inclusive.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, inclusive_ms: Math.round(us / 1000), self_ms: Math.round((own.get(name) ?? 0) / 1000) }));
    return { root, total_ms: Math.round(total / 1000), functions };
  });
}
