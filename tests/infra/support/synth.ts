/**
 * Synthesizes a Baton stack the way `cdk synth` does (cdk.json's context, both
 * cdk-nag packs) into a temporary cloud assembly, once per test file: bundling
 * a dozen Lambdas takes seconds, so the tests share what one synth produced.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatonStack } from '../../../infra/baton-stack.ts';
import { PROJECT_ROOT } from '../../../infra/entries.ts';
import { addChecks } from '../../../infra/nag.ts';
import { readSettings } from '../../../infra/settings.ts';

export type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string; Metadata?: Record<string, unknown> };

export interface Synthesized {
  app: App;
  stack: BatonStack;
  template: Template;
  resources: Record<string, Resource>;
  outputs: Record<string, { Value: unknown; Description?: string }>;
  /** cdk-nag findings nobody acknowledged: `<rule> at <construct path>`. */
  findings: string[];
  outdir: string;
  /** Where the assembly keeps the bundle of the Lambda with this logical id. */
  bundleDir(logicalId: string): string;
  dispose(): void;
}

export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context ?? {};
}

export function synthesizeBaton(context: Record<string, unknown> = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'baton-infra-'));
  const app = new App({ outdir, context: { ...cdkJsonContext(), ...context } });
  const settings = readSettings(app.node);
  const stack = new BatonStack(app, `Baton-${settings.stage}`, { settings });
  addChecks(app);

  let findings: string[] = [];
  try {
    app.synth();
  } catch (error) {
    const reportFile = join(outdir, 'validation-report.json');
    if (!existsSync(reportFile)) throw error;
    findings = readFindings(reportFile);
  }
  const json = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.template.json`), 'utf8'));
  return {
    app,
    stack,
    template: Template.fromJSON(json),
    resources: json.Resources,
    outputs: json.Outputs ?? {},
    findings,
    outdir,
    bundleDir(logicalId) {
      const key: string = json.Resources[logicalId].Properties.Code.S3Key;
      return join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    },
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

function readFindings(file: string): string[] {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const out: string[] = [];
  for (const plugin of report.pluginReports ?? []) {
    for (const violation of plugin.violations ?? []) {
      for (const construct of violation.violatingConstructs ?? []) out.push(`${violation.ruleName} at ${construct.constructPath}`);
    }
  }
  return out;
}

export function resourcesOfType(resources: Record<string, Resource>, type: string): Array<[string, Resource]> {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

const PSEUDO: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '123456789012', 'AWS::URLSuffix': 'amazonaws.com' };

/**
 * A CloudFormation value with intrinsics resolved the way a deploy in
 * us-east-1 / 123456789012 would: pseudo parameters, `Fn::Join`, and
 * `Fn::GetAtt <Lambda>.Arn` as a function ARN named after the logical id.
 */
export function resolveCfn(value: unknown, resources: Record<string, Resource>): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, any>;
  if (node.Ref && PSEUDO[node.Ref]) return PSEUDO[node.Ref];
  if (node['Fn::Join']) return (node['Fn::Join'][1] as unknown[]).map((part) => resolveCfn(part, resources)).join(node['Fn::Join'][0]);
  if (node['Fn::GetAtt'] && node['Fn::GetAtt'][1] === 'Arn') {
    const [logicalId] = node['Fn::GetAtt'];
    const type = resources[logicalId]?.Type;
    if (type === 'AWS::Lambda::Function') return `arn:aws:lambda:us-east-1:123456789012:function:${logicalId}`;
    if (type === 'AWS::StepFunctions::StateMachine') return `arn:aws:states:us-east-1:123456789012:stateMachine:${resources[logicalId].Properties.StateMachineName}`;
  }
  throw new Error(`resolveCfn: cannot resolve ${JSON.stringify(value)}`);
}

/** A state machine's definition as Step Functions will run it: its substitutions applied. */
export function deployedDefinition(stateMachine: Resource, resources: Record<string, Resource>): Record<string, unknown> {
  const substitutions = stateMachine.Properties.DefinitionSubstitutions ?? {};
  const text = (stateMachine.Properties.DefinitionString as string).replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, key: string) =>
    key in substitutions ? resolveCfn(substitutions[key], resources) : whole,
  );
  return JSON.parse(text);
}

/** Every IAM statement of the template, with the logical id of the policy (or role) that holds it. */
export function iamStatements(resources: Record<string, Resource>): Array<{ holder: string; roles: string[]; statement: Record<string, any> }> {
  const out: Array<{ holder: string; roles: string[]; statement: Record<string, any> }> = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IAM::Policy') {
      const roles = (r.Properties.Roles ?? []).map((role: { Ref: string }) => role.Ref);
      for (const statement of r.Properties.PolicyDocument.Statement) out.push({ holder: id, roles, statement });
    }
    if (r.Type === 'AWS::IAM::Role') for (const policy of r.Properties.Policies ?? []) for (const statement of policy.PolicyDocument.Statement) out.push({ holder: id, roles: [id], statement });
  }
  return out;
}

export const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
