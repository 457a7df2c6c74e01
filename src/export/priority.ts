/**
 * The priority rule that puts every customer in exactly one audience when
 * several are exported together: the customer goes to the first audience, in
 * priority order, that it belongs to.
 *
 * Priority order:
 * - `given` (the default): the order the filters were given on the command
 *   line, across flags (`--lifecycle inactive --segment 0` ranks the
 *   lifecycle audience first).
 * - a list of kinds, e.g. `lifecycle,rfm,segment`: audiences of a kind listed
 *   earlier come first; kinds not listed come after the listed ones; within a
 *   kind, command-line order.
 * - a priority file (`config/priority.example.json`, a path ending in
 *   `.json`): the file's rules define the audiences and their order
 *   (src/rules/priority.ts, docs/b2b.md).
 */
import { InputError, show } from '../errors.ts';
import { AUDIENCE_KINDS, type Audience, type AudienceKind } from './audiences.ts';
import { loadPriorityRules, type PriorityRules } from '../rules/priority.ts';

/** A parsed `--priority`. */
export type Priority = { rule: 'given' } | { rule: 'kinds'; kinds: AudienceKind[] } | { rule: 'file'; rules: PriorityRules };

/** The words `--priority` accepts for each kind (the flag name works too). */
const KIND_WORDS: Readonly<Record<string, AudienceKind>> = {
  segment: 'segment',
  segments: 'segment',
  rfm: 'rfm',
  'rfm-segment': 'rfm',
  rfm_segment: 'rfm',
  lifecycle: 'lifecycle',
};

/**
 * Parses `--priority given` or `--priority KIND,KIND,...`.
 *
 * @throws {InputError} for an unknown or repeated kind.
 */
export function parsePriority(text: string | undefined): Priority {
  if (text !== undefined && /\.json$/i.test(text.trim())) return { rule: 'file', rules: loadPriorityRules(text.trim()) };
  const value = (text ?? 'given').trim().toLowerCase();
  if (value === 'given') return { rule: 'given' };
  const kinds: AudienceKind[] = [];
  for (const part of value.split(',').map((p) => p.trim())) {
    const kind = KIND_WORDS[part];
    if (!kind) {
      throw new InputError(`--priority ${show(text)}: unknown kind ${show(part)}; expected given, or a comma-separated order of: ${AUDIENCE_KINDS.join(', ')}`);
    }
    if (kinds.includes(kind)) throw new InputError(`--priority ${show(text)}: ${kind} is listed twice`);
    kinds.push(kind);
  }
  return { rule: 'kinds', kinds };
}

/** The audiences in priority order; the first one a customer belongs to is its audience. */
export function orderAudiences(audiences: readonly Audience[], priority: Priority): Audience[] {
  if (priority.rule !== 'kinds') return [...audiences].sort((a, b) => a.position - b.position);
  const rank = (kind: AudienceKind) => {
    const index = priority.kinds.indexOf(kind);
    return index >= 0 ? index : priority.kinds.length;
  };
  return [...audiences].sort((a, b) => rank(a.kind) - rank(b.kind) || a.position - b.position);
}

/** The rule as the export manifest records it: `"given"` or the kinds in order. */
export function describePriority(priority: Priority): string {
  if (priority.rule === 'file') return `file:${priority.rules.path}`;
  return priority.rule === 'given' ? 'given' : priority.kinds.join(',');
}
