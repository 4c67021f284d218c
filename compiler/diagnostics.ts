/**
 * Every diagnostic the compiler reports, by stable code. Tests check codes and
 * locations, never wording, so messages may improve freely; codes never change
 * meaning. BTN1xx parse, BTN2xx schema, BTN3xx graph and limits, BTN4xx expressions,
 * BTN5xx the files a definition names (checked outside the compiler, which does no
 * I/O: cli/check-functions.ts, cli/check-workflows.ts).
 */
export const Codes = {
  TooManyProblems: 'BTN100',
  YamlSyntax: 'BTN101',
  NotAMapping: 'BTN102',
  EmptyDocument: 'BTN103',
  Encoding: 'BTN104',
  TooDeep: 'BTN105',
  AliasExpansion: 'BTN106',
  UnsupportedTag: 'BTN107',
  BadKey: 'BTN108',

  UnknownKey: 'BTN201',
  MissingKey: 'BTN202',
  InvalidValue: 'BTN203',
  StepKind: 'BTN204',
  KeyNotForKind: 'BTN205',
  UnknownAgent: 'BTN206',
  RunNotSupported: 'BTN207',
  InvalidDuration: 'BTN208',
  MapConcurrencyLimit: 'BTN209',
  AgentConfig: 'BTN210',
  InputDefault: 'BTN211',

  UnknownStep: 'BTN301',
  Cycle: 'BTN302',
  HandlerMisuse: 'BTN303',
  SelfReference: 'BTN304',
  StateNameTooLong: 'BTN306',
  DefinitionTooLarge: 'BTN307',
  InvalidStateName: 'BTN308',
  DurationTooLong: 'BTN309',
  FunctionTimeoutTooLong: 'BTN310',

  ExprSyntax: 'BTN401',
  UnknownContext: 'BTN402',
  UnknownFunction: 'BTN403',
  NotRepresentable: 'BTN404',
  UnknownStepRef: 'BTN405',
  NotAnAncestor: 'BTN406',
  UnknownInput: 'BTN407',
  UnknownOutput: 'BTN408',
  ContextNotHere: 'BTN409',
  ExpressionTooLong: 'BTN410',

  FunctionFileMissing: 'BTN501',
  FunctionExportMissing: 'BTN502',
  WorkflowNotFound: 'BTN503',
  FunctionFileBroken: 'BTN504',
} as const;

export type Code = (typeof Codes)[keyof typeof Codes];

export interface Diagnostic {
  code: string;
  message: string;
  severity: 'error' | 'warning';
  /** 1-based, as editors and `FILE:LINE:COL` want them. */
  line: number;
  column: number;
}

/** `FILE:LINE:COL: error CODE: message`, the format editors and CI annotate from. */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  return `${file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;
}

/** The most diagnostics one compile reports; past it, one more line says how many were left out. */
export const MAX_DIAGNOSTICS = 100;
