/**
 * Masks resolved secret values, the way GitHub Actions masks secrets in logs.
 *
 * A secret is resolved inside the step, at the moment of use; after that, whatever
 * the step produces (its result, its outputs, an error message, a log line) may
 * contain it: an API echoing a header, a handler returning its config, a URL in an
 * error. Every value the runtime stores, returns, throws or logs passes through
 * `redact` first, so a secret never lands in DynamoDB or the execution history.
 *
 * A secret travels in more forms than its own text: a server echoes it
 * percent-encoded from a query or form body, JSON-escaped inside a string of JSON
 * text, HTML-escaped in an error page, base64-encoded in an `Authorization: Basic`
 * header. Rather than guess every encoder's exact output (upper- or lowercase hex,
 * `%20` or `+`, which characters it escapes at all), the text is searched as it is
 * and again as each escaping syntax decodes it, one and two layers deep (JSON in
 * JSON, JSON in a URL); a match in a decoded view masks the text it came from, escape
 * sequences included. Base64 cannot be decoded that way (where the secret sits
 * decides how it encodes), so its encodings at each of the three byte alignments are
 * searched for instead. All patterns of all secrets are found in one pass per view
 * (Aho-Corasick): masking stays linear in the text's length, whatever the secrets.
 */

export const MASK = '***';

/**
 * A secret with fewer characters than this is masked only where it stands alone
 * (no letter or digit right before or after it). Short values are rarely real
 * secrets (`dev`, `1`, `on`), and masking them inside words would wreck every result
 * while giving the value away by where the masks fall.
 */
export const MIN_EMBEDDED_LENGTH = 4;

/**
 * A base64 form with fewer characters than this is not masked: four or five letters
 * and digits turn up in ordinary text and in other base64 data by chance. From 5
 * bytes on, a secret has every base64 form masked; a 4-byte one only those that reach
 * this length.
 */
export const MIN_BASE64_LENGTH = 6;

export class Redactor {
  private readonly secrets = new Set<string>();
  private readonly patterns = new Map<string, Pattern>();
  private matcher: Matcher | undefined;

  /**
   * Registers a value to mask. Besides the value itself: its trimmed text, its text
   * with whitespace runs collapsed to one space, each line of a multi-line value (logs
   * are written line by line), and its base64 forms. Empty values are ignored:
   * masking "" would mask everything.
   */
  add(secret: string): void {
    if (secret.length === 0 || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    for (const pattern of patternsOf(secret)) {
      const known = this.patterns.get(pattern.text);
      // The same text registered as a short secret and as part of a longer one: mask it anywhere.
      if (!known || (known.standalone && !pattern.standalone)) this.patterns.set(pattern.text, pattern);
    }
    this.matcher = undefined;
  }

  get size(): number {
    return this.secrets.size;
  }

  redactText(text: string): string {
    if (this.patterns.size === 0 || text.length === 0) return text;
    this.matcher ??= new Matcher([...this.patterns.values()]);
    const matcher = this.matcher;
    const ranges: number[] = [];
    matcher.find(text, (start, end) => ranges.push(start, end));
    for (const outer of DECODERS) {
      const first = outer(text);
      if (!first) continue;
      matcher.find(first.text, (start, end) => ranges.push(first.from[start], first.to[end - 1]));
      for (const inner of DECODERS) {
        const second = inner(first.text);
        if (!second) continue;
        matcher.find(second.text, (start, end) => ranges.push(first.from[second.from[start]], first.to[second.to[end - 1] - 1]));
      }
    }
    return ranges.length === 0 ? text : maskRanges(text, ranges);
  }

  /** A copy of a JSON-like value with every string (and object key) masked. */
  redact<T>(value: T): T {
    if (this.patterns.size === 0) return value;
    return this.walk(value) as T;
  }

  private walk(node: unknown): unknown {
    if (typeof node === 'string') return this.redactText(node);
    if (Array.isArray(node)) return node.map((element) => this.walk(element));
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [this.redactText(key), this.walk(value)]));
    }
    return node;
  }
}

/** A text to find; a `standalone` one only where no letter or digit touches it. */
interface Pattern {
  text: string;
  standalone: boolean;
}

function patternsOf(secret: string): Pattern[] {
  const patterns: Pattern[] = [{ text: secret, standalone: characters(secret) < MIN_EMBEDDED_LENGTH }];
  // Its whitespace collapsed, as a message that flattens a body to one line writes it.
  const pieces = new Set([secret.trim(), secret.replace(/\s+/g, ' ').trim(), ...secret.split(/\r\n|\r|\n/).map((line) => line.trim())]);
  for (const piece of pieces) {
    if (piece !== secret && characters(piece) >= MIN_EMBEDDED_LENGTH) patterns.push({ text: piece, standalone: false });
  }
  for (const form of base64Forms(secret)) patterns.push({ text: form, standalone: false });
  return patterns;
}

function characters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * The base64 characters that depend on the secret's bits alone, wherever it sits in
 * the encoded data (`user:secret` of Basic auth, a token inside a JSON blob). Base64
 * writes 6 bits per character, so the secret's first byte starts a character at one
 * of three offsets (0, 2 or 4 bits in), depending on how many bytes precede it in its
 * 3-byte group; for each, the characters made only of its bits are a form. Each form
 * comes twice: followed by more data, and at the end of the data (Basic auth's case,
 * where the last character is padded with zero bits), and in both alphabets
 * (standard and URL-safe). What stays visible is the one character at each end that
 * mixes at most 4 of the secret's bits with a neighbour's.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set<string>();
  for (const before of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(before), bytes]).toString('base64').replace(/=+$/, '');
    const first = Math.ceil((8 * before) / 6);
    forms.add(encoded.slice(first, Math.floor((8 * (before + bytes.length)) / 6)));
    forms.add(encoded.slice(first));
  }
  for (const form of [...forms]) forms.add(form.replaceAll('+', '-').replaceAll('/', '_'));
  return [...forms].filter((form) => form.length >= MIN_BASE64_LENGTH);
}

/** `text` with each of the `[start, end)` ranges (flat pairs) masked; overlapping ranges become one mask. */
function maskRanges(text: string, flat: number[]): string {
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < flat.length; i += 2) ranges.push([flat[i], flat[i + 1]]);
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let copied = 0;
  let current: [number, number] | undefined;
  for (const range of ranges) {
    if (current && range[0] < current[1]) {
      current[1] = Math.max(current[1], range[1]);
      continue;
    }
    if (current) {
      out += text.slice(copied, current[0]) + MASK;
      copied = current[1];
    }
    current = [range[0], range[1]];
  }
  if (current) {
    out += text.slice(copied, current[0]) + MASK;
    copied = current[1];
  }
  return out + text.slice(copied);
}

/**
 * Aho-Corasick over UTF-16 code units: every occurrence of every pattern in one pass.
 * For masking only the longest pattern ending at each position matters (it covers
 * the shorter ones), so each node keeps that length; standalone patterns, which
 * need their neighbours checked, are kept as a list (they are few and short).
 */
class Matcher {
  private readonly next: Array<Map<number, number>> = [new Map()];
  private readonly fail: number[] = [0];
  private readonly longest: number[] = [0];
  private readonly standalone: number[][] = [[]];

  constructor(patterns: Pattern[]) {
    for (const pattern of patterns) {
      let node = 0;
      for (let i = 0; i < pattern.text.length; i++) {
        const unit = pattern.text.charCodeAt(i);
        let child = this.next[node].get(unit);
        if (child === undefined) {
          child = this.next.length;
          this.next.push(new Map());
          this.fail.push(0);
          this.longest.push(0);
          this.standalone.push([]);
          this.next[node].set(unit, child);
        }
        node = child;
      }
      if (pattern.standalone) this.standalone[node].push(pattern.text.length);
      else this.longest[node] = Math.max(this.longest[node], pattern.text.length);
    }
    // Breadth first, so a node's fail link (a shorter suffix) is complete before it is used.
    const queue = [...this.next[0].values()];
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head];
      for (const [unit, child] of this.next[node]) {
        let fallback = this.fail[node];
        while (fallback !== 0 && !this.next[fallback].has(unit)) fallback = this.fail[fallback];
        const target = this.next[fallback].get(unit);
        this.fail[child] = node !== 0 && target !== undefined ? target : 0;
        this.longest[child] = Math.max(this.longest[child], this.longest[this.fail[child]]);
        this.standalone[child] = [...this.standalone[child], ...this.standalone[this.fail[child]]];
        queue.push(child);
      }
    }
  }

  /** Calls `found(start, end)` for each place a pattern matches (the longest one, for each end). */
  find(text: string, found: (start: number, end: number) => void): void {
    let node = 0;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      while (node !== 0 && !this.next[node].has(unit)) node = this.fail[node];
      node = this.next[node].get(unit) ?? 0;
      const end = i + 1;
      if (this.longest[node] > 0) found(end - this.longest[node], end);
      for (const length of this.standalone[node]) {
        if (standsAlone(text, end - length, end)) found(end - length, end);
      }
    }
  }
}

const WORD = /[\p{L}\p{N}]/u;

function standsAlone(text: string, start: number, end: number): boolean {
  const before = start > 0 ? String.fromCodePoint(codePointBefore(text, start)) : '';
  const after = end < text.length ? String.fromCodePoint(text.codePointAt(end)!) : '';
  return !WORD.test(before) && !WORD.test(after);
}

function codePointBefore(text: string, index: number): number {
  const low = text.charCodeAt(index - 1);
  if (index >= 2 && low >= 0xdc00 && low <= 0xdfff) {
    const high = text.charCodeAt(index - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.codePointAt(index - 2)!;
  }
  return low;
}

/**
 * A text with one escaping syntax decoded; code unit `i` of `text` came from
 * `[from[i], to[i])` of the text it was decoded from.
 */
interface Decoded {
  text: string;
  from: Int32Array;
  to: Int32Array;
}

/** Each returns undefined when the text holds nothing it decodes (the view would be the text itself). */
type Decoder = (text: string) => Decoded | undefined;

/** Builds a view: literal runs are copied in one piece; decoding never makes a text longer. */
class DecodedBuilder {
  private readonly source: string;
  private readonly pieces: string[] = [];
  private readonly from: Int32Array;
  private readonly to: Int32Array;
  private length = 0;
  private copied = 0;
  private changed = false;

  constructor(source: string) {
    this.source = source;
    this.from = new Int32Array(source.length);
    this.to = new Int32Array(source.length);
  }

  /** `source[start, end)` decodes to `units`; the text before it since the last decode is kept as it is. */
  decoded(units: string, start: number, end: number): void {
    this.copyUntil(start);
    this.pieces.push(units);
    for (let i = 0; i < units.length; i++) {
      this.from[this.length] = start;
      this.to[this.length++] = end;
    }
    this.copied = end;
    this.changed = true;
  }

  result(): Decoded | undefined {
    if (!this.changed) return undefined;
    this.copyUntil(this.source.length);
    return { text: this.pieces.join(''), from: this.from.subarray(0, this.length), to: this.to.subarray(0, this.length) };
  }

  private copyUntil(end: number): void {
    if (end <= this.copied) return;
    this.pieces.push(this.source.slice(this.copied, end));
    for (let i = this.copied; i < end; i++) {
      this.from[this.length] = i;
      this.to[this.length++] = i + 1;
    }
    this.copied = end;
  }
}

/** Calls `decodeAt` at each place `trigger` matches; it returns where decoding goes on. */
function decodeEach(text: string, trigger: RegExp, decodeAt: (out: DecodedBuilder, at: number) => number): Decoded | undefined {
  const out = new DecodedBuilder(text);
  const search = new RegExp(trigger.source, 'g');
  for (let match = search.exec(text); match; match = search.exec(text)) {
    search.lastIndex = Math.max(decodeAt(out, match.index), match.index + 1);
  }
  return out.result();
}

const JSON_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** JSON string escapes: `\"`, `\\`, `\/`, `\n` …, `\u00e9` or `\u00E9`, surrogate pairs as two escapes. */
const decodeJson: Decoder = (text) =>
  text.includes('\\')
    ? decodeEach(text, /\\/, (out, at) => {
        const simple = JSON_ESCAPES[text[at + 1]];
        if (simple !== undefined) {
          out.decoded(simple, at, at + 2);
          return at + 2;
        }
        if (text[at + 1] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) {
          out.decoded(String.fromCharCode(Number.parseInt(text.slice(at + 2, at + 6), 16)), at, at + 6);
          return at + 6;
        }
        return at + 1;
      })
    : undefined;

/** `%XX` escapes of UTF-8 bytes, in either case; with `plusIsSpace`, form encoding's `+` too. */
function percentDecoder(plusIsSpace: boolean): Decoder {
  const trigger = plusIsSpace ? /[%+]/ : /%/;
  return (text) =>
    text.includes('%') || (plusIsSpace && text.includes('+'))
      ? decodeEach(text, trigger, (out, at) => {
          if (text[at] === '+') {
            out.decoded(' ', at, at + 1);
            return at + 1;
          }
          const sequence = utf8Escape(text, at);
          if (!sequence) return at + 1;
          out.decoded(String.fromCodePoint(sequence.codePoint), at, sequence.end);
          return sequence.end;
        })
      : undefined;
}

function hexByte(text: string, at: number): number | undefined {
  if (text[at] !== '%') return undefined;
  const hex = text.slice(at + 1, at + 3);
  return /^[0-9a-fA-F]{2}$/.test(hex) ? Number.parseInt(hex, 16) : undefined;
}

/** One character as percent-escaped UTF-8 at `start` (1 to 4 escapes); undefined if it is not valid UTF-8. */
function utf8Escape(text: string, start: number): { codePoint: number; end: number } | undefined {
  const lead = hexByte(text, start);
  if (lead === undefined) return undefined;
  if (lead < 0x80) return { codePoint: lead, end: start + 3 };
  const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  if (length === 0) return undefined;
  let codePoint = lead & (0xff >> (length + 1));
  for (let n = 1; n < length; n++) {
    const next = hexByte(text, start + 3 * n);
    if (next === undefined || (next & 0xc0) !== 0x80) return undefined;
    codePoint = (codePoint << 6) | (next & 0x3f);
  }
  const shortest = [0, 0, 0x80, 0x800, 0x10000][length];
  if (codePoint < shortest || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return undefined;
  return { codePoint, end: start + 3 * length };
}

const HTML_NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const HTML_ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos));/y;

/** HTML and XML character references: an error page that quotes what it was sent. */
const decodeHtml: Decoder = (text) =>
  text.includes('&')
    ? decodeEach(text, /&/, (out, at) => {
        HTML_ENTITY.lastIndex = at;
        const match = HTML_ENTITY.exec(text);
        if (!match) return at + 1;
        const codePoint = match[1] ? Number(match[1]) : match[2] ? Number.parseInt(match[2], 16) : undefined;
        const decoded = match[3] ? HTML_NAMED[match[3]] : codePoint !== undefined && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : undefined;
        if (decoded === undefined) return at + 1;
        out.decoded(decoded, at, at + match[0].length);
        return at + match[0].length;
      })
    : undefined;

const DECODERS: Decoder[] = [decodeJson, percentDecoder(false), percentDecoder(true), decodeHtml];
