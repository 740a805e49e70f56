import type { Catalog } from './entry.ts';
import type { ParamName } from './area.ts';
import { AUTH_PARAMS, auth } from './auth.ts';
import { CLUSTER_PARAMS, cluster } from './cluster.ts';
import { DNS_PARAMS, dns } from './dns.ts';
import { EKS_PARAMS, eks } from './eks.ts';
import { HARBOR_PARAMS, harbor } from './harbor.ts';
import { IMAGE_PARAMS, image } from './image.ts';
import { INTERNAL_PARAMS, internal } from './internal.ts';
import { METRICS_PARAMS, metrics } from './metrics.ts';
import { NET_PARAMS, net } from './net.ts';
import { NODE_PARAMS, node } from './node.ts';
import { TLS_PARAMS, tls } from './tls.ts';
import type { CauseId } from '../findings/cause-ids.ts';

/**
 * Every cause's text (title, message template, explanation, remediation, doc links, guide step),
 * one file per area. The `Catalog` type makes a missing id a compile error.
 */
export const CATALOG: Catalog = { ...tls, ...dns, ...net, ...auth, ...image, ...node, ...harbor, ...metrics, ...eks, ...cluster, ...internal };

/** The `{param}` names each entry's templates use (documented per area file). */
export const CATALOG_PARAMS: Record<CauseId, readonly ParamName[]> = {
  ...TLS_PARAMS, ...DNS_PARAMS, ...NET_PARAMS, ...AUTH_PARAMS, ...IMAGE_PARAMS, ...NODE_PARAMS,
  ...HARBOR_PARAMS, ...METRICS_PARAMS, ...EKS_PARAMS, ...CLUSTER_PARAMS, ...INTERNAL_PARAMS,
};
