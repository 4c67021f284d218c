import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The docs link to each other by file and section, and the code's comments cite
 * sections by title (`docs/runtime.md, "The run result"`). A heading renamed in
 * one place breaks the others silently; these tests find every such link.
 */

const ROOT = resolve(import.meta.dirname, '../../..');
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The text outside fenced code blocks and inline code, where links and headings live. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, (code) => ' '.repeat(code.length));
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every heading of a markdown file: its title and its anchor (repeated titles get `-1`, `-2`). */
function headings(file: string): Array<{ title: string; anchor: string }> {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  const seen = new Map<string, number>();
  return [...text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map((m) => {
    const title = m[1].replace(/`/g, '');
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return { title, anchor: n === 0 ? base : `${base}-${n}` };
  });
}

function links(file: string): string[] {
  const text = prose(readFileSync(join(ROOT, file), 'utf8'));
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) continue;
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|js|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

describe('docs: links', () => {
  it.each(DOCS)('%s: every relative link names a file that exists, and every #anchor a heading in it', (file) => {
    const broken: string[] = [];
    for (const link of links(file)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:
      const [path, anchor] = link.split('#', 2);
      const target = path === '' ? file : relative(ROOT, resolve(ROOT, dirname(file), decodeURIComponent(path)));
      if (!existsSync(join(ROOT, target))) {
        broken.push(`${link}: no file ${target}`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md') && !headings(target).some((h) => h.anchor === anchor)) {
        broken.push(`${link}: ${target} has no heading with the anchor #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it.each(DOCS)('%s: points at the project\'s own docs, never at shared/ design pages', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    expect(text).not.toMatch(/shared\//);
    expect(text).not.toMatch(/DSL\.md/);
  });

  it('no code or message points at design pages outside the repository', () => {
    const self = relative(ROOT, import.meta.filename);
    const pointing = ['compiler', 'functions', 'cli', 'bench', 'tests', 'infra', 'definitions']
      .flatMap(sourceFiles)
      .filter((f) => f !== self && /(DSL|DESIGN|STYLE|FACTS)\.md|\.\.\/shared\//.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(pointing).toEqual([]);
  });

  it('every section the code cites by title (docs/x.md, "Title") is a heading of that doc', () => {
    const broken: string[] = [];
    const self = relative(ROOT, import.meta.filename);
    for (const source of ['compiler', 'functions', 'cli', 'bench', 'tests', 'infra', 'definitions'].flatMap(sourceFiles).filter((f) => f !== self)) {
      const text = readFileSync(join(ROOT, source), 'utf8');
      for (const m of text.matchAll(/docs\/([\w-]+\.md)(?:,\s*|\s*\(\s*)"([^"]+)"/g)) {
        const doc = `docs/${m[1]}`;
        if (!existsSync(join(ROOT, doc))) broken.push(`${source}: ${doc} does not exist`);
        else if (!headings(doc).some((h) => h.title === m[2])) broken.push(`${source}: ${doc} has no section "${m[2]}"`);
      }
    }
    expect(broken).toEqual([]);
  });
});
