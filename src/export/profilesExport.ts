/**
 * `segmenta export --profiles`: the segment profile sheet of a run as
 * `profiles.md` and a printable `profiles.html`, in English or German, with a
 * manifest beside them.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { withDatabase } from '../db/database.ts';
import { InputError, show } from '../errors.ts';
import { LANGS, parseLang, type Lang } from '../segments/i18n.ts';
import { sha256File, writeFilesAtomically } from './atomicFiles.ts';
import { manifestBase, type ProfilesExportManifest } from './exportManifest.ts';
import { buildProfileSheet } from './profileSheet.ts';
import { renderProfilesHtml } from './profilesHtml.ts';
import { renderProfilesMarkdown } from './profilesMarkdown.ts';
import { assertOutsideRun, openRun } from './runDirectory.ts';

/** What a profile sheet export is asked to do. */
export interface ProfilesExportOptions {
  run: string;
  /** A directory (gets profiles.md and profiles.html), or a `.md` or `.html` file name (its sibling gets the other). */
  out: string;
  /** `en` (default) or `de`. */
  lang?: string;
}

/** Where the sheet goes. */
export interface ProfilePaths {
  markdown: string;
  html: string;
  manifest: string;
}

/** What was written. */
export interface ProfilesExportResult extends ProfilePaths {
  manifestData: ProfilesExportManifest;
}

/**
 * The three paths for `--out`: `DIR` → `DIR/profiles.{md,html}` and
 * `DIR/profiles.manifest.json`; `NAME.md` or `NAME.html` → `NAME.md`,
 * `NAME.html` and `NAME.manifest.json` side by side.
 *
 * @throws {InputError} when `out` names an existing file that is neither .md nor .html.
 */
export function profilePaths(out: string): ProfilePaths {
  const absolute = resolve(out);
  const extension = extname(absolute).toLowerCase();
  if (extension === '.md' || extension === '.html' || extension === '.htm') {
    const stem = join(dirname(absolute), basename(absolute, extname(absolute)));
    return {
      markdown: extension === '.md' ? absolute : `${stem}.md`,
      html: extension === '.md' ? `${stem}.html` : absolute,
      manifest: `${stem}.manifest.json`,
    };
  }
  if (existsSync(absolute) && !statSync(absolute).isDirectory()) {
    throw new InputError(`--out ${show(out)}: is a file; --profiles expects a directory or a .md or .html file name`);
  }
  return { markdown: join(absolute, 'profiles.md'), html: join(absolute, 'profiles.html'), manifest: join(absolute, 'profiles.manifest.json') };
}

/**
 * Writes the profile sheet and its manifest, all three or none.
 *
 * @throws {InputError} for an unsupported language, a missing run or a bad `--out`.
 */
export async function exportProfiles(options: ProfilesExportOptions): Promise<ProfilesExportResult> {
  const lang = langFlag(options.lang ?? 'en');
  const run = openRun(options.run);
  const paths = profilePaths(options.out);
  assertOutsideRun(options.out, paths.markdown, run.dir);
  const sheet = await withDatabase({}, async ({ connection }) => {
    await connection.run('CREATE TEMP TABLE export_customers AS SELECT * FROM read_parquet($path)', { path: run.customersPath });
    return buildProfileSheet(connection, 'export_customers', run, lang);
  });
  const manifestData = await writeFilesAtomically([paths.markdown, paths.html, paths.manifest], async ([md, html, manifest]) => {
    writeFileSync(md, renderProfilesMarkdown(sheet));
    writeFileSync(html, renderProfilesHtml(sheet));
    const data: ProfilesExportManifest = {
      ...manifestBase(run),
      kind: 'profiles',
      lang,
      segments: sheet.segments.length,
      files: [
        { path: paths.markdown, sha256: await sha256File(md), bytes: statSync(md).size },
        { path: paths.html, sha256: await sha256File(html), bytes: statSync(html).size },
      ],
    };
    writeFileSync(manifest, `${JSON.stringify(data, null, 2)}\n`);
    return data;
  });
  return { ...paths, manifestData };
}

/** `--lang`, with the flag named in the message. */
function langFlag(value: string): Lang {
  try {
    return parseLang(value);
  } catch {
    throw new InputError(`--lang ${show(value)}: expected one of: ${LANGS.join(', ')}`);
  }
}
