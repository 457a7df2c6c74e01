/**
 * The manifest written beside every export (`<out>.manifest.json`): which run
 * the file came from, what was asked for, how many customers went in and were
 * left out, whether ids are pseudonyms, and the sha256 of the file, so a
 * file found in a marketing tool can be traced back and checked.
 */
import type { ExportRun } from './runDirectory.ts';
import { SEGMENTA_VERSION } from '../version.ts';
import type { AudienceKind } from './audiences.ts';
import type { ExportFormat } from './outputFormat.ts';

/** The format tag of export manifests. */
export const EXPORT_MANIFEST_FORMAT = 'segmenta.export-manifest/v1';

/** Where the exported data came from. */
export interface ExportSource {
  /** Absolute path of the run directory. */
  run: string;
  /** The run's input file and its sha256 (from the run's manifest.json). */
  input_path: string | null;
  input_sha256: string | null;
  as_of: string | null;
  /** Customers in the run. */
  customers: number;
}

/** One written file. */
export interface ExportedFile {
  path: string;
  sha256: string;
  bytes: number;
}

/** Fields every export manifest has. */
interface ManifestBase {
  format: typeof EXPORT_MANIFEST_FORMAT;
  segmenta_version: string;
  created_at: string;
  source: ExportSource;
}

/** The manifest of an audience file. */
export interface AudienceExportManifest extends ManifestBase {
  kind: 'audience';
  file: ExportedFile & { format: ExportFormat; bom: boolean; columns: string[] };
  filters: {
    segments: Array<{ id: number; name: string }>;
    rfm_segments: string[];
    lifecycle: string[];
    /** `given` or the kinds in priority order (see src/export/priority.ts). */
    priority: string;
    /** Audiences in priority order; a customer goes to the first it belongs to. */
    audiences: Array<{ rank: number; kind: AudienceKind; given: string; label: string }>;
  };
  rows: {
    /** Customers in the run. */
    run_customers: number;
    /** Customers in at least one audience (all customers without filters). */
    matched: number;
    /** Matched customers that belong to more than one audience (placed by priority). */
    in_several_audiences: number;
    /** Matched customers left out because they are on the suppression list. */
    suppressed: number;
    /** Rows in the file. */
    exported: number;
    /** Rows per audience label, after priority and suppression. */
    by_audience: Record<string, number>;
  };
  suppression: { path: string; sha256: string; shape: 'lines' | 'csv'; ids: number; ids_not_in_run: number } | null;
  pseudonymized: boolean;
  pseudonym: { algorithm: 'HMAC-SHA256'; key_env: string; key_fingerprint: string } | null;
}

/** The manifest of a segment profile sheet. */
export interface ProfilesExportManifest extends ManifestBase {
  kind: 'profiles';
  lang: string;
  segments: number;
  files: ExportedFile[];
}

/** The `source` block for a run. */
export function exportSource(run: ExportRun): ExportSource {
  return {
    run: run.dir,
    input_path: run.manifest.input?.path ?? null,
    input_sha256: run.manifest.input?.sha256 ?? null,
    as_of: run.segments.as_of ?? run.manifest.as_of ?? null,
    customers: run.segments.segments.reduce((sum, s) => sum + s.size, 0),
  };
}

/** Fields every manifest starts with. */
export function manifestBase(run: ExportRun, now: Date = new Date()): ManifestBase {
  return { format: EXPORT_MANIFEST_FORMAT, segmenta_version: SEGMENTA_VERSION, created_at: now.toISOString(), source: exportSource(run) };
}

/** `<out>.manifest.json`: the manifest path beside an exported file. */
export function manifestPathFor(out: string): string {
  return `${out}.manifest.json`;
}
