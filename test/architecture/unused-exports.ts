/**
 * Finds the exports of a project's `src/` that neither `src/` nor `scripts/` imports: members that exist only
 * for tests, or for nobody. Tests exercise a module through what the rest of the code calls, so an export that
 * only a test imports is a second, untested-in-production surface to keep working.
 *
 * Read with the TypeScript compiler API, so every form of use counts: named, renamed, namespace and type-only
 * imports, `import('…').Type` references and re-exports (a re-exported member is used through its re-export).
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * The exports of `src/**\/*.ts` under `root` that no other file of `src/` or `scripts/` uses, as `file: export`
 * (paths relative to `root`), sorted. Not reported:
 * - the exports of `entryPoints` (files started as programs: their exports are their in-process interface);
 * - a type-only export named in the declaration of an export of its own file that is itself used (outside
 *   function bodies), e.g. the options type of an exported function: callers need to name it.
 */
export function unusedExports(root: string, entryPoints: readonly string[]): string[] {
  const program = createProgram(root);
  const checker = program.getTypeChecker();
  const files = program
    .getSourceFiles()
    .map((file) => ({ file, name: relative(root, file.fileName).split('\\').join('/') }))
    .filter(({ file, name }) => !file.isDeclarationFile && (name.startsWith('src/') || name.startsWith('scripts/')));

  const usedFrom = usesByFile(checker, files);
  const unused: string[] = [];
  for (const { file, name } of files) {
    if (!name.startsWith('src/') || entryPoints.includes(name)) continue;
    const module = checker.getSymbolAtLocation(file);
    if (module === undefined) continue;
    const exported = checker.getExportsOfModule(module);
    const used = new Set(exported.filter((symbol) => [...(usedFrom.get(symbol) ?? [])].some((user) => user !== name)));
    for (const symbol of publicTypes(checker, exported, used)) used.add(symbol);
    for (const symbol of exported) if (!used.has(symbol)) unused.push(`${name}: ${symbol.name}`);
  }
  return unused.sort();
}

/** A program over `src/` and `scripts/` of `root`, with the compiler options of this repository. */
function createProgram(root: string): ts.Program {
  const ownConfig = join(import.meta.dirname, '../../tsconfig.json');
  const parsed = ts.parseJsonConfigFileContent(JSON.parse(readFileSync(ownConfig, 'utf8')), ts.sys, root);
  const rootNames = ['src', 'scripts'].flatMap((dir) => ts.sys.readDirectory(join(root, dir), ['.ts']));
  return ts.createProgram(rootNames, { ...parsed.options, noEmit: true });
}

/** Every symbol a file refers to, mapped to the files that refer to it; an alias counts for every step it goes through. */
function usesByFile(checker: ts.TypeChecker, files: readonly { file: ts.SourceFile; name: string }[]): Map<ts.Symbol, Set<string>> {
  const uses = new Map<ts.Symbol, Set<string>>();
  const mark = (start: ts.Symbol | undefined, user: string): void => {
    const seen = new Set<ts.Symbol>();
    for (let symbol = start; symbol !== undefined && !seen.has(symbol);) {
      seen.add(symbol);
      const users = uses.get(symbol) ?? new Set<string>();
      users.add(user);
      uses.set(symbol, users);
      symbol = symbol.flags & ts.SymbolFlags.Alias ? checker.getImmediateAliasedSymbol(symbol) : undefined;
    }
  };
  for (const { file, name } of files) {
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) mark(checker.getSymbolAtLocation(node), name);
      if (ts.isExportSpecifier(node)) mark(checker.getExportSpecifierLocalTargetSymbol(node), name);
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return uses;
}

/** The type-only members of `exported` named by the declarations of `used` ones, and of those, transitively. */
function publicTypes(checker: ts.TypeChecker, exported: readonly ts.Symbol[], used: ReadonlySet<ts.Symbol>): Set<ts.Symbol> {
  const target = (symbol: ts.Symbol): ts.Symbol => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  const byTarget = new Map(exported.map((symbol) => [target(symbol), symbol]));
  const found = new Set<ts.Symbol>();
  const pending = [...used];
  const visit = (node: ts.Node): void => {
    // A function's body is its own business; its parameters and result are what callers see.
    if (ts.isFunctionLike(node)) {
      for (const part of [...(node.typeParameters ?? []), ...node.parameters]) visit(part);
      if (node.type !== undefined) visit(node.type);
      return;
    }
    if (ts.isIdentifier(node)) {
      const symbol = checker.getSymbolAtLocation(node);
      const member = symbol === undefined ? undefined : byTarget.get(target(checker.getExportSymbolOfSymbol(symbol)));
      if (member !== undefined && isTypeOnly(target(member)) && !used.has(member) && !found.has(member)) {
        found.add(member);
        pending.push(member);
      }
    }
    ts.forEachChild(node, visit);
  };
  for (let symbol = pending.pop(); symbol !== undefined; symbol = pending.pop()) {
    for (const declaration of target(symbol).declarations ?? []) visit(declaration);
  }
  return found;
}

function isTypeOnly(symbol: ts.Symbol): boolean {
  return (symbol.flags & ts.SymbolFlags.Type) !== 0 && (symbol.flags & ts.SymbolFlags.Value) === 0;
}
