import { PassThrough } from 'node:stream';
import type { Command, Option } from 'commander';
import { buildProgram } from '../cli/main.ts';

/** The commands whose flags the README lists, in the order it lists them. */
export const DOCUMENTED_COMMANDS = ['discover', 'refresh', 'export', 'explain', 'report', 'validate-value'] as const;

/**
 * Renders one command's flags as a Markdown table (flag, default, meaning)
 * straight from its commander definition, so `--help` and the README say
 * the same thing.
 */
export function renderFlagTableMarkdown(commandName: (typeof DOCUMENTED_COMMANDS)[number]): string {
  const sink = new PassThrough();
  const command = buildProgram({ stdout: sink, stderr: sink }).commands.find((c: Command) => c.name() === commandName);
  if (!command) throw new Error(`no command ${commandName}`);
  const rows = (command.options as readonly Option[])
    .filter((option) => !option.hidden)
    .map((option) => [`\`${flagText(option)}\``, defaultText(option), escapeCell(option.description)]);
  return [['flag', 'default', 'meaning'], ['---', '---', '---'], ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** `--input <file>` → `--input FILE`; `[n]` optional arguments keep their brackets. */
function flagText(option: Option): string {
  const flags = option.flags.replace(/<([^>]+)>/g, (_, name: string) => placeholder(name)).replace(/\[([^\]]+)\]/g, (_, name: string) => `[${placeholder(name)}]`);
  return flags.replace(/\|/g, '\\|');
}

/** `nameOrId...` → `NAME_OR_ID...` */
function placeholder(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase();
}

function defaultText(option: Option): string {
  if (option.mandatory) return '(required)';
  if (option.negate || option.defaultValue === undefined || typeof option.defaultValue === 'boolean') return '';
  const value = Array.isArray(option.defaultValue) ? option.defaultValue.join(',') : String(option.defaultValue);
  return `\`${value}\``;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
