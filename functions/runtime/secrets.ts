/**
 * Where `${{ secrets.NAME }}` values come from: the environment locally, Secrets
 * Manager on AWS. Steps resolve them at the moment of use (docs/runtime.md, "Secrets"), so a secret is
 * read inside the step's process and never travels through the state machine.
 */

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretNotFoundError } from './errors.ts';

export interface SecretResolver {
  /** The secret's value; `SecretNotFoundError` if it does not exist. */
  get(name: string): Promise<string>;
}

/** Local secrets: `process.env[NAME]`, so `GITHUB_TOKEN=… baton run` just works. */
export class EnvSecrets implements SecretResolver {
  private readonly env: Record<string, string | undefined>;

  constructor(env: Record<string, string | undefined> = process.env) {
    this.env = env;
  }

  async get(name: string): Promise<string> {
    const value = this.env[name];
    if (value === undefined) throw new SecretNotFoundError(name);
    return value;
  }
}

export interface SecretsManagerSecretsOptions {
  client?: SecretsManagerClient;
  /** Prepended to the name: `NAME` is read from SecretId `${prefix}NAME`. Default `baton/`. */
  prefix?: string;
  /** How long a value is reused by a warm Lambda. Default 60 s: a rotated secret is seen within a minute. */
  ttlMs?: number;
  now?: () => number;
}

/** AWS secrets: GetSecretValue on `${prefix}${NAME}`, cached briefly per Lambda container. */
export class SecretsManagerSecrets implements SecretResolver {
  private readonly client: SecretsManagerClient;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { value: Promise<string>; expires: number }>();

  constructor(options: SecretsManagerSecretsOptions = {}) {
    this.client = options.client ?? new SecretsManagerClient({});
    this.prefix = options.prefix ?? 'baton/';
    this.ttlMs = options.ttlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  async get(name: string): Promise<string> {
    const cached = this.cache.get(name);
    if (cached && cached.expires > this.now()) return cached.value;
    const value = this.fetch(name);
    this.cache.set(name, { value, expires: this.now() + this.ttlMs });
    // A failed read is not cached: the next use asks again.
    value.catch(() => this.cache.delete(name));
    return value;
  }

  private async fetch(name: string): Promise<string> {
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: `${this.prefix}${name}` }));
      if (result.SecretString !== undefined) return result.SecretString;
      if (result.SecretBinary !== undefined) return Buffer.from(result.SecretBinary).toString('utf8');
      throw new SecretNotFoundError(name);
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') throw new SecretNotFoundError(name);
      throw error;
    }
  }
}
