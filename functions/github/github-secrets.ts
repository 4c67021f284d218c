/**
 * The secrets the GitHub side reads, by name, from the same resolver steps use:
 * the environment locally (`GITHUB_WEBHOOK_SECRET=… baton serve`), Secrets
 * Manager on AWS (`baton/GITHUB_WEBHOOK_SECRET`, cached for a minute in a warm
 * Lambda). An optional secret that is absent is remembered as absent for a
 * minute too, so a bad signature never costs a Secrets Manager call per request.
 */
import { ErrorNames } from '../runtime/errors.ts';
import type { SecretResolver } from '../runtime/secrets.ts';
import { GithubSetupError } from './errors.ts';
import type { WebhookSecretSource } from './signature.ts';

export const SecretNames = {
  webhook: 'GITHUB_WEBHOOK_SECRET',
  /** The secret being rotated out, accepted until it is removed. */
  previousWebhook: 'GITHUB_WEBHOOK_SECRET_PREVIOUS',
  appId: 'GITHUB_APP_ID',
  appPrivateKey: 'GITHUB_APP_PRIVATE_KEY',
  token: 'GITHUB_TOKEN',
} as const;

export class GithubSecrets implements WebhookSecretSource {
  private readonly resolver: SecretResolver;
  private readonly absentForMs: number;
  private readonly now: () => number;
  private readonly absent = new Map<string, number>();

  constructor(resolver: SecretResolver, options: { absentForMs?: number; now?: () => number } = {}) {
    this.resolver = resolver;
    this.absentForMs = options.absentForMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  async current(): Promise<string> {
    const secret = await this.optional(SecretNames.webhook);
    if (!secret) throw new GithubSetupError(`Baton has no webhook secret: set ${SecretNames.webhook} (the secret in the webhook's settings on GitHub)`);
    return secret;
  }

  previous(): Promise<string | undefined> {
    return this.optional(SecretNames.previousWebhook);
  }

  /** The secret's value, or undefined when it is not set (or empty). */
  async optional(name: string): Promise<string | undefined> {
    const until = this.absent.get(name);
    if (until !== undefined && until > this.now()) return undefined;
    try {
      const value = await this.resolver.get(name);
      if (value !== '') return value;
    } catch (error) {
      if ((error as { name?: string }).name !== ErrorNames.SecretNotFound) throw error;
    }
    this.absent.set(name, this.now() + this.absentForMs);
    return undefined;
  }
}
