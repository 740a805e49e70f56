import { notConfigured, type CheckContext, type CheckOutput } from '../check.ts';

/**
 * What every AWS API call of the eks suite shares: the client settings from the target (region,
 * optional endpoint override, the target's timeouts) and the reading of failures that mean "could
 * not check" rather than "found a problem". Credentials come from the SDK's default provider chain.
 */
export function awsClientConfig(ctx: CheckContext) {
  const aws = ctx.target.aws!;
  return {
    region: aws.region,
    ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
    requestHandler: { requestTimeout: ctx.target.timeouts.requestMs, connectionTimeout: ctx.target.timeouts.connectMs },
    maxAttempts: 2,
  };
}

/** One API call's abort signal: the check's (or run's) signal, and at most two request timeouts. */
export function awsSignal(ctx: CheckContext): AbortSignal {
  return AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.target.timeouts.requestMs * 2)]);
}

export const NO_CREDENTIALS = 'no AWS credentials found (default provider chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or shared config/SSO, container or instance role)';

/**
 * Error names by which AWS refuses an identity: EKS (restJson1) says AccessDeniedException, EC2
 * (query protocol) UnauthorizedOperation; unknown or invalid keys are UnrecognizedClientException
 * (EKS), AuthFailure (EC2), InvalidClientTokenId (IAM-style).
 */
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnrecognizedClientException', 'AuthFailure', 'InvalidClientTokenId', 'SignatureDoesNotMatch']);

/**
 * A failed AWS call as a not-checked outcome, when it says the identity or the environment cannot
 * look (no credentials, denied, operation not served by the endpoint); undefined for anything else
 * (the caller rethrows: hybrid-doctor failed, reported as errored).
 */
export function awsNotChecked(err: unknown, operation: string, permission: string): CheckOutput | undefined {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? '';
  if (name === 'CredentialsProviderError' || /credential/i.test(name)) return notConfigured(NO_CREDENTIALS);
  if (DENIED.has(name)) return notConfigured(`${operation} was denied (${name}): the AWS identity needs ${permission}`);
  // A 403 whose body the SDK could not read as an AWS error (a proxy, an emulator answering in
  // another protocol's format) is still a refusal of the identity.
  if (e.$metadata?.httpStatusCode === 403) return notConfigured(`${operation} was denied (HTTP 403): the AWS identity needs ${permission}`);
  // A resource the cluster names but EC2 does not know (a deleted group or subnet): nothing to judge.
  if (/\.NotFound$/.test(name)) return notConfigured(`${operation}: ${(err as Error).message} (${name})`);
  // An endpoint that does not implement the operation (an emulator, an old partition) answers 404
  // with no AWS error type; the SDK then fails to parse the body.
  if (e.$metadata?.httpStatusCode === 404 && !/NotFound/.test(name)) return notConfigured(`the AWS endpoint does not implement ${operation} (HTTP 404)`);
  return undefined;
}
