import type { CauseId } from '../findings/cause-ids.ts';
import type { CatalogEntry } from './entry.ts';

/** The catalog entries of one area (`tls`, `dns`, ...): exactly that area's ids, all required. */
export type AreaCatalog<A extends string> = { [K in Extract<CauseId, `${A}.${string}`>]: CatalogEntry };

/** The `{param}` names each entry's templates use, per id of the area (checked by catalog.test.ts). */
export type AreaParams<A extends string> = { [K in Extract<CauseId, `${A}.${string}`>]: readonly ParamName[] };

/**
 * The shared parameter vocabulary. Checks and the classifier pass these names, so templates of
 * different areas stay fillable by the same producers.
 */
export const PARAM_NAMES = [
  'host', 'port', 'name', 'address', 'addresses', 'expected', 'resolver', 'notAfter', 'notBefore', 'daysLeft',
  'subjectCN', 'sans', 'issuer', 'image', 'repository', 'reference', 'platform', 'platforms', 'robot', 'project',
  'node', 'namespace', 'pod', 'secretName', 'path', 'detail', 'status', 'code', 'url', 'ratio', 'threshold', 'value',
  'family', 'seconds', 'version', 'field', 'expiresAt', 'component', 'suite',
  // AWS network resources (helpers/checks/eks/)
  'group', 'cidr', 'network', 'routeTable', 'subnets', 'target', 'destination', 'networkAcl', 'direction', 'rule',
  'id', 'insight', 'recommendation',
  // DNS samples ("2 of 4" queries answered only on a retry)
  'lost',
] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
