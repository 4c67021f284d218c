/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` run this file on the
 * project's Node 24, which strips the types itself (cdk.json: `node infra/app.ts`).
 * No AWS account is needed to synthesize: the stack is environment-agnostic
 * unless CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION say otherwise.
 */
import { App } from 'aws-cdk-lib';
import { BatonStack } from './baton-stack.ts';
import { addChecks } from './nag.ts';
import { readSettings } from './settings.ts';

const app = new App();
const settings = readSettings(app.node);
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
new BatonStack(app, `Baton-${settings.stage}`, { settings, ...(account && region ? { env: { account, region } } : {}) });
addChecks(app);
app.synth();
