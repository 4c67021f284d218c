/**
 * The Lambdas that compiled state machines call, one per role: the control
 * Lambda, one per built-in step kind (http, agent, approval) from the one step
 * entry, and one per user function file, each bundled with that file's code.
 * Only the roles some definition uses are deployed. Each gets the table, the
 * secrets its own Task states name, and the Step Functions calls its role makes,
 * on the executions of the workflows that call it.
 */
import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { relative } from 'node:path';
import type { LambdaRole } from '../compiler/contract/index.ts';
import { BatonFunction } from './baton-function.ts';
import type { CompiledWorkflow } from './definitions.ts';
import { entryPath, PROJECT_ROOT } from './entries.ts';
import { functionEntry } from './generated-files.ts';
import type { BatonSettings } from './settings.ts';
import type { BatonTable } from './table.ts';

export interface RuntimeFunctionsProps {
  workflows: CompiledWorkflow[];
  table: BatonTable;
  settings: BatonSettings;
  /** Workflow name → its state machine's name. */
  stateMachineName: (workflow: string) => string;
}

/** What each role calls on Step Functions, besides the table and its secrets. */
const ROLE_ACTIONS: Record<LambdaRole['kind'], { executions: string[]; stateMachines: string[] }> = {
  // Barriers release a waiting branch's task token.
  control: { executions: [], stateMachines: ['states:SendTaskSuccess', 'states:SendTaskFailure'] },
  // Pause and cancel stop the execution at the step boundary.
  http: { executions: ['states:StopExecution'], stateMachines: [] },
  agent: { executions: ['states:StopExecution'], stateMachines: [] },
  function: { executions: ['states:StopExecution'], stateMachines: [] },
  // An approval releases its own token once decided (or at once, when its checkpoint already succeeded).
  approval: { executions: ['states:StopExecution'], stateMachines: ['states:SendTaskSuccess', 'states:SendTaskFailure'] },
};

/**
 * Lambda timeouts: a step's own `timeout` is kept by the Task state and the
 * runtime; these only bound one invocation. One HTTP request (an http step, a
 * model provider's answer) may take the runtime's 5 minutes; an agentapi
 * agent returns within its 60 s poll budget; user code may take Lambda's 15.
 */
const ROLE_TIMEOUTS: Record<LambdaRole['kind'], Duration> = {
  control: Duration.seconds(30),
  http: Duration.minutes(6),
  agent: Duration.minutes(6),
  approval: Duration.seconds(30),
  function: Duration.minutes(15),
};

interface Deployed {
  fn: BatonFunction;
  role: LambdaRole;
  workflows: Set<string>;
  secrets: Set<string>;
}

export class RuntimeFunctions extends Construct {
  private readonly byIdentity = new Map<string, Deployed>();
  private readonly byWorkflow = new Map<string, Record<string, BatonFunction>>();

  constructor(scope: Construct, id: string, props: RuntimeFunctionsProps) {
    super(scope, id);
    const { settings } = props;
    const ids = new Set<string>();
    for (const workflow of props.workflows) {
      const keys: Record<string, BatonFunction> = {};
      for (const [key, role] of Object.entries(workflow.manifest.lambdas)) {
        // One Lambda per kind, and per user file as the definition names it.
        const identity = role.kind === 'function' ? `function:${workflow.functionFiles[key]}\0${role.file}` : role.kind;
        let deployed = this.byIdentity.get(identity);
        if (!deployed) {
          let constructId = key;
          for (let n = 2; ids.has(constructId); n++) constructId = `${key}_${n}`;
          ids.add(constructId);
          deployed = { fn: this.create(constructId, role, workflow.functionFiles[key], settings), role, workflows: new Set(), secrets: new Set() };
          this.byIdentity.set(identity, deployed);
        }
        deployed.workflows.add(workflow.name);
        for (const secret of workflow.secretsByLambda[key] ?? []) deployed.secrets.add(secret);
        keys[key] = deployed.fn;
      }
      this.byWorkflow.set(workflow.name, keys);
    }

    for (const deployed of this.byIdentity.values()) {
      const names = [...deployed.workflows].sort().map(props.stateMachineName);
      deployed.fn.bindTable(props.table).bindSecrets(settings.secretsPrefix, deployed.secrets);
      deployed.fn.addEnvironment('BATON_RETENTION_DAYS', String(settings.runRetentionDays));
      const actions = ROLE_ACTIONS[deployed.role.kind];
      deployed.fn.allowStates(actions.executions, 'executions', names).allowStates(actions.stateMachines, 'stateMachines', names);
    }
  }

  /** Placeholder key → Lambda, for one workflow's definition substitutions. */
  forWorkflow(name: string): Record<string, BatonFunction> {
    const keys = this.byWorkflow.get(name);
    if (!keys) throw new Error(`Baton: no Lambdas for workflow ${name}`);
    return keys;
  }

  get functions(): BatonFunction[] {
    return [...this.byIdentity.values()].map((d) => d.fn);
  }

  private create(id: string, role: LambdaRole, file: string | undefined, settings: BatonSettings): BatonFunction {
    const common = { logRetention: settings.logRetention, timeout: ROLE_TIMEOUTS[role.kind] };
    switch (role.kind) {
      case 'control':
        return new BatonFunction(this, id, { ...common, entry: entryPath('control'), service: 'baton-control', description: 'Baton: the run bookkeeping of every workflow (start, finish, dependency barriers)' });
      case 'function': {
        const shown = relative(PROJECT_ROOT, file!);
        return new BatonFunction(this, id, {
          ...common,
          entry: functionEntry(id, file!, role.file),
          service: `baton-fn-${id.replace(/^BatonFn_/, '')}`,
          description: `Baton: user function ${shown}`.slice(0, 256),
        });
      }
      default:
        return new BatonFunction(this, id, {
          ...common,
          entry: entryPath('step'),
          service: `baton-${role.kind}`,
          description: `Baton: ${role.kind} steps`,
          environment: { BATON_STEP_KIND: role.kind },
        });
    }
  }
}
