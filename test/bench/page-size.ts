/**
 * The viewer page's weight, as a phone on mobile data downloads it: every JavaScript file the built
 * page loads before it can run (its module script, its modulepreloads and, transitively, the static
 * imports of those chunks), gzipped at level 9, summed; CSS likewise, separately. Chunks reached only
 * by dynamic `import()` are listed but not counted (the page does not need them to start).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

export const VIEWER_JS_BUDGET_BYTES = 150 * 1024;

export interface PageFile {
  /** URL path as the page asks for it, e.g. /assets/viewer-abc.js. */
  path: string;
  kind: 'js' | 'css';
  /** How the page reaches it: 'module script', 'modulepreload', 'stylesheet', 'import from <path>'. */
  via: string;
  bytes: number;
  gzipBytes: number;
}

export interface PageSize {
  page: string;
  jsBytes: number;
  jsGzipBytes: number;
  cssBytes: number;
  cssGzipBytes: number;
  files: PageFile[];
  /** Chunks only reached by dynamic import() (not counted). */
  lazyFiles: Array<{ path: string; gzipBytes: number }>;
  budgetBytes: number;
  withinBudget: boolean;
  /** budgetBytes − jsGzipBytes (negative: over budget). */
  headroomBytes: number;
}

const attr = (tag: string, name: string) => new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag)?.slice(2).find((v) => v !== undefined);

/** Static `import … from "./x.js"`, `import "./x.js"` and `export … from "./x.js"` of a built chunk. */
export function staticImports(code: string): string[] {
  const found = new Set<string>();
  // Not preceded by an identifier character or a dot (`x.import`), not followed by `(` (dynamic).
  const re = /(?<![\w$.])(?:import|export)\s*(?:(?:[\w$]+\s*,?\s*)?(?:\{[^}]*\}|\*\s*(?:as\s+[\w$]+)?)?\s*from\s*)?(["'`])([^"'`\n]+?\.m?js)\1/g;
  for (const m of code.matchAll(re)) found.add(m[2]!);
  return [...found];
}

export function dynamicImports(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(/(?<![\w$.])import\(\s*(["'`])([^"'`\n]+?\.m?js)\1\s*\)/g)) found.add(m[2]!);
  return [...found];
}

export function measurePageSize(distRenderer: string, page = 'viewer'): PageSize {
  const htmlPath = join(distRenderer, page, 'index.html');
  if (!existsSync(htmlPath)) throw new Error(`${relative(process.cwd(), htmlPath)} is missing: run \`npm run build:pages\``);
  const html = readFileSync(htmlPath, 'utf8');
  const pageUrl = `/${page === 'viewer' ? '' : `${page}/`}`;
  const fileFor = (urlPath: string) => join(distRenderer, urlPath.replace(/^\//, ''));
  const resolveUrl = (from: string, spec: string) => (spec.startsWith('/') ? spec : posix.join(posix.dirname(from), spec));

  const files: PageFile[] = [];
  const seen = new Set<string>();
  const lazy = new Set<string>();
  const add = (urlPath: string, kind: 'js' | 'css', via: string) => {
    if (seen.has(urlPath)) {
      const known = files.find((f) => f.path === urlPath);
      if (known && !known.via.includes(via)) known.via += `; ${via}`;
      return;
    }
    seen.add(urlPath);
    const path = fileFor(urlPath);
    if (!existsSync(path)) throw new Error(`${page} page loads ${urlPath}, which is not in ${relative(process.cwd(), distRenderer)}`);
    const buf = readFileSync(path);
    files.push({ path: urlPath, kind, via, bytes: buf.length, gzipBytes: gzipSync(buf, { level: 9 }).length });
    if (kind !== 'js') return;
    const code = buf.toString('utf8');
    for (const spec of staticImports(code)) add(resolveUrl(urlPath, spec), 'js', `import from ${urlPath}`);
    for (const spec of dynamicImports(code)) lazy.add(resolveUrl(urlPath, spec));
  };

  for (const tag of html.match(/<(script|link)\b[^>]*>/gi) ?? []) {
    const isScript = /^<script/i.test(tag);
    if (isScript) {
      const src = attr(tag, 'src');
      if (!src) continue; // inline scripts: none in the built pages (CSP 'self')
      if (/^https?:/i.test(src)) throw new Error(`${page} page loads a script from elsewhere: ${src}`);
      add(resolveUrl(pageUrl, src), 'js', (attr(tag, 'type') ?? '') === 'module' ? 'module script' : 'script');
    } else {
      const rel = (attr(tag, 'rel') ?? '').toLowerCase();
      const href = attr(tag, 'href');
      if (!href || /^(data:|https?:)/i.test(href)) continue;
      if (rel === 'modulepreload') add(resolveUrl(pageUrl, href), 'js', 'modulepreload');
      else if (rel === 'stylesheet') add(resolveUrl(pageUrl, href), 'css', 'stylesheet');
    }
  }
  const sum = (kind: 'js' | 'css', key: 'bytes' | 'gzipBytes') => files.filter((f) => f.kind === kind).reduce((s, f) => s + f[key], 0);
  const jsGzipBytes = sum('js', 'gzipBytes');
  const lazyFiles = [...lazy]
    .filter((p) => !seen.has(p) && existsSync(fileFor(p)))
    .map((p) => ({ path: p, gzipBytes: gzipSync(readFileSync(fileFor(p)), { level: 9 }).length }));
  return {
    page: relative(dirname(distRenderer), htmlPath),
    jsBytes: sum('js', 'bytes'),
    jsGzipBytes,
    cssBytes: sum('css', 'bytes'),
    cssGzipBytes: sum('css', 'gzipBytes'),
    files,
    lazyFiles,
    budgetBytes: VIEWER_JS_BUDGET_BYTES,
    withinBudget: jsGzipBytes <= VIEWER_JS_BUDGET_BYTES,
    headroomBytes: VIEWER_JS_BUDGET_BYTES - jsGzipBytes,
  };
}
