/**
 * Compiles one notebook cell of TypeScript into the body of an async
 * function that the session runs, so that cells behave like a REPL:
 *
 * - types are stripped by TypeScript's own transpiler (no type check: the
 *   cells run the way `tsx` runs the CLI);
 * - top-level `const`/`let`/`var`, functions and classes become globals, so
 *   a later cell sees what an earlier one declared (and re-running a cell
 *   simply redefines them);
 * - `import … from '…'` becomes `await` of a dynamic import through the
 *   session's loader, which resolves relative paths against the notebook's
 *   directory and goes through tsx, so `../src/report/index.ts` works with
 *   its explicit extension;
 * - top-level `await` works;
 * - the value of a final expression statement is the cell's result.
 */
import ts from 'typescript';

/** The name the compiled body uses for the session's helpers (its only parameter). */
export const KERNEL_PARAMETER = '__segmenta_kernel';

/** A compiled cell: the async function body and the global names it defines. */
export interface CompiledCell {
  body: string;
  /** Names the cell declares at top level (they become globals). */
  declares: string[];
}

/** A cell that cannot be compiled: a syntax error with its line and column. */
export class CellSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyntaxError';
  }
}

const TRANSPILE_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  // Keep every value import as written: a name imported in one cell may only be used in the next.
  verbatimModuleSyntax: true,
  moduleDetection: ts.ModuleDetectionKind.Force,
  useDefineForClassFields: true,
  sourceMap: false,
};

/**
 * Compiles a cell.
 *
 * @param source - the cell's TypeScript.
 * @param name - a name for stack traces (`cell-3`).
 * @throws CellSyntaxError when the TypeScript does not parse.
 */
export function compileCell(source: string, name = 'cell'): CompiledCell {
  const transpiled = ts.transpileModule(source, { compilerOptions: TRANSPILE_OPTIONS, reportDiagnostics: true, fileName: `${name}.ts` });
  const syntax = (transpiled.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (syntax.length > 0) throw new CellSyntaxError(syntax.map((d) => formatDiagnostic(d)).join('\n'));
  const js = routeDynamicImports(transpiled.outputText);
  const file = ts.createSourceFile(`${name}.js`, js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);

  const declares = new Set<string>();
  const hoisted: string[] = [];
  const statements: string[] = [];
  const last = file.statements.filter((s) => !isEmptyExport(s)).at(-1);
  for (const statement of file.statements) {
    const text = statement.getText(file);
    if (isEmptyExport(statement)) {
      // `export {}`: the transpiler's module marker for a cell without imports.
      continue;
    } else if (ts.isExportDeclaration(statement) || ts.isExportAssignment(statement) || hasExportModifier(statement)) {
      throw new CellSyntaxError(`${name}: a notebook cell cannot export; declare the value instead (it is visible to later cells)`);
    } else if (ts.isImportDeclaration(statement)) {
      statements.push(rewriteImport(statement, file, declares));
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        bindingNames(declaration.name, declares);
        const target = declaration.name.getText(file);
        const value = declaration.initializer ? declaration.initializer.getText(file) : 'undefined';
        // Parenthesised, so an object pattern is read as an assignment, not a block.
        statements.push(`(${target} = ${value});`);
      }
    } else if (ts.isFunctionDeclaration(statement) && statement.name) {
      declares.add(statement.name.text);
      // Function declarations stay hoisted within the cell; the global is set before anything runs.
      statements.push(text);
      hoisted.push(`globalThis[${JSON.stringify(statement.name.text)}] = ${statement.name.text};`);
    } else if (ts.isClassDeclaration(statement) && statement.name) {
      declares.add(statement.name.text);
      statements.push(`${statement.name.text} = ${text};`);
    } else if (statement === last && ts.isExpressionStatement(statement)) {
      statements.push(`return (${statement.expression.getText(file)});`);
    } else {
      statements.push(text);
    }
  }
  // Globals exist before the cell assigns them, so plain assignments reach them in strict code too.
  const prelude = [...declares].map((n) => `if (!(${JSON.stringify(n)} in globalThis)) globalThis[${JSON.stringify(n)}] = undefined;`);
  return {
    body: [...prelude, ...hoisted, ...statements, `//# sourceURL=${name}`].join('\n'),
    declares: [...declares],
  };
}

function formatDiagnostic(d: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (d.file && d.start !== undefined) {
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `line ${line + 1}, column ${character + 1}: ${message}`;
  }
  return message;
}

function isEmptyExport(statement: ts.Statement): boolean {
  return (
    ts.isExportDeclaration(statement) &&
    !statement.moduleSpecifier &&
    !!statement.exportClause &&
    ts.isNamedExports(statement.exportClause) &&
    statement.exportClause.elements.length === 0
  );
}

function hasExportModifier(statement: ts.Statement): boolean {
  return ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/**
 * `import('x')` anywhere in the cell goes through the session's loader: code
 * built with the Function constructor has no module of its own to resolve
 * relative specifiers against.
 */
function routeDynamicImports(js: string): string {
  const file = ts.createSourceFile('cell.js', js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const starts: number[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) starts.push(node.expression.getStart(file));
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = js;
  for (const start of starts.sort((a, b) => b - a)) out = `${out.slice(0, start)}${KERNEL_PARAMETER}.import${out.slice(start + 'import'.length)}`;
  return out;
}

function rewriteImport(statement: ts.ImportDeclaration, file: ts.SourceFile, declares: Set<string>): string {
  const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
  const load = `await ${KERNEL_PARAMETER}.import(${JSON.stringify(specifier)})`;
  const clause = statement.importClause;
  if (!clause) return `${load};`;
  const parts: string[] = [];
  if (clause.name) {
    declares.add(clause.name.text);
    parts.push(`default: ${clause.name.text}`);
  }
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) {
    declares.add(bindings.name.text);
    const namespace = `(${bindings.name.text} = ${load});`;
    return parts.length > 0 ? `${namespace}\n({ ${parts.join(', ')} } = ${bindings.name.text});` : namespace;
  }
  if (bindings && ts.isNamedImports(bindings)) {
    for (const element of bindings.elements) {
      declares.add(element.name.text);
      const imported = element.propertyName ? element.propertyName.getText(file) : element.name.text;
      parts.push(imported === element.name.text ? imported : `${imported}: ${element.name.text}`);
    }
  }
  return parts.length > 0 ? `({ ${parts.join(', ')} } = ${load});` : `${load};`;
}

function bindingNames(name: ts.BindingName, into: Set<string>): void {
  if (ts.isIdentifier(name)) into.add(name.text);
  else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bindingNames(element.name, into);
}
